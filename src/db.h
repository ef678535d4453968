/*
 * db.h
 *		Saved SPI plans for temp_id's own tables, and the one-row result
 *		helper the API functions share.
 */
#ifndef TEMP_ID_DB_H
#define TEMP_ID_DB_H

#include "postgres.h"

#include "executor/spi.h"
#include "fmgr.h"

typedef struct TidPlan
{
	const char *sql;			/* names schema-qualified: search_path is pinned */
	int			nargs;
	const char *argtypes[16];	/* type names, resolved once per backend */
	SPIPlanPtr	plan;			/* filled in on first use */
} TidPlan;

/*
 * Run a saved plan (SPI must be connected).  nulls is NULL or a string of
 * ' '/'n' as SPI wants.  Returns the number of rows processed.
 */
extern uint64 tid_exec(TidPlan *p, Datum *values, const char *nulls, long tcount);

/* Run a plan taking one int8 id; 22023 "<what> <id> does not exist" if no row. */
extern void tid_exec_by_id(TidPlan *p, int64 id, const char *what);

/* Column n (1-based) of row 0 of the last result; *isnull set. */
extern Datum tid_col(int n, bool *isnull);

/* OID of temp_id's schema, and of a type in it, cached per backend. */
extern Oid	tid_namespace(void);
extern Oid	tid_type(const char *name);
extern Oid	tid_resident_id_type(void);	/* cached until a pg_type change */

/* Return one row from a function declared RETURNS TABLE. */
extern Datum tid_return_row(FunctionCallInfo fcinfo, Datum *values, bool *nulls,
							 bool spi_connected);

#endif							/* TEMP_ID_DB_H */

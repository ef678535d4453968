/*
 * db.c
 *		Saved SPI plans and small catalog look-ups shared by the API.
 *
 * Plans are prepared on first use and kept for the backend's life.  They
 * name our objects schema-qualified (operators too: OPERATOR(temp_id.=)),
 * because the SECURITY DEFINER functions run with search_path pinned to
 * pg_catalog, pg_temp.  If the extension is dropped and created again in
 * the same backend, the schema OID changes and every plan is prepared anew.
 */
#include "db.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "parser/parse_type.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#define MAX_PLANS 64

static Oid	cached_namespace = InvalidOid;
static TidPlan *prepared[MAX_PLANS];
static int	nprepared = 0;

Oid
tid_namespace(void)
{
	return get_namespace_oid("temp_id", false);
}

Oid
tid_type(const char *name)
{
	Oid			typid = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
										CStringGetDatum(name),
										ObjectIdGetDatum(tid_namespace()));

	if (!OidIsValid(typid))
		elog(ERROR, "type temp_id.%s is missing", name);
	return typid;
}

/* Forget every plan when the extension was re-created in this backend. */
static void
check_generation(void)
{
	Oid			nsp = tid_namespace();

	if (nsp == cached_namespace)
		return;
	for (int i = 0; i < nprepared; i++)
	{
		SPI_freeplan(prepared[i]->plan);
		prepared[i]->plan = NULL;
	}
	nprepared = 0;
	cached_namespace = nsp;
}

static void
prepare(TidPlan *p)
{
	Oid			types[12];
	SPIPlanPtr	plan;

	for (int i = 0; i < p->nargs; i++)
	{
		int32		typmod;

		parseTypeString(p->argtypes[i], &types[i], &typmod, false);
	}
	plan = SPI_prepare(p->sql, p->nargs, types);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed for \"%s\": %s", p->sql,
			 SPI_result_code_string(SPI_result));
	if (nprepared >= MAX_PLANS)
		elog(ERROR, "too many temp_id plans");
	SPI_keepplan(plan);
	p->plan = plan;
	prepared[nprepared++] = p;
}

uint64
tid_exec(TidPlan *p, Datum *values, const char *nulls, long tcount)
{
	int			rc;

	check_generation();
	if (p->plan == NULL)
		prepare(p);
	rc = SPI_execute_plan(p->plan, values, nulls, false, tcount);
	if (rc < 0)
		elog(ERROR, "SPI_execute_plan failed for \"%s\": %s", p->sql,
			 SPI_result_code_string(rc));
	return SPI_processed;
}

Datum
tid_col(int n, bool *isnull)
{
	return SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, n, isnull);
}

Datum
tid_return_row(FunctionCallInfo fcinfo, Datum *values, bool *nulls)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	InitMaterializedSRF(fcinfo, 0);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	return (Datum) 0;
}

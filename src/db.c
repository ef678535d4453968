/*
 * db.c
 *		Saved SPI plans and small catalog look-ups shared by the API.
 *
 * Plans are prepared on first use and kept for the backend's life.  They
 * name our objects schema-qualified (operators too: OPERATOR(temp_id.=)),
 * because the SECURITY DEFINER functions run with search_path pinned to
 * pg_catalog, pg_temp.  If the extension is dropped and created again in
 * the same backend, every plan is prepared anew.
 */
#include "db.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "parser/parse_type.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#define MAX_PLANS 64

static Oid	cached_generation = InvalidOid;
static bool generation_checked = false;
static bool callback_registered = false;
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

/*
 * Forget every plan when the extension was re-created in this backend.  The
 * schema survives DROP EXTENSION (it is not a member), so the generation is
 * the OID of our type, which does not.  It is looked up again only after a
 * type invalidation, not on every statement.
 */
static void
type_changed(Datum arg, int cacheid, uint32 hashvalue)
{
	generation_checked = false;
}

static void
check_generation(void)
{
	Oid			generation;

	if (generation_checked)
		return;
	if (!callback_registered)
	{
		CacheRegisterSyscacheCallback(TYPEOID, type_changed, (Datum) 0);
		callback_registered = true;
	}
	generation = tid_type("resident_id");
	generation_checked = true;

	if (generation == cached_generation)
		return;
	for (int i = 0; i < nprepared; i++)
	{
		SPI_freeplan(prepared[i]->plan);
		prepared[i]->plan = NULL;
	}
	nprepared = 0;
	cached_generation = generation;
}

static void
prepare(TidPlan *p)
{
	Oid			types[16];
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

/* The resident_id type's OID, kept by check_generation: no look-up per call. */
Oid
tid_resident_id_type(void)
{
	check_generation();
	return cached_generation;
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

void
tid_exec_by_id(TidPlan *p, int64 id, const char *what)
{
	Datum		v[1] = {Int64GetDatum(id)};

	if (tid_exec(p, v, NULL, 1) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s %lld does not exist", what, (long long) id)));
}

Datum
tid_col(int n, bool *isnull)
{
	return SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, n, isnull);
}

/*
 * One row, returned value-per-call with isDone = ExprSingleResult: no
 * tuplestore, and the result descriptor is built once per call site.  With
 * SPI connected the row is copied out to the caller's context, since SPI's
 * own is freed by SPI_finish.
 */
Datum
tid_return_row(FunctionCallInfo fcinfo, Datum *values, bool *nulls, bool spi_connected)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TupleDesc	desc = (TupleDesc) fcinfo->flinfo->fn_extra;
	HeapTuple	tuple;

	if (desc == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);

		if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
			elog(ERROR, "function returning a row called in a context that cannot accept one");
		desc = BlessTupleDesc(CreateTupleDescCopy(desc));
		fcinfo->flinfo->fn_extra = desc;
		MemoryContextSwitchTo(old);
	}
	if (rsinfo != NULL && IsA(rsinfo, ReturnSetInfo))
		rsinfo->isDone = ExprSingleResult;
	tuple = heap_form_tuple(desc, values, nulls);
	if (spi_connected)
		return PointerGetDatum(SPI_returntuple(tuple, desc));
	return HeapTupleGetDatum(tuple);
}

/*
 * audit.c
 *		The audit trail: a row trigger that records every insert and update
 *		of applications, certificates and QR sessions, and the guard that
 *		keeps the audit table and the scan log append-only.
 *
 * trigger arguments: the first names the table's status column ('' for
 * none); the rest name columns left out of the record (secrets, location).
 * Columns of type resident_id are masked, and so are columns whose name
 * ends in "_name", so no audit row ever holds a full ID number or name.
 *
 * Restores: pg_dump reloads the audit table itself, so the rows it loads
 * into the audited tables must not be audited again.  pg_dump's scripts and
 * pg_restore both run with row_security = off, which no application session
 * does; a write under row_security = off that does not come from one of our
 * API functions is taken as a restore (COPY or --inserts) and not audited.
 * Values are recorded in a fixed form (timestamps ISO 8601 in UTC), so the
 * record does not depend on the writer's DateStyle or TimeZone.
 */
#include "temp_id.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/datum.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/timestamp.h"

#include "db.h"

PG_FUNCTION_INFO_V1(audit_row);
PG_FUNCTION_INFO_V1(append_only);

bool		tid_purge_in_progress = false;
bool		tid_in_api = false;

static TidPlan audit_insert = {
	"INSERT INTO temp_id.audit (clock_at, real_at, table_name, row_id, operation,"
	" old_status, new_status, db_role, app_account, txid, changes)"
	" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
	11, {"timestamptz", "timestamptz", "text", "int8", "text", "text", "text",
	"text", "text", "int8", "jsonb"}
};

static bool
restore_under_way(void)
{
	return !row_security && !tid_in_api;
}

/* tid_in_api never outlives the transaction that set it, even on error. */
static void
reset_api_flag(XactEvent event, void *arg)
{
	tid_in_api = false;
}

void
tid_enter_api(void)
{
	static bool registered = false;

	if (!registered)
	{
		RegisterXactCallback(reset_api_flag, NULL);
		registered = true;
	}
	tid_in_api = true;
}

static bool
hidden_column(Trigger *tg, const char *name)
{
	for (int i = 1; i < tg->tgnargs; i++)
		if (strcmp(tg->tgargs[i], name) == 0)
			return true;
	return false;
}

static bool
name_ends_with(const char *name, const char *suffix)
{
	size_t		n = strlen(name),
				s = strlen(suffix);

	return n >= s && strcmp(name + n - s, suffix) == 0;
}

/* A timestamptz as ISO 8601 in UTC, a date as ISO, whatever the session says. */
char *
tid_iso_text(Oid type, Datum value)
{
	struct pg_tm tm;
	fsec_t		fsec = 0;
	char		buf[MAXDATELEN + 2];

	if (type == DATEOID)
	{
		DateADT		d = DatumGetDateADT(value);

		if (DATE_NOT_FINITE(d))
			return pstrdup(DATE_IS_NOBEGIN(d) ? "-infinity" : "infinity");
		j2date(d + POSTGRES_EPOCH_JDATE, &tm.tm_year, &tm.tm_mon, &tm.tm_mday);
		EncodeDateOnly(&tm, USE_ISO_DATES, buf);
		return pstrdup(buf);
	}
	if (TIMESTAMP_NOT_FINITE(DatumGetTimestampTz(value)) ||
		timestamp2tm(DatumGetTimestampTz(value), NULL, &tm, &fsec, NULL, NULL) != 0)
		return pstrdup(TIMESTAMP_IS_NOBEGIN(DatumGetTimestampTz(value)) ? "-infinity" : "infinity");
	EncodeDateTime(&tm, fsec, false, 0, NULL, USE_XSD_DATES, buf);
	strcat(buf, "Z");
	return pstrdup(buf);
}

static void
push_string(JsonbParseState **state, JsonbIteratorToken token, const char *str)
{
	JsonbValue	v;

	v.type = jbvString;
	v.val.string.val = (char *) str;
	v.val.string.len = strlen(str);
	pushJsonbValue(state, token, &v);
}

/* The value as audit JSON: masked where it is personal, raw for numbers. */
static void
push_value(JsonbParseState **state, Form_pg_attribute att, Datum value, bool isnull,
		   Oid resident_id_type)
{
	Oid			type = att->atttypid;
	JsonbValue	v;
	Oid			outfn;
	bool		varlena;
	char	   *s;

	if (isnull)
		v.type = jbvNull;
	else if (type == BOOLOID)
	{
		v.type = jbvBool;
		v.val.boolean = DatumGetBool(value);
	}
	else if (type == INT2OID || type == INT4OID || type == INT8OID)
	{
		v.type = jbvNumeric;
		v.val.numeric = int64_to_numeric(type == INT8OID ? DatumGetInt64(value) :
										 type == INT4OID ? DatumGetInt32(value) :
										 DatumGetInt16(value));
	}
	else if (type == resident_id_type)
		return push_string(state, WJB_VALUE, tid_mask_resident_id(DatumGetInt64(value)));
	else if (type == TIMESTAMPTZOID || type == DATEOID)
		return push_string(state, WJB_VALUE, tid_iso_text(type, value));
	else
	{
		getTypeOutputInfo(type, &outfn, &varlena);
		s = OidOutputFunctionCall(outfn, value);
		return push_string(state, WJB_VALUE,
						   name_ends_with(NameStr(att->attname), "_name") ? tid_mask_name(s) : s);
	}
	pushJsonbValue(state, WJB_VALUE, &v);
}

/* {"column": value, ...} of every column (INSERT) or every changed one (UPDATE). */
static Datum
changes_json(Trigger *tg, TupleDesc desc, HeapTuple oldtup, HeapTuple newtup)
{
	JsonbParseState *state = NULL;
	JsonbValue *result;
	Oid			rid_type = tid_resident_id_type();

	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		bool		isnull,
					oldnull;
		Datum		value,
					oldvalue;

		if (att->attisdropped || hidden_column(tg, NameStr(att->attname)))
			continue;
		value = heap_getattr(newtup, i + 1, desc, &isnull);
		if (oldtup)
		{
			oldvalue = heap_getattr(oldtup, i + 1, desc, &oldnull);
			if (isnull == oldnull &&
				(isnull || datumIsEqual(value, oldvalue, att->attbyval, att->attlen)))
				continue;
		}
		push_string(&state, WJB_KEY, NameStr(att->attname));
		push_value(&state, att, value, isnull, rid_type);
	}
	result = pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	return JsonbPGetDatum(JsonbValueToJsonb(result));
}

/* Text of a named column, or a null. */
static Datum
column_text(TupleDesc desc, HeapTuple tup, const char *name, char *null)
{
	int			attno = (name && *name && tup) ? SPI_fnumber(desc, name) : SPI_ERROR_NOATTRIBUTE;
	char	   *s = attno > 0 ? SPI_getvalue(tup, desc, attno) : NULL;

	*null = s ? ' ' : 'n';
	return s ? CStringGetTextDatum(s) : (Datum) 0;
}

Datum
audit_row(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Trigger    *tg;
	TupleDesc	desc;
	HeapTuple	oldtup = NULL,
				newtup;
	Datum		v[11];
	char		n[12] = "           ";
	int			idno;
	bool		isnull;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event))
		elog(ERROR, "audit_row must be an AFTER ... FOR EACH ROW trigger");
	if (restore_under_way())
		return PointerGetDatum(NULL);

	tg = td->tg_trigger;
	desc = RelationGetDescr(td->tg_relation);
	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
	{
		oldtup = td->tg_trigtuple;
		newtup = td->tg_newtuple;
	}
	else
		newtup = td->tg_trigtuple;

	v[0] = TimestampTzGetDatum(tid_clock());
	v[1] = TimestampTzGetDatum(GetCurrentTimestamp());
	v[2] = CStringGetTextDatum(RelationGetRelationName(td->tg_relation));
	idno = SPI_fnumber(desc, "id");
	v[3] = idno > 0 ? heap_getattr(newtup, idno, desc, &isnull) : (Datum) 0;
	if (idno <= 0 || isnull)
		n[3] = 'n';
	v[4] = CStringGetTextDatum(oldtup ? "UPDATE" : "INSERT");
	v[5] = column_text(desc, oldtup, tg->tgnargs > 0 ? tg->tgargs[0] : NULL, &n[5]);
	v[6] = column_text(desc, newtup, tg->tgnargs > 0 ? tg->tgargs[0] : NULL, &n[6]);
	v[7] = CStringGetTextDatum(GetUserNameFromId(GetOuterUserId(), false));
	v[8] = column_text(desc, newtup, "account_id", &n[8]);
	v[9] = Int64GetDatum((int64) U64FromFullTransactionId(GetTopFullTransactionId()));

	SPI_connect();
	v[10] = changes_json(tg, desc, oldtup, newtup);
	tid_exec(&audit_insert, v, n, 0);
	SPI_finish();
	return PointerGetDatum(NULL);
}

/* BEFORE UPDATE OR DELETE (row) and BEFORE TRUNCATE (statement) guard. */
Datum
append_only(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "append_only must be called as a trigger");
	if (tid_purge_in_progress && TRIGGER_FIRED_BY_DELETE(td->tg_event))
		return PointerGetDatum(td->tg_trigtuple);
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("%s is append-only", RelationGetRelationName(td->tg_relation)),
			 errdetail("Rows leave it only through temp_id.purge().")));
	return PointerGetDatum(NULL);
}

/*
 * purge.c
 *		temp_id.purge(older_than): retention.  The only way rows leave the
 *		audit trail and the scan log.
 *
 * Nothing that still counts is removed: a certificate that is live, or
 * issued in the current natural month (it counts toward the quota), keeps
 * its application, QR sessions and audit history; pending applications and
 * the holders rows that carry this month's count or a live certificate
 * stay too.  What was removed is itself recorded in the audit trail.
 */
#include "temp_id.h"

#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"

#include "db.h"

PG_FUNCTION_INFO_V1(tid_purge);

/* $1 = cutoff, $2 = clock, $3 = first day of the current month */
static const struct
{
	const char *table;
	const char *sql;
}			steps[] = {
	{"scans", "DELETE FROM temp_id.scans WHERE scanned_at < $1"},
	{"purge_candidates",
		"CREATE TEMP TABLE temp_id_purge_certs ON COMMIT DROP AS"
		" SELECT id, application_id FROM temp_id.certificates"
		" WHERE valid_from < $1 AND issue_month < $3"
		" AND NOT (status = 'issued' AND valid_until > $2)"},
	{"qr_sessions",
		"DELETE FROM temp_id.qr_sessions s"
		" WHERE s.certificate_id IN (SELECT id FROM pg_temp.temp_id_purge_certs)"},
	{"certificates",
		"DELETE FROM temp_id.certificates WHERE id IN (SELECT id FROM pg_temp.temp_id_purge_certs)"},
	{"applications",
		"DELETE FROM temp_id.applications a WHERE a.applied_at < $1"
		" AND a.status <> 'pending_verification'"
		" AND NOT EXISTS (SELECT 1 FROM temp_id.certificates c WHERE c.application_id = a.id)"},
	{"holders",
		"DELETE FROM temp_id.holders WHERE quota_month < $3"
		" AND (active_until IS NULL OR active_until <= $2)"},
	{"audit",
		"DELETE FROM temp_id.audit t WHERE t.clock_at < $1 AND NOT CASE t.table_name"
		" WHEN 'applications' THEN EXISTS (SELECT 1 FROM temp_id.applications x WHERE x.id = t.row_id)"
		" WHEN 'certificates' THEN EXISTS (SELECT 1 FROM temp_id.certificates x WHERE x.id = t.row_id)"
		" WHEN 'qr_sessions' THEN EXISTS (SELECT 1 FROM temp_id.qr_sessions x WHERE x.id = t.row_id)"
		" ELSE false END"},
	{"drop_candidates", "DROP TABLE pg_temp.temp_id_purge_certs"},
};

/* ISO 8601 duration, whatever the session's IntervalStyle */
static char *
iso_interval(Interval *iv)
{
	struct pg_itm itm;
	char		buf[MAXDATELEN + 1];

	interval2itm(*iv, &itm);
	EncodeInterval(&itm, INTSTYLE_ISO_8601, buf);
	return pstrdup(buf);
}

Datum
tid_purge(PG_FUNCTION_ARGS)
{
	TimestampTz now = tid_clock();
	Interval   *older_than;
	Datum		args[3];
	Oid			types[3] = {TIMESTAMPTZOID, TIMESTAMPTZOID, DATEOID};
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	StringInfoData summary;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("older_than must not be null")));
	older_than = PG_GETARG_INTERVAL_P(0);
	if (older_than->month < 0 || older_than->day < 0 || older_than->time < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("older_than must not be negative")));

	args[0] = DirectFunctionCall2(timestamptz_mi_interval, TimestampTzGetDatum(now),
								  IntervalPGetDatum(older_than));
	args[1] = TimestampTzGetDatum(now);
	args[2] = DateADTGetDatum(tid_month_date(now));

	InitMaterializedSRF(fcinfo, 0);
	initStringInfo(&summary);
	SPI_connect();
	tid_purge_in_progress = true;
	PG_TRY();
	{
		for (int i = 0; i < lengthof(steps); i++)
		{
			int			rc = SPI_execute_with_args(steps[i].sql, 3, types, args, NULL, false, 0);
			Datum		row[2];
			bool		nulls[2] = {false, false};

			if (rc < 0)
				elog(ERROR, "purge step on %s failed: %s", steps[i].table,
					 SPI_result_code_string(rc));
			if (rc != SPI_OK_DELETE)
				continue;
			row[0] = CStringGetTextDatum(steps[i].table);
			row[1] = Int64GetDatum((int64) SPI_processed);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, row, nulls);
			appendStringInfo(&summary, "%s\"%s\": %llu", summary.len ? ", " : "",
							 steps[i].table, (unsigned long long) SPI_processed);
		}
	}
	PG_FINALLY();
	{
		tid_purge_in_progress = false;
	}
	PG_END_TRY();

	{
		char	   *changes = psprintf("{\"older_than\": \"%s\", \"cutoff\": \"%s\", %s}",
									   iso_interval(older_than),
									   tid_iso_text(TIMESTAMPTZOID, args[0]),
									   summary.data);
		Datum		v[3] = {TimestampTzGetDatum(now), TimestampTzGetDatum(GetCurrentTimestamp()),
		CStringGetTextDatum(changes)};
		Oid			t[3] = {TIMESTAMPTZOID, TIMESTAMPTZOID, TEXTOID};

		if (SPI_execute_with_args("INSERT INTO temp_id.audit (clock_at, real_at, table_name,"
								  " operation, db_role, txid, changes)"
								  " VALUES ($1, $2, 'purge', 'PURGE', current_user,"
								  " pg_catalog.txid_current(), $3::pg_catalog.jsonb)",
								  3, t, v, NULL, false, 0) != SPI_OK_INSERT)
			elog(ERROR, "could not record the purge in the audit trail");
	}
	SPI_finish();
	return (Datum) 0;
}

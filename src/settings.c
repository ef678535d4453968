/*
 * settings.c
 *		The temp_id.* settings and the clock every rule reads.
 *
 * All settings are PGC_SUSET: they decide quotas and token lifetimes, so an
 * application role must not be able to change them for its own session.
 * Durations are integer GUCs in seconds, so '24h' and '30min' work as in
 * any PostgreSQL time setting; history_window needs calendar months and so
 * is an interval parsed here.  The parsed forms of temp_id.now, zone and
 * history_window are kept by assign hooks, so the hot paths never parse.
 */
#include "temp_id.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "pgtime.h"
#include "utils/datetime.h"
#include "utils/guc.h"
#include "utils/timestamp.h"

#include <stdlib.h>

int			tid_monthly_quota = 3;
int			tid_validity_s = 24 * 3600;
int			tid_renewal_window_s = 3 * 3600;
int			tid_code_interval_s = 60;
int			tid_code_skew = 1;
int			tid_session_ttl_s = 30 * 60;
int			tid_pending_ttl_s = 10 * 60;

static char *now_string;
static char *zone_string;
static char *history_window_string;

static bool now_fixed = false;
static TimestampTz now_value;
static pg_tz *zone_tz;
static Interval history_window_value;

/* Parse a timestamptz without raising: check hooks must not throw. */
static bool
parse_timestamptz(const char *str, TimestampTz *result)
{
	char		workbuf[MAXDATELEN + 1];
	char	   *field[MAXDATEFIELDS];
	int			ftype[MAXDATEFIELDS];
	int			nf,
				dtype,
				tz;
	struct pg_tm tm;
	fsec_t		fsec;

	if (ParseDateTime(str, workbuf, sizeof(workbuf), field, ftype,
					  MAXDATEFIELDS, &nf) != 0)
		return false;
	if (DecodeDateTime(field, ftype, nf, &dtype, &tm, &fsec, &tz) != 0)
		return false;
	if (dtype != DTK_DATE)
		return false;
	return tm2timestamp(&tm, fsec, &tz, result) == 0;
}

static bool
check_now(char **newval, void **extra, GucSource source)
{
	TimestampTz ts;

	if (*newval == NULL || (*newval)[0] == '\0')
		return true;
	if (!parse_timestamptz(*newval, &ts))
	{
		GUC_check_errdetail("temp_id.now must be empty or a timestamp with time zone, such as '2026-01-31 17:00:00+00'.");
		return false;
	}
	*extra = malloc(sizeof(TimestampTz));
	if (*extra == NULL)
		return false;
	*(TimestampTz *) *extra = ts;
	return true;
}

static void
assign_now(const char *newval, void *extra)
{
	now_fixed = (extra != NULL);
	if (extra)
		now_value = *(TimestampTz *) extra;
}

static bool
check_zone(char **newval, void **extra, GucSource source)
{
	pg_tz	   *tz = (*newval && (*newval)[0]) ? pg_tzset(*newval) : NULL;

	if (tz == NULL)
	{
		GUC_check_errdetail("temp_id.zone must be a time zone name such as 'Asia/Shanghai'.");
		return false;
	}
	*extra = malloc(sizeof(pg_tz *));
	if (*extra == NULL)
		return false;
	*(pg_tz **) *extra = tz;
	return true;
}

static void
assign_zone(const char *newval, void *extra)
{
	zone_tz = *(pg_tz **) extra;
}

static bool
check_history_window(char **newval, void **extra, GucSource source)
{
	char		workbuf[256];
	char	   *field[MAXDATEFIELDS];
	int			ftype[MAXDATEFIELDS];
	int			nf,
				dtype;
	struct pg_itm_in itm;
	Interval	iv;

	if (*newval == NULL ||
		ParseDateTime(*newval, workbuf, sizeof(workbuf), field, ftype,
					  MAXDATEFIELDS, &nf) != 0 ||
		DecodeInterval(field, ftype, nf, INTERVAL_FULL_RANGE, &dtype, &itm) != 0 ||
		dtype != DTK_DELTA || itmin2interval(&itm, &iv) != 0 ||
		iv.month < 0 || iv.day < 0 || iv.time < 0 ||
		(iv.month == 0 && iv.day == 0 && iv.time == 0))
	{
		GUC_check_errdetail("temp_id.history_window must be a positive interval such as '1 month'.");
		return false;
	}
	*extra = malloc(sizeof(Interval));
	if (*extra == NULL)
		return false;
	*(Interval *) *extra = iv;
	return true;
}

static void
assign_history_window(const char *newval, void *extra)
{
	history_window_value = *(Interval *) extra;
}

static void
define_seconds(const char *name, const char *desc, int *var, int boot, int min, int max)
{
	DefineCustomIntVariable(name, desc, NULL, var, boot, min, max,
							PGC_SUSET, GUC_UNIT_S, NULL, NULL, NULL);
}

void
tid_define_settings(void)
{
	DefineCustomIntVariable("temp_id.monthly_quota",
							"Successful applications allowed per person per natural month.",
							NULL, &tid_monthly_quota, 3, 0, 1000,
							PGC_SUSET, 0, NULL, NULL, NULL);
	define_seconds("temp_id.validity", "Life of a certificate.",
				   &tid_validity_s, 24 * 3600, 60, 30 * 86400);
	define_seconds("temp_id.renewal_window",
				   "How long before expiry a new certificate may be issued.",
				   &tid_renewal_window_s, 3 * 3600, 0, 30 * 86400);
	define_seconds("temp_id.code_interval", "QR token rotation step.",
				   &tid_code_interval_s, 60, 1, 3600);
	DefineCustomIntVariable("temp_id.code_skew",
							"Token steps accepted either side of the current one.",
							NULL, &tid_code_skew, 1, 0, 10,
							PGC_SUSET, 0, NULL, NULL, NULL);
	define_seconds("temp_id.session_ttl",
				   "Life of a QR display session before re-verification.",
				   &tid_session_ttl_s, 30 * 60, 1, 86400);
	define_seconds("temp_id.pending_ttl",
				   "Time allowed between apply and confirm_identity.",
				   &tid_pending_ttl_s, 10 * 60, 1, 86400);
	DefineCustomStringVariable("temp_id.history_window",
							   "How far back account_history reaches.",
							   NULL, &history_window_string, "1 month",
							   PGC_SUSET, 0,
							   check_history_window, assign_history_window, NULL);
	DefineCustomStringVariable("temp_id.zone",
							   "Time zone that defines a natural month.",
							   NULL, &zone_string, "Asia/Shanghai",
							   PGC_SUSET, 0, check_zone, assign_zone, NULL);
	DefineCustomStringVariable("temp_id.now",
							   "Fixed instant replacing the clock in every rule; empty means the real clock.",
							   NULL, &now_string, "",
							   PGC_SUSET, 0, check_now, assign_now, NULL);
	MarkGUCPrefixReserved("temp_id");
}

TimestampTz
tid_clock(void)
{
	return now_fixed ? now_value : GetCurrentTimestamp();
}

Interval *
tid_history_window(void)
{
	return &history_window_value;
}

TimestampTz
tid_add_seconds(TimestampTz t, int seconds)
{
	return t + (TimestampTz) seconds * USECS_PER_SEC;
}

/* Local calendar fields of t in temp_id.zone. */
static void
local_fields(TimestampTz t, struct pg_tm *tm)
{
	int			tz;
	fsec_t		fsec;

	if (timestamp2tm(t, &tz, tm, &fsec, NULL, zone_tz) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
}

TimestampTz
tid_month_start(TimestampTz t, int add_months)
{
	struct pg_tm tm;
	int			tz;
	TimestampTz result;

	local_fields(t, &tm);
	tm.tm_mon += add_months;
	while (tm.tm_mon > MONTHS_PER_YEAR)
	{
		tm.tm_mon -= MONTHS_PER_YEAR;
		tm.tm_year++;
	}
	tm.tm_mday = 1;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tz = DetermineTimeZoneOffset(&tm, zone_tz);
	if (tm2timestamp(&tm, 0, &tz, &result) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	return result;
}

DateADT
tid_date_in_zone(TimestampTz t)
{
	struct pg_tm tm;

	local_fields(t, &tm);
	return date2j(tm.tm_year, tm.tm_mon, tm.tm_mday) - POSTGRES_EPOCH_JDATE;
}

DateADT
tid_month_date(TimestampTz t)
{
	struct pg_tm tm;

	local_fields(t, &tm);
	return date2j(tm.tm_year, tm.tm_mon, 1) - POSTGRES_EPOCH_JDATE;
}

int32
tid_today_ymd(void)
{
	struct pg_tm tm;

	local_fields(tid_clock(), &tm);
	return tm.tm_year * 10000 + tm.tm_mon * 100 + tm.tm_mday;
}

PG_FUNCTION_INFO_V1(tid_clock_sql);

Datum
tid_clock_sql(PG_FUNCTION_ARGS)
{
	PG_RETURN_TIMESTAMPTZ(tid_clock());
}

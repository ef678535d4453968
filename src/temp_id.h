/*
 * temp_id.h
 *		Declarations shared by the temp_id C files: settings, the clock,
 *		calendar helpers and our SQLSTATEs.
 */
#ifndef TEMP_ID_H
#define TEMP_ID_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "utils/date.h"

/* SQLSTATEs of our own (class TI) */
#define ERRCODE_TI_SESSION_EXPIRED		MAKE_SQLSTATE('T','I','0','0','1')
#define ERRCODE_TI_NOT_ACTIVE			MAKE_SQLSTATE('T','I','0','0','2')
#define ERRCODE_TI_ALREADY_DECIDED		MAKE_SQLSTATE('T','I','0','0','3')

/* settings.c: every GUC, in the units the C code wants */
extern int	tid_monthly_quota;
extern int	tid_validity_s;
extern int	tid_renewal_window_s;
extern int	tid_code_interval_s;
extern int	tid_code_skew;
extern int	tid_session_ttl_s;
extern int	tid_pending_ttl_s;

extern void tid_define_settings(void);
extern TimestampTz tid_clock(void);
extern Interval *tid_history_window(void);
extern TimestampTz tid_add_seconds(TimestampTz t, int seconds);

/* first instant of the natural month (in temp_id.zone) holding t, and of the next */
extern TimestampTz tid_month_start(TimestampTz t, int add_months);
extern DateADT tid_month_date(TimestampTz t);
extern DateADT tid_date_in_zone(TimestampTz t);
extern int32 tid_today_ymd(void);

/* resident_id.c: text to stored form, raising 22P02 */
extern int64 tid_parse_resident_id(const char *s, size_t len);

/* mask.c */
extern char *tid_mask_name(const char *name);
extern char *tid_mask_resident_id(int64 body);

/* lifecycle.c: open a QR display session (also used by reverify) */
extern int64 tid_open_session(int64 certificate_id, TimestampTz now,
							  const char *opened_by, bool passed,
							  Datum score, bool score_null, text *provider_ref);

/* audit.c: purge lifts the append-only guard for its own statement; the
 * API functions mark their writes so the audit trigger can tell them from a
 * restore */
extern bool tid_purge_in_progress;
extern void tid_enter_api(void);
/* a timestamptz as ISO 8601 UTC or a date as ISO, independent of DateStyle */
extern char *tid_iso_text(Oid type, Datum value);

#endif							/* TEMP_ID_H */

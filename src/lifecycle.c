/*
 * lifecycle.c
 *		apply, confirm_identity, revoke and quota_status: the rules on who
 *		may hold a certificate, decided inside the database.
 *
 * Concurrency: every decision that can issue a certificate is taken while
 * holding the person's row in temp_id.holders FOR UPDATE, and that row
 * carries the month's count and the latest validity end, which are updated
 * in the same transaction as the issue.  Under READ COMMITTED, FOR UPDATE
 * hands back the newest version of the row, so the decision is on fresh
 * data.  Under REPEATABLE READ or SERIALIZABLE, a row changed since the
 * snapshot makes FOR UPDATE raise 40001, which the caller retries: the
 * decision is never taken on a snapshot older than the lock.
 */
#include "temp_id.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "db.h"
#include "resident_id_core.h"

PG_FUNCTION_INFO_V1(tid_apply);
PG_FUNCTION_INFO_V1(tid_confirm_identity);
PG_FUNCTION_INFO_V1(tid_revoke);
PG_FUNCTION_INFO_V1(tid_quota_status);

#define MAX_NAME_CHARS 64
#define SECRET_BYTES 32

/* What the holders row says about a person, as of the lock (or a read). */
typedef struct Holder
{
	bool		found;
	DateADT		month;			/* month the count belongs to */
	int32		used;
	bool		has_active;
	int64		active_certificate_id;
	TimestampTz active_until;
} Holder;

/* A refusal decided from a Holder: reason and retry instant. */
typedef struct Decision
{
	const char *reason;			/* NULL when allowed */
	TimestampTz retry_after;
} Decision;

static TidPlan holder_read = {
	"SELECT quota_month, quota_used, active_certificate_id, active_until"
	" FROM temp_id.holders WHERE id_number OPERATOR(temp_id.=) $1",
	1, {"temp_id.resident_id"}
};
static TidPlan holder_lock = {
	"SELECT quota_month, quota_used, active_certificate_id, active_until"
	" FROM temp_id.holders WHERE id_number OPERATOR(temp_id.=) $1 FOR UPDATE",
	1, {"temp_id.resident_id"}
};
static TidPlan holder_insert = {
	"INSERT INTO temp_id.holders (id_number, quota_month, quota_used)"
	" VALUES ($1, $2, 0) ON CONFLICT DO NOTHING"
	" RETURNING quota_month, quota_used, active_certificate_id, active_until",
	2, {"temp_id.resident_id", "date"}
};
static TidPlan holder_update = {
	"UPDATE temp_id.holders SET quota_month = $2, quota_used = $3,"
	" active_certificate_id = $4, active_until = $5"
	" WHERE id_number OPERATOR(temp_id.=) $1",
	5, {"temp_id.resident_id", "date", "int4", "int8", "timestamptz"}
};
static TidPlan app_insert = {
	"INSERT INTO temp_id.applications (applied_at, document_type, id_number,"
	" full_name, location, account_id, status, reason, retry_after, decided_at)"
	" VALUES ($1, $2, $3, $4, $5, $6, $7::temp_id.application_status,"
	" $8::temp_id.refusal_reason, $9, $10) RETURNING id",
	10, {"timestamptz", "temp_id.document_type", "temp_id.resident_id", "text",
	"point", "text", "text", "text", "timestamptz", "timestamptz"}
};
static TidPlan app_lock = {
	"SELECT applied_at, status::text, id_number, full_name, account_id"
	" FROM temp_id.applications WHERE id = $1 FOR UPDATE",
	1, {"int8"}
};
static TidPlan app_decide = {
	"UPDATE temp_id.applications SET status = $2::temp_id.application_status,"
	" reason = $3::temp_id.refusal_reason, retry_after = $4,"
	" decided_at = $5, certificate_id = $6, score = $7, provider_ref = $8"
	" WHERE id = $1",
	8, {"int8", "text", "text", "timestamptz", "timestamptz", "int8", "float4", "text"}
};
static TidPlan issue_all = {
	"WITH c AS (INSERT INTO temp_id.certificates (application_id, id_number,"
	"  holder_name, account_id, valid_from, valid_until, issue_month, minor, secret)"
	"  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id),"
	" h AS (UPDATE temp_id.holders SET quota_month = $7, quota_used = $10,"
	"  active_certificate_id = (SELECT id FROM c), active_until = $6"
	"  WHERE id_number OPERATOR(temp_id.=) $2),"
	" a AS (UPDATE temp_id.applications SET status = 'issued', reason = NULL,"
	"  retry_after = NULL, decided_at = $5, certificate_id = (SELECT id FROM c),"
	"  score = $11, provider_ref = $12 WHERE id = $1),"
	" s AS (INSERT INTO temp_id.qr_sessions (certificate_id, opened_at, expires_at,"
	"  opened_by, passed, score, provider_ref)"
	"  SELECT id, $5, $13, 'issue', true, $11, $12 FROM c RETURNING id)"
	" SELECT c.id, s.id FROM c, s",
	13, {"int8", "temp_id.resident_id", "text", "text", "timestamptz", "timestamptz",
	"date", "bool", "bytea", "int4", "float4", "text", "timestamptz"}
};
static TidPlan cert_read = {
	"SELECT id_number FROM temp_id.certificates WHERE id = $1",
	1, {"int8"}
};
static TidPlan cert_revoke = {
	"UPDATE temp_id.certificates SET status = 'revoked', revoked_at = $2,"
	" revoke_reason = $3 WHERE id = $1 AND status = 'issued'",
	3, {"int8", "timestamptz", "text"}
};
static TidPlan cert_latest_active = {
	"SELECT id, valid_until FROM temp_id.certificates"
	" WHERE id_number OPERATOR(temp_id.=) $1 AND status = 'issued'"
	" AND valid_until > $2 ORDER BY valid_until DESC LIMIT 1",
	2, {"temp_id.resident_id", "timestamptz"}
};
static TidPlan session_open = {
	"INSERT INTO temp_id.qr_sessions (certificate_id, opened_at, expires_at,"
	" opened_by, passed, score, provider_ref)"
	" VALUES ($1, $2, $3, $4::temp_id.session_opening, $5, $6, $7) RETURNING id",
	7, {"int8", "timestamptz", "timestamptz", "text", "bool", "float4", "text"}
};

/* Session-open is shared with token.c's reverify. */
int64
tid_open_session(int64 certificate_id, TimestampTz now, const char *opened_by,
				 bool passed, Datum score, bool score_null, text *provider_ref)
{
	Datum		v[7];
	char		n[8] = "       ";
	bool		isnull;

	v[0] = Int64GetDatum(certificate_id);
	v[1] = TimestampTzGetDatum(now);
	v[2] = TimestampTzGetDatum(passed ? tid_add_seconds(now, tid_session_ttl_s) : now);
	v[3] = CStringGetTextDatum(opened_by);
	v[4] = BoolGetDatum(passed);
	v[5] = score;
	if (score_null)
		n[5] = 'n';
	v[6] = PointerGetDatum(provider_ref);
	if (provider_ref == NULL)
		n[6] = 'n';
	tid_exec(&session_open, v, n, 1);
	return DatumGetInt64(tid_col(1, &isnull));
}

static void
require_arg(FunctionCallInfo fcinfo, int n, const char *name)
{
	if (PG_ARGISNULL(n))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", name)));
}

/* White space for the blank-name check, beyond ASCII space. */
static bool
is_unicode_space(pg_wchar c)
{
	return c == 0x20 || c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200b) ||
		c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f ||
		c == 0x3000 || c == 0xfeff;
}

/*
 * A name is 1..64 characters, not blank, with no control characters (C0,
 * DEL or C1).  Checked by code point: in UTF-8 a C1 control is two bytes.
 * The errors hide the statement, whose text may hold the name and number.
 */
static void
check_full_name(text *t)
{
	const char *s = VARDATA_ANY(t);
	int			len = VARSIZE_ANY_EXHDR(t);
	bool		utf8 = GetDatabaseEncoding() == PG_UTF8;
	bool		blank = true;
	int			nchars = 0;

	pg_verifymbstr(s, len, false);
	for (int i = 0; i < len; nchars++)
	{
		int			w = pg_mblen(s + i);
		pg_wchar	c = utf8 ? utf8_to_unicode((const unsigned char *) s + i)
			: (pg_wchar) (unsigned char) s[i];

		if (c < 0x20 || (c >= 0x7f && c <= 0x9f && (utf8 || w == 1)))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("full name must not contain control characters"),
					 errhidestmt(true)));
		if (!is_unicode_space(c))
			blank = false;
		i += w;
	}
	if (blank)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("full name must not be empty or blank"),
				 errhidestmt(true)));
	if (nchars > MAX_NAME_CHARS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("full name must be at most %d characters", MAX_NAME_CHARS),
				 errdetail("The name given has %d characters.", nchars),
				 errhidestmt(true)));
}

/* Fill h from the first row of the last result, if there is one. */
static void
holder_from_result(uint64 rows, Holder *h)
{
	bool		isnull;

	memset(h, 0, sizeof(*h));
	if (rows == 0)
		return;
	h->found = true;
	h->month = DatumGetDateADT(tid_col(1, &isnull));
	h->used = DatumGetInt32(tid_col(2, &isnull));
	h->active_certificate_id = DatumGetInt64(tid_col(3, &isnull));
	h->has_active = !isnull;
	h->active_until = DatumGetTimestampTz(tid_col(4, &isnull));
	h->has_active = h->has_active && !isnull;
}

static void
read_holder(TidPlan *plan, int64 id_number, Holder *h)
{
	Datum		v[1] = {Int64GetDatum(id_number)};

	holder_from_result(tid_exec(plan, v, NULL, 1), h);
}

/*
 * Lock the person's row.  Most people are new, so first try to insert it
 * (the inserted row is ours, locked); if it exists, lock it.  A concurrent
 * first insert that then rolls back leaves neither: try again.
 */
static void
lock_holder(int64 id_number, TimestampTz now, Holder *h)
{
	Datum		v[2] = {Int64GetDatum(id_number), DateADTGetDatum(tid_month_date(now))};

	for (;;)
	{
		holder_from_result(tid_exec(&holder_insert, v, NULL, 1), h);
		if (h->found)
			return;
		read_holder(&holder_lock, id_number, h);
		if (h->found)
			return;
	}
}

static int32
used_this_month(const Holder *h, TimestampTz now)
{
	return (h->found && h->month == tid_month_date(now)) ? h->used : 0;
}

static bool
active_at(const Holder *h, TimestampTz now)
{
	return h->has_active && h->active_until > now;
}

/* The quota and renewal rules, shared by apply and confirm_identity. */
static Decision
decide(const Holder *h, TimestampTz now)
{
	Decision	d = {NULL, 0};
	TimestampTz window_opens = active_at(h, now)
		? tid_add_seconds(h->active_until, -tid_renewal_window_s) : now;

	if (used_this_month(h, now) >= tid_monthly_quota)
	{
		d.reason = "monthly_quota_exhausted";
		d.retry_after = Max(tid_month_start(now, 1), window_opens);
	}
	else if (window_opens > now)
	{
		d.reason = "active_certificate";
		d.retry_after = window_opens;
	}
	return d;
}

Datum
tid_apply(PG_FUNCTION_ARGS)
{
	TimestampTz now = tid_clock();
	Datum		result;
	char	   *doc;
	text	   *id_text;
	int64		id_number = 0;
	bool		have_id = false;
	Decision	d = {NULL, 0};
	Datum		v[10];
	char		n[11] = "          ";
	Datum		out[4];
	bool		outnull[4] = {false, false, false, false};
	bool		isnull;

	require_arg(fcinfo, 0, "document_type");
	require_arg(fcinfo, 1, "id_number");
	require_arg(fcinfo, 2, "full_name");
	check_full_name(PG_GETARG_TEXT_PP(2));

	doc = DatumGetCString(DirectFunctionCall1(enum_out, PG_GETARG_DATUM(0)));
	id_text = PG_GETARG_TEXT_PP(1);
	if (strcmp(doc, "resident_id_card") == 0)
	{
		id_number = tid_parse_resident_id(VARDATA_ANY(id_text), VARSIZE_ANY_EXHDR(id_text));
		have_id = true;
	}

	tid_enter_api();
	SPI_connect();
	if (!have_id || rid_region((uint64) id_number) / 10000 >= 81)
		d.reason = "unsupported_document";
	else if (PG_ARGISNULL(3))
		d.reason = "location_required";
	else
	{
		Holder		h;

		read_holder(&holder_read, id_number, &h);
		d = decide(&h, now);
	}

	v[0] = TimestampTzGetDatum(now);
	v[1] = PG_GETARG_DATUM(0);
	v[2] = Int64GetDatum(id_number);
	if (!have_id)
		n[2] = 'n';
	v[3] = PG_GETARG_DATUM(2);
	v[4] = PG_ARGISNULL(3) ? (Datum) 0 : PG_GETARG_DATUM(3);
	if (PG_ARGISNULL(3))
		n[4] = 'n';
	v[5] = PG_ARGISNULL(4) ? (Datum) 0 : PG_GETARG_DATUM(4);
	if (PG_ARGISNULL(4))
		n[5] = 'n';
	v[6] = CStringGetTextDatum(d.reason ? "refused" : "pending_verification");
	v[7] = d.reason ? CStringGetTextDatum(d.reason) : (Datum) 0;
	v[8] = TimestampTzGetDatum(d.retry_after);
	v[9] = TimestampTzGetDatum(now);
	if (!d.reason)
		n[7] = n[8] = n[9] = 'n';
	else if (d.retry_after == 0)
		n[8] = 'n';
	tid_exec(&app_insert, v, n, 1);

	out[0] = tid_col(1, &isnull);
	out[1] = v[6];
	out[2] = v[7];
	outnull[2] = (n[7] == 'n');
	out[3] = v[8];
	outnull[3] = (n[8] == 'n');
	result = tid_return_row(fcinfo, out, outnull, true);
	SPI_finish();
	return result;
}

/* Record a decision on an application that does not issue. */
static void
decide_application(int64 app_id, const char *status, const char *reason,
				   TimestampTz retry_after, TimestampTz now,
				   FunctionCallInfo fcinfo)
{
	Datum		v[8];
	char		n[9] = "     n  ";

	v[0] = Int64GetDatum(app_id);
	v[1] = CStringGetTextDatum(status);
	v[2] = CStringGetTextDatum(reason);
	v[3] = TimestampTzGetDatum(retry_after);
	if (retry_after == 0)
		n[3] = 'n';
	v[4] = TimestampTzGetDatum(now);
	v[5] = (Datum) 0;
	v[6] = PG_ARGISNULL(2) ? (Datum) 0 : PG_GETARG_DATUM(2);
	if (PG_ARGISNULL(2))
		n[6] = 'n';
	v[7] = PG_ARGISNULL(3) ? (Datum) 0 : PG_GETARG_DATUM(3);
	if (PG_ARGISNULL(3))
		n[7] = 'n';
	tid_exec(&app_decide, v, n, 0);
}

static bool
is_minor(int64 id_number, TimestampTz now)
{
	int32		born = rid_birth_ymd((uint64) id_number);
	int			y,
				m,
				d;

	j2date(tid_date_in_zone(now) + POSTGRES_EPOCH_JDATE, &y, &m, &d);
	return (y * 10000 + m * 100 + d) - born < 180000;
}

typedef struct Issued
{
	int64		certificate_id;
	TimestampTz valid_until;
	int64		session_id;
} Issued;

/*
 * Issue: the certificate, the person's count and latest validity, the
 * application's decision and the first QR session, in one statement (one
 * executor run instead of four).
 */
static Issued
issue(int64 app_id, int64 id_number, Datum holder_name, Datum account_id,
	  bool account_null, const Holder *h, TimestampTz now, FunctionCallInfo fcinfo)
{
	Issued		r;
	bytea	   *secret = palloc(VARHDRSZ + SECRET_BYTES);
	Datum		v[13];
	char		n[14] = "             ";
	bool		isnull;

	SET_VARSIZE(secret, VARHDRSZ + SECRET_BYTES);
	if (!pg_strong_random(VARDATA(secret), SECRET_BYTES))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate a certificate secret")));
	r.valid_until = tid_add_seconds(now, tid_validity_s);

	v[0] = Int64GetDatum(app_id);
	v[1] = Int64GetDatum(id_number);
	v[2] = holder_name;
	v[3] = account_id;
	if (account_null)
		n[3] = 'n';
	v[4] = TimestampTzGetDatum(now);
	v[5] = TimestampTzGetDatum(r.valid_until);
	v[6] = DateADTGetDatum(tid_month_date(now));
	v[7] = BoolGetDatum(is_minor(id_number, now));
	v[8] = PointerGetDatum(secret);
	v[9] = Int32GetDatum(used_this_month(h, now) + 1);
	v[10] = PG_ARGISNULL(2) ? (Datum) 0 : PG_GETARG_DATUM(2);
	if (PG_ARGISNULL(2))
		n[10] = 'n';
	v[11] = PG_ARGISNULL(3) ? (Datum) 0 : PG_GETARG_DATUM(3);
	if (PG_ARGISNULL(3))
		n[11] = 'n';
	v[12] = TimestampTzGetDatum(tid_add_seconds(now, tid_session_ttl_s));
	tid_exec(&issue_all, v, n, 1);
	r.certificate_id = DatumGetInt64(tid_col(1, &isnull));
	r.session_id = DatumGetInt64(tid_col(2, &isnull));
	return r;
}

Datum
tid_confirm_identity(PG_FUNCTION_ARGS)
{
	TimestampTz now = tid_clock();
	Datum		result;
	int64		app_id;
	TimestampTz applied_at;
	int64		id_number;
	bool		isnull;
	char	   *status;
	Datum		out[7];
	bool		outnull[7] = {false, false, true, true, true, true, true};
	const char *reason = NULL;
	TimestampTz retry_after = 0;

	require_arg(fcinfo, 0, "application_id");
	require_arg(fcinfo, 1, "passed");
	app_id = PG_GETARG_INT64(0);

	tid_enter_api();
	SPI_connect();
	tid_exec_by_id(&app_lock, app_id, "application");
	applied_at = DatumGetTimestampTz(tid_col(1, &isnull));
	status = TextDatumGetCString(tid_col(2, &isnull));
	id_number = DatumGetInt64(tid_col(3, &isnull));
	if (strcmp(status, "pending_verification") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_TI_ALREADY_DECIDED),
				 errmsg("application %lld is already decided", (long long) app_id),
				 errdetail("Its status is \"%s\".", status),
				 errhint("Start a new application with temp_id.apply.")));

	out[0] = Int64GetDatum(app_id);
	if (now > tid_add_seconds(applied_at, tid_pending_ttl_s))
	{
		reason = "verification_timeout";
		decide_application(app_id, "refused", reason, 0, now, fcinfo);
		out[1] = CStringGetTextDatum("refused");
	}
	else if (!PG_GETARG_BOOL(1))
	{
		reason = "identity_check_failed";
		decide_application(app_id, "rejected", reason, 0, now, fcinfo);
		out[1] = CStringGetTextDatum("rejected");
	}
	else
	{
		/* copy what the issue needs before the next SPI call frees it */
		Datum		name = SPI_datumTransfer(tid_col(4, &isnull), false, -1);
		Datum		account = tid_col(5, &isnull);
		bool		account_null = isnull;
		Holder		h;
		Decision	d;

		if (!account_null)
			account = SPI_datumTransfer(account, false, -1);
		lock_holder(id_number, now, &h);
		d = decide(&h, now);
		if (d.reason)
		{
			reason = d.reason;
			retry_after = d.retry_after;
			decide_application(app_id, "refused", reason, retry_after, now, fcinfo);
			out[1] = CStringGetTextDatum("refused");
		}
		else
		{
			Issued		r = issue(app_id, id_number, name, account, account_null,
								  &h, now, fcinfo);

			out[1] = CStringGetTextDatum("issued");
			out[3] = Int64GetDatum(r.certificate_id);
			out[4] = TimestampTzGetDatum(now);
			out[5] = TimestampTzGetDatum(r.valid_until);
			out[6] = Int64GetDatum(r.session_id);
			outnull[3] = outnull[4] = outnull[5] = outnull[6] = false;
		}
	}
	if (reason)
	{
		out[2] = CStringGetTextDatum(reason);
		outnull[2] = false;
	}
	result = tid_return_row(fcinfo, out, outnull, true);
	SPI_finish();
	return result;
}

Datum
tid_revoke(PG_FUNCTION_ARGS)
{
	TimestampTz now = tid_clock();
	int64		cert_id;
	int64		id_number;
	bool		isnull;
	Holder		h;
	bool		revoked;

	require_arg(fcinfo, 0, "certificate_id");
	require_arg(fcinfo, 1, "reason");
	cert_id = PG_GETARG_INT64(0);
	if (VARSIZE_ANY_EXHDR(PG_GETARG_TEXT_PP(1)) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a revocation needs a reason")));

	tid_enter_api();
	SPI_connect();
	tid_exec_by_id(&cert_read, cert_id, "certificate");
	id_number = DatumGetInt64(tid_col(1, &isnull));
	/* same lock order as confirm_identity: the person first */
	lock_holder(id_number, now, &h);
	{
		Datum		v[3] = {Int64GetDatum(cert_id), TimestampTzGetDatum(now),
		PG_GETARG_DATUM(1)};

		revoked = tid_exec(&cert_revoke, v, NULL, 0) > 0;
	}
	if (revoked)
	{
		Datum		v[2] = {Int64GetDatum(id_number), TimestampTzGetDatum(now)};
		Datum		hv[5];
		char		hn[6] = "     ";

		hv[0] = Int64GetDatum(id_number);
		hv[1] = DateADTGetDatum(h.month);
		hv[2] = Int32GetDatum(h.used);
		if (tid_exec(&cert_latest_active, v, NULL, 1) > 0)
		{
			hv[3] = tid_col(1, &isnull);
			hv[4] = tid_col(2, &isnull);
		}
		else
			hn[3] = hn[4] = 'n';
		tid_exec(&holder_update, hv, hn, 0);
	}
	SPI_finish();
	PG_RETURN_BOOL(revoked);
}

Datum
tid_quota_status(PG_FUNCTION_ARGS)
{
	TimestampTz now = tid_clock();
	Datum		result;
	text	   *id_text;
	int64		id_number;
	Holder		h;
	Decision	d;
	int32		used;
	Datum		out[6];
	bool		outnull[6] = {false, false, false, true, true, false};

	require_arg(fcinfo, 0, "id_number");
	id_text = PG_GETARG_TEXT_PP(0);
	id_number = tid_parse_resident_id(VARDATA_ANY(id_text), VARSIZE_ANY_EXHDR(id_text));

	tid_enter_api();
	SPI_connect();
	read_holder(&holder_read, id_number, &h);
	used = used_this_month(&h, now);
	d = decide(&h, now);
	out[0] = DateADTGetDatum(tid_month_date(now));
	out[1] = Int32GetDatum(used);
	out[2] = Int32GetDatum(Max(tid_monthly_quota - used, 0));
	if (active_at(&h, now))
	{
		out[3] = Int64GetDatum(h.active_certificate_id);
		out[4] = TimestampTzGetDatum(h.active_until);
		outnull[3] = outnull[4] = false;
	}
	out[5] = TimestampTzGetDatum(d.reason ? d.retry_after : now);
	result = tid_return_row(fcinfo, out, outnull, true);
	SPI_finish();
	return result;
}

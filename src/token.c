/*
 * token.c
 *		Minting QR tokens: the token format and MAC (see token.h), and the
 *		qr_code and reverify functions that hand tokens and display
 *		sessions to the app.
 *
 * Tokens are derived, not stored: like RFC 6238, a token is a function of
 * the certificate's secret and the time step, so issuing one writes
 * nothing.  The MAC is HMAC-SHA-256 through PostgreSQL's own
 * common/hmac.h, which uses the server's OpenSSL: no second crypto library,
 * and no dependency on pgcrypto being installed in a particular schema.
 */
#include "temp_id.h"

#include "common/hmac.h"
#include "common/sha2.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"

#include "db.h"
#include "token.h"

PG_FUNCTION_INFO_V1(tid_qr_code);
PG_FUNCTION_INFO_V1(tid_reverify);

static void
put_be64(uint8 *out, uint64 v)
{
	for (int i = 7; i >= 0; i--)
	{
		out[i] = (uint8) (v & 0xff);
		v >>= 8;
	}
}

/*
 * One HMAC context for the backend's life, re-keyed per call: creating an
 * OpenSSL context per token was about a seventh of verify_code's time.  It
 * belongs to a resource owner of its own, so no transaction's owner
 * releases it (or warns of a leak) at commit.
 */
static pg_hmac_ctx *
hmac_context(void)
{
	static pg_hmac_ctx *ctx = NULL;

	if (ctx == NULL)
	{
		ResourceOwner save_owner = CurrentResourceOwner;
		MemoryContext save_cxt = MemoryContextSwitchTo(TopMemoryContext);

		CurrentResourceOwner = ResourceOwnerCreate(NULL, "temp_id token MAC");
		ctx = pg_hmac_create(PG_SHA256);
		CurrentResourceOwner = save_owner;
		MemoryContextSwitchTo(save_cxt);
		if (ctx == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("out of memory")));
	}
	return ctx;
}

void
token_mac(const uint8 *secret, size_t secret_len, int64 certificate_id,
		  int64 step, char out[TOKEN_MAC_CHARS])
{
	uint8		msg[3 + 16];
	uint8		digest[PG_SHA256_DIGEST_LENGTH];
	pg_hmac_ctx *ctx = hmac_context();

	memcpy(msg, "TI1", 3);
	put_be64(msg + 3, (uint64) certificate_id);
	put_be64(msg + 11, (uint64) step);
	if (pg_hmac_init(ctx, secret, secret_len) < 0 ||
		pg_hmac_update(ctx, msg, sizeof(msg)) < 0 ||
		pg_hmac_final(ctx, digest, sizeof(digest)) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not compute a token MAC: %s", pg_hmac_error(ctx))));
	token_mac_text(digest, out);
}

bool
token_mac_equal(const char *a, const char *b)
{
	unsigned char diff = 0;

	for (int i = 0; i < TOKEN_MAC_CHARS; i++)
		diff |= (unsigned char) (a[i] ^ b[i]);
	return diff == 0;
}

char *
token_format(const uint8 *secret, size_t secret_len, int64 certificate_id, int64 step)
{
	char	   *out = palloc(TOKEN_MAX_LEN + 1);
	char		mac[TOKEN_MAC_CHARS];

	token_mac(secret, secret_len, certificate_id, step, mac);
	token_text(certificate_id, step, mac, out);
	return out;
}

/* steps count code_interval seconds from the Unix epoch, as TOTP does */
int64
token_step(TimestampTz t)
{
	int64		unix_us = t + (int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY;
	int64		len = (int64) tid_code_interval_s * USECS_PER_SEC;

	return unix_us >= 0 ? unix_us / len : -((-unix_us + len - 1) / len);
}

TimestampTz
token_step_end(int64 step)
{
	return (step + 1) * (int64) tid_code_interval_s * USECS_PER_SEC -
		(int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY;
}

static TidPlan session_read = {
	"SELECT s.certificate_id, s.expires_at, s.passed, c.status::text, c.valid_until, c.secret"
	" FROM temp_id.qr_sessions s JOIN temp_id.certificates c ON c.id = s.certificate_id"
	" WHERE s.id = $1",
	1, {"int8"}
};
static TidPlan cert_state = {
	"SELECT status::text, valid_until FROM temp_id.certificates WHERE id = $1 FOR SHARE",
	1, {"int8"}
};

/* TI002 unless the certificate is issued, unrevoked and unexpired at now. */
static void
require_active(int64 cert_id, const char *status, TimestampTz valid_until, TimestampTz now)
{
	if (strcmp(status, "issued") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_TI_NOT_ACTIVE),
				 errmsg("certificate %lld is not active", (long long) cert_id),
				 errdetail("It has been revoked.")));
	if (now >= valid_until)
		ereport(ERROR,
				(errcode(ERRCODE_TI_NOT_ACTIVE),
				 errmsg("certificate %lld is not active", (long long) cert_id),
				 errdetail("It expired at %s.", timestamptz_to_str(valid_until)),
				 errhint("Apply for a new certificate with temp_id.apply.")));
}

Datum
tid_qr_code(PG_FUNCTION_ARGS)
{
	TimestampTz now = tid_clock();
	Datum		result;
	int64		session_id = PG_GETARG_INT64(0);
	int64		cert_id;
	TimestampTz session_expires;
	bool		isnull;
	bytea	   *secret;
	int64		step;
	Datum		out[3];
	bool		outnull[3] = {false, false, false};

	tid_enter_api();
	SPI_connect();
	tid_exec_by_id(&session_read, session_id, "QR session");
	cert_id = DatumGetInt64(tid_col(1, &isnull));
	session_expires = DatumGetTimestampTz(tid_col(2, &isnull));
	require_active(cert_id, TextDatumGetCString(tid_col(4, &isnull)),
				   DatumGetTimestampTz(tid_col(5, &isnull)), now);
	if (!DatumGetBool(tid_col(3, &isnull)) || now >= session_expires)
		ereport(ERROR,
				(errcode(ERRCODE_TI_SESSION_EXPIRED),
				 errmsg("QR session %lld has expired", (long long) session_id),
				 errhint("Run a new real-person check and call temp_id.reverify.")));
	secret = DatumGetByteaPP(tid_col(6, &isnull));
	step = token_step(now);
	out[0] = CStringGetTextDatum(token_format((uint8 *) VARDATA_ANY(secret),
											  VARSIZE_ANY_EXHDR(secret), cert_id, step));
	out[1] = TimestampTzGetDatum(token_step_end(step));
	out[2] = TimestampTzGetDatum(session_expires);
	result = tid_return_row(fcinfo, out, outnull, true);
	SPI_finish();
	return result;
}

Datum
tid_reverify(PG_FUNCTION_ARGS)
{
	TimestampTz now = tid_clock();
	int64		cert_id;
	char	   *reason;
	bool		passed;
	bool		isnull;
	int64		session_id;

	for (int i = 0; i < 3; i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("certificate_id, passed and reason must not be null")));
	cert_id = PG_GETARG_INT64(0);
	passed = PG_GETARG_BOOL(1);
	reason = text_to_cstring(PG_GETARG_TEXT_PP(2));
	if (strcmp(reason, "page_timeout") != 0 && strcmp(reason, "page_reopened") != 0 &&
		strcmp(reason, "relogin") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid re-verification reason"),
				 errhint("The reason is one of page_timeout, page_reopened, relogin.")));

	tid_enter_api();
	SPI_connect();
	tid_exec_by_id(&cert_state, cert_id, "certificate");
	require_active(cert_id, TextDatumGetCString(tid_col(1, &isnull)),
				   DatumGetTimestampTz(tid_col(2, &isnull)), now);
	session_id = tid_open_session(cert_id, now, reason, passed,
								  PG_ARGISNULL(3) ? (Datum) 0 : PG_GETARG_DATUM(3),
								  PG_ARGISNULL(3),
								  PG_ARGISNULL(4) ? NULL : PG_GETARG_TEXT_PP(4));
	SPI_finish();
	if (!passed)
		PG_RETURN_NULL();
	PG_RETURN_INT64(session_id);
}

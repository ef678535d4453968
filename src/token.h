/*
 * token.h
 *		The rotating QR token: format, MAC and step arithmetic.
 *
 * A token is  <certificate id>.<time step>.<MAC>  where the id and step are
 * upper-case base 36 without leading zeros and the MAC is the first 80 bits
 * of HMAC-SHA-256(certificate secret, "TI1" || id || step), both as 8-byte
 * big-endian integers, in RFC 4648 base 32 (16 characters).  Every character
 * is in the QR alphanumeric set, and nothing in it names the holder.
 */
#ifndef TEMP_ID_TOKEN_H
#define TEMP_ID_TOKEN_H

#include "postgres.h"

#include "datatype/timestamp.h"

#include "token_text.h"

/* the MAC characters for (secret, id, step) */
extern void token_mac(const uint8 *secret, size_t secret_len, int64 certificate_id,
					  int64 step, char out[TOKEN_MAC_CHARS]);

/* constant-time comparison of two MACs */
extern bool token_mac_equal(const char *a, const char *b);

/* the whole token text (palloc'd) */
extern char *token_format(const uint8 *secret, size_t secret_len,
						  int64 certificate_id, int64 step);

/* the step holding instant t, and the instant a step ends */
extern int64 token_step(TimestampTz t);
extern TimestampTz token_step_end(int64 step);

#endif							/* TEMP_ID_TOKEN_H */

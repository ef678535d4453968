/*
 * token_text.h
 *		The text form of a QR token, without the MAC computation: parsing and
 *		formatting of  <certificate id>.<time step>.<MAC>  (see token.h).
 *
 * Plain C with no PostgreSQL dependency: tokens come from scanned QR codes,
 * so this parser sees untrusted input, and test/fuzz drives it alone.
 */
#ifndef TEMP_ID_TOKEN_TEXT_H
#define TEMP_ID_TOKEN_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOKEN_MAC_BYTES		10
#define TOKEN_MAC_CHARS		16
#define TOKEN_MAX_LEN		64

typedef struct TokenParts
{
	int64_t		certificate_id;
	int64_t		step;
	char		mac[TOKEN_MAC_CHARS];
} TokenParts;

/* false when the text is not a canonical token; never fails otherwise */
extern bool token_parse(const char *s, size_t len, TokenParts *out);

/* RFC 4648 base 32 of the first TOKEN_MAC_BYTES of digest */
extern void token_mac_text(const uint8_t *digest, char out[TOKEN_MAC_CHARS]);

/* id.step.mac into out (at least TOKEN_MAX_LEN + 1 bytes); returns the length */
extern int	token_text(int64_t certificate_id, int64_t step,
					   const char mac[TOKEN_MAC_CHARS], char *out);

#endif							/* TEMP_ID_TOKEN_TEXT_H */

/*
 * token_text.c
 *		Parsing and formatting of token text (see token_text.h).  Numbers are
 *		upper-case base 36 without leading zeros, so each token has exactly
 *		one spelling; the MAC is RFC 4648 base 32 without padding.
 */
#include "token_text.h"

#include <string.h>

static const char base36[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
static const char base32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

static int
digit36(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return -1;
}

static int
put_base36(char *out, uint64_t v)
{
	char		tmp[16];
	int			n = 0;

	do
	{
		tmp[n++] = base36[v % 36];
		v /= 36;
	} while (v > 0);
	for (int i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

/* any int64 >= 0: at most 13 digits (36^13 > 2^63), overflow refused */
static bool
get_base36(const char *s, size_t len, int64_t *out)
{
	uint64_t	v = 0;

	if (len == 0 || len > 13 || (s[0] == '0' && len > 1))
		return false;
	for (size_t i = 0; i < len; i++)
	{
		int			d = digit36(s[i]);

		if (d < 0 || v > ((uint64_t) INT64_MAX - (uint64_t) d) / 36)
			return false;
		v = v * 36 + (uint64_t) d;
	}
	*out = (int64_t) v;
	return true;
}

bool
token_parse(const char *s, size_t len, TokenParts *out)
{
	const char *dot1,
			   *dot2;

	if (len > TOKEN_MAX_LEN || len < TOKEN_MAC_CHARS + 4)
		return false;
	dot1 = memchr(s, '.', len);
	if (dot1 == NULL)
		return false;
	dot2 = memchr(dot1 + 1, '.', len - (size_t) (dot1 + 1 - s));
	if (dot2 == NULL || (size_t) (s + len - (dot2 + 1)) != TOKEN_MAC_CHARS)
		return false;
	if (!get_base36(s, (size_t) (dot1 - s), &out->certificate_id) ||
		!get_base36(dot1 + 1, (size_t) (dot2 - dot1 - 1), &out->step))
		return false;
	for (int i = 0; i < TOKEN_MAC_CHARS; i++)
	{
		char		c = dot2[1 + i];

		if (!((c >= 'A' && c <= 'Z') || (c >= '2' && c <= '7')))
			return false;
		out->mac[i] = c;
	}
	return true;
}

void
token_mac_text(const uint8_t *digest, char out[TOKEN_MAC_CHARS])
{
	uint64_t	acc = 0;
	int			bits = 0,
				n = 0;

	for (int i = 0; i < TOKEN_MAC_BYTES; i++)
	{
		acc = (acc << 8) | digest[i];
		bits += 8;
		while (bits >= 5)
		{
			bits -= 5;
			out[n++] = base32[(acc >> bits) & 31];
		}
	}
}

int
token_text(int64_t certificate_id, int64_t step, const char mac[TOKEN_MAC_CHARS], char *out)
{
	int			n = 0;

	n += put_base36(out + n, (uint64_t) certificate_id);
	out[n++] = '.';
	n += put_base36(out + n, (uint64_t) step);
	out[n++] = '.';
	memcpy(out + n, mac, TOKEN_MAC_CHARS);
	n += TOKEN_MAC_CHARS;
	out[n] = '\0';
	return n;
}

/*
 * fuzz_token.c
 *		libFuzzer harness for the QR token parser (src/token_text.c): tokens
 *		come from scanned codes, so this parser reads untrusted input.
 *
 * Properties: parsing never crashes or reads out of bounds; a parsed token
 * has non-negative numbers and a MAC in the base 32 alphabet; and it is
 * canonical: formatting its parts gives back exactly the input, so one
 * token has one spelling.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "token_text.h"

static void
violated(const char *what)
{
	fprintf(stderr, "property violated: %s\n", what);
	abort();
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *copy = malloc(size ? size : 1);
	TokenParts	tp;
	char		out[TOKEN_MAX_LEN + 1];

	/* an exact-size copy lets ASan catch any read past the input */
	memcpy(copy, data, size);
	if (token_parse(copy, size, &tp))
	{
		int			n;

		if (tp.certificate_id < 0 || tp.step < 0)
			violated("negative number parsed");
		for (int i = 0; i < TOKEN_MAC_CHARS; i++)
			if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", tp.mac[i]) || tp.mac[i] == '\0')
				violated("MAC character outside base 32");
		n = token_text(tp.certificate_id, tp.step, tp.mac, out);
		if ((size_t) n != size || memcmp(out, copy, size) != 0)
			violated("parsed token does not format back to its input");
	}
	{
		/* and every formatted token parses back to its parts */
		int64_t		id = 0,
					step = 0;
		char		mac[TOKEN_MAC_CHARS];
		uint8_t		digest[TOKEN_MAC_BYTES] = {0};
		TokenParts	back;
		int			n;

		memcpy(&id, data, size < 8 ? size : 8);
		if (size > 8)
			memcpy(&step, data + 8, size - 8 < 8 ? size - 8 : 8);
		if (size > 16)
			memcpy(digest, data + 16, size - 16 < TOKEN_MAC_BYTES ? size - 16 : TOKEN_MAC_BYTES);
		id &= INT64_MAX;
		step &= INT64_MAX;
		token_mac_text(digest, mac);
		n = token_text(id, step, mac, out);
		if (n > TOKEN_MAX_LEN)
			violated("formatted token longer than TOKEN_MAX_LEN");
		if (!token_parse(out, (size_t) n, &back) || back.certificate_id != id ||
			back.step != step || memcmp(back.mac, mac, TOKEN_MAC_CHARS) != 0)
			violated("formatted token does not parse back");
	}
	free(copy);
	return 0;
}

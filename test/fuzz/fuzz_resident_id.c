/*
 * fuzz_resident_id.c
 *		libFuzzer harness for src/resident_id_core.c (run by test/fuzz/run).
 *
 * Every input is tried as 18-character text, as a 15-digit first-generation
 * number and, through its first 8 bytes, as a binary body.  Any property
 * below that fails calls abort(), which libFuzzer reports as a crash; the
 * sanitizers catch out-of-bounds reads and undefined behaviour.
 */
#include "resident_id_core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Two "todays": the test date and the last representable one. */
#define TODAY		20261125
#define LAST_DAY	99991231

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fail(const char *what)
{
	fprintf(stderr, "property violated: %s\n", what);
	abort();
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool
province_ok(int p)
{
	return (p >= 11 && p <= 15) || (p >= 21 && p <= 23) ||
		(p >= 31 && p <= 37) || (p >= 41 && p <= 46) ||
		(p >= 50 && p <= 54) || (p >= 61 && p <= 65) ||
		p == 71 || p == 81 || p == 82 || p == 83;
}

/* Independent calendar check (days since a fixed epoch would be overkill). */
static bool
date_ok(int32_t ymd)
{
	int			y = ymd / 10000,
				m = ymd / 100 % 100,
				d = ymd % 100;
	int			mdays;

	if (m < 1 || m > 12 || d < 1)
		return false;
	if (m == 2)
		mdays = ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0) ? 29 : 28;
	else if (m == 4 || m == 6 || m == 9 || m == 11)
		mdays = 30;
	else
		mdays = 31;
	return d <= mdays;
}

/*
 * Properties of a body that some entry point accepted as valid at today:
 * it formats to 18 characters with the right check character, the text
 * parses back to the same body, and its fields are what the checks promise.
 */
static void
check_valid_body(uint64_t body, int32_t today)
{
	char		out[RID_TEXT_LEN + 1];
	char		digits[17];
	uint64_t	again = 0;
	int32_t		ymd;

	if (body >= RID_BODY_LIMIT)
		fail("valid body has more than 17 digits");
	if (rid_check_body(body, today) != RID_OK)
		fail("rid_check_body rejects a parsed body");

	memset(out, '#', sizeof(out));
	rid_format(body, out);
	if (out[RID_TEXT_LEN] != '\0' || strlen(out) != RID_TEXT_LEN)
		fail("formatted number is not 18 characters");
	for (int i = 0; i < 17; i++)
		if (out[i] < '0' || out[i] > '9')
			fail("formatted body is not digits");
	memcpy(digits, out, 17);
	if (out[17] != rid_check_char(digits))
		fail("formatted check character differs from rid_check_char");
	if (!((out[17] >= '0' && out[17] <= '9') || out[17] == 'X'))
		fail("check character is not a digit or X");

	if (rid_parse(out, RID_TEXT_LEN, today, &again) != RID_OK)
		fail("formatted number does not parse");
	if (again != body)
		fail("formatted number parses to a different body");

	ymd = rid_birth_ymd(body);
	if (!date_ok(ymd) || ymd < 19000101 || ymd > today)
		fail("accepted birth date out of range");
	if (!province_ok(rid_region(body) / 10000))
		fail("accepted province code unknown");
	if (rid_is_male(body) != (((out[16] - '0') % 2) == 1))
		fail("sex is not the parity of the 17th digit");
}

static void
check_status_text(rid_status st)
{
	const char *t = rid_status_text(st);

	if (t == NULL || t[0] == '\0' || strcmp(t, "unknown") == 0)
		fail("status without text");
}

static void
fuzz_text(const char *s, size_t len)
{
	uint64_t	body = 0,
				later = 0;
	rid_status	st = rid_parse(s, len, TODAY, &body);
	rid_status	st_last = rid_parse(s, len, LAST_DAY, &later);

	check_status_text(st);
	check_status_text(st_last);

	/* a later today changes nothing but the future-birth verdict */
	if (st == RID_OK && (st_last != RID_OK || later != body))
		fail("valid number rejected on a later day");
	if (st != RID_OK && st != RID_BIRTH_IN_FUTURE && st != st_last)
		fail("verdict other than future birth depends on today");
	if (st_last == RID_BIRTH_IN_FUTURE)
		fail("birth date after 9999-12-31");

	if (st == RID_OK)
	{
		char		out[RID_TEXT_LEN + 1];
		size_t		b = 0,
					e = len;

		check_valid_body(body, TODAY);

		/* the output is the input less surrounding white space, x as X */
		while (b < e && is_space(s[b]))
			b++;
		while (e > b && is_space(s[e - 1]))
			e--;
		if (e - b != RID_TEXT_LEN)
			fail("accepted input is not 18 characters once trimmed");
		rid_format(body, out);
		if (memcmp(out, s + b, 17) != 0)
			fail("body digits differ from the input");
		if (out[17] != (s[b + 17] == 'x' ? 'X' : s[b + 17]))
			fail("check character differs from the input");
	}
	if (st_last == RID_OK)
		check_valid_body(later, LAST_DAY);
}

static void
fuzz_legacy(const char *s, size_t len)
{
	uint64_t	body = 0;
	rid_status	st = rid_parse_legacy(s, len, TODAY, &body);

	check_status_text(st);
	if (st == RID_OK)
	{
		char		out[RID_TEXT_LEN + 1];
		uint64_t	unused;
		size_t		b = 0;

		check_valid_body(body, TODAY);
		while (b < len && is_space(s[b]))
			b++;
		rid_format(body, out);
		if (memcmp(out, s + b, 6) != 0 || out[6] != '1' || out[7] != '9' ||
			memcmp(out + 8, s + b + 6, 9) != 0)
			fail("legacy number converted to a different body");
		/* the 18-character parser refuses it with the conversion hint */
		if (rid_parse(s, len, TODAY, &unused) != RID_LEGACY)
			fail("15-digit number not reported as first-generation");
	}
}

static void
fuzz_body(uint64_t body)
{
	rid_status	st = rid_check_body(body, TODAY);

	check_status_text(st);
	if (st == RID_OK)
		check_valid_body(body, TODAY);
	else if (body < RID_BODY_LIMIT)
	{
		/* what the binary path refuses, the text path refuses too */
		char		out[RID_TEXT_LEN + 1];
		uint64_t	unused;

		rid_format(body, out);
		if (rid_parse(out, RID_TEXT_LEN, TODAY, &unused) != st)
			fail("binary and text verdicts differ");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size copy, so the sanitizer sees any read past the end */
	char	   *s = malloc(size ? size : 1);
	uint64_t	body = 0;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);

	fuzz_text(s, size);
	fuzz_legacy(s, size);

	/* first 8 bytes as a body (little endian), and modulo 10^17 */
	for (size_t i = 0; i < size && i < 8; i++)
		body |= (uint64_t) data[i] << (8 * i);
	fuzz_body(body);
	fuzz_body(body % RID_BODY_LIMIT);

	free(s);
	return 0;
}

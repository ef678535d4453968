/*
 * resident_id_core.c
 *		GB 11643-1999 number checks: length, characters, province code,
 *		birth date and the ISO 7064 MOD 11-2 check character.
 *
 * No server headers here: test/fuzz links this file on its own.
 */
#include "resident_id_core.h"

#include <string.h>

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static void
trim(const char **s, size_t *len)
{
	while (*len > 0 && is_space(**s))
	{
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && is_space((*s)[*len - 1]))
		(*len)--;
}

static bool
all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static bool
province_ok(int p)
{
	return (p >= 11 && p <= 15) || (p >= 21 && p <= 23) ||
		(p >= 31 && p <= 37) || (p >= 41 && p <= 46) ||
		(p >= 50 && p <= 54) || (p >= 61 && p <= 65) ||
		p == 71 || p == 81 || p == 82 || p == 83;
}

static int
days_in_month(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return days[m - 1];
}

static rid_status
check_date(int32_t ymd, int32_t today)
{
	int			y = ymd / 10000;
	int			m = ymd / 100 % 100;
	int			d = ymd % 100;

	if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
		return RID_BAD_BIRTH_DATE;
	if (y < 1900)
		return RID_BIRTH_TOO_EARLY;
	if (ymd > today)
		return RID_BIRTH_IN_FUTURE;
	return RID_OK;
}

char
rid_check_char(const char digits[17])
{
	/* weight of position i is 2^(17-i) mod 11 */
	static const int weight[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
	static const char map[11] = "10X98765432";
	int			sum = 0;

	for (int i = 0; i < 17; i++)
		sum += (digits[i] - '0') * weight[i];
	return map[sum % 11];
}

static uint64_t
digits_value(const char *s, size_t n)
{
	uint64_t	v = 0;

	for (size_t i = 0; i < n; i++)
		v = v * 10 + (uint64_t) (s[i] - '0');
	return v;
}

/* Province and birth-date checks shared by every way a body arrives. */
static rid_status
check_digits17(const char d[17], int32_t today)
{
	if (!province_ok((d[0] - '0') * 10 + (d[1] - '0')))
		return RID_BAD_PROVINCE;
	return check_date((int32_t) digits_value(d + 6, 8), today);
}

rid_status
rid_parse(const char *s, size_t len, int32_t today, uint64_t *body)
{
	rid_status	st;
	char		last;

	trim(&s, &len);
	if (len == 0)
		return RID_EMPTY;
	if (len == RID_LEGACY_LEN && all_digits(s, len))
		return RID_LEGACY;
	if (len != RID_TEXT_LEN)
		return RID_BAD_LENGTH;
	last = s[17] == 'x' ? 'X' : s[17];
	if (!all_digits(s, 17) || !((last >= '0' && last <= '9') || last == 'X'))
		return RID_BAD_CHARACTERS;
	if ((st = check_digits17(s, today)) != RID_OK)
		return st;
	if (rid_check_char(s) != last)
		return RID_BAD_CHECK;
	*body = digits_value(s, 17);
	return RID_OK;
}

rid_status
rid_parse_legacy(const char *s, size_t len, int32_t today, uint64_t *body)
{
	char		d[17];
	rid_status	st;

	trim(&s, &len);
	if (len == 0)
		return RID_EMPTY;
	if (len != RID_LEGACY_LEN)
		return RID_BAD_LENGTH;
	if (!all_digits(s, len))
		return RID_BAD_CHARACTERS;
	/* a first-generation number is region, yymmdd, sequence: all born 19yy */
	memcpy(d, s, 6);
	d[6] = '1';
	d[7] = '9';
	memcpy(d + 8, s + 6, 9);
	if ((st = check_digits17(d, today)) != RID_OK)
		return st;
	*body = digits_value(d, 17);
	return RID_OK;
}

static void
body_digits(uint64_t body, char d[17])
{
	for (int i = 16; i >= 0; i--)
	{
		d[i] = (char) ('0' + body % 10);
		body /= 10;
	}
}

rid_status
rid_check_body(uint64_t body, int32_t today)
{
	char		d[17];

	if (body >= RID_BODY_LIMIT)
		return RID_BAD_LENGTH;
	body_digits(body, d);
	return check_digits17(d, today);
}

void
rid_format(uint64_t body, char out[RID_TEXT_LEN + 1])
{
	body_digits(body, out);
	out[17] = rid_check_char(out);
	out[18] = '\0';
}

int32_t
rid_birth_ymd(uint64_t body)
{
	return (int32_t) (body / 1000 % 100000000);
}

int32_t
rid_region(uint64_t body)
{
	return (int32_t) (body / UINT64_C(100000000000));
}

bool
rid_is_male(uint64_t body)
{
	return (body % 2) == 1;
}

const char *
rid_status_text(rid_status st)
{
	switch (st)
	{
		case RID_OK:
			return "valid";
		case RID_EMPTY:
			return "empty input";
		case RID_BAD_LENGTH:
			return "wrong length";
		case RID_LEGACY:
			return "15-digit first-generation number";
		case RID_BAD_CHARACTERS:
			return "wrong characters";
		case RID_BAD_PROVINCE:
			return "unknown province code";
		case RID_BAD_BIRTH_DATE:
			return "birth date is not a calendar date";
		case RID_BIRTH_TOO_EARLY:
			return "birth date before 1900-01-01";
		case RID_BIRTH_IN_FUTURE:
			return "birth date in the future";
		case RID_BAD_CHECK:
			return "wrong check character";
	}
	return "unknown";
}

/*
 * resident_id_core.h
 *		Parsing and checking of GB 11643-1999 citizen identity numbers.
 *
 * Plain C with no PostgreSQL dependency, so the same code is driven by the
 * server's type functions and by the libFuzzer harness in test/fuzz.
 *
 * A number is kept as the integer value of its 17 body digits: the 18th
 * character is a check character derived from them, so it carries no
 * information, and integer order equals the text order of the number.
 */
#ifndef RESIDENT_ID_CORE_H
#define RESIDENT_ID_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RID_TEXT_LEN	18
#define RID_LEGACY_LEN	15
#define RID_BODY_LIMIT	UINT64_C(100000000000000000)	/* 10^17 */

typedef enum rid_status
{
	RID_OK = 0,
	RID_EMPTY,					/* nothing but white space */
	RID_BAD_LENGTH,				/* not 18 characters */
	RID_LEGACY,					/* 15 digits: a first-generation number */
	RID_BAD_CHARACTERS,			/* not 17 digits and a digit or X */
	RID_BAD_PROVINCE,			/* first two digits name no province */
	RID_BAD_BIRTH_DATE,			/* not a calendar date */
	RID_BIRTH_TOO_EARLY,		/* before 1900-01-01 */
	RID_BIRTH_IN_FUTURE,		/* after today */
	RID_BAD_CHECK				/* ISO 7064 MOD 11-2 check character wrong */
} rid_status;

/*
 * Parse len bytes at s (surrounding ASCII white space allowed).  today is
 * the current date as yyyymmdd; birth dates after it are refused.  On
 * RID_OK, *body holds the 17 body digits as an integer.
 */
extern rid_status rid_parse(const char *s, size_t len, int32_t today, uint64_t *body);

/* Convert a 15-digit first-generation number to its 18-character body. */
extern rid_status rid_parse_legacy(const char *s, size_t len, int32_t today, uint64_t *body);

/* Check a body (as from binary input) without the check character. */
extern rid_status rid_check_body(uint64_t body, int32_t today);

/* Write the 18 characters and a NUL. */
extern void rid_format(uint64_t body, char out[RID_TEXT_LEN + 1]);

/* ISO 7064 MOD 11-2 check character for 17 ASCII digits. */
extern char rid_check_char(const char digits[17]);

extern int32_t rid_birth_ymd(uint64_t body);	/* yyyymmdd */
extern int32_t rid_region(uint64_t body);		/* first six digits */
extern bool rid_is_male(uint64_t body);		/* 17th digit odd */

/* English text for a status, for error messages. */
extern const char *rid_status_text(rid_status st);

#endif							/* RESIDENT_ID_CORE_H */

/*
 * resident_id.c
 *		The temp_id.resident_id type: I/O, binary I/O and the functions that
 *		read a number's fields.  Comparison and hashing use the built-in int8
 *		functions (see temp_id--1.0.sql), since the stored form is an int8.
 *
 * Errors never echo the input: an identity number is personal data and
 * must not reach the server log.  They also hide the statement
 * (errhidestmt), whose text would usually hold the number.
 */
#include "temp_id.h"

#include "fmgr.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/datetime.h"

#include "resident_id_core.h"

PG_FUNCTION_INFO_V1(resident_id_in);
PG_FUNCTION_INFO_V1(resident_id_out);
PG_FUNCTION_INFO_V1(resident_id_recv);
PG_FUNCTION_INFO_V1(resident_id_send);
PG_FUNCTION_INFO_V1(resident_id_from_legacy);
PG_FUNCTION_INFO_V1(resident_id_birth_date);
PG_FUNCTION_INFO_V1(resident_id_sex);
PG_FUNCTION_INFO_V1(resident_id_region_code);
PG_FUNCTION_INFO_V1(resident_id_age);
PG_FUNCTION_INFO_V1(resident_id_mask);

static const char *
status_hint(rid_status st)
{
	switch (st)
	{
		case RID_LEGACY:
			return "Convert a first-generation number with temp_id.resident_id_from_legacy(text).";
		case RID_BAD_LENGTH:
		case RID_EMPTY:
			return "A resident ID number has 17 digits and a check character (a digit or X).";
		case RID_BAD_CHARACTERS:
			return "Only digits are allowed, and X (or x) as the last character.";
		case RID_BAD_CHECK:
			return "The last character is the ISO 7064 MOD 11-2 check character of the first 17 digits; look for a mistyped digit.";
		default:
			return NULL;
	}
}

static void
report_bad_number(rid_status st)
{
	const char *hint = status_hint(st);

	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid resident ID number: %s", rid_status_text(st)),
			 hint ? errhint("%s", hint) : 0,
			 errhidestmt(true)));
}

/* Parse text into the stored form; raises 22P02 naming the failed check. */
int64
tid_parse_resident_id(const char *s, size_t len)
{
	uint64		body;
	rid_status	st = rid_parse(s, len, tid_today_ymd(), &body);

	if (st != RID_OK)
		report_bad_number(st);
	return (int64) body;
}

Datum
resident_id_in(PG_FUNCTION_ARGS)
{
	char	   *s = PG_GETARG_CSTRING(0);

	PG_RETURN_INT64(tid_parse_resident_id(s, strlen(s)));
}

Datum
resident_id_out(PG_FUNCTION_ARGS)
{
	char	   *out = palloc(RID_TEXT_LEN + 1);

	rid_format((uint64) PG_GETARG_INT64(0), out);
	PG_RETURN_CSTRING(out);
}

Datum
resident_id_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int64		v = pq_getmsgint64(buf);
	rid_status	st = (v < 0) ? RID_BAD_LENGTH : rid_check_body((uint64) v, tid_today_ymd());

	if (st != RID_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid external resident ID number: %s", rid_status_text(st))));
	PG_RETURN_INT64(v);
}

Datum
resident_id_send(PG_FUNCTION_ARGS)
{
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint64(&buf, PG_GETARG_INT64(0));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

Datum
resident_id_from_legacy(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	uint64		body;
	rid_status	st = rid_parse_legacy(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t),
									  tid_today_ymd(), &body);

	/* the hint is about the shape only: a bad date or province gets none */
	if (st != RID_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid first-generation resident ID number: %s", rid_status_text(st)),
				 (st == RID_EMPTY || st == RID_BAD_LENGTH || st == RID_BAD_CHARACTERS) ?
				 errhint("A first-generation number has exactly 15 digits.") : 0,
				 errhidestmt(true)));
	PG_RETURN_INT64((int64) body);
}

static DateADT
birth_date(int64 v)
{
	int32		ymd = rid_birth_ymd((uint64) v);

	return date2j(ymd / 10000, ymd / 100 % 100, ymd % 100) - POSTGRES_EPOCH_JDATE;
}

Datum
resident_id_birth_date(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATEADT(birth_date(PG_GETARG_INT64(0)));
}

Datum
resident_id_sex(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(rid_is_male((uint64) PG_GETARG_INT64(0)) ? "male" : "female"));
}

Datum
resident_id_region_code(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(psprintf("%06d", rid_region((uint64) PG_GETARG_INT64(0)))));
}

/* Completed years at a date; a Feb 29 birthday is reached on Mar 1 in common years. */
Datum
resident_id_age(PG_FUNCTION_ARGS)
{
	int32		ymd = rid_birth_ymd((uint64) PG_GETARG_INT64(0));
	DateADT		at = PG_GETARG_DATEADT(1);
	int			y,
				m,
				d,
				age;

	if (DATE_NOT_FINITE(at))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("cannot compute an age at an infinite date")));
	j2date(at + POSTGRES_EPOCH_JDATE, &y, &m, &d);
	age = y - ymd / 10000;
	if (m * 100 + d < ymd % 10000)
		age--;
	if (age < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("date is before the holder's birth date")));
	PG_RETURN_INT32(age);
}

Datum
resident_id_mask(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(tid_mask_resident_id(PG_GETARG_INT64(0))));
}

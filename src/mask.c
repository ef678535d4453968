/*
 * mask.c
 *		The masked forms of names and ID numbers that views, history and
 *		verify_code show: a name keeps its first character, an ID number
 *		its first 6 and last 4.
 */
#include "temp_id.h"

#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"

#include "resident_id_core.h"

PG_FUNCTION_INFO_V1(mask_name);

char *
tid_mask_resident_id(int64 body)
{
	char		full[RID_TEXT_LEN + 1];

	rid_format((uint64) body, full);
	memset(full + 6, '*', 8);
	return pstrdup(full);
}

/* First character kept (multibyte-aware), each further character a '*'. */
char *
tid_mask_name(const char *name)
{
	int			first,
				rest;
	char	   *out;

	if (name[0] == '\0')
		return pstrdup("");
	first = pg_mblen(name);
	rest = pg_mbstrlen(name + first);
	out = palloc(first + rest + 1);
	memcpy(out, name, first);
	memset(out + first, '*', rest);
	out[first + rest] = '\0';
	return out;
}

Datum
mask_name(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(tid_mask_name(text_to_cstring(PG_GETARG_TEXT_PP(0)))));
}

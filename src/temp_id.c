/*
 * temp_id.c
 *		Module entry point: PG_MODULE_MAGIC and _PG_init.
 */
#include "temp_id.h"

#include "fmgr.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	tid_define_settings();
}

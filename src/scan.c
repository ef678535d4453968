/*
 * scan.c
 *		verify_code: checking a scanned token at a checkpoint, and writing
 *		the scan log.
 *
 * This is the hot path (every gate, every passenger, every minute), so it
 * does not go through SPI: it looks the certificate up with a direct index
 * scan on its primary key and appends the scan record with heap_insert and
 * index_insert, using relation and index information cached per backend
 * (dropped by a relcache callback whenever either table changes).  If a
 * DBA gives the scan table something the direct path cannot honour (an
 * insert trigger, an expression, partial or unique index, partitioning),
 * the record is written through SPI instead, so it stays correct.
 *
 * The function is not SECURITY DEFINER: reading and writing through the
 * access methods checks no table privileges, and names nothing through
 * search_path, so the app role needs only EXECUTE on it.
 */
#include "temp_id.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/index.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_enum.h"
#include "executor/executor.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/execnodes.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "db.h"
#include "token.h"

PG_FUNCTION_INFO_V1(tid_verify_code);

#define SCAN_NATTS 7

typedef struct ScanCache
{
	bool		valid;
	MemoryContext cxt;
	Oid			scans_relid;
	Oid			certs_relid;
	Oid			certs_pkey;
	AttrNumber	att_id_number,
				att_holder_name,
				att_valid_until,
				att_status,
				att_secret;
	Oid			issued;			/* OID of certificate_status 'issued' */
	bool		direct_insert;
	int			nindexes;
	Oid		   *index_oids;
	IndexInfo **index_info;
} ScanCache;

static ScanCache cache;
static bool callback_registered = false;
static uint64 invalidations = 0;	/* bumped by every relevant invalidation */

static TidPlan scan_insert = {
	"INSERT INTO temp_id.scans (scanned_at, checkpoint, station, gate, accepted,"
	" reason, certificate_id) VALUES ($1, $2, $3, $4, $5, $6, $7)",
	7, {"timestamptz", "temp_id.checkpoint", "text", "text", "bool", "text", "int8"}
};

static void
invalidate(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == cache.scans_relid || relid == cache.certs_relid)
	{
		cache.valid = false;
		invalidations++;
	}
}

static Oid
relation_in_schema(const char *name, Oid nsp)
{
	Oid			relid = get_relname_relid(name, nsp);

	if (!OidIsValid(relid))
		elog(ERROR, "relation temp_id.%s is missing", name);
	return relid;
}

static AttrNumber
column(Oid relid, const char *name)
{
	AttrNumber	n = get_attnum(relid, name);

	if (n == InvalidAttrNumber)
		elog(ERROR, "column %s of temp_id.certificates is missing", name);
	return n;
}

/* Can the scan record go straight into the heap and its plain indexes? */
static bool
plain_table(Relation rel)
{
	static const char *const names[SCAN_NATTS] = {
		"scanned_at", "checkpoint", "station", "gate", "accepted", "reason", "certificate_id"
	};
	TupleDesc	desc = RelationGetDescr(rel);
	TriggerDesc *trig = rel->trigdesc;

	if (rel->rd_rel->relkind != RELKIND_RELATION || desc->natts != SCAN_NATTS)
		return false;
	for (int i = 0; i < SCAN_NATTS; i++)
		if (strcmp(NameStr(TupleDescAttr(desc, i)->attname), names[i]) != 0)
			return false;
	return trig == NULL ||
		!(trig->trig_insert_before_row || trig->trig_insert_after_row ||
		  trig->trig_insert_instead_row || trig->trig_insert_before_statement ||
		  trig->trig_insert_after_statement || trig->trig_insert_new_table);
}

static void
build_cache(void)
{
	Oid			nsp = tid_namespace();
	Relation	scans;
	List	   *indexes;
	ListCell   *lc;
	MemoryContext old;
	int			i = 0;
	uint64		seen;

	if (!callback_registered)
	{
		CacheRegisterRelcacheCallback(invalidate, (Datum) 0);
		cache.cxt = AllocSetContextCreate(CacheMemoryContext, "temp_id scan cache",
										  ALLOCSET_SMALL_SIZES);
		callback_registered = true;
	}
	/*
	 * Valid only if the build completes with no invalidation meanwhile: an
	 * error (a lock timeout, say) part-way leaves it invalid, not half-built.
	 */
	cache.valid = false;
	seen = invalidations;
	MemoryContextReset(cache.cxt);
	cache.scans_relid = relation_in_schema("scans", nsp);
	cache.certs_relid = relation_in_schema("certificates", nsp);
	cache.certs_pkey = relation_in_schema("certificates_pkey", nsp);
	cache.att_id_number = column(cache.certs_relid, "id_number");
	cache.att_holder_name = column(cache.certs_relid, "holder_name");
	cache.att_valid_until = column(cache.certs_relid, "valid_until");
	cache.att_status = column(cache.certs_relid, "status");
	cache.att_secret = column(cache.certs_relid, "secret");
	cache.issued = GetSysCacheOid2(ENUMTYPOIDNAME, Anum_pg_enum_oid,
								   ObjectIdGetDatum(tid_type("certificate_status")),
								   CStringGetDatum("issued"));
	if (!OidIsValid(cache.issued))
		elog(ERROR, "enum label temp_id.certificate_status 'issued' is missing");

	scans = table_open(cache.scans_relid, AccessShareLock);
	cache.direct_insert = plain_table(scans);
	indexes = RelationGetIndexList(scans);
	old = MemoryContextSwitchTo(cache.cxt);
	cache.nindexes = list_length(indexes);
	cache.index_oids = palloc(sizeof(Oid) * Max(cache.nindexes, 1));
	cache.index_info = palloc(sizeof(IndexInfo *) * Max(cache.nindexes, 1));
	foreach(lc, indexes)
	{
		Relation	irel = index_open(lfirst_oid(lc), AccessShareLock);
		IndexInfo  *info = BuildIndexInfo(irel);

		if (info->ii_Expressions != NIL || info->ii_Predicate != NIL ||
			info->ii_Unique || info->ii_ExclusionOps != NULL || !irel->rd_index->indisready)
			cache.direct_insert = false;
		cache.index_oids[i] = lfirst_oid(lc);
		cache.index_info[i++] = info;
		index_close(irel, AccessShareLock);
	}
	MemoryContextSwitchTo(old);
	table_close(scans, AccessShareLock);
	cache.valid = (seen == invalidations);
}

/* The certificate's row as of the active snapshot, or false. */
static bool
fetch_certificate(int64 cert_id, TupleTableSlot **slot_out)
{
	Relation	heap = table_open(cache.certs_relid, AccessShareLock);
	Relation	index = index_open(cache.certs_pkey, AccessShareLock);
	Snapshot	snap = ActiveSnapshotSet() ? GetActiveSnapshot() : GetTransactionSnapshot();
	TupleTableSlot *slot = table_slot_create(heap, NULL);
	IndexScanDesc scan = index_beginscan(heap, index, snap, 1, 0);
	ScanKeyData key;
	bool		found;

	ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(cert_id));
	index_rescan(scan, &key, 1, NULL, 0);
	found = index_getnext_slot(scan, ForwardScanDirection, slot);
	if (found)
		slot_getallattrs(slot);
	index_endscan(scan);
	index_close(index, NoLock);
	table_close(heap, NoLock);
	*slot_out = slot;
	return found;
}

/*
 * The SPI path runs as the table's owner: the caller (the app role) has
 * EXECUTE on verify_code but, by design, no privilege on the table.
 */
static void
insert_as_owner(Oid owner, Datum *values, const char *nulls)
{
	Oid			save_userid;
	int			save_sec_context;

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(owner, save_sec_context | SECURITY_LOCAL_USERID_CHANGE);
	PG_TRY();
	{
		SPI_connect();
		tid_exec(&scan_insert, values, nulls, 0);
		SPI_finish();
	}
	PG_FINALLY();
	{
		SetUserIdAndSecContext(save_userid, save_sec_context);
	}
	PG_END_TRY();
}

static void
log_scan(Datum *values, bool *nulls)
{
	Relation	rel = table_open(cache.scans_relid, RowExclusiveLock);
	Oid			owner = rel->rd_rel->relowner;
	HeapTuple	tup;

	if (!cache.direct_insert || !cache.valid)
	{
		char		n[SCAN_NATTS + 1];

		for (int i = 0; i < SCAN_NATTS; i++)
			n[i] = nulls[i] ? 'n' : ' ';
		n[SCAN_NATTS] = '\0';
		table_close(rel, NoLock);
		insert_as_owner(owner, values, n);
		return;
	}
	tup = heap_form_tuple(RelationGetDescr(rel), values, nulls);
	heap_insert(rel, tup, GetCurrentCommandId(true), 0, NULL);
	for (int i = 0; i < cache.nindexes; i++)
	{
		IndexInfo  *info = cache.index_info[i];
		Relation	irel = index_open(cache.index_oids[i], RowExclusiveLock);
		Datum		iv[INDEX_MAX_KEYS];
		bool		in[INDEX_MAX_KEYS];

		for (int k = 0; k < info->ii_NumIndexAttrs; k++)
		{
			AttrNumber	a = info->ii_IndexAttrNumbers[k];

			iv[k] = values[a - 1];
			in[k] = nulls[a - 1];
		}
		/*
		 * An access method may keep state in ii_AmCache (BRIN keeps a
		 * descriptor pointing at the index's relcache entry), which must not
		 * outlive this call: give it a fresh copy whose cache starts empty.
		 */
		if (info->ii_AmCache != NULL || irel->rd_rel->relam != BTREE_AM_OID)
		{
			IndexInfo  *fresh = palloc(sizeof(IndexInfo));

			memcpy(fresh, info, sizeof(IndexInfo));
			fresh->ii_AmCache = NULL;
			fresh->ii_Context = CurrentMemoryContext;
			info = fresh;
		}
		index_insert(irel, iv, in, &tup->t_self, rel, UNIQUE_CHECK_NO, false, info);
		index_close(irel, NoLock);
	}
	table_close(rel, NoLock);
	heap_freetuple(tup);
}

Datum
tid_verify_code(PG_FUNCTION_ARGS)
{
	TimestampTz now = tid_clock();
	Datum		result;
	TokenParts	tp;
	TupleTableSlot *slot = NULL;
	const char *reason = NULL;
	bool		have_cert = false;
	Datum		scan[SCAN_NATTS];
	bool		scannull[SCAN_NATTS] = {false, false, false, false, false, false, true};
	Datum		out[6];
	bool		outnull[6] = {false, false, true, true, true, true};

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("checkpoint must not be null")));
	if (XactReadOnly || RecoveryInProgress())
		ereport(ERROR,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("verify_code cannot run in a read-only transaction"),
				 errdetail("Every verification is recorded in the scan log.")));
	if (!cache.valid)
		build_cache();

	if (PG_ARGISNULL(0) ||
		!token_parse(VARDATA_ANY(PG_GETARG_TEXT_PP(0)),
					 VARSIZE_ANY_EXHDR(PG_GETARG_TEXT_PP(0)), &tp))
		reason = "malformed";
	else if (!fetch_certificate(tp.certificate_id, &slot))
		reason = "unknown_certificate";
	else
	{
		bytea	   *secret = DatumGetByteaPP(slot->tts_values[cache.att_secret - 1]);
		char		mac[TOKEN_MAC_CHARS];
		int64		current = token_step(now);

		token_mac((uint8 *) VARDATA_ANY(secret), VARSIZE_ANY_EXHDR(secret),
				  tp.certificate_id, tp.step, mac);
		if (!token_mac_equal(mac, tp.mac))
			reason = "bad_signature";
		else
		{
			have_cert = true;
			if (DatumGetObjectId(slot->tts_values[cache.att_status - 1]) != cache.issued)
				reason = "certificate_revoked";
			else if (now >= DatumGetTimestampTz(slot->tts_values[cache.att_valid_until - 1]))
				reason = "certificate_expired";
			else if (tp.step < current - tid_code_skew)
				reason = "stale_code";
			else if (tp.step > current + tid_code_skew)
				reason = "future_code";
			else
				reason = "ok";
		}
		scan[6] = Int64GetDatum(tp.certificate_id);
		scannull[6] = false;
	}

	scan[0] = TimestampTzGetDatum(now);
	scan[1] = PG_GETARG_DATUM(1);
	scan[2] = PG_ARGISNULL(2) ? (Datum) 0 : PG_GETARG_DATUM(2);
	scannull[2] = PG_ARGISNULL(2);
	scan[3] = PG_ARGISNULL(3) ? (Datum) 0 : PG_GETARG_DATUM(3);
	scannull[3] = PG_ARGISNULL(3);
	scan[4] = BoolGetDatum(strcmp(reason, "ok") == 0);
	scan[5] = CStringGetTextDatum(reason);
	log_scan(scan, scannull);

	out[0] = scan[4];
	out[1] = scan[5];
	if (have_cert)
	{
		out[2] = Int64GetDatum(tp.certificate_id);
		out[3] = CStringGetTextDatum(tid_mask_name(TextDatumGetCString(slot->tts_values[cache.att_holder_name - 1])));
		out[4] = CStringGetTextDatum(tid_mask_resident_id(DatumGetInt64(slot->tts_values[cache.att_id_number - 1])));
		out[5] = slot->tts_values[cache.att_valid_until - 1];
		outnull[2] = outnull[3] = outnull[4] = outnull[5] = false;
	}
	result = tid_return_row(fcinfo, out, outnull, false);
	if (slot)
		ExecDropSingleTupleTableSlot(slot);
	return result;
}

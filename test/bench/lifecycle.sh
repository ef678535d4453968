#!/usr/bin/env bash
# Lifecycle throughput (issue 3): on one cluster, in one run,
#   (1) TPS of a plain single-row INSERT transaction (bigserial PK),
#   (2) pairs/s of temp_id.apply + temp_id.confirm_identity, each its own
#       transaction, every pair for a different person,
#   (3) the same pairs through plimpl, a careful PL/pgSQL implementation of
#       the same rules (test/bench/lifecycle_plpgsql.sql),
# each at 1 and 8 clients, then the ratios the issue aims at: at 8 clients
# temp_id >= 0.4x the INSERT TPS and >= 2x the PL/pgSQL implementation.
#
# Usage: test/bench/lifecycle.sh
# Connects with the usual PG* environment variables, creates (dropping it
# first) the database temp_id_bench_lc and never changes server settings.
# Environment: SECONDS_PER_RUN (default 25: the time behind each figure,
# run as ROUNDS (default 5) chunks interleaved with the other workloads'),
# CLIENTS (default "1 8"),
# THREADS (pgbench -j for the multi-client runs, default 2), PGBENCH (path),
# IDS (distinct people pre-generated, default 2000000), KEEP_DB=1 to keep
# the database afterwards (for EXPLAIN or profiling), FLOOR=1 to add a
# fourth workload: the rows one issuing pair writes (application, holder,
# certificate, QR session, four audit rows with a constant masked JSON),
# hand-written as one statement per transaction into copies of temp_id's
# tables with their indexes and CHECKs but no triggers or foreign keys --
# about the least any implementation that writes those rows in two
# transactions can cost.
set -euo pipefail

secs=${SECONDS_PER_RUN:-25}
clients=${CLIENTS:-"1 8"}
threads=${THREADS:-2}
ids=${IDS:-2000000}
db=temp_id_bench_lc
here=$(cd "$(dirname "$0")" && pwd)
pgbench=${PGBENCH:-}
if [ -z "$pgbench" ]; then
	if command -v pgbench >/dev/null; then
		pgbench=pgbench
	else
		pgbench="$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)/pgbench"
	fi
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

nclients=$(wc -w <<<"$clients")
# every run of one implementation draws its people from its own slice of
# ids, and every client from its own part of that slice, in sequence
slice=$((ids / nclients))

psql_() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

psql_ -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
export PGDATABASE=$db

echo "setting up: extensions, PL/pgSQL implementation, $ids distinct resident ID numbers ..." >&2
psql_ <<'SQL'
CREATE EXTENSION temp_id;
CREATE EXTENSION pgcrypto;
CREATE TABLE bench_plain (id bigserial PRIMARY KEY, a int, b timestamptz, c text);
SQL
psql_ -f "$here/lifecycle_plpgsql.sql"

# ids + 1 valid, distinct numbers (the last is the warm-up's person)
psql_ -v ids="$((ids + 1))" -f "$here/valid_ids.sql"
psql_ -c "VACUUM ANALYZE ids"
# (n = ids + 1 is the warm-up's person, outside every run's slice)
# every generated number must be one temp_id accepts (spot check 1000)
psql_ -c "SELECT count(id::temp_id.resident_id) FROM ids WHERE n % (greatest($ids / 1000, 1)) = 0" >/dev/null

cat >"$work/plain.sql" <<'EOF'
\set id random(1, 1000000000)
INSERT INTO bench_plain (a, b, c) VALUES (:id, now(), 'x');
EOF
# one pgbench transaction = one pair = two server transactions; a refused
# apply (a person seen before) has nothing to confirm
for impl in temp_id plimpl; do
	cat >"$work/$impl.sql" <<EOF
\\set cnt :cnt + 1
\\set n :base + :client_id * :per_client + (:cnt - 1) % :per_client + 1
SELECT application_id, status = 'pending_verification' AS pending
  FROM $impl.apply('resident_id_card', (SELECT id FROM ids WHERE n = :n), 'Name',
                   point(116.4, 39.9), 'acct') \\gset
\\if :pending
SELECT * FROM $impl.confirm_identity(:application_id, true, 0.9, 'ref');
\\endif
EOF
done

if [ "${FLOOR:-0}" = 1 ]; then
	psql_ <<'SQL'
CREATE SCHEMA floor_sql;
CREATE TABLE floor_sql.applications (LIKE temp_id.applications INCLUDING ALL);
CREATE TABLE floor_sql.holders (LIKE temp_id.holders INCLUDING ALL);
CREATE TABLE floor_sql.certificates (LIKE temp_id.certificates INCLUDING ALL);
CREATE TABLE floor_sql.qr_sessions (LIKE temp_id.qr_sessions INCLUDING ALL);
CREATE TABLE floor_sql.audit (LIKE temp_id.audit INCLUDING ALL);
SQL
	cat >"$work/floor_sql.sql" <<'EOF'
\set cnt :cnt + 1
\set n :base + :client_id * :per_client + (:cnt - 1) % :per_client + 1
WITH a AS (INSERT INTO floor_sql.applications (applied_at, document_type, id_number, full_name,
		location, account_id, status)
	VALUES (clock_timestamp(), 'resident_id_card', (SELECT id FROM ids WHERE n = :n)::temp_id.resident_id,
		'Name', point(116.4, 39.9), 'acct', 'pending_verification')
	RETURNING id, applied_at)
INSERT INTO floor_sql.audit (clock_at, real_at, table_name, row_id, operation, new_status, db_role,
	app_account, txid, changes)
SELECT applied_at, clock_timestamp(), 'applications', id, 'INSERT', 'pending_verification', 'postgres',
	'acct', txid_current(), '{"id": 1, "score": null, "reason": null, "status": "pending_verification", "applied_at": "2026-11-25 05:29:56.853588+00", "account_id": "acct", "decided_at": null, "full_name": "N***", "id_number": "450102********0003", "retry_after": null, "provider_ref": null, "document_type": "resident_id_card", "certificate_id": null}'
FROM a RETURNING row_id AS application_id \gset
WITH app AS (SELECT id, id_number FROM floor_sql.applications WHERE id = :application_id FOR UPDATE),
h AS (INSERT INTO floor_sql.holders SELECT id_number, date '2026-11-01', 1, NULL,
		clock_timestamp() + interval '24h' FROM app RETURNING id_number),
c AS (INSERT INTO floor_sql.certificates (application_id, id_number, holder_name, account_id,
		valid_from, valid_until, issue_month, minor, secret)
	SELECT id, id_number, 'Name', 'acct', clock_timestamp(), clock_timestamp() + interval '24h',
		date '2026-11-01', false, public.gen_random_bytes(32) FROM app RETURNING id),
u AS (UPDATE floor_sql.applications a SET status = 'issued', decided_at = clock_timestamp(),
		certificate_id = (SELECT id FROM c), score = 0.9, provider_ref = 'ref'
	WHERE a.id = :application_id RETURNING a.id),
s AS (INSERT INTO floor_sql.qr_sessions (certificate_id, opened_at, expires_at, opened_by, passed,
		score, provider_ref)
	SELECT id, clock_timestamp(), clock_timestamp() + interval '30 min', 'issue', true, 0.9, 'ref'
	FROM c RETURNING id)
INSERT INTO floor_sql.audit (clock_at, real_at, table_name, row_id, operation, new_status, db_role,
	app_account, txid, changes)
SELECT clock_timestamp(), clock_timestamp(), t, i, o, st, 'postgres', 'acct', txid_current(), j::jsonb
FROM (SELECT 'certificates' t, (SELECT id FROM c) i, 'INSERT' o, 'issued' st, '{"id": 9197, "minor": false, "status": "issued", "id_number": "450102********0003", "account_id": "acct", "revoked_at": null, "valid_from": "2026-11-25 05:29:56.853588+00", "holder_name": "N***", "issue_month": "2026-11-01", "valid_until": "2026-11-26 05:29:56.853588+00", "revoke_reason": null, "application_id": 9197}' j
	UNION ALL SELECT 'applications', (SELECT id FROM u), 'UPDATE', 'issued', '{"score": "0.9", "status": "issued", "decided_at": "2026-11-25 05:29:56.853588+00", "provider_ref": "ref", "certificate_id": 9197}'
	UNION ALL SELECT 'qr_sessions', (SELECT id FROM s), 'INSERT', NULL, '{"id": 9197, "score": "0.9", "passed": true, "opened_at": "2026-11-25 05:29:56.853588+00", "opened_by": "issue", "expires_at": "2026-11-25 05:59:56.853588+00", "provider_ref": "ref", "certificate_id": 9197}'
	UNION ALL SELECT 'holders', (SELECT 0 FROM h), 'INSERT', NULL, NULL WHERE false) x;
EOF
fi

# warm up (library load, catalog caches, table files) with a person no run uses
psql_ -v w=$((ids + 1)) >/dev/null <<'SQL'
SELECT * FROM temp_id.confirm_identity(
	(SELECT application_id FROM temp_id.apply('resident_id_card',
		(SELECT id FROM ids WHERE n = :w), 'Warm', point(116.4, 39.9), 'acct')), true, 0.9, 'ref');
SELECT * FROM plimpl.confirm_identity(
	(SELECT application_id FROM plimpl.apply('resident_id_card',
		(SELECT id FROM ids WHERE n = :w), 'Warm', point(116.4, 39.9), 'acct')), true, 0.9, 'ref');
SQL

# chunk SCRIPT CLIENTS SECONDS BASE PER_CLIENT: one pgbench run; prints its TPS
# (excluding connection time)
chunk() {
	local script=$1 c=$2 t=$3 base=$4 per=$5 j=1 out
	[ "$c" -gt 1 ] && j=$threads
	[ "$j" -gt "$c" ] && j=$c
	psql_ -c CHECKPOINT
	out=$("$pgbench" -n -M prepared -c "$c" -j "$j" -T "$t" \
		-D cnt=0 -D base="$base" -D per_client="$per" -f "$script" 2>&1) || {
		echo "$out" >&2
		exit 1
	}
	if grep -q "aborted\|error" <<<"$out"; then
		echo "$out" >&2
		exit 1
	fi
	sed -n 's/^tps = \([0-9.]*\) (without initial connection time)$/\1/p' <<<"$out"
}

# issued / all among the applications made after id FROM
issued_share() {
	psql -X -At -c "SELECT coalesce(round(100.0 * count(*) FILTER (WHERE status = 'issued')
		/ nullif(count(*), 0), 1), 0) FROM $1.applications WHERE id > $2"
}
max_app() { psql -X -At -c "SELECT coalesce(max(id), 0) FROM $1.applications"; }

# The machine may be shared, so the workloads of one client count
# run interleaved in ROUNDS chunks (order rotating each round) and each
# figure is the mean of its chunks: a burst of outside load then hits all
# of them alike instead of one.  lo/hi keep the spread of the chunks.
# Every chunk starts right after a CHECKPOINT, so each pays the same
# full-page-write surge and none inherits another's checkpoint.  The pair
# scripts look the person's number up in ids inside the apply statement
# (one index probe), which the plain INSERT does not do.
rounds=${ROUNDS:-5}
chunk_secs=$(( (secs + rounds - 1) / rounds ))
workloads=(plain temp_id plimpl)
[ "${FLOOR:-0}" = 1 ] && workloads+=(floor_sql)
nw=${#workloads[@]}
declare -A tps share lo hi from
load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')
i=0
for c in $clients; do
	for impl in temp_id plimpl; do from[$impl]=$(max_app $impl); done
	per=$((slice / rounds / c))
	for ((r = 0; r < rounds; r++)); do
		for ((k = 0; k < nw; k++)); do
			w=${workloads[$(((k + r) % nw))]}
			echo "  $c client(s), round $((r + 1))/$rounds: $w, ${chunk_secs}s ..." >&2
			t=$(chunk "$work/$w.sql" "$c" "$chunk_secs" $((i * slice + r * slice / rounds)) "$per")
			tps[$w,$c]=$(awk -v a="${tps[$w,$c]:-0}" -v b="$t" -v n=$rounds 'BEGIN { print a + b / n }')
			lo[$w,$c]=$(awk -v a="${lo[$w,$c]:-1e18}" -v b="$t" 'BEGIN { print (b < a) ? b : a }')
			hi[$w,$c]=$(awk -v a="${hi[$w,$c]:-0}" -v b="$t" 'BEGIN { print (b > a) ? b : a }')
		done
	done
	for impl in temp_id plimpl; do share[$impl,$c]=$(issued_share $impl "${from[$impl]}"); done
	i=$((i + 1))
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')

IFS='|' read -r ver sc fs sb wl < <(psql -X -At -c "SELECT current_setting('server_version_num'),
	current_setting('synchronous_commit'), current_setting('fsync'),
	current_setting('shared_buffers'), current_setting('wal_level')")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }
spread() { printf '%.0f..%.0f' "${lo[$1,$2]}" "${hi[$1,$2]}"; }
echo
echo "temp_id lifecycle benchmark: server_version_num=$ver, synchronous_commit=$sc, fsync=$fs," \
	"shared_buffers=$sb, wal_level=$wl"
echo "$(nproc 2>/dev/null || echo '?') CPUs, load average $load_before before, $load_after after;" \
	"pgbench -M prepared, $rounds interleaved ${chunk_secs}s chunks per figure"
fmt='%-32s %7s %9.1f %13s %7s %10s %11s\n'
printf '%-32s %7s %9s %13s %7s %10s %11s\n' "workload" "clients" "tps" "chunks lo..hi" \
	"issued" "vs INSERT" "vs PL/pgSQL"
for c in $clients; do
	printf "$fmt" "plain INSERT (txn/s)" "$c" "${tps[plain,$c]}" "$(spread plain "$c")" \
		"-" "1.00x" "-"
	printf "$fmt" "temp_id apply+confirm (pairs/s)" "$c" "${tps[temp_id,$c]}" \
		"$(spread temp_id "$c")" "${share[temp_id,$c]}%" \
		"$(ratio "${tps[temp_id,$c]}" "${tps[plain,$c]}")" \
		"$(ratio "${tps[temp_id,$c]}" "${tps[plimpl,$c]}")"
	printf "$fmt" "PL/pgSQL apply+confirm (pairs/s)" "$c" "${tps[plimpl,$c]}" \
		"$(spread plimpl "$c")" "${share[plimpl,$c]}%" \
		"$(ratio "${tps[plimpl,$c]}" "${tps[plain,$c]}")" "1.00x"
	if [ "${FLOOR:-0}" = 1 ]; then
		printf "$fmt" "same rows, bare SQL (pairs/s)" "$c" "${tps[floor_sql,$c]}" \
			"$(spread floor_sql "$c")" "-" \
			"$(ratio "${tps[floor_sql,$c]}" "${tps[plain,$c]}")" \
			"$(ratio "${tps[floor_sql,$c]}" "${tps[plimpl,$c]}")"
	fi
done
last=${clients##* }
echo
echo "aims at $last clients: temp_id >= 0.40x INSERT: $(ratio "${tps[temp_id,$last]}" "${tps[plain,$last]}");" \
	"temp_id >= 2.00x PL/pgSQL: $(ratio "${tps[temp_id,$last]}" "${tps[plimpl,$last]}")"
echo "(issued: share of the figure's applications that ended issued; a person seen before is refused)"

if [ "${KEEP_DB:-0}" != 1 ]; then
	psql_ -d postgres -c "DROP DATABASE $db"
fi

#!/usr/bin/env bash
# Token verification throughput: on one cluster, in one run,
#   (a) verifications/s in ONE backend over 100,000 tokens, every one a
#       real call of temp_id.verify_code that writes its scan record, timed
#       with clock_timestamp() inside one psql session (best of PASSES
#       passes); the same over plv.verify_code, a careful PL/pgSQL
#       implementation of the same checks (test/bench/verify_plpgsql.sql).
#       Each pass must accept all 100,000 tokens and grow its scan table by
#       exactly 100,000 rows, so nothing was computed once and replayed.
#   (b) pgbench TPS at CLIENTS (default 8) clients of SELECT 1, of a plain
#       single-row INSERT transaction, of one verify_code call on a random
#       token, and of the same through the PL/pgSQL implementation; each
#       verify run must grow its scan table by one accepted row per
#       transaction.
# then the ratios aimed at: verify_code >= 0.8x the INSERT TPS, >= 2x the
# PL/pgSQL TPS, and >= 150,000 verifications/s in one backend.
#
# Setup: 10,000 live certificates through the real API (apply +
# confirm_identity for 10,000 distinct valid resident ID numbers, generated
# in SQL with ISO 7064 MOD 11-2 check characters), then 100,000 tokens from
# temp_id.qr_code: ten per certificate, minted at the steps before, at and
# after the pinned instant (all current with the default code_skew 1).
#
# Usage: test/bench/verify.sh
# Connects with the usual PG* environment variables as a superuser (it pins
# temp_id.now), creates (dropping it first) the database
# temp_id_bench_verify and changes no server setting; the database's
# temp_id.now default is set so pgbench sessions see the tokens as current.
# Environment: SECONDS_PER_RUN (pgbench seconds per workload, default 20),
# ROUNDS (default 1: one pgbench -T SECONDS_PER_RUN run per workload; N:
# N interleaved chunks of SECONDS_PER_RUN/N each, against outside load),
# PASSES (one-backend passes over all tokens, best shown, default 3),
# CLIENTS (default 8), THREADS (pgbench -j, default 2), MODE (pgbench -M,
# default prepared), PGBENCH (path), KEEP_DB=1 to keep the database (for
# EXPLAIN or perf).
set -euo pipefail

secs=${SECONDS_PER_RUN:-20}
clients=${CLIENTS:-8}
threads=${THREADS:-2}
mode=${MODE:-prepared}
rounds=${ROUNDS:-1}
passes=${PASSES:-3}
chunk_secs=$(( (secs + rounds - 1) / rounds ))
db=temp_id_bench_verify
certs=10000
per_cert=10
ntok=$((certs * per_cert))
# certificates issued at t_issue; tokens minted at t_mint -1/0/+1 step and
# verified at t_mint (the QR sessions last until t_issue + 30 min)
t_issue='2026-05-20 08:00:00+08'
t_mint='2026-05-20 08:10:30+08'
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
started=$SECONDS

psql_() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
val() { psql -X -At -v ON_ERROR_STOP=1 -c "$1"; }
fail() { echo "verify.sh: $*" >&2; exit 1; }

psql_ -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db" \
	-c "CREATE DATABASE $db"
export PGDATABASE=$db

echo "setting up: extensions, PL/pgSQL implementation, $certs certificates ..." >&2
psql_ <<'SQL'
CREATE EXTENSION temp_id;
CREATE EXTENSION pgcrypto;
CREATE TABLE bench_plain (id bigserial PRIMARY KEY, a int, b timestamptz, c text);
SQL
psql_ -f "$here/verify_plpgsql.sql"

psql_ -v ids="$certs" -f "$here/valid_ids.sql"
psql_ -v certs=$certs -v t_issue="$t_issue" <<'SQL'
-- every number is one temp_id accepts, and they are distinct
SELECT count(DISTINCT id::temp_id.resident_id) = :certs AS ids_ok FROM ids \gset
\if :ids_ok
\else
	\echo 'generated ID numbers are not all valid and distinct'
	SELECT 1/0;
\endif

-- issue through the real API with the clock pinned
SET temp_id.now = :'t_issue';
CREATE TABLE apps AS
	SELECT i.n, a.application_id, a.status
	  FROM ids i, LATERAL temp_id.apply('resident_id_card', i.id, '旅客' || i.n,
										point(116.4, 39.9)) a;
CREATE TABLE certs AS
	SELECT a.n, c.certificate_id, c.session_id, c.status
	  FROM apps a, LATERAL temp_id.confirm_identity(a.application_id, true, 0.95, 'bench') c;
SELECT count(*) FILTER (WHERE status = 'issued') = :certs AS issued_ok FROM certs \gset
\if :issued_ok
\else
	\echo 'not every application was issued'
	SELECT 1/0;
\endif
SQL

echo "minting $ntok tokens ..." >&2
psql_ -v t_mint="$t_mint" -v per=$per_cert -v ntok=$ntok <<'SQL'
CREATE TABLE minted (certificate_id bigint, off int, token text);
SET temp_id.now = :'t_mint';
SELECT (:'t_mint'::timestamptz - interval '60 s')::text AS before_,
	   (:'t_mint'::timestamptz + interval '60 s')::text AS after_ \gset
SET temp_id.now = :'before_';
INSERT INTO minted SELECT c.certificate_id, -1, q.token FROM certs c, LATERAL temp_id.qr_code(c.session_id) q;
SET temp_id.now = :'t_mint';
INSERT INTO minted SELECT c.certificate_id, 0, q.token FROM certs c, LATERAL temp_id.qr_code(c.session_id) q;
SET temp_id.now = :'after_';
INSERT INTO minted SELECT c.certificate_id, 1, q.token FROM certs c, LATERAL temp_id.qr_code(c.session_id) q;
-- ten tokens per certificate (steps -1, 0, +1, -1, ...), in random order
CREATE TABLE toks (id int PRIMARY KEY, g int NOT NULL, token text NOT NULL);
INSERT INTO toks
	SELECT r, r, token
	  FROM (SELECT row_number() OVER (ORDER BY random())::int AS r, m.token
			  FROM certs c CROSS JOIN generate_series(0, :per - 1) AS k
			  JOIN minted m ON m.certificate_id = c.certificate_id AND m.off = k % 3 - 1) s;
SELECT count(*) = :ntok AND count(DISTINCT token) = 3 * :ntok / :per AS toks_ok FROM toks \gset
\if :toks_ok
\else
	\echo 'unexpected token table'
	SELECT 1/0;
\endif
VACUUM ANALYZE;
SQL
psql_ -d postgres -c "ALTER DATABASE $db SET temp_id.now = '$t_mint'"

# One backend: warm up (library, caches) on 1,000 tokens, then time all of
# them, PASSES times.  Prints per pass: accepted, seconds, rows the scan
# table grew by.
one_backend() {
	local fn=$1 scans=$2 i
	{
		cat <<'SQL'
SELECT count(*) FILTER (WHERE v.accepted) AS warm
  FROM toks, LATERAL :fn(toks.token, 'boarding', 'S' || (g % 50), 'G1') v
 WHERE toks.id <= 1000 \gset
CHECKPOINT;
SQL
		for ((i = 0; i < passes; i++)); do
			cat <<'SQL'
SELECT count(*) AS s0 FROM :scans \gset
SELECT clock_timestamp() AS t0 \gset
SELECT count(*) FILTER (WHERE v.accepted) AS acc
  FROM toks, LATERAL :fn(toks.token, 'boarding', 'S' || (g % 50), 'G1') v \gset
SELECT extract(epoch FROM clock_timestamp() - :'t0') AS secs \gset
SELECT :acc, :secs, count(*) - :s0 FROM :scans;
SQL
		done
	} | psql_ -At -v fn="$fn" -v scans="$scans"
}

declare -A rate rate_lo
for impl in temp_id plv; do
	echo "one backend: $impl.verify_code over $ntok tokens, $passes passes ..." >&2
	while IFS='|' read -r acc s grew; do
		[ "$acc" = "$ntok" ] || fail "$impl.verify_code accepted $acc of $ntok tokens"
		[ "$grew" = "$ntok" ] || fail "$impl.scans grew by $grew rows, not $ntok"
		r=$(awk -v n="$ntok" -v s="$s" 'BEGIN { printf "%.0f", n / s }')
		if [ "$r" -gt "${rate[$impl]:-0}" ]; then rate[$impl]=$r; fi
		if [ "$r" -lt "${rate_lo[$impl]:-999999999}" ]; then rate_lo[$impl]=$r; fi
	done < <(one_backend "$impl.verify_code" "$impl.scans")
	[ -n "${rate[$impl]:-}" ] || fail "no one-backend figure for $impl"
done

cat >"$work/select1.sql" <<'EOF'
SELECT 1;
EOF
cat >"$work/plain.sql" <<'EOF'
\set a random(1, 1000000000)
INSERT INTO bench_plain (a, b, c) VALUES (:a, now(), 'x');
EOF
for impl in temp_id plv; do
	cat >"$work/$impl.sql" <<EOF
\\set i random(1, $ntok)
SELECT v.* FROM toks t, LATERAL $impl.verify_code(t.token, 'station_entry', 'S1', 'G1') v WHERE t.id = :i;
EOF
done

# chunk NAME SCRIPT: one pgbench run of chunk_secs after a checkpoint;
# adds its TPS (excluding connection time) / rounds to tps[NAME] and its
# transactions to txns[NAME], keeps lo/hi; a verify run must grow its scan
# table by one accepted row per transaction
declare -A tps txns lo hi
chunk() {
	local name=$1 script=$2 out j=$threads t n n0 grew rejected
	[ "$j" -gt "$clients" ] && j=$clients
	psql_ -c CHECKPOINT
	case $name in temp_id | plv) n0=$(val "SELECT count(*) FROM $name.scans") ;; esac
	out=$("$pgbench" -n -M "$mode" -c "$clients" -j "$j" -T "$chunk_secs" -f "$script" 2>&1) || {
		echo "$out" >&2
		exit 1
	}
	if grep -q "aborted\|error" <<<"$out"; then
		echo "$out" >&2
		exit 1
	fi
	t=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)$/\1/p' <<<"$out")
	n=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' <<<"$out")
	[ -n "$t" ] && [ -n "$n" ] || { echo "$out" >&2; fail "no tps from pgbench"; }
	case $name in temp_id | plv)
		IFS='|' read -r grew rejected < <(val "SELECT count(*) - $n0,
			count(*) FILTER (WHERE NOT accepted) FROM $name.scans")
		[ "$grew" = "$n" ] || fail "$name.scans grew by $grew rows in $n transactions"
		[ "$rejected" = 0 ] || fail "$name.verify_code rejected $rejected tokens"
	esac
	tps[$name]=$(awk -v a="${tps[$name]:-0}" -v b="$t" -v r="$rounds" 'BEGIN { printf "%.1f", a + b / r }')
	txns[$name]=$((${txns[$name]:-0} + n))
	lo[$name]=$(awk -v a="${lo[$name]:-1e18}" -v b="$t" 'BEGIN { printf "%.0f", (b < a) ? b : a }')
	hi[$name]=$(awk -v a="${hi[$name]:-0}" -v b="$t" 'BEGIN { printf "%.0f", (b > a) ? b : a }')
}

# The machine may be shared: with ROUNDS > 1 each figure is the mean of
# ROUNDS chunks run interleaved with the other workloads' (order rotating),
# so a burst of outside load hits all of them alike.
workloads=(select1 plain temp_id plv)
load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')
for ((r = 0; r < rounds; r++)); do
	for ((k = 0; k < 4; k++)); do
		w=${workloads[$(((k + r) % 4))]}
		echo "pgbench $clients clients, round $((r + 1))/$rounds: $w, ${chunk_secs}s ..." >&2
		chunk "$w" "$work/$w.sql"
	done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')

IFS='|' read -r ver sc fs sb < <(val "SELECT current_setting('server_version_num'),
	current_setting('synchronous_commit'), current_setting('fsync'),
	current_setting('shared_buffers')")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }
verdict() { awk -v a="$1" -v b="$2" 'BEGIN { print (a >= b) ? "met" : "MISSED" }'; }
echo
echo "temp_id verify_code benchmark: server_version_num=$ver, synchronous_commit=$sc, fsync=$fs," \
	"shared_buffers=$sb"
echo "$(nproc 2>/dev/null || echo '?') CPUs, load average $load_before before pgbench," \
	"$load_after after; $certs certificates, $ntok tokens; one backend: best of $passes passes;" \
	"pgbench -M $mode -c $clients -j $threads -n, $rounds x ${chunk_secs}s per workload"
fmt='%-44s %10s %15s %10s %11s\n'
printf "$fmt" "workload" "rate" "lo..hi" "vs INSERT" "vs PL/pgSQL"
printf "$fmt" "one backend: temp_id.verify_code (verif./s)" "${rate[temp_id]}" \
	"${rate_lo[temp_id]}..${rate[temp_id]}" "-" "$(ratio "${rate[temp_id]}" "${rate[plv]}")"
printf "$fmt" "one backend: PL/pgSQL verify_code (verif./s)" "${rate[plv]}" \
	"${rate_lo[plv]}..${rate[plv]}" "-" "1.00x"
printf "$fmt" "$clients clients: SELECT 1 (tps)" "${tps[select1]}" "${lo[select1]}..${hi[select1]}" \
	"$(ratio "${tps[select1]}" "${tps[plain]}")" "-"
printf "$fmt" "$clients clients: plain INSERT (tps)" "${tps[plain]}" "${lo[plain]}..${hi[plain]}" \
	"1.00x" "-"
printf "$fmt" "$clients clients: temp_id.verify_code (tps)" "${tps[temp_id]}" \
	"${lo[temp_id]}..${hi[temp_id]}" \
	"$(ratio "${tps[temp_id]}" "${tps[plain]}")" "$(ratio "${tps[temp_id]}" "${tps[plv]}")"
printf "$fmt" "$clients clients: PL/pgSQL verify_code (tps)" "${tps[plv]}" "${lo[plv]}..${hi[plv]}" \
	"$(ratio "${tps[plv]}" "${tps[plain]}")" "1.00x"
echo
echo "aims: verify_code / INSERT at $clients clients $(ratio "${tps[temp_id]}" "${tps[plain]}")" \
	"(>= 0.80x: $(verdict "${tps[temp_id]}" "$(awk -v p="${tps[plain]}" 'BEGIN { print 0.8 * p }')"));" \
	"verify_code / PL/pgSQL $(ratio "${tps[temp_id]}" "${tps[plv]}")" \
	"(>= 2.00x: $(verdict "${tps[temp_id]}" "$(awk -v p="${tps[plv]}" 'BEGIN { print 2 * p }')"));" \
	"one backend ${rate[temp_id]}/s (>= 150000: $(verdict "${rate[temp_id]}" 150000))"
echo "checks: each one-backend pass accepted all $ntok tokens and wrote $ntok scan rows;" \
	"each pgbench verify run wrote one accepted scan row per transaction" \
	"(temp_id ${txns[temp_id]}, PL/pgSQL ${txns[plv]}); total $((SECONDS - started))s"

if [ "${KEEP_DB:-0}" != 1 ]; then
	psql_ -d postgres -c "DROP DATABASE $db"
fi

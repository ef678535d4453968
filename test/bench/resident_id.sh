#!/usr/bin/env bash
# test/bench/resident_id.sh
#   Benchmark of temp_id.resident_id against ID numbers kept as text, on
#   any running cluster (connection from the usual PGHOST, PGPORT, PGUSER,
#   PGDATABASE... variables; the role must be able to create a schema, and
#   to create the extension if the database does not have it yet).
#
#   (a) parse rate: 1,000,000 distinct valid numbers (generated in SQL with
#       correct check characters) in a text table, timed in one psql session:
#         scan only      SELECT count(length(x)) FROM ids
#         resident_id    SELECT count(x::temp_id.resident_id) FROM ids
#         PL/pgSQL       SELECT count(*) FROM ids WHERE plpgsql_valid(x)
#       (plpgsql_valid is in resident_id_plpgsql.sql: the same checks).
#       Best of BENCH_REPEAT runs each, single process (no parallel workers,
#       no JIT), so the figures are per-core rates.
#   (b) size of a btree index on the values as resident_id and as text.
#
#   Everything lives in schema temp_id_bench, dropped at the end.
#   BENCH_ROWS (default 1000000) and BENCH_REPEAT (default 3) can be set.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
rows=${BENCH_ROWS:-1000000}
repeat=${BENCH_REPEAT:-3}
case "$rows$repeat" in *[!0-9]*) echo "BENCH_ROWS and BENCH_REPEAT must be integers" >&2; exit 2 ;; esac

PSQL=(psql -X -q -v ON_ERROR_STOP=1)

had_ext=$("${PSQL[@]}" -Atc "SELECT count(*) FROM pg_extension WHERE extname = 'temp_id'")
cleanup() {
	"${PSQL[@]}" -c "DROP SCHEMA IF EXISTS temp_id_bench CASCADE" >/dev/null 2>&1 || true
	if [ "$had_ext" = 0 ]; then
		"${PSQL[@]}" -c "DROP EXTENSION IF EXISTS temp_id" >/dev/null 2>&1 || true
	fi
}
trap cleanup EXIT

# One timed statement: its row count and elapsed seconds go to timing.
timed() {
	local name=$1 query=$2
	cat <<EOF
SELECT clock_timestamp() AS t0 \\gset
$query \\gset
INSERT INTO temp_id_bench.timing
	VALUES ('$name', :c, extract(epoch FROM clock_timestamp() - :'t0'::timestamptz));
EOF
}

{
	cat <<EOF
\\set rows $rows
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS temp_id;
DROP SCHEMA IF EXISTS temp_id_bench CASCADE;
CREATE SCHEMA temp_id_bench;
\\i $here/resident_id_plpgsql.sql
SET jit = off;
SET max_parallel_workers_per_gather = 0;
SET temp_id.now = '';

-- :rows distinct valid numbers: region codes over every province, birth
-- dates from 1940 on (1,000 numbers a day), sequence 000-999; the pair
-- (birth date, sequence) makes each one distinct.
CREATE TABLE temp_id_bench.ids AS
WITH body AS (
	SELECT n,
		   lpad(((ARRAY[11,12,13,14,15,21,22,23,31,32,33,34,35,36,37,41,42,43,44,45,46,
						50,51,52,53,54,61,62,63,64,65,71,81,82,83])[1 + (n * 7) % 35] * 10000
				 + (n / 7) % 100 * 100 + 1 + n % 20)::text, 6, '0')
		   || to_char(date '1940-01-01' + (n / 1000)::int, 'YYYYMMDD')
		   || lpad((n % 1000)::text, 3, '0') AS b
	FROM generate_series(0, :rows - 1) n
)
SELECT n, b || substr('10X98765432',
		(SELECT sum(substr(b, i, 1)::int * ('{7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2}'::int[])[i])
		   FROM generate_series(1, 17) i)::int % 11 + 1, 1) AS x
FROM body;
VACUUM ANALYZE temp_id_bench.ids;
CREATE TABLE temp_id_bench.timing (test text, n bigint, secs float8);

SELECT count(*) AS generated, count(DISTINCT x) AS distinct_numbers FROM temp_id_bench.ids \\gset
-- warm the cache
SELECT count(length(x)) AS c FROM temp_id_bench.ids \\gset
EOF
	for _ in $(seq "$repeat"); do
		timed 'scan only: count(length(x))' 'SELECT count(length(x)) AS c FROM temp_id_bench.ids'
		timed 'x::temp_id.resident_id' 'SELECT count(x::temp_id.resident_id) AS c FROM temp_id_bench.ids'
		timed 'PL/pgSQL plpgsql_valid(x)' 'SELECT count(*) AS c FROM temp_id_bench.ids WHERE temp_id_bench.plpgsql_valid(x)'
	done
	cat <<EOF

-- (b) index sizes, both built by CREATE INDEX on the same 1,000,000 values
CREATE TABLE temp_id_bench.both AS
	SELECT x, x::temp_id.resident_id AS r FROM temp_id_bench.ids;
CREATE INDEX both_r ON temp_id_bench.both (r);
CREATE INDEX both_x ON temp_id_bench.both (x);

\\pset footer off
\\echo
SELECT format('temp_id.resident_id benchmark: %s valid numbers (%s distinct); best of %s runs; jit off, no parallel workers',
			  :generated, :distinct_numbers, $repeat) AS header \\gset
\\echo :header
SELECT current_setting('server_version') AS server, current_setting('shared_buffers') AS shared_buffers;
\\echo '(a) parse and validate'
WITH best AS (
	SELECT test, max(n) AS valid_rows, min(secs) AS secs FROM temp_id_bench.timing GROUP BY test
), base AS (
	SELECT secs FROM best WHERE test LIKE 'scan only%'
)
SELECT test, valid_rows,
	   round(best.secs::numeric, 3) AS seconds,
	   lpad(to_char(round(:rows / best.secs), 'FM999,999,999,990'), 12) AS "rows/s",
	   CASE WHEN test LIKE 'scan only%' THEN ''
			ELSE lpad(round(((best.secs - base.secs) * 1e9 / :rows)::numeric)::text, 16) END AS "ns/row over scan"
FROM best, base
ORDER BY best.secs;
WITH best AS (
	SELECT test, min(secs) AS secs FROM temp_id_bench.timing GROUP BY test
), s AS (
	SELECT max(secs) FILTER (WHERE test LIKE 'scan only%') AS scan,
		   max(secs) FILTER (WHERE test LIKE 'x::%') AS rid,
		   max(secs) FILTER (WHERE test LIKE 'PL/pgSQL%') AS plpgsql
	FROM best
)
SELECT round((plpgsql / rid)::numeric, 1) AS "resident_id rows/s ÷ PL/pgSQL rows/s",
	   round(((plpgsql - scan) / nullif(rid - scan, 0))::numeric, 1) AS "same, scan cost subtracted"
FROM s;
\\echo '(b) btree index on the same values'
WITH i AS (
	SELECT 'resident_id' AS key_type, pg_relation_size('temp_id_bench.both_r') AS bytes
	UNION ALL
	SELECT 'text', pg_relation_size('temp_id_bench.both_x')
)
SELECT key_type, :rows AS entries, bytes, pg_size_pretty(bytes) AS size,
	   round(bytes::numeric / :rows, 1) AS "bytes/entry"
FROM i;
SELECT round(pg_relation_size('temp_id_bench.both_r')::numeric
			 / pg_relation_size('temp_id_bench.both_x'), 3) AS "index size ratio resident_id / text";
EOF
} | "${PSQL[@]}" -f -

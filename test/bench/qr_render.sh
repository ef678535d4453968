#!/usr/bin/env bash
# QR rendering throughput in one backend: renders per second of
# temp_id.qr_png, temp_id.qr_svg and temp_id.qr_text over N distinct
# 29-character tokens (the length temp_id.qr_code hands out: version 2 at
# level M), next to a baseline md5() over the same rows, which is the cost
# of the query machinery alone.  qr_version is the encoding step alone
# (libqrencode, mostly its mask evaluation), which every renderer pays;
# the PNG's remaining cost is mostly zlib.
#
# Usage: test/bench/qr_render.sh [N] [MODULE_PX]     (defaults 20000, 4)
# Connects with the usual PG* environment variables; needs the temp_id
# extension installed in that database.
set -euo pipefail
n=${1:-20000}
px=${2:-4}

psql -X -q -v ON_ERROR_STOP=1 -v n="$n" -v px="$px" <<'SQL'
\pset footer off
\timing off
CREATE TEMP TABLE qr_bench_tokens AS
	SELECT 'AB12CD.HM3K0.' || lpad(i::text, 16, '0') AS t
	FROM generate_series(1, :n) AS i;
-- warm up: load the library, read the table into cache
SELECT count(md5(t)), count(temp_id.qr_png(t, :px)) FROM qr_bench_tokens LIMIT 1 \g /dev/null

CREATE TEMP TABLE qr_bench_results (what text, renders bigint, seconds float8);
CREATE FUNCTION pg_temp.qr_bench(what text, q text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	t0 timestamptz;
	c bigint;
BEGIN
	t0 := clock_timestamp();
	EXECUTE q INTO c;
	INSERT INTO qr_bench_results
		VALUES (what, c, extract(epoch FROM clock_timestamp() - t0));
END $$;

SELECT pg_temp.qr_bench('baseline md5', 'SELECT count(md5(t)) FROM qr_bench_tokens') \g /dev/null
SELECT pg_temp.qr_bench('qr_png(t, ' || :px || ')', 'SELECT count(temp_id.qr_png(t, ' || :px || ')) FROM qr_bench_tokens') \g /dev/null
SELECT pg_temp.qr_bench('qr_svg(t, ' || :px || ')', 'SELECT count(temp_id.qr_svg(t, ' || :px || ')) FROM qr_bench_tokens') \g /dev/null
SELECT pg_temp.qr_bench('qr_text(t)', 'SELECT count(temp_id.qr_text(t)) FROM qr_bench_tokens') \g /dev/null
SELECT pg_temp.qr_bench('qr_version(t)', 'SELECT count(temp_id.qr_version(t)) FROM qr_bench_tokens') \g /dev/null

SELECT what, renders AS rows, round(seconds::numeric, 3) AS seconds,
	   round(renders / seconds) AS per_second,
	   round((1e6 * seconds / renders)::numeric, 1) AS us_each
FROM qr_bench_results;
SQL

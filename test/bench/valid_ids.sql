-- valid_ids.sql: table ids(n, id) of :ids distinct valid resident ID numbers,
-- n = 1 .. :ids, shared by the benchmarks.  psql -v ids=N -f valid_ids.sql
--
-- A province from the real list, region 0102, a birth date in 1940..2008 and
-- a sequence number; k -> (province, date, sequence) is one-to-one, so the
-- numbers are distinct.  The check character is ISO 7064 MOD 11-2 over the
-- 17 body digits, computed here independently of the extension's C code.
CREATE TABLE ids (n int PRIMARY KEY, id text NOT NULL);
CREATE FUNCTION pg_temp.check_char(b text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
	SELECT substr('10X98765432',
		(substr(b,1,1)::int*7 + substr(b,2,1)::int*9 + substr(b,3,1)::int*10
		 + substr(b,4,1)::int*5 + substr(b,5,1)::int*8 + substr(b,6,1)::int*4
		 + substr(b,7,1)::int*2 + substr(b,8,1)::int*1 + substr(b,9,1)::int*6
		 + substr(b,10,1)::int*3 + substr(b,11,1)::int*7 + substr(b,12,1)::int*9
		 + substr(b,13,1)::int*10 + substr(b,14,1)::int*5 + substr(b,15,1)::int*8
		 + substr(b,16,1)::int*4 + substr(b,17,1)::int*2) % 11 + 1, 1)
$$;
WITH p(i, code) AS (
	SELECT row_number() OVER () - 1, c
	FROM unnest(ARRAY['11','12','13','14','15','21','22','23','31','32','33','34','35',
					  '36','37','41','42','43','44','45','46','50','51','52','53','54',
					  '61','62','63','64','65']) AS c),
body AS (
	SELECT k + 1 AS n,
		   p.code || '0102'
		   || to_char(date '1940-01-01' + ((k / 31) % 25000)::int, 'YYYYMMDD')
		   || lpad(((k / (31 * 25000)) % 1000)::text, 3, '0') AS b
	FROM generate_series(0, :ids - 1) AS k
	JOIN p ON p.i = k % 31)
INSERT INTO ids SELECT n, b || pg_temp.check_char(b) FROM body;

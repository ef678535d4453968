--
-- temp_id.resident_id: input checks, functions, operators, indexes,
-- hashing and binary I/O.
--
-- "Today" is pinned: a birth date after today is refused, and the type
-- reads today (in temp_id.zone, Asia/Shanghai) from temp_id.now.
SET temp_id.now = '2026-11-25 12:00+08';
-- The operators live in schema temp_id, like every other object.
SET search_path = public, temp_id;
SET datestyle = 'ISO, YMD';

-- Appends the ISO 7064 MOD 11-2 check character to 17 body digits
-- (weight of position i, counting from 1, is 2^(18-i) mod 11), written
-- independently of the C code so the two can be compared.
CREATE FUNCTION pg_temp.with_check(body text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$
	SELECT body || substr('10X98765432',
		(SELECT sum(substr(body, i, 1)::int * ((2 ^ (18 - i))::int % 11))
		   FROM generate_series(1, 17) i)::int % 11 + 1, 1)
$$;

-- Result of converting text: 'ok <output>' or SQLSTATE, message and hint.
CREATE FUNCTION pg_temp.state(input text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	r temp_id.resident_id;
	hint text;
BEGIN
	r := input::temp_id.resident_id;
	RETURN 'ok ' || r::text;
EXCEPTION WHEN others THEN
	GET STACKED DIAGNOSTICS hint = PG_EXCEPTION_HINT;
	RETURN SQLSTATE || ' ' || SQLERRM || coalesce(' | HINT: ' || nullif(hint, ''), '');
END
$$;

-- Same for temp_id.resident_id_from_legacy.
CREATE FUNCTION pg_temp.legacy_state(input text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	r temp_id.resident_id;
	hint text;
BEGIN
	r := temp_id.resident_id_from_legacy(input);
	RETURN 'ok ' || r::text;
EXCEPTION WHEN others THEN
	GET STACKED DIAGNOSTICS hint = PG_EXCEPTION_HINT;
	RETURN SQLSTATE || ' ' || SQLERRM || coalesce(' | HINT: ' || nullif(hint, ''), '');
END
$$;

-- The helper agrees with hand-checked numbers.
SELECT pg_temp.with_check('11010519491231002') AS a,
       pg_temp.with_check('44030619900307123') AS b,
       pg_temp.with_check('11010520000229001') AS c;

--
-- Valid numbers
--
SELECT '11010519491231002X'::resident_id;
SELECT '11010519491231002x'::resident_id AS lowercase_x;
SELECT '440306199003071232'::resident_id;
SELECT '110105200002290013'::resident_id AS feb29_2000;
SELECT '11010519000101001X'::resident_id AS first_day_1900;
SELECT '110105202611250016'::resident_id AS born_today;
SELECT '  11010519491231002x  '::resident_id AS spaces_around;
SELECT E'\t\n 11010519491231002X\r\n\f\x0b'::resident_id AS white_space_around;
SELECT NULL::resident_id IS NULL AS null_in, NULL::text::resident_id IS NULL AS null_text;
SELECT pg_column_size('11010519491231002X'::resident_id) AS bytes;

-- Casts: to and from text, and the assignment cast into a column.
SELECT '11010519491231002x'::text::resident_id::text AS round_trip;
SELECT CAST('440306199003071232'::text AS resident_id) AS cast_text;
SELECT pg_typeof('11010519491231002X'::resident_id::text);
CREATE TABLE rid_assign (id resident_id, t text);
INSERT INTO rid_assign VALUES ('11010519491231002x'::text, NULL);
INSERT INTO rid_assign (id) SELECT x FROM (VALUES (' 440306199003071232'::text)) v(x);
UPDATE rid_assign SET t = id;
SELECT id, t, pg_typeof(id) FROM rid_assign ORDER BY id;
INSERT INTO rid_assign (id) VALUES ('110105194912310029'::text);
DROP TABLE rid_assign;

--
-- Rejections, each with SQLSTATE 22P02, the failed check and a hint.
--
SELECT ''::resident_id;
SELECT '110105491231002'::resident_id;
SELECT '110105194912310029'::resident_id;
SELECT '1101051949123100 2'::resident_id;
SELECT '110105202611260011'::resident_id;

SELECT replace(replace(input, E'\t', '\t'), E'\n', '\n') AS input,
       pg_temp.state(input) AS result
FROM (VALUES
	-- empty and white space only
	(''), ('   '), (E'\t\n'),
	-- length
	('11010519491231002'),             -- 17 digits
	('11010519491231002X1'),           -- 19 characters
	('110105 19491231002X'),           -- inner space: 19 characters
	('1101051949123100 2X'),           -- inner space: 19 characters
	(' 11010519491231002X0'),
	('１１０１０５１９４９１２３１００２Ｘ'), -- full-width digits
	-- first-generation number
	('110105491231002'), (' 110105491231002 '),
	('11010549123100X'),               -- 15 characters, not all digits
	-- characters
	('1101051949 231002X'),            -- inner space in place of a digit
	(E'110105194912\t1002X'),
	('11010519491231002Y'),
	('X10105194912310028'),
	('1101051949123100X2'),
	('11010519491231002*'),
	('+10105194912310028'),
	('-10105194912310028'),
	-- check character
	('110105194912310029'),            -- X is right, 9 given
	('110105194912310020'),            -- 0 given
	('11010519491231003X'),            -- a body digit off by one
	('11010519491231001X'),
	('110105194912310038'),            -- ... with its own check: valid
	('440306199003071233'),
	('440306199003071231'),
	('44030619900307123X'),
	('110105200002290010'),
	-- birth date: not a calendar date
	('110105194913010010'),            -- month 13
	('110105194900010011'),            -- month 00
	('110105194901000011'),            -- day 00
	('110105194901320011'),            -- day 32
	('110105194904310011'),            -- April 31
	('110105194902290010'),            -- Feb 29 in a common year
	('110105200102290010'),            -- Feb 29 in a common year
	('110105190002290017'),            -- 1900 is not a leap year
	('110105200402290012'),            -- Feb 29 2004: valid
	('110105200002290013'),            -- Feb 29 2000: valid
	-- birth date: before 1900
	('110105189912310015'),
	('110105180001010010'),
	('110105000001010012'),
	-- birth date: after today (2026-11-25 in Asia/Shanghai)
	('110105202611250016'),            -- today: valid
	('110105202611260011'),            -- tomorrow
	('110105202701010010'),
	('110105999912310018')
) v(input);

-- Every province code from 00 to 99 (an otherwise valid number each):
-- accepted are exactly 11-15, 21-23, 31-37, 41-46, 50-54, 61-65, 71, 81-83.
SELECT string_agg(p, ' ' ORDER BY p) FILTER (WHERE r LIKE 'ok %') AS accepted,
       count(*) FILTER (WHERE r LIKE 'ok %') AS n_accepted,
       count(*) FILTER (WHERE r = '22P02 invalid resident ID number: unknown province code') AS n_bad_province,
       count(*) AS n
FROM (SELECT p, pg_temp.state(pg_temp.with_check(p || '010519491231002')) AS r
      FROM (SELECT lpad(n::text, 2, '0') AS p FROM generate_series(0, 99) n) s) s;
SELECT p, pg_temp.state(pg_temp.with_check(p || '010519491231002')) AS result
FROM unnest(ARRAY['10', '16', '20', '72', '84', '99', '00',
                  '11', '15', '21', '23', '31', '37', '41', '46', '50', '54',
                  '61', '65', '71', '81', '82', '83']) p;

-- The date boundary follows temp_id.now in temp_id.zone: 16:00 UTC on the
-- 25th is midnight of the 26th in Shanghai, but still the 25th in UTC.
SET temp_id.now = '2026-11-25 15:59:59+00';
SELECT pg_temp.state('110105202611260011');
SET temp_id.now = '2026-11-25 16:00:00+00';
SELECT pg_temp.state('110105202611260011');
SET temp_id.zone = 'UTC';
SELECT pg_temp.state('110105202611260011');
RESET temp_id.zone;
SET temp_id.now = '2026-11-25 12:00+08';

--
-- temp_id.resident_id_from_legacy
--
SELECT temp_id.resident_id_from_legacy('110105491231002');
SELECT temp_id.resident_id_from_legacy('110105491231002')
     = '11010519491231002X'::resident_id AS same;
SELECT temp_id.resident_id_from_legacy(NULL) IS NULL AS null_in;
SELECT temp_id.resident_id_from_legacy('1101054912310021');
SELECT input, pg_temp.legacy_state(input) AS result
FROM (VALUES
	('110105491231002'),
	('  440306900307123 '),
	('110105000229001'),               -- 1900-02-29 does not exist
	('110105960229001'),               -- 1996-02-29 does
	('110105490229001'),               -- 1949-02-29 does not
	('110105491301001'),               -- month 13
	('100105491231002'),               -- province 10
	('710000800101001'),               -- province 71
	('11010549123100'),                -- 14 digits
	('1101054912310021'),              -- 16 digits
	('11010519491231002X'),            -- already 18 characters
	('11010549123100X'),
	('110105 49123100'),
	(''),
	('   ')
) v(input);

--
-- Fields
--
SELECT id, birth_date(id), sex(id), region_code(id), mask(id),
       age(id, '2026-11-25')
FROM unnest(ARRAY['11010519491231002X', '440306199003071232', '110105200002290013',
                  '710000198001010010', '810000198001010022', '11010519000101001X',
                  '110105202611250016']::resident_id[]) id;
-- Sex is the parity of the 17th digit.
SELECT pg_temp.with_check('4403061990030712' || d) AS id,
       sex(pg_temp.with_check('4403061990030712' || d)::resident_id)
FROM generate_series(0, 9) d;

-- Age: completed years; turns over on the birthday, and for a Feb 29
-- birthday on Mar 1 in common years.
SELECT at, age('11010519491231002X'::resident_id, at) AS age_1949_12_31
FROM unnest(ARRAY['1949-12-31', '1950-12-30', '1950-12-31', '2026-11-25',
                  '2026-12-30', '2026-12-31', '2027-01-01']::date[]) at;
SELECT at, age('110105200002290013'::resident_id, at) AS age_2000_02_29
FROM unnest(ARRAY['2000-02-29', '2001-02-28', '2001-03-01', '2003-02-28',
                  '2003-03-01', '2004-02-28', '2004-02-29', '2026-11-25']::date[]) at;
SELECT age(id) = age(id, current_date) AS default_at,
       age(id, NULL) IS NULL AS null_at
FROM (SELECT '11010519491231002X'::resident_id) s(id);
SELECT age('11010519491231002X'::resident_id, '1949-12-30');
SELECT age('11010519491231002X'::resident_id, 'infinity');

-- mask() keeps the first 6 and the last 4 characters only.
SELECT mask(id) AS masked,
       left(mask(id), 6) = left(id::text, 6) AND right(mask(id), 4) = right(id::text, 4)
       AND substr(mask(id), 7, 8) = '********' AND length(mask(id)) = 18 AS ok
FROM unnest(ARRAY['11010519491231002x', '440306199003071232']::resident_id[]) id;

--
-- Operators and ordering
--
CREATE TABLE rid (id resident_id NOT NULL, note text);
INSERT INTO rid VALUES
	('440306199003071232', 'a'),
	('11010519491231002X', 'b'),
	('110105200002290013', 'c'),
	('830000199001010047', 'd'),
	('110105194912310038', 'e'),
	('11010519000101001X', 'f'),
	('650102197001010026', 'g'),
	('15010219700101001X', 'h'),
	('320106198704150037', 'i'),
	('710000198001010010', 'j');
SELECT id, note FROM rid ORDER BY id;
SELECT id, note FROM rid ORDER BY id DESC LIMIT 3;
-- Order is the text order of the number.
SELECT array_agg(id ORDER BY id)::text[] = array_agg(id::text ORDER BY id::text COLLATE "C") AS text_order
FROM rid;
SELECT a, b, a = b AS eq, a <> b AS ne, a < b AS lt, a <= b AS le, a > b AS gt, a >= b AS ge
FROM (VALUES
	('11010519491231002X'::resident_id, '11010519491231002x'::resident_id),
	('11010519491231002X', '110105194912310038'),
	('440306199003071232', '11010519491231002X')
) v(a, b);
SELECT count(*) FROM rid WHERE id = '11010519491231002x';
SELECT note FROM rid WHERE id < '320106198704150037' ORDER BY id;
SELECT note FROM rid WHERE id BETWEEN '110105194912310038' AND '440306199003071232' ORDER BY id;
SELECT (SELECT id FROM rid ORDER BY id LIMIT 1) AS lowest,
       (SELECT id FROM rid ORDER BY id DESC LIMIT 1) AS highest;
-- Qualified operators work without temp_id on the search path.
SET search_path = public;
SELECT '11010519491231002X'::temp_id.resident_id OPERATOR(temp_id.=) '11010519491231002x'
       AS qualified_eq;
SET search_path = public, temp_id;

--
-- btree index: uniqueness and index scans
--
CREATE UNIQUE INDEX rid_id_idx ON rid (id);
INSERT INTO rid VALUES ('11010519491231002x', 'duplicate');
INSERT INTO rid VALUES (' 440306199003071232 ', 'duplicate');
INSERT INTO rid VALUES ('440306199003071240', 'k');
VACUUM ANALYZE rid;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM rid WHERE id = '11010519491231002x';
SELECT id FROM rid WHERE id = '11010519491231002x';
EXPLAIN (COSTS OFF) SELECT note FROM rid WHERE id = '11010519491231002x';
SELECT note FROM rid WHERE id = '11010519491231002x';
EXPLAIN (COSTS OFF) SELECT id FROM rid WHERE id > '440306199003071232' ORDER BY id;
SELECT id FROM rid WHERE id > '440306199003071232' ORDER BY id;
RESET enable_seqscan;
RESET enable_bitmapscan;

--
-- Hashing: hash index, hash aggregation, DISTINCT, hash join
--
CREATE TABLE rid_dup (id resident_id);
INSERT INTO rid_dup
SELECT id FROM rid, generate_series(1, 3) n WHERE note < 'e'
UNION ALL SELECT '11010519491231002x'
UNION ALL SELECT NULL;
CREATE INDEX rid_dup_hash_idx ON rid_dup USING hash (id);
VACUUM ANALYZE rid_dup;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM rid_dup WHERE id = '11010519491231002X';
SELECT count(*) FROM rid_dup WHERE id = '11010519491231002X';
SELECT count(*) FROM rid_dup WHERE id = '440306199003071240';
RESET enable_seqscan;
RESET enable_bitmapscan;
DROP INDEX rid_dup_hash_idx;

SET enable_sort = off;
EXPLAIN (COSTS OFF) SELECT id, count(*) FROM rid_dup GROUP BY id;
SELECT * FROM (SELECT id, count(*) FROM rid_dup GROUP BY id) s ORDER BY id;
EXPLAIN (COSTS OFF) SELECT DISTINCT id FROM rid_dup;
SELECT * FROM (SELECT DISTINCT id FROM rid_dup) s ORDER BY id;
SELECT count(DISTINCT id) FROM rid_dup;
RESET enable_sort;
SELECT DISTINCT id FROM rid_dup ORDER BY id;

SET enable_mergejoin = off;
SET enable_nestloop = off;
CREATE TABLE rid_other AS SELECT id, 'other ' || note AS other FROM rid WHERE note > 'c';
ANALYZE rid_other;
EXPLAIN (COSTS OFF) SELECT d.id, o.other FROM rid_dup d JOIN rid_other o ON d.id = o.id;
SELECT d.id, o.other, count(*)
FROM rid_dup d JOIN rid_other o ON d.id = o.id GROUP BY 1, 2 ORDER BY 1;
RESET enable_mergejoin;
RESET enable_nestloop;

--
-- Binary I/O
--
SELECT resident_id_send('11010519491231002X') = int8send(11010519491231002) AS send_is_int8;
-- Round trip through COPY ... (FORMAT binary).
SELECT '/tmp/temp_id_rid_' || pg_backend_pid() || '.bin' AS binfile \gset
\set rmfile 'rm -f ' :binfile
COPY (SELECT id FROM rid) TO :'binfile' (FORMAT binary);
CREATE TABLE rid_copy (id resident_id);
COPY rid_copy FROM :'binfile' (FORMAT binary);
SELECT count(*) AS copied,
       (SELECT count(*) FROM (TABLE rid_copy EXCEPT ALL SELECT id FROM rid) s) AS extra,
       (SELECT count(*) FROM (SELECT id FROM rid EXCEPT ALL TABLE rid_copy) s) AS missing
FROM rid_copy;
-- Binary input is checked too (22P03): the body must name a province and a
-- past birth date.  Write int8 values and read them back as resident_id.
CREATE TABLE rid_raw (v int8);
INSERT INTO rid_raw VALUES (11010519491231002);
COPY rid_raw TO :'binfile' (FORMAT binary);
COPY rid_copy FROM :'binfile' (FORMAT binary);
SELECT id FROM rid_copy WHERE id = '11010519491231002X';
TRUNCATE rid_raw;
INSERT INTO rid_raw VALUES (10010519491231002);
COPY rid_raw TO :'binfile' (FORMAT binary);
COPY rid_copy FROM :'binfile' (FORMAT binary);
TRUNCATE rid_raw;
INSERT INTO rid_raw VALUES (11010520261126001);
COPY rid_raw TO :'binfile' (FORMAT binary);
COPY rid_copy FROM :'binfile' (FORMAT binary);
TRUNCATE rid_raw;
INSERT INTO rid_raw VALUES (11010519490229001);
COPY rid_raw TO :'binfile' (FORMAT binary);
COPY rid_copy FROM :'binfile' (FORMAT binary);
TRUNCATE rid_raw;
INSERT INTO rid_raw VALUES (110105194912310020);
COPY rid_raw TO :'binfile' (FORMAT binary);
COPY rid_copy FROM :'binfile' (FORMAT binary);
TRUNCATE rid_raw;
INSERT INTO rid_raw VALUES (-1);
COPY rid_raw TO :'binfile' (FORMAT binary);
COPY rid_copy FROM :'binfile' (FORMAT binary);
-- The SQLSTATE of a binary rejection (the file still holds -1).
DO $$
BEGIN
	EXECUTE format('COPY rid_copy FROM %L (FORMAT binary)',
				   '/tmp/temp_id_rid_' || pg_backend_pid() || '.bin');
EXCEPTION WHEN others THEN
	RAISE NOTICE '% %', SQLSTATE, SQLERRM;
END
$$;
-- Remove the file.
COPY (SELECT WHERE false) TO PROGRAM :'rmfile';
SELECT count(*) FROM rid_copy;

DROP TABLE rid, rid_dup, rid_other, rid_copy, rid_raw;
RESET search_path;
RESET temp_id.now;

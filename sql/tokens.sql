--
-- tokens: qr_code, reverify and verify_code, and the token format
-- (SPEC.md, "Application programming interface"; src/token.h).
--
-- A token is  <certificate id>.<step>.<MAC>: id and step in upper-case
-- base 36 without leading zeros, step = floor(unix seconds / code_interval),
-- MAC = the first 80 bits of HMAC-SHA-256(key = certificate secret,
-- message = 'TI1' || int8send(id) || int8send(step)) in RFC 4648 base 32
-- without padding.  Secrets are random, so the format is pinned by
-- properties for a random secret and by the exact text for a certificate
-- whose secret is set to 32 zero bytes; the helpers below compute a token
-- independently of the extension, with pgcrypto's hmac.
--
-- The clock is pinned before every call, times are shown in UTC.  Start
-- from an empty extension so ids are the same on every run.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS temp_id CASCADE;
CREATE EXTENSION temp_id;
CREATE EXTENSION IF NOT EXISTS pgcrypto;
RESET client_min_messages;
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
\pset null '(null)'

--
-- Independent token arithmetic
--
CREATE FUNCTION pg_temp.b36(n bigint) RETURNS text LANGUAGE sql IMMUTABLE STRICT AS $$
	WITH RECURSIVE d(q, s) AS (
		SELECT n / 36, substr('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ', (n % 36)::int + 1, 1)
		UNION ALL
		SELECT q / 36, substr('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ', (q % 36)::int + 1, 1) || s
		  FROM d WHERE q > 0)
	SELECT s FROM d WHERE q = 0
$$;
-- RFC 4648 base 32 of exactly 10 bytes (80 bits, 16 characters, no padding)
CREATE FUNCTION pg_temp.b32(b bytea) RETURNS text LANGUAGE sql IMMUTABLE STRICT AS $$
	SELECT string_agg(substr('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567',
							 substring(bits FROM i * 5 + 1 FOR 5)::bit(5)::int + 1, 1), '' ORDER BY i)
	  FROM (SELECT ('x' || encode(b, 'hex'))::bit(80) AS bits) AS x, generate_series(0, 15) AS i
$$;
CREATE FUNCTION pg_temp.step_at(t timestamptz) RETURNS bigint LANGUAGE sql IMMUTABLE STRICT AS $$
	SELECT floor(extract(epoch FROM t) / 60)::bigint
$$;
CREATE FUNCTION pg_temp.token_for(cert bigint, step bigint, secret bytea) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$
	SELECT pg_temp.b36(cert) || '.' || pg_temp.b36(step) || '.'
		   || pg_temp.b32(substring(public.hmac('TI1'::bytea || int8send(cert) || int8send(step),
												 secret, 'sha256') FOR 10))
$$;
-- the helpers against known values: base 36 of 0, 35, 36, 36^3, INT64_MAX;
-- base 32 of 'foobarfoob' (RFC 4648: 'fooba' is MZXW6YTB)
SELECT pg_temp.b36(0) AS "0", pg_temp.b36(35) AS "35", pg_temp.b36(36) AS "36",
       pg_temp.b36(46656) AS "46656", pg_temp.b36(9223372036854775807) AS int64_max,
       pg_temp.b32('foobarfoob'::bytea) AS foobarfoob;
SELECT pg_temp.step_at('2026-04-01 08:00:30+00') AS step,
       pg_temp.b36(pg_temp.step_at('2026-04-01 08:00:30+00')) AS step36;

--
-- Four certificates, issued at 08:00.  The second, third and fourth get ids
-- 46656.. ('1000' in base 36), so the id part is a real base-36 number.
--
SET temp_id.now = '2026-04-01 08:00:00+00';
SELECT a.application_id, c.status, c.certificate_id, c.valid_from, c.valid_until, c.session_id
  FROM temp_id.apply('resident_id_card', '11010519491231002X', '张三丰',
                     point(116.3975, 39.9087), 'acct-zhang') AS a,
       temp_id.confirm_identity(a.application_id, true, 0.97, 'face-1') AS c;
SELECT setval('temp_id.certificates_id_seq', 46655);
SELECT a.application_id, c.status, c.certificate_id, c.valid_from, c.valid_until, c.session_id
  FROM temp_id.apply('resident_id_card', '310104198001010017', '李四',
                     point(121.4737, 31.2304)) AS a,
       temp_id.confirm_identity(a.application_id, true, 0.91, 'face-2') AS c;
SELECT a.application_id, c.status, c.certificate_id, c.valid_from, c.valid_until, c.session_id
  FROM temp_id.apply('resident_id_card', '440305199002150020', '王五',
                     point(114.0579, 22.5431)) AS a,
       temp_id.confirm_identity(a.application_id, true, 0.93, 'face-3') AS c;
SELECT a.application_id, c.status, c.certificate_id, c.valid_from, c.valid_until, c.session_id
  FROM temp_id.apply('resident_id_card', '51010719850707003X', '赵六',
                     point(104.0665, 30.5723)) AS a,
       temp_id.confirm_identity(a.application_id, true, 0.95, 'face-4') AS c;
SELECT id, certificate_id, opened_at, expires_at, opened_by, passed
  FROM temp_id.qr_sessions ORDER BY id;

--
-- Token format, random secret (certificate 1)
--
SET temp_id.now = '2026-04-01 08:00:30+00';
SELECT token ~ '^[0-9A-Z]+\.[0-9A-Z]+\.[A-Z2-7]{16}$' AS format,
       token ~ '^[0-9A-Z $%*+./:-]+$' AS qr_alphanumeric,
       length(token) AS length,
       split_part(token, '.', 1) AS id_part,
       split_part(token, '.', 1) = pg_temp.b36(1) AS id_is_cert_id,
       split_part(token, '.', 2) AS step_part,
       split_part(token, '.', 2) = pg_temp.b36(floor(extract(epoch FROM
           current_setting('temp_id.now')::timestamptz) / 60)::bigint) AS step_is_now,
       token = pg_temp.token_for(1, pg_temp.step_at(temp_id.clock()),
           (SELECT secret FROM temp_id.certificates WHERE id = 1)) AS mac_as_pgcrypto,
       expires_at, session_expires_at
  FROM temp_id.qr_code(1);
-- the token names no personal data: it holds neither the ID number nor the name
SELECT position('11010519491231002X' IN token) = 0 AND position('张' IN token) = 0 AS no_personal_data
  FROM temp_id.qr_code(1);
-- Refresh within a step gives the same token, the next step a new one,
-- expiring at the end of its step
CREATE TEMP TABLE refresh (at text, token text, expires_at timestamptz);
INSERT INTO refresh SELECT '08:00:30', token, expires_at FROM temp_id.qr_code(1);
SET temp_id.now = '2026-04-01 08:00:59.999999+00';
INSERT INTO refresh SELECT '08:00:59.999999', token, expires_at FROM temp_id.qr_code(1);
SET temp_id.now = '2026-04-01 08:01:00+00';
INSERT INTO refresh SELECT '08:01:00', token, expires_at FROM temp_id.qr_code(1);
SELECT at, token = first_value(token) OVER (ORDER BY at) AS same_as_first,
       split_part(token, '.', 2) AS step_part, expires_at
  FROM refresh ORDER BY at;

--
-- Exact token: certificate 46656 with a secret of 32 zero bytes.  The
-- expected text 1000.HM31C.PHFD65V4KBYVWOK2 was computed outside the
-- database (Python hmac + base64.b32encode) and is recomputed here with
-- pgcrypto.
--
UPDATE temp_id.certificates SET secret = decode(repeat('00', 32), 'hex') WHERE id = 46656;
SET temp_id.now = '2026-04-01 08:00:30+00';
SELECT encode('TI1'::bytea || int8send(46656) || int8send(pg_temp.step_at(temp_id.clock())),
              'hex') AS mac_message,
       encode(substring(public.hmac('TI1'::bytea || int8send(46656)
                                    || int8send(pg_temp.step_at(temp_id.clock())),
                                    decode(repeat('00', 32), 'hex'), 'sha256') FOR 10),
              'hex') AS mac_80_bits;
SELECT token,
       token = '1000.HM31C.PHFD65V4KBYVWOK2' AS is_expected,
       token = pg_temp.token_for(46656, pg_temp.step_at(temp_id.clock()),
                                 decode(repeat('00', 32), 'hex')) AS pgcrypto_agrees,
       expires_at, session_expires_at
  FROM temp_id.qr_code(2);

--
-- QR sessions: session_ttl, re-verification, no quota used
--
SET temp_id.now = '2026-04-01 08:29:59.999999+00';
SELECT expires_at, session_expires_at FROM temp_id.qr_code(1);
SET temp_id.now = '2026-04-01 08:30:00+00';
SELECT * FROM temp_id.qr_code(1);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM temp_id.quota_status('11010519491231002X');
SELECT count(*) AS applications FROM temp_id.applications;
-- each reason opens a new working session for session_ttl
SELECT temp_id.reverify(1, true, 'page_timeout', 0.96, 'face-r1') AS session_id;
SELECT token = pg_temp.token_for(1, pg_temp.step_at(temp_id.clock()),
           (SELECT secret FROM temp_id.certificates WHERE id = 1)) AS token_ok,
       expires_at, session_expires_at
  FROM temp_id.qr_code(5);
SET temp_id.now = '2026-04-01 08:31:00+00';
SELECT temp_id.reverify(1, true, 'page_reopened') AS session_id;
SELECT split_part(token, '.', 1) AS id_part, expires_at, session_expires_at FROM temp_id.qr_code(6);
SET temp_id.now = '2026-04-01 08:31:30+00';
SELECT temp_id.reverify(1, true, 'relogin', 0.99, 'face-r3') AS session_id;
SELECT split_part(token, '.', 1) AS id_part, expires_at, session_expires_at FROM temp_id.qr_code(7);
-- sessions of one certificate show the same token in the same step
SELECT (SELECT token FROM temp_id.qr_code(5)) = (SELECT token FROM temp_id.qr_code(7)) AS same_token;
-- a failed check returns NULL; the session it records cannot show a code
SELECT temp_id.reverify(1, false, 'page_timeout', 0.12, 'face-r4') AS session_id;
SELECT id, certificate_id, opened_at, expires_at, opened_by, passed, score, provider_ref
  FROM temp_id.qr_sessions WHERE certificate_id = 1 ORDER BY id;
SELECT * FROM temp_id.qr_code(8);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- re-verification used no quota and made no application
SELECT * FROM temp_id.quota_status('11010519491231002X');
SELECT count(*) AS applications FROM temp_id.applications;
-- bad calls
SELECT temp_id.reverify(1, true, 'bogus');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT temp_id.reverify(1, true, 'PAGE_TIMEOUT');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT temp_id.reverify(1, NULL, 'relogin');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT temp_id.reverify(NULL, true, 'relogin');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT temp_id.reverify(1, true, NULL);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT temp_id.reverify(999, true, 'relogin');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM temp_id.qr_code(999);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM temp_id.qr_code(NULL);
-- nothing above opened a session
SELECT max(id) AS last_session FROM temp_id.qr_sessions;

--
-- verify_code.  Tokens of certificate 1 (session 7) minted 2 steps before
-- to 2 steps after 08:40:30, and one of certificate 46657 before it is
-- revoked.  Every call names its case in station, so the scan log below
-- reads as a list of the calls.
--
CREATE TEMP TABLE minted (k int PRIMARY KEY, token text NOT NULL);
SET temp_id.now = '2026-04-01 08:38:30+00';
INSERT INTO minted SELECT -2, token FROM temp_id.qr_code(7);
SET temp_id.now = '2026-04-01 08:39:30+00';
INSERT INTO minted SELECT -1, token FROM temp_id.qr_code(7);
SET temp_id.now = '2026-04-01 08:41:30+00';
INSERT INTO minted SELECT 1, token FROM temp_id.qr_code(7);
SET temp_id.now = '2026-04-01 08:42:30+00';
INSERT INTO minted SELECT 2, token FROM temp_id.qr_code(7);
SET temp_id.now = '2026-04-01 08:40:30+00';
INSERT INTO minted SELECT 0, token FROM temp_id.qr_code(7);
SELECT temp_id.reverify(46657, true, 'relogin') AS session_id;
INSERT INTO minted SELECT 100, token FROM temp_id.qr_code(9);
SELECT temp_id.revoke(46657, 'reported lost');
SELECT k, split_part(token, '.', 1) AS id_part,
       split_part(token, '.', 2)
           = pg_temp.b36(pg_temp.step_at(temp_id.clock()) + k % 100) AS step_as_minted,
       token ~ '^[0-9A-Z]+\.[0-9A-Z]+\.[A-Z2-7]{16}$' AS format
  FROM minted ORDER BY k;
SELECT count(*) AS scans_before FROM temp_id.scans;

-- accepted within code_skew (1) steps either side; masked name and number
SELECT * FROM temp_id.verify_code((SELECT token FROM minted WHERE k = 0),
                                  'ticket_purchase', '01 current step', 'G1');
SELECT * FROM temp_id.verify_code((SELECT token FROM minted WHERE k = -1),
                                  'real_name_check', '02 one step old', 'G1');
SELECT * FROM temp_id.verify_code((SELECT token FROM minted WHERE k = 1),
                                  'station_entry', '03 one step ahead', 'G1');
SELECT * FROM temp_id.verify_code((SELECT token FROM minted WHERE k = -2),
                                  'boarding', '04 two steps old', 'G1');
SELECT * FROM temp_id.verify_code((SELECT token FROM minted WHERE k = 2),
                                  'boarding', '05 two steps ahead', 'G1');
-- code_skew 0: only the current step
SET temp_id.code_skew = 0;
SELECT accepted, reason FROM temp_id.verify_code((SELECT token FROM minted WHERE k = 0),
                                                 'boarding', '06 skew 0, current', 'G2');
SELECT accepted, reason FROM temp_id.verify_code((SELECT token FROM minted WHERE k = -1),
                                                 'boarding', '07 skew 0, one old', 'G2');
SELECT accepted, reason FROM temp_id.verify_code((SELECT token FROM minted WHERE k = 1),
                                                 'boarding', '08 skew 0, one ahead', 'G2');
RESET temp_id.code_skew;
-- step boundaries: the 08:39 token is one step old until 08:40:59.999999
SET temp_id.now = '2026-04-01 08:40:59.999999+00';
SELECT accepted, reason FROM temp_id.verify_code((SELECT token FROM minted WHERE k = -1),
                                                 'boarding', '09 last instant', 'G1');
SET temp_id.now = '2026-04-01 08:41:00+00';
SELECT accepted, reason FROM temp_id.verify_code((SELECT token FROM minted WHERE k = -1),
                                                 'boarding', '10 next step', 'G1');
SET temp_id.now = '2026-04-01 08:40:30+00';

-- malformed: nothing is looked up, no certificate is named
SELECT * FROM temp_id.verify_code('garbage', 'boarding', '11 garbage', 'G1');
SELECT * FROM temp_id.verify_code(NULL, 'boarding', '12 null token', 'G1');
SELECT * FROM temp_id.verify_code('', 'boarding', '13 empty', 'G1');
SELECT accepted, reason, certificate_id
  FROM temp_id.verify_code((SELECT lower(token) FROM minted WHERE k = 0),
                           'boarding', '14 lower case', 'G1');
SELECT accepted, reason, certificate_id
  FROM temp_id.verify_code((SELECT token || repeat('A', 41) FROM minted WHERE k = 0),
                           'boarding', '15 over 64 chars', 'G1');
SELECT accepted, reason, certificate_id
  FROM temp_id.verify_code((SELECT '10000000000000' || substr(token, 2) FROM minted WHERE k = 0),
                           'boarding', '16 14-digit id', 'G1');
SELECT accepted, reason, certificate_id
  FROM temp_id.verify_code((SELECT '0' || token FROM minted WHERE k = 0),
                           'boarding', '17 leading zero', 'G1');
SELECT accepted, reason, certificate_id
  FROM temp_id.verify_code((SELECT 'ZZZZZZZZZZZZZ' || substr(token, 2) FROM minted WHERE k = 0),
                           'boarding', '18 id over int64', 'G1');
SELECT accepted, reason, certificate_id
  FROM temp_id.verify_code((SELECT '1.' || split_part(token, '.', 3) FROM minted WHERE k = 0),
                           'boarding', '19 no step', 'G1');
SELECT accepted, reason, certificate_id
  FROM temp_id.verify_code((SELECT token || E'\n' FROM minted WHERE k = 0),
                           'boarding', '20 trailing newline', 'G1');
SELECT accepted, reason, certificate_id
  FROM temp_id.verify_code((SELECT left(token, -1) || '1' FROM minted WHERE k = 0),
                           'boarding', '21 MAC not base 32', 'G1');
-- bad_signature: the MAC covers id and step
SELECT * FROM temp_id.verify_code(
    (SELECT left(token, -1) || CASE WHEN right(token, 1) = 'A' THEN 'B' ELSE 'A' END
       FROM minted WHERE k = 0), 'boarding', '22 one MAC char', 'G1');
SELECT accepted, reason, certificate_id
  FROM temp_id.verify_code((SELECT '1.' || split_part(m1.token, '.', 2) || '.' || split_part(m0.token, '.', 3)
                              FROM minted m0, minted m1 WHERE m0.k = 0 AND m1.k = -1),
                           'boarding', '23 other step', 'G1');
SELECT accepted, reason, certificate_id
  FROM temp_id.verify_code((SELECT '1000' || substr(token, 2) FROM minted WHERE k = 0),
                           'boarding', '24 other id', 'G1');
-- unknown certificates
SELECT * FROM temp_id.verify_code((SELECT 'ZZZZ' || substr(token, 2) FROM minted WHERE k = 0),
                                  'boarding', '25 unknown id', 'G1');
SELECT accepted, reason, certificate_id
  FROM temp_id.verify_code((SELECT '0' || substr(token, 2) FROM minted WHERE k = 0),
                           'boarding', '26 id 0', 'G1');
-- a revoked certificate: genuine and current, still refused
SELECT * FROM temp_id.verify_code((SELECT token FROM minted WHERE k = 100),
                                  'station_entry', '27 revoked', 'G3');
-- station and gate may be omitted
SELECT accepted, reason, certificate_id
  FROM temp_id.verify_code((SELECT token FROM minted WHERE k = 0), 'real_name_check');
-- a token computed by hand verifies (zero secret, current step)
SELECT * FROM temp_id.verify_code(
    pg_temp.token_for(46656, pg_temp.step_at(temp_id.clock()), decode(repeat('00', 32), 'hex')),
    'ticket_purchase', '28 hand-made', 'G1');

-- expiry: valid until 08:00 next day, exclusive; expiry is checked before
-- the step, so an old code of an expired certificate says expired
SET temp_id.now = '2026-04-02 07:59:59.999999+00';
SELECT accepted, reason, certificate_id, valid_until FROM temp_id.verify_code(
    pg_temp.token_for(46656, pg_temp.step_at(temp_id.clock()), decode(repeat('00', 32), 'hex')),
    'boarding', '29 last instant', 'G1');
SET temp_id.now = '2026-04-02 08:00:00+00';
SELECT * FROM temp_id.verify_code(
    pg_temp.token_for(46656, pg_temp.step_at(temp_id.clock()), decode(repeat('00', 32), 'hex')),
    'boarding', '30 expired', 'G1');
SELECT accepted, reason, certificate_id
  FROM temp_id.verify_code((SELECT token FROM minted WHERE k = 0),
                           'boarding', '31 expired, old code', 'G1');

-- errors raise and record nothing
SELECT * FROM temp_id.verify_code((SELECT token FROM minted WHERE k = 0), NULL, '99 error', 'G1');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM temp_id.verify_code((SELECT token FROM minted WHERE k = 0), 'gate', '99 error', 'G1');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
BEGIN READ ONLY;
SELECT * FROM temp_id.verify_code((SELECT token FROM minted WHERE k = 0), 'boarding', '99 error', 'G1');
ROLLBACK;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

-- the scan log: one row per call above (31 named ones and the one without
-- station), none for the errors; accepted exactly when the reason is ok
SELECT count(*) AS scans, count(*) FILTER (WHERE accepted) AS accepted,
       bool_and(accepted = (reason = 'ok')) AS accepted_iff_ok
  FROM temp_id.scans;
SELECT station, gate, checkpoint, scanned_at, accepted, reason, certificate_id
  FROM temp_id.scans ORDER BY station NULLS LAST;

-- expired certificates show no code and cannot be re-verified
SELECT * FROM temp_id.qr_code(7);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT temp_id.reverify(1, true, 'relogin');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- nor revoked ones, even before they expire
SET temp_id.now = '2026-04-01 08:45:00+00';
SELECT * FROM temp_id.qr_code(9);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT temp_id.reverify(46657, true, 'page_reopened');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- while the others still work
SELECT split_part(token, '.', 1) AS id_part, expires_at FROM temp_id.qr_code(7);
SELECT max(id) AS last_session FROM temp_id.qr_sessions;

--
-- history: the passenger's own history (account_history), the analysts'
-- views (application_log, scan_log, audit_trail, daily_summary) and
-- retention (purge) -- SPEC.md, "History and analysts".
--
-- A small data set is built through the real API over several days, then
-- every view is checked against counts taken straight from the tables.
-- The clock is pinned (temp_id.now) before every call; times are shown in
-- Asia/Shanghai, the zone (temp_id.zone) that defines a day and a month.
-- Tokens are random (each certificate has a random secret), so they are
-- kept in psql variables and never printed.
--
-- Start from an empty extension so that ids are the same on every run.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS temp_id CASCADE;
CREATE EXTENSION temp_id;
DROP ROLE IF EXISTS regress_tid_hist_dba;
DROP ROLE IF EXISTS regress_tid_hist_nobody;
RESET client_min_messages;
SET timezone = 'Asia/Shanghai';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
\pset null '(null)'
\set last_app 'currval(''temp_id.applications_id_seq'')'
\set last_cert 'currval(''temp_id.certificates_id_seq'')'
\set last_session 'currval(''temp_id.qr_sessions_id_seq'')'

-- The people (numbers with valid check characters):
--   110101199003071233 王小明 acct-wang   (history across two months)
--   310115198511204566 李雷   acct-li     (double apply, reverify, renewal)
--   440306201206157896 韩梅梅 acct-han    (a minor, born 2012)
--   320102197808083211 张伟   no account  (location refused, then 23:59:59)
--   510104199501016548 赵敏   acct-zhao   (timeout, failed check)
--   350203198802291118 周杰   acct-zhou   (quota exhausted, revocations)
--   810000199001011230 陈港生 acct-hk     (HK residence permit: refused)
--   33010619700505246X 孙丽   acct-sun    (left pending)
--   420102196606061355 吴刚   acct-wu     (a certificate live at purge time)
CREATE TEMP TABLE people (id_number text, full_name text);
INSERT INTO people VALUES
  ('110101199003071233', '王小明'), ('310115198511204566', '李雷'),
  ('440306201206157896', '韩梅梅'), ('320102197808083211', '张伟'),
  ('510104199501016548', '赵敏'), ('350203198802291118', '周杰'),
  ('810000199001011230', '陈港生'), ('33010619700505246X', '孙丽'),
  ('420102196606061355', '吴刚');

--
-- 2026-03-05: 王小明 is issued a certificate and scanned at S1
--
SET temp_id.now = '2026-03-05 08:00:00+08';
SELECT * FROM temp_id.apply('resident_id_card', '110101199003071233', '王小明',
                            point(116.40, 39.90), 'acct-wang');
SET temp_id.now = '2026-03-05 08:01:00+08';
SELECT * FROM temp_id.confirm_identity(:last_app, true, 0.95, 'face-w1');
SET temp_id.now = '2026-03-05 08:05:00+08';
SELECT token AS tok FROM temp_id.qr_code(:last_session) \gset
-- a token is printable, short and names nobody
SELECT :'tok' ~ '^[0-9A-Z]+\.[0-9A-Z]+\.[A-Z2-7]{16}$' AS token_shape;
SELECT * FROM temp_id.verify_code(:'tok', 'station_entry', 'S1', 'G01');

--
-- 2026-03-20 13:00: 王小明 again (inside a 1-month window from 2026-04-20 12:00)
--
SET temp_id.now = '2026-03-20 13:00:00+08';
SELECT * FROM temp_id.apply('resident_id_card', '110101199003071233', '王小明',
                            point(116.40, 39.90), 'acct-wang');
SET temp_id.now = '2026-03-20 13:02:00+08';
SELECT * FROM temp_id.confirm_identity(:last_app, true, 0.93, 'face-w2');

--
-- 2026-04-10
--
-- 李雷 applies twice before confirming: the second confirmation is refused,
-- the first certificate being active (the rules are checked again)
SET temp_id.now = '2026-04-10 09:00:00+08';
SELECT * FROM temp_id.apply('resident_id_card', '310115198511204566', '李雷',
                            point(121.47, 31.23), 'acct-li');
SET temp_id.now = '2026-04-10 09:00:30+08';
SELECT * FROM temp_id.apply('resident_id_card', '310115198511204566', '李雷',
                            point(121.47, 31.23), 'acct-li');
SET temp_id.now = '2026-04-10 09:01:00+08';
SELECT * FROM temp_id.confirm_identity(3, true, 0.97, 'face-l1');
SELECT :last_session AS sess_li \gset
SET temp_id.now = '2026-04-10 09:01:10+08';
SELECT * FROM temp_id.confirm_identity(4, true, 0.96, 'face-l2');
-- scanned at S1 twice (same step), then at S2 with a code three steps old
SET temp_id.now = '2026-04-10 09:02:00+08';
SELECT token AS tok_li FROM temp_id.qr_code(:sess_li) \gset
SELECT * FROM temp_id.verify_code(:'tok_li', 'ticket_purchase', 'S1', 'W3');
SET temp_id.now = '2026-04-10 09:02:30+08';
SELECT * FROM temp_id.verify_code(:'tok_li', 'real_name_check', 'S1', 'G02');
SET temp_id.now = '2026-04-10 09:05:00+08';
SELECT accepted, reason FROM temp_id.verify_code(:'tok_li', 'station_entry', 'S2', 'G11');
-- the refreshed code is accepted
SELECT token AS tok_li FROM temp_id.qr_code(:sess_li) \gset
SELECT accepted, reason FROM temp_id.verify_code(:'tok_li', 'station_entry', 'S2', 'G11');
-- refusals: another document, a HK residence permit, no location
SET temp_id.now = '2026-04-10 09:10:00+08';
SELECT * FROM temp_id.apply('passport', 'E12345678', 'John Smith', point(116.40, 39.90));
SET temp_id.now = '2026-04-10 09:20:00+08';
SELECT * FROM temp_id.apply('resident_id_card', '810000199001011230', '陈港生',
                            point(114.17, 22.32), 'acct-hk');
SET temp_id.now = '2026-04-10 10:00:00+08';
SELECT * FROM temp_id.apply('resident_id_card', '320102197808083211', '张伟', NULL);
-- the QR page timed out after 30 minutes: TI001, then a re-verification
SET temp_id.now = '2026-04-10 10:40:00+08';
SELECT token FROM temp_id.qr_code(:sess_li);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT temp_id.reverify(3, true, 'page_timeout', 0.9, 'face-l3') AS session_id;
SELECT token AS tok_li FROM temp_id.qr_code(:last_session) \gset
SELECT accepted, reason FROM temp_id.verify_code(:'tok_li', 'boarding', 'S3', 'B07');
-- 赵敏: confirmed 11 minutes late (timeout), then fails the check
SET temp_id.now = '2026-04-10 11:00:00+08';
SELECT * FROM temp_id.apply('resident_id_card', '510104199501016548', '赵敏',
                            point(113.26, 23.13), 'acct-zhao');
SET temp_id.now = '2026-04-10 11:11:00+08';
SELECT * FROM temp_id.confirm_identity(:last_app, true, 0.99, 'face-z1');
SET temp_id.now = '2026-04-10 11:15:00+08';
SELECT * FROM temp_id.apply('resident_id_card', '510104199501016548', '赵敏',
                            point(113.26, 23.13), 'acct-zhao');
SET temp_id.now = '2026-04-10 11:16:00+08';
SELECT * FROM temp_id.confirm_identity(:last_app, false, 0.21, 'face-z2');
-- 张伟 applies one second before midnight and is confirmed after it: the
-- application belongs to 2026-04-10
SET temp_id.now = '2026-04-10 23:59:59+08';
SELECT * FROM temp_id.apply('resident_id_card', '320102197808083211', '张伟',
                            point(118.80, 32.06));

--
-- 2026-04-11
--
SET temp_id.now = '2026-04-11 00:00:20+08';
SELECT * FROM temp_id.confirm_identity(:last_app, true, 0.88, 'face-zw1');
-- 韩梅梅, a minor, applies at midnight sharp: the application belongs to
-- 2026-04-11
SET temp_id.now = '2026-04-11 00:00:00+08';
SELECT * FROM temp_id.apply('resident_id_card', '440306201206157896', '韩梅梅',
                            point(114.06, 22.54), 'acct-han');
SET temp_id.now = '2026-04-11 00:01:00+08';
SELECT * FROM temp_id.confirm_identity(:last_app, true, 0.92, 'face-h1');
SELECT id, temp_id.mask(id_number) AS id_number, minor FROM temp_id.certificates
 WHERE id = :last_cert;
SET temp_id.now = '2026-04-11 00:02:00+08';
SELECT token AS tok_han FROM temp_id.qr_code(:last_session) \gset
SELECT * FROM temp_id.verify_code(:'tok_han', 'station_entry', 'S1', 'G01');
-- rejected at S1: malformed, unknown certificate, altered MAC
SELECT * FROM temp_id.verify_code('hello', 'station_entry', 'S1', 'G01');
SELECT * FROM temp_id.verify_code('ZZZZ.1.AAAAAAAAAAAAAAAA', 'station_entry', 'S1', 'G01');
SELECT * FROM temp_id.verify_code(
         overlay(:'tok_han' PLACING CASE WHEN right(:'tok_han', 1) = 'A' THEN 'B' ELSE 'A' END
                 FROM length(:'tok_han')),
         'station_entry', 'S1', 'G02');
-- a code from 00:10 shown to a gate whose clock says 00:05: future_code
SET temp_id.now = '2026-04-11 00:10:00+08';
SELECT token AS tok_han_later FROM temp_id.qr_code(:last_session) \gset
SET temp_id.now = '2026-04-11 00:05:00+08';
SELECT accepted, reason FROM temp_id.verify_code(:'tok_han_later', 'boarding', 'S2', 'B01');
-- 李雷: a failed re-verification, a passed one, and a renewal in the last
-- three hours of the certificate
SET temp_id.now = '2026-04-11 08:00:00+08';
SELECT temp_id.reverify(3, false, 'page_reopened', 0.31, 'face-l4') AS session_id;
SET temp_id.now = '2026-04-11 08:30:00+08';
SELECT temp_id.reverify(3, true, 'relogin', 0.94, 'face-l5') AS session_id;
SELECT token AS tok_li FROM temp_id.qr_code(:last_session) \gset
SET temp_id.now = '2026-04-11 08:31:00+08';
SELECT * FROM temp_id.apply('resident_id_card', '310115198511204566', '李雷',
                            point(121.47, 31.23), 'acct-li');
SET temp_id.now = '2026-04-11 08:32:00+08';
SELECT * FROM temp_id.confirm_identity(:last_app, true, 0.95, 'face-l6');
-- the 08:30 code of the first certificate, shown after it expired at 09:01
SET temp_id.now = '2026-04-11 10:00:00+08';
SELECT * FROM temp_id.verify_code(:'tok_li', 'station_entry', 'S3', 'G05');
-- 王小明 in April: issued, then refused while that certificate is active
SELECT * FROM temp_id.apply('resident_id_card', '110101199003071233', '王小明',
                            point(116.40, 39.90), 'acct-wang');
SET temp_id.now = '2026-04-11 10:01:00+08';
SELECT * FROM temp_id.confirm_identity(:last_app, true, 0.97, 'face-w3');
SET temp_id.now = '2026-04-11 10:30:00+08';
SELECT * FROM temp_id.apply('resident_id_card', '110101199003071233', '王小明',
                            point(116.40, 39.90), 'acct-wang');

--
-- 2026-04-12: 周杰 uses the month's quota (two certificates revoked on the
-- way), is refused at confirmation and at application, and a revoked
-- certificate's code is rejected
--
SET temp_id.now = '2026-04-12 08:00:00+08';
SELECT * FROM temp_id.apply('resident_id_card', '350203198802291118', '周杰',
                            point(118.09, 24.48), 'acct-zhou');
SET temp_id.now = '2026-04-12 08:01:00+08';
SELECT * FROM temp_id.confirm_identity(:last_app, true, 0.9, 'face-j1');
SET temp_id.now = '2026-04-12 08:02:00+08';
SELECT token AS tok_zhou FROM temp_id.qr_code(:last_session) \gset
SELECT accepted, reason FROM temp_id.verify_code(:'tok_zhou', 'ticket_purchase', 'S3', 'W1');
SET temp_id.now = '2026-04-12 08:30:00+08';
SELECT temp_id.revoke(:last_cert, 'phone lost');
SET temp_id.now = '2026-04-12 08:31:00+08';
SELECT accepted, reason FROM temp_id.verify_code(:'tok_zhou', 'station_entry', 'S3', 'G01');
SET temp_id.now = '2026-04-12 09:00:00+08';
SELECT * FROM temp_id.apply('resident_id_card', '350203198802291118', '周杰',
                            point(118.09, 24.48), 'acct-zhou');
SET temp_id.now = '2026-04-12 09:01:00+08';
SELECT * FROM temp_id.confirm_identity(:last_app, true, 0.9, 'face-j2');
SET temp_id.now = '2026-04-12 09:30:00+08';
SELECT temp_id.revoke(:last_cert, 'phone lost again');
SET temp_id.now = '2026-04-12 09:59:00+08';
SELECT * FROM temp_id.apply('resident_id_card', '350203198802291118', '周杰',
                            point(118.09, 24.48), 'acct-zhou');
SET temp_id.now = '2026-04-12 10:00:00+08';
SELECT * FROM temp_id.apply('resident_id_card', '350203198802291118', '周杰',
                            point(118.09, 24.48), 'acct-zhou');
SET temp_id.now = '2026-04-12 10:01:00+08';
SELECT * FROM temp_id.confirm_identity(:last_app - 1, true, 0.9, 'face-j3');
SET temp_id.now = '2026-04-12 10:02:00+08';
SELECT * FROM temp_id.confirm_identity(:last_app, true, 0.9, 'face-j4');
SET temp_id.now = '2026-04-12 10:30:00+08';
SELECT * FROM temp_id.apply('resident_id_card', '350203198802291118', '周杰',
                            point(118.09, 24.48), 'acct-zhou');
SELECT * FROM temp_id.quota_status('350203198802291118');
-- 孙丽 applies (lower-case x) and never confirms: pending for ever
SET temp_id.now = '2026-04-12 12:00:00+08';
SELECT * FROM temp_id.apply('resident_id_card', '33010619700505246x', '孙丽',
                            point(120.15, 30.27), 'acct-sun');

--
-- 2026-04-13 00:30: the last event of the data set is a re-verification
-- (周杰's certificate 10 is valid until 10:01): a day with data, though no
-- application and no scan
--
SET temp_id.now = '2026-04-13 00:30:00+08';
SELECT temp_id.reverify(10, true, 'page_reopened', 0.9, 'face-j5') IS NOT NULL AS reverified;

-- the data set
SELECT id, applied_at, document_type, temp_id.mask(id_number) AS id_number,
       temp_id.mask_name(full_name) AS name, account_id, status, reason,
       retry_after, decided_at, certificate_id
  FROM temp_id.applications ORDER BY id;
SELECT id, application_id, temp_id.mask(id_number) AS id_number, valid_from,
       valid_until, issue_month, minor, status, revoked_at
  FROM temp_id.certificates ORDER BY id;
SELECT id, certificate_id, opened_at, expires_at, opened_by, passed
  FROM temp_id.qr_sessions ORDER BY id;
SELECT * FROM temp_id.scans ORDER BY scanned_at, station, gate, reason;

--
-- account_history: one account's applications within history_window of the
-- clock, newest first, masked
--
SET temp_id.now = '2026-04-20 12:00:00+08';
SHOW temp_id.history_window;
-- 2026-03-05 is more than a month back: only 2026-03-20 and April
SELECT * FROM temp_id.account_history('acct-wang');
SELECT * FROM temp_id.account_history('acct-li');
SELECT * FROM temp_id.account_history('acct-zhou');
-- a minor's own history
SELECT application_id, status, certificate_id, holder_name, id_number
  FROM temp_id.account_history('acct-han');
-- refusals and failures are part of the history
SELECT application_id, applied_at, status, reason, holder_name, id_number
  FROM temp_id.account_history('acct-zhao');
SELECT application_id, status, reason, holder_name, id_number
  FROM temp_id.account_history('acct-hk');
-- no account, an unknown account, a prefix or a pattern: nothing
SELECT count(*) FROM temp_id.account_history(NULL);
SELECT count(*) FROM temp_id.account_history('acct-nobody');
SELECT count(*) FROM temp_id.account_history('acct-');
SELECT count(*) FROM temp_id.account_history('acct-%');
SELECT count(*) FROM temp_id.account_history('');
-- nothing but the account's own rows, every one masked
SELECT count(*) AS foreign_rows
  FROM temp_id.account_history('acct-wang') h
  JOIN temp_id.applications a ON a.id = h.application_id
 WHERE a.account_id IS DISTINCT FROM 'acct-wang';
SELECT count(*) AS unmasked
  FROM temp_id.account_history('acct-wang') h
 WHERE h.id_number !~ '^[0-9]{6}\*{8}[0-9]{3}[0-9X]$'
    OR h.holder_name !~ '^.\**$'
    OR EXISTS (SELECT 1 FROM people p WHERE h.id_number = p.id_number
                                         OR h.holder_name = p.full_name);
-- the window's edge: 2026-03-20 13:00:00 is exactly one month before
-- 2026-04-20 13:00:00, and is out; a second earlier it is in
SET temp_id.now = '2026-04-20 12:59:59+08';
SELECT application_id, applied_at FROM temp_id.account_history('acct-wang');
SET temp_id.now = '2026-04-20 13:00:00+08';
SELECT application_id, applied_at FROM temp_id.account_history('acct-wang');
-- what happens after the clock is not history yet
SET temp_id.now = '2026-04-10 09:00:15+08';
SELECT application_id, applied_at, status FROM temp_id.account_history('acct-li');
-- a wider window reaches 2026-03-05
SET temp_id.now = '2026-04-20 12:00:00+08';
SET temp_id.history_window = '2 months';
SELECT application_id, applied_at, status, certificate_id, holder_name, id_number
  FROM temp_id.account_history('acct-wang');
RESET temp_id.history_window;
SELECT application_id FROM temp_id.account_history('acct-wang');
-- the window is a superuser setting, and must be a positive interval
SET temp_id.history_window = '-1 month';
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SET temp_id.history_window = 'forever';
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SHOW temp_id.history_window;
-- the first call of a new session works too, before anything has loaded
-- the module (as when an app's pooled connection opens on the history page)
\c -
SET timezone = 'Asia/Shanghai';
SET datestyle = 'ISO, YMD';
SET temp_id.now = '2026-04-20 12:00:00+08';
SELECT application_id, applied_at, status FROM temp_id.account_history('acct-li');
-- (the rest of the session's settings, and its temp table, again)
SET intervalstyle = 'postgres';
\pset null '(null)'
CREATE TEMP TABLE people (id_number text, full_name text);
INSERT INTO people VALUES
  ('110101199003071233', '王小明'), ('310115198511204566', '李雷'),
  ('440306201206157896', '韩梅梅'), ('320102197808083211', '张伟'),
  ('510104199501016548', '赵敏'), ('350203198802291118', '周杰'),
  ('810000199001011230', '陈港生'), ('33010619700505246X', '孙丽'),
  ('420102196606061355', '吴刚'), ('E12345678', 'John Smith');

--
-- The analysts' views show masked names and ID numbers only
--
SELECT application_id, applied_at, document_type, id_number, holder_name,
       registered, location_given, status, reason, certificate_id, minor,
       certificate_status
  FROM temp_id.application_log ORDER BY application_id;
SELECT * FROM temp_id.scan_log ORDER BY scanned_at, station, gate, reason;
SELECT count(*) AS audit_rows,
       count(*) FILTER (WHERE changes ? 'id_number') AS with_id_number,
       count(*) FILTER (WHERE changes ? 'full_name' OR changes ? 'holder_name') AS with_name
  FROM temp_id.audit_trail;
-- no row of any view holds a full ID number or a full name used here
WITH v(view, r) AS (
  SELECT 'application_log', t::text FROM temp_id.application_log t
  UNION ALL SELECT 'scan_log', t::text FROM temp_id.scan_log t
  UNION ALL SELECT 'audit_trail', t::text FROM temp_id.audit_trail t
  UNION ALL SELECT 'daily_summary', t::text FROM temp_id.daily_summary t)
SELECT v.view, count(*) AS view_rows,
       count(*) FILTER (WHERE EXISTS (
         SELECT 1 FROM people p
          WHERE v.r LIKE '%' || p.id_number || '%'
             OR v.r ILIKE '%' || lower(p.id_number) || '%'
             OR v.r LIKE '%' || p.full_name || '%'))
         AS rows_with_personal_data
  FROM v GROUP BY v.view ORDER BY v.view;
-- ... while the tables do hold them (the check above can see them)
SELECT count(*) > 0 AS tables_hold_full_numbers
  FROM temp_id.applications a, people p WHERE a::text LIKE '%' || p.id_number || '%';
-- the masked forms that are shown
SELECT DISTINCT id_number, holder_name FROM temp_id.application_log ORDER BY 1, 2;
SELECT DISTINCT changes->>'id_number' AS id_number,
       coalesce(changes->>'full_name', changes->>'holder_name') AS name
  FROM temp_id.audit_trail
 WHERE changes ? 'id_number' ORDER BY 1, 2;
-- no view has a column for a secret, a full name or a location
SELECT table_name, string_agg(column_name::text, ', ' ORDER BY ordinal_position) AS columns
  FROM information_schema.columns
 WHERE table_schema = 'temp_id'
   AND table_name IN ('application_log', 'scan_log', 'audit_trail', 'daily_summary')
 GROUP BY table_name ORDER BY table_name;
SELECT count(*) AS forbidden_columns
  FROM information_schema.columns
 WHERE table_schema = 'temp_id'
   AND table_name IN ('application_log', 'scan_log', 'audit_trail', 'daily_summary')
   AND column_name IN ('secret', 'full_name', 'location');
SELECT count(*) AS audit_rows_with_secret_or_location
  FROM temp_id.audit_trail WHERE changes ? 'secret' OR changes ? 'location';

--
-- daily_summary, against counts taken straight from the tables
--
-- The hand count: every column of every day from the first day with data
-- (an application, a re-verification or a scan) to the last, days taken in
-- Asia/Shanghai from each row's own timestamp.
CREATE TEMP VIEW hand_summary AS
WITH a AS (
  SELECT (x.applied_at AT TIME ZONE 'Asia/Shanghai')::date AS day, x.status,
         x.reason, c.minor
    FROM temp_id.applications x LEFT JOIN temp_id.certificates c ON c.id = x.certificate_id
), q AS (
  SELECT (opened_at AT TIME ZONE 'Asia/Shanghai')::date AS day, passed
    FROM temp_id.qr_sessions WHERE opened_by <> 'issue'
), s AS (
  SELECT (scanned_at AT TIME ZONE 'Asia/Shanghai')::date AS day, accepted, reason
    FROM temp_id.scans
), bounds AS (
  SELECT min(day) AS first, max(day) AS last
    FROM (SELECT day FROM a UNION ALL SELECT day FROM q UNION ALL SELECT day FROM s) d
), days AS (
  SELECT first + i AS day FROM bounds, generate_series(0, last - first) AS i
)
SELECT d.day,
  (SELECT count(*) FROM a WHERE a.day = d.day) AS applications,
  (SELECT count(*) FROM a WHERE a.day = d.day AND status = 'issued') AS issued,
  (SELECT count(*) FROM a WHERE a.day = d.day AND status = 'rejected') AS rejected,
  (SELECT count(*) FROM a WHERE a.day = d.day AND status = 'refused'
      AND reason = 'unsupported_document') AS refused_unsupported_document,
  (SELECT count(*) FROM a WHERE a.day = d.day AND status = 'refused'
      AND reason = 'location_required') AS refused_location_required,
  (SELECT count(*) FROM a WHERE a.day = d.day AND status = 'refused'
      AND reason = 'monthly_quota_exhausted') AS refused_monthly_quota_exhausted,
  (SELECT count(*) FROM a WHERE a.day = d.day AND status = 'refused'
      AND reason = 'active_certificate') AS refused_active_certificate,
  (SELECT count(*) FROM a WHERE a.day = d.day AND status = 'refused'
      AND reason = 'verification_timeout') AS refused_verification_timeout,
  (SELECT count(*) FROM a WHERE a.day = d.day AND status = 'pending_verification') AS pending,
  (SELECT count(*) FROM a WHERE a.day = d.day AND status = 'issued' AND minor) AS minors_issued,
  (SELECT count(*) FROM q WHERE q.day = d.day AND passed) AS reverifications,
  (SELECT count(*) FROM q WHERE q.day = d.day AND NOT passed) AS reverifications_failed,
  (SELECT count(*) FROM s WHERE s.day = d.day AND accepted) AS scans_accepted,
  (SELECT count(*) FROM s WHERE s.day = d.day AND NOT accepted) AS scans_rejected,
  (SELECT count(*) FROM s WHERE s.day = d.day AND reason = 'malformed') AS rejected_malformed,
  (SELECT count(*) FROM s WHERE s.day = d.day AND reason = 'bad_signature') AS rejected_bad_signature,
  (SELECT count(*) FROM s WHERE s.day = d.day AND reason = 'stale_code') AS rejected_stale_code,
  (SELECT count(*) FROM s WHERE s.day = d.day AND reason = 'future_code') AS rejected_future_code,
  (SELECT count(*) FROM s WHERE s.day = d.day
      AND reason = 'unknown_certificate') AS rejected_unknown_certificate,
  (SELECT count(*) FROM s WHERE s.day = d.day
      AND reason = 'certificate_expired') AS rejected_certificate_expired,
  (SELECT count(*) FROM s WHERE s.day = d.day
      AND reason = 'certificate_revoked') AS rejected_certificate_revoked
FROM days d;
-- every cell of the view against the hand count: the same days, the same
-- columns, the same values
CREATE TEMP VIEW summary_cells AS
SELECT 'view' AS side, t.day, e.key AS col, e.value
  FROM temp_id.daily_summary t, jsonb_each(to_jsonb(t) - 'day') e
UNION ALL
SELECT 'hand', t.day, e.key, e.value
  FROM hand_summary t, jsonb_each(to_jsonb(t) - 'day') e;
SELECT day, count(*) FILTER (WHERE side = 'view') AS view_cells,
       count(*) FILTER (WHERE side = 'hand') AS hand_cells
  FROM summary_cells GROUP BY day
HAVING count(*) FILTER (WHERE side = 'view') <> count(*) FILTER (WHERE side = 'hand')
 ORDER BY day;
SELECT v.day, v.col, v.value AS in_view, h.value AS by_hand
  FROM summary_cells v JOIN summary_cells h
    ON v.side = 'view' AND h.side = 'hand' AND h.day = v.day AND h.col = v.col
 WHERE v.value <> h.value ORDER BY v.day, v.col;
SELECT count(DISTINCT day) AS days, count(*) AS cells_compared
  FROM summary_cells v
 WHERE side = 'view'
   AND EXISTS (SELECT 1 FROM summary_cells h
                WHERE h.side = 'hand' AND h.day = v.day AND h.col = v.col);
-- the same per column, in the form "view = count straight from the table"
SELECT d.day,
  (SELECT issued FROM temp_id.daily_summary WHERE day = d.day) =
  (SELECT count(*) FROM temp_id.applications WHERE status = 'issued'
      AND (applied_at AT TIME ZONE 'Asia/Shanghai')::date = d.day) AS issued_ok,
  (SELECT minors_issued FROM temp_id.daily_summary WHERE day = d.day) =
  (SELECT count(*) FROM temp_id.applications x JOIN temp_id.certificates c
       ON c.id = x.certificate_id
     WHERE x.status = 'issued' AND c.minor
       AND (x.applied_at AT TIME ZONE 'Asia/Shanghai')::date = d.day) AS minors_ok,
  (SELECT scans_rejected FROM temp_id.daily_summary WHERE day = d.day) =
  (SELECT count(*) FROM temp_id.scans WHERE NOT accepted
      AND (scanned_at AT TIME ZONE 'Asia/Shanghai')::date = d.day) AS scans_rejected_ok
  FROM (VALUES (date '2026-03-05'), ('2026-04-10'), ('2026-04-11'), ('2026-04-12')) d(day)
 ORDER BY d.day;
-- the days with data, as the analysts see them
SELECT * FROM temp_id.daily_summary
 WHERE applications + reverifications + reverifications_failed + scans_accepted + scans_rejected > 0
 ORDER BY day;
SELECT min(day), max(day), count(*) FROM temp_id.daily_summary;
-- the day ends at midnight in the zone: 张伟's 23:59:59 application is on
-- 2026-04-10, 韩梅梅's 00:00:00 one on 2026-04-11
SELECT day, applications, issued, minors_issued FROM temp_id.daily_summary
 WHERE day IN ('2026-04-10', '2026-04-11') ORDER BY day;
-- whatever the session's time zone: the zone is temp_id.zone
SET timezone = 'UTC';
SELECT count(*) AS differences FROM (
  SELECT * FROM temp_id.daily_summary EXCEPT SELECT * FROM hand_summary) d;
SET timezone = 'America/Los_Angeles';
SELECT count(*) AS differences FROM (
  SELECT * FROM temp_id.daily_summary EXCEPT SELECT * FROM hand_summary) d;
SET timezone = 'Asia/Shanghai';
-- and a different temp_id.zone moves the boundary: in UTC both
-- applications fall on 2026-04-10 (15:59:59 and 16:00:00 UTC)
SET temp_id.zone = 'UTC';
SELECT day, applications, issued, minors_issued FROM temp_id.daily_summary
 WHERE day IN ('2026-04-10', '2026-04-11') ORDER BY day;
RESET temp_id.zone;

--
-- purge: retention, months later
--
-- 2026-07-01 00:10: 赵敏 is issued a certificate (July counts toward her
-- quota until the month ends)
SET temp_id.now = '2026-07-01 00:10:00+08';
SELECT * FROM temp_id.apply('resident_id_card', '510104199501016548', '赵敏',
                            point(113.26, 23.13), 'acct-zhao');
SET temp_id.now = '2026-07-01 00:11:00+08';
SELECT * FROM temp_id.confirm_identity(:last_app, true, 0.9, 'face-z3');
SELECT :last_cert AS cert_july \gset
SET temp_id.now = '2026-07-01 00:15:00+08';
SELECT token AS tok FROM temp_id.qr_code(:last_session) \gset
SELECT accepted, reason FROM temp_id.verify_code(:'tok', 'station_entry', 'S1', 'G01');
-- 2026-07-31 20:00: 吴刚 is issued a certificate, live until 2026-08-01 20:01
SET temp_id.now = '2026-07-31 20:00:00+08';
SELECT * FROM temp_id.apply('resident_id_card', '420102196606061355', '吴刚',
                            point(114.30, 30.59), 'acct-wu');
SET temp_id.now = '2026-07-31 20:01:00+08';
SELECT * FROM temp_id.confirm_identity(:last_app, true, 0.9, 'face-u1');
SELECT :last_cert AS cert_live, :last_session AS session_live \gset
SET temp_id.now = '2026-07-31 20:05:00+08';
SELECT token AS tok FROM temp_id.qr_code(:session_live) \gset
SELECT accepted, reason FROM temp_id.verify_code(:'tok', 'boarding', 'S2', 'B02');

CREATE TEMP TABLE row_counts (run int, tbl text, n bigint);
CREATE FUNCTION pg_temp.count_rows(run int) RETURNS void LANGUAGE sql AS $$
  INSERT INTO row_counts
  SELECT run, 'scans', count(*) FROM temp_id.scans
  UNION ALL SELECT run, 'qr_sessions', count(*) FROM temp_id.qr_sessions
  UNION ALL SELECT run, 'certificates', count(*) FROM temp_id.certificates
  UNION ALL SELECT run, 'applications', count(*) FROM temp_id.applications
  UNION ALL SELECT run, 'holders', count(*) FROM temp_id.holders
  UNION ALL SELECT run, 'audit', count(*) FROM temp_id.audit;
$$;
CREATE TEMP TABLE quota_seen (run int, id_number text, q text);
CREATE FUNCTION pg_temp.see_quota(run int) RETURNS void LANGUAGE sql AS $$
  INSERT INTO quota_seen
  SELECT run, p.id_number, q::text FROM people p, temp_id.quota_status(p.id_number) q
   WHERE p.id_number !~ '^(81|E)';
$$;
CREATE TEMP TABLE purged (run int, table_name text, removed bigint);

-- Run 1, 2026-07-31 23:00, purge('30 days'): the cutoff is 2026-07-01
-- 23:00.  Everything from March and April goes; 赵敏's July certificate
-- is older than the cutoff but was issued this month, so it stays with its
-- application and QR sessions; 孙丽's pending application stays.
SET temp_id.now = '2026-07-31 23:00:00+08';
SELECT pg_temp.count_rows(0), pg_temp.see_quota(0);
SELECT id_number, q FROM quota_seen WHERE run = 0 ORDER BY id_number;
SELECT count(*) AS sessions_of_july_certificate
  FROM temp_id.qr_sessions WHERE certificate_id = :cert_july;
INSERT INTO purged SELECT 1, * FROM temp_id.purge('30 days');
SELECT table_name, removed FROM purged WHERE run = 1;
SELECT pg_temp.count_rows(1), pg_temp.see_quota(1);
-- what purge says it removed is what is gone (the audit trail gains the
-- purge's own record)
SELECT b.tbl, b.n AS before, a.n AS after, p.removed,
       b.n - p.removed + CASE b.tbl WHEN 'audit' THEN 1 ELSE 0 END = a.n AS adds_up
  FROM row_counts b JOIN row_counts a ON a.tbl = b.tbl AND a.run = 1
  LEFT JOIN purged p ON p.table_name = b.tbl AND p.run = 1
 WHERE b.run = 0 ORDER BY b.tbl;
-- what is left
SELECT id, applied_at, status, certificate_id FROM temp_id.applications ORDER BY id;
SELECT id, application_id, valid_from, valid_until, issue_month, status
  FROM temp_id.certificates ORDER BY id;
SELECT scanned_at, station, reason, certificate_id FROM temp_id.scans ORDER BY scanned_at;
SELECT temp_id.mask(id_number) AS id_number, quota_month, quota_used,
       active_certificate_id, active_until
  FROM temp_id.holders ORDER BY quota_month, id_number;
-- the certificate of this month keeps its QR sessions
SELECT count(*) AS sessions_of_july_certificate
  FROM temp_id.qr_sessions WHERE certificate_id = :cert_july;
-- kept rows keep their audit history; nothing else before the cutoff is left
SELECT table_name, row_id, operation, new_status FROM temp_id.audit
 WHERE clock_at < '2026-07-01 23:00:00+08' ORDER BY id;
-- the quota is unchanged for everyone
SELECT b.id_number, b.q = a.q AS unchanged
  FROM quota_seen b JOIN quota_seen a ON a.id_number = b.id_number AND a.run = 1
 WHERE b.run = 0 ORDER BY b.id_number;
-- purge records itself in the audit trail
SELECT clock_at, table_name, row_id, operation, old_status, new_status,
       db_role = current_user AS by_caller, app_account,
       (changes->>'older_than')::interval AS older_than,
       (changes->>'cutoff')::timestamptz AS cutoff,
       changes - 'older_than' - 'cutoff' AS removed
  FROM temp_id.audit_trail WHERE operation = 'PURGE' ORDER BY id;

-- Run 2, 2026-08-01 12:00, purge('12 hours'): the cutoff is 2026-08-01
-- 00:00.  July is over, so 赵敏's certificate goes now; 吴刚's certificate
-- (July, but live until 20:01) stays, with its QR sessions.
SET temp_id.now = '2026-08-01 12:00:00+08';
SELECT pg_temp.see_quota(2);
SELECT id_number, q FROM quota_seen WHERE run = 2 ORDER BY id_number;
SELECT pg_temp.count_rows(2);
INSERT INTO purged SELECT 3, * FROM temp_id.purge('12 hours');
SELECT table_name, removed FROM purged WHERE run = 3;
SELECT pg_temp.count_rows(3), pg_temp.see_quota(3);
SELECT b.tbl, b.n AS before, a.n AS after, p.removed,
       b.n - p.removed + CASE b.tbl WHEN 'audit' THEN 1 ELSE 0 END = a.n AS adds_up
  FROM row_counts b JOIN row_counts a ON a.tbl = b.tbl AND a.run = 3
  LEFT JOIN purged p ON p.table_name = b.tbl AND p.run = 3
 WHERE b.run = 2 ORDER BY b.tbl;
SELECT id, applied_at, status, certificate_id FROM temp_id.applications ORDER BY id;
SELECT id, application_id, valid_from, valid_until, issue_month, status
  FROM temp_id.certificates ORDER BY id;
SELECT temp_id.mask(id_number) AS id_number, quota_month, quota_used,
       active_certificate_id, active_until
  FROM temp_id.holders ORDER BY quota_month, id_number;
SELECT b.id_number, b.q = a.q AS unchanged
  FROM quota_seen b JOIN quota_seen a ON a.id_number = b.id_number AND a.run = 3
 WHERE b.run = 2 ORDER BY b.id_number;
-- the live certificate works as before: its first QR page has timed out
-- (TI001), a re-verification opens a new one, and its code is accepted
SELECT count(*) AS sessions_of_live_certificate
  FROM temp_id.qr_sessions WHERE certificate_id = :cert_live;
SELECT token FROM temp_id.qr_code(:session_live);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT temp_id.reverify(:cert_live, true, 'page_timeout') > :session_live AS new_session;
SELECT token AS tok FROM temp_id.qr_code(:last_session) \gset
SELECT accepted, reason, certificate_id = :cert_live AS same_certificate
  FROM temp_id.verify_code(:'tok', 'boarding', 'S2', 'B02');
-- a purge that finds nothing says so, table by table, and is recorded too
SELECT * FROM temp_id.purge('30 days');
SELECT clock_at, operation, (changes->>'older_than')::interval AS older_than,
       (changes->>'cutoff')::timestamptz AS cutoff, changes - 'older_than' - 'cutoff' AS removed
  FROM temp_id.audit_trail WHERE operation = 'PURGE' ORDER BY id;
-- bad arguments
SELECT * FROM temp_id.purge(NULL);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM temp_id.purge('-1 day');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

-- The audit trail and the scan log are append-only: no DELETE, UPDATE or
-- TRUNCATE outside purge, even for a superuser
DELETE FROM temp_id.audit;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
DELETE FROM temp_id.audit WHERE operation = 'PURGE';
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE temp_id.audit SET changes = '{}';
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
TRUNCATE temp_id.audit;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
DELETE FROM temp_id.scans;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
TRUNCATE temp_id.scans;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT count(*) > 0 AS audit_kept FROM temp_id.audit;

-- Only a superuser may purge: not a plain role, nor an application role
CREATE ROLE regress_tid_hist_dba;
SELECT temp_id.grant_app('regress_tid_hist_dba');
SET ROLE regress_tid_hist_dba;
SELECT * FROM temp_id.purge('30 days');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
DELETE FROM temp_id.audit;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
RESET ROLE;
CREATE ROLE regress_tid_hist_nobody;
SET ROLE regress_tid_hist_nobody;
SELECT * FROM temp_id.purge('30 days');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
RESET ROLE;
SELECT count(*) AS purges FROM temp_id.audit WHERE operation = 'PURGE';
DROP OWNED BY regress_tid_hist_dba;
DROP ROLE regress_tid_hist_dba;
DROP ROLE regress_tid_hist_nobody;

--
-- The analysts' questions use indexes.  A year of synthetic rows (2025) is
-- loaded straight into the tables so that the planner sees a realistic
-- size, then vacuumed (which also summarizes the BRIN index) and analyzed
-- with every row in the sample, so the plans are the same on every run.
--
CREATE FUNCTION pg_temp.rid(body text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT body || substr('10X98765432', 1 + (sum(substr(body, k, 1)::int *
           (ARRAY[7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2])[k]) % 11)::int, 1)
    FROM generate_series(1, 17) k;
$$;
SELECT pg_temp.rid('11010119900307123') AS check_character_right;
SET session_replication_role = replica;	-- no audit rows for the synthetic data
INSERT INTO temp_id.applications (id, applied_at, document_type, id_number, full_name,
       location, account_id, status, reason, decided_at)
SELECT 100000 + i, t, 'resident_id_card',
       pg_temp.rid('110101' || to_char(date '1950-01-01' + i % 20000, 'YYYYMMDD')
                   || lpad((i / 20000)::text, 3, '0')),
       '测试', point(116.4, 39.9), 'acct-bulk-' || (i % 5000),
       (CASE WHEN i % 3 = 0 THEN 'issued' ELSE 'refused' END)::temp_id.application_status,
       (CASE WHEN i % 3 = 0 THEN NULL ELSE 'location_required' END)::temp_id.refusal_reason, t
  FROM generate_series(1, 30000) i,
       LATERAL (SELECT timestamptz '2025-01-01 00:00+08' + i * interval '1051 seconds') x(t);
INSERT INTO temp_id.certificates (id, application_id, id_number, holder_name, account_id,
       valid_from, valid_until, issue_month, minor, secret)
SELECT 100000 + a.id, a.id, a.id_number, a.full_name, a.account_id, a.decided_at,
       a.decided_at + interval '24 hours',
       date_trunc('month', a.decided_at AT TIME ZONE 'Asia/Shanghai')::date, false,
       decode(repeat('00', 32), 'hex')
  FROM temp_id.applications a WHERE a.id >= 100000 AND a.status = 'issued';
UPDATE temp_id.applications SET certificate_id = 100000 + id
 WHERE id >= 100000 AND status = 'issued';
INSERT INTO temp_id.qr_sessions (certificate_id, opened_at, expires_at, opened_by, passed)
SELECT c.id, c.valid_from + interval '2 hours', c.valid_from + interval '150 minutes',
       'relogin'::temp_id.session_opening, true
  FROM temp_id.certificates c WHERE c.id >= 100000;
INSERT INTO temp_id.scans
SELECT t, 'station_entry', 'S' || (i % 40), 'G1', true, 'ok', 100000 + 3 * (i % 10000)
  FROM generate_series(1, 100000) i,
       LATERAL (SELECT timestamptz '2025-01-01 00:00+08' + i * interval '315 seconds') x(t);
RESET session_replication_role;
SET default_statistics_target = 1000;
VACUUM ANALYZE temp_id.applications, temp_id.certificates, temp_id.qr_sessions, temp_id.scans;
RESET default_statistics_target;
-- how a plan reads each table: through an index, and how many times whole
CREATE FUNCTION pg_temp.reads(q text)
  RETURNS TABLE (relation text, through_index boolean, whole_table_reads bigint)
  LANGUAGE plpgsql AS $$
DECLARE
  p jsonb;
BEGIN
  EXECUTE 'EXPLAIN (COSTS OFF, FORMAT JSON) ' || q INTO p;
  RETURN QUERY
  SELECT t.tbl, bool_or(t.idx IS NOT NULL), count(*) FILTER (WHERE t.node = 'Seq Scan')
    FROM (SELECT n->>'Node Type' AS node, n->>'Index Name' AS idx,
                 coalesce(n->>'Relation Name',
                          (SELECT c.relname::text FROM pg_index i
                             JOIN pg_class c ON c.oid = i.indrelid
                             JOIN pg_class ic ON ic.oid = i.indexrelid
                            WHERE ic.relname = n->>'Index Name'
                              AND ic.relnamespace = 'temp_id'::regnamespace)) AS tbl
            FROM jsonb_path_query(p, 'strict $.**') AS n
           WHERE jsonb_typeof(n) = 'object'
             AND (n ? 'Relation Name' OR n ? 'Index Name')) t
   GROUP BY t.tbl ORDER BY t.tbl;
END
$$;
SET max_parallel_workers_per_gather = 0;
SET search_path = temp_id, pg_catalog;
-- one day's summary: each lateral subquery is a range scan over that day
-- (applications_applied_at_idx, qr_sessions_opened_at_idx, an index on
-- scans.scanned_at), the day range comes from the ends of those indexes,
-- and no table is read whole
SELECT * FROM pg_temp.reads(
  $q$SELECT * FROM temp_id.daily_summary WHERE day = '2025-06-15'$q$);
-- one station's scans in a week (scans_station_idx covers station and time)
SELECT * FROM pg_temp.reads($q$SELECT * FROM temp_id.scan_log
 WHERE station = 'S1' AND scanned_at >= '2025-06-09 00:00+08' AND scanned_at < '2025-06-16 00:00+08'$q$);
-- one passenger's history: account_history is a SQL function, whose plan
-- EXPLAIN does not show; this is its query
SELECT * FROM pg_temp.reads($q$
SELECT a.id, a.applied_at, a.status, a.reason, a.certificate_id,
       c.valid_from, c.valid_until,
       temp_id.mask_name(a.full_name), temp_id.mask(a.id_number)
  FROM temp_id.applications a
  LEFT JOIN temp_id.certificates c ON c.id = a.certificate_id
 WHERE a.account_id = 'acct-bulk-42'
   AND a.applied_at > temp_id.clock() - current_setting('temp_id.history_window')::interval
   AND a.applied_at <= temp_id.clock()
 ORDER BY a.applied_at DESC, a.id DESC$q$);
-- one person's applications, by ID number
EXPLAIN (COSTS OFF) SELECT * FROM temp_id.applications
 WHERE id_number = '110101195004110005'::temp_id.resident_id;
RESET search_path;
RESET max_parallel_workers_per_gather;
-- the day's summary counts the synthetic day like the hand count
SELECT count(*) AS differences FROM (
  SELECT * FROM temp_id.daily_summary WHERE day = '2025-06-15'
  EXCEPT SELECT * FROM hand_summary WHERE day = '2025-06-15') d;
SELECT day, applications, issued, refused_location_required, reverifications, scans_accepted
  FROM temp_id.daily_summary WHERE day = '2025-06-15';

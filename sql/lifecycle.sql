--
-- lifecycle: apply, confirm_identity, revoke and quota_status, and the
-- audit trail they leave (SPEC.md, "Application programming interface").
--
-- Every rule reads the clock through temp_id.now, so it is pinned before
-- every call.  Times are shown in Asia/Shanghai, the zone (temp_id.zone)
-- that defines a natural month.  Each scenario uses its own person, so the
-- scenarios do not lean on each other.
--
-- Start from an empty extension, whatever ran before in this database, so
-- that application, certificate and session ids are the same on every run.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS temp_id CASCADE;
CREATE EXTENSION temp_id;
DROP ROLE IF EXISTS regress_lc_app;
RESET client_min_messages;
SET timezone = 'Asia/Shanghai';
SET datestyle = 'ISO, YMD';
\pset null '(null)'
-- the application and certificate this session created last
\set last_app 'currval(''temp_id.applications_id_seq'')'
\set last_cert 'currval(''temp_id.certificates_id_seq'')'

--
-- Settings: defaults, units, and superuser only
--
SHOW temp_id.monthly_quota;
SHOW temp_id.validity;
SHOW temp_id.renewal_window;
SHOW temp_id.pending_ttl;
SHOW temp_id.session_ttl;
SHOW temp_id.zone;
SET temp_id.validity = '24h';
SHOW temp_id.validity;
SET temp_id.validity = '90min';
SHOW temp_id.validity;
RESET temp_id.validity;
SHOW temp_id.validity;
SET temp_id.now = 'not a time';
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SET temp_id.now = '2026-03-10 07:58:00+08';
SHOW temp_id.now;
SELECT temp_id.clock();
-- an application role must not move the clock or widen the quota
CREATE ROLE regress_lc_app;
SET ROLE regress_lc_app;
SET temp_id.now = '2030-01-01 00:00:00+08';
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SET temp_id.monthly_quota = 100;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SET temp_id.renewal_window = '24h';
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
RESET ROLE;
DROP ROLE regress_lc_app;
SELECT temp_id.clock(), current_setting('temp_id.monthly_quota') AS quota;

--
-- The full flow: apply -> confirm_identity -> quota_status
--
-- a fresh person: nothing used, the whole quota left, may apply now
SELECT * FROM temp_id.quota_status('11010519491231002X');
SELECT * FROM temp_id.apply('resident_id_card', '11010519491231002X', '张三',
                            point(116.3975, 39.9087), 'acct-zhang');
SET temp_id.now = '2026-03-10 08:00:00+08';
SELECT * FROM temp_id.confirm_identity(1, true, 0.97, 'face-0001');
-- valid for exactly 24 hours from success: 08:00 -> 08:00 next day
SELECT id, application_id, id_number, holder_name, account_id, valid_from,
       valid_until, extract(epoch FROM valid_until - valid_from) AS seconds,
       issue_month, minor, status, length(secret) AS secret_bytes
  FROM temp_id.certificates ORDER BY id;
SELECT id, applied_at, document_type, id_number, full_name, location, account_id,
       status, reason, retry_after, decided_at, certificate_id, score, provider_ref
  FROM temp_id.applications ORDER BY id;
-- the first QR session is opened by the issue, for session_ttl
SELECT id, certificate_id, opened_at, expires_at, opened_by, passed, score, provider_ref
  FROM temp_id.qr_sessions ORDER BY id;
SELECT * FROM temp_id.quota_status('11010519491231002X');
-- a decided application cannot be confirmed again: TI003
SELECT * FROM temp_id.confirm_identity(1, true);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM temp_id.confirm_identity(1, false);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- an application that does not exist
SELECT * FROM temp_id.confirm_identity(999999, true);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

--
-- A failed real-person check: rejected, no quota used, and final
--
SET temp_id.now = '2026-03-10 08:10:00+08';
SELECT * FROM temp_id.apply('resident_id_card', '310104198001010017', '李四',
                            point(121.4737, 31.2304));
SET temp_id.now = '2026-03-10 08:11:00+08';
SELECT * FROM temp_id.confirm_identity(2, false, 0.12, 'face-0002');
SELECT * FROM temp_id.quota_status('310104198001010017');
SELECT * FROM temp_id.confirm_identity(2, true);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- a new application goes through, and is the first of the month
SELECT * FROM temp_id.apply('resident_id_card', '310104198001010017', '李四',
                            point(121.4737, 31.2304));
SELECT * FROM temp_id.confirm_identity(3, true, 0.91, 'face-0003');
SELECT * FROM temp_id.quota_status('310104198001010017');

--
-- No positioning, no application; a refusal is final too
--
SET temp_id.now = '2026-03-10 08:20:00+08';
SELECT * FROM temp_id.apply('resident_id_card', '440305199002150020', '王五', NULL);
SELECT * FROM temp_id.confirm_identity(4, true);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM temp_id.quota_status('440305199002150020');

--
-- Revocation: the active certificate is gone, so a new application goes
-- through at once, but the quota is not given back
--
SET temp_id.now = '2026-03-10 09:00:00+08';
SELECT * FROM temp_id.apply('resident_id_card', '51010719850707003X', '赵六',
                            point(104.0665, 30.5723), 'acct-zhao');
SELECT * FROM temp_id.confirm_identity(5, true);
SET temp_id.now = '2026-03-10 10:00:00+08';
SELECT * FROM temp_id.apply('resident_id_card', '51010719850707003X', '赵六',
                            point(104.0665, 30.5723), 'acct-zhao');
SELECT temp_id.revoke(3, 'phone lost');
SELECT temp_id.revoke(3, 'phone lost');
SELECT * FROM temp_id.quota_status('51010719850707003X');
SELECT * FROM temp_id.apply('resident_id_card', '51010719850707003X', '赵六',
                            point(104.0665, 30.5723), 'acct-zhao');
SELECT * FROM temp_id.confirm_identity(7, true);
SELECT * FROM temp_id.quota_status('51010719850707003X');
SELECT id, application_id, valid_from, valid_until, status, revoked_at, revoke_reason
  FROM temp_id.certificates WHERE id_number::text = '51010719850707003X' ORDER BY id;
-- a revocation needs a reason and an existing certificate
SELECT temp_id.revoke(4, '');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT temp_id.revoke(999999, 'no such certificate');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

--
-- The audit trail of everything so far, written by the triggers: masked ID
-- numbers and names, no location, no certificate secret
--
SELECT id, clock_at, table_name, row_id, operation, old_status, new_status,
       app_account, changes
  FROM temp_id.audit ORDER BY id;

--
-- Only the resident ID card is accepted
--
SET temp_id.now = '2026-03-11 09:00:00+08';
SELECT d AS document_type, a.*
  FROM unnest(enum_range(NULL::temp_id.document_type)) AS d,
       LATERAL temp_id.apply(d, 'E12345678', 'John Smith', point(116.3975, 39.9087)) AS a
 WHERE d <> 'resident_id_card' ORDER BY a.application_id;
-- the number of another document is not checked as a resident ID number
SELECT * FROM temp_id.apply('passport', 'not a resident number', 'Jane Roe', NULL);
-- HK, Macao and Taiwan residence permits carry 81/82/83 numbers: not ID cards
SELECT n AS id_number, a.*
  FROM unnest(ARRAY['810000199001010019', '820000199001010029',
                    '830000199001010039']) AS n,
       LATERAL temp_id.apply('resident_id_card', n, '陈七', point(114.1694, 22.3193)) AS a
 ORDER BY a.application_id;
-- all recorded for the analysts; the number of a foreign document is not kept
SELECT id, document_type, id_number, full_name, status, reason
  FROM temp_id.applications WHERE reason = 'unsupported_document' ORDER BY id;

--
-- Malformed input raises (and records nothing)
--
SELECT count(*) AS applications_before FROM temp_id.applications;
-- ID numbers: 22P02, naming the check that failed
SELECT * FROM temp_id.apply('resident_id_card', '110105194912310021', '张三', point(1, 1));
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM temp_id.apply('resident_id_card', '1101051949123100', '张三', point(1, 1));
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM temp_id.apply('resident_id_card', '99010519491231002X', '张三', point(1, 1));
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM temp_id.apply('resident_id_card', '110105194902300021', '张三', point(1, 1));
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM temp_id.apply('resident_id_card', '', '张三', point(1, 1));
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- names: 22023
SELECT * FROM temp_id.apply('resident_id_card', '11010519491231002X', '   ', point(1, 1));
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM temp_id.apply('resident_id_card', '11010519491231002X', '', point(1, 1));
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM temp_id.apply('resident_id_card', '11010519491231002X', E'张\t三', point(1, 1));
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM temp_id.apply('resident_id_card', '11010519491231002X', E'张三\n', point(1, 1));
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM temp_id.apply('resident_id_card', '11010519491231002X', repeat('名', 65), point(1, 1));
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM temp_id.apply('passport', 'E12345678', repeat('a', 65), point(1, 1));
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- nulls where a value is required
SELECT * FROM temp_id.apply('resident_id_card', NULL, '张三', point(1, 1));
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM temp_id.apply(NULL, '11010519491231002X', '张三', point(1, 1));
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM temp_id.apply('resident_id_card', '11010519491231002X', NULL, point(1, 1));
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM temp_id.quota_status('110105194912310021');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM temp_id.quota_status(NULL);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT count(*) AS applications_after FROM temp_id.applications;

--
-- The renewal window: a new certificate only in the last 3 hours of the
-- current one.  The first certificate of 11010519491231002X ends at
-- 2026-03-11 08:00, so the window opens at 05:00.
--
SET temp_id.now = '2026-03-10 12:00:00+08';
SELECT * FROM temp_id.apply('resident_id_card', '11010519491231002X', '张三',
                            point(116.3975, 39.9087), 'acct-zhang');
SET temp_id.now = '2026-03-11 04:59:59+08';
SELECT * FROM temp_id.quota_status('11010519491231002X');
SELECT * FROM temp_id.apply('resident_id_card', '11010519491231002X', '张三',
                            point(116.3975, 39.9087), 'acct-zhang');
SET temp_id.now = '2026-03-11 05:00:00+08';
SELECT * FROM temp_id.quota_status('11010519491231002X');
-- exactly when the window opens: allowed (a lowercase x is the same number)
SELECT * FROM temp_id.apply('resident_id_card', '11010519491231002x', '张三',
                            point(116.3975, 39.9087), 'acct-zhang');
SELECT * FROM temp_id.confirm_identity(:last_app, true);
-- the new certificate stands beside the old one, which runs to its end
SELECT id, application_id, valid_from, valid_until, issue_month, status
  FROM temp_id.certificates WHERE id_number::text = '11010519491231002X' ORDER BY id;
SELECT * FROM temp_id.quota_status('11010519491231002X');

--
-- The monthly quota: 3 successful applications per natural month
--
SET temp_id.now = '2026-03-12 02:00:00+08';
SELECT * FROM temp_id.apply('resident_id_card', '11010519491231002X', '张三',
                            point(116.3975, 39.9087), 'acct-zhang');
SELECT * FROM temp_id.confirm_identity(:last_app, true);
SELECT * FROM temp_id.quota_status('11010519491231002X');
-- inside the renewal window of the third certificate, but the quota is used
-- up: come back at the start of April (Asia/Shanghai)
SET temp_id.now = '2026-03-12 23:00:00+08';
SELECT * FROM temp_id.apply('resident_id_card', '11010519491231002X', '张三',
                            point(116.3975, 39.9087), 'acct-zhang');
-- a higher quota lets a fourth through
SET temp_id.monthly_quota = 4;
SELECT * FROM temp_id.quota_status('11010519491231002X');
SELECT * FROM temp_id.apply('resident_id_card', '11010519491231002X', '张三',
                            point(116.3975, 39.9087), 'acct-zhang');
SELECT * FROM temp_id.confirm_identity(:last_app, true);
RESET temp_id.monthly_quota;
SELECT * FROM temp_id.quota_status('11010519491231002X');
-- a new month, a new quota
SET temp_id.now = '2026-04-01 00:00:00+08';
SELECT * FROM temp_id.quota_status('11010519491231002X');

--
-- Minors who hold an ID card can apply; minor means under 18 on the day of
-- issue in Asia/Shanghai
--
SET temp_id.now = '2026-03-20 00:00:00+08';
-- 18 today
SELECT * FROM temp_id.apply('resident_id_card', '110105200803200030', '孙八', point(116.3975, 39.9087));
SELECT * FROM temp_id.confirm_identity(:last_app, true);
-- 18 tomorrow
SELECT * FROM temp_id.apply('resident_id_card', '110105200803210044', '周九', point(116.3975, 39.9087));
SELECT * FROM temp_id.confirm_identity(:last_app, true);
-- born 2015
SELECT * FROM temp_id.apply('resident_id_card', '110105201506150027', '吴十', point(116.3975, 39.9087));
SELECT * FROM temp_id.confirm_identity(:last_app, true);
SELECT id, id_number, temp_id.birth_date(id_number), temp_id.age(id_number, '2026-03-20'), minor
  FROM temp_id.certificates WHERE id > :last_cert - 3 ORDER BY id;

--
-- pending_ttl: confirm_identity at most 10 minutes after apply
--
SET temp_id.now = '2026-03-20 09:00:00+08';
SELECT * FROM temp_id.apply('resident_id_card', '330106199509090098', '郑一', point(120.1551, 30.2741));
SELECT * FROM temp_id.apply('resident_id_card', '350203199306060104', '冯二', point(118.0894, 24.4798));
-- exactly at the end of pending_ttl: still allowed
SET temp_id.now = '2026-03-20 09:10:00+08';
SELECT * FROM temp_id.confirm_identity(:last_app - 1, true);
-- one second later: refused, even when the check passed, and no quota used
SET temp_id.now = '2026-03-20 09:10:01+08';
SELECT * FROM temp_id.confirm_identity(:last_app, true);
SELECT * FROM temp_id.quota_status('350203199306060104');
SELECT * FROM temp_id.confirm_identity(:last_app, true);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

--
-- Revoking the newer of two overlapping certificates makes the older one
-- the active one again
--
SET temp_id.now = '2026-03-26 10:00:00+08';
SELECT * FROM temp_id.apply('resident_id_card', '120101198707070113', '褚三', point(117.2, 39.13));
SELECT * FROM temp_id.confirm_identity(:last_app, true);
SET temp_id.now = '2026-03-27 07:00:00+08';
SELECT * FROM temp_id.apply('resident_id_card', '120101198707070113', '褚三', point(117.2, 39.13));
SELECT * FROM temp_id.confirm_identity(:last_app, true);
SET temp_id.now = '2026-03-27 07:30:00+08';
SELECT * FROM temp_id.quota_status('120101198707070113');
SELECT temp_id.revoke(:last_cert, 'issued in error');
SELECT * FROM temp_id.quota_status('120101198707070113');
SELECT temp_id.revoke(:last_cert - 1, 'reported stolen');
SELECT * FROM temp_id.quota_status('120101198707070113');

--
-- Quota used up while a certificate is still active: the retry time is the
-- later of the next month and the renewal window
--
SET temp_id.now = '2026-05-29 10:00:00+08';
SELECT * FROM temp_id.apply('resident_id_card', '610103197005050075', '卫四', point(108.94, 34.34));
SELECT * FROM temp_id.confirm_identity(:last_app, true);
SET temp_id.now = '2026-05-30 07:00:00+08';
SELECT * FROM temp_id.apply('resident_id_card', '610103197005050075', '卫四', point(108.94, 34.34));
SELECT * FROM temp_id.confirm_identity(:last_app, true);
SET temp_id.now = '2026-05-31 04:00:00+08';
SELECT * FROM temp_id.apply('resident_id_card', '610103197005050075', '卫四', point(108.94, 34.34));
SELECT * FROM temp_id.confirm_identity(:last_app, true);
SET temp_id.now = '2026-05-31 23:00:00+08';
SELECT * FROM temp_id.apply('resident_id_card', '610103197005050075', '卫四', point(108.94, 34.34));
SET temp_id.now = '2026-06-01 00:00:00+08';
SELECT * FROM temp_id.apply('resident_id_card', '610103197005050075', '卫四', point(108.94, 34.34));
SET temp_id.now = '2026-06-01 01:00:00+08';
SELECT * FROM temp_id.apply('resident_id_card', '610103197005050075', '卫四', point(108.94, 34.34));
SELECT * FROM temp_id.confirm_identity(:last_app, true);
SELECT * FROM temp_id.quota_status('610103197005050075');

--
-- Month boundaries are Asia/Shanghai midnights
--
-- the last second of 2026 and the first of 2027
SET temp_id.now = '2026-12-01 10:00:00+08';
SELECT * FROM temp_id.apply('resident_id_card', '42010619920303006X', '蒋五', point(114.3, 30.6));
SELECT * FROM temp_id.confirm_identity(:last_app, true);
SET temp_id.now = '2026-12-10 10:00:00+08';
SELECT * FROM temp_id.apply('resident_id_card', '42010619920303006X', '蒋五', point(114.3, 30.6));
SELECT * FROM temp_id.confirm_identity(:last_app, true);
SET temp_id.now = '2026-12-20 10:00:00+08';
SELECT * FROM temp_id.apply('resident_id_card', '42010619920303006X', '蒋五', point(114.3, 30.6));
SELECT * FROM temp_id.confirm_identity(:last_app, true);
SET temp_id.now = '2026-12-31 23:59:59+08';
SELECT * FROM temp_id.quota_status('42010619920303006X');
SELECT * FROM temp_id.apply('resident_id_card', '42010619920303006X', '蒋五', point(114.3, 30.6));
SET temp_id.now = '2027-01-01 00:00:00+08';
SELECT * FROM temp_id.quota_status('42010619920303006X');
SELECT * FROM temp_id.apply('resident_id_card', '42010619920303006X', '蒋五', point(114.3, 30.6));
SELECT * FROM temp_id.confirm_identity(:last_app, true);
-- 2026-01-31 16:00 UTC is already February in Asia/Shanghai (quota 1 here)
SET temp_id.monthly_quota = 1;
SET temp_id.now = '2026-01-30 12:00:00+08';
SELECT * FROM temp_id.apply('resident_id_card', '370202198808080052', '沈六', point(120.38, 36.07));
SELECT * FROM temp_id.confirm_identity(:last_app, true);
SET temp_id.now = '2026-01-31 15:59:59+00';
SELECT * FROM temp_id.quota_status('370202198808080052');
SELECT application_id, status, reason, retry_after,
       retry_after AT TIME ZONE 'UTC' AS retry_after_utc
  FROM temp_id.apply('resident_id_card', '370202198808080052', '沈六', point(120.38, 36.07));
SET temp_id.now = '2026-01-31 17:00:00+00';
SELECT * FROM temp_id.quota_status('370202198808080052');
SELECT * FROM temp_id.apply('resident_id_card', '370202198808080052', '沈六', point(120.38, 36.07));
SELECT * FROM temp_id.confirm_identity(:last_app, true);
SELECT id, valid_from, valid_from AT TIME ZONE 'UTC' AS valid_from_utc, issue_month
  FROM temp_id.certificates WHERE id_number::text = '370202198808080052' ORDER BY id;
-- the same instant is still January where temp_id.zone says so
SET temp_id.zone = 'UTC';
SELECT month, used, remaining FROM temp_id.quota_status('440305199002150020');
RESET temp_id.zone;
SELECT month, used, remaining FROM temp_id.quota_status('440305199002150020');
-- a leap day: 2028-02-29 23:59:59 is February, one second later is March
SET temp_id.now = '2028-02-28 12:00:00+08';
SELECT * FROM temp_id.apply('resident_id_card', '110105200002290080', '韩七', point(116.3975, 39.9087));
SELECT * FROM temp_id.confirm_identity(:last_app, true);
SET temp_id.now = '2028-02-29 23:59:59+08';
SELECT * FROM temp_id.quota_status('110105200002290080');
SELECT * FROM temp_id.apply('resident_id_card', '110105200002290080', '韩七', point(116.3975, 39.9087));
SET temp_id.now = '2028-03-01 00:00:00+08';
SELECT * FROM temp_id.quota_status('110105200002290080');
SELECT * FROM temp_id.apply('resident_id_card', '110105200002290080', '韩七', point(116.3975, 39.9087));
SELECT * FROM temp_id.confirm_identity(:last_app, true);
RESET temp_id.monthly_quota;
SELECT id, valid_from, valid_until, issue_month, temp_id.age(id_number, valid_from::date) AS age
  FROM temp_id.certificates WHERE id_number::text = '110105200002290080' ORDER BY id;

--
-- Every certificate lasts exactly validity (24 hours), whatever the calendar
--
SELECT count(*) AS certificates,
       count(*) FILTER (WHERE valid_until - valid_from = interval '24 hours'
                          AND extract(epoch FROM valid_until - valid_from) = 86400) AS exactly_24h
  FROM temp_id.certificates;

--
-- Refusals are recorded, so analysts can count them
--
SELECT status, reason, count(*) FROM temp_id.applications GROUP BY 1, 2 ORDER BY 1, 2;
SELECT count(*) FILTER (WHERE a.status = 'issued') AS issued_applications,
       (SELECT count(*) FROM temp_id.certificates) AS certificates,
       (SELECT count(*) FROM temp_id.qr_sessions WHERE opened_by = 'issue') AS issue_sessions,
       count(*) FILTER (WHERE a.status = 'issued' AND c.application_id = a.id
                          AND a.certificate_id = c.id) AS linked
  FROM temp_id.applications a LEFT JOIN temp_id.certificates c ON c.application_id = a.id;
SELECT count(*) AS undecided FROM temp_id.applications
 WHERE (status = 'pending_verification') <> (decided_at IS NULL);

--
-- The audit trail: one INSERT per row, one UPDATE per change, never a full
-- ID number, a full name, a location or a certificate secret
--
SELECT table_name, operation, old_status, new_status, count(*)
  FROM temp_id.audit GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4;
SELECT (SELECT count(*) FROM temp_id.applications) +
       (SELECT count(*) FROM temp_id.certificates) +
       (SELECT count(*) FROM temp_id.qr_sessions) AS audited_rows,
       count(*) FILTER (WHERE operation = 'INSERT') AS audit_inserts
  FROM temp_id.audit;
SELECT count(*) AS full_numbers FROM temp_id.audit
 WHERE changes::text LIKE '%11010519491231002X%';
SELECT count(*) AS full_numbers FROM temp_id.audit a
 WHERE EXISTS (SELECT FROM temp_id.applications p
                WHERE p.id_number IS NOT NULL
                  AND a.changes::text LIKE '%' || left(p.id_number::text, 17) || '%');
SELECT count(*) AS full_names FROM temp_id.audit a
 WHERE EXISTS (SELECT FROM temp_id.applications p
                WHERE a.changes::text LIKE '%' || p.full_name || '%');
SELECT count(*) FILTER (WHERE changes ? 'secret') AS with_secret,
       count(*) FILTER (WHERE changes ? 'location') AS with_location,
       count(*) FILTER (WHERE changes::text LIKE '%116.3975%') AS with_coordinates
  FROM temp_id.audit;
-- the rules' clock is recorded beside the wall clock
SELECT clock_at, table_name, row_id, operation FROM temp_id.audit
 WHERE table_name = 'applications' AND row_id = 46 ORDER BY id;

--
-- The audit trail and the scan log are append-only, even for a superuser
--
INSERT INTO temp_id.scans (scanned_at, checkpoint, station, gate, accepted, reason, certificate_id)
VALUES ('2026-03-10 09:00:00+08', 'station_entry', 'Beijing South', 'A3', true, 'ok', 1);
SELECT count(*) AS audit_rows FROM temp_id.audit \gset
UPDATE temp_id.audit SET changes = '{}' WHERE id = 1;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
DELETE FROM temp_id.audit WHERE id = 1;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
TRUNCATE temp_id.audit;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE temp_id.scans SET accepted = false;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
DELETE FROM temp_id.scans;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
TRUNCATE temp_id.scans;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT count(*) = :audit_rows AS audit_unchanged, (SELECT count(*) FROM temp_id.scans) AS scans
  FROM temp_id.audit;

--
-- Names that are blank or hold control characters in the Unicode sense too
--
SET temp_id.now = '2026-07-01 09:00:00+08';
SELECT count(*) AS applications_before FROM temp_id.applications;
-- a C1 control character (U+0085, NEXT LINE)
SELECT * FROM temp_id.apply('resident_id_card', '11010519491231002X', E'张\u0085三', point(1, 1));
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- only ideographic spaces (U+3000), as a Chinese input method types them
SELECT * FROM temp_id.apply('resident_id_card', '11010519491231002X', E'\u3000\u3000', point(1, 1));
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT count(*) AS applications_after FROM temp_id.applications;

--
-- The extension dropped and created again under a session that has already
-- called the API: the functions work on the new tables at once
--
SELECT count(*) AS issued FROM temp_id.certificates;
DROP EXTENSION temp_id CASCADE;
CREATE EXTENSION temp_id;
SET temp_id.now = '2026-03-10 08:00:00+08';
SELECT * FROM temp_id.apply('resident_id_card', '11010519491231002X', '张三',
                            point(116.3975, 39.9087));
SELECT * FROM temp_id.confirm_identity(1, true);
SELECT month, used, remaining, active_certificate_id FROM temp_id.quota_status('11010519491231002X');
SELECT count(*) AS issued FROM temp_id.certificates;
-- leave an empty extension behind
DROP EXTENSION temp_id CASCADE;
CREATE EXTENSION temp_id;

RESET temp_id.now;

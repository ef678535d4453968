-- temp_id demo: the whole flow on a throwaway cluster (run by test/quickstart).
\set ON_ERROR_STOP on
\pset footer off
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS temp_id CASCADE;
CREATE EXTENSION temp_id;
SET timezone = 'Asia/Shanghai';

\echo '== resident_id: parsed, described, stored in 8 bytes'
SELECT id::temp_id.resident_id AS id_number,
       temp_id.birth_date(id::temp_id.resident_id) AS born,
       temp_id.sex(id::temp_id.resident_id) AS sex,
       temp_id.region_code(id::temp_id.resident_id) AS region,
       temp_id.mask(id::temp_id.resident_id) AS masked,
       pg_column_size(id::temp_id.resident_id) AS bytes
FROM (VALUES ('11010519491231002x'), ('440308201602290018'), (' 310104201206150026 ')) v(id);
\echo '== a wrong check character is refused (SQLSTATE 22P02)'
\set ON_ERROR_STOP off
SELECT '110105194912310021'::temp_id.resident_id;
\set ON_ERROR_STOP on

\echo '== apply, then the real-person check passes: certificate issued'
SET temp_id.now = '2026-03-05 08:00:00+08';
SELECT * FROM temp_id.apply('resident_id_card', '11010519491231002X', '张三',
                            point(116.32, 39.89), 'acct-zhang') \gset app_
SELECT application_id, status, reason, certificate_id, valid_from, valid_until, session_id
FROM temp_id.confirm_identity(:app_application_id, true, 0.97, 'face-0001') \gset cert_
\echo certificate :cert_certificate_id valid :cert_valid_from to :cert_valid_until, QR session :cert_session_id
SELECT * FROM temp_id.quota_status('11010519491231002X');

\echo '== applying again with 24h left is refused, with the time the renewal window opens'
SELECT * FROM temp_id.apply('resident_id_card', '11010519491231002X', '张三',
                            point(116.32, 39.89), 'acct-zhang');

\echo '== the QR code on the phone (it rotates every 60 seconds)'
SET temp_id.now = '2026-03-05 08:05:00+08';
SELECT token, expires_at FROM temp_id.qr_code(:cert_session_id) \gset qr_
\echo token :qr_token expires :qr_expires_at
SELECT temp_id.qr_text(:'qr_token') AS qr \gset
\echo :qr

\echo '== scanned at the gate of Beijing South'
SELECT * FROM temp_id.verify_code(:'qr_token', 'station_entry', 'Beijing South', 'A3');
\echo '== the same code five minutes later is stale'
SET temp_id.now = '2026-03-05 08:10:00+08';
SELECT accepted, reason FROM temp_id.verify_code(:'qr_token', 'boarding', 'Beijing South', 'G12');

\echo '== the audit trail (written by triggers, masked)'
SELECT id, table_name, row_id, operation, old_status, new_status FROM temp_id.audit_trail ORDER BY id;

-- temp_id--1.0.sql: the install script (objects live in schema temp_id).
-- Sections: the resident_id type; settings-independent helpers; tables;
-- the audit trail; the API; privileges.

\echo Use "CREATE EXTENSION temp_id" to load this file. \quit

------------------------------------------------------------------------
-- The resident_id type: the 17 body digits as an int8 (the check
-- character is derived), so comparison and hashing reuse int8's functions.
------------------------------------------------------------------------

CREATE TYPE temp_id.resident_id;

-- STABLE, not IMMUTABLE: a birth date after today is refused, and today moves.
CREATE FUNCTION temp_id.resident_id_in(cstring) RETURNS temp_id.resident_id
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION temp_id.resident_id_out(temp_id.resident_id) RETURNS cstring
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION temp_id.resident_id_recv(internal) RETURNS temp_id.resident_id
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION temp_id.resident_id_send(temp_id.resident_id) RETURNS bytea
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE temp_id.resident_id (
	INPUT = temp_id.resident_id_in,
	OUTPUT = temp_id.resident_id_out,
	RECEIVE = temp_id.resident_id_recv,
	SEND = temp_id.resident_id_send,
	INTERNALLENGTH = 8,
	PASSEDBYVALUE,
	ALIGNMENT = double,
	STORAGE = plain
);
COMMENT ON TYPE temp_id.resident_id IS 'GB 11643-1999 citizen identity number, stored in 8 bytes';

CREATE FUNCTION temp_id.resident_id_eq(temp_id.resident_id, temp_id.resident_id) RETURNS bool
	AS 'int8eq' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION temp_id.resident_id_ne(temp_id.resident_id, temp_id.resident_id) RETURNS bool
	AS 'int8ne' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION temp_id.resident_id_lt(temp_id.resident_id, temp_id.resident_id) RETURNS bool
	AS 'int8lt' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION temp_id.resident_id_le(temp_id.resident_id, temp_id.resident_id) RETURNS bool
	AS 'int8le' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION temp_id.resident_id_gt(temp_id.resident_id, temp_id.resident_id) RETURNS bool
	AS 'int8gt' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION temp_id.resident_id_ge(temp_id.resident_id, temp_id.resident_id) RETURNS bool
	AS 'int8ge' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION temp_id.resident_id_cmp(temp_id.resident_id, temp_id.resident_id) RETURNS int4
	AS 'btint8cmp' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION temp_id.resident_id_sortsupport(internal) RETURNS void
	AS 'btint8sortsupport' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION temp_id.resident_id_hash(temp_id.resident_id) RETURNS int4
	AS 'hashint8' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION temp_id.resident_id_hash_extended(temp_id.resident_id, int8) RETURNS int8
	AS 'hashint8extended' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE OPERATOR temp_id.= (
	LEFTARG = temp_id.resident_id, RIGHTARG = temp_id.resident_id,
	FUNCTION = temp_id.resident_id_eq, COMMUTATOR = OPERATOR(temp_id.=),
	NEGATOR = OPERATOR(temp_id.<>), RESTRICT = eqsel, JOIN = eqjoinsel,
	HASHES, MERGES);
CREATE OPERATOR temp_id.<> (
	LEFTARG = temp_id.resident_id, RIGHTARG = temp_id.resident_id,
	FUNCTION = temp_id.resident_id_ne, COMMUTATOR = OPERATOR(temp_id.<>),
	NEGATOR = OPERATOR(temp_id.=), RESTRICT = neqsel, JOIN = neqjoinsel);
CREATE OPERATOR temp_id.< (
	LEFTARG = temp_id.resident_id, RIGHTARG = temp_id.resident_id,
	FUNCTION = temp_id.resident_id_lt, COMMUTATOR = OPERATOR(temp_id.>),
	NEGATOR = OPERATOR(temp_id.>=), RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
CREATE OPERATOR temp_id.<= (
	LEFTARG = temp_id.resident_id, RIGHTARG = temp_id.resident_id,
	FUNCTION = temp_id.resident_id_le, COMMUTATOR = OPERATOR(temp_id.>=),
	NEGATOR = OPERATOR(temp_id.>), RESTRICT = scalarlesel, JOIN = scalarlejoinsel);
CREATE OPERATOR temp_id.> (
	LEFTARG = temp_id.resident_id, RIGHTARG = temp_id.resident_id,
	FUNCTION = temp_id.resident_id_gt, COMMUTATOR = OPERATOR(temp_id.<),
	NEGATOR = OPERATOR(temp_id.<=), RESTRICT = scalargtsel, JOIN = scalargtjoinsel);
CREATE OPERATOR temp_id.>= (
	LEFTARG = temp_id.resident_id, RIGHTARG = temp_id.resident_id,
	FUNCTION = temp_id.resident_id_ge, COMMUTATOR = OPERATOR(temp_id.<=),
	NEGATOR = OPERATOR(temp_id.<), RESTRICT = scalargesel, JOIN = scalargejoinsel);

CREATE OPERATOR CLASS temp_id.resident_id_ops
	DEFAULT FOR TYPE temp_id.resident_id USING btree AS
	OPERATOR 1 temp_id.<,
	OPERATOR 2 temp_id.<=,
	OPERATOR 3 temp_id.=,
	OPERATOR 4 temp_id.>=,
	OPERATOR 5 temp_id.>,
	FUNCTION 1 temp_id.resident_id_cmp(temp_id.resident_id, temp_id.resident_id),
	FUNCTION 2 temp_id.resident_id_sortsupport(internal),
	FUNCTION 4 pg_catalog.btequalimage(oid);

CREATE OPERATOR CLASS temp_id.resident_id_hash_ops
	DEFAULT FOR TYPE temp_id.resident_id USING hash AS
	OPERATOR 1 temp_id.=,
	FUNCTION 1 temp_id.resident_id_hash(temp_id.resident_id),
	FUNCTION 2 temp_id.resident_id_hash_extended(temp_id.resident_id, int8);

CREATE CAST (text AS temp_id.resident_id) WITH INOUT AS ASSIGNMENT;
CREATE CAST (temp_id.resident_id AS text) WITH INOUT AS ASSIGNMENT;

CREATE FUNCTION temp_id.resident_id_from_legacy(text) RETURNS temp_id.resident_id
	AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION temp_id.birth_date(temp_id.resident_id) RETURNS date
	AS 'MODULE_PATHNAME', 'resident_id_birth_date' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION temp_id.sex(temp_id.resident_id) RETURNS text
	AS 'MODULE_PATHNAME', 'resident_id_sex' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION temp_id.region_code(temp_id.resident_id) RETURNS text
	AS 'MODULE_PATHNAME', 'resident_id_region_code' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION temp_id.age(temp_id.resident_id, at date DEFAULT current_date) RETURNS int
	AS 'MODULE_PATHNAME', 'resident_id_age' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION temp_id.mask(temp_id.resident_id) RETURNS text
	AS 'MODULE_PATHNAME', 'resident_id_mask' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION temp_id.mask_name(text) RETURNS text
	AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

------------------------------------------------------------------------
-- Enums and tables.  Every table and sequence is registered with
-- pg_extension_config_dump, so pg_dump keeps its rows.
------------------------------------------------------------------------

CREATE TYPE temp_id.document_type AS ENUM (
	'resident_id_card', 'passport', 'hk_macao_pass', 'taiwan_pass',
	'foreign_permanent_residence', 'residence_permit');
CREATE TYPE temp_id.checkpoint AS ENUM (
	'ticket_purchase', 'real_name_check', 'station_entry', 'boarding');
-- States and reasons are enums rather than text with CHECK lists: the same
-- guarantee, without re-compiling CHECK expressions on every statement.
CREATE TYPE temp_id.application_status AS ENUM (
	'pending_verification', 'issued', 'rejected', 'refused');
CREATE TYPE temp_id.refusal_reason AS ENUM (
	'unsupported_document', 'location_required', 'monthly_quota_exhausted',
	'active_certificate', 'verification_timeout', 'identity_check_failed');
CREATE TYPE temp_id.certificate_status AS ENUM ('issued', 'revoked');
CREATE TYPE temp_id.session_opening AS ENUM (
	'issue', 'page_timeout', 'page_reopened', 'relogin');

CREATE SEQUENCE temp_id.applications_id_seq;
CREATE TABLE temp_id.applications (
	id				bigint PRIMARY KEY DEFAULT nextval('temp_id.applications_id_seq'),
	applied_at		timestamptz NOT NULL,
	document_type	temp_id.document_type NOT NULL,
	id_number		temp_id.resident_id,	-- only for resident ID cards
	full_name		text NOT NULL,
	location		point,
	account_id		text,
	status			temp_id.application_status NOT NULL,
	reason			temp_id.refusal_reason,
	retry_after		timestamptz,
	decided_at		timestamptz,
	certificate_id	bigint,
	score			real,
	provider_ref	text
);
ALTER SEQUENCE temp_id.applications_id_seq OWNED BY temp_id.applications.id;
CREATE INDEX applications_id_number_idx ON temp_id.applications (id_number, applied_at);
CREATE INDEX applications_account_idx ON temp_id.applications (account_id, applied_at)
	WHERE account_id IS NOT NULL;
CREATE INDEX applications_applied_at_idx ON temp_id.applications (applied_at);

-- One row per person: the lock every issuing decision takes, and the
-- month's count and latest validity end that decision reads.
CREATE TABLE temp_id.holders (
	id_number				temp_id.resident_id PRIMARY KEY,
	quota_month				date NOT NULL,
	quota_used				int NOT NULL,
	active_certificate_id	bigint,
	active_until			timestamptz
);

CREATE SEQUENCE temp_id.certificates_id_seq;
CREATE TABLE temp_id.certificates (
	id				bigint PRIMARY KEY DEFAULT nextval('temp_id.certificates_id_seq'),
	application_id	bigint NOT NULL UNIQUE REFERENCES temp_id.applications,
	id_number		temp_id.resident_id NOT NULL,
	holder_name		text NOT NULL,
	account_id		text,
	valid_from		timestamptz NOT NULL,
	valid_until		timestamptz NOT NULL,
	issue_month		date NOT NULL,
	minor			boolean NOT NULL,
	status			temp_id.certificate_status NOT NULL DEFAULT 'issued',
	revoked_at		timestamptz,
	revoke_reason	text,
	secret			bytea NOT NULL	-- 32-byte token key; never shown
);
ALTER SEQUENCE temp_id.certificates_id_seq OWNED BY temp_id.certificates.id;
CREATE INDEX certificates_id_number_idx ON temp_id.certificates (id_number, valid_until);
CREATE INDEX certificates_valid_from_idx ON temp_id.certificates (valid_from);

CREATE SEQUENCE temp_id.qr_sessions_id_seq;
CREATE TABLE temp_id.qr_sessions (
	id				bigint PRIMARY KEY DEFAULT nextval('temp_id.qr_sessions_id_seq'),
	certificate_id	bigint NOT NULL REFERENCES temp_id.certificates,
	opened_at		timestamptz NOT NULL,
	expires_at		timestamptz NOT NULL,
	opened_by		temp_id.session_opening NOT NULL,
	passed			boolean NOT NULL,
	score			real,
	provider_ref	text
);
ALTER SEQUENCE temp_id.qr_sessions_id_seq OWNED BY temp_id.qr_sessions.id;
CREATE INDEX qr_sessions_certificate_idx ON temp_id.qr_sessions (certificate_id);
CREATE INDEX qr_sessions_opened_at_idx ON temp_id.qr_sessions (opened_at);

-- The scan log: written by verify_code for every call, append-only.
CREATE TABLE temp_id.scans (
	scanned_at		timestamptz NOT NULL,
	checkpoint		temp_id.checkpoint NOT NULL,
	station			text,
	gate			text,
	accepted		boolean NOT NULL,
	reason			text NOT NULL,
	certificate_id	bigint
);
CREATE INDEX scans_station_idx ON temp_id.scans (station, scanned_at);
-- btree, not BRIN: daily_summary asks for min/max, which BRIN cannot answer
CREATE INDEX scans_scanned_at_idx ON temp_id.scans (scanned_at);

CREATE SEQUENCE temp_id.audit_id_seq;
CREATE TABLE temp_id.audit (
	id				bigint PRIMARY KEY DEFAULT nextval('temp_id.audit_id_seq'),
	clock_at		timestamptz NOT NULL,	-- the rules' clock (temp_id.now)
	real_at			timestamptz NOT NULL,	-- the wall clock
	table_name		text NOT NULL,
	row_id			bigint,
	operation		text NOT NULL,
	old_status		text,
	new_status		text,
	db_role			text NOT NULL,
	app_account		text,
	txid			bigint NOT NULL,
	changes			jsonb
);
ALTER SEQUENCE temp_id.audit_id_seq OWNED BY temp_id.audit.id;
CREATE INDEX audit_row_idx ON temp_id.audit (table_name, row_id);
CREATE INDEX audit_real_at_idx ON temp_id.audit (real_at);

SELECT pg_catalog.pg_extension_config_dump('temp_id.applications', '');
SELECT pg_catalog.pg_extension_config_dump('temp_id.applications_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('temp_id.holders', '');
SELECT pg_catalog.pg_extension_config_dump('temp_id.certificates', '');
SELECT pg_catalog.pg_extension_config_dump('temp_id.certificates_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('temp_id.qr_sessions', '');
SELECT pg_catalog.pg_extension_config_dump('temp_id.qr_sessions_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('temp_id.scans', '');
SELECT pg_catalog.pg_extension_config_dump('temp_id.audit', '');
SELECT pg_catalog.pg_extension_config_dump('temp_id.audit_id_seq', '');

------------------------------------------------------------------------
-- The audit trail (src/audit.c).  Trigger arguments: the status column,
-- then the columns never recorded.
------------------------------------------------------------------------

CREATE FUNCTION temp_id.audit_row() RETURNS trigger
	AS 'MODULE_PATHNAME' LANGUAGE C;
CREATE FUNCTION temp_id.append_only() RETURNS trigger
	AS 'MODULE_PATHNAME' LANGUAGE C;

CREATE TRIGGER audit AFTER INSERT OR UPDATE ON temp_id.applications
	FOR EACH ROW EXECUTE FUNCTION temp_id.audit_row('status', 'location');
CREATE TRIGGER audit AFTER INSERT OR UPDATE ON temp_id.certificates
	FOR EACH ROW EXECUTE FUNCTION temp_id.audit_row('status', 'secret');
CREATE TRIGGER audit AFTER INSERT OR UPDATE ON temp_id.qr_sessions
	FOR EACH ROW EXECUTE FUNCTION temp_id.audit_row('');

CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON temp_id.audit
	FOR EACH ROW EXECUTE FUNCTION temp_id.append_only();
CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON temp_id.audit
	FOR EACH STATEMENT EXECUTE FUNCTION temp_id.append_only();
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON temp_id.scans
	FOR EACH ROW EXECUTE FUNCTION temp_id.append_only();
CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON temp_id.scans
	FOR EACH STATEMENT EXECUTE FUNCTION temp_id.append_only();

------------------------------------------------------------------------
-- The API (src/lifecycle.c).  SECURITY DEFINER with search_path pinned:
-- the app role may call these but may not touch the tables.
------------------------------------------------------------------------

CREATE FUNCTION temp_id.clock() RETURNS timestamptz
	AS 'MODULE_PATHNAME', 'tid_clock_sql' LANGUAGE C VOLATILE PARALLEL SAFE;
COMMENT ON FUNCTION temp_id.clock() IS 'the instant every rule uses: temp_id.now, or the real clock';

CREATE FUNCTION temp_id.apply(document_type temp_id.document_type, id_number text,
		full_name text, location point, account_id text DEFAULT NULL)
	RETURNS TABLE (application_id bigint, status text, reason text, retry_after timestamptz)
	AS 'MODULE_PATHNAME', 'tid_apply' LANGUAGE C VOLATILE
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION temp_id.confirm_identity(application_id bigint, passed boolean,
		score real DEFAULT NULL, provider_ref text DEFAULT NULL)
	RETURNS TABLE (application_id bigint, status text, reason text, certificate_id bigint,
				   valid_from timestamptz, valid_until timestamptz, session_id bigint)
	AS 'MODULE_PATHNAME', 'tid_confirm_identity' LANGUAGE C VOLATILE
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION temp_id.revoke(certificate_id bigint, reason text) RETURNS boolean
	AS 'MODULE_PATHNAME', 'tid_revoke' LANGUAGE C VOLATILE
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION temp_id.quota_status(id_number text)
	RETURNS TABLE (month date, used int, remaining int, active_certificate_id bigint,
				   active_until timestamptz, next_apply_at timestamptz)
	AS 'MODULE_PATHNAME', 'tid_quota_status' LANGUAGE C VOLATILE
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

------------------------------------------------------------------------
-- QR sessions and tokens (src/token.c, src/scan.c).  verify_code is not
-- SECURITY DEFINER: it reads and writes through the access methods, which
-- check no table privileges and resolve nothing through search_path.
------------------------------------------------------------------------

CREATE FUNCTION temp_id.reverify(certificate_id bigint, passed boolean, reason text,
		score real DEFAULT NULL, provider_ref text DEFAULT NULL) RETURNS bigint
	AS 'MODULE_PATHNAME', 'tid_reverify' LANGUAGE C VOLATILE
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION temp_id.qr_code(session_id bigint)
	RETURNS TABLE (token text, expires_at timestamptz, session_expires_at timestamptz)
	AS 'MODULE_PATHNAME', 'tid_qr_code' LANGUAGE C VOLATILE STRICT
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION temp_id.verify_code(token text, checkpoint temp_id.checkpoint,
		station text DEFAULT NULL, gate text DEFAULT NULL)
	RETURNS TABLE (accepted boolean, reason text, certificate_id bigint, holder_name text,
				   id_number text, valid_until timestamptz)
	AS 'MODULE_PATHNAME', 'tid_verify_code' LANGUAGE C VOLATILE ROWS 1;

------------------------------------------------------------------------
-- QR rendering (src/qr.c): a token as an SVG document, a PNG file or
-- half-block text for a terminal, at error correction level M with the
-- 4-module quiet zone.  Not STRICT: a NULL argument raises 22004, an
-- empty or too long token or a module_px outside 1..64 raises 22023.
------------------------------------------------------------------------

CREATE FUNCTION temp_id.qr_svg(token text, module_px int DEFAULT 4) RETURNS text
	AS 'MODULE_PATHNAME', 'qr_svg' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION temp_id.qr_svg(text, int) IS 'QR code of token as an SVG document, module_px pixels per module';
CREATE FUNCTION temp_id.qr_png(token text, module_px int DEFAULT 4) RETURNS bytea
	AS 'MODULE_PATHNAME', 'qr_png' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION temp_id.qr_png(text, int) IS 'QR code of token as a 1-bit grayscale PNG file, module_px pixels per module';
CREATE FUNCTION temp_id.qr_text(token text) RETURNS text
	AS 'MODULE_PATHNAME', 'qr_text' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION temp_id.qr_text(text) IS 'QR code of token in Unicode half blocks, for dark text on a light terminal background';
CREATE FUNCTION temp_id.qr_version(token text) RETURNS int
	AS 'MODULE_PATHNAME', 'qr_version' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION temp_id.qr_version(text) IS 'QR version (1-40) that token needs at error correction level M';

------------------------------------------------------------------------
-- History: the passenger's own history, the analysts' views (masked,
-- never secrets) and retention (src/purge.c).
------------------------------------------------------------------------

CREATE FUNCTION temp_id.account_history(account_id text)
	RETURNS TABLE (application_id bigint, applied_at timestamptz, status text, reason text,
				   certificate_id bigint, valid_from timestamptz, valid_until timestamptz,
				   holder_name text, id_number text)
	LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	SELECT a.id, a.applied_at, a.status::text, a.reason::text, a.certificate_id,
		   c.valid_from, c.valid_until,
		   temp_id.mask_name(a.full_name), temp_id.mask(a.id_number)
	FROM temp_id.applications a
	LEFT JOIN temp_id.certificates c ON c.id = a.certificate_id
	WHERE a.account_id = account_history.account_id
	  -- the setting may not exist before the module loads: default as it does;
	  -- clock() in a sub-select is computed once, so the bounds are index conditions
	  AND a.applied_at > (SELECT temp_id.clock()) -
			coalesce(current_setting('temp_id.history_window', true), '1 month')::interval
	  AND a.applied_at <= (SELECT temp_id.clock())
	ORDER BY a.applied_at DESC, a.id DESC;
END;

CREATE VIEW temp_id.application_log AS
SELECT a.id AS application_id, a.applied_at, a.document_type,
	   temp_id.mask(a.id_number) AS id_number,
	   temp_id.mask_name(a.full_name) AS holder_name,
	   a.account_id IS NOT NULL AS registered,
	   a.location IS NOT NULL AS location_given,
	   a.status, a.reason, a.retry_after, a.decided_at, a.score,
	   a.certificate_id, c.valid_from, c.valid_until, c.minor,
	   c.status AS certificate_status, c.revoked_at
FROM temp_id.applications a
LEFT JOIN temp_id.certificates c ON c.id = a.certificate_id;

CREATE VIEW temp_id.scan_log AS
SELECT scanned_at, checkpoint, station, gate, accepted, reason, certificate_id
FROM temp_id.scans;

CREATE VIEW temp_id.audit_trail AS
SELECT id, clock_at, real_at, table_name, row_id, operation, old_status, new_status,
	   db_role, app_account, txid, changes
FROM temp_id.audit;

-- One row per day in temp_id.zone, from the first day with data to the last.
-- Each count is a range scan over that day, so asking for one day reads one
-- day.  Applications count on the day they were made, whatever their fate.
CREATE VIEW temp_id.daily_summary AS
WITH zone AS (
	SELECT coalesce(current_setting('temp_id.zone', true), 'Asia/Shanghai') AS name
), days AS (
	SELECT g::date AS day,
		   (g::date::timestamp AT TIME ZONE zone.name) AS day_start,
		   ((g::date + 1)::timestamp AT TIME ZONE zone.name) AS day_end
	FROM zone, generate_series(
		(SELECT least((SELECT min(applied_at) FROM temp_id.applications),
					  (SELECT min(opened_at) FROM temp_id.qr_sessions),
					  (SELECT min(scanned_at) FROM temp_id.scans)) AT TIME ZONE zone.name)::date,
		(SELECT greatest((SELECT max(applied_at) FROM temp_id.applications),
						 (SELECT max(opened_at) FROM temp_id.qr_sessions),
						 (SELECT max(scanned_at) FROM temp_id.scans)) AT TIME ZONE zone.name)::date,
		interval '1 day') g
)
SELECT d.day, a.applications, a.issued, a.rejected,
	   a.refused_unsupported_document, a.refused_location_required,
	   a.refused_monthly_quota_exhausted, a.refused_active_certificate,
	   a.refused_verification_timeout, a.pending, a.minors_issued,
	   r.reverifications, r.reverifications_failed,
	   s.scans_accepted, s.scans_rejected,
	   s.rejected_malformed, s.rejected_bad_signature, s.rejected_stale_code,
	   s.rejected_future_code, s.rejected_unknown_certificate,
	   s.rejected_certificate_expired, s.rejected_certificate_revoked
FROM days d,
LATERAL (
	SELECT count(*) AS applications,
		   count(*) FILTER (WHERE x.status = 'issued') AS issued,
		   count(*) FILTER (WHERE x.status = 'rejected') AS rejected,
		   count(*) FILTER (WHERE x.reason = 'unsupported_document') AS refused_unsupported_document,
		   count(*) FILTER (WHERE x.reason = 'location_required') AS refused_location_required,
		   count(*) FILTER (WHERE x.reason = 'monthly_quota_exhausted') AS refused_monthly_quota_exhausted,
		   count(*) FILTER (WHERE x.reason = 'active_certificate') AS refused_active_certificate,
		   count(*) FILTER (WHERE x.reason = 'verification_timeout') AS refused_verification_timeout,
		   count(*) FILTER (WHERE x.status = 'pending_verification') AS pending,
		   count(*) FILTER (WHERE x.status = 'issued' AND EXISTS (
				SELECT 1 FROM temp_id.certificates c
				WHERE c.id = x.certificate_id AND c.minor)) AS minors_issued
	FROM temp_id.applications x
	WHERE x.applied_at >= d.day_start AND x.applied_at < d.day_end) a,
LATERAL (
	SELECT count(*) FILTER (WHERE q.passed) AS reverifications,
		   count(*) FILTER (WHERE NOT q.passed) AS reverifications_failed
	FROM temp_id.qr_sessions q
	WHERE q.opened_at >= d.day_start AND q.opened_at < d.day_end
	  AND q.opened_by <> 'issue') r,
LATERAL (
	SELECT count(*) FILTER (WHERE v.accepted) AS scans_accepted,
		   count(*) FILTER (WHERE NOT v.accepted) AS scans_rejected,
		   count(*) FILTER (WHERE v.reason = 'malformed') AS rejected_malformed,
		   count(*) FILTER (WHERE v.reason = 'bad_signature') AS rejected_bad_signature,
		   count(*) FILTER (WHERE v.reason = 'stale_code') AS rejected_stale_code,
		   count(*) FILTER (WHERE v.reason = 'future_code') AS rejected_future_code,
		   count(*) FILTER (WHERE v.reason = 'unknown_certificate') AS rejected_unknown_certificate,
		   count(*) FILTER (WHERE v.reason = 'certificate_expired') AS rejected_certificate_expired,
		   count(*) FILTER (WHERE v.reason = 'certificate_revoked') AS rejected_certificate_revoked
	FROM temp_id.scans v
	WHERE v.scanned_at >= d.day_start AND v.scanned_at < d.day_end) s;

CREATE FUNCTION temp_id.purge(older_than interval)
	RETURNS TABLE (table_name text, removed bigint)
	AS 'MODULE_PATHNAME', 'tid_purge' LANGUAGE C VOLATILE;

------------------------------------------------------------------------
-- Privileges.  PUBLIC gets nothing; grant_app and grant_analyst hand out
-- exactly what each kind of role needs.
------------------------------------------------------------------------

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA temp_id FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA temp_id FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA temp_id FROM PUBLIC;
REVOKE ALL ON TYPE temp_id.resident_id, temp_id.document_type, temp_id.checkpoint,
	temp_id.application_status, temp_id.refusal_reason, temp_id.certificate_status,
	temp_id.session_opening FROM PUBLIC;

CREATE FUNCTION temp_id.grant_app(role regrole) RETURNS void
	LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	EXECUTE format('GRANT USAGE ON SCHEMA temp_id TO %s', role);
	EXECUTE format('GRANT USAGE ON TYPE temp_id.resident_id, temp_id.document_type,'
				   ' temp_id.checkpoint TO %s', role);
	EXECUTE format('GRANT EXECUTE ON FUNCTION'
		' temp_id.apply(temp_id.document_type, text, text, point, text),'
		' temp_id.confirm_identity(bigint, boolean, real, text),'
		' temp_id.reverify(bigint, boolean, text, real, text),'
		' temp_id.qr_code(bigint),'
		' temp_id.verify_code(text, temp_id.checkpoint, text, text),'
		' temp_id.revoke(bigint, text),'
		' temp_id.quota_status(text),'
		' temp_id.account_history(text),'
		' temp_id.qr_svg(text, int), temp_id.qr_png(text, int), temp_id.qr_text(text)'
		' TO %s', role);
END
$$;
COMMENT ON FUNCTION temp_id.grant_app(regrole) IS 'grant an application role the API functions, and no table';

CREATE FUNCTION temp_id.grant_analyst(role regrole) RETURNS void
	LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	EXECUTE format('GRANT USAGE ON SCHEMA temp_id TO %s', role);
	EXECUTE format('GRANT USAGE ON TYPE temp_id.resident_id, temp_id.document_type,'
				   ' temp_id.checkpoint TO %s', role);
	EXECUTE format('GRANT SELECT ON temp_id.application_log, temp_id.scan_log,'
				   ' temp_id.audit_trail, temp_id.daily_summary TO %s', role);
	-- the views call the masking functions as the reader
	EXECUTE format('GRANT EXECUTE ON FUNCTION temp_id.mask(temp_id.resident_id),'
				   ' temp_id.mask_name(text) TO %s', role);
END
$$;
COMMENT ON FUNCTION temp_id.grant_analyst(regrole) IS 'grant an analyst role read access to the history views only';

REVOKE ALL ON FUNCTION temp_id.grant_app(regrole), temp_id.grant_analyst(regrole) FROM PUBLIC;

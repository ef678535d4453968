-- lifecycle_plpgsql.sql: the comparison point for test/bench/lifecycle.sh.
--
-- apply() and confirm_identity() with the same rules as temp_id's C
-- implementation, written the way a careful PL/pgSQL developer would:
-- the same tables, indexes, foreign keys and CHECKs; an audit trigger that
-- records every insert and update with masked personal fields and no
-- secrets; the same SECURITY DEFINER + pinned search_path contract; the
-- person serialised in confirm_identity with pg_advisory_xact_lock; and
-- the hot paths kept to one statement each (a single-expression check
-- digit, one index probe for quota and active certificate, one statement
-- for the audit record's JSON).  Needs pgcrypto in schema public.
--
-- Rules (defaults as temp_id's; override with plimpl.* custom settings):
-- resident ID cards only (not 81/82/83 residence permits), a location is
-- required, monthly_quota issues per person per natural month in zone,
-- a new certificate only within renewal_window of the active one's end,
-- pending_ttl between apply and confirm, certificates valid for validity.
--
-- Concurrency: confirm_identity takes the person's advisory lock before
-- it counts; under READ COMMITTED the next statement's snapshot then sees
-- every issue committed before the lock was granted.  (Under REPEATABLE
-- READ this design would need a retry; the benchmark runs READ COMMITTED.)

SET client_min_messages = warning;
DROP SCHEMA IF EXISTS plimpl CASCADE;
CREATE SCHEMA plimpl;

CREATE TYPE plimpl.document_type AS ENUM (
	'resident_id_card', 'passport', 'hk_macao_pass', 'taiwan_pass',
	'foreign_permanent_residence', 'residence_permit');

CREATE TABLE plimpl.applications (
	id				bigserial PRIMARY KEY,
	applied_at		timestamptz NOT NULL,
	document_type	plimpl.document_type NOT NULL,
	id_number		text COLLATE "C",		-- only for resident ID cards
	full_name		text NOT NULL,
	location		point,
	account_id		text,
	status			text NOT NULL CHECK (status IN
						('pending_verification', 'issued', 'rejected', 'refused')),
	reason			text CHECK (reason IN
						('unsupported_document', 'location_required',
						 'monthly_quota_exhausted', 'active_certificate',
						 'verification_timeout', 'identity_check_failed')),
	retry_after		timestamptz,
	decided_at		timestamptz,
	certificate_id	bigint,
	score			real,
	provider_ref	text
);
CREATE INDEX ON plimpl.applications (id_number, applied_at);
CREATE INDEX ON plimpl.applications (account_id, applied_at) WHERE account_id IS NOT NULL;
CREATE INDEX ON plimpl.applications (applied_at);

CREATE TABLE plimpl.certificates (
	id				bigserial PRIMARY KEY,
	application_id	bigint NOT NULL UNIQUE REFERENCES plimpl.applications,
	id_number		text COLLATE "C" NOT NULL,
	holder_name		text NOT NULL,
	account_id		text,
	valid_from		timestamptz NOT NULL,
	valid_until		timestamptz NOT NULL,
	issue_month		date NOT NULL,
	minor			boolean NOT NULL,
	status			text NOT NULL DEFAULT 'issued' CHECK (status IN ('issued', 'revoked')),
	revoked_at		timestamptz,
	revoke_reason	text,
	secret			bytea NOT NULL CHECK (length(secret) = 32)
);
-- the quota and active-certificate probe: one person's rows
CREATE INDEX ON plimpl.certificates (id_number, valid_until);
CREATE INDEX ON plimpl.certificates (valid_from);

CREATE TABLE plimpl.qr_sessions (
	id				bigserial PRIMARY KEY,
	certificate_id	bigint NOT NULL REFERENCES plimpl.certificates,
	opened_at		timestamptz NOT NULL,
	expires_at		timestamptz NOT NULL,
	opened_by		text NOT NULL CHECK (opened_by IN
						('issue', 'page_timeout', 'page_reopened', 'relogin')),
	passed			boolean NOT NULL,
	score			real,
	provider_ref	text
);
CREATE INDEX ON plimpl.qr_sessions (certificate_id);
CREATE INDEX ON plimpl.qr_sessions (opened_at);

CREATE TABLE plimpl.audit (
	id				bigserial PRIMARY KEY,
	clock_at		timestamptz NOT NULL,
	real_at			timestamptz NOT NULL,
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
CREATE INDEX ON plimpl.audit (table_name, row_id);
CREATE INDEX ON plimpl.audit (real_at);

------------------------------------------------------------------------
-- Helpers
------------------------------------------------------------------------

-- The rules' clock: plimpl.now when set, else the wall clock.
CREATE FUNCTION plimpl.clock() RETURNS timestamptz
LANGUAGE sql VOLATILE AS $$
	SELECT coalesce(nullif(current_setting('plimpl.now', true), '')::timestamptz,
					clock_timestamp())
$$;

CREATE FUNCTION plimpl.zone() RETURNS text
LANGUAGE sql STABLE AS $$
	SELECT coalesce(nullif(current_setting('plimpl.zone', true), ''), 'Asia/Shanghai')
$$;

CREATE FUNCTION plimpl.mask_id(text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT left($1, 6) || '********' || right($1, 4) $$;

CREATE FUNCTION plimpl.mask_name(text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$
	SELECT left($1, 1) || repeat('*', greatest(char_length($1) - 1, 0))
$$;

-- GB 11643-1999 number: validated and normalised (upper-case X), or 22P02.
CREATE FUNCTION plimpl.parse_resident_id(s text, today date) RETURNS text
LANGUAGE plpgsql STABLE STRICT AS $$
DECLARE
	t text := upper(btrim(s));
	p int;
	y int;
	m int;
	d int;
	mdays int;
	born date;
	sum int;
BEGIN
	IF t ~ '^[0-9]{15}$' THEN
		RAISE EXCEPTION 'a 15-digit first-generation number is not accepted'
			USING ERRCODE = '22P02',
				  HINT = 'Convert it with temp_id.resident_id_from_legacy(text).';
	END IF;
	IF length(t) <> 18 THEN
		RAISE EXCEPTION 'invalid resident ID number: wrong length' USING ERRCODE = '22P02';
	END IF;
	IF t !~ '^[0-9]{17}[0-9X]$' THEN
		RAISE EXCEPTION 'invalid resident ID number: wrong characters' USING ERRCODE = '22P02';
	END IF;
	p := substr(t, 1, 2)::int;
	IF NOT (p BETWEEN 11 AND 15 OR p BETWEEN 21 AND 23 OR p BETWEEN 31 AND 37
			OR p BETWEEN 41 AND 46 OR p BETWEEN 50 AND 54 OR p BETWEEN 61 AND 65
			OR p IN (71, 81, 82, 83)) THEN
		RAISE EXCEPTION 'invalid resident ID number: no such province code' USING ERRCODE = '22P02';
	END IF;
	y := substr(t, 7, 4)::int;
	m := substr(t, 11, 2)::int;
	d := substr(t, 13, 2)::int;
	mdays := CASE WHEN m = 2 THEN
				 CASE WHEN y % 4 = 0 AND (y % 100 <> 0 OR y % 400 = 0) THEN 29 ELSE 28 END
				 WHEN m IN (4, 6, 9, 11) THEN 30 ELSE 31 END;
	IF y < 1 OR m NOT BETWEEN 1 AND 12 OR d NOT BETWEEN 1 AND mdays THEN
		RAISE EXCEPTION 'invalid resident ID number: birth date is not a calendar date' USING ERRCODE = '22P02';
	END IF;
	born := make_date(y, m, d);
	IF born < date '1900-01-01' THEN
		RAISE EXCEPTION 'invalid resident ID number: birth date before 1900-01-01' USING ERRCODE = '22P02';
	END IF;
	IF born > today THEN
		RAISE EXCEPTION 'invalid resident ID number: birth date in the future' USING ERRCODE = '22P02';
	END IF;
	-- ISO 7064 MOD 11-2, in one expression
	sum := (substr(t, 1, 1)::int * 7 + substr(t, 2, 1)::int * 9 + substr(t, 3, 1)::int * 10
			+ substr(t, 4, 1)::int * 5 + substr(t, 5, 1)::int * 8 + substr(t, 6, 1)::int * 4
			+ substr(t, 7, 1)::int * 2 + substr(t, 8, 1)::int * 1 + substr(t, 9, 1)::int * 6
			+ substr(t, 10, 1)::int * 3 + substr(t, 11, 1)::int * 7 + substr(t, 12, 1)::int * 9
			+ substr(t, 13, 1)::int * 10 + substr(t, 14, 1)::int * 5 + substr(t, 15, 1)::int * 8
			+ substr(t, 16, 1)::int * 4 + substr(t, 17, 1)::int * 2);
	IF substr('10X98765432', sum % 11 + 1, 1) <> substr(t, 18, 1) THEN
		RAISE EXCEPTION 'invalid resident ID number: wrong check character' USING ERRCODE = '22P02';
	END IF;
	RETURN t;
END
$$;

-- The quota and renewal rules on one person at one instant.
CREATE FUNCTION plimpl.decide(p_id text, p_now timestamptz,
							  OUT reason text, OUT retry_after timestamptz)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_zone text := plimpl.zone();
	v_month date := date_trunc('month', p_now AT TIME ZONE v_zone)::date;
	v_quota int := coalesce(nullif(current_setting('plimpl.monthly_quota', true), '')::int, 3);
	v_window interval := coalesce(nullif(current_setting('plimpl.renewal_window', true), '')::interval,
								  interval '3 hours');
	v_used int;
	v_active_until timestamptz;
	v_opens timestamptz;
BEGIN
	-- one index probe: this month's issues (revoked ones count too) and
	-- the latest still-valid certificate
	SELECT count(*) FILTER (WHERE c.issue_month = v_month),
		   max(c.valid_until) FILTER (WHERE c.status = 'issued' AND c.valid_until > p_now)
	  INTO v_used, v_active_until
	  FROM plimpl.certificates c
	 WHERE c.id_number = p_id
	   AND (c.issue_month = v_month OR c.valid_until > p_now);
	v_opens := CASE WHEN v_active_until IS NULL THEN p_now ELSE v_active_until - v_window END;
	IF v_used >= v_quota THEN
		reason := 'monthly_quota_exhausted';
		retry_after := greatest((v_month + interval '1 month')::timestamp AT TIME ZONE v_zone, v_opens);
	ELSIF v_opens > p_now THEN
		reason := 'active_certificate';
		retry_after := v_opens;
	END IF;
END
$$;

------------------------------------------------------------------------
-- The audit trail: arguments are the status column, then the columns
-- never recorded.  ID numbers and *_name columns are masked.
------------------------------------------------------------------------

CREATE FUNCTION plimpl.audit_row() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	v_new jsonb := to_jsonb(NEW);
	v_old jsonb;
	v_changes jsonb;
BEGIN
	IF TG_NARGS > 1 THEN
		v_new := v_new - TG_ARGV[1:TG_NARGS - 1];
	END IF;
	IF TG_OP = 'UPDATE' THEN
		v_old := to_jsonb(OLD);
	END IF;
	SELECT coalesce(jsonb_object_agg(n.key,
				CASE WHEN jsonb_typeof(n.value) = 'null' THEN n.value
					 WHEN n.key = 'id_number' THEN to_jsonb(plimpl.mask_id(n.value #>> '{}'))
					 WHEN n.key LIKE '%\_name' THEN to_jsonb(plimpl.mask_name(n.value #>> '{}'))
					 ELSE n.value END), '{}')
	  INTO v_changes
	  FROM jsonb_each(v_new) n
	 WHERE v_old IS NULL OR v_old -> n.key IS DISTINCT FROM n.value;
	INSERT INTO plimpl.audit (clock_at, real_at, table_name, row_id, operation,
							  old_status, new_status, db_role, app_account, txid, changes)
	VALUES (plimpl.clock(), clock_timestamp(), TG_TABLE_NAME, (v_new ->> 'id')::bigint, TG_OP,
			v_old ->> nullif(TG_ARGV[0], ''), v_new ->> nullif(TG_ARGV[0], ''),
			session_user, v_new ->> 'account_id', txid_current(), v_changes);
	RETURN NULL;
END
$$;

CREATE FUNCTION plimpl.append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = '42501';
END
$$;

CREATE TRIGGER audit AFTER INSERT OR UPDATE ON plimpl.applications
	FOR EACH ROW EXECUTE FUNCTION plimpl.audit_row('status', 'location');
CREATE TRIGGER audit AFTER INSERT OR UPDATE ON plimpl.certificates
	FOR EACH ROW EXECUTE FUNCTION plimpl.audit_row('status', 'secret');
CREATE TRIGGER audit AFTER INSERT OR UPDATE ON plimpl.qr_sessions
	FOR EACH ROW EXECUTE FUNCTION plimpl.audit_row('');
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON plimpl.audit
	FOR EACH ROW EXECUTE FUNCTION plimpl.append_only();

------------------------------------------------------------------------
-- The API
------------------------------------------------------------------------

CREATE FUNCTION plimpl.apply(document_type plimpl.document_type, id_number text,
		full_name text, location point, account_id text DEFAULT NULL)
	RETURNS TABLE (application_id bigint, status text, reason text, retry_after timestamptz)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
	v_now timestamptz := plimpl.clock();
	v_id text;
	v_reason text;
	v_retry timestamptz;
	v_app bigint;
BEGIN
	IF apply.document_type IS NULL OR apply.id_number IS NULL OR apply.full_name IS NULL THEN
		RAISE EXCEPTION 'document_type, id_number and full_name must not be null'
			USING ERRCODE = '22004';
	END IF;
	IF apply.full_name ~ '[\x01-\x1f\x7f]' THEN
		RAISE EXCEPTION 'full name must not contain control characters' USING ERRCODE = '22023';
	ELSIF btrim(apply.full_name, ' ') = '' THEN
		RAISE EXCEPTION 'full name must not be empty or blank' USING ERRCODE = '22023';
	ELSIF char_length(apply.full_name) > 64 THEN
		RAISE EXCEPTION 'full name must be at most 64 characters' USING ERRCODE = '22023';
	END IF;

	IF apply.document_type = 'resident_id_card' THEN
		v_id := plimpl.parse_resident_id(apply.id_number,
										 (v_now AT TIME ZONE plimpl.zone())::date);
	END IF;
	IF v_id IS NULL OR left(v_id, 2) IN ('81', '82', '83') THEN
		v_reason := 'unsupported_document';
	ELSIF apply.location IS NULL THEN
		v_reason := 'location_required';
	ELSE
		SELECT d.reason, d.retry_after INTO v_reason, v_retry FROM plimpl.decide(v_id, v_now) d;
	END IF;

	INSERT INTO plimpl.applications AS a (applied_at, document_type, id_number, full_name,
			location, account_id, status, reason, retry_after, decided_at)
	VALUES (v_now, apply.document_type, v_id, apply.full_name, apply.location, apply.account_id,
			CASE WHEN v_reason IS NULL THEN 'pending_verification' ELSE 'refused' END,
			v_reason, v_retry, CASE WHEN v_reason IS NOT NULL THEN v_now END)
	RETURNING a.id INTO v_app;

	application_id := v_app;
	status := CASE WHEN v_reason IS NULL THEN 'pending_verification' ELSE 'refused' END;
	reason := v_reason;
	retry_after := v_retry;
	RETURN NEXT;
END
$$;

-- PL/pgSQL cannot have an IN and an OUT parameter both named application_id,
-- so the input is app_id here (temp_id's C function keeps the contract's name).
CREATE FUNCTION plimpl.confirm_identity(app_id bigint, passed boolean,
		score real DEFAULT NULL, provider_ref text DEFAULT NULL)
	RETURNS TABLE (application_id bigint, status text, reason text, certificate_id bigint,
				   valid_from timestamptz, valid_until timestamptz, session_id bigint)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
	v_now timestamptz := plimpl.clock();
	v_zone text := plimpl.zone();
	v_pending_ttl interval := coalesce(nullif(current_setting('plimpl.pending_ttl', true), '')::interval,
									   interval '10 minutes');
	v_validity interval := coalesce(nullif(current_setting('plimpl.validity', true), '')::interval,
									interval '24 hours');
	v_session_ttl interval := coalesce(nullif(current_setting('plimpl.session_ttl', true), '')::interval,
									   interval '30 minutes');
	v_app plimpl.applications;
	v_reason text;
	v_retry timestamptz;
	v_cert bigint;
	v_until timestamptz;
	v_session bigint;
	v_today date;
BEGIN
	IF confirm_identity.app_id IS NULL OR confirm_identity.passed IS NULL THEN
		RAISE EXCEPTION 'application_id and passed must not be null' USING ERRCODE = '22004';
	END IF;
	SELECT * INTO v_app FROM plimpl.applications a
	 WHERE a.id = confirm_identity.app_id FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'application % does not exist', confirm_identity.app_id
			USING ERRCODE = '22023';
	END IF;
	IF v_app.status <> 'pending_verification' THEN
		RAISE EXCEPTION 'application % is already decided', v_app.id
			USING ERRCODE = 'TI003', DETAIL = format('Its status is "%s".', v_app.status),
				  HINT = 'Start a new application with plimpl.apply.';
	END IF;

	application_id := v_app.id;
	IF v_now > v_app.applied_at + v_pending_ttl THEN
		v_reason := 'verification_timeout';
		status := 'refused';
	ELSIF NOT confirm_identity.passed THEN
		v_reason := 'identity_check_failed';
		status := 'rejected';
	ELSE
		-- the person's lock, then the rules again on fresh data
		PERFORM pg_advisory_xact_lock(hashtext(v_app.id_number));
		SELECT d.reason, d.retry_after INTO v_reason, v_retry
		  FROM plimpl.decide(v_app.id_number, v_now) d;
		IF v_reason IS NOT NULL THEN
			status := 'refused';
		END IF;
	END IF;

	IF v_reason IS NOT NULL THEN
		UPDATE plimpl.applications a
		   SET status = confirm_identity.status, reason = v_reason, retry_after = v_retry,
			   decided_at = v_now, score = confirm_identity.score,
			   provider_ref = confirm_identity.provider_ref
		 WHERE a.id = v_app.id;
		reason := v_reason;
		RETURN NEXT;
		RETURN;
	END IF;

	v_until := v_now + v_validity;
	v_today := (v_now AT TIME ZONE v_zone)::date;
	INSERT INTO plimpl.certificates AS c (application_id, id_number, holder_name, account_id,
			valid_from, valid_until, issue_month, minor, secret)
	VALUES (v_app.id, v_app.id_number, v_app.full_name, v_app.account_id, v_now, v_until,
			date_trunc('month', v_today)::date,
			make_date(substr(v_app.id_number, 7, 4)::int, substr(v_app.id_number, 11, 2)::int,
					  substr(v_app.id_number, 13, 2)::int) > (v_today - interval '18 years')::date,
			public.gen_random_bytes(32))
	RETURNING c.id INTO v_cert;
	UPDATE plimpl.applications a
	   SET status = 'issued', decided_at = v_now, certificate_id = v_cert,
		   score = confirm_identity.score, provider_ref = confirm_identity.provider_ref
	 WHERE a.id = v_app.id;
	INSERT INTO plimpl.qr_sessions AS q (certificate_id, opened_at, expires_at, opened_by,
			passed, score, provider_ref)
	VALUES (v_cert, v_now, v_now + v_session_ttl, 'issue', true,
			confirm_identity.score, confirm_identity.provider_ref)
	RETURNING q.id INTO v_session;

	status := 'issued';
	certificate_id := v_cert;
	valid_from := v_now;
	valid_until := v_until;
	session_id := v_session;
	RETURN NEXT;
END
$$;

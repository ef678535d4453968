-- verify_plpgsql.sql: the comparison point for test/bench/verify.sh.
--
-- plv.verify_code() does what temp_id.verify_code does, written the way a
-- careful PL/pgSQL developer would:
--   * the same canonical token grammar (<id>.<step>.<MAC>, ids and steps
--     upper-case base 36 without leading zeros and at most 13 digits, no
--     int64 overflow, MAC 16 characters of RFC 4648 base 32, at most 64
--     characters in all), checked with one anchored regular expression;
--   * the certificate looked up in temp_id.certificates by primary key (the
--     same rows and secrets the C function reads);
--   * HMAC-SHA-256(secret, 'TI1' || int8send(id) || int8send(step)) through
--     pgcrypto's public.hmac, first 80 bits in base 32, each 40-bit half
--     encoded in one expression;
--   * the same reasons in the same order (malformed, unknown_certificate,
--     bad_signature, certificate_revoked, certificate_expired, stale_code,
--     future_code, ok), reading temp_id.now / code_interval / code_skew,
--     so SET temp_id.code_skew and the pinned clock work alike;
--   * every call appended to plv.scans, a copy of temp_id.scans with the
--     same columns, indexes (btree on station, scanned_at; BRIN on
--     scanned_at) and append-only triggers;
--   * masked holder name and ID number in the result, NULL checkpoint
--     raises 22004;
--   * the same privilege contract: an application role that may only
--     EXECUTE it must still get its scan recorded, so SECURITY DEFINER
--     with search_path pinned, like the lifecycle comparison
--     (test/bench/lifecycle_plpgsql.sql).
-- Needs pgcrypto in schema public and temp_id installed.

SET client_min_messages = warning;
DROP SCHEMA IF EXISTS plv CASCADE;
CREATE SCHEMA plv;

CREATE TABLE plv.scans (LIKE temp_id.scans INCLUDING ALL);

CREATE FUNCTION plv.append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'the scan log is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON plv.scans
	FOR EACH ROW EXECUTE FUNCTION plv.append_only();
CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON plv.scans
	FOR EACH STATEMENT EXECUTE FUNCTION plv.append_only();

CREATE FUNCTION plv.verify_code(token text, checkpoint temp_id.checkpoint,
		station text DEFAULT NULL, gate text DEFAULT NULL)
	RETURNS TABLE (accepted boolean, reason text, certificate_id bigint, holder_name text,
				   id_number text, valid_until timestamptz)
LANGUAGE plpgsql VOLATILE ROWS 1 SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	b36			constant text := '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
	b32			constant text := 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
	v_now		timestamptz := temp_id.clock();
	parts		text[];
	v_id		bigint := 0;
	v_step		bigint := 0;
	d			int;
	bad			boolean := false;
	v_reason	text;
	v_cert		bigint;			-- the scan record's certificate_id
	c			record;
	digest		bytea;
	h1			bigint;
	h2			bigint;
	cur			bigint;
	skew		int;
BEGIN
	IF verify_code.checkpoint IS NULL THEN
		RAISE EXCEPTION 'checkpoint must not be null' USING ERRCODE = 'null_value_not_allowed';
	END IF;

	-- parse: the grammar in one regex, then base 36 with overflow checks
	IF verify_code.token IS NOT NULL AND octet_length(verify_code.token) <= 64 THEN
		parts := regexp_match(verify_code.token,
			'^(0|[1-9A-Z][0-9A-Z]{0,12})\.(0|[1-9A-Z][0-9A-Z]{0,12})\.([A-Z2-7]{16})$');
	END IF;
	IF parts IS NULL THEN
		bad := true;
	ELSE
		FOR i IN 1 .. length(parts[1]) LOOP
			d := strpos(b36, substr(parts[1], i, 1)) - 1;
			IF v_id > (9223372036854775807 - d) / 36 THEN bad := true; EXIT; END IF;
			v_id := v_id * 36 + d;
		END LOOP;
		FOR i IN 1 .. length(parts[2]) LOOP
			d := strpos(b36, substr(parts[2], i, 1)) - 1;
			IF v_step > (9223372036854775807 - d) / 36 THEN bad := true; EXIT; END IF;
			v_step := v_step * 36 + d;
		END LOOP;
	END IF;

	IF bad THEN
		v_reason := 'malformed';
	ELSE
		SELECT cr.id_number::text AS idn, cr.holder_name, cr.valid_until, cr.status, cr.secret
		  INTO c
		  FROM temp_id.certificates cr
		 WHERE cr.id = v_id;
		IF NOT FOUND THEN
			v_reason := 'unknown_certificate';
		ELSE
			v_cert := v_id;
			digest := public.hmac('\x544931'::bytea || int8send(v_id) || int8send(v_step),
								  c.secret, 'sha256');
			h1 := ('x' || encode(substring(digest FROM 1 FOR 5), 'hex'))::bit(40)::bigint;
			h2 := ('x' || encode(substring(digest FROM 6 FOR 5), 'hex'))::bit(40)::bigint;
			IF parts[3] <>
				substr(b32, ((h1 >> 35) & 31)::int + 1, 1) || substr(b32, ((h1 >> 30) & 31)::int + 1, 1) ||
				substr(b32, ((h1 >> 25) & 31)::int + 1, 1) || substr(b32, ((h1 >> 20) & 31)::int + 1, 1) ||
				substr(b32, ((h1 >> 15) & 31)::int + 1, 1) || substr(b32, ((h1 >> 10) & 31)::int + 1, 1) ||
				substr(b32, ((h1 >> 5) & 31)::int + 1, 1) || substr(b32, (h1 & 31)::int + 1, 1) ||
				substr(b32, ((h2 >> 35) & 31)::int + 1, 1) || substr(b32, ((h2 >> 30) & 31)::int + 1, 1) ||
				substr(b32, ((h2 >> 25) & 31)::int + 1, 1) || substr(b32, ((h2 >> 20) & 31)::int + 1, 1) ||
				substr(b32, ((h2 >> 15) & 31)::int + 1, 1) || substr(b32, ((h2 >> 10) & 31)::int + 1, 1) ||
				substr(b32, ((h2 >> 5) & 31)::int + 1, 1) || substr(b32, (h2 & 31)::int + 1, 1)
			THEN
				v_reason := 'bad_signature';
			ELSIF c.status <> 'issued' THEN
				v_reason := 'certificate_revoked';
			ELSIF v_now >= c.valid_until THEN
				v_reason := 'certificate_expired';
			ELSE
				cur := floor(extract(epoch FROM v_now)
							 / extract(epoch FROM current_setting('temp_id.code_interval')::interval));
				skew := current_setting('temp_id.code_skew')::int;
				IF v_step < cur - skew THEN
					v_reason := 'stale_code';
				ELSIF v_step > cur + skew THEN
					v_reason := 'future_code';
				ELSE
					v_reason := 'ok';
				END IF;
			END IF;
		END IF;
	END IF;

	INSERT INTO plv.scans (scanned_at, checkpoint, station, gate, accepted, reason, certificate_id)
	VALUES (v_now, verify_code.checkpoint, verify_code.station, verify_code.gate,
			v_reason = 'ok', v_reason, v_cert);

	accepted := v_reason = 'ok';
	reason := v_reason;
	IF v_reason NOT IN ('malformed', 'unknown_certificate', 'bad_signature') THEN
		certificate_id := v_id;
		holder_name := left(c.holder_name, 1) || repeat('*', length(c.holder_name) - 1);
		id_number := overlay(c.idn PLACING '********' FROM 7 FOR 8);
		valid_until := c.valid_until;
	END IF;
	RETURN NEXT;
END
$$;

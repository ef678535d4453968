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

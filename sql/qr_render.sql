--
-- QR rendering (src/qr.c): qr_svg, qr_png, qr_text, qr_version.
-- Whether the pictures scan is checked by test/t/010_qr_decode.pl.
--
SET search_path = temp_id, public;

-- Bad arguments raise; each is followed by its SQLSTATE.
SELECT qr_svg(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT qr_svg('AB12', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT qr_png(NULL, 4);
\echo :LAST_ERROR_SQLSTATE
SELECT qr_png('AB12', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT qr_text(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT qr_version(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT qr_svg('');
\echo :LAST_ERROR_SQLSTATE
SELECT qr_png('', 4);
\echo :LAST_ERROR_SQLSTATE
SELECT qr_text('');
\echo :LAST_ERROR_SQLSTATE
SELECT qr_version('');
\echo :LAST_ERROR_SQLSTATE
SELECT qr_svg('AB12', 0);
\echo :LAST_ERROR_SQLSTATE
SELECT qr_png('AB12', 65);
\echo :LAST_ERROR_SQLSTATE
SELECT qr_png('AB12', -1);
\echo :LAST_ERROR_SQLSTATE
SELECT qr_svg('AB12', 2147483647);
\echo :LAST_ERROR_SQLSTATE
-- too long for version 40-M
SELECT qr_png(repeat('A', 5000));
\echo :LAST_ERROR_SQLSTATE
SELECT qr_text(repeat('A', 5000));
\echo :LAST_ERROR_SQLSTATE
-- longer than any QR code can hold: refused before encoding
SELECT qr_svg(repeat('1', 100000));
\echo :LAST_ERROR_SQLSTATE
-- just too long in alphanumeric mode
SELECT qr_svg(repeat('A', 3392));
\echo :LAST_ERROR_SQLSTATE
-- ... and in 8-bit mode (lowercase is not in the alphanumeric set)
SELECT qr_version(repeat('a', 2332));
\echo :LAST_ERROR_SQLSTATE

-- Versions at level M.  The 29-character token needs version 2 (25x25).
SELECT qr_version('A') AS v_1char,
       qr_version('AB12CD.HM3K0.ABCDEFGHJKLMNPQR') AS v_29char,
       qr_version(repeat('A', 38)) AS v_2_full,
       qr_version(repeat('A', 39)) AS v_3,
       qr_version(repeat('A', 3391)) AS v_40_alnum,
       qr_version(repeat('a', 2331)) AS v_40_bytes;

-- SVG: header, and 132 px square for a version 2 symbol at 4 px per
-- module ((25 + 2 * 4) * 4); the viewBox is in modules.
SELECT left(s, 38) AS xml_decl,
       substring(s from '<svg [^>]*>') AS svg_tag,
       substring(s from 'width="(\d+)"')::int AS width,
       substring(s from 'height="(\d+)"')::int AS height,
       right(s, 7) = E'</svg>\n' AS closed,
       length(s) - length(replace(s, '<path', '')) = length('<path') AS one_path
FROM (SELECT qr_svg('AB12CD.HM3K0.ABCDEFGHJKLMNPQR', 4) AS s) t;
SELECT substring(qr_svg('AB12CD.HM3K0.ABCDEFGHJKLMNPQR') from 'width="(\d+)"') AS default_px_width,
       substring(qr_svg('AB12CD.HM3K0.ABCDEFGHJKLMNPQR', 1) from 'width="(\d+)"') AS width_1px,
       substring(qr_svg('AB12CD.HM3K0.ABCDEFGHJKLMNPQR', 64) from 'width="(\d+)"') AS width_64px;
-- a version 1 symbol is 21 modules, 29 with the quiet zone
\pset format unaligned
\pset tuples_only on
SELECT qr_svg('A', 1);
\pset format aligned
\pset tuples_only off

-- PNG: signature, then IHDR: 132 x 132, bit depth 1, colour type 0 (gray)
SELECT substring(p from 1 for 8) = '\x89504e470d0a1a0a'::bytea AS png_signature,
       substring(p from 13 for 4) = 'IHDR'::bytea AS ihdr,
       ('x' || encode(substring(p from 17 for 4), 'hex'))::bit(32)::int AS width,
       ('x' || encode(substring(p from 21 for 4), 'hex'))::bit(32)::int AS height,
       get_byte(p, 24) AS bit_depth,
       get_byte(p, 25) AS colour_type,
       right(encode(p, 'hex'), 24) = '0000000049454e44ae426082' AS ends_with_iend
FROM (SELECT qr_png('AB12CD.HM3K0.ABCDEFGHJKLMNPQR', 4) AS p) t;
SELECT ('x' || encode(substring(qr_png('AB12CD.HM3K0.ABCDEFGHJKLMNPQR') from 17 for 4), 'hex'))::bit(32)::int AS default_px_width,
       ('x' || encode(substring(qr_png('AB12CD.HM3K0.ABCDEFGHJKLMNPQR', 64) from 17 for 4), 'hex'))::bit(32)::int AS width_64px,
       ('x' || encode(substring(qr_png(repeat('A', 3391), 64) from 17 for 4), 'hex'))::bit(32)::int AS v40_width_64px;

-- Text: two module rows per line, 33 rows -> 17 lines of 33 characters;
-- the quiet zone makes the first two lines and the last two blank.
-- (Widths count each block character as one, whatever the database
-- encoding; the picture is printed unaligned for the same reason.)
SELECT count(*) AS lines,
       min(w) AS min_width,
       max(w) AS max_width,
       count(*) FILTER (WHERE btrim(l) = '') AS blank_lines
FROM (SELECT l, length(replace(replace(replace(l, '▀', 'x'), '▄', 'x'), '█', 'x')) AS w
      FROM regexp_split_to_table(qr_text('AB12CD.HM3K0.ABCDEFGHJKLMNPQR'), E'\n') AS l) t;
\pset format unaligned
\pset tuples_only on
SELECT qr_text('A');
\pset format aligned
\pset tuples_only off

-- Deterministic and case-sensitive.
SELECT qr_png('AB12') = qr_png('AB12') AS png_same,
       qr_svg('AB12') = qr_svg('AB12') AS svg_same,
       qr_svg('ABC') <> qr_svg('abc') AS case_sensitive;

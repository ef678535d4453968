-- test/bench/resident_id_plpgsql.sql
--   The comparison point for test/bench/resident_id.sh: the checks that
--   temp_id.resident_id's input function makes, written the way an
--   application would write them in PL/pgSQL over a text column.
--   Same rules: surrounding ASCII white space ignored; 17 digits and a
--   digit, X or x; province code 11-15, 21-23, 31-37, 41-46, 50-54, 61-65,
--   71, 81, 82, 83; birth date a calendar date, not before 1900-01-01 and
--   not after today; ISO 7064 MOD 11-2 check character.  Returns false
--   instead of raising, so it can be used as a filter.
--   Expects schema temp_id_bench to exist.

CREATE OR REPLACE FUNCTION temp_id_bench.plpgsql_valid(id text, today date DEFAULT current_date)
RETURNS boolean
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE AS $$
DECLARE
	weights CONSTANT int[] := '{7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2}';
	s text := btrim(id, E' \t\n\r\f' || chr(11));
	province int;
	y int;
	m int;
	d int;
	mdays int;
	total int := 0;
BEGIN
	IF length(s) <> 18 OR s !~ '^[0-9]{17}[0-9Xx]$' THEN
		RETURN false;
	END IF;

	province := substr(s, 1, 2)::int;
	IF NOT (province BETWEEN 11 AND 15 OR province BETWEEN 21 AND 23
			OR province BETWEEN 31 AND 37 OR province BETWEEN 41 AND 46
			OR province BETWEEN 50 AND 54 OR province BETWEEN 61 AND 65
			OR province IN (71, 81, 82, 83)) THEN
		RETURN false;
	END IF;

	y := substr(s, 7, 4)::int;
	m := substr(s, 11, 2)::int;
	d := substr(s, 13, 2)::int;
	IF m < 1 OR m > 12 OR d < 1 THEN
		RETURN false;
	END IF;
	mdays := CASE
		WHEN m = 2 THEN CASE WHEN (y % 4 = 0 AND y % 100 <> 0) OR y % 400 = 0 THEN 29 ELSE 28 END
		WHEN m IN (4, 6, 9, 11) THEN 30
		ELSE 31
	END;
	IF d > mdays OR y < 1900 THEN
		RETURN false;
	END IF;
	IF make_date(y, m, d) > today THEN
		RETURN false;
	END IF;

	FOR i IN 1..17 LOOP
		total := total + substr(s, i, 1)::int * weights[i];
	END LOOP;
	RETURN substr('10X98765432', total % 11 + 1, 1) = upper(substr(s, 18, 1));
END
$$;

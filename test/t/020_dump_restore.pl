# Data safety: temp_id's tables are registered with pg_dump, so a dump and
# restore must bring back every row of every table (applications,
# certificates, QR sessions, holders, the audit trail and the scan log) and
# every sequence, without the audit trigger writing anything while the rows
# are loaded.  After the restore the rules must carry on where they were:
# ids continue, the month's quota still holds, a pending application can
# still be confirmed, a QR token minted before the dump still verifies.
# Also: a committed issue survives a crash (immediate stop).
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('dump_restore');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE db1');
$node->safe_psql('db1', 'CREATE EXTENSION temp_id');

my $tempdir = PostgreSQL::Test::Utils::tempdir;

# Run SQL in $db with the rules' clock pinned to $now.
sub at
{
	my ($db, $now, $sql) = @_;
	return $node->safe_psql($db,
		"SET temp_id.now = '$now'; SET timezone = 'Asia/Shanghai'; $sql");
}

# apply and, when pending, confirm at the same instant; returns "status|reason"
sub issue
{
	my ($db, $now, $id, $name, $passed) = @_;
	$passed //= 'true';
	return at($db, $now,
		"SELECT c.status || '|' || coalesce(c.reason, '')
		   FROM temp_id.apply('resident_id_card', '$id', '$name', point(116.4, 39.9)) a,
		        LATERAL temp_id.confirm_identity(a.application_id, $passed) c");
}

sub apply_only
{
	my ($db, $now, $doc, $id, $name, $location) = @_;
	$location //= 'point(116.4, 39.9)';
	return at($db, $now,
		"SELECT status || '|' || coalesce(reason, '') || '|' || coalesce(retry_after::text, '')
		   FROM temp_id.apply('$doc', '$id', '$name', $location)");
}

my %person = (
	A => '11010519491231002X',    # 3 issued in March: quota used up
	B => '310104198001010017',    # rejected, then issued, then revoked
	C => '440305199002150020',    # no location
	E => '51010719850707003X',    # pending too long
	F => '320102197511110047',    # pending at the dump
	H => '110105201506150027',    # a minor: 2 issued, one pending at the dump
	R => '810000199001010019',    # a Hong Kong residence permit number
);

# --- a month of activity in db1 ---------------------------------------
is(issue('db1', '2026-03-02 10:00:00+08', $person{A}, '张三'), 'issued|', 'A issued 1');
is(issue('db1', '2026-03-05 10:00:00+08', $person{A}, '张三'), 'issued|', 'A issued 2');
is(issue('db1', '2026-03-08 10:00:00+08', $person{A}, '张三'), 'issued|', 'A issued 3');
is(apply_only('db1', '2026-03-11 10:00:00+08', 'resident_id_card', $person{A}, '张三'),
	'refused|monthly_quota_exhausted|2026-04-01 00:00:00+08', 'A refused: quota');
is(issue('db1', '2026-03-09 09:00:00+08', $person{B}, '李四', 'false'),
	'rejected|identity_check_failed', 'B rejected');
is(issue('db1', '2026-03-09 09:05:00+08', $person{B}, '李四'), 'issued|', 'B issued');
is(at('db1', '2026-03-09 12:00:00+08',
		"SELECT temp_id.revoke(max(id), 'phone lost') FROM temp_id.certificates
		  WHERE id_number::text = '$person{B}'"),
	't', 'B revoked');
is(apply_only('db1', '2026-03-09 13:00:00+08', 'resident_id_card', $person{C}, '王五', 'NULL'),
	'refused|location_required|', 'C refused: no location');
is(apply_only('db1', '2026-03-09 13:00:00+08', 'passport', 'E1234567', 'John Smith'),
	'refused|unsupported_document|', 'passport refused');
is(apply_only('db1', '2026-03-09 13:00:00+08', 'resident_id_card', $person{R}, '陈七'),
	'refused|unsupported_document|', 'residence permit number refused');
is(apply_only('db1', '2026-03-10 09:00:00+08', 'resident_id_card', $person{E}, '赵六'),
	'pending_verification||', 'E pending');
is(at('db1', '2026-03-10 09:30:00+08',
		"SELECT status || '|' || reason FROM temp_id.confirm_identity(
		   (SELECT max(id) FROM temp_id.applications), true)"),
	'refused|verification_timeout', 'E refused: too late');
is(issue('db1', '2026-03-03 10:00:00+08', $person{H}, '吴十'), 'issued|', 'H issued 1');
is(issue('db1', '2026-03-06 10:00:00+08', $person{H}, '吴十'), 'issued|', 'H issued 2');
is(apply_only('db1', '2026-03-12 10:00:00+08', 'resident_id_card', $person{H}, '吴十'),
	'pending_verification||', 'H pending at the dump');
is(apply_only('db1', '2026-03-12 10:00:00+08', 'resident_id_card', $person{F}, '孙八'),
	'pending_verification||', 'F pending at the dump');
is(at('db1', '2026-03-12 10:00:00+08',
		"SELECT count(*) FILTER (WHERE minor) || '/' || count(*) FROM temp_id.certificates"),
	'2/6', 'six certificates, two of them for a minor');

# A QR token of A's last certificate (its first session is still open at
# the issue instant), and a scan of it and of a malformed code.
my $token_at = '2026-03-08 10:05:00+08';
my $token = at('db1', $token_at,
	"SELECT token FROM temp_id.qr_code(
	   (SELECT max(s.id) FROM temp_id.qr_sessions s JOIN temp_id.certificates c
	       ON c.id = s.certificate_id WHERE c.id_number::text = '$person{A}'))");
like($token, qr/^[0-9A-Z \$%*+\-.\/:]+$/, 'a token in the QR alphanumeric set');
is(at('db1', $token_at,
		"SELECT accepted || '|' || reason FROM temp_id.verify_code('$token', 'station_entry', 'Beijing South', 'A3')"),
	'true|ok', 'the token verifies before the dump');
is(at('db1', $token_at,
		"SELECT accepted || '|' || reason FROM temp_id.verify_code('NOT A TOKEN', 'boarding', 'Beijing South', 'G1')"),
	'false|malformed', 'a malformed code is refused and logged');

# --- a fingerprint of everything the extension holds -----------------
my %order_by = (
	applications => 't.id',
	certificates => 't.id',
	qr_sessions => 't.id',
	holders => 't.id_number',
	audit => 't.id',
	scans => 't::text',);
my @sequences = qw(applications_id_seq certificates_id_seq qr_sessions_id_seq audit_id_seq);

sub fingerprint
{
	my ($db) = @_;
	my %fp;
	foreach my $table (sort keys %order_by)
	{
		$fp{$table} = $node->safe_psql($db,
			"SET timezone = 'UTC'; SET datestyle = 'ISO, YMD'; SET extra_float_digits = 3;
			 SELECT count(*) || ' rows, md5 '
			        || md5(coalesce(string_agg(t::text, ',' ORDER BY $order_by{$table}), ''))
			   FROM temp_id.$table t");
	}
	foreach my $seq (@sequences)
	{
		$fp{$seq} = $node->safe_psql($db,
			"SELECT last_value || ' ' || is_called FROM temp_id.$seq");
	}
	my $ids = join(', ', map { "'$_'" } sort values %person);
	$fp{quota_status} = at($db, '2026-03-12 10:01:00+08',
		"SELECT string_agg(p || ': ' || q::text, E'\\n' ORDER BY p)
		   FROM unnest(ARRAY[$ids]) p, LATERAL temp_id.quota_status(p) q");
	return \%fp;
}

sub compare
{
	my ($got, $want, $what) = @_;
	foreach my $key (sort keys %$want)
	{
		is($got->{$key}, $want->{$key}, "$what: $key");
	}
}

my $before = fingerprint('db1');
like($before->{applications}, qr/^14 rows/, 'db1 has 14 applications');
like($before->{certificates}, qr/^6 rows/, 'db1 has 6 certificates');
like($before->{scans}, qr/^2 rows/, 'db1 has 2 scans');
like($before->{quota_status}, qr/^$person{A}: \(2026-03-01,3,0,,,"2026-04-01 00:00:00\+08"\)$/m,
	'A has used the quota of March');
my $max = $node->safe_psql('db1',
	"SELECT (SELECT max(id) FROM temp_id.applications) || ' '
	     || (SELECT max(id) FROM temp_id.certificates) || ' '
	     || (SELECT max(id) FROM temp_id.qr_sessions) || ' '
	     || (SELECT max(id) FROM temp_id.audit)");
my ($max_app, $max_cert, $max_session, $max_audit) = split / /, $max;

# After a restore: the rules continue where they were.
sub after_restore
{
	my ($db, $what) = @_;
	my $t = '2026-03-12 10:01:00+08';

	# the pending application of the minor H, confirmed after the restore,
	# is the third of the month; a fourth is refused
	is(at($db, $t,
			"SELECT c.status || '|' || c.application_id FROM temp_id.applications a,
			        LATERAL temp_id.confirm_identity(a.id, true) c
			  WHERE a.id_number::text = '$person{H}' AND a.status = 'pending_verification'"),
		"issued|" . ($max_app - 1), "$what: H's pending application is issued");
	is(apply_only($db, $t, 'resident_id_card', $person{H}, '吴十'),
		'refused|monthly_quota_exhausted|2026-04-01 00:00:00+08',
		"$what: H's fourth in March is refused");
	is(apply_only($db, $t, 'resident_id_card', $person{A}, '张三'),
		'refused|monthly_quota_exhausted|2026-04-01 00:00:00+08',
		"$what: A's quota still holds");

	# a new person: every id continues after the restored ones
	my $new = at($db, $t,
		"SELECT c.application_id || ' ' || c.certificate_id || ' ' || c.session_id
		   FROM temp_id.apply('resident_id_card', '42010619920303006X', '蒋五', point(114.3, 30.6)) a,
		        LATERAL temp_id.confirm_identity(a.application_id, true) c");
	my ($app, $cert, $session) = split / /, $new;
	ok(defined $session && $app > $max_app && $cert > $max_cert && $session > $max_session,
		"$what: new ids continue the sequences ($new after $max_app $max_cert $max_session)");
	is($node->safe_psql($db,
			"SELECT count(*) FILTER (WHERE id <= $max_audit) || ' '
			     || (count(*) FILTER (WHERE id > $max_audit) > 0) FROM temp_id.audit"),
		"$max_audit true", "$what: the restored audit rows are kept and new ones follow them");
	is($node->safe_psql($db,
			"SELECT count(*) FROM temp_id.audit
			  WHERE table_name = 'certificates' AND row_id = $cert AND operation = 'INSERT'"),
		'1', "$what: the new certificate is audited");

	# the certificate secrets came through: a token minted before the dump verifies
	is(at($db, $token_at,
			"SELECT accepted || '|' || reason FROM temp_id.verify_code('$token', 'boarding', 'Beijing South', 'G1')"),
		'true|ok', "$what: a token minted before the dump verifies");
	return;
}

# --- custom format, pg_restore -----------------------------------------
my $custom = "$tempdir/db1.dump";
$node->command_ok([ 'pg_dump', '-Fc', '-d', $node->connstr('db1'), '-f', $custom ],
	'pg_dump -Fc');
$node->safe_psql('postgres', 'CREATE DATABASE db2');
$node->command_ok([ 'pg_restore', '-d', $node->connstr('db2'), $custom ],
	'pg_restore into db2');
compare(fingerprint('db2'), $before, 'pg_restore');
after_restore('db2', 'pg_restore');

# --- custom format, parallel pg_restore ---------------------------------
# The foreign keys between the extension's tables exist before any data is
# loaded (CREATE EXTENSION makes them), and the archive records no order
# between the tables' data, so a parallel load must not check them: restore
# the data section on its own with --disable-triggers (only honoured for a
# data-only restore; it also keeps the audit trigger quiet).
$node->safe_psql('postgres', 'CREATE DATABASE db4');
$node->command_ok(
	[ 'pg_restore', '--section=pre-data', '-d', $node->connstr('db4'), $custom ],
	'pg_restore --section=pre-data into db4');
$node->command_ok(
	[
		'pg_restore', '--section=data', '-j', '3', '--disable-triggers',
		'-d', $node->connstr('db4'), $custom
	],
	'pg_restore --section=data -j 3 --disable-triggers into db4');
$node->command_ok(
	[ 'pg_restore', '--section=post-data', '-d', $node->connstr('db4'), $custom ],
	'pg_restore --section=post-data into db4');
compare(fingerprint('db4'), $before, 'parallel pg_restore');
after_restore('db4', 'parallel pg_restore');

# --- plain format, psql ------------------------------------------------
my $plain = "$tempdir/db1.sql";
$node->command_ok([ 'pg_dump', '-Fp', '-d', $node->connstr('db1'), '-f', $plain ],
	'pg_dump -Fp');
$node->safe_psql('postgres', 'CREATE DATABASE db3');
$node->command_ok(
	[ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('db3'), '-f', $plain ],
	'psql restores the plain dump into db3');
compare(fingerprint('db3'), $before, 'plain dump');
after_restore('db3', 'plain dump');

# --- plain format with INSERT statements instead of COPY ---------------
my $inserts = "$tempdir/db1_inserts.sql";
$node->command_ok(
	[ 'pg_dump', '-Fp', '--inserts', '-d', $node->connstr('db1'), '-f', $inserts ],
	'pg_dump --inserts');
$node->safe_psql('postgres', 'CREATE DATABASE db5');
$node->command_ok(
	[ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('db5'), '-f', $inserts ],
	'psql restores the --inserts dump into db5');
# (one comparison for the lot: when the audit trigger fires during the
# load, every table differs)
is_deeply(fingerprint('db5'), $before, 'pg_dump --inserts: every table and sequence identical');

# db1 itself was not changed by any of the dumps
compare(fingerprint('db1'), $before, 'db1 after the dumps');

# --- crash: a committed issue survives an immediate stop ---------------
is(issue('db1', '2026-03-20 10:00:00+08', '370202198808080052', '沈六'), 'issued|',
	'an issue committed before the crash');
my $committed = $node->safe_psql('db1',
	"SELECT c.id || ' ' || count(a.*) FROM temp_id.certificates c
	   JOIN temp_id.audit a ON a.table_name = 'certificates' AND a.row_id = c.id
	  WHERE c.id_number::text = '370202198808080052' GROUP BY c.id");
$node->stop('immediate');
$node->start;
is($node->safe_psql('db1',
		"SELECT c.id || ' ' || count(a.*) FROM temp_id.certificates c
		   JOIN temp_id.audit a ON a.table_name = 'certificates' AND a.row_id = c.id
		  WHERE c.id_number::text = '370202198808080052' GROUP BY c.id"),
	$committed, 'the certificate and its audit row survive the crash');
is(at('db1', '2026-03-20 10:30:00+08',
		"SELECT used || ' ' || (active_certificate_id IS NOT NULL)
		   FROM temp_id.quota_status('370202198808080052')"),
	'1 true', 'the holder row survives the crash');
is(apply_only('db1', '2026-03-20 10:30:00+08', 'resident_id_card', '370202198808080052', '沈六'),
	'refused|active_certificate|2026-03-21 07:00:00+08', 'the rules still see it');
my $after_crash = at('db1', '2026-03-20 10:31:00+08',
	"SELECT c.application_id || ' ' || c.certificate_id
	   FROM temp_id.apply('resident_id_card', '350203199306060104', '冯二', point(118.1, 24.5)) a,
	        LATERAL temp_id.confirm_identity(a.application_id, true) c");
my ($crash_app, $crash_cert) = split / /, $after_crash;
ok($crash_cert > (split / /, $committed)[0], "ids continue after the crash ($after_crash)");

$node->stop;
done_testing();

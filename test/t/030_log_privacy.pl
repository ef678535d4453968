# No full ID number, name or certificate secret reaches the server log,
# whether calls succeed, are refused or fail on bad input.  The cluster logs
# like a production one (log_statement = none, failing statements logged),
# not like the test framework's default of logging every statement.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('privacy');
$node->init;
$node->append_conf('postgresql.conf', "log_statement = none\nlog_min_error_statement = error\nlog_min_messages = info\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION temp_id');

my $id   = '11010519491231002X';
my $name = 'ZhangSanfeng';
my $pre  = "SET temp_id.now = '2026-03-05 08:00:00+08';";

$node->safe_psql('postgres', qq{$pre
	SELECT * FROM temp_id.apply('resident_id_card', '$id', '$name', point(116.4, 39.9), 'acct');
	SELECT * FROM temp_id.confirm_identity(1, true);
	SELECT * FROM temp_id.apply('resident_id_card', '$id', '$name', point(116.4, 39.9), 'acct');
	SELECT * FROM temp_id.verify_code((SELECT token FROM temp_id.qr_code(1)), 'boarding', 'S', 'G');});

# each of these fails; its statement holds the number or the name
my @failing = (
	"SELECT * FROM temp_id.apply('resident_id_card', '110105194912310021', '$name', point(1, 1))",
	"SELECT * FROM temp_id.apply('resident_id_card', '$id', E'$name\\x01', point(1, 1))",
	"SELECT * FROM temp_id.apply('resident_id_card', '$id', repeat('$name', 9), point(1, 1))",
	"SELECT * FROM temp_id.quota_status('11010519491231003X')",
	"SELECT '110105491231002'::temp_id.resident_id",
	"SELECT temp_id.resident_id_from_legacy('110105491331002')",
	"SELECT * FROM temp_id.confirm_identity(1, true)",
	"SELECT * FROM temp_id.qr_code(99)");
for my $sql (@failing)
{
	my ($ret, $out, $err) = $node->psql('postgres', "$pre $sql");
	isnt($ret, 0, "fails: $sql");
	unlike($err, qr/1101051949123100/, "error text holds no ID number: $sql");
}

my $secret = $node->safe_psql('postgres', 'SELECT encode(secret, \'hex\') FROM temp_id.certificates WHERE id = 1');
$node->stop;
my $log = slurp_file($node->logfile);
like($log, qr/invalid resident ID number/, 'the log does record the errors');
unlike($log, qr/1101051949123100/, 'no full or near-full ID number in the log');
unlike($log, qr/$name/, 'no full name in the log');
unlike($log, qr/$secret/i, 'no certificate secret in the log');
unlike($log, qr/110105491231002|110105491331002/, 'no first-generation number in the log');

done_testing();

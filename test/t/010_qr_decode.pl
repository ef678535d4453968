# Do the QR codes temp_id draws actually scan?  Render tokens with
# temp_id.qr_png and temp_id.qr_svg (the SVG rasterised by rsvg-convert),
# decode them with zbarimg and compare with the token byte for byte.
# zbarimg and rsvg-convert are required: without them the test fails.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run qw(run);
use Compress::Zlib qw(uncompress);

for my $tool ('zbarimg', 'rsvg-convert')
{
	my ($out, $err) = ('', '');
	my $found = eval { run([ $tool, '--version' ], '>', \$out, '2>', \$err) };
	BAIL_OUT("$tool is required by this test but could not be run "
		  . "(install zbar-tools and librsvg2-bin)")
	  unless $found || $out ne '' || $err ne '';
}

my $node = PostgreSQL::Test::Cluster->new('qr');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION temp_id');

my $dir = PostgreSQL::Test::Utils::tempdir;

# Tokens in the QR alphanumeric set, like the ones temp_id.qr_code
# hands out, plus every punctuation character of that set.
my @tokens = (
	'AB12CD.HM3K0.ABCDEFGHJKLMNPQR',
	'0',
	'HELLO WORLD',
	'A $%*+-./:Z',
	' $%*+-./:',
	'$1.00 + 20% = $1.20: A*B/C-D',
	'ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210',
	'7Q2M.00000000000000000000000000000000000000000000000000.X',
	('K9' x 60),
	'Ab12cd.lowercase/8-bit',    # not alphanumeric: 8-bit mode, case kept
);

# Quote a token as an SQL literal (none of ours contain quotes, but be safe).
sub lit
{
	my ($s) = @_;
	$s =~ s/'/''/g;
	return "'$s'";
}

sub write_file_bin
{
	my ($path, $bytes) = @_;
	open my $fh, '>:raw', $path or die "could not write $path: $!";
	print $fh $bytes;
	close $fh or die "could not close $path: $!";
}

# zbarimg --raw prints the payload and a newline; exit status 0 when
# something was found.  Returns the decoded text (undef when nothing was).
sub zbar_decode
{
	my ($file) = @_;
	my ($out, $err) = ('', '');
	my $ok = run([ 'zbarimg', '--raw', '-q', $file ], '>', \$out, '2>', \$err);
	return undef unless $ok;
	$out =~ s/\n\z//;
	return $out;
}

my $n = 0;
foreach my $token (@tokens)
{
	$n++;
	my $label = "token $n ('" . (length($token) > 40 ? substr($token, 0, 40) . '...' : $token) . "')";

	# PNG, 4 px per module
	my $hex = $node->safe_psql('postgres',
		'SELECT encode(temp_id.qr_png(' . lit($token) . ", 4), 'hex')");
	my $png = pack('H*', $hex);
	is(substr($png, 0, 8), "\x89PNG\r\n\x1a\n", "$label: PNG signature");
	my $png_file = "$dir/qr_$n.png";
	write_file_bin($png_file, $png);
	is(zbar_decode($png_file), $token, "$label: PNG decodes to the token");

	# SVG, rasterised
	my $svg = $node->safe_psql('postgres',
		'SELECT temp_id.qr_svg(' . lit($token) . ', 4)');
	like($svg, qr/^<\?xml[^>]*>\s*<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/,
		"$label: SVG header");
	my $svg_file = "$dir/qr_$n.svg";
	my $svg_png = "$dir/qr_${n}_svg.png";
	open my $fh, '>:raw', $svg_file or die "could not write $svg_file: $!";
	print $fh $svg;
	close $fh or die "could not close $svg_file: $!";
	my ($out, $err) = ('', '');
	ok(run([ 'rsvg-convert', '-o', $svg_png, $svg_file ], '>', \$out, '2>', \$err),
		"$label: rsvg-convert accepts the SVG")
	  or diag($err);
	is(zbar_decode($svg_png), $token, "$label: SVG decodes to the token");
}

# qr_text: turn the half blocks back into pixels (a dark glyph part is a
# dark module: dark text on a light background) and scan that too.
sub text_to_pbm
{
	my ($text, $file, $scale) = @_;
	my @rows;
	foreach my $line (split /\n/, $text)
	{
		my (@upper, @lower);
		foreach my $c (split //, $line)
		{
			push @upper, ($c eq "\x{2580}" || $c eq "\x{2588}") ? 1 : 0;
			push @lower, ($c eq "\x{2584}" || $c eq "\x{2588}") ? 1 : 0;
		}
		push @rows, \@upper, \@lower;
	}
	write_pbm(\@rows, $file, $scale);
}

foreach my $i (0, 3, 5)
{
	my $token = $tokens[$i];
	my $text = $node->safe_psql('postgres',
		'SELECT temp_id.qr_text(' . lit($token) . ')');
	utf8::decode($text);
	my @lines = split /\n/, $text;
	my $v = $node->safe_psql('postgres',
		'SELECT temp_id.qr_version(' . lit($token) . ')');
	my $size = 17 + 4 * $v + 8;
	is(scalar(@lines), ($size + 1) / 2,
		"qr_text of '$token': two module rows per line");
	my $file = "$dir/qr_text_$i.pbm";
	text_to_pbm($text, $file, 4);
	is(zbar_decode($file), $token, "qr_text of '$token' decodes to the token");
}

# Our PNGs are 1-bit grayscale with filter type None on every row: read
# one back into rows of 0/1 pixels (1 = dark), checking that layout.
sub png_pixels
{
	my ($png) = @_;
	my ($pos, $idat, $w, $h) = (8, '', 0, 0);
	while ($pos < length($png))
	{
		my ($len, $type) = unpack('N a4', substr($png, $pos, 8));
		my $data = substr($png, $pos + 8, $len);
		$pos += 12 + $len;
		if ($type eq 'IHDR')
		{
			my ($depth, $colour);
			($w, $h, $depth, $colour) = unpack('N N C C', $data);
			die "not 1-bit grayscale" unless $depth == 1 && $colour == 0;
		}
		$idat .= $data if $type eq 'IDAT';
	}
	my $raw = uncompress($idat);
	die "bad zlib stream" unless defined $raw;
	my $rowbytes = int(($w + 7) / 8);
	die "unexpected data size" unless length($raw) == $h * (1 + $rowbytes);
	my @rows;
	for my $y (0 .. $h - 1)
	{
		my $row = substr($raw, $y * (1 + $rowbytes), 1 + $rowbytes);
		die "row $y has filter type " . ord($row) unless ord($row) == 0;
		my $bits = unpack('B*', substr($row, 1));
		push @rows, [ map { 1 - $_ } split //, substr($bits, 0, $w) ];
	}
	return \@rows;
}

sub write_pbm
{
	my ($rows, $file, $scale) = @_;
	open my $fh, '>', $file or die "could not write $file: $!";
	print $fh "P1\n", scalar(@{ $rows->[0] }) * $scale, ' ',
	  scalar(@$rows) * $scale, "\n";
	foreach my $r (@$rows)
	{
		my $line = join(' ', map { ($_) x $scale } @$r);
		print $fh "$line\n" for 1 .. $scale;
	}
	close $fh or die "could not close $file: $!";
}

# Module sizes: each PNG is exactly the 1-px image scaled up, and scans.
# (zbarimg cannot find a code at 1 px per module, so that one is scanned
# after scaling it up here.)
{
	my $token = 'AB12CD.HM3K0.ABCDEFGHJKLMNPQR';
	my %img;
	foreach my $px (1, 2, 3, 4, 16)
	{
		my $hex = $node->safe_psql('postgres',
			'SELECT encode(temp_id.qr_png(' . lit($token) . ", $px), 'hex')");
		my $png = pack('H*', $hex);
		$img{$px} = png_pixels($png);
		is(scalar @{ $img{$px} }, 33 * $px, "module_px $px: ${\(33 * $px)} pixels high");
		next if $px == 1;
		my $file = "$dir/qr_px$px.png";
		write_file_bin($file, $png);
		is(zbar_decode($file), $token, "module_px $px: PNG decodes to the token");
	}
	my $file = "$dir/qr_px1_x4.pbm";
	write_pbm($img{1}, $file, 4);
	is(zbar_decode($file), $token, 'module_px 1: PNG scaled up 4x decodes to the token');
	foreach my $px (2, 3, 4, 16)
	{
		my $same = 1;
		for my $y (0 .. 33 * $px - 1)
		{
			my $want = join('', map { ($_) x $px } @{ $img{1}[ int($y / $px) ] });
			$same = 0 unless join('', @{ $img{$px}[$y] }) eq $want;
		}
		ok($same, "module_px $px: the 1-px image scaled up $px times");
	}
	# the quiet zone: 4 light modules all round
	my @q = @{ $img{1} };
	my $edge = join('', map { @{ $q[$_] } } 0 .. 3, 29 .. 32)
	  . join('', map { @{ $_ }[ 0 .. 3, 29 .. 32 ] } @q);
	unlike($edge, qr/1/, 'module_px 1: 4-module quiet zone is light');
	is(join('', @{ $q[4] }[ 4 .. 10 ]), '1111111', 'finder pattern starts at module 4');
}

# A largest-size symbol (version 40) still scans.
{
	my $token = join('', map { ('0' .. '9', 'A' .. 'Z', ' ', '$', '%', '*', '+', '-', '.', '/', ':')[$_ % 45] } 0 .. 3390);
	is($node->safe_psql('postgres', 'SELECT temp_id.qr_version(' . lit($token) . ')'),
		'40', 'a 3391-character alphanumeric token needs version 40');
	my $hex = $node->safe_psql('postgres',
		'SELECT encode(temp_id.qr_png(' . lit($token) . ", 4), 'hex')");
	my $file = "$dir/qr_v40.png";
	write_file_bin($file, pack('H*', $hex));
	is(zbar_decode($file), $token, 'version 40: PNG decodes to the token');
}

$node->stop;
done_testing();

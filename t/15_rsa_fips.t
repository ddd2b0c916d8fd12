# OpenSSL in FIPS mode turns SuperTokensRSAAcceleration off by itself, and httpd's log says so
# once per start. A second httpd starts with OPENSSL_CONF naming a configuration whose
# default_properties are fips=yes (what `openssl fipsinstall` setups and SSLFIPS On do).
# Debian ships no FIPS provider, so OpenSSL can then do no RSA at all here: this test checks
# the start-up decision and its log line; that the fast path refuses keys in FIPS mode is
# checked in t/unit/test_rsa_ifma.c (fips_mode_turns_acceleration_off).
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use File::Temp qw(tempdir);
use IO::Socket::INET;
use lib 't/lib';
use STTest qw(standalone_conf);

my $vars = Apache::Test::vars();
my $notice = qr/AH10460: OpenSSL is in FIPS mode: SuperTokensRSAAcceleration is off/;

# the suite's own httpd (OpenSSL not in FIPS mode) never says it
my $suite_log = do { local (@ARGV, $/) = "$vars->{t_logs}/error_log"; <> } // '';
unlike($suite_log, $notice, 'without FIPS mode: no notice in the suite\'s log');

sub free_port {
    my $sock = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1', LocalPort => 0)
        or die "no free port: $!";
    my $p = $sock->sockport;
    close $sock;
    return $p;
}

# Starts httpd with $extra configuration and OPENSSL_CONF=$openssl_conf (undef: unset),
# waits for it to listen, stops it; returns its error_log.
sub run_httpd {
    my ($openssl_conf, $extra) = @_;
    my $dir = tempdir(CLEANUP => 1);
    my $port = free_port();
    open my $fh, '>', "$dir/httpd.conf" or die $!;
    print $fh standalone_conf($dir), <<"EOC", $extra;
Listen 127.0.0.1:$port
LogLevel notice
SuperTokensConnectionURI http://127.0.0.1:1
SuperTokensAPIDomain http://localhost:$port
SuperTokensWebsiteDomain http://localhost:3000
EOC
    close $fh;
    local $ENV{OPENSSL_CONF} = $openssl_conf;
    delete $ENV{OPENSSL_CONF} unless defined $openssl_conf;
    my $out = `$vars->{httpd} -f $dir/httpd.conf -k start 2>&1`;
    my $up;
    for (1 .. 100) {
        last if ($up = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port", Timeout => 1));
        select(undef, undef, undef, 0.1);
    }
    diag $out unless $up;
    system("$vars->{httpd} -f $dir/httpd.conf -k stop >/dev/null 2>&1");
    for (1 .. 100) { last unless -e "$dir/httpd.pid"; select(undef, undef, undef, 0.1); }
    return ($up, do { local (@ARGV, $/) = "$dir/error_log"; <> } // '');
}

my $cnfdir = tempdir(CLEANUP => 1);
my $cnf = "$cnfdir/openssl-fips.cnf";
{
    open my $fh, '>', $cnf or die $!;
    print $fh <<'EOC';
openssl_conf = openssl_init
[openssl_init]
alg_section = algorithm_sect
[algorithm_sect]
default_properties = fips=yes
EOC
}

my ($up, $log) = run_httpd($cnf, '');
ok($up, 'httpd starts with OpenSSL in FIPS mode');
my @lines = $log =~ /^(.*$notice.*)$/mg;
is(scalar @lines, 1, 'FIPS mode: the notice is logged once per start') or diag $log;
like($lines[0] // '', qr/\[supertokens:notice\]/, 'FIPS mode: at notice level');

($up, $log) = run_httpd($cnf, "SuperTokensRSAAcceleration Off\n");
ok($up, 'httpd starts with OpenSSL in FIPS mode and acceleration Off');
unlike($log, $notice, 'acceleration already Off: nothing to announce');

($up, $log) = run_httpd(undef, '');
ok($up, 'httpd starts without FIPS mode');
unlike($log, $notice, 'without FIPS mode: no notice');

done_testing();

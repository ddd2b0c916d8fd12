# STCore: starts and stops the SuperTokens core doubles (t/core/core.js) the suite talks to.
#
# Each double gets a free loopback port, exported as an environment variable before httpd
# starts, so extra.conf.in can say http://127.0.0.1:${ST_CORE_PORT}.
#
# For the core client tests (t/05_core_client.t, t/conf/core_client.conf.in) it also starts
# doubles of their own (ST_CC_*_PORT: their faults never disturb the shared ST_CORE_PORT),
# TLS fronts (t/core/tls-front.js) with throw-away certificates made at start-up in
# t/logs/certs (t/core/make-test-certs), and reserves a closed port (ST_CC_CLOSED_PORT: bound,
# never listening, so a connect is refused). A test can stop a double and start it again on
# the same port with stop_double / restart_double.
#
# For the ThirdParty tests (t/19_*.t): t/idp/idp.js (ST_IDP_PORT; over https as ST_IDP_TLS_PORT),
# t/idp/proxy.js (ST_PROXY_PORT, an outgoing proxy) and npm's oidc-provider (t/oidc/server.mjs,
# ST_OIDC_PORT).
package STCore;
use strict;
use warnings;
use IO::Socket::INET ();
use POSIX ();
use File::Spec ();
use Time::HiRes qw(sleep);

our $API_KEY = 'st-test-api-key-0123456789abcdef';

# env var => extra flags for the double
our %DOUBLES = (
    ST_CORE_PORT       => ['--api-key', $API_KEY],
    # short-lived access tokens (2 s) for expiry and refresh flows
    ST_CORE_SHORT_PORT => ['--api-key', $API_KEY, '--access-token-validity', '2'],
    # t/05_core_client.t: faults, keep-alive counts and request headers (also behind the TLS fronts)
    ST_CC_A_PORT       => ['--api-key', $API_KEY],
    # t/05_core_client.t: the live second URL of the failover vhost
    ST_CC_B_PORT       => ['--api-key', $API_KEY],
    # t/05_core_client.t: stopped and restarted by the test (core down, then back)
    ST_CC_DOWN_PORT    => ['--api-key', $API_KEY],
    # t/05_core_client.t: a vhost with a wrong api-key talks to it
    ST_CC_KEY_PORT     => ['--api-key', $API_KEY],
    # t/05_core_client.t: a core without CDI 5.4
    ST_CC_OLD_PORT     => ['--api-key', $API_KEY, '--max-cdi', '5.3'],
    # t/13_jwks_slow.t: its JWKS answers late (latency rules) without slowing other tests
    ST_JWKS_PORT       => ['--api-key', $API_KEY],
    # t/19_thirdparty.t: sign-ins with identity providers (t/idp/idp.js)
    ST_TP_CORE_PORT    => ['--api-key', $API_KEY],
    # t/18_passwordless*.t: its code lifetime is shortened by the test (expired codes)
    ST_PL_PORT         => ['--api-key', $API_KEY],
    # t/15_vcache.t: its keys are rotated away under tokens the verification cache holds
    ST_VC_PORT         => ['--api-key', $API_KEY],
);

# env var => [certificate name in t/logs/certs, env var of the double it forwards to]
our %TLS_FRONTS = (
    ST_CC_TLS_PORT       => ['server', 'ST_CC_A_PORT'],   # signed by the private CA for 127.0.0.1
    ST_CC_TLS_WRONG_PORT => ['wrong', 'ST_CC_A_PORT'],    # signed by the CA, for another host name
    ST_IDP_TLS_WRONG_PORT => ['wrong', 'ST_IDP_PORT'],    # t/19_thirdparty_tls.t: a provider of another host name
);

our $CERT_DIR = 't/logs/certs';
our $OIDC_SCRIPT = 't/oidc/server.mjs';

my %pids;
my %used_ports;
my $closed_sock;  # keeps ST_CC_CLOSED_PORT bound (and so unused) while the suite runs
my $owner = $$;   # only the process that started the doubles stops them

sub free_port {
    for (1 .. 20) {
        my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Proto => 'tcp',
                                      Listen => 1, ReuseAddr => 1) or die "no free port: $!";
        my $port = $s->sockport;
        close $s;
        next if $used_ports{$port}++;   # never hand the same port to two services
        return $port;
    }
    die "no free port\n";
}

sub wait_up {
    my ($port) = @_;
    for (1 .. 200) {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp');
        if ($s) { close $s; return 1; }
        sleep 0.05;
    }
    return 0;
}

# 1 once nothing accepts connections on the port any more
sub wait_down {
    my ($port) = @_;
    for (1 .. 200) {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp');
        return 1 unless $s;
        close $s;
        sleep 0.05;
    }
    return 0;
}

# spawn(ENV_VAR, port, script, flags...): a node server given --port; returns at once
sub spawn {
    my ($var, $port, $script, @flags) = @_;
    my $log = "t/logs/core-$var.log";
    my $pid = fork();
    die "fork: $!" unless defined $pid;
    if ($pid == 0) {
        open STDOUT, '>>', $log or POSIX::_exit(1);
        open STDERR, '>&', \*STDOUT;
        exec('node', $script, '--port', $port, @flags) or POSIX::_exit(1);
    }
    $pids{$var} = $pid;
    $ENV{$var} = $port;
    if (open my $fh, '>', "t/logs/core-$var.pid") { print $fh "$pid\n"; close $fh; }
    return $port;
}

sub wait_started {
    my ($var, $script) = @_;
    wait_up($ENV{$var}) or die "$script ($var) did not start (see t/logs/core-$var.log)\n";
}

# start_one(ENV_VAR, script, flags...): a node server on a free port given as --port
sub start_one {
    my ($var, $script, @flags) = @_;
    my $port = spawn($var, free_port(), $script, @flags);
    wait_started($var, $script);
    return $port;
}

# start_all(vars): vars are Apache::Test's config vars (the vhost ports, for the redirect URIs
# of the OpenID Connect provider's client)
sub start_all {
    my ($vars) = @_;
    mkdir 't/logs' unless -d 't/logs';
    # Apache::Test answers an httpd that fails to start with kill TERM => $$, which skips END
    # blocks: stop what was started here first.
    $SIG{TERM} = sub { stop_all() if $$ == $owner; $SIG{TERM} = 'DEFAULT'; kill 'TERM', $$ };
    # every double at once, then wait for all of them
    spawn($_, free_port(), 't/core/core.js', @{ $DOUBLES{$_} }) for sort keys %DOUBLES;
    spawn('ST_BACKEND_PORT', free_port(), 't/backend/echo.js');
    spawn('ST_IDP_PORT', free_port(), 't/idp/idp.js', '--apple-key', "$CERT_DIR/apple.p8");
    spawn('ST_PROXY_PORT', free_port(), 't/idp/proxy.js');
    my $oidc = start_oidc($vars || {});
    start_tls_fronts();
    wait_started($_, 't/core/core.js') for sort keys %DOUBLES;
    wait_started('ST_BACKEND_PORT', 't/backend/echo.js');
    wait_started('ST_IDP_PORT', 't/idp/idp.js');
    wait_started('ST_PROXY_PORT', 't/idp/proxy.js');
    wait_started('ST_IDP_TLS_PORT', 't/idp/idp.js');
    wait_started('ST_OIDC_PORT', $OIDC_SCRIPT) if $oidc;
    wait_started($_, 't/core/tls-front.js') for sort keys %TLS_FRONTS;
    reserve_closed_port();
    start_php_fpm();
}

# A real OpenID Connect provider (npm's oidc-provider, t/oidc/server.mjs) for the browser tests of
# t/19_thirdparty_browser.t and t/20_prebuilt_ui.t; its client accepts the callback pages of the
# vhosts tp_page (the built-in page), tp_site (supertokens-web-js) and pb_site (the prebuilt UI). Not started when t/oidc/node_modules is
# missing (build/install-deps installs it): ST_OIDC_PORT is then a port nothing listens on, and
# the test says what is missing.
sub start_oidc {
    my ($vars) = @_;
    my @uris = map { "http://localhost:$_" } grep { defined }
        ($vars->{tp_page_port} ? "$vars->{tp_page_port}/auth/callback/node-oidc" : undef),
        ($vars->{tp_site_port} ? "$vars->{tp_site_port}/callback/node-oidc" : undef),
        ($vars->{pb_site_port} ? "$vars->{pb_site_port}/auth/callback/node-oidc" : undef);
    if (!@uris || !-d 't/oidc/node_modules/oidc-provider') {
        $ENV{ST_OIDC_PORT} = free_port();
        return 0;
    }
    spawn('ST_OIDC_PORT', free_port(), $OIDC_SCRIPT, map { ('--redirect-uri', $_) } @uris);
    return 1;
}

# Test certificates (generated here, never committed), one TLS front per %TLS_FRONTS entry, and
# the identity provider over https (ST_IDP_TLS_PORT, the CA's certificate for 127.0.0.1).
sub start_tls_fronts {
    system('t/core/make-test-certs', $CERT_DIR) == 0 or die "t/core/make-test-certs failed\n";
    spawn('ST_IDP_TLS_PORT', free_port(), 't/idp/idp.js', '--cert', "$CERT_DIR/server.pem", '--key', "$CERT_DIR/server.key");
    for my $var (sort keys %TLS_FRONTS) {
        my ($cert, $target) = @{ $TLS_FRONTS{$var} };
        spawn($var, free_port(), 't/core/tls-front.js', '--target', "127.0.0.1:$ENV{$target}",
              '--cert', "$CERT_DIR/$cert.pem", '--key', "$CERT_DIR/$cert.key");
    }
}

# A port that refuses connections: bound for the whole run, never listening.
sub reserve_closed_port {
    $closed_sock = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Proto => 'tcp')
        or die "cannot reserve a closed port: $!";
    $ENV{ST_CC_CLOSED_PORT} = $closed_sock->sockport;
}

# From a test: stop the double behind ENV_VAR (started by the suite or by restart_double) and
# wait until its port refuses connections.
sub stop_double {
    my ($var) = @_;
    my $port = $ENV{$var} or die "$var is not set\n";
    my $pid = $pids{$var};
    if (!$pid && open my $fh, '<', "t/logs/core-$var.pid") { ($pid) = <$fh> =~ /(\d+)/; close $fh; }
    die "no pid for $var\n" unless $pid;
    kill 'TERM', $pid;
    waitpid($pid, 0) if delete $pids{$var};   # reap it if it is ours
    wait_down($port) or die "$var (pid $pid) still accepts connections on $port\n";
}

# From a test: start the double behind ENV_VAR again, on the same port and with the same flags
# (a fresh process: new signing keys, no sessions). Stopped when the calling process exits.
sub restart_double {
    my ($var) = @_;
    my $port = $ENV{$var} or die "$var is not set\n";
    spawn($var, $port, 't/core/core.js', @{ $DOUBLES{$var} || die "unknown double $var\n" });
    wait_started($var, 't/core/core.js');
    return $port;
}

# php-fpm on a loopback port for the PHP tests (mod_proxy_fcgi); skipped if not installed.
sub start_php_fpm {
    my ($fpm) = sort { $b cmp $a } glob('/usr/sbin/php-fpm*');
    $ENV{ST_PHPFPM_PORT} = 9;   # discard port: PHP requests fail clearly if php-fpm is absent
    return unless $fpm && -x $fpm;
    my $port = free_port();
    my $dir = File::Spec->rel2abs('t/logs');
    open my $fh, '>', "$dir/php-fpm.conf" or die "php-fpm.conf: $!";
    print $fh <<"EOC";
[global]
error_log = $dir/php-fpm.log
pid = $dir/php-fpm.pid
daemonize = no
[www]
listen = 127.0.0.1:$port
pm = static
pm.max_children = 3
catch_workers_output = yes
EOC
    close $fh;
    my $pid = fork();
    die "fork: $!" unless defined $pid;
    if ($pid == 0) {
        open STDOUT, '>>', "$dir/php-fpm.log" or POSIX::_exit(1);
        open STDERR, '>&', \*STDOUT;
        exec($fpm, '-n', '-F', '-y', "$dir/php-fpm.conf") or POSIX::_exit(1);
    }
    wait_up($port) or die "php-fpm did not start (see $dir/php-fpm.log)\n";
    $pids{ST_PHPFPM_PORT} = $pid;
    $ENV{ST_PHPFPM_PORT} = $port;
}

sub stop_all {
    for my $var (keys %pids) {
        kill 'TERM', $pids{$var};
        waitpid $pids{$var}, 0;
        delete $pids{$var};
    }
    close $closed_sock if $closed_sock;
    $closed_sock = undef;
}

END { stop_all() if $$ == $owner }

1;

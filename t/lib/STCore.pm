# STCore: starts and stops the SuperTokens core doubles (t/core/core.js) the suite talks to.
#
# Each double gets a free loopback port, exported as an environment variable before httpd
# starts, so extra.conf.in can say http://127.0.0.1:${ST_CORE_PORT}.
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
);

my %pids;
my $owner = $$;   # only the process that started the doubles stops them

sub free_port {
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Proto => 'tcp',
                                  Listen => 1, ReuseAddr => 1) or die "no free port: $!";
    my $port = $s->sockport;
    close $s;
    return $port;
}

sub wait_up {
    my ($port) = @_;
    for (1 .. 100) {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp');
        if ($s) { close $s; return 1; }
        sleep 0.05;
    }
    return 0;
}

# start_one(ENV_VAR, script, flags...): a node server on a free port given as --port
sub start_one {
    my ($var, $script, @flags) = @_;
    my $port = free_port();
    my $log = "t/logs/core-$var.log";
    my $pid = fork();
    die "fork: $!" unless defined $pid;
    if ($pid == 0) {
        open STDOUT, '>>', $log or POSIX::_exit(1);
        open STDERR, '>&', \*STDOUT;
        exec('node', $script, '--port', $port, @flags) or POSIX::_exit(1);
    }
    wait_up($port) or die "$script ($var) did not start (see $log)\n";
    $pids{$var} = $pid;
    $ENV{$var} = $port;
    return $port;
}

sub start_all {
    mkdir 't/logs' unless -d 't/logs';
    start_one($_, 't/core/core.js', @{ $DOUBLES{$_} }) for sort keys %DOUBLES;
    start_one('ST_BACKEND_PORT', 't/backend/echo.js');
    start_php_fpm();
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
}

END { stop_all() if $$ == $owner }

1;

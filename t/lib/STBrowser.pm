# STBrowser: what the browser test files (t/09_browser.t, t/15_plain_browser.t,
# t/17_verify_email_browser.t, t/18_passwordless_browser.t, t/19_thirdparty_browser.t) share:
# their vhosts' URLs, the check that node, Chromium and the npm packages are there, and running
# a runner of t/browser under a time limit, each check it prints (t/browser/lib.js: one JSON
# object a line) made a Test::More check.
package STBrowser;
use strict;
use warnings;
use Apache::Test ();
use Test::More ();
use JSON::PP ();
use POSIX ();

# vhost_urls(qw(website login)) -> (website => 'http://localhost:<port>', login => ...)
sub vhost_urls {
    return map { $_ => 'http://localhost:' . (Apache::Test::vars("${_}_port") // die "no ${_}_port\n") } @_;
}

# node, Chromium, and the named npm packages in t/browser/node_modules: a check each (the
# packages one check); a missing one fails, with how to install it.
sub tools_ok {
    my @packages = @_;
    my $t = Apache::Test::vars('t_dir');
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    Test::More::ok(system('sh', '-c', 'command -v node >/dev/null') == 0, 'node is installed');
    Test::More::ok(-x ($ENV{ST_CHROMIUM} // '/usr/bin/chromium'), 'Chromium is installed (Debian package chromium)')
        or Test::More::diag('run build/install-deps as root');
    Test::More::ok(!grep({ !-d "$t/browser/node_modules/$_" } @packages),
                   join(' and ', @packages) . (@packages > 1 ? ' are' : ' is') . ' installed in t/browser')
        or Test::More::diag('run build/install-deps');
}

# run_browser('plain.js', [options], timeout => 150, min_checks => 60, ran => 'every scenario'):
# runs node t/browser/<script> (its stderr in t/logs/browser-<script name>.err) for at most
# timeout seconds, makes each {"ok"} line a check, each {"note"} a note (its diag, the browser's
# errors, a diag); then checks that the runner finished ({"done"}, exit 0) with at least
# min_checks checks.
sub run_browser {
    my ($script, $options, %o) = @_;
    my $t = Apache::Test::vars('t_dir');
    (my $errfile = Apache::Test::vars('t_logs') . "/browser-$script") =~ s/\.js$/.err/;
    my $timeout = $o{timeout} // 120;
    my $min_checks = $o{min_checks} // die "run_browser: min_checks is required\n";
    local $Test::Builder::Level = $Test::Builder::Level + 1;

    my $pid = open(my $fh, '-|') // die "fork: $!";
    if (!$pid) {
        open STDERR, '>', $errfile or POSIX::_exit(1);
        exec 'node', "$t/browser/$script", @$options or POSIX::_exit(127);
    }
    my ($checks, $done) = (0, undef);
    eval {
        local $Test::Builder::Level = $Test::Builder::Level + 1; # the eval is a frame too
        local $SIG{ALRM} = sub { die "timeout\n" };
        alarm $timeout;
        while (my $line = <$fh>) {
            my $o = eval { JSON::PP::decode_json($line) };
            if (!$o) { Test::More::diag("$script: $line"); next; }
            if (exists $o->{ok}) {
                $checks++;
                Test::More::ok($o->{ok} ? 1 : 0, $o->{name}) or Test::More::diag($o->{diag} // '');
            } elsif ($o->{done}) {
                $done = $o;
            } elsif (defined $o->{note}) {
                Test::More::note($o->{note});
                Test::More::diag($o->{diag}) if defined $o->{diag};
            }
        }
        alarm 0;
        1;
    } or do {
        kill 'TERM', $pid;
        Test::More::ok(0, "$script finished within $timeout s");
    };
    close $fh;
    my $status = $? >> 8;
    my $err = do { local (@ARGV, $/) = $errfile; -e $ARGV[0] ? <> : '' } // '';
    Test::More::ok($status == 0 && $done && $checks >= $min_checks,
                   "$script ran " . ($o{ran} // 'every scenario') . " ($checks checks, exit $status)")
        or Test::More::diag($err);
    Test::More::note("browser tests took $done->{ms} ms") if $done;
    return $checks;
}

1;

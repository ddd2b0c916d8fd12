# Browser tests (t/browser/run.js): Debian's headless Chromium driven by playwright-core.
#   1. On a website origin that is not the API origin, the official supertokens-web-js SDK signs
#      up, calls a protected PHP page on the API origin (REMOTE_USER = the new user), waits past
#      the 2-second access-token lifetime, calls again (the SDK refreshes transparently), signs
#      out and gets 401.
#   2. A plain navigation to a protected page with SuperTokensUnauthAction redirect lands on the
#      built-in login page; sign-up there (after a refused weak password) comes back to the page
#      showing the user, and a fresh browser signs in with the same credentials (after a wrong
#      password). Screenshots of the page: t/logs/browser-login-page*.png.
# Needs node, t/browser/node_modules (build/install-deps) and /usr/bin/chromium; a missing one
# fails the test. ST_SKIP_BROWSER=1 skips it explicitly.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use JSON::PP ();
use POSIX ();
use lib 't/lib';
use STTest ();

plan skip_all => 'ST_SKIP_BROWSER is set' if $ENV{ST_SKIP_BROWSER};

my $t = Apache::Test::vars('t_dir');
my $logs = Apache::Test::vars('t_logs');
my %url = map { $_ => 'http://localhost:' . (Apache::Test::vars("${_}_port") // die "no ${_}_port\n") }
          qw(website browser_api login);

ok(system('sh', '-c', 'command -v node >/dev/null') == 0, 'node is installed');
ok(-x ($ENV{ST_CHROMIUM} // '/usr/bin/chromium'), 'Chromium is installed (Debian package chromium)')
    or diag 'run build/install-deps as root';
ok(-d "$t/browser/node_modules/playwright-core" && -d "$t/browser/node_modules/supertokens-web-js",
   'playwright-core and supertokens-web-js are installed in t/browser') or diag 'run build/install-deps';

my @cmd = ('node', "$t/browser/run.js", '--website', $url{website}, '--api', $url{browser_api},
           '--login', $url{login}, '--core', 'http://127.0.0.1:' . ($ENV{ST_CORE_PORT} // die "ST_CORE_PORT is not set\n"),
           '--api-key', $STTest::API_KEY, '--logs', $logs);
my $pid = open(my $fh, '-|') // die "fork: $!";
if (!$pid) {
    open STDERR, '>', "$logs/browser-run.err" or POSIX::_exit(1);
    exec @cmd or POSIX::_exit(127);
}
my ($checks, $done) = (0, undef);
eval {
    local $SIG{ALRM} = sub { die "timeout\n" };
    alarm 120;
    while (my $line = <$fh>) {
        my $o = eval { JSON::PP::decode_json($line) };
        if (!$o) { diag "run.js: $line"; next; }
        if (exists $o->{ok}) {
            $checks++;
            ok($o->{ok} ? 1 : 0, $o->{name}) or diag $o->{diag} // '';
        } elsif ($o->{done}) {
            $done = $o;
        } elsif (defined $o->{note}) {
            note $o->{note};
            diag $o->{diag} if defined $o->{diag};
        }
    }
    alarm 0;
    1;
} or do {
    kill 'TERM', $pid;
    ok(0, 'run.js finished within 120 s');
};
close $fh;
my $status = $? >> 8;
my $err = do { local (@ARGV, $/) = "$logs/browser-run.err"; -e $ARGV[0] ? <> : '' } // '';
ok($status == 0 && $done && $checks >= 34, "run.js ran both scenarios ($checks checks, exit $status)")
    or diag $err;
note "browser tests took $done->{ms} ms" if $done;

done_testing();

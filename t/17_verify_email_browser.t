# Browser test of the built-in verify-email page (issue 16), t/browser/verify.js: Debian's headless
# Chromium (playwright-core) on a php-fpm page of the "verify_page" vhost
# (SuperTokensEmailVerification required, t/conf/verify_page.conf.in):
#   - a user signs up through the built-in page on the way to the PHP page and lands on "check
#     your inbox" (redirectToPath kept), which asks for the link at once; the check button says
#     "not yet"; "Send the link again" calls the API and reaches the delivery;
#   - the delivered link (t/bin/capture-verify-page) opened in a second tab verifies the email
#     and continues to the PHP page, signed in with st-ev true; the first tab continues by itself;
#   - the used link shows the error and the way to a new link;
#   - the link opened in a browser without a session verifies the email too.
# Screenshots of each state (800x600): t/logs/screenshots/verify-email*.png (copies in
# docs/screenshots). Needs node, t/browser/node_modules and /usr/bin/chromium like
# t/15_plain_browser.t; ST_SKIP_BROWSER=1 skips it.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use JSON::PP ();
use POSIX ();

plan skip_all => 'ST_SKIP_BROWSER is set' if $ENV{ST_SKIP_BROWSER};

my $t = Apache::Test::vars('t_dir');
my $logs = Apache::Test::vars('t_logs');
my $page = 'http://localhost:' . (Apache::Test::vars('verify_page_port') // die "no verify_page_port\n");
unlink "$logs/verify-delivery-page.txt", glob("$logs/screenshots/verify-email*.png");

ok(system('sh', '-c', 'command -v node >/dev/null') == 0, 'node is installed');
ok(-x ($ENV{ST_CHROMIUM} // '/usr/bin/chromium'), 'Chromium is installed (Debian package chromium)')
    or diag 'run build/install-deps as root';
ok(-d "$t/browser/node_modules/playwright-core", 'playwright-core is installed in t/browser') or diag 'run build/install-deps';

my @cmd = ('node', "$t/browser/verify.js", '--page', $page, '--logs', $logs, '--shots', "$logs/screenshots");
my $pid = open(my $fh, '-|') // die "fork: $!";
if (!$pid) {
    open STDERR, '>', "$logs/browser-verify.err" or POSIX::_exit(1);
    exec @cmd or POSIX::_exit(127);
}
my ($checks, $done) = (0, undef);
eval {
    local $SIG{ALRM} = sub { die "timeout\n" };
    alarm 120;
    while (my $line = <$fh>) {
        my $o = eval { JSON::PP::decode_json($line) };
        if (!$o) { diag "verify.js: $line"; next; }
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
    ok(0, 'verify.js finished within 120 s');
};
close $fh;
my $status = $? >> 8;
my $err = do { local (@ARGV, $/) = "$logs/browser-verify.err"; -e $ARGV[0] ? <> : '' } // '';
ok($status == 0 && $done && $checks >= 36, "verify.js ran every scenario ($checks checks, exit $status)") or diag $err;
my @shots = glob("$logs/screenshots/verify-email*.png");
ok(@shots >= 5, scalar(@shots) . ' screenshots of the verify-email page in t/logs/screenshots');
note "browser tests took $done->{ms} ms" if $done;

done_testing();

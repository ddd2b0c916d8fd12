# Browser tests of apps without a JavaScript frontend (issue 15), t/browser/plain.js: Debian's
# headless Chromium (playwright-core) on a php-fpm page of the "plain" vhost (2-second access
# tokens, t/conf/plain.conf.in):
#   - navigation after expiry: same page, signed in, no sign-in page, the refresh token rotated
#     (the old one is then token theft); a form POST after expiry reaches PHP intact (307);
#   - the README's sign-out form with an expired token: cookies gone, session revoked in the
#     core, landing on redirectToPath; a form on another origin cannot sign out (403);
#   - "Forgot password?" through the delivered link to signing in with the new password;
#   - SuperTokensSignUp Off (supertokens-web-js gets SIGN_UP_NOT_ALLOWED and its reason) and
#     SuperTokensSignUpEmailDomains (a@evil.test refused on the page, a@example.com accepted);
#   - REMOTE_USER = the email (SuperTokensEmailClaim + SuperTokensRemoteUserClaim email).
# Screenshots of every page (800x600): t/logs/screenshots/*.png (copies in docs/screenshots).
# Needs node, t/browser/node_modules and /usr/bin/chromium like t/09_browser.t; ST_SKIP_BROWSER=1
# skips it.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use JSON::PP ();
use POSIX ();

plan skip_all => 'ST_SKIP_BROWSER is set' if $ENV{ST_SKIP_BROWSER};

my $t = Apache::Test::vars('t_dir');
my $logs = Apache::Test::vars('t_logs');
my %url = map { $_ => 'http://localhost:' . (Apache::Test::vars("${_}_port") // die "no ${_}_port\n") }
          qw(plain plain_nosignup plain_domains website);

ok(system('sh', '-c', 'command -v node >/dev/null') == 0, 'node is installed');
ok(-x ($ENV{ST_CHROMIUM} // '/usr/bin/chromium'), 'Chromium is installed (Debian package chromium)')
    or diag 'run build/install-deps as root';
ok(-d "$t/browser/node_modules/playwright-core" && -d "$t/browser/node_modules/supertokens-web-js",
   'playwright-core and supertokens-web-js are installed in t/browser') or diag 'run build/install-deps';

my @cmd = ('node', "$t/browser/plain.js", '--plain', $url{plain}, '--nosignup', $url{plain_nosignup},
           '--domains', $url{plain_domains}, '--website', $url{website}, '--logs', $logs, '--shots', "$logs/screenshots");
my $pid = open(my $fh, '-|') // die "fork: $!";
if (!$pid) {
    open STDERR, '>', "$logs/browser-plain.err" or POSIX::_exit(1);
    exec @cmd or POSIX::_exit(127);
}
my ($checks, $done) = (0, undef);
eval {
    local $SIG{ALRM} = sub { die "timeout\n" };
    alarm 150;
    while (my $line = <$fh>) {
        my $o = eval { JSON::PP::decode_json($line) };
        if (!$o) { diag "plain.js: $line"; next; }
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
    ok(0, 'plain.js finished within 150 s');
};
close $fh;
my $status = $? >> 8;
my $err = do { local (@ARGV, $/) = "$logs/browser-plain.err"; -e $ARGV[0] ? <> : '' } // '';
ok($status == 0 && $done && $checks >= 60, "plain.js ran every scenario ($checks checks, exit $status)") or diag $err;
my @shots = glob("$logs/screenshots/*.png");
ok(@shots >= 9, scalar(@shots) . ' screenshots of the pages in t/logs/screenshots');
note "browser tests took $done->{ms} ms" if $done;

done_testing();

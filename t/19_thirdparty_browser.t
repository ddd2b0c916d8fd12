# Browser tests of the ThirdParty recipe (issue 19), t/browser/thirdparty.js: Debian's headless
# Chromium (playwright-core) against a real OpenID Connect provider, npm's oidc-provider with its
# development login and consent screens (t/oidc/server.mjs), and the GitHub-style stand-in of
# t/idp/idp.js (t/conf/thirdparty_browser.conf.in):
#   - a protected PHP page -> the built-in sign-in page -> "Continue with Acme SSO" -> the
#     provider's login and consent -> the callback page -> the PHP page with REMOTE_USER;
#     the same user again in a fresh browser;
#   - the provider's return opened in another browser: refused by the state check, the code
#     unused (the browser that started the sign-in then completes it); "Cancel" at the provider;
#   - "Continue with Github" through the GitHub-style flow;
#   - a host with the thirdparty recipe only: the sign-in page is the provider's button;
#   - supertokens-web-js's thirdparty recipe on another origin (getAuthorisationURLWithQuery-
#     ParamsAndSetState, signInAndUp) to a credentialed fetch of the PHP page with REMOTE_USER.
# Screenshots (800 wide): t/logs/screenshots/{sign-in-providers,thirdparty-*}.png (copies in
# docs/screenshots). Needs node, t/browser/node_modules, t/oidc/node_modules and
# /usr/bin/chromium; ST_SKIP_BROWSER=1 skips it.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use JSON::PP ();
use POSIX ();
use lib 't/lib';
use STCore ();

plan skip_all => 'ST_SKIP_BROWSER is set' if $ENV{ST_SKIP_BROWSER};

my $t = Apache::Test::vars('t_dir');
my $logs = Apache::Test::vars('t_logs');
my %url = map { $_ => 'http://localhost:' . (Apache::Test::vars("${_}_port") // die "no ${_}_port\n") } qw(tp_page tp_only tp_site tp_sdk);
unlink glob("$logs/screenshots/thirdparty-*.png"), glob("$logs/screenshots/sign-in-providers*.png");

ok(system('sh', '-c', 'command -v node >/dev/null') == 0, 'node is installed');
ok(-x ($ENV{ST_CHROMIUM} // '/usr/bin/chromium'), 'Chromium is installed (Debian package chromium)')
    or diag 'run build/install-deps as root';
ok(-d "$t/browser/node_modules/playwright-core" && -d "$t/browser/node_modules/supertokens-web-js",
   'playwright-core and supertokens-web-js are installed in t/browser') or diag 'run build/install-deps';
ok(-d "$t/oidc/node_modules/oidc-provider", 'oidc-provider is installed in t/oidc') or diag 'run build/install-deps';

my @cmd = ('node', "$t/browser/thirdparty.js", '--page', $url{tp_page}, '--only', $url{tp_only}, '--site', $url{tp_site}, '--sdk', $url{tp_sdk},
           '--oidc', "http://127.0.0.1:$ENV{ST_OIDC_PORT}", '--idp', "http://127.0.0.1:$ENV{ST_IDP_PORT}",
           '--core', "http://127.0.0.1:$ENV{ST_TP_CORE_PORT}", '--api-key', $STCore::API_KEY,
           '--logs', $logs, '--shots', "$logs/screenshots");
my $pid = open(my $fh, '-|') // die "fork: $!";
if (!$pid) {
    open STDERR, '>', "$logs/browser-thirdparty.err" or POSIX::_exit(1);
    exec @cmd or POSIX::_exit(127);
}
my ($checks, $done) = (0, undef);
eval {
    local $SIG{ALRM} = sub { die "timeout\n" };
    alarm 150;
    while (my $line = <$fh>) {
        my $o = eval { JSON::PP::decode_json($line) };
        if (!$o) { diag "thirdparty.js: $line"; next; }
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
    ok(0, 'thirdparty.js finished within 150 s');
};
close $fh;
my $status = $? >> 8;
my $err = do { local (@ARGV, $/) = "$logs/browser-thirdparty.err"; -e $ARGV[0] ? <> : '' } // '';
ok($status == 0 && $done && $checks >= 57, "thirdparty.js ran every scenario ($checks checks, exit $status)") or diag $err;
my @shots = (glob("$logs/screenshots/thirdparty-*.png"), glob("$logs/screenshots/sign-in-providers*.png"));
ok(@shots >= 8, scalar(@shots) . ' screenshots of the third-party pages in t/logs/screenshots');
note "browser tests took $done->{ms} ms" if $done;

done_testing();

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
use lib 't/lib';
use STBrowser ();

plan skip_all => 'ST_SKIP_BROWSER is set' if $ENV{ST_SKIP_BROWSER};

my $logs = Apache::Test::vars('t_logs');
my %url = STBrowser::vhost_urls(qw(plain plain_nosignup plain_domains website));

STBrowser::tools_ok('playwright-core', 'supertokens-web-js');
STBrowser::run_browser('plain.js', ['--plain', $url{plain}, '--nosignup', $url{plain_nosignup}, '--domains', $url{plain_domains},
                                    '--website', $url{website}, '--logs', $logs, '--shots', "$logs/screenshots"],
                       timeout => 150, min_checks => 60);
my @shots = glob("$logs/screenshots/*.png");
ok(@shots >= 9, scalar(@shots) . ' screenshots of the pages in t/logs/screenshots');

done_testing();

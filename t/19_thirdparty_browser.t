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
use lib 't/lib';
use STCore ();
use STBrowser ();

plan skip_all => 'ST_SKIP_BROWSER is set' if $ENV{ST_SKIP_BROWSER};

my $t = Apache::Test::vars('t_dir');
my $logs = Apache::Test::vars('t_logs');
my %url = STBrowser::vhost_urls(qw(tp_page tp_only tp_site tp_sdk));
unlink glob("$logs/screenshots/thirdparty-*.png"), glob("$logs/screenshots/sign-in-providers*.png");

STBrowser::tools_ok('playwright-core', 'supertokens-web-js');
ok(-d "$t/oidc/node_modules/oidc-provider", 'oidc-provider is installed in t/oidc') or diag 'run build/install-deps';
STBrowser::run_browser('thirdparty.js', ['--page', $url{tp_page}, '--only', $url{tp_only}, '--site', $url{tp_site}, '--sdk', $url{tp_sdk},
                                         '--oidc', "http://127.0.0.1:$ENV{ST_OIDC_PORT}", '--idp', "http://127.0.0.1:$ENV{ST_IDP_PORT}",
                                         '--core', "http://127.0.0.1:$ENV{ST_TP_CORE_PORT}", '--api-key', $STCore::API_KEY,
                                         '--logs', $logs, '--shots', "$logs/screenshots"],
                       timeout => 150, min_checks => 57);
my @shots = (glob("$logs/screenshots/thirdparty-*.png"), glob("$logs/screenshots/sign-in-providers*.png"));
ok(@shots >= 8, scalar(@shots) . ' screenshots of the third-party pages in t/logs/screenshots');

done_testing();

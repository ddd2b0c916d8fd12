# The official prebuilt UI against Apache, t/browser/prebuilt.js: a React website on
# supertokens-auth-react (t/prebuilt/app.jsx, bundled with esbuild at run time from
# t/prebuilt/node_modules) on one origin, the module serving its API on another
# (t/conf/prebuilt_ui.conf.in), Debian's headless Chromium driving it (playwright-core):
#   - sign-up through the prebuilt form (with its email-exists check); required email
#     verification: the prebuilt verify-email screen (the PHP page 403 with the st-ev claim's
#     error), the delivered link (t/bin/capture-verify-prebuilt), then the home page behind
#     SessionAuth and REMOTE_USER on the API origin's PHP page;
#   - the prebuilt UI's own messages for a taken email and a wrong password;
#   - sign-in again; "Continue with Acme SSO" through a real OpenID Connect provider (npm's
#     oidc-provider, t/oidc/server.mjs), the prebuilt callback route and the verification of
#     the provider's email; sign-out; "Forgot password?" through the delivered link
#     (t/bin/capture-reset-prebuilt) to a new password;
#   - the same website with the Passwordless recipe: the prebuilt "Enter OTP" screen and the
#     delivered code (t/bin/capture-passwordless-prebuilt), then the magic link opened on
#     another device.
# Screenshots: t/logs/screenshots/prebuilt-*.png. Needs node, t/browser/node_modules,
# t/prebuilt/node_modules, t/oidc/node_modules and /usr/bin/chromium; ST_SKIP_BROWSER=1 skips it.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use STCore ();
use STBrowser ();

plan skip_all => 'ST_SKIP_BROWSER is set' if $ENV{ST_SKIP_BROWSER};

my $t = Apache::Test::vars('t_dir');
my $logs = Apache::Test::vars('t_logs');
my %url = STBrowser::vhost_urls(qw(pb_site pb_api pb_pl_site pb_pl_api));
unlink glob("$logs/screenshots/prebuilt-*.png");

STBrowser::tools_ok('playwright-core');
ok(-d "$t/prebuilt/node_modules/supertokens-auth-react" && -d "$t/prebuilt/node_modules/esbuild",
   'supertokens-auth-react and esbuild are installed in t/prebuilt') or diag 'run build/install-deps';
ok(-d "$t/oidc/node_modules/oidc-provider", 'oidc-provider is installed in t/oidc') or diag 'run build/install-deps';
STBrowser::run_browser('prebuilt.js', ['--site', $url{pb_site}, '--api', $url{pb_api},
                                       '--pl-site', $url{pb_pl_site}, '--pl-api', $url{pb_pl_api},
                                       '--oidc', "http://127.0.0.1:$ENV{ST_OIDC_PORT}",
                                       '--core', "http://127.0.0.1:$ENV{ST_TP_CORE_PORT}", '--api-key', $STCore::API_KEY,
                                       '--logs', $logs, '--shots', "$logs/screenshots"],
                       timeout => 180, min_checks => 63);
my @shots = glob("$logs/screenshots/prebuilt-*.png");
ok(@shots >= 2, scalar(@shots) . ' screenshots of the prebuilt UI in t/logs/screenshots');

done_testing();

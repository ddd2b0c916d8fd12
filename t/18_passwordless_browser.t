# Browser tests of Passwordless sign-in (issue 20), t/browser/passwordless.js: Debian's headless
# Chromium (playwright-core) through the built-in pages of the "pl" vhost (t/conf/passwordless.conf.in):
#   - a protected PHP page -> the sign-in page -> an email -> the delivered magic link -> signed in
#     on the PHP page; the used link, opened elsewhere, asks first and is then refused;
#   - the same with the typed code after one wrong code (the attempts left are shown);
#   - a link opened in another browser: "Continue", then signed in there;
#   - passwordless instead of passwords (SuperTokensRecipes session passwordless, magic links);
#   - supertokens-web-js's Passwordless recipe from another origin (the website vhost) against the
#     pl_sdk vhost: createCode, a wrong code, resendCode, the right code, a session the protected
#     PHP page accepts, doesEmailExist, sign-out.
# Screenshots: t/logs/screenshots/passwordless-*.png (copies in docs/screenshots). Needs node,
# t/browser/node_modules and /usr/bin/chromium like t/09_browser.t; ST_SKIP_BROWSER=1 skips it.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use lib 't/lib';
use STBrowser ();

plan skip_all => 'ST_SKIP_BROWSER is set' if $ENV{ST_SKIP_BROWSER};

my $logs = Apache::Test::vars('t_logs');
my %url = STBrowser::vhost_urls(qw(pl pl_link pl_sdk website));

STBrowser::tools_ok('playwright-core', 'supertokens-web-js');
STBrowser::run_browser('passwordless.js', ['--pl', $url{pl}, '--link', $url{pl_link}, '--website', $url{website},
                                           '--sdk', $url{pl_sdk}, '--logs', $logs, '--shots', "$logs/screenshots"],
                       timeout => 150, min_checks => 50);
my @shots = glob("$logs/screenshots/passwordless-*.png");
ok(@shots >= 6, scalar(@shots) . ' screenshots of the passwordless pages in t/logs/screenshots');

done_testing();

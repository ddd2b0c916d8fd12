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
use lib 't/lib';
use STBrowser ();

plan skip_all => 'ST_SKIP_BROWSER is set' if $ENV{ST_SKIP_BROWSER};

my $logs = Apache::Test::vars('t_logs');
my %url = STBrowser::vhost_urls(qw(verify_page));
unlink "$logs/verify-delivery-page.txt", glob("$logs/screenshots/verify-email*.png");

STBrowser::tools_ok('playwright-core');
STBrowser::run_browser('verify.js', ['--page', $url{verify_page}, '--logs', $logs, '--shots', "$logs/screenshots"],
                       timeout => 120, min_checks => 36);
my @shots = glob("$logs/screenshots/verify-email*.png");
ok(@shots >= 5, scalar(@shots) . ' screenshots of the verify-email page in t/logs/screenshots');

done_testing();

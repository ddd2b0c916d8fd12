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
use lib 't/lib';
use STTest ();
use STBrowser ();

plan skip_all => 'ST_SKIP_BROWSER is set' if $ENV{ST_SKIP_BROWSER};

my $logs = Apache::Test::vars('t_logs');
my %url = STBrowser::vhost_urls(qw(website browser_api login));

STBrowser::tools_ok('playwright-core', 'supertokens-web-js');
STBrowser::run_browser('run.js', ['--website', $url{website}, '--api', $url{browser_api}, '--login', $url{login},
                                  '--core', 'http://127.0.0.1:' . ($ENV{ST_CORE_PORT} // die "ST_CORE_PORT is not set\n"),
                                  '--api-key', $STTest::API_KEY, '--logs', $logs],
                       timeout => 120, min_checks => 34, ran => 'both scenarios');

done_testing();

# The built-in verify-email page (issue 16; t/conf/verify_page.conf.in), over HTTP: the
# SuperTokensEmailVerification required redirect carries ?redirectToPath=<the page asked for>
# (only a path the redirectToPath check accepts); the page is an open path (an unverified session
# reaches it, even under a protected "/"); "check your inbox" is for a signed-in user only (a
# visitor signs in first and comes back, an expired access token is refreshed first); the
# delivered link's page needs no session; headers, the application name, accessibility hooks
# and no reflected input; not served without the emailverification recipe.
# The flow itself runs in Chromium: t/17_verify_email_browser.t.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest qw(GET POST);
use URI::Escape qw(uri_unescape uri_escape);
use JSON::PP ();
use lib 't/lib';
use STTest qw(forge jwt_payload cookies_of env_of);

Apache::TestRequest::user_agent(reset => 1, requests_redirectable => 0);

my $json = JSON::PP->new->canonical;
my %port = map { $_ => Apache::Test::vars("${_}_port") } qw(verify_page verify_page_root plain);
my $origin = "http://localhost:$port{verify_page}";
my $root_origin = "http://localhost:$port{verify_page_root}";
my $PASSWORD = 'verify-pass1';

# what a browser sends with a navigation
my @nav = (Accept => 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
           'Sec-Fetch-Mode' => 'navigate', 'Sec-Fetch-Dest' => 'document', 'Sec-Fetch-Site' => 'same-origin');

sub unique_email { my ($tag) = @_; return "$tag-" . time . '-' . int(rand(1e9)) . '@example.com' }
sub body_of { my ($r) = @_; return eval { $json->decode($r->content) } || {} }

# A user signed up with cookies on the current vhost: {access, email, id}
sub sign_up {
    my ($tag) = @_;
    my $email = unique_email($tag);
    my $r = POST '/auth/signup', 'Content-Type' => 'application/json', rid => 'emailpassword', 'st-auth-mode' => 'cookie',
                 content => $json->encode({ formFields => [{ id => 'email', value => $email }, { id => 'password', value => $PASSWORD }] });
    die 'sign-up failed: ' . $r->content unless (body_of($r)->{status} // '') eq 'OK';
    my ($access) = map { /^sAccessToken=([^;]+)/ ? $1 : () } cookies_of($r);
    return { access => $access, email => $email, id => body_of($r)->{user}{id} };
}
# the page with nonces masked, to compare two answers
sub masked { my ($r) = @_; (my $c = $r->content) =~ s/[0-9a-f]{32}/NONCE/g; return $c }

# --- required mode: the redirect carries where the user was going ---------------------------------
Apache::TestRequest::module('verify_page');
my $u = sign_up('required');
ok(!jwt_payload(uri_unescape($u->{access}))->{'st-ev'}{v}, 'a new user: st-ev false in the access token');
my $r = GET '/php/server.php?a=1&b=%2F', @nav, Cookie => "sAccessToken=$u->{access}";
is($r->code, 302, 'required: a navigation with an unverified session is redirected');
is($r->header('Location'), "$origin/auth/verify-email?redirectToPath=%2Fphp%2Fserver.php%3Fa%3D1%26b%3D%252F",
   '... to the verify-email page with redirectToPath = the path and query asked for');
is($r->header('Cache-Control'), 'no-store', '... not cacheable');
$r = GET '/php/server.php?x=%0d%0aSet-Cookie:%20a=b', @nav, Cookie => "sAccessToken=$u->{access}";
is($r->header('Location'), "$origin/auth/verify-email",
   '... a path the redirectToPath check refuses (CR LF once decoded) is left out');
$r = GET '/php/server.php', Accept => 'application/json', Cookie => "sAccessToken=$u->{access}";
ok($r->code == 403 && $r->content =~ /"id":"st-ev"/, 'an API call still gets the 403 invalid claim st-ev, no redirect');

# --- the page: an open path, the signed-in user's ---------------------------------------------------
$r = GET '/auth/verify-email?redirectToPath=%2Fphp%2Fserver.php', @nav, Cookie => "sAccessToken=$u->{access}";
is($r->code, 200, 'the verify-email page with an unverified session: served, not redirected to itself');
my $page = $r->content;
like($page, qr{<title>Check your inbox - Acme Intranet &amp; &lt;Tools&gt;</title>}, '... the escaped SuperTokensAppName in the title');
like($page, qr{<p class="st-app">Acme Intranet &amp; &lt;Tools&gt;</p><h1 id="st-title">Check your inbox</h1>},
     '... "Check your inbox" under the application name');
like($page, qr{id="st-done" role="status"}, '... results announced (role=status)');
like($page, qr{id="st-general" role="alert"}, '... errors announced (role=alert)');
like($page, qr{<button id="st-resend" class="st-link" type="button">Send the link again</button>}, '... a resend button');
like($page, qr{<button id="st-submit"[^>]*>I have verified my email</button>}, '... a button to check now');
like($page, qr{<a id="st-signout" href="/auth/signout">Sign out</a>}, '... and a way to sign out');
unlike($page, qr/\Q$u->{email}\E|\Q$u->{id}\E/, '... nothing about the account (not even its email)');
my $csp = $r->header('Content-Security-Policy') // '';
my ($nonce) = $csp =~ /script-src 'nonce-([0-9a-f]{32})'/;
ok($nonce && $csp =~ /style-src 'nonce-$nonce'/ && $csp =~ /default-src 'none'/, '... CSP: scripts and styles only under a per-response nonce');
like($csp, qr/frame-ancestors 'none'/, "... CSP frame-ancestors 'none'");
is($r->header('X-Frame-Options'), 'DENY', '... X-Frame-Options DENY');
is($r->header('Cache-Control'), 'no-store', '... no-store');
is($r->header('Referrer-Policy'), 'no-referrer', '... no referrer (the links carry a token)');
is($r->header('X-Content-Type-Options'), 'nosniff', '... nosniff');
my @scripts = $page =~ /<script\b[^>]*>/g;
ok(@scripts == 1 && $scripts[0] eq qq{<script nonce="$nonce">}, '... one script, under the nonce');

my $hostile = '%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(7)%3Ezq77';
$r = GET "/auth/verify-email?redirectToPath=$hostile&tenantId=$hostile&x=$hostile", @nav, Cookie => "sAccessToken=$u->{access}";
unlike($r->content, qr/zq77|alert\(7\)/, 'no reflected input: a hostile query is not in the page');
is(masked($r), masked(GET('/auth/verify-email', @nav, Cookie => "sAccessToken=$u->{access}")),
   '... the page is the same whatever the query says');

# without a session: sign in first, then back here
$r = GET '/auth/verify-email?redirectToPath=%2Fphp%2Fform.php', @nav;
is($r->code, 302, 'the verify-email page without a session: redirected');
is($r->header('Location'), "$origin/auth?redirectToPath=" . uri_escape('/auth/verify-email?redirectToPath=%2Fphp%2Fform.php'),
   '... to the sign-in page, which comes back here (with the original redirectToPath)');
$r = GET '/auth?redirectToPath=' . uri_escape('/auth/verify-email?redirectToPath=%2Fphp%2Fform.php'), @nav,
         Cookie => "sAccessToken=$u->{access}";
ok($r->code == 302 && $r->header('Location') eq '/auth/verify-email?redirectToPath=%2Fphp%2Fform.php',
   '... and the sign-in page sends a signed-in user back to it') or diag $r->code . ' ' . ($r->header('Location') // '');
$r = GET '/auth/verify-email', @nav, Cookie => 'sAccessToken=not.a.token';
ok($r->code == 302 && $r->header('Location') eq "$origin/auth?redirectToPath=%2Fauth%2Fverify-email",
   '... an unusable access token too') or diag $r->code . ' ' . ($r->header('Location') // '');

# an expired access token: through the navigation refresh, back to the page
my $now = time;
my $expired = forge(key => 'current', payload => {
    iat => $now - 100, exp => $now - 10, sub => $u->{id}, rsub => $u->{id}, tId => 'public',
    sessionHandle => 'expired-handle', refreshTokenHash1 => 'a' x 64, parentRefreshTokenHash1 => undef,
    antiCsrfToken => undef, iss => "$origin/auth" });
$r = GET '/auth/verify-email?redirectToPath=%2Fphp%2Fform.php', @nav, Cookie => "sAccessToken=$expired";
ok($r->code == 303 && $r->header('Location') eq '/auth/session/refresh?redirectToPath='
   . uri_escape('/auth/verify-email?redirectToPath=%2Fphp%2Fform.php'),
   'an expired access token: through the navigation refresh and back to the page') or diag $r->code . ' ' . ($r->header('Location') // '');

# --- the delivered link's page: no session needed ---------------------------------------------------
$r = GET "/auth/verify-email?token=abc&tenantId=public", @nav;
is($r->code, 200, 'the link page (?token=) without a session: served');
$page = $r->content;
like($page, qr{<title>Verify your email - Acme Intranet &amp; &lt;Tools&gt;</title>}, '... its title');
like($page, qr{<h1 id="st-title">Verifying your email address</h1>}, '... its heading');
like($page, qr{id="st-done" role="status".*id="st-general" role="alert"}s, '... success as a status, errors as an alert');
like($page, qr{<a id="st-again-link" href="/auth/verify-email">Send me a new link</a>}, '... the way to a new link (shown on an error)');
like($page, qr{<a id="st-continue" class="st-primary" href="/">Continue</a>}, '... a Continue link (shown on success)');
$r = GET "/auth/verify-email?token=$hostile&tenantId=$hostile&redirectToPath=$hostile", @nav;
unlike($r->content, qr/zq77|alert\(7\)/, '... no reflected input');
is(masked($r), masked(GET('/auth/verify-email?token=x', @nav)), '... the page is the same whatever the query says');
$r = GET "/auth/verify-email?token=abc&tenantId=public", @nav, Cookie => "sAccessToken=$u->{access}";
is($r->code, 200, '... with an unverified session: served too');

# --- a protected "/" and a website base path of its own --------------------------------------------
Apache::TestRequest::module('verify_page_root');
my $v = sign_up('root');
$r = GET '/app/env.cgi?q=1', @nav, Cookie => "sAccessToken=$v->{access}";
ok($r->code == 302 && $r->header('Location') eq "$root_origin/login/verify-email?redirectToPath=%2Fapp%2Fenv.cgi%3Fq%3D1",
   'protected "/": an unverified navigation goes to {websiteBasePath}/verify-email with redirectToPath')
    or diag $r->code . ' ' . ($r->header('Location') // '');
$r = GET '/login/verify-email?redirectToPath=%2Fapp%2Fenv.cgi', @nav, Cookie => "sAccessToken=$v->{access}";
ok($r->code == 200 && $r->content =~ /Check your inbox/, '... and the page is reachable there (an open path)');
$r = GET '/login/verify-email', @nav;
ok($r->code == 302 && $r->header('Location') eq "$root_origin/login?redirectToPath=%2Flogin%2Fverify-email",
   '... without a session: to the sign-in page under "/", which is reachable too') or diag $r->code . ' ' . ($r->header('Location') // '');
is(GET('/login?redirectToPath=%2Flogin%2Fverify-email', @nav)->code, 200, '... (the sign-in page)');
$r = GET '/auth/user/email/verify', rid => 'emailverification', Accept => 'application/json', Cookie => "sAccessToken=$v->{access}";
is($r->content, '{"status":"OK","isVerified":false}', '... the API the page calls is reachable for the unverified session');
$r = GET '/auth/verify-email', @nav, Cookie => "sAccessToken=$v->{access}";
ok($r->code == 302 && $r->header('Location') =~ m{/login/verify-email\?redirectToPath=%2Fauth%2Fverify-email$},
   '... while {apiBasePath}/verify-email is not a page here: an application path like any other')
    or diag $r->code . ' ' . ($r->header('Location') // '');

# --- not served without the emailverification recipe -----------------------------------------------
Apache::TestRequest::module('plain');
is(GET('/auth/verify-email', @nav)->code, 404, 'a vhost without the emailverification recipe serves no verify-email page');

done_testing();

# Apps without a JavaScript frontend (issue 15), over HTTP: the navigation refresh of an expired
# access token (303 for GET, 307 for POST, rotation and theft, the loop guard, failures to the
# sign-in page, API-like requests unchanged), the plain sign-out (logout CSRF, expired tokens,
# revocation, redirectToPath), the built-in pages (headers, no reflection, the application name,
# the stylesheet, a signed-in user sent on), who may sign up, and the email claim as REMOTE_USER.
# The "plain" vhost's core double issues 2-second access tokens (t/conf/plain.conf.in).
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest qw(GET POST);
use URI::Escape qw(uri_unescape);
use JSON::PP ();
use lib 't/lib';
use STTest qw(core core_ctl forge jwt_payload cookies_of env_of);

Apache::TestRequest::user_agent(reset => 1, requests_redirectable => 0);

my $json = JSON::PP->new->canonical;
my $LIFETIME = 2;   # seconds: --access-token-validity of the ST_CORE_SHORT_PORT double
my %port = map { $_ => Apache::Test::vars("${_}_port") } qw(plain plain_nosignup plain_domains plain_csrf_token login);
my $origin = "http://localhost:$port{plain}";
my $PASSWORD = 'plain-pass1';

# what a browser sends with a navigation (a link, the address bar, a form)
my @nav = (Accept => 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
           'Sec-Fetch-Mode' => 'navigate', 'Sec-Fetch-Dest' => 'document', 'Sec-Fetch-Site' => 'same-origin');

sub api {
    my ($path, $body, @h) = @_;
    return POST $path, 'Content-Type' => 'application/json', rid => 'emailpassword', @h, content => $json->encode($body);
}
sub form { my %f = @_; return { formFields => [map { { id => $_, value => $f{$_} } } sort keys %f] } }
sub unique_email { my ($tag, $domain) = @_; return "$tag-" . time . '-' . int(rand(1e9)) . '@' . ($domain // 'example.com') }

# Set-Cookie values as the browser keeps them (still encoded), by name; the last line wins
sub set_cookies {
    my ($r) = @_;
    my %c;
    for (cookies_of($r)) { $c{$1} = $2 if /^([^=]+)=([^;]*)/ }
    return \%c;
}
sub cookie_line { my ($r, $name) = @_; my ($l) = grep { /^\Q$name\E=/ } cookies_of($r); return $l // '' }
sub cookie_header { my (%c) = @_; return join '; ', map { "$_=$c{$_}" } grep { defined $c{$_} && $c{$_} ne '' } sort keys %c }

# A user signed up on the current vhost with cookies: {access, refresh, email, id}
sub sign_up {
    my ($tag) = @_;
    my $email = unique_email($tag);
    my $r = api('/auth/signup', form(email => $email, password => $PASSWORD), 'st-auth-mode' => 'cookie');
    my $b = eval { JSON::PP::decode_json($r->content) } || {};
    die 'sign-up failed: ' . $r->content unless ($b->{status} // '') eq 'OK';
    my $c = set_cookies($r);
    return { access => $c->{sAccessToken}, refresh => $c->{sRefreshToken}, email => $email, id => $b->{user}{id} };
}
# the FDI refresh, as the SDK sends it
sub fdi_refresh { my ($rt) = @_; return POST '/auth/session/refresh', rid => 'session', Cookie => "sRefreshToken=$rt", content => '' }
sub expire { select undef, undef, undef, $LIFETIME + 0.3 }
# a token with every claim a SuperTokens access token has, signed with the double's current key
# or with a key no JWKS lists ('foreign')
sub forged_token {
    my (%o) = @_;
    my $now = time;
    return forge(key => $o{key} // 'current', payload => {
        iat => $now, exp => $now + 3600, sub => 'forged-user', rsub => 'forged-user', tId => 'public',
        sessionHandle => 'forged-handle', refreshTokenHash1 => 'a' x 64, parentRefreshTokenHash1 => undef,
        antiCsrfToken => undef, iss => $o{iss} // "$origin/auth" });
}
sub login_url { my ($path) = @_; return "$origin/auth" . (defined $path ? '?redirectToPath=' . $path : '') }

Apache::TestRequest::module('plain');

# --- the email claim: REMOTE_USER is the user's email --------------------------------------------
my $u = sign_up('claim');
is(jwt_payload(uri_unescape($u->{access}))->{email}, $u->{email}, 'SuperTokensEmailClaim On: the access token carries the email');
my $r = GET '/php/server.php', @nav, Cookie => "sAccessToken=$u->{access}";
is($r->code, 200, 'fresh session: the PHP page is served');
is(env_of($r)->{REMOTE_USER}, $u->{email}, 'SuperTokensRemoteUserClaim email: PHP sees REMOTE_USER = the email');
is(env_of($r)->{SUPERTOKENS_USER_ID}, $u->{id}, '... and the user id in SUPERTOKENS_USER_ID');

# --- navigation refresh: GET -----------------------------------------------------------------------
expire();
$r = GET '/php/server.php?a=1&b=%2F', @nav, Cookie => "sAccessToken=$u->{access}";
is($r->code, 303, 'expired access token, GET navigation: 303');
is($r->header('Location'), '/auth/session/refresh?redirectToPath=%2Fphp%2Fserver.php%3Fa%3D1%26b%3D%252F',
   '... to the refresh path (where the refresh cookie is sent) with the page as redirectToPath');
like(cookie_line($r, 'sNavRefresh'), qr/^sNavRefresh=1; Path=\/; Expires=[^;]+; HttpOnly; SameSite=Lax; Max-Age=10$/,
     '... and the 10-second loop guard cookie');
is($r->header('Cache-Control'), 'no-store', '... not cacheable');

for my $api_like ([Accept => 'application/json'], ['X-Requested-With' => 'XMLHttpRequest', @nav],
                  [Accept => 'text/html', 'Sec-Fetch-Mode' => 'cors']) {
    $r = GET '/php/server.php', @$api_like, Cookie => "sAccessToken=$u->{access}";
    ok($r->code == 401 && $r->content eq '{"message":"try refresh token"}',
       "API-like request (@$api_like[0..1]) with an expired token: still the SDK's 401 try refresh token");
}
$r = POST '/php/server.php', @nav, Cookie => "sAccessToken=$u->{access}", content => 'title=x';
is($r->code, 307, 'expired access token, form POST: 307 (method and body are sent again)');
is($r->header('Location'), '/auth/session/refresh?redirectToPath=%2Fphp%2Fserver.php', '... to the refresh path');

# the refresh path itself: rotation, then back
$r = GET '/auth/session/refresh?redirectToPath=' . uri_escape_js('/php/server.php?a=1&b=%2F'), @nav,
         Cookie => cookie_header(sAccessToken => $u->{access}, sRefreshToken => $u->{refresh}, sNavRefresh => 1);
is($r->code, 303, 'navigation refresh (GET): 303');
is($r->header('Location'), '/php/server.php?a=1&b=%2F', '... back to the page');
my $new = set_cookies($r);
ok($new->{sAccessToken} && $new->{sRefreshToken} && $new->{sRefreshToken} ne $u->{refresh},
   '... with new access and refresh cookies (rotated)');
like(cookie_line($r, 'sRefreshToken'), qr/; Path=\/auth\/session\/refresh; /, '... the refresh cookie keeps its path');
$r = GET '/php/server.php?a=1&b=%2F', @nav, Cookie => cookie_header(sAccessToken => $new->{sAccessToken}, sNavRefresh => 1);
is($r->code, 200, 'back on the page: served');
is(env_of($r)->{REMOTE_USER}, $u->{email}, '... signed in as the same user (the email claim survived the refresh)');
like(cookie_line($r, 'sNavRefresh'), qr/^sNavRefresh=; .*Max-Age=0$/, '... and the loop guard is cleared');
$r = fdi_refresh($u->{refresh});
ok($r->code == 401 && $r->content eq '{"message":"token theft detected"}',
   'the refresh token used before the navigation refresh is now token theft (the rotation was a real one)')
    or diag $r->code . ' ' . $r->content;
$r = fdi_refresh($new->{sRefreshToken});
is($r->code, 401, '... and theft revoked the session: the new refresh token is refused too');

# POST to the refresh path with redirectToPath: 307 back, the body is not read
$u = sign_up('post');
$r = POST '/auth/session/refresh?redirectToPath=%2Fphp%2Fform.php%3Fx%3D1', @nav, 'Content-Type' => 'application/x-www-form-urlencoded',
          Cookie => cookie_header(sRefreshToken => $u->{refresh}), content => 'title=hello&body=world';
is($r->code, 307, 'navigation refresh (form POST): 307');
is($r->header('Location'), '/php/form.php?x=1', '... back to the form\'s page');
ok(set_cookies($r)->{sRefreshToken}, '... with a rotated refresh cookie');
$r = POST '/auth/session/refresh?redirectToPath=%2Fx', rid => 'session', Cookie => cookie_header(sRefreshToken => set_cookies($r)->{sRefreshToken}), content => '';
ok($r->code == 200 && $r->content eq '{}', 'an API-like POST to the refresh path is the FDI refresh even with a query');

# the loop guard: while it is set, an expired navigation goes to sign in
$u = sign_up('guard');
expire();
$r = GET '/php/server.php', @nav, Cookie => cookie_header(sAccessToken => $u->{access}, sNavRefresh => 1);
is($r->code, 302, 'expired token while the loop guard is set: 302');
is($r->header('Location'), login_url('%2Fphp%2Fserver.php'), '... to the sign-in page, not to another refresh');

# failures: to the sign-in page with redirectToPath, tokens cleared as the SDK clears them
$r = GET '/auth/session/refresh?redirectToPath=%2Fphp%2Fserver.php', @nav, Cookie => cookie_header(sAccessToken => $u->{access});
is($r->code, 302, 'navigation refresh without a refresh cookie: 302');
is($r->header('Location'), login_url('%2Fphp%2Fserver.php'), '... to the sign-in page with redirectToPath');
like(cookie_line($r, 'sAccessToken'), qr/^sAccessToken=; Path=\/; Expires=Thu, 01 Jan 1970/, '... the access cookie is cleared');
$r = GET '/auth/session/refresh?redirectToPath=%2Fphp%2Fserver.php', @nav, Cookie => 'sRefreshToken=not-a-refresh-token';
ok($r->code == 302 && $r->header('Location') eq login_url('%2Fphp%2Fserver.php'), 'an unknown refresh token: to the sign-in page');
like(cookie_line($r, 'sRefreshToken'), qr/^sRefreshToken=; Path=\/auth\/session\/refresh; Expires=Thu, 01 Jan 1970/,
     '... the refresh cookie is cleared');
for my $bad ('//evil.example/x', '/\\evil.example', '/%2F%2Fevil.example', '/..//evil.example', "/x\r\nSet-Cookie: a=b",
             'https://evil.example/', '/%0d%0aX: y', '/%5Cevil') {
    $r = GET '/auth/session/refresh?redirectToPath=' . uri_escape_js($bad), @nav;
    is($r->header('Location'), login_url('%2F'), "navigation refresh with redirectToPath " . $json->encode($bad) . ': the site\'s "/" instead');
}

# anti-csrf via-token: the new anti-csrf token could not reach a plain page, so no navigation refresh
Apache::TestRequest::module('plain_csrf_token');
my $ct = core('POST', '/public/recipe/session', { userId => 'csrf-user', userDataInJWT => { iss => "http://localhost:$port{plain_csrf_token}/auth" },
                                                 userDataInDatabase => {}, useDynamicSigningKey => JSON::PP::true,
                                                 enableAntiCsrf => JSON::PP::true }, port => $ENV{ST_CORE_SHORT_PORT});
expire();
$r = GET '/protected/index.html', @nav, Cookie => "sAccessToken=$ct->{accessToken}{token}";
is($r->code, 302, 'SuperTokensAntiCsrf via-token: an expired navigation goes to sign in (302)');
like($r->header('Location') // '', qr{/auth\?redirectToPath=%2Fprotected%2Findex\.html$}, '... with redirectToPath');

# a core that cannot be reached: an error page, and the client's tokens are kept
Apache::TestRequest::module('api_dead_core');
$r = GET '/auth/session/refresh?redirectToPath=%2F', @nav, Cookie => 'sRefreshToken=some-refresh-token';
is($r->code, 503, 'navigation refresh with the core unreachable: 503');
is(scalar(my @none = cookies_of($r)), 0, '... and no cookie is touched');

# --- the plain sign-out ----------------------------------------------------------------------------
Apache::TestRequest::module('plain');
$u = sign_up('signout');
my @signout_ok = (@nav, Origin => $origin, 'Content-Type' => 'application/x-www-form-urlencoded');
for my $attempt ([Origin => 'http://evil.example'], [Origin => 'null', 'Sec-Fetch-Site' => 'cross-site'],
                 [Origin => "http://localhost:$port{plain_domains}"], [Origin => 'http://evil.example', 'Sec-Fetch-Site' => 'same-origin'],
                 ['Sec-Fetch-Site' => 'cross-site'], []) {
    my %h = (@nav, @$attempt);
    delete $h{'Sec-Fetch-Site'} unless grep { $_ eq 'Sec-Fetch-Site' } @$attempt;
    $r = POST '/auth/signout?redirectToPath=%2Fpublic%2Findex.html', %h, Cookie => "sAccessToken=$u->{access}", content => '';
    my $what = @$attempt ? "@$attempt" : 'neither Origin nor Sec-Fetch-Site';
    ok($r->code == 403 && !cookies_of($r), "sign-out form from another site ($what): 403, no cookie touched")
        or diag $r->code . ' ' . join(' | ', cookies_of($r));
}
like($r->content, qr/did not come from this site/, 'the refusal says why, as text');
$r = GET '/php/server.php', @nav, Cookie => "sAccessToken=$u->{access}";
is($r->code, 200, 'after the refused sign-outs the session still works');

expire();
$r = POST '/auth/signout?redirectToPath=%2Fpublic%2Findex.html', @signout_ok, Cookie => "sAccessToken=$u->{access}", content => '';
is($r->code, 303, 'sign-out form from this site with an expired access token: 303');
is($r->header('Location'), '/public/index.html', '... to redirectToPath');
like(cookie_line($r, 'sAccessToken'), qr/^sAccessToken=; Path=\/; Expires=Thu, 01 Jan 1970/, '... the access cookie is cleared');
like(cookie_line($r, 'sRefreshToken'), qr/^sRefreshToken=; Path=\/auth\/session\/refresh; Expires=Thu, 01 Jan 1970/,
     '... the refresh cookie is cleared');
$r = fdi_refresh($u->{refresh});
ok($r->code == 401 && $r->content eq '{"message":"unauthorised"}', '... and the session is revoked in the core: its refresh token is refused')
    or diag $r->code . ' ' . $r->content;

$u = sign_up('signout-null');
$r = POST '/auth/signout?redirectToPath=%2Fpublic%2Findex.html', @nav, Origin => 'null', Cookie => "sAccessToken=$u->{access}", content => '';
ok($r->code == 303 && cookie_line($r, 'sAccessToken') =~ /^sAccessToken=;/,
   'Origin: null (a page with Referrer-Policy: no-referrer) and Sec-Fetch-Site same-origin: signed out');

$u = sign_up('signout-field');
$r = POST '/auth/signout', @signout_ok, Cookie => "sAccessToken=$u->{access}", content => 'redirectToPath=%2Fphp%2Fform.php%3Fdone%3D1';
ok($r->code == 303 && $r->header('Location') eq '/php/form.php?done=1', 'redirectToPath as a form field (the sign-out page\'s form)');
is(fdi_refresh($u->{refresh})->code, 401, '... the session is revoked');
my $none = POST '/auth/signout', @signout_ok, content => '';
is($none->code, 303, 'sign-out without a session: 303 as well');
is($none->header('Location'), "$origin/auth", '... to the sign-in page by default');
my $with = POST '/auth/signout', @signout_ok, Cookie => 'sAccessToken=' . forged_token(key => 'foreign'), content => '';
is_deeply([$with->code, $with->header('Location'), [cookies_of($with)]], [$none->code, $none->header('Location'), [cookies_of($none)]],
          'a forged token and no token get the same answer (nothing tells whether a session existed)');
for my $bad ('//evil.example', '/\\evil.example', '/%2F%2Fevil.example', '/%2e%2e//evil.example', 'https://evil.example', "/a\tb") {
    $r = POST '/auth/signout?redirectToPath=' . uri_escape_js($bad), @signout_ok, content => '';
    is($r->header('Location'), "$origin/auth", 'sign-out with redirectToPath ' . $json->encode($bad) . ': the sign-in page instead');
}
$r = POST '/auth/signout', rid => 'session', content => '';
ok($r->code == 401 && $r->content eq '{"message":"unauthorised"}', 'the FDI sign-out (API-like) is unchanged: 401 unauthorised without a session');

Apache::TestRequest::module('api_dead_core');
$r = POST '/auth/signout', @nav, Origin => "http://localhost:$port{plain}", content => '';
is($r->code, 403, 'dead-core vhost: its own origin rule applies');
$r = POST '/auth/signout', @nav, Origin => 'http://localhost:' . Apache::Test::vars('api_dead_core_port'),
          Cookie => 'sAccessToken=' . forged_token(), content => '';
ok($r->code == 503 && !cookies_of($r), 'sign-out with the core unreachable: 503, no cookie cleared')
    or diag $r->code . ' ' . join(' | ', cookies_of($r)) . ' ' . $r->content;
Apache::TestRequest::module('plain');

# --- the sign-out page -------------------------------------------------------------------------------
$r = GET '/auth/signout?redirectToPath=%2Fpublic%2F%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E', @nav;
is($r->code, 200, 'GET /auth/signout from a navigation: the sign-out page');
like($r->content, qr{<form id="st-form" method="post" action="/auth/signout">.*<button[^>]*type="submit">Sign out</button>}s,
     '... a form posting to the sign-out');
unlike($r->content, qr/alert\(1\)|evil/, '... redirectToPath is not written into the page');
like($r->header('Content-Security-Policy') // '', qr/form-action 'self' http:\/\/localhost:$port{plain};/, '... its form may land on the website');
is(GET('/auth/signout', Accept => 'application/json')->code, 404, 'GET /auth/signout from fetch: not a route (as before)');

# --- the built-in pages -------------------------------------------------------------------------------
$r = GET '/auth', @nav;
is($r->code, 200, 'sign-in page');
my $csp = $r->header('Content-Security-Policy') // '';
like($csp, qr/frame-ancestors 'none'/, '... CSP frame-ancestors none');
is($r->header('X-Frame-Options'), 'DENY', '... X-Frame-Options DENY');
my ($nonce) = $csp =~ /script-src 'nonce-([0-9a-f]{32})'/;
ok($nonce && $csp =~ /style-src 'nonce-$nonce'/, '... scripts and styles only under a per-response nonce');
my $page = $r->content;
like($page, qr{<title>Sign in - Acme Intranet &amp; &lt;Tools&gt;</title>}, '... the escaped SuperTokensAppName in the title');
like($page, qr{<p class="st-app">Acme Intranet &amp; &lt;Tools&gt;</p>}, '... and above the heading');
like($page, qr{<a id="st-forgot" href="/auth/reset-password">Forgot password\?</a>}, '... a "Forgot password?" link');
like($page, qr{id="st-toggle"[^>]*>Create an account<}, '... "Create an account" (sign-up is on)');
like($page, qr{<label for="st-email">Email</label><input id="st-email"[^>]*aria-describedby="st-email-error"},
     '... labelled fields, errors tied to them');
like($page, qr{id="st-general" role="alert"}, '... errors announced (role=alert)');
like($page, qr{<style nonce="$nonce">/\* SuperTokensPageStylesheet of the "plain" test vhost}, '... SuperTokensPageStylesheet inlined under the nonce');
my @styles = $page =~ /<style nonce/g;
is(scalar @styles, 2, '... after the built-in style');
my $hostile = GET '/auth?redirectToPath=%22%3E%3Cimg%20src%3Dx%3E&tenantId=%3Cscript%3E&email=%3Cb%3E', @nav;
(my $a1 = $hostile->content) =~ s/[0-9a-f]{32}/NONCE/g;
(my $a2 = $page) =~ s/[0-9a-f]{32}/NONCE/g;
is($a1, $a2, 'the page is the same whatever the query says (no reflected input)');

$u = sign_up('signed-in');
$r = GET '/auth?redirectToPath=%2Fphp%2Fserver.php%3Fx%3D1', @nav, Cookie => "sAccessToken=$u->{access}";
ok($r->code == 302 && $r->header('Location') eq '/php/server.php?x=1', 'a signed-in user opening the sign-in page goes straight to redirectToPath');
$r = GET '/auth?redirectToPath=%2F%2Fevil.example', @nav, Cookie => "sAccessToken=$u->{access}";
ok($r->code == 302 && $r->header('Location') eq '/', '... a hostile redirectToPath becomes "/"');
expire();
$r = GET '/auth?redirectToPath=%2Fphp%2Fserver.php', @nav, Cookie => "sAccessToken=$u->{access}";
ok($r->code == 303 && $r->header('Location') eq '/auth/session/refresh?redirectToPath=%2Fphp%2Fserver.php',
   '... with an expired access token: through the navigation refresh (the form only if that fails)')
    or diag $r->code . ' ' . ($r->header('Location') // '');
$r = GET '/auth?redirectToPath=%2Fphp%2Fserver.php', @nav, Cookie => "sAccessToken=$u->{access}; sNavRefresh=1";
ok($r->code == 200 && $r->content =~ /id="st-form"/, '... but not while the loop guard is set: the form');

$r = GET '/auth/reset-password', @nav;
like($r->content, qr{<h1>Reset your password</h1>.*id="st-email".*Email me a link}s, 'reset page without a token: the request form');
like($r->content, qr{<a id="st-signin" href="/auth">Back to sign in</a>}, '... with a way back to sign in');
$r = GET '/auth/reset-password?token=abc', @nav;
like($r->content, qr{<h1 id="st-title">Choose a new password</h1>.*id="st-password"}s, 'reset page with a token: the new-password form');
like($r->content, qr{id="st-done" role="status"}, '... success is a status message, not an alert');
my $known = api('/auth/user/password/reset/token', form(email => $u->{email}));
my $unknown = api('/auth/user/password/reset/token', form(email => unique_email('nobody')));
ok($known->code == 200 && $known->content eq '{"status":"OK"}' && $unknown->content eq $known->content,
   'the reset request answers the same for an existing and an unknown email');

# --- who may sign up --------------------------------------------------------------------------------
Apache::TestRequest::module('plain_nosignup');
$r = GET '/auth', @nav;
unlike($r->content, qr/id="st-toggle"|>Create an account</, 'SuperTokensSignUp Off: the sign-in page has no "Create an account"');
core_ctl('reset', {});
my $email = unique_email('off');
$r = api('/auth/signup', form(email => $email, password => $PASSWORD));
is($r->code, 200, 'SuperTokensSignUp Off: sign-up answers 200');
is($r->content, '{"status":"SIGN_UP_NOT_ALLOWED","reason":"Sign-up is disabled. Please ask an administrator for an account."}',
   '... SIGN_UP_NOT_ALLOWED with a reason to show');
is(core_ctl('stats')->{paths}{'POST /public/recipe/signup'}, undef, '... refused before the core is asked');
$r = api('/auth/signup', form(email => 'not-an-email', password => $PASSWORD));
like($r->content, qr/FIELD_ERROR/, '... the form is still checked first (as the SDK)');
my $log = do { local (@ARGV, $/) = Apache::Test::vars('t_logs') . '/error_log'; <> };
like($log, qr/AH10471: user "\Q$email\E": SuperTokens sign-up refused: SuperTokensSignUp Off \(tenant public\), from 127\.0\.0\.1/,
     '... one notice line with the account and the client address');
unlike($log, qr/\Q$PASSWORD\E/, '... never the password');

Apache::TestRequest::module('plain_domains');
like(GET('/auth', @nav)->content, qr/id="st-toggle"/, 'SuperTokensSignUpEmailDomains: the page still offers sign-up');
for my $case (['a', 'example.com', 1], ['b', 'EXAMPLE.com', 1], ['c', 'corp.example.org', 1], ['d', 'eu.corp.example.org', 1],
              ['e', 'evil.test', 0], ['f', 'sub.example.com', 0], ['g', 'notexample.com', 0], ['h', 'example.com.evil.test', 0]) {
    my ($tag, $domain, $allowed) = @$case;
    my $addr = unique_email($tag, $domain);
    $r = api('/auth/signup', form(email => $addr, password => $PASSWORD));
    my $status = (eval { JSON::PP::decode_json($r->content) } || {})->{status} // '';
    is($status, $allowed ? 'OK' : 'SIGN_UP_NOT_ALLOWED', "sign-up limited to example.com .corp.example.org: \@$domain "
       . ($allowed ? 'accepted' : 'refused'));
}
like(api('/auth/signup', form(email => unique_email('x', 'evil.test'), password => $PASSWORD))->content,
     qr/"reason":"Sign-up is not open to this email address/, 'a refused domain gets its own reason');
$r = api('/auth/signin', form(email => unique_email('x', 'evil.test'), password => $PASSWORD));
like($r->content, qr/WRONG_CREDENTIALS_ERROR/, 'sign-in is not limited (accounts made before the limit still sign in)');

# --- without SuperTokensEmailClaim, no email claim ---------------------------------------------------
Apache::TestRequest::module('login');
$u = sign_up('noclaim');
ok(!exists jwt_payload(uri_unescape($u->{access}))->{email}, 'without SuperTokensEmailClaim the token has no email claim');

$log = do { local (@ARGV, $/) = Apache::Test::vars('t_logs') . '/error_log'; <> };
unlike($log, qr/\Q$u->{access}\E/, 'no token in the error log');

done_testing();

sub uri_escape_js {
    my ($s) = @_;
    $s =~ s/([^A-Za-z0-9\-_.!~*'()])/sprintf('%%%02X', ord $1)/ge;
    return $s;
}

# The EmailPassword API served by the module (protocol.md §4, §3.4, §6.3): every input check
# with supertokens-node's exact 400 messages, the default validators' FIELD_ERROR texts,
# sign-up/sign-in with sessions in the method st-auth-mode asks for, email exists, password
# reset with link delivery, SuperTokensRecipes, SuperTokensUnauthAction and the login page.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest qw(GET POST);
use JSON::PP ();
use lib 't/lib';
use STTest qw(jwt_payload cookies_of front_token_decode);

# redirects are asserted, not followed
Apache::TestRequest::user_agent(reset => 1, requests_redirectable => 0);

my $port = Apache::Test::vars('port');
my $json = JSON::PP->new->canonical;

sub api {
    my ($path, $body, @h) = @_;
    my $content = ref $body ? $json->encode($body) : $body;
    return POST $path, 'Content-Type' => 'application/json', rid => 'emailpassword', @h, content => $content;
}
sub form { my %f = @_; return { formFields => [map { { id => $_, value => $f{$_} } } sort keys %f] } }
sub body_is { my ($r, $want, $name) = @_; is($r->content, $want, $name) }
# Polls $probe (every 50 ms, at most 10 s) until it returns something true; returns that.
sub wait_for { my ($probe) = @_; for (1 .. 200) { my $v = $probe->(); return $v if $v; select undef, undef, undef, 0.05 } return undef }
sub bad { my ($r, $msg, $name) = @_; ok($r->code == 400 && $r->content eq $json->encode({ message => $msg }), "400 $msg: $name") or diag $r->code . ' ' . $r->content }

my $email = 'john' . int(rand(1e9)) . '@example.com';

# --- 400 input checks (exact texts of supertokens-node) --------------------------------------
bad(api('/auth/signup', '{not json'), 'API input error: Please make sure to pass a valid JSON input in the request body', 'invalid JSON');
bad(api('/auth/signup', {}), 'Missing input param: formFields', 'no formFields');
bad(api('/auth/signup', ''), 'Missing input param: formFields', 'empty body');
bad(api('/auth/signup', { formFields => 'x' }), 'formFields must be an array', 'formFields not an array');
bad(api('/auth/signup', { formFields => undef }), 'formFields must be an array', 'formFields null');
bad(api('/auth/signup', { formFields => [5] }), 'All elements of formFields must be an object', 'element not an object');
bad(api('/auth/signup', { formFields => [{ randomKey => 'randomValue' }] }),
    "All elements of formFields must contain an 'id' and 'value' field", 'element without id/value');
bad(api('/auth/signup', { formFields => [{ id => 'email' }] }),
    "All elements of formFields must contain an 'id' and 'value' field", 'element without value');
bad(api('/auth/signup', { formFields => [{ id => 'email', value => 5 }, { id => 'password', value => 'abcd1234' }] }),
    'email value must be a string', 'email not a string');
bad(api('/auth/signin', { formFields => [{ id => 'email', value => 'a@b.co' }, { id => 'password', value => JSON::PP::true }] }),
    'password value must be a string', 'password not a string');
bad(api('/auth/signin', { formFields => [{ id => 'email', value => 'a@b.co' }, { id => 'password', value => 'x' }, { id => 'name', value => 'n' }] }),
    'Are you sending too many formFields?', 'too many formFields');

# --- FIELD_ERROR (200) with the default validators ---------------------------------------------
body_is(api('/auth/signup', form(email => 'not-an-email', password => 'abcd1234')),
        '{"status":"FIELD_ERROR","formFields":[{"error":"Email is invalid","id":"email"}]}', 'invalid email');
body_is(api('/auth/signup', form(email => "\"a\nb\"\@example.com", password => 'abcd1234')),
        '{"status":"FIELD_ERROR","formFields":[{"error":"Email is invalid","id":"email"}]}',
        'quoted local part with a newline: invalid (JavaScript\'s . does not match newlines)');
body_is(api('/auth/signup', form(email => $email, password => 'abc12')),
        '{"status":"FIELD_ERROR","formFields":[{"error":"Password must contain at least 8 characters, including a number","id":"password"}]}',
        'short password');
body_is(api('/auth/signup', form(email => $email, password => 'a1' x 50)),
        '{"status":"FIELD_ERROR","formFields":[{"error":"Password\'s length must be lesser than 100 characters","id":"password"}]}',
        '100-character password');
body_is(api('/auth/signup', form(email => $email, password => '12345678')),
        '{"status":"FIELD_ERROR","formFields":[{"error":"Password must contain at least one alphabet","id":"password"}]}',
        'password without a letter');
body_is(api('/auth/signup', form(email => $email, password => 'abcdefgh')),
        '{"status":"FIELD_ERROR","formFields":[{"error":"Password must contain at least one number","id":"password"}]}',
        'password without a number');
body_is(api('/auth/signup', form(email => 'bad', password => 'short')),
        '{"status":"FIELD_ERROR","formFields":[{"error":"Password must contain at least 8 characters, including a number","id":"password"},{"error":"Email is invalid","id":"email"}]}',
        'both invalid: password first (configured order)');
body_is(api('/auth/signup', form(email => '', password => 'abcd1234')),
        '{"status":"FIELD_ERROR","formFields":[{"error":"Field is not optional","id":"email"}]}', 'empty email');
body_is(api('/auth/signin', { formFields => [{ id => 'email', value => $email }] }),
        '{"status":"FIELD_ERROR","formFields":[{"error":"Field is not optional","id":"password"}]}', 'sign-in without password');

# --- sign-up: cookie mode, exact body shape (protocol.md §6.3) -----------------------------------
my $r = api('/auth/signup', form(email => "  $email ", password => 'abcd1234'), 'st-auth-mode' => 'cookie');
is($r->code, 200, 'sign-up: 200');
like($r->content, qr/^\{"status":"OK","user":\{"id":"[^"]+","isPrimaryUser":false,"tenantIds":\["public"\],"emails":\["\Q$email\E"\],"phoneNumbers":\[\],"thirdParty":\[\],"webauthn":\{"credentialIds":\[\]\},"loginMethods":\[\{"recipeId":"emailpassword","recipeUserId":"[^"]+","tenantIds":\["public"\],"email":"\Q$email\E","timeJoined":\d+,"verified":false\}\],"timeJoined":\d+\}\}$/,
     'sign-up body: the FDI user object in supertokens-node\'s key order, email trimmed');
my $user_id = eval { $json->decode($r->content)->{user}{id} } // '';
my ($at) = map { /^sAccessToken=([^;]+)/ ? $1 : () } cookies_of($r);
my ($rt_line) = grep { /^sRefreshToken=/ } cookies_of($r);
ok($at && $rt_line, 'cookie mode: both session cookies set');
like($rt_line // '', qr/; Path=\/auth\/session\/refresh; Expires=[^;]+ GMT; HttpOnly; SameSite=Lax$/, 'refresh cookie attributes');
my $p = jwt_payload($at // 'x.e30.x');
is($p->{sub}, $user_id, 'access token sub is the new user');
is($p->{iss}, "http://localhost:$port/auth", 'iss = apiDomain + apiBasePath');
my $ft = front_token_decode($r->header('front-token') // 'e30=');
is_deeply([$ft->{uid}, $ft->{ate}, $ft->{up}], [$user_id, $p->{exp} * 1000, $p], 'front-token of the new session');
is($r->header('Access-Control-Expose-Headers'), 'front-token', 'cookie mode exposes front-token');
ok(!defined $r->header('anti-csrf'), 'no anti-csrf header without via-token');
$r = GET '/protected/index.html', Cookie => "sAccessToken=$at";
is($r->code, 200, 'the new session opens a protected location');

body_is(api('/auth/signup', form(email => $email, password => 'abcd1234')),
        '{"status":"FIELD_ERROR","formFields":[{"id":"email","error":"This email already exists. Please sign in instead."}]}',
        'sign-up with an existing email');

# --- sign-in -----------------------------------------------------------------------------------
$r = api('/auth/signin', form(email => uc($email), password => 'abcd1234'));
is($r->code, 200, 'sign-in: 200 (email matched case-insensitively by the core)');
like($r->content, qr/^\{"status":"OK","user":\{"id":"\Q$user_id\E",/, 'sign-in body: the same user');
ok($r->header('st-access-token') && $r->header('st-refresh-token'), 'no st-auth-mode: tokens in headers (observed SDK default)');
is($r->header('Access-Control-Expose-Headers'), 'front-token, st-access-token, st-refresh-token', 'header mode exposes');
ok(!cookies_of($r), 'header mode sets no cookie');
unlike($r->header('st-refresh-token') // '', qr/%/, 'st-refresh-token is not URL-encoded');

$r = api('/auth/signin', form(email => $email, password => 'abcd1234'), 'st-auth-mode' => 'header', Cookie => "sAccessToken=$at");
is_deeply([map { /^(s\w+Token)=;/ ? $1 : () } cookies_of($r)], ['sAccessToken', 'sRefreshToken'],
          'header-mode sign-in with an access cookie clears the cookies (observed)');
ok($r->header('st-access-token') && ($r->header('front-token') // '') ne 'remove', 'and still sends the new tokens');

body_is(api('/auth/signin', form(email => $email, password => 'wrong-password1')), '{"status":"WRONG_CREDENTIALS_ERROR"}', 'wrong password');
body_is(api('/auth/signin', form(email => "nobody$email", password => 'abcd1234')), '{"status":"WRONG_CREDENTIALS_ERROR"}', 'unknown email');
body_is(api('/auth/signin', form(email => $email, password => 'x')), '{"status":"WRONG_CREDENTIALS_ERROR"}',
        'sign-in applies no password rules');

$r = api('/auth/public/signin', form(email => $email, password => 'abcd1234'));
is($r->code, 200, 'sign-in under the tenant segment /public');
$r = api('/auth/signin', form(email => $email, password => 'abcd1234'), 'fdi-version' => '1.16');
is($r->content =~ /^\{"status":"OK","user":\{"id":"[^"]+","timeJoined":\d+,"email":"\Q$email\E"\}\}$/ ? 1 : 0, 1,
   'old FDI (1.16) gets the old user shape {id, timeJoined, email}');

Apache::TestRequest::module('ep_csrf_token');
$r = api('/auth/signin', form(email => $email, password => 'abcd1234'), 'st-auth-mode' => 'cookie');
my $csrf = $r->header('anti-csrf');
ok($csrf && ($r->header('Access-Control-Expose-Headers') // '') eq 'front-token, anti-csrf', 'via-token cookie sign-in: anti-csrf header, exposed');
my ($at_csrf) = map { /^sAccessToken=([^;]+)/ ? $1 : () } cookies_of($r);
is(jwt_payload($at_csrf // 'x.e30.x')->{antiCsrfToken}, $csrf, 'the anti-csrf token is the one in the JWT');
Apache::TestRequest::module('default');

# --- email exists ---------------------------------------------------------------------------------
body_is(GET("/auth/emailpassword/email/exists?email=$email"), '{"status":"OK","exists":true}', 'email exists: true');
body_is(GET("/auth/emailpassword/email/exists?email=other$email"), '{"status":"OK","exists":false}', 'email exists: false');
body_is(GET("/auth/signup/email/exists?email=$email"), '{"status":"OK","exists":true}', 'old alias /signup/email/exists');
bad(GET('/auth/emailpassword/email/exists'), 'Please provide the email as a GET param', 'email exists without email');

# --- password reset -----------------------------------------------------------------------------
body_is(api('/auth/user/password/reset/token', form(email => "nobody$email")), '{"status":"OK"}', 'reset token for an unknown email: OK (no enumeration)');
body_is(api('/auth/user/password/reset/token', form(email => 'bad')),
        '{"status":"FIELD_ERROR","formFields":[{"error":"Email is invalid","id":"email"}]}', 'reset token: invalid email');
body_is(api('/auth/user/password/reset/token', form(email => $email)), '{"status":"OK"}', 'reset token for a user: OK');
{
    # delivery is asynchronous (src/delivery.h): wait for the log line
    my $line = wait_for(sub {
        my $log = do { local (@ARGV, $/) = Apache::Test::vars('t_logs') . '/error_log'; <> };
        (grep { /password reset link for \Q$email\E: / } split /\n/, $log)[0];
    });
    like($line // '', qr{http://localhost:3000/auth/reset-password\?token=<\d+ characters hidden>&tenantId=public},
         'default delivery logs the link with the token hidden');
}
Apache::TestRequest::module('ep_cmd');
my $capture = Apache::Test::vars('t_logs') . '/reset-delivery.txt';
unlink $capture;
body_is(api('/auth/user/password/reset/token', form(email => $email)), '{"status":"OK"}', 'reset token with a delivery command: OK');
my ($got_email, $link) = @{ wait_for(sub {
    my @l = -f $capture ? do { open my $fh, '<', $capture or die $!; <$fh> } : ();
    @l == 2 && $l[1] =~ /\n\z/ ? [map { chomp; $_ } @l] : undef;
}) // [] };
is($got_email, $email, 'the command got the email on stdin');
my ($token) = ($link // '') =~ m{^http://localhost:3000/auth/reset-password\?token=([^&]+)&tenantId=public$};
ok($token, 'the command got the link {websiteDomain}{websiteBasePath}/reset-password?token=...&tenantId=public');
Apache::TestRequest::module('default');
$token = URI::Escape::uri_unescape($token // '') if eval { require URI::Escape };

bad(api('/auth/user/password/reset', { method => 'token', formFields => [{ id => 'password', value => 'newpass123' }] }),
    'Please provide the password reset token', 'reset without token');
bad(api('/auth/user/password/reset', { method => 'token', token => 5, formFields => [{ id => 'password', value => 'newpass123' }] }),
    'The password reset token must be a string', 'reset with a non-string token');
body_is(api('/auth/user/password/reset', { method => 'token', token => $token, formFields => [{ id => 'password', value => 'weak' }] }),
        '{"status":"FIELD_ERROR","formFields":[{"error":"Password must contain at least 8 characters, including a number","id":"password"}]}',
        'reset with a weak password');
body_is(api('/auth/user/password/reset', { method => 'token', token => 'not-a-token', formFields => [{ id => 'password', value => 'newpass123' }] }),
        '{"status":"RESET_PASSWORD_INVALID_TOKEN_ERROR"}', 'reset with an unknown token');
body_is(api('/auth/user/password/reset', { method => 'token', token => $token, formFields => [{ id => 'password', value => 'newpass123' }] }),
        '{"status":"OK"}', 'reset with the delivered token: OK');
body_is(api('/auth/signin', form(email => $email, password => 'abcd1234')), '{"status":"WRONG_CREDENTIALS_ERROR"}', 'old password no longer works');
is(api('/auth/signin', form(email => $email, password => 'newpass123'))->code, 200, 'new password works');
body_is(api('/auth/user/password/reset', { method => 'token', token => $token, formFields => [{ id => 'password', value => 'other123x' }] }),
        '{"status":"RESET_PASSWORD_INVALID_TOKEN_ERROR"}', 'a reset token works once');

# --- SuperTokensRecipes session: the EmailPassword API is not served ----------------------------
Apache::TestRequest::module('ep_session_only');
is(api('/auth/signin', form(email => $email, password => 'newpass123'))->code, 404, 'SuperTokensRecipes session: /signin falls through');
is(POST('/auth/session/refresh', content => '')->code, 401, 'SuperTokensRecipes session: refresh still served');
Apache::TestRequest::module('default');

# --- body size cap ------------------------------------------------------------------------------
is(api('/auth/signin', '{"formFields":"' . ('x' x (200 * 1024)) . '"}')->code, 413, 'a body over 100 KiB: 413');

# --- SuperTokensUnauthAction ----------------------------------------------------------------------
my @nav = (Accept => 'text/html,application/xhtml+xml,*/*;q=0.8', 'Sec-Fetch-Mode' => 'navigate', 'Sec-Fetch-Dest' => 'document');
$r = GET '/redir/page.html?a=1&b=%2F', @nav, Host => 'evil.example';
is($r->code, 302, 'redirect: a browser navigation without a session is redirected');
is($r->header('Location'), 'http://localhost:3000/auth?redirectToPath=%2Fredir%2Fpage.html%3Fa%3D1%26b%3D%252F',
   'redirect target from configuration (not the Host header) with redirectToPath');
$r = GET '/redir/page.html', Accept => 'application/json';
is($r->code, 401, 'redirect: an API-like request (Accept JSON) still gets 401');
$r = GET '/redir/page.html', @nav, 'X-Requested-With' => 'XMLHttpRequest';
is($r->code, 401, 'redirect: XHR gets 401');
$r = GET '/redir/page.html', Accept => 'text/html', 'Sec-Fetch-Mode' => 'cors';
is($r->code, 401, 'redirect: fetch (Sec-Fetch-Mode cors) gets 401');
$r = GET '/redir/page.html', @nav, Cookie => "sAccessToken=$at";
is($r->code, 200, 'redirect: with a session the page is served');
$r = GET '/passing/page.html', 'SuperTokens-User-Id' => 'mallory';
is($r->code, 200, 'pass: no session, served anonymously');

# --- the built-in login page --------------------------------------------------------------------
Apache::TestRequest::module('login');
my $lp = Apache::Test::vars('login_port') // '';
$r = GET '/app/index.html', @nav;
is($r->code, 302, 'login vhost: protected app redirects a navigation');
like($r->header('Location') // '', qr{^http://localhost:\d+/auth\?redirectToPath=%2Fapp%2Findex\.html$}, 'to the login page on the same origin');
$r = GET '/auth?redirectToPath=%2Fapp%2Findex.html', @nav;
is($r->code, 200, 'login page served without a session, under a protected "/"');
like($r->header('Content-Type') // '', qr{^text/html}, 'login page is HTML');
like($r->content, qr/<form id="st-form".*id="st-email".*id="st-password"/s, 'login page has the form');
my ($nonce) = ($r->header('Content-Security-Policy') // '') =~ /script-src 'nonce-([0-9a-f]+)'/;
ok($nonce && $r->content =~ /<script nonce="$nonce">/, 'inline script allowed only by a per-response CSP nonce');
unlike($r->content, qr/<script[^>]+src=/, 'no external script (no CDN)');
like($r->content, qr{p\.charAt\(1\)==='/'}, 'the page refuses protocol-relative redirectToPath values');
$r = GET '/auth/reset-password?token=abc&tenantId=public', @nav;
like($r->content, qr/Choose a new password/, 'reset-password page served for delivered links');
Apache::TestRequest::module('default');
is(GET('/auth', @nav)->code, 404, 'without SuperTokensLoginPage no page is served');

# --- the email rule has JavaScript's '.' and '\s' (issue 13): what supertokens-node refuses ------
my $ascii = JSON::PP->new->ascii->canonical;
for my $bad ("\"x\rTo: v\@t\"\@example.com", "ad\x{feff}min\@example.com") {
    (my $shown = $ascii->encode($bad)) =~ s/^"|"$//g;
    for my $path ('/auth/signup', '/auth/signin') {
        body_is(api($path, $ascii->encode(form(email => $bad, password => 'abcd1234'))),
                '{"status":"FIELD_ERROR","formFields":[{"error":"Email is invalid","id":"email"}]}',
                "$path $shown: Email is invalid");
    }
}

done_testing();

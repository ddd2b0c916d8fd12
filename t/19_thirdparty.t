# The ThirdParty recipe (issue 19) over HTTP against a local identity provider (t/idp/idp.js):
# login methods, authorisation URLs (PKCE, nonce, the built-ins' defaults), sign-in-up with a
# code (OpenID Connect, Google-shaped, GitHub-style, a public client) then a session that
# reaches a CGI as REMOTE_USER, and every bad input: a wrong or replayed code, forged ID tokens
# (issuer, audience, signature, expiry, alg none/HS256, nonce), a provider that is down, slow or
# answers garbage, a user without an email, sign-up outside the allowed domains; the provider's
# key rotation; Apple (a client secret the provider checks, the form_post callback); email_field;
# providers stored in the core for a tenant.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest qw(GET POST);
use LWP::UserAgent ();
use HTTP::Request ();
use URI ();
use URI::Escape qw(uri_escape);
use MIME::Base64 qw(encode_base64);
use JSON::PP ();
use Time::HiRes qw(time);
use lib 't/lib';
use STTest qw(core jwt_payload cookies_of env_of);

Apache::TestRequest::user_agent(reset => 1, requests_redirectable => 0);

my $json = JSON::PP->new->canonical;
my $port = Apache::Test::vars('tp_port');
my $origin = "http://localhost:$port";
my $idp = "http://127.0.0.1:$ENV{ST_IDP_PORT}";
my $core_port = $ENV{ST_TP_CORE_PORT};
my $callback = "$origin/auth/callback/";
my $ua = LWP::UserAgent->new(max_redirect => 0, timeout => 20);
my $errlog = 't/logs/error_log';

sub idp_ctl { my ($name, $body) = @_; return $json->decode($ua->post("$idp/__ctl/$name", Content => $json->encode($body || {}))->content) }
sub log_size { return -s $errlog || 0 }
sub log_since { my ($from) = @_; open my $fh, '<', $errlog or return ''; seek $fh, $from, 0; local $/; return <$fh> // '' }

sub api_get { my ($path) = @_; my $r = GET "$origin$path"; return ($r, eval { $json->decode($r->content) } || {}) }
sub signinup {
    my ($body, $tenant) = @_;
    my $r = POST "$origin/auth" . ($tenant ? "/$tenant" : '') . '/signinup', 'Content-Type' => 'application/json',
        rid => 'thirdparty', 'st-auth-mode' => 'cookie', content => $json->encode($body);
    return ($r, eval { $json->decode($r->content) } || {});
}

# The authorisation URL of a provider, as a URI, and the PKCE verifier
sub auth_url {
    my ($id, $tenant) = @_;
    my ($r, $b) = api_get('/auth' . ($tenant ? "/$tenant" : '') . "/authorisationurl?thirdPartyId=$id&redirectURIOnProviderDashboard="
                          . uri_escape("$callback$id"));
    return (URI->new($b->{urlWithQueryParams} // ''), $b->{pkceCodeVerifier}, $b);
}

# The provider's redirect back (user chosen with ?user=, skipping its login screen): the code
sub code_for {
    my ($url, $user) = @_;
    my $r = $ua->get("$url&user=$user");
    my $to = URI->new($r->header('Location') // '');
    return { $to->query_form }->{code};
}

# authorisation URL, provider login, sign-in-up: the reply
sub flow {
    my ($id, $user, %o) = @_;
    my ($url, $verifier) = auth_url($id, $o{tenant});
    my $code = $o{code} // code_for($url, $user);
    my %info = (redirectURIOnProviderDashboard => "$callback$id", redirectURIQueryParams => { code => $code, state => 'x' });
    $info{pkceCodeVerifier} = $verifier if defined $verifier;
    my @r = signinup({ thirdPartyId => $id, redirectURIInfo => \%info }, $o{tenant});
    return (@r, $code);
}

sub access_cookie { my ($r) = @_; for (cookies_of($r)) { return $1 if /^sAccessToken=([^;]+)/ } return undef }

# ---------- login methods and authorisation URLs ----------
{
    my ($r, $b) = api_get('/auth/loginmethods');
    is($r->code, 200, 'GET /auth/loginmethods');
    is_deeply($b, { status => 'OK', emailPassword => { enabled => JSON::PP::true }, thirdParty => { enabled => JSON::PP::true,
        providers => [{ id => 'oidc-local', name => 'Local IdP' }, { id => 'google', name => 'Google' },
                      { id => 'github', name => 'Github' }, { id => 'oidc-public' }, { id => 'oidc-mapped' },
                      { id => 'apple', name => 'Apple' }, { id => 'apple-wrongkey', name => 'Apple' }, { id => 'oidc-down' }] },
        webauthn => { enabled => JSON::PP::false }, passwordless => { enabled => JSON::PP::false },
        firstFactors => ['emailpassword', 'thirdparty'] }, 'the configured providers, named as the SDK names them');

    my ($url, $verifier) = auth_url('oidc-local');
    my %q = $url->query_form;
    is($url->scheme . '://' . $url->host_port . $url->path, "$idp/authorize", 'the endpoint from the discovery document');
    is_deeply([map { $_ } grep { !/^(code_challenge|nonce)$/ } sort keys %q],
              [qw(client_id code_challenge_method prompt redirect_uri response_type scope)], 'its parameters');
    is($q{client_id}, 'apache', 'client_id');
    is($q{redirect_uri}, "${callback}oidc-local", 'redirect_uri as given');
    is($q{scope}, 'openid email profile', 'the configured scope');
    is($q{prompt}, 'login', 'auth_param.prompt');
    like($verifier, qr/^[A-Za-z0-9_-]{43,128}$/, 'a PKCE verifier (the discovery document offers S256)');
    is($q{code_challenge_method}, 'S256', 'S256');
    like($q{nonce}, qr/^[A-Za-z0-9_-]{43}$/, 'a nonce');

    ($url) = auth_url('google');
    %q = $url->query_form;
    is($q{scope}, 'openid email', "google: the SDK's default scope");
    is($q{access_type}, 'offline', 'google: access_type=offline');
    is($q{included_grant_scopes}, 'true', 'google: included_grant_scopes=true');

    my $b2;
    ($url, $verifier, $b2) = auth_url('github');
    %q = $url->query_form;
    is($q{scope}, 'read:user user:email', "github: the SDK's default scope");
    ok(!exists $b2->{pkceCodeVerifier} && !exists $q{code_challenge}, 'github: no PKCE (a secret, no discovery)');

    ($r, $b) = api_get('/auth/authorisationurl?redirectURIOnProviderDashboard=x');
    is($r->code, 400, 'no thirdPartyId: 400');
    is($b->{message}, 'Please provide the thirdPartyId as a GET param', "the SDK's message");
    ($r, $b) = api_get('/auth/authorisationurl?thirdPartyId=nope&redirectURIOnProviderDashboard=x');
    is($b->{message}, 'the provider nope could not be found in the configuration', 'an unknown provider: the SDK\'s 400');
}

# ---------- sign-in-up with OpenID Connect, a session, REMOTE_USER ----------
my $alice_id;
{
    idp_ctl('reset');
    my ($r, $b, $code) = flow('oidc-local', 'alice');
    is($b->{status}, 'OK', 'alice signs up with the local OpenID Connect provider') or diag($r->content);
    ok($b->{createdNewRecipeUser}, 'createdNewRecipeUser');
    is_deeply($b->{user}{thirdParty}, [{ id => 'oidc-local', userId => 'alice-sub' }], 'the user, by the provider\'s sub');
    is_deeply($b->{user}{emails}, ['alice@example.com'], 'her email');
    $alice_id = $b->{user}{id};
    my $access = access_cookie($r);
    ok($access, 'a session (cookies, st-auth-mode cookie)');
    my $pl = jwt_payload($access);
    is($pl->{sub}, $alice_id, 'for her user id');
    is_deeply($pl->{'st-ev'}{v}, JSON::PP::true, 'st-ev true: the ID token says email_verified');
    is($pl->{email}, 'alice@example.com', 'the email claim (SuperTokensEmailClaim On)');
    my $env = env_of(GET "$origin/protected-cgi/env.cgi", Cookie => "sAccessToken=$access");
    is($env->{REMOTE_USER}, $alice_id, 'REMOTE_USER on a protected CGI');
    my $form = { map { $_->{path} => $_ } @{ idp_ctl('log', undef) ? [] : [] } };
    my @log = @{ $json->decode($ua->get("$idp/__ctl/log")->content)->{log} };
    my ($tok) = grep { $_->{path} eq '/token' } @log;
    is_deeply([sort @{ $tok->{form} }], [sort qw(client_id redirect_uri code grant_type client_secret code_verifier)],
              'the code exchange sends what the SDK sends');
    my $sent = core('GET', "/__test/last-request?path=/public/recipe/signinup", undef, port => $core_port);
    is_deeply($json->decode($sent->{body}), { thirdPartyId => 'oidc-local', thirdPartyUserId => 'alice-sub',
        email => { id => 'alice@example.com', isVerified => JSON::PP::true } }, 'POST /public/recipe/signinup');

    my $from = log_size();
    my ($r2, $b2) = signinup({ thirdPartyId => 'oidc-local', redirectURIInfo => { redirectURIOnProviderDashboard => "${callback}oidc-local",
        redirectURIQueryParams => { code => $code } } });
    is($b2->{status}, 'GENERAL_ERROR', 'the same code again: GENERAL_ERROR');
    ok(!access_cookie($r2), '... and no session');
    like(log_since($from), qr/AH10610: third-party sign-in with oidc-local failed: the token endpoint answered HTTP 400/,
         '... logged, without the code');
    unlike(log_since($from), qr/\Q$code\E/, 'the code is never logged');

    ($r2, $b2) = flow('oidc-local', 'alice');
    is($b2->{status}, 'OK', 'alice signs in again');
    ok(!$b2->{createdNewRecipeUser}, '... not a new user');
    is($b2->{user}{id}, $alice_id, '... the same user');

    ($r2, $b2) = flow('oidc-local', 'alice', code => 'not-a-code');
    is($b2->{status}, 'GENERAL_ERROR', 'a wrong code: GENERAL_ERROR');
}

# ---------- forged ID tokens ----------
for my $case (['wrong-iss', qr/iss is not the provider's issuer/], ['wrong-aud', qr/aud is not this client/],
              ['multi-aud-no-azp', qr/several audiences and no azp/], ['bad-sig', qr/signature is invalid/],
              ['expired', qr/has expired/], ['future-iat', qr/iat is in the future/],
              ['alg-none', qr/alg is not RS256 or ES256/], ['hs256', qr/alg is not RS256 or ES256/],
              ['wrong-nonce', qr/nonce is not the one sent/], ['no-nonce', qr/nonce is not the one sent/]) {
    my ($mode, $why) = @$case;
    idp_ctl('mode', { id => $mode, count => 1 });
    my $from = log_size();
    my ($r, $b) = flow('oidc-local', 'alice');
    is($b->{status}, 'GENERAL_ERROR', "ID token $mode: GENERAL_ERROR");
    ok(!access_cookie($r), "ID token $mode: no session");
    like(log_since($from), $why, "ID token $mode: logged why");
}
{
    idp_ctl('mode', { id => 'es256', count => 1 });
    my ($r, $b) = flow('oidc-local', 'alice');
    is($b->{status}, 'OK', 'an ID token signed with the EC key (ES256): accepted');
}

# ---------- the provider's key rotation ----------
{
    # The provider cache is per process: one kept-alive connection keeps every request of this
    # block in the process that fetched the old keys, which must then notice the new kid.
    Apache::TestRequest::user_agent(reset => 1, keep_alive => 1, requests_redirectable => 0);
    my ($r, $b) = flow('oidc-local', 'alice');
    is($b->{status}, 'OK', 'before the provider rotates its keys: signed in (its JWKS cached)');
    idp_ctl('rotate');
    my $from = log_size();
    ($r, $b) = flow('oidc-local', 'alice');
    is($b->{status}, 'OK', 'after the provider rotated its keys: signed in');
    like(log_since($from), qr/AH10609: .*unknown; refetching the JWKS/, '... the JWKS was fetched again for the new kid');
    idp_ctl('mode', { id => 'unknown-kid', count => 1 });
    ($r, $b) = flow('oidc-local', 'alice');
    is($b->{status}, 'GENERAL_ERROR', 'a kid the provider never published: GENERAL_ERROR');
    Apache::TestRequest::user_agent(reset => 1, requests_redirectable => 0);
}

# ---------- the provider down, slow, answering garbage ----------
{
    my $from = log_size();
    my ($r, $b) = api_get('/auth/authorisationurl?thirdPartyId=oidc-down&redirectURIOnProviderDashboard=x');
    is($r->code, 500, 'a provider whose discovery document cannot be fetched: 500');
    is($b->{message}, "the provider's discovery document could not be read", '... with a message');
    like(log_since($from), qr/AH10604: discovery document of oidc-down: cannot fetch/, '... logged');
    for my $case (['status500', qr/token endpoint answered HTTP 500/], ['garbage', qr/not a JSON object/],
                  ['slow', qr/timed out/]) {
        idp_ctl('mode', { token => $case->[0], count => 1 });
        $from = log_size();
        my $t0 = time;
        ($r, $b) = flow('oidc-local', 'alice');
        is($b->{status}, 'GENERAL_ERROR', "token endpoint $case->[0]: GENERAL_ERROR");
        like(log_since($from), $case->[1], "token endpoint $case->[0]: logged why");
        ok(time - $t0 < 8, "token endpoint $case->[0]: answered within the I/O deadline") if $case->[0] eq 'slow';
    }
}

# ---------- no email, sign-up rules ----------
{
    my ($r, $b) = flow('oidc-local', 'noemail');
    is_deeply($b, { status => 'NO_EMAIL_GIVEN_BY_PROVIDER' }, 'no email from the provider: NO_EMAIL_GIVEN_BY_PROVIDER');
    my $from = log_size();
    ($r, $b) = flow('oidc-local', 'bob');
    is($b->{status}, 'SIGN_IN_UP_NOT_ALLOWED', 'bob@other.org (SuperTokensSignUpEmailDomains example.com): SIGN_IN_UP_NOT_ALLOWED');
    like($b->{reason}, qr/Sign-up is not open to this email address/, '... with the reason');
    ok(!access_cookie($r), '... and no session');
    like(log_since($from), qr/AH10611: user "bob\@other.org": SuperTokens third-party sign-up with oidc-local refused/, '... logged');
    my $users = core('GET', '/public/users/by-accountinfo?thirdPartyId=oidc-local&thirdPartyUserId=bob-sub&doUnionOfAccountInfo=false',
                     undef, port => $core_port);
    is_deeply($users->{users}, [], '... and never sent to the core');
    ($r, $b) = flow('oidc-local', 'carol');
    is($b->{status}, 'OK', 'carol@example.com signs up');
    is_deeply(jwt_payload(access_cookie($r))->{'st-ev'}{v}, JSON::PP::false, '... unverified (the ID token says so)');
}

# ---------- GitHub-style OAuth 2.0, Google-shaped, a public client ----------
{
    idp_ctl('reset');
    my ($r, $b) = flow('github', 'alice');
    is($b->{status}, 'OK', 'GitHub-style: signed in') or diag($r->content);
    is_deeply($b->{user}{thirdParty}, [{ id => 'github', userId => '1001' }], "... user.id as text");
    is_deeply($b->{user}{emails}, ['alice@example.com'], '... the primary email');
    my @log = @{ $json->decode($ua->get("$idp/__ctl/log")->content)->{log} };
    is_deeply([map { "$_->{path} $_->{accept}" } grep { $_->{path} =~ m{^/gh/user} } @log],
              ['/gh/user/emails application/vnd.github.v3+json', '/gh/user application/vnd.github.v3+json'],
              '... the emails API, then the user API, as the SDK calls them');
    ($r, $b) = flow('google', 'alice');
    is($b->{status}, 'OK', 'google (the built-in on the local issuer): signed in');
    is_deeply($b->{user}{thirdParty}, [{ id => 'google', userId => 'alice-sub' }], '... by sub');
    ($r, $b) = flow('oidc-public', 'alice');
    is($b->{status}, 'OK', 'a public client (no secret, PKCE): signed in');
    my ($url) = auth_url('apple');
    my %q = $url->query_form;
    is($q{response_mode}, 'form_post', "apple: response_mode=form_post, as the SDK's apple.ts");
    is($q{scope}, 'openid email', "apple: the SDK's default scope");
    ($r, $b) = flow('apple', 'alice');
    is($b->{status}, 'OK', 'apple: signed in with the client secret made from team_id, key_id and the .p8 (checked by the provider)')
        or diag($r->content);
    is_deeply($b->{user}{thirdParty}, [{ id => 'apple', userId => 'alice-sub' }], '... by sub');
    my $from = log_size();
    ($r, $b) = flow('apple-wrongkey', 'alice');
    is($b->{status}, 'GENERAL_ERROR', 'apple: a client secret for a key id the provider does not know: GENERAL_ERROR');
    like(log_since($from), qr/AH10610: third-party sign-in with apple-wrongkey failed: the token endpoint answered HTTP 401/,
         '... the provider refused the client');
    unlike(log_since($from), qr/eyJ[A-Za-z0-9_-]+\.eyJ/, '... and no JWT (the client secret) is logged');
    ($r, $b) = flow('oidc-mapped', 'alice');
    is($b->{status}, 'OK', 'email_field=mail: signed in') or diag($r->content);
    is_deeply($b->{user}{emails}, ['alice.mail@example.com'], '... with the email of the user info\'s "mail"');
    my $sent = core('GET', "/__test/last-request?path=/public/recipe/signinup", undef, port => $core_port);
    is_deeply($json->decode($sent->{body})->{email}, { id => 'alice.mail@example.com', isVerified => JSON::PP::true },
              '... verified by the ID token\'s email_verified (emailVerified keeps its default mapping)');
}

# ---------- oAuthTokens, input errors ----------
{
    my ($r, $b) = signinup({ redirectURIInfo => {} });
    is($b->{message}, 'Please provide the thirdPartyId in request body', 'no thirdPartyId: the SDK\'s 400');
    ($r, $b) = signinup({ thirdPartyId => 'oidc-local', redirectURIInfo => {} });
    is($b->{message}, 'Please provide the redirectURIOnProviderDashboard in request body', 'no redirectURIOnProviderDashboard');
    ($r, $b) = signinup({ thirdPartyId => 'oidc-local' });
    is($b->{message}, 'Please provide one of redirectURIInfo or oAuthTokens in the request body', 'neither');
    ($r, $b) = signinup({ thirdPartyId => 'oidc-local', oAuthTokens => { access_token => 'bogus' } });
    is($b->{status}, 'GENERAL_ERROR', 'oAuthTokens the user-info API refuses: GENERAL_ERROR');
}

# ---------- Apple's form_post callback ----------
{
    my $state = encode_base64($json->encode({ frontendRedirectURI => "$origin/auth/callback/apple" }), '');
    my $r = POST "$origin/auth/callback/apple", 'Content-Type' => 'application/x-www-form-urlencoded',
        content => "state=" . uri_escape($state) . "&code=abc";
    is($r->code, 303, 'POST /auth/callback/apple: 303');
    my $to = URI->new($r->header('Location'));
    is($to->scheme . '://' . $to->host_port . $to->path, "$origin/auth/callback/apple", '... to the frontend page of the state');
    is({ $to->query_form }->{code}, 'abc', '... with the form fields in the query');
    $state = encode_base64($json->encode({ frontendRedirectURI => 'https://evil.example/x' }), '');
    $r = POST "$origin/auth/callback/apple", 'Content-Type' => 'application/x-www-form-urlencoded',
        content => "state=" . uri_escape($state) . "&code=abc";
    is($r->code, 400, 'a state naming another site: 400, no redirect');
}

# ---------- providers stored in the core for a tenant ----------
{
    my $put = core('PUT', '/t19/recipe/multitenancy/config/thirdparty', { config => { thirdPartyId => 'oidc-local',
        name => 'Tenant IdP', clients => [{ clientId => 'apache', clientSecret => 's3cret' }] } }, port => $core_port, rid => 'multitenancy');
    is($put->{status}, 'OK', 'a provider stored in the core for tenant t19');
    my ($r, $b) = api_get('/auth/t19/loginmethods');
    is_deeply($b->{thirdParty}{providers}, [{ id => 'oidc-local', name => 'Tenant IdP' }], 'the tenant\'s login methods: the core\'s list, merged');
    my $b2;
    ($r, $b2) = flow('oidc-local', 'alice', tenant => 't19');
    is($b2->{status}, 'OK', 'sign-in on tenant t19 (discovery from the configured provider)') or diag($r->content);
    is_deeply($b2->{user}{tenantIds}, ['t19'], '... a user of that tenant');
    ($r, $b) = api_get('/auth/t19/authorisationurl?thirdPartyId=github&redirectURIOnProviderDashboard=x');
    is($r->code, 400, 'a provider the tenant does not have: 400');
}

# ---------- the built-in pages ----------
{
    my $r = GET "$origin/auth", Accept => 'text/html';
    is($r->code, 200, 'the built-in sign-in page');
    like($r->content, qr/id="st-providers"/, '... has the place of the "Continue with" buttons');
    like($r->content, qr{/loginmethods}, '... which its script fills from GET /auth/loginmethods');
    like($r->content, qr{/callback/'\+encodeURIComponent\(p\.id\)}, '... with {websiteBasePath}/callback/<id> as the redirect URI');
    # values no page could hold by chance (a nonce is 32 hex digits: "abc" once was one's part)
    $r = GET "$origin/auth/callback/oidc-local?code=Zq-probe-code&state=Zq-probe-state", Accept => 'text/html';
    is($r->code, 200, 'the callback page, open without a session');
    like($r->header('Content-Security-Policy') // '', qr/script-src 'nonce-/, '... with the pages\' CSP');
    like($r->content, qr/stateForAuthProvider!==q\.get\('state'\)/, '... whose script checks the state it sent');
    unlike($r->content, qr/Zq-probe/, '... and writes nothing of the query into the page');
    is((GET "$origin/auth/callback/a/b")->code, 404, 'a deeper path is no callback page');
}

done_testing();

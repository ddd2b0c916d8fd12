# Session verification with real tokens from the core double (protocol.md §5.1, §2.3, §6.1):
# cookie and Bearer tokens reach CGI, PHP and a proxied backend with the right user and
# claims; expired, not-yet-valid, tampered, foreign-key, unknown-kid, static-key, alg none and
# HS256 tokens get the SDK's answers.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest qw(GET POST);
use JSON::PP ();
use File::Temp qw(tempdir);
use LWP::UserAgent;
use lib 't/lib';
use STTest qw(standalone_start standalone_stop standalone_site free_port core core_ctl create_session forge jwt_payload jwt_header env_of cookies_of
              front_token_decode refresh_session);

# the plan is counted at the end (done_testing)

my $port = Apache::Test::vars('port');
my %claims = (iss => "http://localhost:$port/auth", role => 'admin', email => 'alice@example.com',
              'st-role' => { v => ['admin', 'editor'], t => 1700000000000 },
              nested => { a => { b => 'deep' } });
my $s = create_session(user => 'user-alice', claims => {%claims});
my $at = $s->{accessToken}{token};
my $payload = jwt_payload($at);
my $handle = $s->{session}{handle};

# --- cookie token reaches a CGI --------------------------------------------------------------
my $r = GET '/protected-cgi/env.cgi', Cookie => "sAccessToken=$at";
is($r->code, 200, 'cookie token: 200');
my $env = env_of($r);
is($env->{REMOTE_USER}, 'user-alice', 'REMOTE_USER is the sub claim');
is($env->{AUTH_TYPE}, 'SuperTokens', 'AUTH_TYPE is SuperTokens');
is($env->{SUPERTOKENS_USER_ID}, 'user-alice', 'SUPERTOKENS_USER_ID');
is($env->{SUPERTOKENS_SESSION_HANDLE}, $handle, 'SUPERTOKENS_SESSION_HANDLE is the core session handle');
is($env->{SUPERTOKENS_TENANT_ID}, 'public', 'SUPERTOKENS_TENANT_ID');
is_deeply(JSON::PP::decode_json($env->{SUPERTOKENS_ACCESS_TOKEN_PAYLOAD} // '{}'), $payload,
          'SUPERTOKENS_ACCESS_TOKEN_PAYLOAD is the whole token payload');
is($env->{SUPERTOKENS_CLAIM_role}, 'admin', 'string claim as a variable');
is($env->{SUPERTOKENS_CLAIM_email}, 'alice@example.com', 'email claim as a variable');
is_deeply(JSON::PP::decode_json($env->{SUPERTOKENS_CLAIM_st_role} // 'null'), $claims{'st-role'},
          'object claim st-role as JSON under SUPERTOKENS_CLAIM_st_role');
is($env->{SUPERTOKENS_CLAIM_sub}, 'user-alice', 'standard claims are variables too');
ok(!exists $env->{HTTP_SUPERTOKENS_USER_ID}, 'env mode sets no request headers');
ok(!defined $r->header('front-token'), 'no front-token when nothing was refreshed');

# --- Bearer token ------------------------------------------------------------------------------
$r = GET '/protected-cgi/env.cgi', Authorization => "Bearer $at";
is($r->code, 200, 'Bearer token: 200');
is(env_of($r)->{REMOTE_USER}, 'user-alice', 'Bearer: REMOTE_USER');

# header wins over cookie (protocol.md §1.3)
my $bob = create_session(user => 'user-bob', claims => { iss => $claims{iss} });
$r = GET '/protected-cgi/env.cgi', Authorization => "Bearer $at",
    Cookie => "sAccessToken=$bob->{accessToken}{token}";
is(env_of($r)->{REMOTE_USER}, 'user-alice', 'Authorization header wins over the cookie');

# a foreign JWT in Authorization does not hide a valid cookie
my $foreign = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
$r = GET '/protected-cgi/env.cgi', Authorization => "Bearer $foreign", Cookie => "sAccessToken=$at";
is(env_of($r)->{REMOTE_USER}, 'user-alice', 'foreign Bearer JWT ignored, cookie used');

# duplicate sAccessToken cookie => try refresh token
$r = GET '/protected-cgi/env.cgi', Cookie => "sAccessToken=$at; sAccessToken=$bob->{accessToken}{token}";
is($r->code, 401, 'duplicate access cookie: 401');
is($r->content, '{"message":"try refresh token"}', 'duplicate access cookie: try refresh token');

# --- <Directory>, static files, merged per-directory settings ----------------------------------
$r = GET '/dirprotected/index.html', Cookie => "sAccessToken=$at";
is($r->code, 200, '<Directory> protected file with a session: 200');
$r = GET '/protected/index.html', Authorization => "Bearer $at";
is($r->code, 200, '<Location> protected static file with a session: 200');
$r = GET '/optional/env.cgi', Authorization => "Bearer $at";
is(env_of($r)->{REMOTE_USER}, 'user-alice', 'optional session with a token: user is set');

$r = GET '/protected-cgi/email/env.cgi', Cookie => "sAccessToken=$at";
$env = env_of($r);
is($env->{REMOTE_USER}, 'alice@example.com', 'SuperTokensRemoteUserClaim email');
is($env->{HTTP_SUPERTOKENS_USER_ID}, 'user-alice', 'PassClaimsAs both: header reaches the CGI too');
$r = GET '/protected-cgi/none/env.cgi', Cookie => "sAccessToken=$at";
$env = env_of($r);
is($env->{REMOTE_USER}, 'user-alice', 'PassClaimsAs none: still REMOTE_USER');
ok(!(grep { /^SUPERTOKENS_/ } keys %$env), 'PassClaimsAs none: no SUPERTOKENS_ variables');
$r = GET '/protected-cgi/prefix/env.cgi', Cookie => "sAccessToken=$at";
$env = env_of($r);
is($env->{APP_role}, 'admin', 'SuperTokensClaimPrefix APP_');
ok(!exists $env->{SUPERTOKENS_CLAIM_role}, 'default prefix not used where another is set');

# spoofed headers do not survive on a protected path either
$r = GET '/protected-cgi/email/env.cgi', Cookie => "sAccessToken=$at",
    'SuperTokens-User-Id' => 'mallory', 'SUPERTOKENS-CLAIM-role' => 'root';
$env = env_of($r);
is($env->{HTTP_SUPERTOKENS_USER_ID}, 'user-alice', 'spoofed user header replaced by the real one');
is($env->{HTTP_SUPERTOKENS_CLAIM_ROLE}, 'admin', 'spoofed claim header replaced by the real one');

# --- proxied backend (mod_proxy_http to a separate echo server) ----------------------------------
$r = GET '/proxied', Cookie => "sAccessToken=$at", 'SuperTokens-Session-Handle' => 'spoofed';
is($r->code, 200, 'proxied app with a session: 200');
my $h = (env_of($r)->{headers}) || {};
is($h->{'supertokens-user-id'}, 'user-alice', 'proxied app sees SUPERTOKENS-USER-ID');
is($h->{'supertokens-session-handle'}, $handle, 'proxied app sees the real session handle, not the spoofed one');
is($h->{'supertokens-tenant-id'}, 'public', 'proxied app sees the tenant');
is($h->{'supertokens-claim-role'}, 'admin', 'proxied app sees claim headers');
is_deeply(JSON::PP::decode_json($h->{'supertokens-access-token-payload'} // '{}'), $payload,
          'proxied app sees the payload JSON header');
$r = GET '/proxied', 'SuperTokens-User-Id' => 'mallory';
is($r->code, 401, 'proxied app without a session: 401, the backend is not reached');

# --- PHP via php-fpm -----------------------------------------------------------------------------
SKIP: {
    skip 'php-fpm is not installed', 4 unless ($ENV{ST_PHPFPM_PORT} // 9) != 9;
    $r = GET '/php/server.php', Authorization => "Bearer $at", 'SuperTokens-User-Id' => 'mallory';
    is($r->code, 200, 'PHP page with a session: 200');
    $env = env_of($r);
    is($env->{REMOTE_USER}, 'user-alice', 'PHP $_SERVER[REMOTE_USER]');
    is($env->{SUPERTOKENS_CLAIM_email}, 'alice@example.com', 'PHP sees claim variables');
    ok(!exists $env->{HTTP_SUPERTOKENS_USER_ID}, 'PHP never sees the spoofed header');
}

# --- tokens the SDK refuses: 401 try refresh token ------------------------------------------------
my $now = time;
my %base = (sub => 'user-alice', tId => 'public', rsub => 'user-alice', sessionHandle => $handle,
            refreshTokenHash1 => 'a' x 64, parentRefreshTokenHash1 => undef, antiCsrfToken => undef);
sub refused {
    my ($token, $name) = @_;
    my $res = GET '/protected-cgi/env.cgi', Authorization => "Bearer $token";
    is($res->code, 401, "$name: 401");
    is($res->content, '{"message":"try refresh token"}', "$name: try refresh token");
}

my $good_forged = forge(payload => { iat => $now, exp => $now + 600, %base });
$r = GET '/protected-cgi/env.cgi', Authorization => "Bearer $good_forged";
is($r->code, 200, 'control: a token forged with the current key is accepted');

refused(forge(payload => { iat => $now - 600, exp => $now - 1, %base }), 'expired token');
refused(forge(payload => { iat => $now, exp => $now + 600, nbf => $now + 300, %base }), 'not-yet-valid token (nbf)');
{
    my ($h, $p, $sig) = split /\./, $at;
    my $tampered = JSON::PP->new->encode({ %{ jwt_payload($at) }, sub => 'user-mallory' });
    require MIME::Base64;
    (my $p2 = MIME::Base64::encode_base64url($tampered)) =~ s/=+$//;
    refused("$h.$p2.$sig", 'tampered payload');
}
refused(forge(payload => { iat => $now, exp => $now + 600, %base }, key => 'foreign'), 'token signed with a foreign key');
refused(forge(payload => { iat => $now, exp => $now + 600, %base }, key => 'foreign',
              header => { kid => 'd-1', typ => 'JWT', version => '5', alg => 'RS256' }), 'unknown kid');
refused(forge(payload => { iat => $now, exp => $now + 600, %base }, key => 'static'), 'static key while dynamic keys are used');
refused(forge(alg => 'none', payload => { iat => $now, exp => $now + 600, %base },
              header => { kid => jwt_header($at)->{kid}, typ => 'JWT', version => '5', alg => 'none' }), 'alg none');
{
    my $jwks = core('GET', '/.well-known/jwks.json');
    refused(forge(alg => 'HS256', secret => JSON::PP->new->canonical->encode($jwks->{keys}[0]),
                  payload => { iat => $now, exp => $now + 600, %base },
                  header => { kid => jwt_header($at)->{kid}, typ => 'JWT', version => '5', alg => 'HS256' }),
            'HS256 signed with the public key');
}
# stt != 0 fails the structure check: the candidate is ignored, as the SDK does (protocol.md §2.3 step 2)
$r = GET '/protected-cgi/env.cgi', Authorization => 'Bearer ' . forge(payload => { iat => $now, exp => $now + 600, %base, stt => 1 });
is($r->content, '{"message":"unauthorised"}', 'stt (non-session token) is not a session token: unauthorised');

# SessionRequired Off: an expired token still answers try refresh token (the SDK's behaviour)
$r = GET '/optional/env.cgi', Authorization => 'Bearer ' . forge(payload => { iat => $now - 600, exp => $now - 1, %base });
is($r->content, '{"message":"try refresh token"}', 'optional session with an expired token: try refresh token');

# --- key rotation: a new kid is fetched from the core ----------------------------------------------
core_ctl('rotate-keys');
sleep 1;    # the module refetches an unknown kid at most once per 500 ms per process
my $rot = create_session(user => 'user-rotated', claims => { iss => $claims{iss} });
isnt(jwt_header($rot->{accessToken}{token})->{kid}, jwt_header($at)->{kid}, 'the core signs with a new kid');
$r = GET '/protected-cgi/env.cgi', Authorization => "Bearer $rot->{accessToken}{token}";
is(env_of($r)->{REMOTE_USER}, 'user-rotated', 'token with the rotated kid accepted after a JWKS refetch');
$r = GET '/protected-cgi/env.cgi', Authorization => "Bearer $at";
is($r->code, 200, 'token signed with the previous key still accepted');

# --- legacy v2 token (protocol.md §2.1, §2.5) ---------------------------------------------------
{
    my $v2 = forge(encoding => 'b64std', header => { alg => 'RS256', typ => 'JWT', version => '2' },
                   payload => { sessionHandle => $handle, userId => 'user-v2', refreshTokenHash1 => 'b' x 64,
                                parentRefreshTokenHash1 => undef, userData => { plan => 'gold' }, antiCsrfToken => undef,
                                expiryTime => ($now + 600) * 1000, timeCreated => $now * 1000 });
    like($v2, qr/^eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsInZlcnNpb24iOiIyIn0=\./, 'forged v2 token has the legacy header');
    $r = GET '/protected-cgi/env.cgi', Authorization => "Bearer $v2";
    $env = env_of($r);
    is($env->{REMOTE_USER}, 'user-v2', 'v2 token: REMOTE_USER is userId');
    is($env->{SUPERTOKENS_CLAIM_plan}, 'gold', 'v2 token: claims come from userData');
}

# --- first use of a refreshed token: the core promotes it (protocol.md §2.4) ------------------
{
    my $s2 = create_session(user => 'user-refresh', claims => { iss => $claims{iss} });
    my $ref = refresh_session($s2->{refreshToken}{token});
    my $child = $ref->{accessToken}{token};
    ok(defined jwt_payload($child)->{parentRefreshTokenHash1}, 'refreshed token carries parentRefreshTokenHash1');
    $r = GET '/protected-cgi/env.cgi', Cookie => "sAccessToken=$child";
    is($r->code, 200, 'refreshed token accepted');
    my ($set) = grep { /^sAccessToken=/ } cookies_of($r);
    ok($set, 'a replacement sAccessToken cookie is sent');
    my ($new) = ($set // '') =~ /^sAccessToken=([^;]+)/;
    ok($new && !defined jwt_payload($new)->{parentRefreshTokenHash1}, 'replacement token has no parentRefreshTokenHash1');
    like($set // '', qr/; Path=\/; Expires=[^;]+ GMT; HttpOnly; SameSite=Lax$/, 'cookie attributes as supertokens-node');
    my $ft = front_token_decode($r->header('front-token') // 'e30=');
    is($ft->{uid}, 'user-refresh', 'front-token uid');
    is($ft->{ate}, jwt_payload($new // $child)->{exp} * 1000, 'front-token ate = exp * 1000');
    is_deeply($ft->{up}, jwt_payload($new // $child), 'front-token up = new payload');
    like($r->header('Access-Control-Expose-Headers') // '', qr/front-token/, 'front-token is exposed');

    # header mode gets the replacement in st-access-token
    my $ref2 = refresh_session($ref->{refreshToken}{token});
    $r = GET '/protected-cgi/env.cgi', Authorization => "Bearer $ref2->{accessToken}{token}";
    ok($r->header('st-access-token'), 'header mode: replacement in st-access-token');
    ok(!(grep { /^sAccessToken=/ } cookies_of($r)), 'header mode: no cookie set');
}

# --- SuperTokensCheckDatabase On: a revoked session stops at once -----------------------------
{
    my $s3 = create_session(user => 'user-revoked', claims => { iss => $claims{iss} });
    my $tok = $s3->{accessToken}{token};
    $r = GET '/protected-cgi/checkdb/env.cgi', Cookie => "sAccessToken=$tok";
    is($r->code, 200, 'checkDatabase: live session accepted');
    core('POST', '/recipe/session/remove', { sessionHandles => [$s3->{session}{handle}] });
    $r = GET '/protected-cgi/checkdb/env.cgi', Cookie => "sAccessToken=$tok";
    is($r->code, 401, 'checkDatabase: revoked session refused');
    is($r->content, '{"message":"unauthorised"}', 'checkDatabase: unauthorised');
    my @c = cookies_of($r);
    ok((grep { /^sAccessToken=; Path=\/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax$/ } @c),
       'revoked session: access cookie cleared as the SDK clears it');
    is($r->header('front-token'), 'remove', 'revoked session: front-token remove');
    $r = GET '/protected-cgi/env.cgi', Cookie => "sAccessToken=$tok";
    is($r->code, 200, 'without checkDatabase the revoked token is still valid until it expires (as the SDK)');
}
# SuperTokensRSAAcceleration Off, end to end: a second httpd with the directive checks tokens
# with OpenSSL only (its JWKS line counts no key on the IFMA path), accepts a valid token and
# refuses one whose signature was altered.
{
    my $dir = tempdir(CLEANUP => 1);
    my $port = free_port();
    my ($up, $out) = standalone_start($dir, $port, standalone_site($dir, $port,
        "LogLevel info supertokens:debug\nSuperTokensRSAAcceleration Off\n"));
    my $ua = LWP::UserAgent->new(timeout => 10);
    ok($up, 'a second httpd with SuperTokensRSAAcceleration Off starts') or diag $out;
    my $tok = create_session(user => 'user-openssl')->{accessToken}{token};
    my ($h, $p, $sig) = split /\./, $tok;
    my $bad = "$h.$p." . ($sig =~ /^A/ ? 'B' : 'A') . substr($sig, 1);
    my $ok = $ua->get("http://127.0.0.1:$port/p/f.txt", Authorization => "Bearer $tok");
    is($ok->code, 200, 'acceleration Off: a valid token is accepted (OpenSSL checked it)');
    my $no = $ua->get("http://127.0.0.1:$port/p/f.txt", Authorization => "Bearer $bad");
    is($no->code, 401, 'acceleration Off: an altered signature is refused');
    my $log = standalone_stop($dir);
    like($log, qr/fetched the core's JWKS: [1-9]\d* key\(s\), 0 checked with AVX-512 IFMA/,
         'acceleration Off: no key is on the IFMA path');
}

# Which RSA path checked the signatures: the JWKS debug line counts the keys on the AVX-512 IFMA
# path. The expectation comes from the CPU's own flags, not from the module.
{
    my $log = do { local (@ARGV, $/) = Apache::Test::vars('t_logs') . '/error_log'; <> };
    my $cpu = do { local (@ARGV, $/) = '/proc/cpuinfo'; <> } // '';
    # (under make test-valgrind the CPU httpd sees is valgrind's, which has no AVX-512)
    my $ifma = !$ENV{ST_VALGRIND_DIR}
        && $cpu =~ /\bavx512ifma\b/ && $cpu =~ /\bavx512vl\b/ && $cpu =~ /\bbmi2\b/;
    my @fetches = $log =~ /fetched the core's JWKS: (\d+) key\(s\), (\d+) checked with AVX-512 IFMA/g;
    ok(@fetches >= 2, 'the JWKS fetches are logged with the RSA path of their keys');
    my ($keys, $fast) = @fetches[-2, -1];
    if ($ifma) {
        ok($fast >= 1 && $fast == $keys, "every 2048-bit key uses AVX-512 IFMA on this CPU ($fast of $keys)");
    } else {
        is($fast, 0, 'no AVX-512 IFMA on this CPU: every key is checked with OpenSSL');
    }
}

done_testing();

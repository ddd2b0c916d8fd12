# Claims from the core (issue 16; t/conf/claims.conf.in): sessions the module creates carry
# st-role, st-perm and st-ev fetched with supertokens-node's calls; Require supertokens-role /
# -permission / -email-verified refetch a stale claim (max ages shortened here) and the answer
# carries the regenerated access token; a failing or garbage core reply never costs the
# session; the EmailVerification API (link, verify, is verified) with the SDK's bodies; and
# SuperTokensEmailVerification required (403 st-ev for API calls, a redirect to the
# verify-email page for navigations).
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use LWP::UserAgent ();
use HTTP::Request ();
use JSON::PP ();
use Time::HiRes qw(time sleep);
use lib 't/lib';
use STTest qw(core core_ctl jwt_payload front_token_decode cookies_of env_of b64url_decode json_request);

my $json = JSON::PP->new->canonical;
my $logs = Apache::Test::vars('t_logs');
my $run = int(rand(1e9));
my ($true, $false) = (JSON::PP::true, JSON::PP::false);
my $ua = LWP::UserAgent->new(keep_alive => 1, timeout => 30, requests_redirectable => []);

my %base;
for my $vh (qw(claims claims_required claims_off)) {
    Apache::TestRequest::module($vh);
    $base{$vh} = 'http://' . Apache::TestRequest::hostport();
}
Apache::TestRequest::module('default');
my $verify_page = 'http://localhost:3000/auth/verify-email';
my %browser = (Accept => 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
               'Sec-Fetch-Mode' => 'navigate', 'Sec-Fetch-Dest' => 'document');
unlink "$logs/verify-delivery.txt";

# ---- helpers --------------------------------------------------------------------------------

sub req {
    my ($method, $vh, $path, $body, @h) = @_;
    return json_request($ua, $base{$vh}, $method, $path, $body, @h);
}
# a session's token goes where it came from: Authorization (header mode) or the cookie
sub auth { my ($s) = @_; return $s->{cookie} ? (Cookie => "sAccessToken=$s->{at}") : (Authorization => "Bearer $s->{at}") }
sub api_get { my ($vh, $path, $s, @h) = @_; return req('GET', $vh, $path, undef, Accept => 'application/json', ($s ? auth($s) : ()), @h) }
sub nav { my ($vh, $path, $s) = @_; return req('GET', $vh, $path, undef, %browser, ($s ? auth($s) : ())) }

# the access token a response carries (st-access-token or the sAccessToken cookie), or undef
sub new_token {
    my ($r) = @_;
    return $r->header('st-access-token') if $r->header('st-access-token');
    my ($c) = map { /^sAccessToken=([^;]+)/ ? $1 : () } cookies_of($r);
    return $c;
}
# follow a token the server sent back, as the frontend SDKs do
sub adopt { my ($s, $r) = @_; my $t = new_token($r); $s->{at} = $t if $t; return $t }

sub form { my ($email, $pw) = @_; return { formFields => [{ id => 'email', value => $email }, { id => 'password', value => $pw // 'abcd1234' }] } }
sub signin {
    my ($vh, $email, %o) = @_;
    my $r = req('POST', $vh, '/auth/signin', form($email), rid => 'emailpassword',
                ($o{cookie} ? ('st-auth-mode' => 'cookie') : ()));
    my $s = { cookie => $o{cookie}, res => $r };
    $s->{at} = new_token($r);
    $s->{user} = eval { $json->decode($r->content)->{user}{id} };
    return $s;
}
sub signup_core {
    my ($email) = @_;
    my $r = core('POST', '/public/recipe/signup', { email => $email, password => 'abcd1234' }, rid => 'emailpassword');
    die 'sign-up failed: ' . $json->encode($r) unless ($r->{status} // '') eq 'OK';
    return $r->{user}{id};
}
sub roles { return core(@_, rid => 'userroles') }
sub claim_of { my ($s, $key) = @_; return jwt_payload($s->{at})->{$key} }

# core calls since sequence number $after (GET /__test/requests), without JWKS fetches and
# the CDI negotiation (once per httpd process)
sub core_calls {
    my ($after) = @_;
    my $all = core('GET', '/__test/requests')->{requests} || [];
    return map { "$_->{method} $_->{path}" . ($_->{rawQuery} ? "?$_->{rawQuery}" : '') }
           grep { $_->{seq} > $after && $_->{path} !~ m{jwks|^/apiversion} } @$all;
}
sub last_seq { my $all = core('GET', '/__test/requests')->{requests} || []; return @$all ? $all->[-1]{seq} : 0 }
sub last_request { my ($path) = @_; return core('GET', '/__test/last-request?path=' . $path) }
sub log_count { my ($re) = @_; open my $fh, '<', "$logs/error_log" or return 0; return scalar grep { /$re/ } <$fh> }
sub wait_for { my ($probe, $secs) = @_; my $end = time + ($secs // 10); while (time < $end) { my $v = $probe->(); return $v if $v; sleep 0.05 } return $probe->() }

# the links t/bin/capture-verify received for $email
sub links_for {
    my ($email) = @_;
    open my $fh, '<', "$logs/verify-delivery.txt" or return ();
    my @l = <$fh>;
    chomp @l;
    return map { $l[$_ + 1] } grep { $_ % 2 == 0 && $l[$_] eq $email } 0 .. $#l;
}
# waits for the first link delivered to $email
sub wait_link { my ($email) = @_; my $l = wait_for(sub { (links_for($_[0] // $email))[0] }); return $l }
sub token_of_link { my ($link) = @_; return $link =~ /[?&]token=([^&]+)/ ? $1 : undef }

# ---- the roles and the user -----------------------------------------------------------------

is(roles('PUT', '/recipe/role', { role => 'admin', permissions => ['read', "write$run"] })->{status}, 'OK',
   'core: role admin with read and write');
roles('PUT', '/recipe/role', { role => "viewer", permissions => ['read', "view$run"] });
my $ann = "ann.$run\@example.com";
my $ann_id = signup_core($ann);
is(roles('PUT', '/public/recipe/user/role', { userId => $ann_id, role => "admin" })->{status}, 'OK', 'core: ann gets admin');
roles('PUT', '/public/recipe/user/role', { userId => $ann_id, role => "viewer" });

# ---- sign-in: the core calls and the claims -------------------------------------------------

my $seq = last_seq();
my $t0 = int(time * 1000);
my $s = signin('claims', $ann);
is($s->{res}->code, 200, 'sign-in through the module: 200') or diag $s->{res}->as_string;
my @calls = core_calls($seq);
is_deeply(\@calls, [
    'POST /public/recipe/signin',
    "GET /user/id?userId=$ann_id",
    "GET /public/recipe/user/roles?userId=$ann_id",
    "GET /recipe/role/permissions?role=admin",
    "GET /recipe/role/permissions?role=viewer",
    'GET /recipe/user/email/verify?userId=' . $ann_id . '&email=' . "ann.$run%40example.com",
    'POST /public/recipe/session',
], 'sign-in: the core calls of supertokens-node with UserRoles and EmailVerification, in its order')
    or diag join "\n", @calls;
is(last_request('/public/recipe/user/roles')->{headers}{rid}, 'userroles', 'roles fetched with rid userroles');
is(last_request('/recipe/user/email/verify')->{headers}{rid}, 'emailverification', 'verified fetched with rid emailverification');
my $created = last_request('/public/recipe/session')->{json}{userDataInJWT};
is_deeply([sort keys %$created], ['iss', 'st-ev', 'st-perm', 'st-role'], 'userDataInJWT: iss and the three claims');
my $p = jwt_payload($s->{at});
is_deeply($p->{'st-role'}{v}, ["admin", "viewer"], 'st-role: the user\'s roles');
is_deeply($p->{'st-perm'}{v}, ['read', "write$run", "view$run"], 'st-perm: the roles\' permissions, in order, without duplicates');
is($p->{'st-ev'}{v}, $false, 'st-ev: false');
ok(abs($p->{'st-role'}{t} - $t0) < 5000 && abs($p->{'st-ev'}{t} - $t0) < 5000, 't: milliseconds, now');
like(b64url_decode((split /\./, $s->{at})[1]), qr/"iss":"[^"]+","st-role":\{"v":\[[^\]]*\],"t":\d+\},"st-perm":\{"v":\[[^\]]*\],"t":\d+\},"st-ev":\{"v":false,"t":\d+\}\}$/,
     'payload: {"v":..,"t":<ms>} after iss, in the SDK\'s order');

# ---- Require supertokens-role / -permission -------------------------------------------------

my $r = api_get('claims', '/c/admin/env.cgi', $s);
is($r->code, 200, 'Require supertokens-role admin: granted');
$r = api_get('claims', '/c/read/env.cgi', $s);
is($r->code, 200, 'Require supertokens-permission read: granted');
$r = api_get('claims', '/c/other/env.cgi', $s);
is($r->code, 403, 'Require supertokens-role other: 403');
is($r->content, '{"message":"invalid claim","claimValidationErrors":[{"id":"st-role","reason":{"message":"wrong value",'
   . '"expectedToInclude":"other","actualValue":["admin","viewer"]}}]}',
   'Require supertokens-role other: the SDK\'s body');
ok(!new_token($r), 'a fresh claim is not refetched: no new token');

# ---- remove the role in the core: refused within the max age, with a new token ----------------

my $before_removal = $s->{at};
roles('POST', '/public/recipe/user/role/remove', { userId => $ann_id, role => "admin" });
$r = api_get('claims', '/c/admin/env.cgi', $s);
is($r->code, 200, 'role removed in the core: the token\'s claim still grants within the max age (2 s)');
sleep 2.2;
$seq = last_seq();
$r = api_get('claims', '/c/admin/env.cgi', $s);
is($r->code, 403, 'after the max age: refused, without signing in again');
is($r->content, '{"message":"invalid claim","claimValidationErrors":[{"id":"st-role","reason":{"message":"wrong value",'
   . '"expectedToInclude":"admin","actualValue":["viewer"]}}]}', '403: the SDK\'s body, with the refetched roles');
my $fresh = new_token($r);
ok($fresh, 'the 403 carried a new access token (st-access-token, header mode)');
ok($r->header('front-token'), '... and a front-token');
like($r->header('Access-Control-Expose-Headers') // '', qr/front-token.*st-access-token/, '... both exposed');
is_deeply(jwt_payload($fresh // $before_removal)->{'st-role'}{v}, ["viewer"], 'new token: st-role refetched');
is_deeply(jwt_payload($fresh // $before_removal)->{'st-perm'}, jwt_payload($before_removal)->{'st-perm'}, 'new token: st-perm untouched (only the validated claim)');
is(jwt_payload($fresh // $before_removal)->{sessionHandle}, jwt_payload($before_removal)->{sessionHandle}, 'new token: the same session');
is(jwt_payload($fresh // $before_removal)->{exp}, jwt_payload($before_removal)->{exp}, 'new token: the same expiry');
my $ft = front_token_decode($r->header('front-token') // 'e30=');
is_deeply($ft->{up}, jwt_payload($fresh // $before_removal), 'front-token carries the new payload');
is_deeply([core_calls($seq)], ["GET /public/recipe/user/roles?userId=$ann_id", 'POST /recipe/session/regenerate'],
          'refetch: the SDK\'s calls (roles, then regenerate)');
my $regen = last_request('/recipe/session/regenerate')->{json};
is($regen->{accessToken}, $before_removal, 'regenerate: the token the request carried');
is_deeply([sort keys %{ $regen->{userDataInJWT} }], ['iss', 'st-ev', 'st-perm', 'st-role'], 'regenerate: iss and every claim, no protected one');
adopt($s, $r);
$r = api_get('claims', '/c/admin/env.cgi', $s);
is($r->code, 403, 'with the new token: still refused');
ok(!new_token($r), 'and the claim is fresh again: no refetch');

# granted again: the role comes back after the max age, in cookie mode
roles('PUT', '/public/recipe/user/role', { userId => $ann_id, role => "admin" });
my $c = signin('claims', $ann, cookie => 1);
roles('POST', '/public/recipe/user/role/remove', { userId => $ann_id, role => "admin" });
sleep 2.2;
$r = api_get('claims', '/c/admin/env.cgi', $c);
is($r->code, 403, 'cookie session: removal takes effect after the max age');
my ($cookie_line) = grep { /^sAccessToken=/ } cookies_of($r);
ok($cookie_line, 'cookie session: the new token came as the sAccessToken cookie');
is(($r->header('Access-Control-Expose-Headers') // ''), 'front-token', 'cookie session: front-token exposed');
adopt($c, $r);
roles('PUT', '/public/recipe/user/role', { userId => $ann_id, role => "admin" });
sleep 2.2;
$r = api_get('claims', '/c/admin/env.cgi', $c);
is($r->code, 200, 'role granted again in the core: granted after the max age without a new sign-in');
ok(new_token($r), 'and the 200 carried the new token');
my $env = env_of($r);
like($env->{SUPERTOKENS_CLAIM_st_role} // '', qr/"admin"/, 'the application sees the refetched st-role');
like($env->{SUPERTOKENS_ACCESS_TOKEN_PAYLOAD} // '', qr/"st-role":\{"v":\["viewer","admin"\]/, 'and the new payload');
adopt($c, $r);

# expressions after authorization see the refetched claim
roles('POST', '/public/recipe/user/role/remove', { userId => $ann_id, role => "viewer" });
sleep 2.2;
$r = api_get('claims', '/c/admin-header/env.cgi', $c);
is($r->code, 200, 'expressions: granted');
is($r->header('X-Roles'), qq{["admin"]}, 'Header expr= sees the refetched st-role');
adopt($c, $r);

# SuperTokensRolesMaxAge Off: the token's claim stands (supertokens-node 24's default)
roles('POST', '/public/recipe/user/role/remove', { userId => $ann_id, role => "admin" });
sleep 2.2;
$seq = last_seq();
$r = api_get('claims', '/c/admin-never/env.cgi', $c);
is($r->code, 200, 'SuperTokensRolesMaxAge Off: the token\'s role stands');
is_deeply([core_calls($seq)], [], 'SuperTokensRolesMaxAge Off: no core call');
roles('PUT', '/public/recipe/user/role', { userId => $ann_id, role => "admin" });

# ---- a refetch that fails falls back to the token's claim ------------------------------------

$r = api_get('claims', '/c/admin/env.cgi', $c);
adopt($c, $r);
sleep 2.2;
my $fallbacks = log_count(qr/AH10520:/);
core_ctl('fail', { status => 500, path => '/public/recipe/user/roles', count => 3 });
$r = api_get('claims', '/c/admin/env.cgi', $c);
core_ctl('reset');
is($r->code, 200, 'roles refetch fails (core 500): the token\'s claim decides, the session stays');
ok(!new_token($r), 'no new token');
ok(wait_for(sub { log_count(qr/AH10520:/) > $fallbacks }), 'the fallback is logged');
core_ctl('garbage', { path => '/public/recipe/user/roles', count => 3 });
$r = api_get('claims', '/c/admin/env.cgi', $c);
core_ctl('reset');
is($r->code, 200, 'roles refetch gets garbage: the token\'s claim decides');
core_ctl('fail', { status => 500, path => '/recipe/session/regenerate', count => 1 });
$r = api_get('claims', '/c/admin/env.cgi', $c);
core_ctl('reset');
is($r->code, 200, 'regenerate fails: the refetched roles decide (still admin), no token');
ok(!new_token($r), 'regenerate fails: no new token');

# ---- bad core replies at sign-in: the session is still created, the claim absent, logged -----

sub signin_with_fault {
    my ($ctl, $fault, $name) = @_;
    my $errors = log_count(qr/AH105(?:1[0-5]):/);
    core_ctl($ctl, $fault);
    my $x = signin('claims', $ann);
    core_ctl('reset');
    is($x->{res}->code, 200, "$name: sign-in still 200") or diag $x->{res}->as_string;
    like($x->{res}->content, qr/^\{"status":"OK","user":/, "$name: the SDK's body");
    ok(wait_for(sub { log_count(qr/AH105(?:1[0-5]):/) > $errors }), "$name: logged");
    return wantarray ? (($x->{at} ? jwt_payload($x->{at}) : {}), $x) : ($x->{at} ? jwt_payload($x->{at}) : {});
}
$p = signin_with_fault('fail', { status => 500, path => '/public/recipe/user/roles', count => 3 }, 'roles call answers 500');
ok(!exists $p->{'st-role'} && !exists $p->{'st-perm'}, 'roles call answers 500: st-role and st-perm absent');
is($p->{'st-ev'}{v}, $false, 'roles call answers 500: st-ev still there');
$p = signin_with_fault('garbage', { path => '/public/recipe/user/roles', count => 3 }, 'roles call answers garbage');
ok(!exists $p->{'st-role'} && !exists $p->{'st-perm'}, 'roles call answers garbage: st-role and st-perm absent');
$p = signin_with_fault('fail', { status => 200, path => '/public/recipe/user/roles', count => 3,
                                 body => { status => 'OK', roles => 'admin' } }, 'roles reply of the wrong shape');
ok(!exists $p->{'st-role'}, 'roles reply of the wrong shape: st-role absent');
$p = signin_with_fault('fail', { status => 500, path => '/recipe/role/permissions', count => 3 }, 'permissions call fails');
ok(exists $p->{'st-role'} && !exists $p->{'st-perm'}, 'permissions call fails: st-role there, st-perm absent');
$p = signin_with_fault('fail', { status => 500, path => '/recipe/user/email/verify', method => 'GET', count => 3 }, 'email verify call fails');
ok(exists $p->{'st-role'} && !exists $p->{'st-ev'}, 'email verify call fails: st-ev absent');
$p = signin_with_fault('garbage', { path => '/user/id', count => 3 }, 'user lookup answers garbage');
ok(exists $p->{'st-perm'} && !exists $p->{'st-ev'}, 'user lookup answers garbage: st-ev absent');
$p = signin_with_fault('fail', { status => 200, path => '/recipe/user/email/verify', method => 'GET', count => 3,
                                 body => { status => 'OK', isVerified => 'yes' } }, 'isVerified not a boolean');
ok(!exists $p->{'st-ev'}, 'isVerified not a boolean: st-ev absent');

# an absent claim is fetched when a validator needs it (shouldRefetch: value undefined)
my (undef, $nr) = signin_with_fault('fail', { status => 500, path => '/public/recipe/user/roles', count => 3 }, 'roles absent');
$r = api_get('claims', '/c/admin-never/env.cgi', $nr);
is($r->code, 200, 'claim absent from the token: fetched when Require needs it (even with max age Off)');
ok(new_token($r) && jwt_payload(new_token($r))->{'st-role'}, 'and the new token has it');

# ---- the recipes off -------------------------------------------------------------------------

my $o = signin('claims_off', $ann);
$p = jwt_payload($o->{at});
ok(!exists $p->{'st-role'} && !exists $p->{'st-perm'} && !exists $p->{'st-ev'}, 'recipes off: no recipe claims in new sessions');
$seq = last_seq();
$r = api_get('claims_off', '/c/admin/env.cgi', $o);
is($r->code, 403, 'recipes off: Require supertokens-role reads the token only');
like($r->content, qr/"message":"value does not exist"/, 'recipes off: value does not exist');
is_deeply([core_calls($seq)], [], 'recipes off: nothing refetched');
ok(req('POST', 'claims_off', '/auth/user/email/verify', { token => 'x' })->content !~ /EMAIL_VERIFICATION/, 'recipes off: no verification API');

# ---- EmailVerification API -----------------------------------------------------------------

my $bob = "bob.$run\@example.com";
my $bob_id = signup_core($bob);
my $b = signin('claims', $bob);
is(claim_of($b, 'st-ev')->{v}, $false, 'bob: unverified');

$r = req('GET', 'claims', '/auth/user/email/verify', undef, rid => 'emailverification');
is($r->code, 401, 'GET /user/email/verify without a session: 401');
is($r->content, '{"message":"unauthorised"}', '... {"message":"unauthorised"}');
$r = req('POST', 'claims', '/auth/user/email/verify/token', undef, rid => 'emailverification');
is($r->code . ' ' . $r->content, '401 {"message":"unauthorised"}', 'POST /user/email/verify/token without a session: 401');

$seq = last_seq();
$r = req('GET', 'claims', '/auth/user/email/verify', undef, rid => 'emailverification', auth($b));
is($r->code . ' ' . $r->content, '200 {"status":"OK","isVerified":false}', 'GET /user/email/verify: isVerified false');
ok(new_token($r) && $r->header('front-token'), 'GET /user/email/verify: the session gets a new token (setClaimValue)');
is_deeply([core_calls($seq)], ["GET /user/id?userId=$bob_id", "GET /recipe/user/email/verify?userId=$bob_id&email=bob.$run%40example.com",
                               'POST /recipe/session/regenerate'], 'GET /user/email/verify: the SDK\'s calls');
adopt($b, $r);

$seq = last_seq();
$r = req('POST', 'claims', '/auth/user/email/verify/token', undef, rid => 'emailverification', auth($b));
is($r->code . ' ' . $r->content, '200 {"status":"OK"}', 'POST /user/email/verify/token: OK');
ok(!new_token($r), 'the link request sends no token (st-ev is false already)');
is_deeply([core_calls($seq)], ["GET /user/id?userId=$bob_id", 'POST /public/recipe/user/email/verify/token'],
          'POST /user/email/verify/token: the SDK\'s calls');
is_deeply(last_request('/public/recipe/user/email/verify/token')->{json}, { userId => $bob_id, email => $bob }, 'token for the session\'s user and email');
my $link = wait_link($bob);
like($link // '', qr{^http://localhost:3000/auth/verify-email\?token=[A-Za-z0-9_-]{128}&tenantId=public$},
     'the delivered link: {websiteDomain}{websiteBasePath}/verify-email?token=...&tenantId=public');
my $token = token_of_link($link // '');

$r = req('POST', 'claims', '/auth/user/email/verify', {}, rid => 'emailverification');
is($r->code . ' ' . $r->content, '400 {"message":"Please provide the email verification token"}', 'verify without a token: 400');
$r = req('POST', 'claims', '/auth/user/email/verify', { method => 'token', token => 5 }, rid => 'emailverification');
is($r->code . ' ' . $r->content, '400 {"message":"The email verification token must be a string"}', 'verify with a number: 400');
$r = req('POST', 'claims', '/auth/user/email/verify', '{bad', rid => 'emailverification');
is($r->code, 400, 'verify with invalid JSON: 400');
$r = req('POST', 'claims', '/auth/user/email/verify', { method => 'token', token => 'bogus' }, rid => 'emailverification');
is($r->code . ' ' . $r->content, '200 {"status":"EMAIL_VERIFICATION_INVALID_TOKEN_ERROR"}', 'a bogus token: the SDK\'s answer');
$r = req('POST', 'claims', '/auth/tenant1/user/email/verify', { method => 'token', token => $token }, rid => 'emailverification');
is($r->code . ' ' . $r->content, '200 {"status":"EMAIL_VERIFICATION_INVALID_TOKEN_ERROR"}', 'the token in another tenant: invalid');

$r = api_get('claims', '/c/verified/env.cgi', $b);
is($r->code, 403, 'Require supertokens-email-verified: unverified session refused');
like($r->content, qr/"id":"st-ev","reason":\{"message":"wrong value","expectedValue":true,"actualValue":false\}/, '... the SDK\'s isVerified reason');

$seq = last_seq();
$r = req('POST', 'claims', '/auth/user/email/verify', { method => 'token', token => $token }, rid => 'emailverification', auth($b));
is($r->code . ' ' . $r->content, '200 {"status":"OK"}', 'verify with the delivered token (and the session): OK');
is_deeply([core_calls($seq)], ['POST /public/recipe/user/email/verify', "GET /user/id?userId=$bob_id",
                               "GET /recipe/user/email/verify?userId=$bob_id&email=bob.$run%40example.com", 'POST /recipe/session/regenerate'],
          'verify: consume, then the session\'s st-ev refetched and regenerated');
is_deeply(last_request('/public/recipe/user/email/verify')->{json}, { method => 'token', token => $token }, 'verify: method token sent to the core');
ok(adopt($b, $r), 'verify: the session got a new token');
is(claim_of($b, 'st-ev')->{v}, $true, '... with st-ev true');
$r = api_get('claims', '/c/verified/env.cgi', $b);
is($r->code, 200, 'the next request passes Require supertokens-email-verified');
$r = req('POST', 'claims', '/auth/user/email/verify', { method => 'token', token => $token }, rid => 'emailverification');
is($r->code . ' ' . $r->content, '200 {"status":"EMAIL_VERIFICATION_INVALID_TOKEN_ERROR"}', 'the token reused: invalid');
$r = req('GET', 'claims', '/auth/user/email/verify', undef, rid => 'emailverification', auth($b));
is($r->content, '{"status":"OK","isVerified":true}', 'GET /user/email/verify: isVerified true');
$r = req('POST', 'claims', '/auth/user/email/verify/token', undef, rid => 'emailverification', auth($b));
is($r->code . ' ' . $r->content, '200 {"status":"EMAIL_ALREADY_VERIFIED_ERROR"}', 'a link for a verified email: EMAIL_ALREADY_VERIFIED_ERROR');
ok(new_token($r), '... with the session updated (a new token)');

# the core failing under the API: 500/503 with a JSON message, the client's tokens kept
core_ctl('fail', { status => 500, path => '/user/id', count => 3 });
$r = req('GET', 'claims', '/auth/user/email/verify', undef, rid => 'emailverification', auth($b));
core_ctl('reset');
is($r->code . ' ' . $r->content, '500 {"message":"the SuperTokens core answered with an error"}', 'GET /user/email/verify, user lookup fails: 500');
ok(!grep({ /^sAccessToken=;/ } cookies_of($r)) && !defined $r->header('front-token'), '... the tokens are not cleared');
core_ctl('garbage', { path => '/public/recipe/user/email/verify/token', count => 3 });
$r = req('POST', 'claims', '/auth/user/email/verify/token', undef, rid => 'emailverification', auth($b));
core_ctl('reset');
is($r->code . ' ' . $r->content, '503 {"message":"the SuperTokens core is not reachable"}', 'POST /user/email/verify/token, garbage from the core: 503');
core_ctl('fail', { status => 200, path => '/public/recipe/user/email/verify', method => 'POST', count => 1, body => { status => 'OK' } });
$r = req('POST', 'claims', '/auth/user/email/verify', { method => 'token', token => 'x' }, rid => 'emailverification');
core_ctl('reset');
is($r->code, 500, 'POST /user/email/verify, a reply without userId: 500');
# a session whose user the core does not know: 401 and the tokens cleared (the SDK's
# "Unknown User ID provided")
my $ghost = STTest::create_session(user => "ghost-$run", claims => { iss => "$base{claims}/auth" });
$r = req('GET', 'claims', '/auth/user/email/verify', undef, rid => 'emailverification', Authorization => "Bearer $ghost->{accessToken}{token}");
is($r->code . ' ' . $r->content, '401 {"message":"unauthorised"}', 'unknown user: 401 unauthorised');
is($r->header('front-token'), 'remove', '... and the tokens are cleared');

# an expired token
my $cy = "cy.$run\@example.com";
signup_core($cy);
my $cs = signin('claims', $cy);
core_ctl('config', { emailVerificationTokenLifetime => 300 });
req('POST', 'claims', '/auth/user/email/verify/token', undef, rid => 'emailverification', auth($cs));
my $cy_link = wait_link($cy);
sleep 0.5;
$r = req('POST', 'claims', '/auth/user/email/verify', { method => 'token', token => token_of_link($cy_link // '') }, rid => 'emailverification');
core_ctl('reset');
is($r->code . ' ' . $r->content, '200 {"status":"EMAIL_VERIFICATION_INVALID_TOKEN_ERROR"}', 'an expired token: invalid');

# verified elsewhere (no session on the verify call): a false st-ev is refetched after
# SuperTokensEmailUnverifiedRefetch (1 s here; the SDK's refetchTimeOnFalseInSeconds, 10 s)
# (the delivery repeat limit keeps a second link from going out within a minute: one from the core)
my $t2 = core('POST', '/public/recipe/user/email/verify/token', { userId => jwt_payload($cs->{at})->{sub}, email => $cy }, rid => 'emailverification')->{token};
$r = req('POST', 'claims', '/auth/user/email/verify', { method => 'token', token => $t2 }, rid => 'emailverification');
is($r->content, '{"status":"OK"}', 'verified without a session');
ok(!new_token($r), '... so no token is sent');
sleep 1.2;
$r = api_get('claims', '/c/verified/env.cgi', $cs);
is($r->code, 200, 'the old session: its false st-ev is refetched after the refetch time, granted');
ok(new_token($r), '... with a new token');

# ---- SuperTokensEmailVerification required ---------------------------------------------------

my $dee = "dee.$run\@example.com";
signup_core($dee);
my $d = signin('claims_required', $dee);
is($d->{res}->code, 200, 'required mode: sign-in works');
$r = api_get('claims_required', '/c/env.cgi', $d);
is($r->code, 403, 'required: an API call with an unverified session: 403');
is($r->content, '{"message":"invalid claim","claimValidationErrors":[{"id":"st-ev","reason":{"message":"wrong value","expectedValue":true,"actualValue":false}}]}',
   'required: the SDK\'s invalid claim st-ev body');
like($r->header('Content-Type') // '', qr{^application/json}, 'required: JSON');
$r = nav('claims_required', '/c/env.cgi', $d);
is($r->code, 302, 'required: a browser navigation is redirected');
is($r->header('Location'), "$verify_page?redirectToPath=%2Fc%2Fenv.cgi",
   'required: to {websiteDomain}{websiteBasePath}/verify-email?redirectToPath=<the page>');
$r = req('GET', 'claims_required', '/c/optional/env.cgi', undef, Accept => 'application/json');
is($r->code, 200, 'required: an anonymous request where the session is optional passes');
$r = api_get('claims_required', '/c/optional/env.cgi', $d);
is($r->code, 403, 'required: a session there is still checked');

# the verification API and sign-out stay reachable for the unverified session
$r = req('GET', 'claims_required', '/auth/user/email/verify', undef, rid => 'emailverification', auth($d));
is($r->content, '{"status":"OK","isVerified":false}', 'required: GET /user/email/verify reachable');
adopt($d, $r);
$r = req('POST', 'claims_required', '/auth/user/email/verify/token', undef, rid => 'emailverification', auth($d));
is($r->content, '{"status":"OK"}', 'required: POST /user/email/verify/token reachable');
my $dee_link = wait_link($dee);
ok($dee_link, 'required: the link was delivered');
$r = req('POST', 'claims_required', '/auth/user/email/verify', { method => 'token', token => token_of_link($dee_link // '') },
         rid => 'emailverification', auth($d));
is($r->content, '{"status":"OK"}', 'required: verify through the delivered link');
adopt($d, $r);
$r = api_get('claims_required', '/c/env.cgi', $d);
is($r->code, 200, 'required: the next request passes');
is(env_of($r)->{REMOTE_USER}, jwt_payload($d->{at})->{sub}, 'required: the application sees the user');
$r = req('POST', 'claims_required', '/auth/signout', undef, rid => 'session', auth($d));
is($r->code, 200, 'required: sign-out works');

# unverified again in the core: the session's true st-ev is not refetched (no max age by
# default, as supertokens-node 24), but a false one is, after 1 s
my $eve = "eve.$run\@example.com";
my $eve_id = signup_core($eve);
my $e = signin('claims_required', $eve);
is(api_get('claims_required', '/c/env.cgi', $e)->code, 403, 'required: eve unverified');
my $t3 = core('POST', '/public/recipe/user/email/verify/token', { userId => $eve_id, email => $eve }, rid => 'emailverification')->{token};
core('POST', '/public/recipe/user/email/verify', { method => 'token', token => $t3 }, rid => 'emailverification');
$r = api_get('claims_required', '/c/env.cgi', $e);
is($r->code, 403, 'required: verified in the core, but a false st-ev younger than 1 s is not refetched');
sleep 1.2;
$r = api_get('claims_required', '/c/env.cgi', $e);
is($r->code, 200, 'required: after 1 s the false st-ev is refetched: passes');
ok(new_token($r), 'required: the passing answer carries the new token');

# a failing refetch of st-ev in required mode: the token's false stands (refused), logged
my $fred = "fred.$run\@example.com";
signup_core($fred);
my $f = signin('claims_required', $fred);
sleep 1.2;
core_ctl('fail', { status => 500, path => '/recipe/user/email/verify', method => 'GET', count => 3 });
$r = api_get('claims_required', '/c/env.cgi', $f);
core_ctl('reset');
is($r->code, 403, 'required: st-ev refetch fails: the token\'s value decides');

done_testing();

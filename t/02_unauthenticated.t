# Requests without a session: the SDK's 401 answer on protected paths, anonymous pass with
# SuperTokensSessionRequired Off, per-directory merging seen through requests, and
# client-sent SuperTokens headers scrubbed on every path.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest qw(GET POST);
use JSON::PP qw(decode_json);

plan tests => 25;

# protocol.md §6.3: GET /protected without tokens => 401 {"message":"unauthorised"}, no other headers
my $r = GET '/protected/index.html';
is($r->code, 401, 'protected <Location> without a session: 401');
is($r->content, '{"message":"unauthorised"}', 'body is the SDK unauthorised body');
like($r->header('Content-Type'), qr{^application/json}, 'JSON content type');
ok(!defined $r->header('Set-Cookie'), 'no cookie is cleared for a missing session');
ok(!defined $r->header('front-token'), 'no front-token for a missing session');

$r = GET '/dirprotected/index.html';
is($r->code, 401, 'protected <Directory> without a session: 401');

$r = GET '/public/index.html';
is($r->code, 200, 'unprotected location: 200');

# a non-SuperTokens JWT (protocol.md §6.1, jwt.io sample) is ignored: still "unauthorised"
my $foreign = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
$r = GET '/protected/index.html', Authorization => "Bearer $foreign";
is($r->code, 401, 'foreign JWT in Authorization: 401');
is($r->content, '{"message":"unauthorised"}', 'foreign JWT is ignored, not "try refresh token"');

$r = GET '/protected/index.html', Cookie => 'sAccessToken=not-a-token';
is($r->content, '{"message":"unauthorised"}', 'garbage cookie is ignored');

# the legacy sIdRefreshToken cookie forces a refresh (protocol.md §2.5, §5.1 step 3)
$r = GET '/protected/index.html', Cookie => 'sIdRefreshToken=abc';
is($r->code, 401, 'legacy sIdRefreshToken: 401');
is($r->content, '{"message":"try refresh token"}', 'legacy sIdRefreshToken: try refresh token');

# OPTIONS is authenticated like any method (httpd's handlers do not dispatch on it); only a CORS
# preflight is answered without a session (t/06, t/12)
my $ua = Apache::TestRequest::user_agent();
my $opt = $ua->request(HTTP::Request->new(OPTIONS => Apache::TestRequest::resolve_url('/protected/index.html')));
is($opt->code, 401, 'a plain OPTIONS on a protected location is asked for a session');

# SuperTokensSessionRequired Off: anonymous, and REMOTE_USER stays unset
$r = GET '/optional/env.cgi';
is($r->code, 200, 'optional session without a token: 200');
my $env = decode_json($r->content);
ok(!exists $env->{REMOTE_USER}, 'anonymous request has no REMOTE_USER');
ok(!exists $env->{SUPERTOKENS_USER_ID}, 'anonymous request has no SUPERTOKENS_USER_ID');

# merging: a child that sets SessionRequired On, one that inherits Off
$r = GET '/optional/strict/env.cgi';
is($r->code, 401, 'child <Location> with SessionRequired On: 401');
$r = GET '/optional/inherit/env.cgi';
is($r->code, 200, 'child <Location> inherits SessionRequired Off: 200');

# an expired/invalid but parsable token still gets "try refresh token" with SessionRequired Off
# (covered with real tokens in t/03); an ignored foreign token passes anonymously
$r = GET '/optional/env.cgi', Authorization => "Bearer $foreign";
is($r->code, 200, 'optional session with a foreign JWT: anonymous 200');

# spoofed headers never reach applications, protected or not
$r = GET '/cgi-bin/env.cgi',
    'SuperTokens-User-Id' => 'admin',
    'Supertokens_Session_Handle' => 'x',
    'SUPERTOKENS-CLAIM-role' => 'admin',
    'X-Control' => 'kept';
$env = decode_json($r->content);
is($env->{HTTP_X_CONTROL}, 'kept', 'control header reaches the CGI (the check below can see headers)');
ok(!exists $env->{HTTP_SUPERTOKENS_USER_ID}, 'spoofed SuperTokens-User-Id removed on an unprotected path');
ok(!(grep { /SUPERTOKENS/ } keys %$env), 'no SUPERTOKENS* variable from client headers');

$r = GET '/optional/inherit/env.cgi', 'ST-INHERIT-role' => 'admin', 'SuperTokens-Tenant-Id' => 'evil';
$env = decode_json($r->content);
ok(!exists $env->{HTTP_ST_INHERIT_ROLE}, 'headers with the directory claim prefix are removed');
ok(!exists $env->{HTTP_SUPERTOKENS_TENANT_ID}, 'spoofed tenant header removed on an anonymous path');

$r = POST '/protected/index.html', content => '';
is($r->code, 401, 'POST without a session: 401');

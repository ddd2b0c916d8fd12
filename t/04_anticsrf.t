# Anti-CSRF on verification (protocol.md §1.7, §5.1 steps 5-6, 8): VIA_TOKEN compares the
# anti-csrf header with the token's claim for every method but GET; VIA_CUSTOM_HEADER needs a
# rid header; header (Bearer) sessions are never checked; SuperTokensAntiCsrfCheck overrides.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest qw(GET POST);
use lib 't/lib';
use STTest qw(create_session jwt_payload env_of);

plan tests => 14;

# --- VIA_TOKEN ---
Apache::TestRequest::module('csrf_token');
my $s = create_session(user => 'user-csrf', anti_csrf => 1);
my $at = $s->{accessToken}{token};
my $csrf = $s->{antiCsrfToken};
ok($csrf && jwt_payload($at)->{antiCsrfToken} eq $csrf, 'core put the anti-csrf token in the JWT');

my $r = GET '/protected/env.cgi', Cookie => "sAccessToken=$at";
is($r->code, 200, 'via-token: GET needs no anti-csrf header');
$r = POST '/protected/env.cgi', Cookie => "sAccessToken=$at", content => '';
is($r->code, 401, 'via-token: POST without anti-csrf header: 401');
is($r->content, '{"message":"try refresh token"}', 'via-token: try refresh token');
$r = POST '/protected/env.cgi', Cookie => "sAccessToken=$at", 'anti-csrf' => 'wrong', content => '';
is($r->code, 401, 'via-token: wrong anti-csrf header: 401');
$r = POST '/protected/env.cgi', Cookie => "sAccessToken=$at", 'anti-csrf' => $csrf, content => '';
is(env_of($r)->{REMOTE_USER}, 'user-csrf', 'via-token: matching anti-csrf header: accepted');
$r = POST '/protected/env.cgi', Authorization => "Bearer $at", content => '';
is($r->code, 200, 'via-token: header-mode session is not checked');
$r = POST '/protected/nocheck/env.cgi', Cookie => "sAccessToken=$at", content => '';
is($r->code, 200, 'SuperTokensAntiCsrfCheck Off: no check on POST');

# a token without the claim cannot pass the check
my $plain = create_session(user => 'user-nocsrf')->{accessToken}{token};
$r = POST '/protected/env.cgi', Cookie => "sAccessToken=$plain", 'anti-csrf' => 'anything', content => '';
is($r->code, 401, 'via-token: token without antiCsrfToken: 401');

# --- VIA_CUSTOM_HEADER ---
Apache::TestRequest::module('csrf_header');
$r = POST '/protected/env.cgi', Cookie => "sAccessToken=$plain", content => '';
is($r->code, 401, 'via-custom-header: POST without rid: 401');
is($r->content, '{"message":"try refresh token"}', 'via-custom-header: try refresh token');
$r = POST '/protected/env.cgi', Cookie => "sAccessToken=$plain", rid => 'anti-csrf', content => '';
is($r->code, 200, 'via-custom-header: POST with rid: 200');
$r = GET '/protected/env.cgi', Cookie => "sAccessToken=$plain";
is($r->code, 200, 'via-custom-header: GET needs no rid');
$r = POST '/protected/env.cgi', Authorization => "Bearer $plain", content => '';
is($r->code, 200, 'via-custom-header: header-mode session needs no rid');

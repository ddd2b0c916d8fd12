# Static signing keys (issue 17; t/conf/static_keys.conf.in): SuperTokensAccessTokenSigningKey
# static is supertokens-node's useDynamicAccessTokenSigningKey false. Sessions the module creates
# (sign-up, sign-in) and refreshes on that host are signed with the core's static key (kid
# s-<uuid>, the core asked with useDynamicSigningKey false) and verify there; protocol.md §2.3
# step 7 refuses a static-key token where dynamic keys are configured (the default) and a
# dynamic-key one where static is, with the SDK's 401 try refresh token. A bad value fails
# configtest naming the directive.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use LWP::UserAgent ();
use HTTP::Request ();
use JSON::PP ();
use File::Temp qw(tempdir);
use lib 't/lib';
use STTest qw(core standalone_configtest forge jwt_header jwt_payload env_of json_request);

my $json = JSON::PP->new->canonical;
my $logs = Apache::Test::vars('t_logs');
my $run = int(rand(1e9));
my $ua = LWP::UserAgent->new(keep_alive => 1, timeout => 30, requests_redirectable => []);
my $STATIC_KID = qr/^s-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
my $DYNAMIC_KID = qr/^d-\d+$/;
my $TRY_REFRESH = '{"message":"try refresh token"}';

my %base;
for my $vh (qw(static_keys default)) {
    Apache::TestRequest::module($vh);
    $base{$vh} = 'http://' . Apache::TestRequest::hostport();
}
Apache::TestRequest::module('default');
# where each host runs t/cgi-bin/env.cgi behind AuthType SuperTokens
my %protected = (static_keys => '/s/env.cgi', default => '/protected-cgi/env.cgi');

sub req {
    my ($method, $vh, $path, $body, @h) = @_;
    return json_request($ua, $base{$vh}, $method, $path, $body, @h);
}
sub form { my ($email) = @_; return { formFields => [{ id => 'email', value => $email }, { id => 'password', value => 'abcd1234' }] } }
# sign-up or sign-in through the module's API, header mode: {res, at, rt, user}
sub sign {
    my ($vh, $what, $email) = @_;
    my $r = req('POST', $vh, "/auth/$what", form($email), rid => 'emailpassword');
    return { res => $r, at => $r->header('st-access-token'), rt => $r->header('st-refresh-token'),
             user => eval { $json->decode($r->content)->{user}{id} } };
}
sub protected { my ($vh, $at) = @_; return req('GET', $vh, $protected{$vh}, undef, Accept => 'application/json', Authorization => "Bearer $at") }
sub refresh { my ($vh, $rt) = @_; return req('POST', $vh, '/auth/session/refresh', '', rid => 'session', Authorization => "Bearer $rt") }
sub kid { my ($t) = @_; return defined $t ? (eval { jwt_header($t)->{kid} } // '') : '' }
# what the module last sent to the core on $path (the double's request log)
sub sent { my ($path) = @_; return core('GET', '/__test/last-request?path=' . $path)->{json} || {} }
sub is_false { my ($v, $name) = @_; ok(JSON::PP::is_bool($v) && !$v, $name) or diag 'sent: ' . $json->encode([$v]) }
sub is_true  { my ($v, $name) = @_; ok(JSON::PP::is_bool($v) && $v, $name) or diag 'sent: ' . $json->encode([$v]) }
sub log_count { my ($re) = @_; open my $fh, '<', "$logs/error_log" or return 0; return scalar grep { /$re/ } <$fh> }

my $AH_STATIC  = qr/AH10045: access token signed with a static key, but SuperTokensAccessTokenSigningKey is dynamic/;
my $AH_DYNAMIC = qr/AH10488: access token signed with a dynamic key, but SuperTokensAccessTokenSigningKey is static/;

# ---- static host: sign-up, verify, refresh --------------------------------------------------

my $email = "static.$run\@example.com";
my $up = sign('static_keys', 'signup', $email);
is($up->{res}->code, 200, 'static host: sign-up 200') or diag $up->{res}->as_string;
is_false(sent('/public/recipe/session')->{useDynamicSigningKey}, 'sign-up: the core was asked for useDynamicSigningKey false');
like(kid($up->{at}), $STATIC_KID, 'sign-up: the access token has a static kid s-<uuid>');
my $static_kid = kid($up->{at});

my $r = protected('static_keys', $up->{at});
is($r->code, 200, 'static host: the static-key token verifies on a protected path') or diag $r->as_string;
is(env_of($r)->{REMOTE_USER}, $up->{user}, 'static host: REMOTE_USER is the new user');
ok($up->{user} && $up->{user} eq jwt_payload($up->{at})->{sub}, 'the user id is the token\'s sub');

my $in = sign('static_keys', 'signin', $email);
is($in->{res}->code, 200, 'static host: sign-in 200');
is_false(sent('/public/recipe/session')->{useDynamicSigningKey}, 'sign-in: useDynamicSigningKey false');
is(kid($in->{at}), $static_kid, 'sign-in: signed with the same static key');

$r = refresh('static_keys', $in->{rt});
is($r->code, 200, 'static host: refresh 200') or diag $r->as_string;
is_false(sent('/recipe/session/refresh')->{useDynamicSigningKey}, 'refresh: the core was asked for useDynamicSigningKey false');
my $at2 = $r->header('st-access-token');
is(kid($at2), $static_kid, 'refresh: the new access token is static-key signed');
ok(defined jwt_payload($at2)->{parentRefreshTokenHash1}, 'refresh: a refreshed token (its first use goes to the core)');
$r = protected('static_keys', $at2);
is($r->code, 200, 'static host: the refreshed token verifies') or diag $r->as_string;
is(env_of($r)->{REMOTE_USER}, $in->{user}, 'static host: REMOTE_USER after refresh');
my $promoted = $r->header('st-access-token');
is(kid($promoted), $static_kid, 'the token the core verify handed back is static-key signed too');
is(protected('static_keys', $promoted)->code, 200, 'and it verifies');

# ---- §2.3 step 7: each host refuses the other kind ------------------------------------------

my $n = log_count($AH_STATIC);
$r = protected('default', $at2);
is($r->code, 401, 'default (dynamic) host: a static-key token is refused');
is($r->content, $TRY_REFRESH, 'default host: 401 try refresh token, as supertokens-node');
is(log_count($AH_STATIC), $n + 1, 'logged: AH10045 names the directive and says dynamic is configured');

my $dyn = sign('default', 'signin', $email);
is($dyn->{res}->code, 200, 'default host: sign-in 200');
is_true(sent('/public/recipe/session')->{useDynamicSigningKey}, 'default host: useDynamicSigningKey true (the SDK\'s default)');
like(kid($dyn->{at}), $DYNAMIC_KID, 'default host: a dynamic kid d-<ms>');
is(protected('default', $dyn->{at})->code, 200, 'default host: the dynamic token verifies');

$n = log_count($AH_DYNAMIC);
$r = protected('static_keys', $dyn->{at});
is($r->code, 401, 'static host: a dynamic-key token is refused');
is($r->content, $TRY_REFRESH, 'static host: 401 try refresh token, as supertokens-node');
is(log_count($AH_DYNAMIC), $n + 1, 'logged: AH10488 names the directive and says static is configured');

# the refresh the frontend SDK then makes moves the session to this host's kind, as the SDK's
# refreshSession sends its own setting whatever the session was created with
$r = refresh('static_keys', $dyn->{rt});
is($r->code, 200, 'static host: refreshing a dynamic-key session 200');
my $moved = $r->header('st-access-token');
is(kid($moved), $static_kid, 'the refreshed token is static-key signed');
is(protected('static_keys', $moved)->code, 200, 'and verifies on the static host');

# legacy v2 tokens have no kid: step 7 applies to v3+ only, on either host
{
    my $now = time;
    my $v2 = forge(encoding => 'b64std', header => { alg => 'RS256', typ => 'JWT', version => '2' },
                   payload => { sessionHandle => jwt_payload($at2)->{sessionHandle}, userId => 'user-v2',
                                refreshTokenHash1 => 'b' x 64, parentRefreshTokenHash1 => undef, userData => {},
                                antiCsrfToken => undef, expiryTime => ($now + 600) * 1000, timeCreated => $now * 1000 });
    $r = protected('static_keys', $v2);
    is($r->code, 200, 'static host: a legacy v2 token (no kid) is not refused for its key');
    is(env_of($r)->{REMOTE_USER}, 'user-v2', 'static host: v2 REMOTE_USER');
}

# ---- configuration ---------------------------------------------------------------------------

my $dir = tempdir(CLEANUP => 1);
sub configtest { return standalone_configtest($dir, @_) }
for my $v ('static', 'dynamic', 'STATIC') {
    my ($rc, $out) = configtest("SuperTokensAccessTokenSigningKey $v\n");
    is($rc, 0, "configtest accepts SuperTokensAccessTokenSigningKey $v") or diag $out;
}
my ($rc, $out) = configtest("<VirtualHost *:80>\nSuperTokensAccessTokenSigningKey static\n</VirtualHost>\n");
is($rc, 0, 'configtest accepts it in a virtual host') or diag $out;
($rc, $out) = configtest("SuperTokensAccessTokenSigningKey rotating\n");
isnt($rc, 0, 'configtest fails for another value');
like($out, qr/SuperTokensAccessTokenSigningKey: 'rotating' is not one of dynamic, static/, 'the error names the directive and the values');
($rc, $out) = configtest("<Location /x>\nSuperTokensAccessTokenSigningKey static\n</Location>\n");
isnt($rc, 0, 'configtest fails in a <Location> (server scope only)');
like($out, qr/SuperTokensAccessTokenSigningKey not allowed in <Location> context/, 'the error names the directive');

done_testing();

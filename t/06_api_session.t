# The session API served by the module: POST {B}/session/refresh through every row of the
# refresh matrix (protocol.md §1.10, §5.2) and POST {B}/signout (§1.11), compared with what
# supertokens-node answers (§6.3 "Other observed exchanges"); CORS for the website origin.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest qw(GET POST);
use HTTP::Date qw(str2time);
use Digest::SHA qw(sha256_hex);
use URI::Escape qw(uri_unescape);
use JSON::PP ();
use lib 't/lib';
use STTest qw(core create_session jwt_payload cookies_of front_token_decode);

my $port = Apache::Test::vars('port');
my $iss = "http://localhost:$port/auth";

# the clearing Set-Cookie lines supertokens-node sends (protocol.md §6.3)
my $CLEAR_ACCESS  = 'sAccessToken=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax';
my $CLEAR_REFRESH = 'sRefreshToken=; Path=/auth/session/refresh; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax';

sub refresh { POST '/auth/session/refresh', rid => 'session', content => '', @_ }
sub signout { POST '/auth/signout', rid => 'session', content => '', @_ }

sub cleared_all {
    my ($r, $name) = @_;
    my @c = cookies_of($r);
    is_deeply([@c[0, 1]], [$CLEAR_ACCESS, $CLEAR_REFRESH], "$name: both cookies cleared, access first, as the SDK");
    is($r->header('front-token'), 'remove', "$name: front-token: remove");
    is($r->header('Access-Control-Expose-Headers'), 'front-token, st-access-token, st-refresh-token',
       "$name: expose headers of clear-all");
    ok(defined $r->header('st-access-token') && $r->header('st-access-token') eq ''
       && defined $r->header('st-refresh-token') && $r->header('st-refresh-token') eq '',
       "$name: empty st-access-token and st-refresh-token");
}

sub cookie_value {
    my ($r, $name) = @_;
    my ($line) = grep { /^\Q$name\E=/ } cookies_of($r);
    return (undef, undef) unless $line;
    my ($v) = $line =~ /^\Q$name\E=([^;]*)/;
    return (uri_unescape($v), $line);
}

# --- no refresh token ---------------------------------------------------------------------
my $r = refresh();
is($r->code, 401, 'no refresh token: 401');
is($r->content, '{"message":"unauthorised"}', 'no refresh token: unauthorised');
cleared_all($r, 'no refresh token');

my $s = create_session(user => 'user-r1', claims => { iss => $iss });
$r = refresh(Cookie => "sAccessToken=$s->{accessToken}{token}");
is($r->code, 401, 'only an access cookie: 401 unauthorised');
$r = refresh(Cookie => 'sIdRefreshToken=legacy');
ok((grep { /^sIdRefreshToken=; Path=\/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax$/ } cookies_of($r)),
   'no refresh token + sIdRefreshToken: the legacy cookie is cleared too');

# --- cookie only ----------------------------------------------------------------------------
my $rt1 = $s->{refreshToken}{token};
$r = refresh(Cookie => 'sRefreshToken=' . uri_escape_js($rt1));
is($r->code, 200, 'cookie refresh: 200');
is($r->content, '{}', 'cookie refresh: body {}');
my ($at2, $at2_line) = cookie_value($r, 'sAccessToken');
my ($rt2, $rt2_line) = cookie_value($r, 'sRefreshToken');
ok($at2 && $rt2, 'cookie refresh: new access and refresh cookies');
like($at2_line // '', qr/^sAccessToken=[^;]+; Path=\/; Expires=[^;]+ GMT; HttpOnly; SameSite=Lax$/, 'access cookie attributes');
like($rt2_line // '', qr/^sRefreshToken=[^;]+; Path=\/auth\/session\/refresh; Expires=[^;]+ GMT; HttpOnly; SameSite=Lax$/,
     'refresh cookie attributes');
my ($exp_at) = ($at2_line // '') =~ /Expires=([^;]+)/;
ok(abs(str2time($exp_at // '') - (time + 365 * 86400)) < 120, 'access cookie expires in one year');
isnt($rt2, $rt1, 'the refresh token rotated');
is(jwt_payload($at2)->{refreshTokenHash1}, sha256_hex($rt2), 'new access token is bound to the new refresh token');
my $ft = front_token_decode($r->header('front-token'));
is($ft->{uid}, 'user-r1', 'front-token uid');
is($ft->{ate}, jwt_payload($at2)->{exp} * 1000, 'front-token ate');
is_deeply($ft->{up}, jwt_payload($at2), 'front-token up is the new payload');
is($r->header('Access-Control-Expose-Headers'), 'front-token', 'cookie mode exposes front-token only');
ok(!defined $r->header('st-access-token'), 'cookie mode: no st-access-token');
# refresh token values with + / = are percent-encoded in the cookie (protocol.md §1.4)
unlike(($rt2_line =~ /^sRefreshToken=([^;]*)/)[0], qr{[+/=]}, 'refresh cookie value is encodeURIComponent-ed');

# the new access token works (and the core promotes it on first use)
$r = GET '/protected/index.html', Cookie => "sAccessToken=$at2";
is($r->code, 200, 'refreshed access token accepted on a protected location');

# --- header only ----------------------------------------------------------------------------
$r = refresh(Authorization => "Bearer $rt2");
is($r->code, 200, 'header refresh: 200');
my $at3 = $r->header('st-access-token');
my $rt3 = $r->header('st-refresh-token');
ok($at3 && $rt3, 'header refresh: st-access-token and st-refresh-token');
is(jwt_payload($at3 // '')->{refreshTokenHash1}, sha256_hex($rt3 // ''), 'st-refresh-token sent raw (not URL-encoded)');
is($r->header('Access-Control-Expose-Headers'), 'front-token, st-access-token, st-refresh-token', 'header mode exposes');
ok(!cookies_of($r), 'header refresh sets no cookie');

# --- header and cookie: header wins, cookies cleared ----------------------------------------
$r = refresh(Authorization => "Bearer $rt3", Cookie => 'sRefreshToken=' . uri_escape_js($rt2));
is($r->code, 200, 'header + cookie: 200');
ok($r->header('st-refresh-token'), 'header + cookie: tokens in headers');
my @c = cookies_of($r);
is_deeply(\@c, [$CLEAR_ACCESS, $CLEAR_REFRESH], 'header + cookie: cookies cleared');
my $rt4 = $r->header('st-refresh-token');

# --- duplicate cookie names -------------------------------------------------------------------
$r = refresh(Cookie => "sRefreshToken=a; sRefreshToken=b");
is($r->code, 500, 'duplicate refresh cookie without olderCookieDomain: error (as the SDK)');
ok(!cookies_of($r), 'duplicate cookies: nothing cleared');

# --- core UNAUTHORISED --------------------------------------------------------------------------
$r = refresh(Cookie => 'sRefreshToken=unknown-token');
is($r->code, 401, 'unknown refresh token: 401');
is($r->content, '{"message":"unauthorised"}', 'unknown refresh token: unauthorised');
cleared_all($r, 'unknown refresh token');

# --- success while sIdRefreshToken present --------------------------------------------------
$r = refresh(Authorization => "Bearer $rt4", Cookie => 'sIdRefreshToken=old');
is($r->code, 200, 'refresh with the legacy cookie: 200');
ok((grep { /^sIdRefreshToken=; Path=\/; Expires=Thu, 01 Jan 1970/ } cookies_of($r)), 'legacy sIdRefreshToken cleared');
my $rt5 = $r->header('st-refresh-token');

# --- token theft ---------------------------------------------------------------------------------
{
    my $t = create_session(user => 'user-theft', claims => { iss => $iss });
    my $old = $t->{refreshToken}{token};
    my $r1 = refresh(Authorization => "Bearer $old");
    my $mid = $r1->header('st-refresh-token');
    my $r2 = refresh(Authorization => "Bearer $mid");    # using the child promotes it
    is($r2->code, 200, 'theft setup: second rotation');
    $r = refresh(Authorization => "Bearer $old");
    is($r->code, 401, 'reused old refresh token: 401');
    is($r->content, '{"message":"token theft detected"}', 'reused old refresh token: token theft detected');
    cleared_all($r, 'token theft');
    my $info = core('GET', "/recipe/session?sessionHandle=$t->{session}{handle}");
    is($info->{status}, 'UNAUTHORISED', 'token theft: the session was revoked at the core');
}

# --- concurrent refresh with the same token -------------------------------------------------
{
    my $t = create_session(user => 'user-race', claims => { iss => $iss });
    my $tok = $t->{refreshToken}{token};
    my @kids;
    for (1 .. 2) {
        pipe(my $rd, my $wr) or die $!;
        my $pid = fork();
        if ($pid == 0) {
            close $rd;
            my $res = refresh(Authorization => "Bearer $tok");
            print $wr $res->code;
            close $wr;
            require POSIX;
            POSIX::_exit(0);
        }
        close $wr;
        push @kids, [$pid, $rd];
    }
    my @codes = map { my $fh = $_->[1]; local $/; my $c = <$fh>; waitpid $_->[0], 0; $c } @kids;
    is_deeply([sort @codes], [200, 200], 'two concurrent refreshes with one token: the core rotates both (no logout)');
}

# --- GET falls through, tenant segment, unknown paths -----------------------------------------
$r = GET '/auth/session/refresh';
is($r->code, 404, 'GET on the refresh path falls through (404, as express)');
$r = refresh(Authorization => "Bearer $rt5", rid => 'session');
$r = POST '/auth/tenant1/session/refresh', Authorization => 'Bearer ' . ($r->header('st-refresh-token') // ''), content => '';
is($r->code, 200, 'refresh under a tenant segment is the refresh API');

# --- anti-CSRF via custom header (vhost csrf_header) --------------------------------------------
{
    my $t = create_session(user => 'user-csrf-refresh', claims => { iss => $iss });
    Apache::TestRequest::module('csrf_header');
    my $cookie = 'sRefreshToken=' . uri_escape_js($t->{refreshToken}{token});
    $r = POST '/auth/session/refresh', Cookie => $cookie, content => '';
    is($r->code, 401, 'via-custom-header refresh without rid: 401');
    cleared_all($r, 'via-custom-header without rid');
    $r = POST '/auth/session/refresh', Cookie => $cookie, rid => 'session', content => '';
    is($r->code, 200, 'via-custom-header refresh with rid: 200');
    Apache::TestRequest::module('default');
}

# --- core unreachable: 503, nothing cleared, the session survives ------------------------------
{
    my $t = create_session(user => 'user-outage', claims => { iss => $iss });
    my $cookie = 'sRefreshToken=' . uri_escape_js($t->{refreshToken}{token});
    Apache::TestRequest::module('api_dead_core');
    $r = POST '/auth/session/refresh', Cookie => $cookie, rid => 'session', content => '';
    is($r->code, 503, 'refresh with the core down: 503');
    like($r->content, qr/^\{"message":"[^"]+"\}$/, 'refresh with the core down: JSON message');
    ok(!cookies_of($r) && !defined $r->header('front-token'), 'refresh with the core down: no token cleared');
    $r = POST '/auth/signout', Cookie => "sAccessToken=$t->{accessToken}{token}", rid => 'session', content => '';
    ok($r->code == 503 && !cookies_of($r), 'sign-out with the core down: 503, nothing cleared');
    Apache::TestRequest::module('default');
    $r = POST '/auth/session/refresh', Cookie => $cookie, rid => 'session', content => '';
    is($r->code, 200, 'the same refresh token still works once a core answers');
}

# --- the API answers before mod_proxy, under a protected "/" -----------------------------------
{
    my $t = create_session(user => 'user-proxied', claims => { iss => $iss });
    Apache::TestRequest::module('api_proxied');
    $r = POST '/auth/session/refresh', Authorization => "Bearer $t->{refreshToken}{token}", content => '';
    is($r->code, 200, 'refresh under ProxyPass / and a protected "/": served by the module');
    is($r->content, '{}', 'refresh under ProxyPass /: the module answered, not the backend');
    $r = GET '/anything', Authorization => "Bearer " . ($r->header('st-access-token') // '');
    like($r->content, qr/"url":"\/anything"/, 'other paths still reach the proxied backend');
    Apache::TestRequest::module('default');
}

# --- sign-out ------------------------------------------------------------------------------------
{
    my $t = create_session(user => 'user-so1', claims => { iss => $iss });
    $r = signout(Cookie => "sAccessToken=$t->{accessToken}{token}");
    is($r->code, 200, 'cookie sign-out: 200');
    is($r->content, '{"status":"OK"}', 'cookie sign-out: body');
    is_deeply([cookies_of($r)], [$CLEAR_ACCESS, $CLEAR_REFRESH], 'cookie sign-out clears both cookies');
    is($r->header('front-token'), 'remove', 'cookie sign-out: front-token remove');
    is($r->header('Access-Control-Expose-Headers'), 'front-token', 'cookie sign-out: expose front-token (observed)');
    ok(!defined $r->header('st-access-token'), 'cookie sign-out: header tokens untouched');
    is(core('GET', "/recipe/session?sessionHandle=$t->{session}{handle}")->{status}, 'UNAUTHORISED',
       'sign-out revoked the session at the core');
    $r = signout(Cookie => "sAccessToken=$t->{accessToken}{token}");
    is($r->code, 200, 'replayed sign-out with the same (unexpired) token: 200, as the SDK');

    my $h = create_session(user => 'user-so2', claims => { iss => $iss });
    $r = signout(Authorization => "Bearer $h->{accessToken}{token}");
    is($r->code, 200, 'header sign-out: 200');
    ok(!cookies_of($r), 'header sign-out: no cookie cleared');
    is($r->header('st-access-token'), '', 'header sign-out: empty st-access-token');
    is($r->header('st-refresh-token'), '', 'header sign-out: empty st-refresh-token');
    is($r->header('Access-Control-Expose-Headers'), 'st-access-token, st-refresh-token, front-token',
       'header sign-out: expose order as observed');

    $r = signout();
    is($r->code, 401, 'sign-out without a session: 401');
    is($r->content, '{"message":"unauthorised"}', 'sign-out without a session: unauthorised');
    ok(!cookies_of($r), 'sign-out without a session: nothing cleared');
}

# --- CORS ----------------------------------------------------------------------------------------
{
    my $ua = Apache::TestRequest::user_agent();
    my $pre = HTTP::Request->new(OPTIONS => Apache::TestRequest::resolve_url('/auth/session/refresh'));
    $pre->header(Origin => 'http://localhost:3000', 'Access-Control-Request-Method' => 'POST',
                 'Access-Control-Request-Headers' => 'rid,fdi-version,st-auth-mode');
    $r = $ua->request($pre);
    is($r->code, 204, 'preflight from the website: 204');
    is($r->header('Access-Control-Allow-Origin'), 'http://localhost:3000', 'preflight: allow origin');
    is($r->header('Access-Control-Allow-Credentials'), 'true', 'preflight: credentials');
    my %allowed = map { lc($_) => 1 } split /\s*,\s*/, ($r->header('Access-Control-Allow-Headers') // '');
    ok((!grep { !$allowed{$_} } qw(rid fdi-version anti-csrf authorization st-auth-mode content-type)),
       'preflight: the SDK headers (getAllCORSHeaders + content-type) are allowed');

    $pre->header(Origin => 'http://evil.example');
    $r = $ua->request($pre);
    ok(!defined $r->header('Access-Control-Allow-Origin'), 'preflight from another origin: no CORS grant');
    $pre->header(Origin => 'http://localhost:3000.evil.example');
    $r = $ua->request($pre);
    ok(!defined $r->header('Access-Control-Allow-Origin'), 'preflight from a look-alike origin: no CORS grant');

    my $pp = HTTP::Request->new(OPTIONS => Apache::TestRequest::resolve_url('/protected/index.html'));
    $pp->header(Origin => 'http://localhost:3000', 'Access-Control-Request-Method' => 'GET');
    $r = $ua->request($pp);
    ok($r->code == 204 && ($r->header('Access-Control-Allow-Origin') // '') eq 'http://localhost:3000',
       'preflight for a protected location: granted');

    $r = refresh(Origin => 'http://localhost:3000');
    is($r->header('Access-Control-Allow-Origin'), 'http://localhost:3000', 'actual API answer (401) carries the grant');
    $r = GET '/protected/index.html', Origin => 'http://localhost:3000';
    ok($r->code == 401 && ($r->header('Access-Control-Allow-Origin') // '') eq 'http://localhost:3000',
       'protected 401 carries the grant so the frontend can read it');
    $r = GET '/protected/index.html', Origin => 'http://evil.example';
    ok(!defined $r->header('Access-Control-Allow-Origin'), 'other origins get no grant on answers');
}

done_testing();

# encodeURIComponent, for building request cookies the way a browser holds them
sub uri_escape_js {
    my ($s) = @_;
    $s =~ s/([^A-Za-z0-9\-_.!~*'()])/sprintf('%%%02X', ord $1)/ge;
    return $s;
}

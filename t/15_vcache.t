# The verification cache (SuperTokensVerifyCache, issue 17; src/core/vcache.c): a token whose
# signature verified is remembered per process by its exact bytes, and a hit gives what a full
# check gives. Requests go over one keep-alive connection, so one httpd process serves them
# and the second use of a token is a hit; server-status (summed over processes) counts hits
# and misses.
#   - a hit publishes the same REMOTE_USER and claims as the miss before it, one variable per
#     name as httpd passes them to CGI, over SetEnvIf lines that use the module's names
#   - exp is honoured to the second with zero leeway on a hit (200 before it, 401 try refresh
#     token 20 ms after the second of exp begins)
#   - anti-CSRF and SuperTokensCheckDatabase still apply to every request
#   - a token whose key leaves the JWKS stops being accepted once the JWKS is refetched, for
#     an unknown kid (vhost vcache, its own core double) and by the refresh interval
#   - a changed byte misses; SuperTokensVerifyCache Off (a second httpd) never hits; configtest
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use File::Temp qw(tempdir);
use LWP::UserAgent;
use JSON::PP ();
use Time::HiRes qw(sleep time);
use lib 't/lib';
use STTest qw(standalone_configtest standalone_start standalone_stop standalone_site free_port core core_ctl create_session forge
              env_of jwt_header);

my $vars = Apache::Test::vars();
my $main = 'http://' . Apache::TestRequest::hostport();
Apache::TestRequest::module('csrf_token');
my $csrf_host = 'http://' . Apache::TestRequest::hostport();
Apache::TestRequest::module('vcache');
my $vc_host = 'http://' . Apache::TestRequest::hostport();
Apache::TestRequest::module('default');
my $VC_CORE = $ENV{ST_VC_PORT} or die 'ST_VC_PORT is not set';

my $ua = LWP::UserAgent->new(keep_alive => 1, timeout => 20);
sub get { my ($url, @h) = @_; return $ua->get($url, @h) }
sub bearer { return (Authorization => "Bearer $_[0]") }

sub status {
    my $r = LWP::UserAgent->new(timeout => 10)->get("$main/server-status?auto");
    die 'server-status: ' . $r->code unless $r->code == 200;
    return { map { /^(SuperTokens\w+): (\S+)$/ ? ($1 => $2) : () } split /\n/, $r->content };
}
# what one request did to the cache: 'hit', 'miss' or 'none'
sub cache_use {
    my ($code) = @_;
    my $before = status();
    my $res = $code->();
    my $after = status();
    my $hits = $after->{SuperTokensVerifyCacheHits} - $before->{SuperTokensVerifyCacheHits};
    my $misses = $after->{SuperTokensVerifyCacheMisses} - $before->{SuperTokensVerifyCacheMisses};
    return ($res, $hits == 1 && $misses == 0 ? 'hit' : $misses == 1 && $hits == 0 ? 'miss'
                  : $hits == 0 && $misses == 0 ? 'none' : "hits $hits, misses $misses");
}
sub supertokens_env {
    my ($res) = @_;
    my $env = env_of($res);
    return { map { $_ => $env->{$_} } grep { /^(SUPERTOKENS_|REMOTE_USER$|AUTH_TYPE$)/ } keys %$env };
}

is(status()->{SuperTokensVerifyCacheEnabled}, 1, 'the cache is on by default');

# --- a hit publishes what the full check published ------------------------------------------------
my $port = $vars->{port};
my %claims = (iss => "http://localhost:$port/auth", role => 'admin', nested => { a => [1, 2.5, 'x'] },
              'st-role' => { v => ['admin'], t => 1700000000000 });
my $s = create_session(user => 'user-vcache', claims => {%claims});
my $at = $s->{accessToken}{token};
my ($first, $use1) = cache_use(sub { get("$main/protected-cgi/env.cgi", bearer($at)) });
is($first->code, 200, 'first use: 200');
is($use1, 'miss', 'first use of a token: a cache miss (parsed and checked in full)');
my ($second, $use2) = cache_use(sub { get("$main/protected-cgi/env.cgi", bearer($at)) });
is($second->code, 200, 'second use: 200');
is($use2, 'hit', 'second use of the same token on the same process: a hit');
my ($e1, $e2) = (supertokens_env($first), supertokens_env($second));
is($e2->{REMOTE_USER}, 'user-vcache', 'hit: REMOTE_USER');
ok(keys(%$e1) >= 10, 'the full check published the session and its claims (' . keys(%$e1) . ' variables)');
is_deeply($e2, $e1, 'hit: the same REMOTE_USER, AUTH_TYPE and SUPERTOKENS_* variables as the full check');
my (undef, $use3) = cache_use(sub { get("$main/protected-cgi/env.cgi", Cookie => "sAccessToken=$at") });
is($use3, 'hit', 'the same bytes in the cookie hit too');
{
    my $changed = substr($at, 0, -2) . (substr($at, -2, 1) eq 'A' ? 'B' : 'A') . substr($at, -1);
    my ($res, $use) = cache_use(sub { get("$main/protected-cgi/env.cgi", bearer($changed)) });
    is($res->code, 401, 'one signature byte changed: refused');
    is($use, 'miss', 'one signature byte changed: not a hit (only the exact bytes hit)');
}

# --- the variables as httpd passes them: one per name, miss or hit --------------------------------
# A hit publishes the names and texts its entry keeps (request/claims.c) with apr_table_addn;
# what CGI gets must still be what apr_table_setn left: one variable per name (two claims that
# name one variable, or differ only in case, give one), the later claim's value, and the
# module's value over a SetEnvIf that used the module's names (t/conf/extra.conf.in).
sub environ_of { my ($res) = @_; return eval { JSON::PP::decode_json($res->content) } || [] }
sub named { my ($list, $re) = @_; return [ grep { /$re/ } @$list ] }
{
    my $n = create_session(user => 'user-names', claims => { iss => "http://localhost:$port/auth",
        'a-b' => 'dash', 'a_b' => 'underscore', 'Case' => 'upper', 'case' => 'lower', role => 'viewer' });
    my $tok = $n->{accessToken}{token};
    my $text = STTest::b64url_decode((split /\./, $tok)[1]);   # the payload in the core's order
    my ($i_dash, $i_under) = (index($text, '"a-b"'), index($text, '"a_b"'));
    my ($i_upper, $i_lower) = (index($text, '"Case"'), index($text, '"case"'));
    ok($i_dash >= 0 && $i_under >= 0 && $i_upper >= 0 && $i_lower >= 0, 'the token carries the four claims');
    my $ab = $i_under > $i_dash ? 'underscore' : 'dash';
    my $case = $i_upper < $i_lower ? 'SUPERTOKENS_CLAIM_Case=lower' : 'SUPERTOKENS_CLAIM_case=upper';
    my $case_value = $case =~ /=(\w+)$/ ? $1 : '';
    for my $expect ('miss', 'hit') {
        my ($res, $use) = cache_use(sub { get("$main/protected-cgi/environ.cgi", bearer($tok)) });
        is($res->code, 200, "$expect: 200");
        is($use, $expect, "names: a cache $expect");
        my $env = environ_of($res);
        is_deeply(named($env, qr/^SUPERTOKENS_CLAIM_a_b=/), ["SUPERTOKENS_CLAIM_a_b=$ab"],
                  "$expect: claims a-b and a_b give one variable, with the later claim's value");
        is_deeply(named($env, qr/^SUPERTOKENS_CLAIM_case=/i), [$case],
                  "$expect: claims Case and case give one variable, the first's spelling and the later's value");
        is_deeply(named($env, qr/^SUPERTOKENS_USER_ID=/), ['SUPERTOKENS_USER_ID=user-names'], "$expect: one SUPERTOKENS_USER_ID");
        is_deeply(named($env, qr/^REMOTE_USER=/), ['REMOTE_USER=user-names'], "$expect: REMOTE_USER");
    }
    # SetEnvIf put the client's value under the module's names before authentication
    for my $path ('/protected-cgi/setenvif/environ.cgi', '/protected/setenvif/echo.txt') {
        my ($res, $use) = cache_use(sub { get("$main$path", bearer($tok), 'X-Spoof' => 'mallory') });
        is($use, 'hit', "SetEnvIf, $path: a cache hit");
        if ($path =~ /cgi$/) {
            my $env = environ_of($res);
            is_deeply(named($env, qr/^SUPERTOKENS_USER_ID=/), ['SUPERTOKENS_USER_ID=user-names'],
                      'SetEnvIf, CGI: one SUPERTOKENS_USER_ID, the session\'s');
            is_deeply(named($env, qr/^SUPERTOKENS_CLAIM_role=/), ['SUPERTOKENS_CLAIM_role=viewer'],
                      'SetEnvIf, CGI: one SUPERTOKENS_CLAIM_role, the token\'s');
            next;
        }
        is($res->code, 200, 'SetEnvIf, static file: 200');
        is($res->header('X-Env-User-Id'), 'user-names', 'SetEnvIf, mod_headers reads SUPERTOKENS_USER_ID: the session\'s');
        is($res->header('X-Env-Role'), 'viewer', 'SetEnvIf, mod_headers reads SUPERTOKENS_CLAIM_role: the token\'s');
    }
    {
        my ($res, $use) = cache_use(sub { get("$main/protected/setenvif/echo.txt", bearer($tok)) });
        is($use, 'hit', 'mod_headers: a cache hit');
        is($res->header('X-Env-User-Id'), 'user-names', 'mod_headers reads SUPERTOKENS_USER_ID');
        is($res->header('X-Env-A-B'), $ab, 'mod_headers reads SUPERTOKENS_CLAIM_a_b: the later claim\'s value');
        is($res->header('X-Env-Case'), $case_value, 'mod_headers reads SUPERTOKENS_CLAIM_CASE: the later claim\'s value');
    }
    # what the entry keeps serves a location that passes claims as headers too (mod_proxy to
    # t/backend/echo.js; Node joins a repeated header with ", ", so a duplicate would show)
    my ($res, $use) = cache_use(sub { get("$main/proxied", bearer($tok), 'SuperTokens-User-Id' => 'mallory') });
    is($use, 'hit', 'headers: a cache hit');
    my $h = eval { JSON::PP::decode_json($res->content)->{headers} } || {};
    is($h->{'supertokens-user-id'}, 'user-names', 'headers: SUPERTOKENS-USER-ID, the session\'s, not the client\'s');
    is($h->{'supertokens-claim-a-b'}, $ab, 'headers: one SUPERTOKENS-CLAIM-A-B, the later claim\'s value');
    is($h->{'supertokens-claim-case'}, $case_value, 'headers: one SUPERTOKENS-CLAIM-CASE, the later claim\'s value');
    is($h->{'supertokens-claim-role'}, 'viewer', 'headers: SUPERTOKENS-CLAIM-ROLE');
}

# --- exp to the second, with zero leeway ---------------------------------------------------------
{
    my $now = int(time);
    my $exp = $now + 4;
    my $tok = forge(payload => { iat => $now, exp => $exp, sub => 'user-exp', tId => 'public', rsub => 'user-exp',
                                 sessionHandle => $s->{session}{handle}, refreshTokenHash1 => 'a' x 64,
                                 parentRefreshTokenHash1 => undef, antiCsrfToken => undef });
    my ($res, $use) = cache_use(sub { get("$main/protected-cgi/env.cgi", bearer($tok)) });
    is($use, 'miss', 'short-lived token: first use is a miss');
    # a second or so before exp (room for a slow server, as under valgrind)
    sleep($exp - time - 1.2) if $exp - time > 1.2;
    my $sent = time;
    ($res, $use) = cache_use(sub { get("$main/protected-cgi/env.cgi", bearer($tok)) });
    ok($sent < $exp, sprintf('sent before exp (%.2f s left)', $exp - $sent));
    is($res->code, 200, 'a cached token is accepted until its exp');
    is($use, 'hit', '... from the cache');
    sleep($exp - time + 0.02) if $exp - time > -0.02;   # just past exp
    $res = get("$main/protected-cgi/env.cgi", bearer($tok));
    is($res->code, 401, 'the same token from its exp second on: 401');
    is($res->content, '{"message":"try refresh token"}', '... try refresh token, as the SDK (jose: exp <= now)');
}

# --- what is checked per request, cache or not ---------------------------------------------------
{
    # SuperTokensCheckDatabase On asks the core every time: a revoked session is refused even
    # though the token's bytes are in the cache
    my $sd = create_session(user => 'user-checkdb', claims => { iss => $claims{iss} });
    my $tok = $sd->{accessToken}{token};
    is(get("$main/protected-cgi/env.cgi", bearer($tok))->code, 200, 'checkdb session: cached');
    my (undef, $use) = cache_use(sub { get("$main/protected-cgi/env.cgi", bearer($tok)) });
    is($use, 'hit', 'checkdb session: a hit on a plain location');
    core_ctl('session-expire', { sessionHandle => $sd->{session}{handle} });
    my $res = get("$main/protected-cgi/checkdb/env.cgi", bearer($tok));
    is($res->code, 401, 'revoked session on a SuperTokensCheckDatabase location: 401 though cached');
    is($res->content, '{"message":"unauthorised"}', '... unauthorised (the core said so)');

    # anti-CSRF (via-token): the claim is compared with the request's header on every request
    my $sc = create_session(user => 'user-csrf', anti_csrf => 1);
    my $ct = $sc->{accessToken}{token};
    my $csrf = $sc->{antiCsrfToken};
    is(get("$csrf_host/protected/env.cgi", Cookie => "sAccessToken=$ct")->code, 200, 'via-token: GET (no check)');
    my $ok = $ua->post("$csrf_host/protected/env.cgi", Cookie => "sAccessToken=$ct", 'anti-csrf' => $csrf);
    is($ok->code, 200, 'via-token: POST with the anti-csrf header, token cached');
    my $no = $ua->post("$csrf_host/protected/env.cgi", Cookie => "sAccessToken=$ct");
    is($no->code, 401, 'via-token: POST without the header is refused although the token is cached');
    my $wrong = $ua->post("$csrf_host/protected/env.cgi", Cookie => "sAccessToken=$ct", 'anti-csrf' => "x$csrf");
    is($wrong->code, 401, 'via-token: POST with a wrong header is refused');
}

# --- a key that leaves the JWKS (vhost vcache, its own core double) ------------------------------
sub vc_session { create_session(user => $_[0], port => $VC_CORE) }
sub vc_get { get("$vc_host/protected/env.cgi", bearer($_[0])) }
{
    my $old = vc_session('user-oldkey')->{accessToken}{token};
    is(vc_get($old)->code, 200, 'vcache vhost: token accepted');
    my (undef, $use) = cache_use(sub { vc_get($old) });
    is($use, 'hit', 'vcache vhost: and cached');
    my $rot = core_ctl('rotate-keys', { dropOld => JSON::PP::true() }, port => $VC_CORE);
    isnt($rot->{kid}, jwt_header($old)->{kid}, 'the double signs with a new key and lists only it');
    is_deeply($rot->{kids}, [grep { !/^d-/ || $_ eq $rot->{kid} } @{ $rot->{kids} }], 'the old dynamic key is gone');
    # until the module refetches, it knows only the old set (the SDK too: its JWKS is cached)
    is(vc_get($old)->code, 200, 'before a refetch: still accepted (the cached JWKS lists the key)');
    sleep 0.6;                                    # past the 500 ms refetch cooldown
    my $new = vc_session('user-newkey')->{accessToken}{token};
    is(vc_get($new)->code, 200, 'a token with the new kid makes the module refetch the JWKS');
    my $res = vc_get($old);
    is($res->code, 401, 'after the refetch: the cached token of the removed key is refused');
    is($res->content, '{"message":"try refresh token"}', '... try refresh token');
    (undef, $use) = cache_use(sub { vc_get($new) });
    is($use, 'hit', 'the new key\'s token is cached as usual');

    # by the refresh interval alone (2 s): no unknown kid is ever sent
    my $mid = $new;
    core_ctl('rotate-keys', { dropOld => JSON::PP::true() }, port => $VC_CORE);
    is(vc_get($mid)->code, 200, 'second rotation: the cached token is accepted while the JWKS is fresh');
    sleep 2.2;                                    # the JWKS is now older than the interval
    is(vc_get($mid)->code, 200, 'a stale JWKS is used while it is refetched in the background (never waits)');
    my $refused;
    for (1 .. 30) {                               # the background fetch ends within moments
        last if ($refused = vc_get($mid)->code == 401);
        sleep 0.1;
    }
    ok($refused, 'once refetched by the interval, the cached token of the removed key is refused');
}

# --- configtest, and a server with the cache Off ---------------------------------------------------
my $dir = tempdir(CLEANUP => 1);
sub configtest { return standalone_configtest($dir, @_) }
for my $case (['12x', qr/SuperTokensVerifyCache: '12x' is not Off or a number of tokens from 1 to 1000000/],
              ['0', qr/SuperTokensVerifyCache: '0' is not Off/],
              ['2000000', qr/SuperTokensVerifyCache: '2000000' is not Off/]) {
    my ($rc, $out) = configtest("SuperTokensVerifyCache $case->[0]\n");
    isnt($rc, 0, "configtest refuses SuperTokensVerifyCache $case->[0]");
    like($out, $case->[1], '... naming the directive');
}
{
    my ($rc, $out) = configtest("Listen 127.0.0.1:1\n<VirtualHost *:1>\nSuperTokensVerifyCache 10\n</VirtualHost>\n");
    isnt($rc, 0, 'configtest refuses SuperTokensVerifyCache in a virtual host');
    like($out, qr/SuperTokensVerifyCache cannot occur within <VirtualHost> section/, '... main server only');
    ($rc, $out) = configtest("SuperTokensVerifyCache Off\n");
    is($rc, 0, 'configtest accepts SuperTokensVerifyCache Off') or diag $out;
    ($rc, $out) = configtest("SuperTokensVerifyCache 100000\n");
    is($rc, 0, 'configtest accepts SuperTokensVerifyCache 100000') or diag $out;
}
{
    my $off_port = free_port();
    my ($up, $out) = standalone_start($dir, $off_port, standalone_site($dir, $off_port, <<'EOC'));
LoadModule status_module /usr/lib/apache2/modules/mod_status.so
SuperTokensVerifyCache Off
<Location /server-status>
    SetHandler server-status
</Location>
EOC
    ok($up, 'a second httpd with SuperTokensVerifyCache Off starts') or diag $out;
    my $tok = create_session(user => 'user-nocache')->{accessToken}{token};
    my $off_status = sub {
        my $r = $ua->get("http://127.0.0.1:$off_port/server-status?auto");
        return { map { /^(SuperTokens\w+): (\S+)$/ ? ($1 => $2) : () } split /\n/, $r->content };
    };
    is($ua->get("http://127.0.0.1:$off_port/p/f.txt", bearer($tok))->code, 200, 'Off: token accepted') for 1 .. 3;
    my $st = $off_status->();
    is($st->{SuperTokensVerifyCacheEnabled}, 0, 'Off: server-status says the cache is not enabled');
    is($st->{SuperTokensVerifyCacheHits}, 0, 'Off: no hits');
    is($st->{SuperTokensVerifyOK}, 3, 'Off: every request verified in full');
    standalone_stop($dir);
}

done_testing();

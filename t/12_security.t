# What an independent attack run found (issue 13), one block per finding: OPTIONS and TRACE
# reaching protected handlers, a tenant id that switches the core's app, claim headers spoofed
# past the scrubber, authenticated answers stored by a shared cache, SuperTokensCheckDatabase
# skipped by <If> and by sub-requests. (The JWKS, delivery and email-rule findings have files of
# their own; the claim-prefix one is in t/01_configtest.t.)
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest qw(GET POST);
use HTTP::Request ();
use JSON::PP ();
use LWP::UserAgent ();
use lib 't/lib';
use STTest qw(core core_ctl create_session env_of);

Apache::TestRequest::user_agent(reset => 1, requests_redirectable => 0);
my $ua = Apache::TestRequest::user_agent();
my $port = Apache::Test::vars('port');
my $iss = "http://localhost:$port/auth";
my $logs = Apache::Test::vars('t_logs');
my $runs = "$logs/cgi-runs.log";

sub session { create_session(claims => { iss => $iss, @_ }) }
sub send_req {
    my ($method, $path, @headers) = @_;
    my $content = @headers % 2 ? pop @headers : undef;
    my $req = HTTP::Request->new($method => Apache::TestRequest::resolve_url($path));
    $req->header(@headers) if @headers;
    $req->content($content) if defined $content;
    return $ua->request($req);
}
sub script_runs { -e $runs ? do { local (@ARGV, $/) = $runs; <> } : '' }
sub backend_saw {
    my $r = LWP::UserAgent->new->get("http://127.0.0.1:$ENV{ST_BACKEND_PORT}/__seen");
    return @{ JSON::PP::decode_json($r->content)->{requests} };
}

# --- 1. OPTIONS and TRACE are authenticated; only a real CORS preflight is answered anonymously
{
    unlink $runs;
    my $r = send_req(OPTIONS => '/protected-cgi/record.cgi');
    is($r->code, 401, 'OPTIONS on a protected script without a session: 401');
    is($r->content, '{"message":"unauthorised"}', 'OPTIONS without a session: the SDK\'s unauthorised body');
    $r = send_req(OPTIONS => '/protected-cgi/record.cgi', 'Content-Type' => 'application/x-www-form-urlencoded',
                  'action=delete&id=1');
    is($r->code, 401, 'OPTIONS with a body: 401');
    # httpd answers TRACE to a local resource itself (TraceEnable), before any location is
    # known: the reply is its echo of the request, never the script
    $r = send_req(TRACE => '/protected-cgi/record.cgi');
    is($r->content_type, 'message/http', 'TRACE on a local script: httpd\'s own echo (TraceEnable)');
    # a preflight carrying a body: answered by the module, never handed to the script
    $r = send_req(OPTIONS => '/protected-cgi/record.cgi', Origin => 'http://localhost:3000',
                  'Access-Control-Request-Method' => 'POST', 'action=delete&id=1');
    is($r->code, 204, 'preflight from the website: 204');
    is($r->header('Access-Control-Allow-Origin'), 'http://localhost:3000', 'preflight from the website: granted');
    $r = send_req(OPTIONS => '/protected-cgi/record.cgi', Origin => 'http://evil.example',
                  'Access-Control-Request-Method' => 'POST');
    is($r->code, 204, 'preflight from another origin: 204 as well, and the request ends');
    ok(!defined $r->header('Access-Control-Allow-Origin'), 'preflight from another origin: no grant');
    is(script_runs(), '', 'none of those OPTIONS/TRACE requests ran the protected script');

    my $s = session();
    my $bearer = "Bearer $s->{accessToken}{token}";
    $r = send_req(OPTIONS => '/protected-cgi/record.cgi', Authorization => $bearer);
    is($r->code, 200, 'OPTIONS with a session: authenticated and served');
    like(script_runs(), qr/^OPTIONS \Q$s->{session}{userId}\E$/m, 'the script ran once, for the signed-in user');

    # a proxied application never sees an anonymous OPTIONS or TRACE
    my $before = () = backend_saw();
    for my $m (qw(OPTIONS TRACE)) {
        $r = send_req($m => '/proxied/delete-user', 'Content-Type' => 'application/x-www-form-urlencoded',
                      'action=delete&id=1');
        is($r->code, 401, "$m to a protected proxy without a session: 401");
    }
    $r = send_req(OPTIONS => '/proxied/delete-user', Origin => 'http://localhost:3000',
                  'Access-Control-Request-Method' => 'DELETE');
    is($r->code, 204, 'preflight to a protected proxy: answered by the module');
    my @after = backend_saw();
    is(scalar(@after), $before, 'the proxied backend saw none of them')
        or diag explain [@after[$before .. $#after]];
}

# --- 4. a tenant id never names another app of the core ----------------------------------------
{
    core_ctl('reset');
    my $body = '{"formFields":[{"id":"email","value":"ghost@example.com"},{"id":"password","value":"ghostpass1"}]}';
    for my $t (qw(appid-ghostapp APPID-ghostapp AppId-x)) {
        my $r = POST "/auth/$t/signup", 'Content-Type' => 'application/json', content => $body;
        is($r->code, 404, "POST /auth/$t/signup is not an API route: 404");
        $r = GET "/auth/$t/emailpassword/email/exists?email=a\@example.com";
        is($r->code, 404, "GET /auth/$t/emailpassword/email/exists: 404");
    }
    my $r = POST '/auth/tenant-appid-ok/signup', 'Content-Type' => 'application/json', content => $body;
    is($r->code, 200, 'a tenant id containing "appid-" elsewhere is still a tenant');
    my $reqs = core('GET', '/__test/requests')->{requests} || [];
    my @app = grep { $_->{path} =~ m{/appid-}i } @$reqs;
    is(scalar(@app), 0, 'the core never saw an /appid-… path') or diag explain \@app;
    ok((grep { $_->{path} =~ m{^/tenant-appid-ok/recipe/signup} } @$reqs), 'the valid tenant reached the core');
}

# --- 5. claim headers of any configured prefix are scrubbed everywhere --------------------------
{
    my $s = session(role => 'user');
    my @spoof = ('APP-isAdmin' => 'true', 'App_Role' => 'admin');
    my $r = GET '/app-headers/', Authorization => "Bearer $s->{accessToken}{token}", @spoof;
    my $h = env_of($r)->{headers} || {};
    is($h->{'app-role'}, 'user', 'protected headers-mode location: the real claim');
    ok(!exists $h->{'app-isadmin'}, 'protected headers-mode location: the spoofed header is gone');

    $r = GET '/ssi/page.shtml', Authorization => "Bearer $s->{accessToken}{token}", @spoof;
    is($r->code, 200, 'unprotected SSI page including the protected proxy: 200');
    my ($json) = $r->content =~ /(\{.*\})/s;
    $h = eval { JSON::PP::decode_json($json) }->{headers} || {};
    is($h->{'app-role'}, 'user', 'the include carries the real claim') or diag $r->content;
    ok(!exists $h->{'app-isadmin'}, 'the include does not carry the client\'s APP-isAdmin');

    $r = GET '/open-proxy', @spoof;
    $h = env_of($r)->{headers} || {};
    ok(!(grep { /^app[-_]/i } keys %$h), 'an unprotected proxy gets no APP-* header from the client')
        or diag explain $h;
}

# --- 6. answers served with a session are not stored by a shared cache --------------------------
{
    Apache::TestRequest::module('cached');
    my $s = session();
    my $cookie = "sAccessToken=$s->{accessToken}{token}";

    # the cache works here: a public file is stored and served from it
    GET '/public/index.html';
    my $r = GET '/public/index.html';
    like($r->header('X-Cache') // '', qr/^HIT/, 'control: mod_cache serves a public file from the cache');

    for my $path ('/protected/index.html', '/proxied/private') {
        $r = GET $path, Cookie => $cookie;
        is($r->code, 200, "$path with the victim's cookie: 200");
        like(join(',', $r->header('Cache-Control')), qr/\bprivate\b/, "$path: Cache-Control: private");
        $r = GET $path;
        is($r->code, 401, "$path right after, without a cookie: 401, not the cached answer");
    }
    $r = GET '/optional/index.html';
    like(join(',', $r->header('Cache-Control') // ''), qr/\bprivate\b/, 'anonymous pass in an optional location: private too');

    $r = GET '/optout/index.html', Cookie => $cookie;
    is($r->code, 200, 'SuperTokensCacheControlPrivate Off: 200');
    unlike(join(',', $r->header('Cache-Control') // ''), qr/private/, 'SuperTokensCacheControlPrivate Off: no private');
    $r = GET '/optout/index.html';
    like($r->header('X-Cache') // '', qr/^HIT/, 'and the cache then hands that answer to anyone (what the opt-out means)');
    Apache::TestRequest::module('default');
}

# --- 7. SuperTokensCheckDatabase holds in <If> and in sub-requests ------------------------------
{
    my $s = session();
    my $bearer = "Bearer $s->{accessToken}{token}";
    my $r = GET '/ifdb/index.html', Authorization => $bearer;
    is($r->header('X-ST-Signed-In'), 'yes', '<If> on a claim: a live session satisfies it');
    $r = GET '/ssi-protected/page.shtml', Authorization => $bearer;
    like($r->content, qr/\[ran: GET \Q$s->{session}{userId}\E/, 'SSI include of a checkDatabase script: runs for a live session');

    my $gone = core_ctl('session-expire', { sessionHandle => $s->{session}{handle} });
    ok($gone->{found}, 'the session is revoked in the core');
    $r = GET '/ifdb/index.html', Authorization => $bearer;
    is($r->code, 200, 'the page itself is public');
    ok(!defined $r->header('X-ST-Signed-In'), '<If> in a checkDatabase location: the revoked session has no claims');

    unlink $runs;
    $r = GET '/ssi-protected/page.shtml', Authorization => $bearer;
    is($r->code, 200, 'the protected page (no database check there) still verifies locally');
    unlike($r->content, qr/ran:/, 'but the included checkDatabase script does not run for the revoked session');
    is(script_runs(), '', 'the script did not run at all');
}

my $log = do { local (@ARGV, $/) = "$logs/error_log"; <> };
unlike($log, qr/exit signal|Segmentation fault/, 'no child crashed');

done_testing();

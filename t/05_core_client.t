# The core client (src/core/client.c) seen through httpd, against core doubles with armed faults
# (t/conf/core_client.conf.in has one virtual host per scenario, t/lib/STCore.pm starts the
# doubles, TLS fronts and the closed port): request headers (api-key, cdi-version 5.4, rid only
# on /recipe paths, protocol.md §3.1-3.2), keep-alive reuse, core down -> 503 JSON + a log
# line and recovery, the I/O deadline, garbage / truncated / non-JSON / oversize / chunked /
# 503 / 500 replies,
# failover past a dead first URL, https with SuperTokensCoreCA, a wrong api-key, a core
# without CDI 5.4, and an error log that never holds an api-key.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest qw(GET);
use JSON::PP ();
use Time::HiRes qw(time sleep);
use lib 't/lib';
use STTest qw(core core_ctl create_session forge env_of);
use STCore ();

# the plan is counted at the end (done_testing)

my $API_KEY = $STTest::API_KEY;
my $WRONG_KEY = 'wrong-api-key-7f3a9c1e5b';      # SuperTokensAPIKey of vhost cc_badkey
my $ROTATED_KEY = 'rotated-api-key-4d8e2b6a0c';  # what double A is switched to below (never configured in httpd)
my $UNREACHABLE = { message => 'the SuperTokens core is not reachable' };
my %port = map { $_ => $ENV{"ST_CC_${_}_PORT"} } qw(A B DOWN KEY OLD TLS TLS_WRONG CLOSED);
my $A = $port{A};

my $error_log = Apache::Test::vars('t_logs') . '/error_log';
my $log_start = -s $error_log // 0;
sub log_mark { return -s $error_log // 0 }
sub log_since {
    my ($mark) = @_;
    open my $fh, '<', $error_log or return '';
    seek $fh, $mark, 0;
    local $/;
    my $text = <$fh> // '';
    close $fh;
    return $text;
}
# error-log lines of the module written since $mark that match every regex given
sub log_lines {
    my ($mark, @re) = @_;
    return grep { my $l = $_; !grep { $l !~ $_ } @re } grep { /\[supertokens:/ } split /\n/, log_since($mark);
}

sub json_of { my ($r) = @_; return eval { JSON::PP::decode_json($r->content) } }
sub stats { core_ctl('stats', undef, port => $_[0]) }
sub verify_count { stats($_[0])->{paths}{'POST /recipe/session/verify'} // 0 }
sub last_request { core('GET', "/__test/last-request?path=$_[1]", undef, port => $_[0]) }
sub requests { core('GET', "/__test/requests?path=$_[1]", undef, port => $_[0])->{requests} || [] }
sub arm { my ($p, $what, %body) = @_; core_ctl($what, { path => '/recipe/session/verify', count => 1, %body }, port => $p) }

sub vhost { Apache::TestRequest::module($_[0]) }
sub bearer { my ($path, $tok) = @_; return GET $path, Authorization => "Bearer $tok" }

# Polls until a request answers 200 (at most $secs): after a failed JWKS fetch a process
# waits 500 ms before it asks the core again.
sub eventually_200 {
    my ($path, $tok, $secs) = @_;
    my ($r, $t0) = (undef, time);
    while (1) {
        $r = bearer($path, $tok);
        return $r if $r->code == 200 || time - $t0 > $secs;
        sleep 0.5;
    }
}

sub unreachable_json {
    my ($r, $name) = @_;
    is($r->code, 503, "$name: 503");
    like($r->header('Content-Type') // '', qr{^application/json}, "$name: JSON content type");
    is_deeply(json_of($r), $UNREACHABLE, "$name: the not-reachable message");
}

# --- sessions, one per double (each double signs with its own keys) --------------------------
vhost('cc');
my $sa = create_session(user => 'cc-user-a', port => $A);
my $tok_a = $sa->{accessToken}{token};

# --- request headers: api-key, cdi-version 5.4, rid only on /recipe paths ----------------------
core_ctl('reset', {}, port => $A);
my $r = bearer('/checkdb/env.cgi', $tok_a);
is($r->code, 200, 'checkDatabase through core A: 200');
is(env_of($r)->{REMOTE_USER}, 'cc-user-a', 'checkDatabase through core A: the session user');
my $v = last_request($A, '/recipe/session/verify');
is($v->{method}, 'POST', 'the core saw POST /recipe/session/verify');
is($v->{headers}{'api-key'}, $API_KEY, 'verify carries the configured api-key');
is($v->{headers}{'cdi-version'}, '5.4', 'verify carries cdi-version 5.4');
is($v->{headers}{rid}, 'session', 'verify (a /recipe path) carries rid: session');
like($v->{headers}{'content-type'} // '', qr{^application/json}i, 'verify body is JSON');
is($v->{json}{accessToken}, $tok_a, 'verify body: the access token');
ok($v->{json}{checkDatabase}, 'verify body: checkDatabase true');

# The JWKS is fetched once per process; a token with an unknown kid forces a refetch (at most
# every 500 ms per process), so the GET is certain to show up in the double's log.
{
    my $now = int(time);
    my $unknown = forge(key => 'foreign', header => { kid => 'd-cc-unknown-kid', typ => 'JWT', version => '5', alg => 'RS256' },
                        payload => { sub => 'x', iat => $now, exp => $now + 600, sessionHandle => 'h', tId => 'public',
                                     rsub => 'x', refreshTokenHash1 => 'a' x 64, parentRefreshTokenHash1 => undef,
                                     antiCsrfToken => undef });
    my $jwks;
    for my $try (1 .. 3) {
        bearer('/protected/env.cgi', $unknown);
        last if ($jwks = requests($A, '/.well-known/jwks.json')->[-1]);
        sleep 2.1;
    }
    ok($jwks, 'the module fetched the JWKS from core A');
    is($jwks->{method} // '', 'GET', 'JWKS: GET');
    ok(!exists $jwks->{headers}{rid}, 'JWKS (not a /recipe path): no rid header');
}

# --- keep-alive: many requests, few connections -------------------------------------------------
{
    # The pool is per httpd child, and the event MPM starts children as it likes: the browser
    # side keeps one connection too, so every request is served by the same child.
    Apache::TestRequest::user_agent(reset => 1, keep_alive => 1);
    core_ctl('reset', {}, port => $A);
    my $n = 20;
    my $ok = grep { bearer('/checkdb/env.cgi', $tok_a)->code == 200 } 1 .. $n;
    is($ok, $n, "$n checkDatabase requests: all 200");
    my $st = stats($A);
    is($st->{paths}{'POST /recipe/session/verify'}, $n, "the core saw $n verify calls");
    # one child, one pooled connection (two if the core closed one). Without keep-alive: 20.
    cmp_ok($st->{connectionsUsed}, '<=', 2, "keep-alive: the $n calls used at most 2 connections");
    cmp_ok($st->{connections}, '<=', 2, 'keep-alive: at most 2 new connections');
    cmp_ok($st->{connectionsUsed}, '<', $st->{requests}, 'fewer connections than requests');
    Apache::TestRequest::user_agent(reset => 1);
}

# --- garbage, truncated, closed, non-JSON and error replies -------------------------------------
# each one answers 503 (the core gave no usable reply) and the POST is never resent
my %faults = (
    garbage  => [{}, 'a reply that is not HTTP'],
    truncate => [{}, 'a reply cut short (Content-Length not reached)'],
    close    => [{}, 'the connection closed without a reply'],
    fail     => [{ status => 200, body => 'this is {not json', contentType => 'application/json' },
                 'a 200 reply whose JSON body is invalid'],
);
for my $f (qw(garbage truncate close fail)) {
    my ($body, $name) = @{ $faults{$f} };
    core_ctl('reset', {}, port => $A);
    arm($A, $f, %$body);
    my $mark = log_mark();
    $r = bearer('/checkdb/env.cgi', $tok_a);
    unreachable_json($r, $name);
    ok(scalar log_lines($mark, qr/\[supertokens:error\]/, qr{/recipe/session/verify}, qr{127\.0\.0\.1:$A\b}),
       "$name: an error-log line names the call and the core");
    is(verify_count($A), 1, "$name: the POST was not sent again");
    $r = bearer('/checkdb/env.cgi', $tok_a);
    is($r->code, 200, "$name: the next request is served again");
}
{
    core_ctl('reset', {}, port => $A);
    arm($A, 'fail', status => 200, body => '{"status":"OK","pad":"' . ('x' x (1024 * 1024)) . '"}',
        contentType => 'application/json');
    unreachable_json(bearer('/checkdb/env.cgi', $tok_a), 'a reply over 1 MiB');
    arm($A, 'fail', status => 503);
    unreachable_json(bearer('/checkdb/env.cgi', $tok_a), 'the only core answers 503');
    arm($A, 'chunked');
    $r = bearer('/checkdb/env.cgi', $tok_a);
    is($r->code, 200, 'a chunked reply (Transfer-Encoding: chunked) is read');
    is(env_of($r)->{REMOTE_USER}, 'cc-user-a', 'chunked reply: the session user');
}
{
    core_ctl('reset', {}, port => $A);
    arm($A, 'fail', status => 500, body => 'core test failure 1b2c');
    my $mark = log_mark();
    $r = bearer('/checkdb/env.cgi', $tok_a);
    is($r->code, 500, 'the core answers 500: the module answers 500');
    like($r->header('Content-Type') // '', qr{^application/json}, 'core error: JSON content type');
    ok(defined((json_of($r) // {})->{message}), 'core error: a JSON message');
    ok(scalar log_lines($mark, qr/\[supertokens:error\]/, qr/\b500\b/, qr/core test failure 1b2c/),
       "core error: the log shows the core's status and message");
    is(bearer('/checkdb/env.cgi', $tok_a)->code, 200, 'core error: the next request is served again');
}

# --- slow core: the I/O deadline -----------------------------------------------------------------
{
    vhost('cc_slow');   # SuperTokensCoreTimeout connect=1 io=1
    core_ctl('reset', {}, port => $A);
    is(bearer('/checkdb/env.cgi', $tok_a)->code, 200, 'io=1 vhost: a prompt core answers');
    arm($A, 'latency', ms => 4000);
    my $mark = log_mark();
    my $t0 = time;
    $r = bearer('/checkdb/env.cgi', $tok_a);
    my $elapsed = time - $t0;
    unreachable_json($r, 'core 4 s late, io=1');
    cmp_ok($elapsed, '>=', 0.9, 'the module waited for the io timeout (>= 0.9 s)');
    cmp_ok($elapsed, '<', 2.5, "the module gave up at the io timeout, not after the core's 4 s (took "
           . sprintf('%.2f', $elapsed) . ' s)');
    ok(scalar log_lines($mark, qr/\[supertokens:error\]/, qr{/recipe/session/verify}, qr/timed out|timeout/i),
       'slow core: the log says the call timed out');
    is(bearer('/checkdb/env.cgi', $tok_a)->code, 200, 'slow core: the next request is served again');

    vhost('cc');        # io=2: a core 1.3 s late is still waited for
    core_ctl('reset', {}, port => $A);
    arm($A, 'latency', ms => 1300);
    $t0 = time;
    $r = bearer('/checkdb/env.cgi', $tok_a);
    $elapsed = time - $t0;
    is($r->code, 200, 'io=2 vhost: a core 1.3 s late is waited for: 200');
    cmp_ok($elapsed, '>=', 1.2, 'io=2 vhost: the reply came after the core\'s delay');
}

# --- core down, then back ---------------------------------------------------------------------
{
    vhost('cc_down');
    my $sd = create_session(user => 'cc-user-down', port => $port{DOWN});
    is(bearer('/checkdb/env.cgi', $sd->{accessToken}{token})->code, 200, 'core up: 200');
    STCore::stop_double('ST_CC_DOWN_PORT');
    my $mark = log_mark();
    $r = bearer('/checkdb/env.cgi', $sd->{accessToken}{token});
    unreachable_json($r, 'core down');
    ok(scalar log_lines($mark, qr/\[supertokens:(?:error|warn)\]/, qr{127\.0\.0\.1:$port{DOWN}\b}, qr/refused|unreachable/i),
       'core down: the log names the core and why (connection refused)');

    STCore::restart_double('ST_CC_DOWN_PORT');   # a fresh core: new keys, no sessions
    my $sd2 = create_session(user => 'cc-user-back', port => $port{DOWN});
    $r = eventually_200('/checkdb/env.cgi', $sd2->{accessToken}{token}, 6);   # its new kid: a JWKS refetch
    is($r->code, 200, 'core back: requests succeed again');
    is(env_of($r)->{REMOTE_USER}, 'cc-user-back', 'core back: the new session is verified');
}

# --- failover: the first URL refuses connections --------------------------------------------------
{
    vhost('cc_failover');
    my $sb = create_session(user => 'cc-user-b', port => $port{B});
    core_ctl('reset', {}, port => $port{B});
    my $mark = log_mark();
    my $n = 10;
    my $ok = grep { bearer('/checkdb/env.cgi', $sb->{accessToken}{token})->code == 200 } 1 .. $n;
    is($ok, $n, "dead first URL: $n of $n requests succeed");
    is(verify_count($port{B}), $n, "dead first URL: the second core served all $n verify calls");
    ok(scalar log_lines($mark, qr{127\.0\.0\.1:$port{CLOSED}\b}, qr/refused|unreachable/i),
       'dead first URL: the log names it');
}

# --- https cores -----------------------------------------------------------------------------------
{
    vhost('cc_tls');   # SuperTokensCoreCA names the private CA
    Apache::TestRequest::user_agent(reset => 1, keep_alive => 1);   # one child (see above)
    core_ctl('reset', {}, port => $A);
    my $n = 5;
    my $ok = grep { bearer('/checkdb/env.cgi', $tok_a)->code == 200 } 1 .. $n;
    is($ok, $n, 'https core, certificate from the CA named by SuperTokensCoreCA: accepted');
    is(verify_count($A), $n, 'https: the calls reached the core through TLS');
    cmp_ok(stats($A)->{connectionsUsed}, '<=', 2, 'https: connections are kept alive too');
    Apache::TestRequest::user_agent(reset => 1);

    for my $case (['cc_tls_noca', 'no SuperTokensCoreCA (system store)'],
                  ['cc_tls_otherca', 'SuperTokensCoreCA naming another certificate'],
                  ['cc_tls_wrong', 'a certificate for another host name', qr/mismatch/i]) {
        my ($name, $what, $extra) = @$case;
        vhost($name);
        core_ctl('reset', {}, port => $A);
        my $mark = log_mark();
        $r = bearer('/checkdb/env.cgi', $tok_a);
        unreachable_json($r, "https, $what");
        ok(scalar log_lines($mark, qr/certificate verif/i, $extra // qr/./),
           "https, $what: the log says the certificate did not verify");
        is(verify_count($A), 0, "https, $what: nothing was sent to the core");
    }
}

# --- api-key --------------------------------------------------------------------------------------
{
    vhost('cc_badkey');   # SuperTokensAPIKey $WRONG_KEY, the core wants $API_KEY
    my $sk = create_session(user => 'cc-user-key', port => $port{KEY});
    core_ctl('reset', {}, port => $port{KEY});
    my $mark = log_mark();
    $r = bearer('/protected/env.cgi', $sk->{accessToken}{token});
    is($r->code, 500, 'wrong api-key: 500 (the core refused us; not "unreachable")');
    ok(defined((json_of($r) // {})->{message}), 'wrong api-key: a JSON message');
    ok(scalar log_lines($mark, qr/\[supertokens:error\]/, qr/Invalid API key/), 'wrong api-key: the log says "Invalid API key"');
    my $seen = requests($port{KEY}, '/')->[0] // {};
    is($seen->{headers}{'api-key'}, $WRONG_KEY, 'the module sent its configured api-key');
    $r = bearer('/checkdb/env.cgi', $sk->{accessToken}{token});
    is($r->code, 500, 'wrong api-key, checkDatabase: 500');

    # the key changed at the core while the module runs: the verify call is refused
    vhost('cc');
    core_ctl('reset', {}, port => $A);
    core_ctl('config', { apiKey => $ROTATED_KEY }, port => $A);
    $mark = log_mark();
    $r = bearer('/checkdb/env.cgi', $tok_a);
    is($r->code, 500, 'api-key changed at the core: 500');
    ok(defined((json_of($r) // {})->{message}), 'api-key changed at the core: a JSON message');
    ok(scalar log_lines($mark, qr/\[supertokens:error\]/, qr/Invalid API key/), 'api-key changed at the core: the log says "Invalid API key"');
    core_ctl('reset', {}, port => $A);   # the configured key again
    is(eventually_200('/checkdb/env.cgi', $tok_a, 4)->code, 200, 'api-key right again: 200');
}

# --- a core without CDI 5.4 ----------------------------------------------------------------------
{
    vhost('cc_oldcdi');
    core_ctl('reset', {}, port => $port{OLD});
    my $mark = log_mark();
    $r = bearer('/protected/env.cgi', $tok_a);
    is($r->code, 500, 'core offering CDI <= 5.3: 500 (a configuration error, not an outage)');
    ok(defined((json_of($r) // {})->{message}), 'core offering CDI <= 5.3: a JSON message');
    ok(scalar log_lines($mark, qr/\[supertokens:error\]/, qr/not compatible/i, qr/5\.4/),
       'core offering CDI <= 5.3: the log says the versions are not compatible');
    my $paths = stats($port{OLD})->{paths};
    ok($paths->{'GET /apiversion'}, 'the module asked GET /apiversion');
    # protocol.md §3.1: only the api-key header, the two domains in the query
    my $av = last_request($port{OLD}, '/apiversion');
    is($av->{headers}{'api-key'}, $API_KEY, '/apiversion carries the api-key');
    ok(!exists $av->{headers}{'cdi-version'}, '/apiversion carries no cdi-version');
    ok(!exists $av->{headers}{rid}, '/apiversion carries no rid');
    my ($vport) = Apache::TestRequest::hostport() =~ /:(\d+)$/;   # of vhost cc_oldcdi
    is_deeply($av->{query}, { apiDomain => "http://localhost:$vport", websiteDomain => 'http://localhost:3000' },
              '/apiversion query: the SuperTokensAPIDomain and SuperTokensWebsiteDomain');
    is_deeply([grep { $_ ne 'GET /apiversion' } sort keys %$paths], [],
              'nothing else was asked of a core without a common CDI version');
}

# --- the error log never holds an api-key, and nothing crashed ------------------------------------
{
    my $all = do { open my $fh, '<', $error_log or die "$error_log: $!"; local $/; <$fh> };
    unlike($all, qr/\Q$API_KEY\E/, 'the configured api-key is never logged');
    unlike($all, qr/\Q$WRONG_KEY\E/, 'the wrong api-key is never logged');
    unlike(log_since($log_start), qr/exit signal|Segmentation fault|AH00052/, 'no httpd child crashed');
    Apache::TestRequest::module('default');
    is(GET('/public/index.html')->code, 200, 'the server still answers');
}

done_testing();

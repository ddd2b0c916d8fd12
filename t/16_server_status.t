# server-status (mod_status, loaded by t/conf/apache2.conf; t/conf/operations.conf.in maps
# /server-status): the SuperTokens section, in HTML and as "Name: value" lines with ?auto.
# The counters live in shared memory and are summed over every process: each request below
# goes over a new connection, so several httpd processes serve them, and the counters still
# move by exactly the number of requests made.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest qw(GET POST);
use JSON::PP ();
use Time::HiRes qw(sleep time);
use lib 't/lib';
use STTest qw(create_session forge);

my $json = JSON::PP->new->canonical;

sub status {
    my $r = GET '/server-status?auto', Connection => 'close';
    die 'server-status: ' . $r->code unless $r->code == 200;
    return { map { /^(SuperTokens\w+): (\S+)$/ ? ($1 => $2) : () } split /\n/, $r->content };
}
sub moved {
    my ($before, $after, $name) = @_;
    return ($after->{$name} // 0) - ($before->{$name} // 0);
}
sub get { GET($_[0], Connection => 'close', @_[1 .. $#_]) }
sub api {
    my ($path, $body) = @_;
    return POST $path, 'Content-Type' => 'application/json', rid => 'emailpassword', Connection => 'close',
        content => $json->encode($body);
}
sub form { my %f = @_; return { formFields => [map { { id => $_, value => $f{$_} } } sort keys %f] } }

# --- the section is there, in both forms ---------------------------------------------------------
my $s0 = status();
for my $name (qw(SuperTokensVerifyOK SuperTokensVerifyTryRefresh SuperTokensVerifyUnauthorised
                 SuperTokensVerifyCoreError SuperTokensVerifyCacheHits SuperTokensRefreshOK
                 SuperTokensRefreshTokenTheft SuperTokensSignInOK SuperTokensSignInWrongCredentials
                 SuperTokensSignUpOK SuperTokensSignUpRefused SuperTokensCoreCalls2xx
                 SuperTokensCoreCallsUnreachable SuperTokensCoreCalls SuperTokensCoreCallAvgMs
                 SuperTokensJWKSFetchesOK SuperTokensJWKSFetchesFailed)) {
    ok(defined $s0->{$name}, "?auto has $name");
}
{
    my $html = get('/server-status')->content;
    like($html, qr{<h2>SuperTokens</h2>}, 'the HTML page has a SuperTokens section');
    like($html, qr{Verification cache</th></tr>\s*<tr><td>SuperTokensVerifyCacheHits</td><td align="right">\d+</td></tr>\s*<tr><td>SuperTokensVerifyCacheMisses</td>},
         'HTML: the verification cache (on by default) shows its hits and misses');
    is($s0->{SuperTokensVerifyCacheEnabled}, 1, '?auto: SuperTokensVerifyCacheEnabled 1 (SuperTokensVerifyCache defaults to 4096)');
}

# --- verifications by outcome --------------------------------------------------------------------
my $session = create_session(user => 'status-user');
my $tok = $session->{accessToken}{token};
{
    my $before = status();
    my $n = 30;
    my $ok = grep { get('/protected-cgi/env.cgi', Authorization => "Bearer $tok")->code == 200 } 1 .. $n;
    is($ok, $n, "$n protected requests with a session: 200");
    my $bad = $tok;   # one character in the middle of the signature: it no longer verifies
    substr($bad, -40, 1) = substr($bad, -40, 1) eq 'A' ? 'B' : 'A';
    is(get('/protected-cgi/env.cgi', Authorization => "Bearer $bad")->code, 401, 'a bad signature: 401') for 1 .. 2;
    is(get('/protected-cgi/env.cgi')->code, 401, 'no session: 401') for 1 .. 3;
    is(get('/optional/env.cgi')->code, 200, 'optional session, none sent: 200');
    my $after = status();
    is(moved($before, $after, 'SuperTokensVerifyOK'), $n, "VerifyOK moved by $n, summed over the processes");
    is(moved($before, $after, 'SuperTokensVerifyTryRefresh'), 2, 'VerifyTryRefresh moved by 2');
    is(moved($before, $after, 'SuperTokensVerifyUnauthorised'), 3, 'VerifyUnauthorised moved by 3');
    is(moved($before, $after, 'SuperTokensVerifyAnonymous'), 1, 'VerifyAnonymous moved by 1');
    is(moved($before, $after, 'SuperTokensVerifyCoreError'), 0, 'VerifyCoreError did not move');
}

# --- sign-in, sign-up, refresh, reset ----------------------------------------------------------------
{
    my $email = 'status' . int(rand(1e9)) . '@example.com';
    my $before = status();
    api('/auth/signup', form(email => $email, password => 'abcd1234'));
    api('/auth/signup', form(email => $email, password => 'abcd1234'));
    api('/auth/signin', form(email => $email, password => 'abcd1234'));
    api('/auth/signin', form(email => $email, password => 'wrong1234')) for 1 .. 2;
    api('/auth/user/password/reset/token', form(email => $email));
    my $r = POST '/auth/session/refresh', rid => 'session', content => '', Connection => 'close',
        Authorization => "Bearer $session->{refreshToken}{token}";
    is($r->code, 200, 'a refresh: 200');
    $r = POST '/auth/session/refresh', rid => 'session', content => '', Connection => 'close',
        Authorization => 'Bearer not-a-refresh-token';
    is($r->code, 401, 'a refresh with an unknown token: 401');
    my $after = status();
    is(moved($before, $after, 'SuperTokensSignUpOK'), 1, 'SignUpOK moved by 1');
    is(moved($before, $after, 'SuperTokensSignUpRefused'), 1, 'SignUpRefused moved by 1');
    is(moved($before, $after, 'SuperTokensSignInOK'), 1, 'SignInOK moved by 1');
    is(moved($before, $after, 'SuperTokensSignInWrongCredentials'), 2, 'SignInWrongCredentials moved by 2');
    is(moved($before, $after, 'SuperTokensPasswordResetRequests'), 1, 'PasswordResetRequests moved by 1');
    is(moved($before, $after, 'SuperTokensRefreshOK'), 1, 'RefreshOK moved by 1');
    is(moved($before, $after, 'SuperTokensRefreshUnauthorised'), 1, 'RefreshUnauthorised moved by 1');
    # sign-up: user + session; sign-up refused: 1; sign-in: 2; wrong: 2; refresh: 2 (+ the
    # reset's lookup on the delivery thread, which may not have run yet)
    my $calls = moved($before, $after, 'SuperTokensCoreCalls');
    ok($calls >= 9, "core calls moved with them ($calls)");
    is(moved($before, $after, 'SuperTokensCoreCalls2xx'), $calls, 'all of them 2xx');
    ok(moved($before, $after, 'SuperTokensCoreCallMicroseconds') > 0, 'their time was added');
    ok($after->{SuperTokensCoreCallAvgMs} > 0, "average core call: $after->{SuperTokensCoreCallAvgMs} ms");
}

# --- core calls that fail, JWKS fetches -------------------------------------------------------------
{
    my $before = status();
    Apache::TestRequest::module('api_dead_core');
    is(api('/auth/signin', form(email => 'x@example.com', password => 'abcd1234'))->code, 503, 'dead core: 503');
    Apache::TestRequest::module('cc_badkey');
    is(api('/auth/signin', form(email => 'x@example.com', password => 'abcd1234'))->code, 500, 'core refusing the API key: 500');
    Apache::TestRequest::module('default');
    my $after = status();
    is(moved($before, $after, 'SuperTokensCoreCallsUnreachable'), 1, 'CoreCallsUnreachable moved by 1');
    is(moved($before, $after, 'SuperTokensCoreCallsFailed'), 1, 'CoreCallsFailed (refused at the version check) moved by 1');

    # a kid the cached key set lacks forces a fetch (after the 500 ms cooldown)
    sleep 0.6;
    $before = status();
    my $now = int(time);
    my $unknown = forge(key => 'foreign', header => { kid => 'd-status-unknown', typ => 'JWT', version => '5', alg => 'RS256' },
                        payload => { sub => 'x', iat => $now, exp => $now + 600, sessionHandle => 'h', tId => 'public',
                                     rsub => 'x', refreshTokenHash1 => 'a' x 64, parentRefreshTokenHash1 => undef,
                                     antiCsrfToken => undef });
    is(get('/protected-cgi/env.cgi', Authorization => "Bearer $unknown")->code, 401, 'unknown kid: 401');
    $after = status();
    is(moved($before, $after, 'SuperTokensJWKSFetchesOK'), 1, 'JWKSFetchesOK moved by 1');
    is(moved($before, $after, 'SuperTokensJWKSFetchesFailed'), 0, 'JWKSFetchesFailed did not move');
}

done_testing();

# Operations (README "Operations"): the start-up line, the start-up check of every core
# (t/conf/core_client.conf.in has a wrong key, an old core and a closed port; api_dead_core
# in extra.conf.in points at port 9), the API's answer when the core refuses the module's
# API key, one log line per account event (failed sign-in, refused sign-up, reset request,
# token theft, refused claims) that never holds a password or token, the fail2ban filter and
# jail of conf/fail2ban run by Debian's fail2ban against this suite's error log, and the
# request-time warning for AuthType SuperTokens without a Require (t/conf/operations.conf.in).
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest qw(GET POST);
use File::Temp qw(tempdir);
use File::Copy qw(copy);
use JSON::PP ();
use lib 't/lib';
use STTest qw(create_session);

my $json = JSON::PP->new->canonical;
my $error_log = Apache::Test::vars('t_logs') . '/error_log';
my $port = Apache::Test::vars('port');

sub log_text {
    my ($from) = @_;
    open my $fh, '<', $error_log or die "$error_log: $!";
    seek $fh, $from // 0, 0;
    local $/;
    my $t = <$fh> // '';
    close $fh;
    return $t;
}
sub log_mark { -s $error_log // 0 }
sub lines_of { my ($text, $re) = @_; return grep { /$re/ } split /\n/, $text }
sub json_of { my ($r) = @_; return eval { JSON::PP::decode_json($r->content) } }
sub api {
    my ($path, $body, @h) = @_;
    return POST $path, 'Content-Type' => 'application/json', rid => 'emailpassword', @h,
        content => $json->encode($body);
}
sub form { my %f = @_; return { formFields => [map { { id => $_, value => $f{$_} } } sort keys %f] } }
# waits (at most 5 s) until the log since $mark has a line matching $re
sub wait_log {
    my ($mark, $re) = @_;
    for (1 .. 100) {
        my @l = lines_of(log_text($mark), $re);
        return @l if @l;
        select undef, undef, undef, 0.05;
    }
    return ();
}

# --- the start-up line: version, OpenSSL, RSA path ----------------------------------------------
my $all = log_text(0);
my @starts = lines_of($all, qr/AH10475: /);
ok(scalar @starts >= 1, 'a start-up line at every start') or diag "no AH10475 in $error_log";
{
    my ($version) = do { open my $fh, '<', 'src/config/version.h' or die $!; local $/; <$fh> }
        =~ /#define ST_MODULE_VERSION "([^"]+)"/;
    my ($openssl) = `openssl version` =~ /^(OpenSSL \S+)/;
    # under make test-valgrind the CPU httpd sees is valgrind's, which has no AVX-512
    my $ifma = !$ENV{ST_VALGRIND_DIR}
        && do { open my $fh, '<', '/proc/cpuinfo' or die $!; local $/; <$fh> } =~ /\bavx512ifma\b/;
    like($starts[0], qr/\[supertokens:notice\].*AH10475: mod_supertokens\/\Q$version\E configured/,
         "start-up line: notice, the version of src/config/version.h ($version)");
    like($starts[0], qr/\Q$openssl\E/, "start-up line: the OpenSSL version ($openssl)");
    like($starts[0], $ifma ? qr/RS256 checks with AVX-512 IFMA/ : qr/RS256 checks with OpenSSL \(this CPU has no AVX-512 IFMA\)/,
         'start-up line: the RSA path this CPU takes');
}

# --- the start-up check: one line per core URL and problem, at every start ------------------------
{
    my $n = scalar @starts;
    my %p = map { $_ => $ENV{"ST_CC_${_}_PORT"} } qw(A KEY OLD CLOSED);
    my @key = lines_of($all, qr/AH10477: core check: SuperTokensAPIKey is refused by http:\/\/127\.0\.0\.1:$p{KEY} /);
    is(scalar @key, $n, 'wrong API key (vhost cc_badkey): one line per start');
    like($key[0] // '', qr/\[supertokens:error\].*401 Invalid API key\): set it to one of the core's API keys/,
         'wrong API key: error level, the core\'s words and the fix');
    my @cdi = lines_of($all, qr/AH10478: core check: the core at http:\/\/127\.0\.0\.1:$p{OLD} does not speak CDI 5\.4/);
    is(scalar @cdi, $n, 'core without CDI 5.4 (vhost cc_oldcdi): one line per start');
    like($cdi[0] // '', qr/\[supertokens:error\].*offers \[.*"5\.3"\].*use SuperTokens core 11\.3 or newer/,
         'old core: error level, what it offers and the fix');
    my @dead = lines_of($all, qr/AH10476: core check: SuperTokensConnectionURI http:\/\/127\.0\.0\.1:9 is not reachable/);
    is(scalar @dead, $n, 'unreachable core (vhost api_dead_core): one line per start');
    like($dead[0] // '', qr/\[supertokens:warn\].*Connection refused/, 'unreachable core: warn level, the reason');
    is(scalar(lines_of($all, qr/AH10476: .*http:\/\/127\.0\.0\.1:$p{CLOSED} is not reachable/)), $n,
       'the dead first URL of cc_failover: one line per start');
    # double A serves two vhosts with the same key: asked once
    is(scalar(lines_of($all, qr/AH10480: core check: the core at http:\/\/127\.0\.0\.1:$p{A} is reachable, accepts the API key and speaks CDI 5\.4/)),
       $n, 'a core shared by two vhosts (cc, cc_slow) is checked once per start, and passes');
    is(scalar(lines_of($all, qr/AH1047[6-9]: .*127\.0\.0\.1:$ENV{ST_CORE_PORT}\b/)), 0,
       'the main core (right key, CDI 5.4): no problem line');
}

# --- the API when the core refuses the module's API key: 500, not "unreachable" -----------------
{
    Apache::TestRequest::module('cc_badkey');
    my $r = api('/auth/signin', form(email => 'key@example.com', password => 'abcd1234'));
    is($r->code, 500, 'sign-in, core refuses our API key: 500 (supertokens-node answers 500 for core errors)');
    is_deeply(json_of($r), { message => 'the SuperTokens core answered with an error' },
              'sign-in, core refuses our API key: not the "not reachable" message');
    Apache::TestRequest::module('api_dead_core');
    $r = api('/auth/signin', form(email => 'key@example.com', password => 'abcd1234'));
    is($r->code, 503, 'sign-in, core unreachable: 503');
    is_deeply(json_of($r), { message => 'the SuperTokens core is not reachable' }, 'sign-in, core unreachable: its message');
    Apache::TestRequest::module('default');
}

# --- account events: one notice/warn line each, with the client and the account ----------------
my $mark = log_mark();
my $email = 'ops' . int(rand(1e9)) . '@example.com';
my $password = 'Right-pass-' . int(rand(1e9)) . 'x1';
my @wrong = map { "Wrong-pass-$_-" . int(rand(1e9)) } 1 .. 3;
my $stranger = 'nobody' . int(rand(1e9)) . '@example.com';
my $user_id;
{
    my $r = api('/auth/signup', form(email => $email, password => $password));
    $user_id = (json_of($r) // {})->{user}{id};
    ok($user_id, 'sign-up: a user') or diag $r->content;
    for my $w (@wrong) {
        is((json_of(api('/auth/signin', form(email => $email, password => $w))) // {})->{status},
           'WRONG_CREDENTIALS_ERROR', 'wrong password: WRONG_CREDENTIALS_ERROR');
    }
    is((json_of(api('/auth/signin', form(email => $stranger, password => $wrong[0]))) // {})->{status},
       'WRONG_CREDENTIALS_ERROR', 'unknown email: WRONG_CREDENTIALS_ERROR');
    is((json_of(api('/auth/signin', form(email => $email, password => $password))) // {})->{status},
       'OK', 'right password: OK');
    is((json_of(api('/auth/signup', form(email => $email, password => $password))) // {})->{status},
       'FIELD_ERROR', 'sign-up again: refused');
    is((json_of(api('/auth/user/password/reset/token', form(email => $email))) // {})->{status},
       'OK', 'reset link requested');
}
my $theft_user = 'ops-theft-' . int(rand(1e9));
{
    my $t = create_session(user => $theft_user, claims => { iss => "http://localhost:$port/auth" });
    my $old = $t->{refreshToken}{token};
    my $refresh = sub { POST '/auth/session/refresh', rid => 'session', content => '', Authorization => "Bearer $_[0]" };
    my $mid = $refresh->($old)->header('st-refresh-token');
    $refresh->($mid);
    is($refresh->($old)->content, '{"message":"token theft detected"}', 'token theft set up');
}
my $claims_user = 'ops-claims-' . int(rand(1e9));
{
    my $s = create_session(user => $claims_user, claims => { 'st-role' => { v => ['editor'], t => time * 1000 } });
    my $r = GET '/authz/role/env.cgi', Authorization => "Bearer $s->{accessToken}{token}", Accept => 'application/json';
    is($r->code, 403, 'claims refused: 403');
}
wait_log($mark, qr/AH10471: .*password-reset link requested/);
my $events = log_text($mark);
{
    my @f = lines_of($events, qr/AH10470: /);
    is(scalar @f, 4, 'four failed sign-ins, four AH10470 lines');
    is(scalar(grep { /^\[[^\]]+\] \[supertokens:notice\] \[pid \d+:tid \d+\] \[client 127\.0\.0\.1:\d+\] AH10470: user "\Q$email\E": SuperTokens sign-in failed for "\/auth\/signin" \(tenant public\): wrong credentials, from 127\.0\.0\.1$/ } @f),
       3, 'failed sign-in: notice, [client <address>], the email as the user, the URL, the address again');
    is(scalar(grep { /user "\Q$stranger\E": SuperTokens sign-in failed/ } @f), 1, 'failed sign-in of an unknown email: logged the same way');
    is(scalar(lines_of($events, qr/\[supertokens:notice\].*\[client 127\.0\.0\.1:\d+\] AH10471: user "\Q$email\E": SuperTokens sign-up refused: the email already exists \(tenant public\), from 127\.0\.0\.1$/)),
       1, 'refused sign-up: one notice line with the email');
    is(scalar(lines_of($events, qr/\[supertokens:notice\].*AH10471: user "\Q$email\E": SuperTokens password-reset link requested \(tenant public\), from 127\.0\.0\.1$/)),
       1, 'reset request: one notice line with the email');
    is(scalar(lines_of($events, qr/\[supertokens:warn\].*\[client 127\.0\.0\.1:\d+\] AH10076: user "\Q$theft_user\E": SuperTokens refresh token theft detected, revoking the session, from 127\.0\.0\.1$/)),
       1, 'token theft: one warn line with the user id');
    is(scalar(lines_of($events, qr/\[supertokens:notice\].*\[client 127\.0\.0\.1:\d+\] AH10474: user "\Q$claims_user\E": SuperTokens claims refused for "\/authz\/role\/env\.cgi": st-role, from 127\.0\.0\.1$/)),
       1, 'refused claims: one notice line with the user id and the claim');
    unlike($events, qr/\Q$password\E|Wrong-pass-/, 'no password in the log');
    unlike($events, qr/eyJ[\w-]{20,}\.[\w-]{20,}/, 'no token in the log');
}

# --- fail2ban: Debian's fail2ban-regex with conf/fail2ban's filter, on this suite's error log ---
{
    my $dir = tempdir(CLEANUP => 1);
    mkdir "$dir/filter.d" or die $!;
    # the filter includes apache-common.conf (and it common.conf), as installed next to it
    copy("/etc/fail2ban/filter.d/$_", "$dir/filter.d/$_") or die "/etc/fail2ban/filter.d/$_: $!"
        for qw(common.conf apache-common.conf);
    copy('conf/fail2ban/filter.d/apache-supertokens.conf', "$dir/filter.d/") or die $!;
    my $segment = "$dir/segment.log";
    open my $fh, '>', $segment or die $!;
    print $fh $events;
    close $fh;
    my $out = `fail2ban-regex $segment $dir/filter.d/apache-supertokens.conf 2>&1`;
    my ($lines, $matched) = $out =~ /^Lines: (\d+) lines, \d+ ignored, (\d+) matched/m;
    diag "fail2ban-regex on the events above: " . ($out =~ /^(Lines: .*)$/m)[0];
    ok(($lines // 0) > 10, 'the events\' log has lines of many kinds') or diag $out;
    is($matched, 4, 'fail2ban-regex matches the 4 failed sign-ins and nothing else (sign-up, reset, theft, claims, core lines)');

    $out = `fail2ban-regex --print-all-matched $error_log $dir/filter.d/apache-supertokens.conf 2>&1`;
    ($lines, $matched) = $out =~ /^Lines: (\d+) lines, \d+ ignored, (\d+) matched/m;
    diag "fail2ban-regex on the whole error log: " . ($out =~ /^(Lines: .*)$/m)[0];
    my $failed = () = log_text(0) =~ /AH10(?:470|650): user "[^\n]*": SuperTokens sign-in failed/g;
    is($matched, $failed, "the whole suite's error log: every failed sign-in line matches ($failed)");
    my ($block) = $out =~ /\|- Matched line\(s\):\n(.*?)\n`-/s;
    is(scalar(grep { !/AH10(?:470|650): / } grep { /^\|\s+\[/ } split /\n/, $block // ''), 0, 'and only those lines');
    ok($out =~ /\[client 127\.0\.0\.1:\d+\] AH10470/, 'the banned address is the [client] field');

    # the jail, with the filter, in a copy of the system's configuration
    my $cfg = "$dir/etc";
    system('cp', '-r', '/etc/fail2ban', $cfg) == 0 or die "cp /etc/fail2ban: $?";
    unlink glob "$cfg/jail.d/*";
    copy('conf/fail2ban/filter.d/apache-supertokens.conf', "$cfg/filter.d/") or die $!;
    copy('conf/fail2ban/jail.d/apache-supertokens.conf', "$cfg/jail.d/") or die $!;
    open $fh, '>', "$cfg/jail.d/zz-test.local" or die $!;
    print $fh "[apache-supertokens]\nlogpath = $error_log\nbackend = polling\n";
    close $fh;
    $out = `fail2ban-client -c $cfg -t 2>&1`;
    like($out, qr/OK: configuration test is successful/, 'fail2ban-client accepts the jail') or diag $out;
    like(`fail2ban-client -c $cfg -d 2>&1`, qr/\['add', 'apache-supertokens'/, 'the jail is enabled');
}

# --- AuthType SuperTokens without a Require ----------------------------------------------------
{
    my @w = lines_of($all, qr/AH10482: AuthType SuperTokens \(\S*operations\.conf:\d+\) has no Require line/);
    ok(scalar @w >= 1, 'start-up: AuthType SuperTokens without a Require of its own is reported with its file and line');
    my $m = log_mark();
    my $s = create_session(user => 'ops-norequire');
    my $n = 20;
    my $ok = grep { GET('/ops-norequire/index.html', Authorization => "Bearer $s->{accessToken}{token}",
                        Connection => 'close')->code == 200 } 1 .. $n;
    is($ok, $n, 'the location is public: the Require all granted around it decides, no session is checked');
    my @r = lines_of(log_text($m), qr/AH10484: AuthType SuperTokens applies to \/ops-norequire\/index\.html, but no Require line/);
    ok(scalar @r >= 1, 'request time: a warning (' . scalar(@r) . " line(s) for $n requests)");
    my %pids;
    $pids{$_}++ for map { /\[pid (\d+)/ ? $1 : () } @r;
    is(scalar(grep { $_ > 1 } values %pids), 0, 'request time: at most once per process');
    like($r[0] // '', qr/\[supertokens:warn\]/, 'request time: warn level');
}

done_testing();

# tools/supertokens-admin (issue 16) against the core double the suite runs: it drives a user
# from creation to a role grant to access through the module (Require supertokens-role staff on
# the claims_admin virtual host of t/conf/claims.conf.in), marks an email verified, finds and
# lists users, revokes sessions; it refuses malformed emails, role names, tenants and weak
# passwords before calling the core, never prints the API key or the password, and says clearly
# when the core cannot be reached or refuses the key.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use LWP::UserAgent ();
use HTTP::Request ();
use IPC::Open3 qw(open3);
use Symbol qw(gensym);
use JSON::PP ();
use Time::HiRes qw(sleep);
use lib 't/lib';
use STTest qw(core jwt_payload cookies_of);

my $TOOL = 'tools/supertokens-admin';
my $KEY = $STTest::API_KEY;
my $CORE = "http://127.0.0.1:$ENV{ST_CORE_PORT}";
my $run = int(rand(1e9));
my $json = JSON::PP->new->canonical;
my $ua = LWP::UserAgent->new(timeout => 30);
Apache::TestRequest::module('claims_admin');
my $base = 'http://' . Apache::TestRequest::hostport();
Apache::TestRequest::module('default');

# admin($stdin, @args) -> (exit code, stdout, stderr); the core and key come from the
# environment unless %ENV is changed with local.
sub admin {
    my ($stdin, @args) = @_;
    local $ENV{ST_CONNECTION_URI} = $ENV{ST_CONNECTION_URI} // $CORE;
    local $ENV{ST_API_KEY} = $ENV{ST_API_KEY} // $KEY;
    my $err = gensym;
    my $pid = open3(my $in, my $out, $err, $^X, $TOOL, @args);
    print $in $stdin if defined $stdin;
    close $in;
    my $o = do { local $/; <$out> } // '';
    my $e = do { local $/; <$err> } // '';
    waitpid $pid, 0;
    return ($? >> 8, $o, $e);
}
# core requests so far, to show a refusal called nothing
sub core_requests { my $r = core('GET', '/__test/requests')->{requests} || []; return @$r ? $r->[-1]{seq} : 0 }

sub signin {
    my ($email, $pw) = @_;
    my $r = $ua->request(HTTP::Request->new(POST => "$base/auth/signin",
        ['Content-Type' => 'application/json', rid => 'emailpassword', 'st-auth-mode' => 'cookie'],
        $json->encode({ formFields => [{ id => 'email', value => $email }, { id => 'password', value => $pw }] })));
    my ($at) = map { /^sAccessToken=([^;]+)/ ? $1 : () } cookies_of($r);
    my ($rt) = map { /^sRefreshToken=([^;]+)/ ? $1 : () } cookies_of($r);
    return ($r, $at, $rt);
}
sub get_app {
    my ($at) = @_;
    return $ua->request(HTTP::Request->new(GET => "$base/c/env.cgi", [Accept => 'application/json', Cookie => "sAccessToken=$at"]));
}

my $email = "tool.$run\@example.com";
my $pw = "Secret-$run-pw1";

# --- from creation to a role grant to access ----------------------------------------------------
my ($rc, $out, $err) = admin(undef, 'role', 'create', 'staff', 'docs', 'wiki');
is($rc, 0, 'role create: exit 0') or diag $err;
like($out, qr/^(?:created role staff|role staff exists); permissions: docs wiki$/m, 'role create: says so');
is_deeply(core('GET', '/recipe/role/permissions?role=staff', undef, rid => 'userroles')->{permissions}, ['docs', 'wiki'],
          'role create: the core has the role and its permissions');

($rc, $out, $err) = admin("$pw\n", 'user', 'create', $email);
is($rc, 0, 'user create (password on stdin): exit 0') or diag $err;
my ($user_id) = $out =~ /^created\t(\S+)\t\Q$email\E\t/m;
ok($user_id, 'user create: prints the new user') or diag $out;
unlike($out . $err, qr/\Q$pw\E/, 'user create: the password is never printed');
my ($res, $at) = signin($email, $pw);
is($res->code, 200, 'the new user signs in through the module');
is(get_app($at)->code, 403, 'without the role: Require supertokens-role staff refuses');

($rc, $out, $err) = admin(undef, 'role', 'grant', $email, 'staff');
is($rc, 0, 'role grant by email: exit 0') or diag $err;
like($out, qr/^granted role staff to \Q$user_id\E$/m, 'role grant: says so');
my ($res2, $at2) = signin($email, $pw);
is_deeply(jwt_payload($at2)->{'st-role'}{v}, ['staff'], 'a new sign-in carries the role');
my $app = get_app($at2);
is($app->code, 200, 'and Require supertokens-role staff grants');
is(JSON::PP::decode_json($app->content)->{REMOTE_USER}, $user_id, 'the application sees the user');
sleep 1.2;
is(get_app($at)->code, 200, 'the older session gets the role too, once its claim is older than the max age');

($rc, $out, $err) = admin(undef, 'role', 'grant', $user_id, 'staff');
is($rc, 0, 'role grant by user id: exit 0');
like($out, qr/already has role staff/, 'role grant again: already has it');
($rc, $out, $err) = admin(undef, 'role', 'list');
like($out, qr/^staff\tdocs,wiki$/m, 'role list: the role and its permissions');

# --- find, list, verify --------------------------------------------------------------------------
($rc, $out) = admin(undef, 'user', 'find', uc $email);
like($out, qr/^\Q$user_id\E\t\Q$email\E\t\d{4}-\d\d-\d\dT[\d:]+Z\tunverified\tpublic$/m, 'user find: the user (email case-insensitive)');
($rc, $out) = admin(undef, 'user', 'list');
like($out, qr/^\Q$user_id\E\t\Q$email\E\t/m, 'user list: the user is listed');
($rc, $out, $err) = admin(undef, 'email', 'verify', $email);
is($rc, 0, 'email verify: exit 0') or diag $err;
like($out, qr/^verified \Q$email\E/m, 'email verify: says so');
is(core('GET', "/recipe/user/email/verify?userId=$user_id&email=" . ($email =~ s/\@/%40/r), undef, rid => 'emailverification')->{isVerified},
   JSON::PP::true, 'email verify: the core has the email verified');
($rc, $out) = admin(undef, 'email', 'verify', $user_id);
like($out, qr/already verified/, 'email verify again: already verified');

# --- session revoke ------------------------------------------------------------------------------
my (undef, undef, $rt) = signin($email, $pw);
($rc, $out, $err) = admin(undef, 'session', 'revoke', $email);
is($rc, 0, 'session revoke: exit 0') or diag $err;
like($out, qr/^revoked [1-9]\d* session\(s\) of \Q$user_id\E$/m, 'session revoke: counts the sessions');
my $refresh = $ua->request(HTTP::Request->new(POST => "$base/auth/session/refresh", [Cookie => "sRefreshToken=$rt", rid => 'session']));
is($refresh->code, 401, 'a revoked session cannot refresh');

# --- refused before calling the core ----------------------------------------------------------------
my @refused = (
    [undef, ['user', 'create', 'not-an-email'], qr/'not-an-email' is not a valid email address/],
    ["$pw\n", ['user', 'create', 'a@b@example.com'], qr/is not a valid email address/],
    ["short1\n", ['user', 'create', "weak.$run\@example.com"], qr/Password must contain at least 8 characters, including a number/],
    ["abcdefghij\n", ['user', 'create', "weak.$run\@example.com"], qr/Password must contain at least one number/],
    [undef, ['role', 'create', 'two words'], qr/'two words' is not a valid role name/],
    [undef, ['role', 'create', 'staff', "bad\tperm"], qr/is not a valid permission name/],
    [undef, ['role', 'create', 'x' x 256], qr/is not a valid role name/],
    [undef, ['role', 'grant', 'nobody@', 'staff'], qr/'nobody\@' is not a valid email address/],
    [undef, ['role', 'grant', $email, ''], qr/a role name is missing/],
    [undef, ['--tenant', 'appid-x', 'user', 'list'], qr/'appid-x' is not a valid tenant id/],
    [undef, ['--core', 'ftp://x', 'user', 'list'], qr/'ftp:\/\/x' is not an http:\/\/ or https:\/\/ URL/],
    [undef, ['user', 'create', "p.$run\@example.com", '--password=x'], qr/Unknown option|usage: user create EMAIL/],
    [undef, ['frobnicate', 'now'], qr/unknown command 'frobnicate now'/],
);
for my $case (@refused) {
    my ($stdin, $args, $want) = @$case;
    my $before = core_requests();
    my ($c, $o, $e) = admin($stdin, @$args);
    is($c, 1, "refused (exit 1): @$args");
    like($e, $want, "refused with a clear message: @$args") or diag $e;
    is(core_requests(), $before, "refused before calling the core: @$args");
}

# --- the core's answers ------------------------------------------------------------------------------
($rc, $out, $err) = admin(undef, 'role', 'grant', $email, "ghost$run");
is($rc, 2, 'granting an unknown role: exit 2');
like($err, qr/no role ghost\Q$run\E \(create it with: supertokens-admin role create ghost\Q$run\E\)/, 'unknown role: says how to create it');
($rc, $out, $err) = admin(undef, 'user', 'find', "nobody.$run\@example.com");
is($rc, 2, 'finding an unknown email: exit 2');
($rc, $out, $err) = admin("$pw\n", 'user', 'create', $email);
is($rc, 2, 'creating an existing user: exit 2');
like($err, qr/already exists/, 'existing user: says so');
{
    local $ENV{ST_API_KEY} = "wrong-key-$run";
    ($rc, $out, $err) = admin(undef, 'user', 'list');
}
is($rc, 4, 'a wrong API key: exit 4');
like($err, qr/refused the API key \(HTTP 401: Invalid API key\)/, 'a wrong API key: the core\'s answer, clearly');
unlike($out . $err, qr/wrong-key-\Q$run\E/, 'a wrong API key: the key is not printed');
{
    open my $fh, '>', "t/logs/admin-key-$run" or die $!;
    print $fh "$KEY\n";
    close $fh;
    local $ENV{ST_API_KEY} = 'not-this-one';
    ($rc, $out, $err) = admin(undef, '--api-key-file', "t/logs/admin-key-$run", 'role', 'list');
    unlink "t/logs/admin-key-$run";
}
is($rc, 0, '--api-key-file: the key from the file') or diag $err;
{
    local $ENV{ST_CONNECTION_URI} = 'http://127.0.0.1:9';
    ($rc, $out, $err) = admin(undef, 'user', 'list');
}
is($rc, 3, 'an unreachable core: exit 3');
like($err, qr/cannot reach the SuperTokens core: http:\/\/127\.0\.0\.1:9: .*(?:refused|connect)/i, 'an unreachable core: says so');
{
    local $ENV{ST_CONNECTION_URI} = "http://127.0.0.1:9;$CORE";
    ($rc, $out, $err) = admin(undef, 'user', 'find', $email);
}
is($rc, 0, 'several URLs: the next one is tried when one cannot be reached');
{
    local $ENV{ST_CONNECTION_URI} = '';
    ($rc, $out, $err) = admin(undef, 'user', 'list');
}
like($err, qr/no core URL: use --core URL or set ST_CONNECTION_URI/, 'no core URL: says how to give one');

# --- the manual ------------------------------------------------------------------------------------
($rc, $out) = admin(undef, '--help');
is($rc, 0, '--help: exit 0');
like($out, qr/NAME\s+supertokens-admin - manage SuperTokens users.*SYNOPSIS.*COMMANDS.*OPTIONS.*ENVIRONMENT.*EXIT STATUS/s,
     '--help: a manual page');

done_testing();

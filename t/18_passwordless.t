# Passwordless sign-in (issue 20) over HTTP: POST /auth/signinup/code, /resend and /consume and
# the exists routes answer as supertokens-node 24 does (the texts t/core/test/fidelity-passwordless
# .test.js sees the SDK give), the delivered link and code, sessions (cookies and headers) that a
# protected PHP page accepts, and every bad input of the issue: a reused, expired, wrong or
# too-often-wrong code, a link of another tenant, a malformed email or phone number, a mailer that
# fails or hangs, sign-up rules, the repeat limit. Never a session, never a crash, nothing secret
# in the log. Virtual hosts: t/conf/passwordless.conf.in; their core double: ST_PL_PORT.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use LWP::UserAgent ();
use HTTP::Request ();
use JSON::PP ();
use URI::Escape qw(uri_escape uri_unescape);
use Time::HiRes qw(time sleep);
use lib 't/lib';
use STTest qw(core jwt_payload cookies_of env_of);

my $logs = Apache::Test::vars('t_logs');
my $json = JSON::PP->new->canonical;
my $ua = LWP::UserAgent->new(keep_alive => 1, timeout => 30, max_redirect => 0);
my $run = time . '-' . int(rand(1e9));
my %base;
for my $vh (qw(pl pl_link pl_phone pl_domains pl_nosignup pl_fail pl_hang login)) {
    Apache::TestRequest::module($vh);
    $base{$vh} = 'http://' . Apache::TestRequest::hostport();
}
unlink map { "$logs/$_" } qw(passwordless-email.txt passwordless-sms.txt delivery-hang.pids);

my %PL = (rid => 'passwordless', 'st-auth-mode' => 'cookie');
sub email { my ($tag, $domain) = @_; return "$tag-$run\@" . ($domain // 'example.com') }
sub pl_core { my ($method, $path, $body) = @_; return core($method, $path, $body, port => $ENV{ST_PL_PORT}, rid => 'passwordless') }

# POST $path on virtual host $vh with a JSON body (a string is sent as it is)
sub api {
    my ($vh, $path, $body, %h) = @_;
    %h = %PL unless %h;
    my $req = HTTP::Request->new(POST => "$base{$vh}/auth$path", ['Content-Type' => 'application/json', %h],
                                 ref $body ? $json->encode($body) : $body);
    return $ua->request($req);
}
sub get { my ($vh, $path, %h) = @_; return $ua->request(HTTP::Request->new(GET => "$base{$vh}$path", [%h])) }
sub body { my ($r) = @_; return eval { JSON::PP::decode_json($r->content) } || {} }
sub session_cookies { my ($r) = @_; return grep { /^s(Access|Refresh)Token=[^;]/ } cookies_of($r) }
sub access_cookie { my ($r) = @_; for (cookies_of($r)) { return $1 if /^sAccessToken=([^;]+)/ } return undef }

# the messages a capture program got: [{to, link, code, lifetime}], oldest first
sub messages {
    my ($file) = @_;
    open my $fh, '<', "$logs/$file" or return ();
    my @l = map { chomp; $_ } <$fh>;
    my @m;
    while (@l >= 4) { my ($to, $link, $code, $life) = splice @l, 0, 4; push @m, { to => $to, link => $link, code => $code, lifetime => $life } }
    return @m;
}
sub last_message { my ($file, $to) = @_; my @m = grep { $_->{to} eq $to } messages($file); return $m[-1] }
sub log_lines { my ($re) = @_; open my $fh, '<', "$logs/error_log" or die $!; return grep { /$re/ } <$fh> }
sub link_code { my ($link) = @_; return $link =~ /#(.+)$/ ? uri_unescape($1) : undef }
sub wrong_code { my ($code) = @_; return $code eq '000000' ? '111111' : '000000' }

# createCode for an email on the "pl" vhost: its answer and the message
sub start {
    my ($email, $tenant) = @_;
    my $r = api('pl', ($tenant ? "/$tenant" : '') . '/signinup/code', { email => $email });
    my $b = body($r);
    die 'createCode failed: ' . $r->code . ' ' . $r->content unless ($b->{status} // '') eq 'OK';
    return { %$b, msg => last_message('passwordless-email.txt', $email) };
}

# --- create a code: the answer, the message, the core's device ---------------------------------------
my $ann = email('ann');
my $r = api('pl', '/signinup/code', { email => "  $ann " });
is($r->code, 200, 'createCode: 200');
my $c = body($r);
like($r->content, qr/^\{"status":"OK","deviceId":"[A-Za-z0-9+\/]{43}=","flowType":"USER_INPUT_CODE_AND_MAGIC_LINK","preAuthSessionId":"[A-Za-z0-9_-]{43}"\}$/,
     '... the SDK\'s body: status, deviceId, flowType, preAuthSessionId (in its key order)');
is_deeply([map { $_->{email} } @{ pl_core('GET', "/public/recipe/signinup/codes?preAuthSessionId=$c->{preAuthSessionId}")->{devices} }],
          [$ann], '... a device of the core for the (trimmed) email');
my $m = last_message('passwordless-email.txt', $ann);
ok($m, 'the email command got the message, addressed to the trimmed email as typed');
like($m->{link}, qr{^\Q$base{pl}\E/auth/verify\?preAuthSessionId=\Q$c->{preAuthSessionId}\E&tenantId=public#[A-Za-z0-9_-]{43}$},
     '... the magic link: {websiteDomain}{websiteBasePath}/verify?preAuthSessionId=..&tenantId=..#<linkCode>');
like($m->{code}, qr/^[0-9]{6}$/, '... the six-digit code');
is($m->{lifetime}, 900, '... and how long they are valid (the core\'s 15 minutes), in seconds');
is(scalar(session_cookies($r)), 0, '... and no session');
is(scalar(log_lines(qr/AH10651: user "\Q$ann\E": SuperTokens sign-in code requested \(tenant public\)/)), 1,
   'the request is an account line in the log');

# --- a wrong code, then the magic link: signed up, a session the PHP page accepts ----------------------
$r = api('pl', '/signinup/code/consume', { preAuthSessionId => $c->{preAuthSessionId}, deviceId => $c->{deviceId},
                                           userInputCode => wrong_code($m->{code}) });
is($r->content, '{"status":"INCORRECT_USER_INPUT_CODE_ERROR","failedCodeInputAttemptCount":1,"maximumCodeInputAttempts":5}',
   'a wrong code: INCORRECT_USER_INPUT_CODE_ERROR with the attempt counts, as the SDK answers');
is(scalar(session_cookies($r)), 0, '... no session');
ok(scalar(log_lines(qr/AH10650: user "\Q$ann\E": SuperTokens sign-in failed for "\/auth\/signinup\/code\/consume" \(tenant public\): wrong code \(1 of 5 attempts\), from 127\.0\.0\.1$/)),
   '... a failed sign-in line in the log (the fail2ban filter counts it)');
$r = api('pl', '/signinup/code/consume', { preAuthSessionId => $c->{preAuthSessionId}, linkCode => link_code($m->{link}) });
is($r->code, 200, 'the magic link: 200');
$c->{user} = body($r)->{user};
like($r->content, qr/^\{"status":"OK","createdNewRecipeUser":true,"user":\{"id":"[0-9a-f-]{36}","isPrimaryUser":false,"tenantIds":\["public"\],"emails":\["\Q$ann\E"\],"phoneNumbers":\[\],"thirdParty":\[\],"webauthn":\{"credentialIds":\[\]\},"loginMethods":\[\{"recipeId":"passwordless","recipeUserId":"[0-9a-f-]{36}","tenantIds":\["public"\],"email":"\Q$ann\E","timeJoined":\d+,"verified":true\}\],"timeJoined":\d+\}\}$/,
     '... the SDK\'s body: a new passwordless user, the email verified');
my $access = access_cookie($r);
ok($access && scalar(session_cookies($r)) == 2, '... and a session in cookies (st-auth-mode: cookie)');
my $claims = jwt_payload(uri_unescape($access));
is($claims->{sub}, $c->{user}{id}, '... for the new user');
is($claims->{email}, $ann, '... with the email claim (SuperTokensEmailClaim On)');
is($claims->{'st-ev'}{v}, JSON::PP::true, '... and st-ev true: the consumed code verified the email, as the core does from CDI 4.0');
is($claims->{iss}, "$base{pl}/auth", '... and iss, like every session the module creates');
$r = get('pl', '/php/server.php', Cookie => "sAccessToken=$access");
is($r->code, 200, 'the protected PHP page accepts the session');
is(env_of($r)->{REMOTE_USER}, $ann, '... REMOTE_USER is the email');
$r = api('pl', '/signinup/code/consume', { preAuthSessionId => $c->{preAuthSessionId}, linkCode => link_code($m->{link}) });
is($r->content, '{"status":"RESTART_FLOW_ERROR"}', 'the link again: RESTART_FLOW_ERROR');
is(scalar(session_cookies($r)), 0, '... no session');

# --- sign in again with a typed code after a resend; header mode -----------------------------------------
my $s = start($ann);
$r = api('pl', '/signinup/code/resend', { deviceId => $s->{deviceId}, preAuthSessionId => $s->{preAuthSessionId} });
is($r->content, '{"status":"OK"}', 'resend: {"status":"OK"}');
my $again = last_message('passwordless-email.txt', $ann);
ok($again->{code} ne $s->{msg}{code} || $again->{link} ne $s->{msg}{link}, '... a new code went out');
like($again->{link}, qr/preAuthSessionId=\Q$s->{preAuthSessionId}\E&/, '... for the same device');
$r = api('pl', '/signinup/code/consume', { preAuthSessionId => $s->{preAuthSessionId}, deviceId => $s->{deviceId},
                                           userInputCode => $again->{code} }, rid => 'passwordless');
is(body($r)->{status}, 'OK', 'the typed code signs in');
is(body($r)->{createdNewRecipeUser}, JSON::PP::false, '... the same user (createdNewRecipeUser false)');
is(body($r)->{user}{id}, $c->{user}{id}, '... same id');
ok($r->header('st-access-token') && $r->header('st-refresh-token') && $r->header('front-token'),
   '... without st-auth-mode the session comes in headers, as the SDK sends it');
$s = start($ann);
$r = api('pl', '/signinup/code/consume', { preAuthSessionId => $s->{preAuthSessionId}, linkCode => link_code($s->{msg}{link}) },
         %PL, 'fdi-version' => '1.17');
like($r->content, qr/^\{"status":"OK","createdNewRecipeUser":false,"user":\{"id":"\Q$c->{user}{id}\E","timeJoined":\d+,"email":"\Q$ann\E"\},"createdNewUser":false\}$/,
     'an old frontend (fdi-version 1.17) gets the old user object and createdNewUser, as the SDK answers');

# --- too many attempts, an expired code, a link of another tenant ------------------------------------------
$s = start(email('bob'));
my %ids = (preAuthSessionId => $s->{preAuthSessionId}, deviceId => $s->{deviceId});
for my $n (1 .. 4) {
    $r = api('pl', '/signinup/code/consume', { %ids, userInputCode => wrong_code($s->{msg}{code}) });
    is(body($r)->{failedCodeInputAttemptCount}, $n, "wrong code $n: counted");
}
$r = api('pl', '/signinup/code/consume', { %ids, userInputCode => wrong_code($s->{msg}{code}) });
is($r->content, '{"status":"RESTART_FLOW_ERROR"}', 'the fifth wrong code: RESTART_FLOW_ERROR (the device is gone)');
$r = api('pl', '/signinup/code/consume', { %ids, userInputCode => $s->{msg}{code} });
is($r->content, '{"status":"RESTART_FLOW_ERROR"}', '... the right code no longer works');
is(scalar(session_cookies($r)), 0, '... no session');
$r = api('pl', '/signinup/code/resend', \%ids);
is($r->content, '{"status":"RESTART_FLOW_ERROR"}', '... nor can it be sent again');
is(scalar(log_lines(qr/AH10650: user "\Q${\ email('bob')}\E": .*(wrong code \([1-4] of 5 attempts\)|wrong code, attempts used up)/)), 5,
   '... each wrong code a failed sign-in line');

$s = start(email('cy'));
pl_core('POST', '/__test/config', { passwordlessCodeLifetime => 1 });
sleep 0.01;
$r = api('pl', '/signinup/code/consume', { preAuthSessionId => $s->{preAuthSessionId}, deviceId => $s->{deviceId},
                                           userInputCode => $s->{msg}{code} });
is($r->content, '{"status":"EXPIRED_USER_INPUT_CODE_ERROR","failedCodeInputAttemptCount":1,"maximumCodeInputAttempts":5}',
   'an expired code: EXPIRED_USER_INPUT_CODE_ERROR (it counts as an attempt)');
$r = api('pl', '/signinup/code/consume', { preAuthSessionId => $s->{preAuthSessionId}, linkCode => link_code($s->{msg}{link}) });
is($r->content, '{"status":"RESTART_FLOW_ERROR"}', 'an expired link: RESTART_FLOW_ERROR');
is(scalar(session_cookies($r)), 0, '... no session');
pl_core('POST', '/__test/reset', {});

$s = start(email('dee'), 't1');
like($s->{msg}{link}, qr/&tenantId=t1#/, 'a code asked for under /auth/t1: the link names tenant t1');
$r = api('pl', '/signinup/code/consume', { preAuthSessionId => $s->{preAuthSessionId}, linkCode => link_code($s->{msg}{link}) });
is($r->content, '{"status":"RESTART_FLOW_ERROR"}', '... consumed for tenant public: RESTART_FLOW_ERROR, no session');
$r = api('pl', '/t1/signinup/code/consume', { preAuthSessionId => $s->{preAuthSessionId}, linkCode => link_code($s->{msg}{link}) });
is_deeply([body($r)->{status}, body($r)->{user}{tenantIds}], ['OK', ['t1']], '... for tenant t1: signed up in t1');
is(jwt_payload(uri_unescape(access_cookie($r)))->{tId}, 't1', '... a session of tenant t1');

# --- phone numbers -----------------------------------------------------------------------------------------
my $phone = '+1415' . sprintf('%07d', int(rand(1e7)));
$r = api('pl', '/signinup/code', { phoneNumber => $phone });
is(body($r)->{status}, 'OK', 'createCode with a phone number');
my $sms = last_message('passwordless-sms.txt', $phone);
ok($sms && $sms->{code} =~ /^[0-9]{6}$/, '... the SMS command got it');
$r = api('pl', '/signinup/code/consume', { preAuthSessionId => body($r)->{preAuthSessionId}, deviceId => body($r)->{deviceId},
                                           userInputCode => $sms->{code} });
is_deeply([body($r)->{status}, body($r)->{user}{phoneNumbers}, body($r)->{user}{emails}], ['OK', [$phone], []],
          '... signed up with the phone number');
$claims = jwt_payload(uri_unescape(access_cookie($r)));
ok(!defined $claims->{email}, '... no email claim for a phone user');
is($claims->{'st-ev'}{v}, JSON::PP::true, '... st-ev true (a user without an email counts as verified)');
is(get('pl', '/auth/passwordless/phonenumber/exists?phoneNumber=' . uri_escape($phone), rid => 'passwordless')->content,
   '{"exists":true,"status":"OK"}', 'phonenumber/exists: true');
is(get('pl', '/auth/passwordless/phonenumber/exists?phoneNumber=%2B14155550000', rid => 'passwordless')->content,
   '{"exists":false,"status":"OK"}', '... false for another number');

# --- exists, and the old alias shared with EmailPassword ---------------------------------------------------
is(get('pl', '/auth/passwordless/email/exists?email=' . uri_escape(uc $ann))->content, '{"exists":true,"status":"OK"}',
   'email/exists: true (compared as the SDK does, case-insensitively)');
is(get('pl', '/auth/passwordless/email/exists?email=' . uri_escape(email('nobody')))->content, '{"exists":false,"status":"OK"}',
   '... false for an unknown email');
my $ep = email('ep');
core('POST', '/public/recipe/signup', { email => $ep, password => 'pass1234' }, port => $ENV{ST_PL_PORT}, rid => 'emailpassword');
is(get('pl', '/auth/passwordless/email/exists?email=' . uri_escape($ep))->content, '{"exists":false,"status":"OK"}',
   '... an EmailPassword account is not a passwordless one');
is(get('pl', '/auth/signup/email/exists?email=' . uri_escape($ep), rid => 'passwordless')->content, '{"exists":false,"status":"OK"}',
   'the old /signup/email/exists with rid passwordless: the Passwordless answer');
is(get('pl', '/auth/signup/email/exists?email=' . uri_escape($ep), rid => 'emailpassword')->content, '{"status":"OK","exists":true}',
   '... with rid emailpassword: the EmailPassword answer');

# --- bad input: the SDK's answers ---------------------------------------------------------------------------
my @cases = (
    ['/signinup/code', {}, 400, '{"message":"Please provide exactly one of email or phoneNumber"}'],
    ['/signinup/code', { email => 'a@b.co', phoneNumber => '+14155550100' }, 400, '{"message":"Please provide exactly one of email or phoneNumber"}'],
    ['/signinup/code', { email => 'not-an-email' }, 200, '{"status":"GENERAL_ERROR","message":"Email is invalid"}'],
    ['/signinup/code', { email => "a\@b.co\n\@c.de" }, 200, '{"status":"GENERAL_ERROR","message":"Email is invalid"}'],
    ['/signinup/code', { phoneNumber => '12345' }, 200, '{"status":"GENERAL_ERROR","message":"Phone number is invalid"}'],
    ['/signinup/code', { phoneNumber => 12345 }, 200, '{"status":"GENERAL_ERROR","message":"Development bug: Please make sure the phoneNumber field is a string"}'],
    ['/signinup/code/resend', { deviceId => 'd' }, 400, '{"message":"Please provide preAuthSessionId"}'],
    ['/signinup/code/resend', { preAuthSessionId => 'p' }, 400, '{"message":"Please provide a deviceId"}'],
    ['/signinup/code/consume', { linkCode => 'l' }, 400, '{"message":"Please provide preAuthSessionId"}'],
    ['/signinup/code/consume', { preAuthSessionId => 'p' }, 400, '{"message":"Please provide one of (linkCode) or (deviceId+userInputCode) and not both"}'],
    ['/signinup/code/consume', { preAuthSessionId => 'p', linkCode => 'l', deviceId => 'd' }, 400, '{"message":"Please provide one of (linkCode) or (deviceId+userInputCode) and not both"}'],
    ['/signinup/code/consume', { preAuthSessionId => 'p', deviceId => 'd' }, 400, '{"message":"Please provide both deviceId and userInputCode"}'],
    ['/signinup/code/consume', { preAuthSessionId => 'unknown', linkCode => 'l' }, 200, '{"status":"RESTART_FLOW_ERROR"}'],
    ['/signinup/code/resend', { preAuthSessionId => 'p', deviceId => 'AAAA' }, 200, '{"status":"RESTART_FLOW_ERROR"}'],
    # where the SDK would fail with 500 (a TypeError, or the core refusing what it passed on)
    ['/signinup/code', { email => 5 }, 400, '{"message":"email must be a string"}'],
    ['/signinup/code', { email => undef }, 400, '{"message":"email must be a string"}'],
    ['/signinup/code/consume', { preAuthSessionId => ['p'], linkCode => 'l' }, 400, '{"message":"preAuthSessionId must be a string"}'],
    ['/signinup/code/consume', { preAuthSessionId => 'p', deviceId => {}, userInputCode => '1' }, 400, '{"message":"deviceId must be a string"}'],
    ['/signinup/code/resend', { preAuthSessionId => 'p', deviceId => '!!' }, 200, '{"status":"RESTART_FLOW_ERROR"}'],
    ['/signinup/code', '{"email":', 400, '{"message":"API input error: Please make sure to pass a valid JSON input in the request body"}'],
);
for my $case (@cases) {
    my ($path, $in, $status, $text) = @$case;
    my $what = "$path " . (ref $in ? $json->encode($in) : $in);
    $r = api('pl', $path, $in);
    ok($r->code == $status && $r->content eq $text, "$what: $status $text") or diag $r->code . ' ' . $r->content;
    ok(!session_cookies($r) && !$r->header('st-access-token'), "... $path: no session");
}
$s = start(email('eve'));
my $other = start(email('fay'));
for my $bad (['a deviceId of another device', { deviceId => $other->{deviceId}, userInputCode => $other->{msg}{code} }],
             ['a deviceId that is not base64', { deviceId => 'not*base64', userInputCode => '123456' }],
             ['a link code that is not base64url', { linkCode => 'not+base64/' }],
             ['a link code of another device', { linkCode => link_code($other->{msg}{link}) }]) {
    $r = api('pl', '/signinup/code/consume', { preAuthSessionId => $s->{preAuthSessionId}, %{ $bad->[1] } });
    ok($r->code == 200 && $r->content eq '{"status":"RESTART_FLOW_ERROR"}' && !session_cookies($r),
       "$bad->[0]: RESTART_FLOW_ERROR, no session") or diag $r->code . ' ' . $r->content;
}
is(get('pl', '/auth/passwordless/email/exists')->content, '{"message":"Please provide the email as a GET param"}',
   'email/exists without the email: the SDK\'s 400 text');
is(get('pl', '/auth/passwordless/phonenumber/exists')->content, '{"message":"Please provide the phoneNumber as a GET param"}',
   'phonenumber/exists without it: the SDK\'s 400 text');
$r = api('pl', '/signinup/code', { phoneNumber => '+1 415 555 0199' });
is($r->content, '{"status":"GENERAL_ERROR","message":"Phone number is invalid"}',
   'a phone number with spaces: refused (E.164 only; the SDK would normalise it with libphonenumber)');
is(scalar(grep { $_->{code} =~ /\D/ } messages('passwordless-email.txt')), 0, 'no message for any refused input');

# --- flows and contact methods ---------------------------------------------------------------------------
my $lnk = email('link');
$r = api('pl_link', '/signinup/code', { email => $lnk });
like($r->content, qr/"flowType":"MAGIC_LINK"/, 'MAGIC_LINK: flowType MAGIC_LINK');
my ($line) = log_lines(qr/AH10653: sign-in email for \Q$lnk\E: link /);
my ($link) = ($line // '') =~ /: link (\S+), code \(none\)$/;
like($link // '', qr{^\Q$base{pl_link}\E/auth/verify\?preAuthSessionId=}, '... SuperTokensPasswordlessDelivery log-full: the link in the log, no code');
$r = api('pl_link', '/signinup/code/consume', { preAuthSessionId => body($r)->{preAuthSessionId}, linkCode => link_code($link // '') });
is(body($r)->{status}, 'OK', '... the logged link signs in');
$r = api('pl_link', '/signinup/code', { phoneNumber => '+14155550123' });
is($r->content, '{"message":"Please provide an email since you have set the contactMethod to \"EMAIL\""}',
   'contactMethod EMAIL (the default): a phone number is the SDK\'s 400');
$r = api('pl_phone', '/signin', { formFields => [] }, rid => 'emailpassword');
is($r->code, 404, 'SuperTokensRecipes session passwordless: no EmailPassword API');

$r = api('pl_phone', '/signinup/code', { email => email('x') });
is($r->content, '{"message":"Please provide a phoneNumber since you have set the contactMethod to \"PHONE\""}',
   'contactMethod PHONE: an email is the SDK\'s 400');
my $phone2 = '+4420' . sprintf('%08d', int(rand(1e8)));
$r = api('pl_phone', '/signinup/code', { phoneNumber => $phone2 });
like($r->content, qr/"flowType":"USER_INPUT_CODE"/, 'USER_INPUT_CODE: flowType USER_INPUT_CODE');
$sms = last_message('passwordless-sms.txt', $phone2);
ok($sms && $sms->{link} eq '' && $sms->{code} =~ /^\d{6}$/, '... the SMS has a code and no link');
$s = start(email('gus'));
$r = api('pl_phone', '/signinup/code/resend', { deviceId => $s->{deviceId}, preAuthSessionId => $s->{preAuthSessionId} });
is($r->content, '{"status":"RESTART_FLOW_ERROR"}', 'resend of an email device where contactMethod is PHONE: RESTART_FLOW_ERROR');

# --- who may sign up ---------------------------------------------------------------------------------------
my $outsider = email('out', 'other.org');
$r = api('pl_domains', '/signinup/code', { email => $outsider });
is($r->content, '{"status":"SIGN_IN_UP_NOT_ALLOWED","reason":"Sign-up is not open to this email address. Please use your organisation\'s email address or ask an administrator."}',
   'SuperTokensSignUpEmailDomains: a new address of another domain gets SIGN_IN_UP_NOT_ALLOWED with the reason');
ok(!last_message('passwordless-email.txt', $outsider) && !log_lines(qr/AH1065[34]: .*\Q$outsider\E/), '... and no message');
$r = api('pl_domains', '/signinup/code', { phoneNumber => '+14155550177' });
like($r->content, qr/^\{"status":"SIGN_IN_UP_NOT_ALLOWED","reason":"Sign-up is not open to phone numbers\./, '... a new phone number too');
my $inside = email('in');
$r = api('pl_domains', '/signinup/code', { email => $inside });
is(body($r)->{status}, 'OK', '... an address of the domain gets its code');
($line) = log_lines(qr/AH10654: sign-in email for \Q$inside\E: /);
like($line // '', qr/: link http:\/\/localhost:\d+\/auth\/verify\?preAuthSessionId=[A-Za-z0-9_-]+&tenantId=public#<43 characters hidden>, code <6 characters hidden> \(SuperTokensPasswordlessDelivery log-full shows them/,
     '... delivered to the log with the link code and the code hidden');
# an existing user outside the domains still signs in
my $old = email('old', 'other.org');
$s = start($old);
api('pl', '/signinup/code/consume', { preAuthSessionId => $s->{preAuthSessionId}, linkCode => link_code($s->{msg}{link}) });
is(body(api('pl_domains', '/signinup/code', { email => $old }))->{status}, 'OK', '... an existing user of another domain signs in');
# a code asked for where sign-up is open, consumed where it is not: refused, the code kept
my $late = email('late', 'other.org');
$s = start($late);
$r = api('pl_domains', '/signinup/code/consume', { preAuthSessionId => $s->{preAuthSessionId}, linkCode => link_code($s->{msg}{link}) });
like($r->content, qr/^\{"status":"SIGN_IN_UP_NOT_ALLOWED",/, 'consume of a new user where sign-up is refused: SIGN_IN_UP_NOT_ALLOWED');
is(scalar(session_cookies($r)), 0, '... no session');
is(body(api('pl', '/signinup/code/consume', { preAuthSessionId => $s->{preAuthSessionId}, linkCode => link_code($s->{msg}{link}) }))->{status},
   'OK', '... and the code was not used up');
$r = api('pl_nosignup', '/signinup/code', { email => email('new') });
is($r->content, '{"status":"SIGN_IN_UP_NOT_ALLOWED","reason":"Sign-up is disabled. Please ask an administrator for an account."}',
   'SuperTokensSignUp Off: a new email is refused');
is(body(api('pl_nosignup', '/signinup/code', { email => $ann }))->{status}, 'OK', '... an existing user signs in');

# --- the repeat limit: 5 messages per address and minute in a process -------------------------------------
# The count is per process, so the six requests must reach one: they share a kept-alive connection,
# which LWP's Client-Response-Num shows (1, 2, ... on one connection). A round whose connection
# changed proves nothing and is tried again with a new address.
my ($busy, @st);
for my $round (1 .. 3) {
    $busy = email("busy$round");
    my @r = map { api('pl', '/signinup/code', { email => $busy }) } 1 .. 6;
    @st = map { body($_)->{status} // '' } @r;
    my @num = map { $_->header('Client-Response-Num') // 0 } @r;
    last unless grep { $num[$_] != $num[0] + $_ } 1 .. 5;
    diag("repeat limit, round $round: the connection changed between requests (@num); again");
}
is_deeply(\@st, [('OK') x 5, 'GENERAL_ERROR'], 'the sixth code for one address in a minute: GENERAL_ERROR');
is(scalar(grep { $_->{to} eq $busy } messages('passwordless-email.txt')), 5, '... five messages went out');
is(scalar(@{ pl_core('GET', '/public/recipe/signinup/codes?email=' . uri_escape($busy))->{devices} }), 5,
   '... and the core made no sixth code');

# --- a mailer that fails or hangs: 500, as the SDK answers when sending throws ---------------------------------
$r = api('pl_fail', '/signinup/code', { email => email('fail') });
is($r->code, 500, 'a failing mailer: 500');
is($r->content, '{"message":"the sign-in message could not be delivered"}', '... with a JSON message');
is(scalar(session_cookies($r)), 0, '... no session');
ok(scalar(log_lines(qr/AH10082: SuperTokensPasswordlessEmailCommand: .*delivery-fail failed \(status 3\)/)), '... the failure is logged');
ok(scalar(log_lines(qr/AH10652: passwordless: the sign-in message for \Q${\ email('fail')}\E could not be delivered/)), '... and the 500');
my $t0 = time;
$r = api('pl_hang', '/signinup/code', { email => email('hang') });
my $took = time - $t0;
is($r->code, 500, 'a mailer that hangs: 500');
ok($took >= 9.5 && $took < 15, sprintf('... after the 10 s deadline (%.1f s)', $took));
ok(scalar(log_lines(qr/AH10081: SuperTokensPasswordlessEmailCommand: .*delivery-hang did not finish in time: killed after 10 s/)),
   '... the program was killed and that is logged');
open my $pids, '<', "$logs/delivery-hang.pids";
my @hung = map { chomp; $_ } <$pids>;
ok(@hung && !kill(0, $hung[-1]), '... it is gone');

# --- the built-in pages: served without a session, nothing of the request in them -----------------------
my @nav = (Accept => 'text/html', 'Sec-Fetch-Mode' => 'navigate', 'Sec-Fetch-Dest' => 'document');
my $evil = '%22%3E%3Cscript%3Ealert(1)%3C/script%3E';
for my $page ("/auth/verify?preAuthSessionId=$evil&tenantId=$evil", "/auth?redirectToPath=$evil") {
    $r = get('pl_link', $page, @nav);
    is($r->code, 200, "GET $page where / is protected: the page, no sign-in redirect");
    ok($r->content !~ /<script>alert|alert\(1\)/ && $r->content =~ /<script nonce="([0-9a-f]{32})">/, '... nothing of the query in it');
    my ($nonce) = $r->content =~ /<script nonce="([0-9a-f]{32})">/;
    like($r->header('Content-Security-Policy') // '', qr/^default-src 'none'; script-src 'nonce-\Q${\ ($nonce \/\/ 'x')}\E';.*frame-ancestors 'none'/,
         '... under the pages\' CSP with this response\'s nonce');
    is($r->header('Referrer-Policy'), 'no-referrer', '... Referrer-Policy: no-referrer (a landing page URL names the flow)');
    like($r->header('Cache-Control') // '', qr/(^|, )no-store$/, '... not stored');
}
like(get('pl_link', '/auth', @nav)->content, qr/id="st-contact"[^>]*type="email"/, 'the sign-in page of passwordless only: the email field');
unlike(get('pl_link', '/auth', @nav)->content, qr/st-password/, '... and no password field');
$r = get('pl_link', '/elsewhere', @nav);
is($r->code, 302, 'the rest of that site still needs a session');
like(get('pl', '/auth', @nav)->content, qr/id="st-password".*id="st-pl-switch".*<div id="st-pl" hidden>/s,
     'passwordless beside email and password: the password form, then the switch to the hidden passwordless forms');
is(get('login', '/auth/verify', @nav)->code, 302, 'no landing page without the passwordless recipe (there the path is protected)');

# --- fail2ban: conf/fail2ban's filter bans the wrong codes' [client] too ------------------------------------
{
    require File::Temp;
    my $dir = File::Temp::tempdir(CLEANUP => 1);
    mkdir "$dir/filter.d" or die $!;
    system('cp', (map { "/etc/fail2ban/filter.d/$_" } qw(common.conf apache-common.conf)),
           'conf/fail2ban/filter.d/apache-supertokens.conf', "$dir/filter.d/") == 0 or die 'cp';
    my @mine = log_lines(qr/AH1065\d: /);
    open my $fh, '>', "$dir/seg.log" or die $!;
    print $fh @mine;
    close $fh;
    my $out = `fail2ban-regex $dir/seg.log $dir/filter.d/apache-supertokens.conf 2>&1`;
    my ($matched) = $out =~ /^Lines: \d+ lines, \d+ ignored, (\d+) matched/m;
    is($matched, scalar(grep { /AH10650: / } @mine), 'fail2ban-regex matches every wrong-code line and no other passwordless line')
        or diag $out;
}

# --- nothing secret in the log ---------------------------------------------------------------------------
my @codes = map { $_->{code} } messages('passwordless-email.txt'), messages('passwordless-sms.txt');
my @links = map { link_code($_->{link}) } grep { $_->{link} } messages('passwordless-email.txt');
# (codes are looked for in the message part only: time stamps have six-digit fractions)
my @leaks = grep { my $l = $_; my ($msg) = $l =~ /\] (AH\d+: .*)$/;
                   grep({ index($l, $_) >= 0 } @links) || grep({ ($msg // '') =~ /\b\Q$_\E\b/ } @codes) }
            grep { !/AH10653/ } log_lines(qr/supertokens/);
is(scalar(@leaks), 0, 'no code or link code of a command\'s message is in the error log') or diag join '', @leaks[0 .. 2];

done_testing();

# Authorization from session claims (t/conf/authz.conf.in): Require supertokens-role,
# -permission, -email-verified and -claim (nested paths, arrays, regexes) with tokens from
# the core double, their combination with <RequireAll>/<RequireAny>/`Require not`/
# <RequireNone>, the SDK's 403 invalid-claim answer for API calls (protocol.md §1.8) and the
# usual 403 page for browser navigations, 401 (never 403) without a session, the
# supertokens_claim() ap_expr function in <If>, Header and RewriteCond, and config-time
# validation of the Require lines.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest qw(GET);
use JSON::PP ();
use File::Temp qw(tempdir);
use lib 't/lib';
use STTest qw(create_session env_of standalone_configtest);

my $port = Apache::Test::vars('port');
my $iss = "http://localhost:$port/auth";
my $t = 1700000000000;
my ($true, $false) = (JSON::PP::true, JSON::PP::false);

# Claims as the UserRoles and EmailVerification recipes put them in the access token
# ({"v":...,"t":<ms>}), plus custom claims.
my %users = (
    alice => { 'st-role' => { v => ['admin', 'editor'], t => $t },
               'st-perm' => { v => ['read:billing', 'write:billing'], t => $t },
               'st-ev' => { v => $true, t => $t },
               org => { tier => 'gold', level => 3 }, groups => ['ops', 'dev'],
               email => 'alice@example.com', 'https://example.com/plan' => 'pro',
               orgs => [{ id => 'o-1' }, { id => 'o-42' }] },
    bob   => { 'st-role' => { v => ['editor'], t => $t }, 'st-perm' => { v => ['read:docs'], t => $t },
               'st-ev' => { v => $false, t => $t }, org => { tier => 'free', level => 1 },
               groups => 'dev', email => 'bob@example.org', 'https://example.com/plan' => 'basic',
               orgs => [{ id => 'o-1' }] },
    carol => {},    # no claims beyond the session's own
    dave  => { 'st-role' => { v => ['banned', 'admin'], t => $t }, 'st-ev' => { v => $true, t => $t },
               org => { tier => 'platinum', level => '3' } },
    eve   => { email => 'eve@example.com.evil.org' },
    frank => { 'st-role' => { v => ['admin'], t => $t }, 'st-ev' => { v => $false, t => $t } },
    gina  => { 'st-role' => { v => ['viewer'], t => $t }, 'st-perm' => { v => ['read:billing'], t => $t } },
    # the wrong types everywhere: nothing may crash, nothing may match
    odd   => { 'st-role' => 'admin', 'st-perm' => { v => undef, t => $t }, 'st-ev' => { v => 'true', t => $t },
               org => 'gold', groups => [['ops']], email => { at => 'example.com' },
               orgs => { id => 'o-42' } },
);
my %tok;
for my $u (keys %users) {
    my $s = create_session(user => "user-$u", claims => { iss => $iss, %{ $users{$u} } });
    $tok{$u} = $s->{accessToken}{token};
}

my $json = JSON::PP->new->canonical;
my %browser = (Accept => 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
               'Sec-Fetch-Mode' => 'navigate', 'Sec-Fetch-Dest' => 'document');

# an API call (fetch asking for JSON) with the token in Authorization
sub api {
    my ($path, $user, %h) = @_;
    return GET $path, ($user ? (Authorization => "Bearer $tok{$user}") : ()),
        Accept => 'application/json', %h;
}
# a browser navigation with the token in the cookie
sub nav {
    my ($path, $user) = @_;
    return GET $path, ($user ? (Cookie => "sAccessToken=$tok{$user}") : ()), %browser;
}

sub allowed {
    my ($path, $user, $name) = @_;
    my $r = api($path, $user);
    is($r->code, 200, "$name: 200") or diag $r->as_string;
}

# 403 with {"message":"invalid claim","claimValidationErrors":[...]}
sub invalid_claim {
    my ($r, $errors, $name) = @_;
    is($r->code, 403, "$name: 403") or diag $r->as_string;
    like($r->header('Content-Type') // '', qr{^application/json}, "$name: JSON");
    my $body = eval { JSON::PP::decode_json($r->content) } || {};
    is_deeply($body, { message => 'invalid claim', claimValidationErrors => $errors }, "$name: body")
        or diag $r->content;
}
sub denied {
    my ($path, $user, $errors, $name) = @_;
    invalid_claim(api($path, $user), $errors, $name);
}

my $r;

# --- Require supertokens-role (UserRoles st-role) ------------------------------------------------
$r = api('/authz/role/env.cgi', 'alice');
is($r->code, 200, 'role admin: admin allowed');
is(env_of($r)->{REMOTE_USER}, 'user-alice', 'role admin: the application sees the user');
$r = api('/authz/role/env.cgi', 'bob');
is($r->code, 403, 'role admin: editor denied with 403');
is($r->content, '{"message":"invalid claim","claimValidationErrors":[{"id":"st-role","reason":'
              . '{"message":"wrong value","expectedToInclude":"admin","actualValue":["editor"]}}]}',
   'role admin: the SDK body, byte for byte');
like($r->header('Content-Type') // '', qr{^application/json}, 'role admin: JSON content type');
ok(!defined $r->header('WWW-Authenticate'), 'role admin: no WWW-Authenticate');
denied('/authz/role/env.cgi', 'carol',
       [{ id => 'st-role', reason => { message => 'value does not exist', expectedToInclude => 'admin' } }],
       'role admin: no st-role claim');
denied('/authz/role/env.cgi', 'odd',
       [{ id => 'st-role', reason => { message => 'value does not exist', expectedToInclude => 'admin' } }],
       'role admin: st-role that is not a claim object');
allowed('/authz/roles-any/env.cgi', 'bob', 'roles admin|editor: editor allowed');
allowed('/authz/roles-any/env.cgi', 'alice', 'roles admin|editor: admin allowed');
denied('/authz/roles-any/env.cgi', 'gina',
       [{ id => 'st-role', reason => { message => 'wrong value', expectedToIncludeAtLeastOneOf => ['admin', 'editor'],
                                       actualValue => ['viewer'] } }],
       'roles admin|editor: viewer denied');

# --- Require supertokens-permission (UserRoles st-perm) ------------------------------------------
allowed('/authz/perm/env.cgi', 'alice', 'permission read:billing: granted');
denied('/authz/perm/env.cgi', 'bob',
       [{ id => 'st-perm', reason => { message => 'wrong value', expectedToInclude => 'read:billing',
                                       actualValue => ['read:docs'] } }],
       'permission read:billing: missing');
denied('/authz/perm/env.cgi', 'odd',
       [{ id => 'st-perm', reason => { message => 'wrong value', expectedToInclude => 'read:billing',
                                       actualValue => undef } }],
       'permission: v is null');

# --- Require supertokens-email-verified (EmailVerification st-ev) -------------------------------
allowed('/authz/ev/env.cgi', 'alice', 'email verified: verified');
$r = api('/authz/ev/env.cgi', 'bob');
is($r->content, '{"message":"invalid claim","claimValidationErrors":[{"id":"st-ev","reason":'
              . '{"message":"wrong value","expectedValue":true,"actualValue":false}}]}',
   'email not verified: the body of protocol.md §1.8');
is($r->code, 403, 'email not verified: 403');
denied('/authz/ev/env.cgi', 'carol',
       [{ id => 'st-ev', reason => { message => 'value does not exist', expectedValue => $true } }],
       'email verified: no st-ev claim');
denied('/authz/ev/env.cgi', 'odd',
       [{ id => 'st-ev', reason => { message => 'wrong value', expectedValue => $true, actualValue => 'true' } }],
       'email verified: the string "true" is not true');

# --- Require supertokens-claim ------------------------------------------------------------------
allowed('/authz/claim-tier/env.cgi', 'alice', 'nested claim org.tier gold');
allowed('/authz/claim-tier/env.cgi', 'dave', 'nested claim org.tier: second value platinum');
denied('/authz/claim-tier/env.cgi', 'bob',
       [{ id => 'org.tier', reason => { message => 'wrong value', expectedOneOf => ['gold', 'platinum'],
                                        actualValue => 'free' } }],
       'nested claim org.tier free');
denied('/authz/claim-tier/env.cgi', 'odd',
       [{ id => 'org.tier', reason => { message => 'value does not exist', expectedOneOf => ['gold', 'platinum'] } }],
       'nested claim through a string');
allowed('/authz/claim-level/env.cgi', 'alice', 'number claim 3 equals "3"');
allowed('/authz/claim-level/env.cgi', 'dave', 'string claim "3" equals "3"');
denied('/authz/claim-level/env.cgi', 'bob',
       [{ id => 'org.level', reason => { message => 'wrong value', expectedValue => '3', actualValue => 1 } }],
       'number claim 1');
allowed('/authz/claim-groups/env.cgi', 'alice', 'array claim: one element matches');
denied('/authz/claim-groups/env.cgi', 'bob',
       [{ id => 'groups', reason => { message => 'wrong value', expectedValue => 'ops', actualValue => 'dev' } }],
       'array claim: a string that is another value');
denied('/authz/claim-groups/env.cgi', 'odd',
       [{ id => 'groups', reason => { message => 'wrong value', expectedValue => 'ops', actualValue => [['ops']] } }],
       'array claim: nested arrays are not searched');
allowed('/authz/claim-regex/env.cgi', 'alice', 'regex ~@example\.com$ matches');
denied('/authz/claim-regex/env.cgi', 'bob',
       [{ id => 'email', reason => { message => 'wrong value', expectedValue => '~@example\.com$',
                                     actualValue => 'bob@example.org' } }],
       'regex does not match');
denied('/authz/claim-regex/env.cgi', 'eve',
       [{ id => 'email', reason => { message => 'wrong value', expectedValue => '~@example\.com$',
                                     actualValue => 'eve@example.com.evil.org' } }],
       'anchored regex does not match a longer domain');
denied('/authz/claim-regex/env.cgi', 'odd',
       [{ id => 'email', reason => { message => 'wrong value', expectedValue => '~@example\.com$',
                                     actualValue => { at => 'example.com' } } }],
       'regex never matches an object');
allowed('/authz/claim-dotted-name/env.cgi', 'alice', 'a top-level claim whose name has dots');
denied('/authz/claim-dotted-name/env.cgi', 'bob',
       [{ id => 'https://example.com/plan', reason => { message => 'wrong value', expectedValue => 'pro',
                                                        actualValue => 'basic' } }],
       'dotted claim name, other value');
allowed('/authz/claim-through-array/env.cgi', 'alice', 'path through an array of objects');
allowed('/authz/claim-through-array/env.cgi', 'odd', 'the same path through a plain object');
denied('/authz/claim-through-array/env.cgi', 'bob',
       [{ id => 'orgs.id', reason => { message => 'wrong value', expectedValue => 'o-42', actualValue => 'o-1' } }],
       'path through an array, no element matches');

# --- combinations ----------------------------------------------------------------------------
allowed('/authz/all/env.cgi', 'alice', 'RequireAll role+verified: both');
allowed('/authz/all/env.cgi', 'dave', 'RequireAll role+verified: both (dave)');
denied('/authz/all/env.cgi', 'frank',
       [{ id => 'st-ev', reason => { message => 'wrong value', expectedValue => $true, actualValue => $false } }],
       'RequireAll: admin but not verified');
denied('/authz/all/env.cgi', 'bob',
       [{ id => 'st-role', reason => { message => 'wrong value', expectedToInclude => 'admin', actualValue => ['editor'] } }],
       'RequireAll: stops at the first failed claim');
allowed('/authz/any/env.cgi', 'alice', 'RequireAny role|permission: role');
allowed('/authz/any/env.cgi', 'gina', 'RequireAny role|permission: permission only');
denied('/authz/any/env.cgi', 'bob',
       [{ id => 'st-role', reason => { message => 'wrong value', expectedToInclude => 'admin', actualValue => ['editor'] } },
        { id => 'st-perm', reason => { message => 'wrong value', expectedToInclude => 'read:billing', actualValue => ['read:docs'] } }],
       'RequireAny: neither, both reasons');
allowed('/authz/not/env.cgi', 'alice', 'Require not role banned: not banned');
allowed('/authz/not/env.cgi', 'carol', 'Require not role banned: no roles at all');
denied('/authz/not/env.cgi', 'dave',
       [{ id => 'st-role', reason => { message => 'wrong value', expectedToNotInclude => 'banned',
                                       actualValue => ['banned', 'admin'] } }],
       'Require not role banned: banned');
allowed('/authz/none/env.cgi', 'alice', '<RequireNone> claim tier free: gold');
denied('/authz/none/env.cgi', 'bob',
       [{ id => 'org.tier', reason => { message => 'wrong value', expectedNotValue => 'free', actualValue => 'free' } }],
       '<RequireNone> claim tier free: free');
allowed('/authz/any-granted/env.cgi', 'bob', 'RequireAny: role fails, permission grants');
$r = api('/authz/any-granted/env.cgi?forbid', 'bob');
is($r->code, 403, 'granted RequireAny, then mod_rewrite [F]: 403');
like($r->header('Content-Type') // '', qr{^text/html}, '... httpd\'s own 403, not an invalid-claim answer');
unlike($r->content, qr/invalid claim/, '... whose body says nothing about claims');

# --- how a denial is answered ---------------------------------------------------------------
$r = api('/authz/role/env.cgi', 'bob', Accept => 'text/html', 'X-Requested-With' => 'XMLHttpRequest');
is($r->code, 403, 'XHR (X-Requested-With): 403');
like($r->content, qr/^\{"message":"invalid claim"/, 'XHR: invalid-claim body');
$r = GET '/authz/role/env.cgi', Cookie => "sAccessToken=$tok{bob}", Accept => 'text/html,*/*',
    'Sec-Fetch-Mode' => 'cors', 'Sec-Fetch-Dest' => 'empty';
is($r->code, 403, 'fetch() with a cookie (Sec-Fetch-Mode cors): 403');
like($r->content, qr/^\{"message":"invalid claim"/, 'fetch(): invalid-claim body');

$r = nav('/authz/role/env.cgi', 'bob');
is($r->code, 403, 'browser navigation: 403, not 401');
like($r->header('Content-Type') // '', qr{^text/html}, 'browser navigation: an HTML page');
like($r->content, qr{<title>403 Forbidden</title>.*You don't have permission}s, 'browser navigation: the usual 403 page');
unlike($r->content, qr/invalid claim|could not verify/, 'browser navigation: neither JSON nor the 401 page');
ok(!defined $r->header('WWW-Authenticate'), 'browser navigation: no WWW-Authenticate');
{
    my $own = nav('/authz/if-gate/env.cgi', 'bob');    # Require all denied: httpd's own 403
    is($r->content, $own->content, "browser navigation: the same page as httpd's own 403");
}
$r = nav('/authz/role/env.cgi', 'alice');
is($r->code, 200, 'browser navigation with the role: 200');

$r = nav('/authz/errordoc-url/env.cgi', 'bob');
is($r->code, 403, 'ErrorDocument 403 <local URL>: 403');
is($r->content, "public file\n", 'ErrorDocument 403 <local URL>: that document (not ErrorDocument 401)');
$r = nav('/authz/errordoc-text/env.cgi', 'bob');
is($r->code, 403, 'ErrorDocument 403 "text": 403');
like($r->content, qr/^no entry for you/, 'ErrorDocument 403 "text": that text');
denied('/authz/errordoc-url/env.cgi', 'bob',
       [{ id => 'st-role', reason => { message => 'wrong value', expectedToInclude => 'admin', actualValue => ['editor'] } }],
       'an API call ignores ErrorDocument');

denied('/authz/forbidden-on-fail/env.cgi', 'bob',
       [{ id => 'st-role', reason => { message => 'wrong value', expectedToInclude => 'admin', actualValue => ['editor'] } }],
       'AuthzSendForbiddenOnFailure On: same answer');
$r = nav('/authz/forbidden-on-fail/env.cgi', 'bob');
is($r->code, 403, 'AuthzSendForbiddenOnFailure On, navigation: 403');
like($r->content, qr{403 Forbidden}, 'AuthzSendForbiddenOnFailure On, navigation: the 403 page');

# --- no session: authentication is asked for first (401, never 403) ---------------------------
$r = api('/authz/role/env.cgi');
is($r->code, 401, 'no session, session required: 401');
is($r->content, '{"message":"unauthorised"}', 'no session, session required: unauthorised');
$r = api('/authz/optional/env.cgi');
is($r->code, 401, 'no session, SuperTokensSessionRequired Off: 401');
is($r->content, '{"message":"unauthorised"}', 'no session, SessionRequired Off, API call: the SDK body');
like($r->header('Content-Type') // '', qr{^application/json}, 'no session, SessionRequired Off: JSON');
$r = nav('/authz/optional/env.cgi');
is($r->code, 401, 'no session, SessionRequired Off, navigation: 401');
allowed('/authz/optional/env.cgi', 'alice', 'SessionRequired Off with an admin session');
denied('/authz/optional/env.cgi', 'bob',
       [{ id => 'st-role', reason => { message => 'wrong value', expectedToInclude => 'admin', actualValue => ['editor'] } }],
       'SessionRequired Off with an editor session');

# --- ap_expr: supertokens_claim() / %{SUPERTOKENS_CLAIM:...} --------------------------------
$r = api('/authz/if/env.cgi', 'alice');
is(env_of($r)->{ST_IF_BRANCH}, 'gold', '<If %{SUPERTOKENS_CLAIM:org.tier} == gold>');
is($r->header('X-ST-Level'), '3', 'Header expr=%{SUPERTOKENS_CLAIM:org.level}: a number as text');
is($r->header('X-ST-Roles'), '["admin","editor"]', 'Header expr= of an array claim: compact JSON');
$r = api('/authz/if/env.cgi', 'bob');
is(env_of($r)->{ST_IF_BRANCH}, 'editor', "<ElseIf 'editor' -in supertokens_claim('st-role.v')>");
$r = api('/authz/if/env.cgi', 'carol');
is(env_of($r)->{ST_IF_BRANCH}, 'other', '<Else> without those claims');
is($r->header('X-ST-Level') // '', '', 'a missing claim is the empty string');
$r = nav('/authz/if/env.cgi', 'alice');
is(env_of($r)->{ST_IF_BRANCH}, 'gold', '<If> with the cookie token');
allowed('/authz/if-gate/env.cgi', 'alice', "<If ! ('ops' -in supertokens_claim('groups'))> Require all denied: ops member");
$r = api('/authz/if-gate/env.cgi', 'bob');
is($r->code, 403, '<If> denying: not an ops member');
allowed('/authz/rewrite/env.cgi', 'alice', 'RewriteCond expr on a claim: gold passes');
$r = api('/authz/rewrite/env.cgi', 'bob');
is($r->code, 403, 'RewriteCond expr on a claim: free is refused');

# --- Require lines and expressions are checked at config time --------------------------------
{
    my $dir = tempdir(CLEANUP => 1);
    my $configtest = sub {
        return standalone_configtest($dir, "<Location /x>\nAuthType SuperTokens\n" . $_[0] . "</Location>\n");
    };
    my @bad = (
        ['regex that does not compile', "Require supertokens-claim email ~(unclosed\n",
         qr/supertokens-claim: cannot compile the regular expression '\(unclosed'/],
        ['claim without a value', "Require supertokens-claim email\n",
         qr/supertokens-claim needs at least one value/],
        ['claim without a name', "Require supertokens-claim\n", qr/supertokens-claim: the claim name is empty/],
        ['empty path segment', "Require supertokens-claim org..tier gold\n", qr/empty segment/],
        ['role without a role', "Require supertokens-role\n", qr/supertokens-role needs at least one role/],
        ['permission without a permission', "Require supertokens-permission\n",
         qr/supertokens-permission needs at least one permission/],
        ['email-verified with an argument', "Require supertokens-email-verified yes\n",
         qr/supertokens-email-verified takes no arguments/],
        ['expression with an invalid claim path', "Require valid-user\n<If \"%{SUPERTOKENS_CLAIM:a..b} == 'x'\">\n</If>\n",
         qr/supertokens_claim: .*empty segment/],
    );
    for my $case (@bad) {
        my ($name, $conf, $want) = @$case;
        my ($rc, $out) = $configtest->($conf);
        isnt($rc, 0, "configtest fails: $name");
        like($out, $want, "configtest names the problem: $name") or diag $out;
    }
    my ($rc, $out) = $configtest->(<<'EOC');
<RequireAll>
    Require supertokens-role admin "two words"
    Require supertokens-permission read:billing
    Require supertokens-email-verified
    Require supertokens-claim org.tier gold ~^plat "" 3
    Require not supertokens-claim https://example.com/plan free
    <RequireNone>
        Require supertokens-role banned
    </RequireNone>
    Require expr "'admin' -in supertokens_claim('st-role.v') || %{SUPERTOKENS_CLAIM:org.tier} =~ /gold/"
</RequireAll>
EOC
    ok($rc == 0 && $out =~ /Syntax OK/, 'configtest passes: every form') or diag $out;
}

done_testing();

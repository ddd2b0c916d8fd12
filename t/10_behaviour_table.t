# supertokens-node's verifySession behaviour table (test/auth-modes.test.js, protocol.md §6.1),
# the rows for the default token transfer method "any" (the only one the module has): token in
# header/cookie/both/neither x sessionRequired, each with a valid and with an expired token.
# Where both are sent, the header and the cookie carry different sessions, to see which one won.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest qw(GET);
use lib 't/lib';
use STTest qw(create_session forge env_of);

my $port = Apache::Test::vars('port');
my $iss = "http://localhost:$port/auth";
my $hs = create_session(user => 'user-header', claims => { iss => $iss });
my $cs = create_session(user => 'user-cookie', claims => { iss => $iss });
my $now = time;
sub expired {
    my ($s, $user) = @_;
    return forge(payload => { iat => $now - 600, exp => $now - 1, sub => $user, tId => 'public', rsub => $user,
                              sessionHandle => $s->{session}{handle}, refreshTokenHash1 => 'a' x 64,
                              parentRefreshTokenHash1 => undef, antiCsrfToken => undef, iss => $iss });
}
my %tok = (valid => { header => $hs->{accessToken}{token}, cookie => $cs->{accessToken}{token} },
           expired => { header => expired($hs, 'user-header'), cookie => expired($cs, 'user-cookie') });

# [sessionRequired, authHeader, authCookie, output] — the "any" rows of the table
my @rows = (
    [0, 0, 0, 'undefined'],
    [1, 0, 0, 'UNAUTHORISED'],
    [1, 1, 1, 'validateheader'],
    [0, 1, 1, 'validateheader'],
    [1, 1, 0, 'validateheader'],
    [0, 1, 0, 'validateheader'],
    [1, 0, 1, 'validatecookie'],
    [0, 0, 1, 'validatecookie'],
);

for my $row (@rows) {
    my ($required, $h, $c, $out) = @$row;
    for my $kind (qw(valid expired)) {
        my $name = sprintf('sessionRequired=%s header=%s cookie=%s %s token => %s', $required ? 'true' : 'false',
                           $h ? 'yes' : 'no', $c ? 'yes' : 'no', $kind, $out);
        my @hdr;
        push @hdr, Authorization => "Bearer $tok{$kind}{header}" if $h;
        push @hdr, Cookie => "sAccessToken=$tok{$kind}{cookie}" if $c;
        my $r = GET($required ? '/protected-cgi/env.cgi' : '/optional/env.cgi', @hdr);
        if ($out eq 'undefined') {
            ok($r->code == 200 && !exists env_of($r)->{REMOTE_USER}, "$name: no session, request goes on");
        }
        elsif ($out eq 'UNAUTHORISED') {
            ok($r->code == 401 && $r->content eq '{"message":"unauthorised"}', "$name: 401 unauthorised");
        }
        elsif ($kind eq 'expired') {
            ok($r->code == 401 && $r->content eq '{"message":"try refresh token"}', "$name: 401 try refresh token");
        }
        else {
            my $want = $out eq 'validateheader' ? 'user-header' : 'user-cookie';
            is(env_of($r)->{REMOTE_USER}, $want, "$name: session from the " . ($out eq 'validateheader' ? 'header' : 'cookie'));
        }
    }
}
done_testing();

# The per-process JWKS cache (src/jwks.c) against a slow core (issue 13): vhost jwks
# (t/conf/jwks.conf.in) has an I/O deadline of 3 s and a 1 s refresh interval; its double's
# JWKS is delayed by 5 s with the double's latency control.
#
#  * a request whose kid is in the current set, even a stale one, never waits for the core;
#  * a request with an unknown kid waits for the one fetch in flight, never for a second one,
#    and then uses the keys there are (try refresh token);
#  * after a fetch, a process asks again at the earliest 500 ms after its end
#    (supertokens-node's JWKS cooldown): a rotated key is accepted within that, a flood of
#    bogus kids costs one fetch per process per 500 ms.
#
# httpd runs several processes, each with its own cache. The test keeps $N keep-alive
# connections open for the whole file, so each request of a wave goes to a process whose
# cache the earlier phases prepared; the vhost's access log says which process (%P) served
# which request (X-Test-Seq), the error log (AH10020-AH10023, one per fetch attempt, with its
# pid and core URL) when each process fetched, and the double's stats how many fetches reached
# the core.
# Every response time is printed (diag); the timing assertions are bounds far from what a
# second fetch would cost.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use IO::Select ();
use IO::Socket::INET ();
use List::Util qw(max sum0);
use Time::HiRes qw(time sleep);
use Time::Local qw(timelocal);
use lib 't/lib';
use STTest qw(core core_ctl create_session);

my $CORE = $ENV{ST_JWKS_PORT} or die "ST_JWKS_PORT is not set";
my $IO = 3;              # SuperTokensCoreTimeout io= of vhost jwks
my $DELAY_MS = 5000;     # the JWKS answers after this: every fetch times out
my $COOLDOWN = 0.5;      # supertokens-node's JWKS cooldown
my $N = 8;               # parallel connections
my $TRY = '{"message":"try refresh token"}';
my $JWKS = 'GET /.well-known/jwks.json';

Apache::TestRequest::module('jwks');
my $hostport = Apache::TestRequest::hostport();
my ($port) = $hostport =~ /:(\d+)$/;
my $logs = Apache::Test::vars('t_logs');
my $error_log = "$logs/error_log";
my $access_log = "$logs/jwks_access_log";

# --- helpers ---------------------------------------------------------------------------------

sub ctl { my ($name, $body) = @_; core_ctl($name, $body, port => $CORE) }
sub jwks_fetches { ctl('stats')->{paths}{$JWKS} // 0 }

sub log_mark { my ($f) = @_; return -s $f // 0 }
sub log_since {
    my ($f, $mark) = @_;
    open my $fh, '<', $f or return '';
    seek $fh, $mark, 0;
    local $/;
    my $text = <$fh> // '';
    close $fh;
    return $text;
}

my %MON = (Jan => 0, Feb => 1, Mar => 2, Apr => 3, May => 4, Jun => 5, Jul => 6, Aug => 7,
           Sep => 8, Oct => 9, Nov => 10, Dec => 11);
# pid => [times of its JWKS fetch attempts] from the error log since $mark
sub fetch_attempts {
    my ($mark) = @_;
    my %by_pid;
    for my $l (split /\n/, log_since($error_log, $mark)) {
        next unless $l =~ /AH1002[0-3]:.*\(core http:\/\/127\.0\.0\.1:$CORE\)$/;
        my ($mon, $d, $h, $m, $s, $y, $pid) =
            $l =~ /^\[\w+ (\w+) (\d+) (\d+):(\d+):(\d+(?:\.\d+)?) (\d+)\] .*?\[pid (\d+):/ or next;
        my $int = int $s;
        push @{ $by_pid{$pid} }, timelocal($int, $m, $h, $d, $MON{$mon}, $y) + ($s - $int);
    }
    return \%by_pid;
}

# seq => pid from the access log (its lines are written once the reply has gone: wait for them)
sub pids_of {
    my ($mark, @seqs) = @_;
    my %pid;
    for (1 .. 60) {
        %pid = map { /^(\d+) (\d+) / ? ($2 => $1) : () } split /\n/, log_since($access_log, $mark);
        last unless grep { !$pid{$_} } @seqs;
        sleep 0.05;
    }
    return { map { $_ => $pid{$_} // 'unknown' } @seqs };
}

my @conns = map {
    IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp')
        or die "cannot connect to vhost jwks on $port: $!"
} 1 .. $N;
my $seq = 0;

# A complete HTTP/1.1 response in $buf: {code, body}, or undef while incomplete.
sub complete {
    my ($buf) = @_;
    my $end = index($buf, "\r\n\r\n");
    return undef if $end < 0;
    my $head = substr($buf, 0, $end);
    my $rest = substr($buf, $end + 4);
    my ($code) = $head =~ m{^HTTP/1\.\d (\d{3})} or die "not an HTTP response: $head";
    if ($head =~ /^Content-Length:\s*(\d+)/mi) {
        return length($rest) >= $1 ? { code => $code, body => substr($rest, 0, $1) } : undef;
    }
    if ($head =~ /^Transfer-Encoding:\s*chunked/mi) {
        return undef unless $rest =~ /(?:^|\r\n)0\r\n\r\n\z/;
        my $body = '';
        while ($rest =~ /\G([0-9a-fA-F]+)\r\n/gc) {
            my $len = hex $1;
            last if $len == 0;
            $body .= substr($rest, pos($rest), $len);
            pos($rest) = pos($rest) + $len + 2;
        }
        return { code => $code, body => $body };
    }
    return { code => $code, body => $rest };   # no body (e.g. 304)
}

# One request per connection, all written before any is read; returns, in connection order,
# [{conn, seq, code, body, secs}] with secs = time from the first write to the full reply.
sub wave {
    my ($label, $token_of) = @_;   # $token_of->($conn_index)
    my (%pending, @out);
    my $t0 = time;
    for my $i (0 .. $N - 1) {
        my $s = ++$seq;
        my $req = "GET /protected/index.html HTTP/1.1\r\nHost: $hostport\r\n"
                . "Authorization: Bearer " . $token_of->($i) . "\r\nX-Test-Seq: $s\r\n\r\n";
        (syswrite($conns[$i], $req) // -1) == length $req or die "$label: write on connection $i: $!";
        $pending{fileno $conns[$i]} = { conn => $i, seq => $s, buf => '' };
    }
    my $sel = IO::Select->new(@conns);
    while (%pending) {
        my @ready = $sel->can_read(30) or die "$label: no answer within 30 s";
        for my $fh (@ready) {
            my $p = $pending{fileno $fh} or die "$label: unexpected data on a connection";
            my $n = sysread($fh, $p->{buf}, 65536, length $p->{buf});
            die "$label: connection $p->{conn} closed by the server" unless $n;
            my $res = complete($p->{buf}) or next;
            push @out, { conn => $p->{conn}, seq => $p->{seq}, %$res, secs => time - $t0 };
            delete $pending{fileno $fh};
            $sel->remove($fh);
        }
    }
    return [sort { $a->{conn} <=> $b->{conn} } @out];
}

sub show {
    my ($label, $res, $pid_of) = @_;
    diag(sprintf "%s: %s", $label, join ' ',
         map { sprintf '%.3fs/%d/pid%s', $_->{secs}, $_->{code}, $pid_of->{ $_->{seq} } } @$res);
}

sub ndistinct { my %h = map { $_ => 1 } @_; return scalar keys %h }

my $session = create_session(user => 'jwks-user', port => $CORE);
my $token = $session->{accessToken}{token};
my $kid_n = 0;
# a token whose kid no JWKS lists (signed with the double's "foreign" key)
sub bogus_token {
    my $now = time;
    my $kid = sprintf 'd-%d%03d', $now * 1000, ++$kid_n;
    return ctl('sign', { key => 'foreign', header => { kid => $kid, typ => 'JWT', version => '5', alg => 'RS256' },
                         payload => { sub => 'x', iat => int $now, exp => int($now) + 600, sessionHandle => 'h',
                                      tId => 'public', rsub => 'x', refreshTokenHash1 => 'a' x 64,
                                      parentRefreshTokenHash1 => undef, antiCsrfToken => undef } })->{token};
}

# --- priming: every process behind the connections fetches the keys ----------------------------
ctl('reset', {});
{
    my $amark = log_mark($access_log);
    my $res = wave('prime', sub { $token });
    my $pid_of = pids_of($amark, map { $_->{seq} } @$res);
    show('prime', $res, $pid_of);
    is(scalar(grep { $_->{code} == 200 } @$res), $N, "priming: $N requests with a valid token answer 200");
    diag(sprintf 'the %d connections go to %d httpd process(es)', $N, ndistinct(values %$pid_of));
}

# --- a stale set and a slow core: a known kid never waits ----------------------------------------
my $t_fetch_end;
{
    # older than SuperTokensJWKSRefreshInterval 1, and past any cooldown since the priming
    # fetch (the module's earlier 2 s one included: it would hide the stale refetch)
    sleep 2.3;
    ctl('reset', {});
    ctl('latency', { ms => $DELAY_MS, path => '/.well-known/jwks.json' });
    my ($emark, $amark) = (log_mark($error_log), log_mark($access_log));
    my $t0 = time;
    my $res = wave('known kid, stale keys, slow core', sub { $token });
    my $pid_of = pids_of($amark, map { $_->{seq} } @$res);
    show('known kid, stale keys, JWKS 5 s late', $res, $pid_of);
    is(scalar(grep { $_->{code} == 200 } @$res), $N, 'every request with a known kid is accepted');
    my $slowest = max(map { $_->{secs} } @$res);
    cmp_ok($slowest, '<', 2.5, "none waited for the core (slowest answer ${\ sprintf '%.3f', $slowest} s; io timeout $IO s)");

    # the refresh runs behind the requests and times out after io=3 s
    sleep max(0, $t0 + $IO + 0.4 - time);
    $t_fetch_end = time;
    my $pids = ndistinct(values %$pid_of);
    my $fetches = jwks_fetches();
    diag("JWKS fetches that reached the core: $fetches, from $pids process(es)");
    ok($fetches >= 1 && $fetches <= $pids, 'the stale keys were refetched, once per process')
        or diag explain ctl('stats');
    my $attempts = fetch_attempts($emark);
    ok(!(grep { @{ $attempts->{$_} } > 1 } keys %$attempts), 'no process fetched twice')
        or diag explain $attempts;
    like(log_since($error_log, $emark), qr/AH10020: JWKS fetch from the core failed: .*\(core http:\/\/127\.0\.0\.1:$CORE\)/,
         'the refetch timed out (the keys in use were kept)');
}

# --- an unknown kid and a slow core: one fetch, never a second ------------------------------------
{
    sleep max(0, $t_fetch_end + $COOLDOWN + 0.2 - time);   # every process may fetch again
    ctl('reset', {});
    ctl('latency', { ms => $DELAY_MS, path => '/.well-known/jwks.json' });
    my ($emark, $amark) = (log_mark($error_log), log_mark($access_log));
    my $t0 = time;
    my $bogus = bogus_token();
    my $res = wave('unknown kid, slow core', sub { $bogus });
    my $pid_of = pids_of($amark, map { $_->{seq} } @$res);
    show('unknown kid, JWKS 5 s late', $res, $pid_of);
    is(scalar(grep { $_->{code} == 401 && $_->{body} eq $TRY } @$res), $N,
       'after the failed fetch, the keys in use answer: try refresh token (no 503)');
    my $slowest = max(map { $_->{secs} } @$res);
    cmp_ok($slowest, '<', $IO + 1.5,
           "none waited for more than one fetch (slowest ${\ sprintf '%.3f', $slowest} s; a second fetch would end after " . (2 * $IO) . ' s)');

    sleep max(0, $t0 + $IO + 0.4 - time);
    my $pids = ndistinct(values %$pid_of);
    my $fetches = jwks_fetches();
    diag("JWKS fetches that reached the core: $fetches, from $pids process(es)");
    ok($fetches >= 1 && $fetches <= $pids, 'at most one fetch per process') or diag explain ctl('stats');
    my $attempts = fetch_attempts($emark);
    ok(!(grep { @{ $attempts->{$_} } > 1 } keys %$attempts), 'no process fetched twice')
        or diag explain $attempts;
    $t_fetch_end = time;
}

# --- key rotation: a new kid is accepted within the 500 ms cooldown ------------------------------
{
    sleep max(0, $t_fetch_end + $COOLDOWN + 0.2 - time);
    ctl('reset', {});   # no more latency
    # every process fetches for a bogus kid: each is in its cooldown from now on
    my $bogus = bogus_token();
    my $res = wave('bogus kid', sub { $bogus });
    is(scalar(grep { $_->{code} == 401 } @$res), $N, 'bogus kid: refused');
    my $t_bogus = time;
    my $rot = ctl('rotate-keys', {});
    my $new = create_session(user => 'jwks-rotated', port => $CORE)->{accessToken}{token};
    is(STTest::jwt_header($new)->{kid}, $rot->{kid}, 'the core signs with the new key');

    my (%accepted, @tries);
    while (keys %accepted < $N && time - $t_bogus < 4) {
        my $w = wave('new kid', sub { $new });
        for (@$w) {
            $accepted{ $_->{conn} } //= time - $t_bogus if $_->{code} == 200;
        }
        push @tries, join '', map { $_->{code} == 200 ? '+' : '-' } @$w;
        sleep 0.05;
    }
    diag('new kid after a bogus-kid fetch, per try (+ accepted, - refused): ' . join ' ', @tries);
    diag('accepted after: ' . join ' ', map { sprintf '%.3fs', $accepted{$_} // -1 } 0 .. $N - 1);
    is(scalar keys %accepted, $N, 'the new kid is accepted on every connection');
    my $latest = max(values %accepted) // 99;
    cmp_ok($latest, '<', $COOLDOWN + 1.0,
           "accepted within the 500 ms cooldown + slack (latest ${\ sprintf '%.3f', $latest} s after the bogus-kid fetch)");
}

# --- a flood of bogus kids: one fetch per process per 500 ms --------------------------------------
{
    ctl('reset', {});
    my ($emark, $amark) = (log_mark($error_log), log_mark($access_log));
    my $t0 = time;
    my @seqs;
    while (time - $t0 < 2.2) {
        my $bogus = bogus_token();
        push @seqs, map { $_->{seq} } @{ wave('flood', sub { $bogus }) };
        sleep 0.01;   # a flood all the same, without filling the error log
    }
    my $dur = time - $t0;
    my $pid_of = pids_of($amark, @seqs);
    my $pids = ndistinct(values %$pid_of);
    my $attempts = fetch_attempts($emark);
    my $fetches = jwks_fetches();
    diag(sprintf '%d bogus-kid requests in %.2f s from %d process(es): %d JWKS fetch(es); per process: %s',
         scalar @seqs, $dur, $pids, $fetches,
         join ' ', map { "pid$_=" . scalar @{ $attempts->{$_} } } sort keys %$attempts);
    my $max_each = int($dur / $COOLDOWN) + 1;
    ok(!(grep { @{ $attempts->{$_} } > $max_each } keys %$attempts), "at most $max_each fetches per process");
    cmp_ok($fetches, '<=', $pids * $max_each, 'the core saw no more than that');
    my @gaps = map { my $t = $attempts->{$_}; map { $t->[$_] - $t->[$_ - 1] } 1 .. $#$t } keys %$attempts;
    diag('gaps between fetches of one process: ' . join ' ', map { sprintf '%.3fs', $_ } sort { $a <=> $b } @gaps);
    ok(!(grep { $_ < $COOLDOWN - 0.001 } @gaps), 'a process fetches again only after 500 ms');
    ok((grep { @{ $attempts->{$_} } >= 3 } keys %$attempts),
       'and does fetch again after 500 ms (3 or more fetches in 2.2 s for some process)')
        or diag explain $attempts;
}

ctl('reset', {});
close $_ for @conns;
my $log = log_since($error_log, 0);
unlike($log, qr/exit signal|Segmentation fault|AH00052/, 'no child crashed');

done_testing();

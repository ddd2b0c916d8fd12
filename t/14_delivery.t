# Password-reset links leave the request (src/delivery.h; issue 13, item 3): every valid
# request gets the same {"status":"OK"} at once, whether the account exists and however slow
# the delivery program is; a burst for one email neither ties up httpd's workers nor sends
# more than one link per process and minute; a hanging program is killed at its deadline, a
# failing one and a core outage are logged; the per-process queue is bounded.
#
# Virtual hosts: t/conf/delivery.conf.in; programs: t/bin/delivery-*. A keep-alive agent keeps
# its requests on one connection, hence in one httpd process (the queue and the repeat limit
# are per process).
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest ();
use LWP::UserAgent ();
use HTTP::Request ();
use JSON::PP ();
use POSIX ();
use Time::Local ();
use Time::HiRes qw(time sleep);
use lib 't/lib';
use STTest qw(core);

my $logs = Apache::Test::vars('t_logs');
my $json = JSON::PP->new->canonical;
my $run = int(rand(1e9));
my $OK = '{"status":"OK"}';
# how long a delivery may take to show: a message may wait behind the hanging programs (10 s)
my $WAIT = 25;

my %base;
for my $vh (qw(default delivery_slow delivery_append delivery_hang delivery_fail delivery_gate delivery_dead_core)) {
    Apache::TestRequest::module($vh);
    $base{$vh} = 'http://' . Apache::TestRequest::hostport();
}
Apache::TestRequest::module('default');

unlink map { "$logs/$_" } qw(delivery-slow.txt delivery-append.txt delivery-gate.txt delivery-hang.pids
                             delivery-gate.closed);

sub agent { my ($keep_alive) = @_; return LWP::UserAgent->new(keep_alive => $keep_alive ? 1 : 0, timeout => 30) }

# POST the reset-token form for $email to virtual host $vh: (response, seconds)
sub ask_reset {
    my ($ua, $vh, $email) = @_;
    my $req = HTTP::Request->new(POST => "$base{$vh}/auth/user/password/reset/token",
                                 ['Content-Type' => 'application/json', rid => 'emailpassword'],
                                 $json->encode({ formFields => [{ id => 'email', value => $email }] }));
    my $t0 = time;
    my $res = $ua->request($req);
    return ($res, time - $t0);
}

sub signup {
    my ($email) = @_;
    my $r = core('POST', '/public/recipe/signup', { email => $email, password => 'abcd1234' }, rid => 'emailpassword');
    die "sign-up of $email failed: " . $json->encode($r) unless ($r->{status} // '') eq 'OK';
}

sub log_lines {
    my ($re) = @_;
    open my $fh, '<', "$logs/error_log" or die "$logs/error_log: $!";
    return grep { /$re/ } <$fh>;
}
sub pid_of { return $_[0] =~ /\[pid (\d+)/ ? $1 : 0 }
# the time stamp of an error_log line, in seconds since the epoch
sub time_of {
    my ($line) = @_;
    my %mon;
    @mon{qw(Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec)} = 0 .. 11;
    my ($mo, $d, $h, $mi, $s, $f, $y) = $line =~ /^\[\w+ (\w+) (\d+) (\d+):(\d+):(\d+)(\.\d+) (\d+)\]/ or return 0;
    return Time::Local::timelocal($s, $mi, $h, $d, $mon{$mo}, $y) + $f;
}

# Polls $probe every 50 ms for at most $secs seconds until it returns something true.
sub wait_for {
    my ($probe, $secs) = @_;
    my $end = time + $secs;
    while (time < $end) { my $v = $probe->(); return $v if $v; sleep 0.05 }
    return $probe->();
}

# The emails a capture program received ("<email>\n<link>\n" per message).
sub delivered {
    my ($file) = @_;
    open my $fh, '<', "$logs/$file" or return ();
    my @l = <$fh>;
    chomp @l;
    my @emails = @l[grep { $_ % 2 == 0 } 0 .. $#l];
    return @emails;
}

# Every queued message (AH10088) ends in exactly one of these lines: handed over, killed,
# failed, not started, cannot wait, logged, core failure, no such user.
my $FINAL = qr/AH(?:10083|10081|10082|10080|10300|10084|10085|10302|10303):/;
sub wait_idle {
    my ($secs) = @_;
    return wait_for(sub { scalar(log_lines(qr/AH10088:/)) == scalar(log_lines($FINAL)) }, $secs);
}

sub median { my @s = sort { $a <=> $b } @_; return $s[int($#s / 2)] }
sub ms { return sprintf '%.1f ms', 1000 * $_[0] }

# --- a hanging program: answers stay fast, it is killed after 10 s -----------------------------
# Two hanging messages occupy both delivery threads of one process; a third request on the same
# connection still answers at once, its message waits in the queue.
my @hang = map { "hang$_.$run\@example.com" } 1 .. 2;
signup($_) for @hang;
my $hang_ua = agent(1);
my $hang_asked = time;
my @hang_answers = map { [ask_reset($hang_ua, 'delivery_hang', $_)] } @hang, "hang-unknown.$run\@example.com";
ok(!grep({ $_->[0]->code != 200 || $_->[0]->content ne $OK } @hang_answers), 'hanging program: every answer is 200 OK');
ok(!grep({ $_->[1] >= 1 } @hang_answers), 'hanging program: every answer in < 1 s, the third with both threads stuck')
    or diag join ', ', map { ms($_->[1]) } @hang_answers;

# --- answer time does not tell whether the account exists ----------------------------------------
{
    my @known = map { "known$_.$run\@example.com" } 1 .. 3;
    my @unknown = map { "unknown$_.$run\@example.com" } 1 .. 3;
    signup($_) for @known;
    my (@tk, @tu, @bodies);
    for my $i (0 .. $#known) {
        my ($rk, $sk) = ask_reset(agent(0), 'delivery_slow', $known[$i]);
        my ($ru, $su) = ask_reset(agent(0), 'delivery_slow', $unknown[$i]);
        push @tk, $sk;
        push @tu, $su;
        push @bodies, $rk->code . ' ' . $rk->content, $ru->code . ' ' . $ru->content;
    }
    is_deeply(\@bodies, [("200 $OK") x 6], 'existing and unknown emails get the same answer');
    diag sprintf 'reset-token answer time with a 3 s delivery program: existing accounts %s, unknown emails %s',
        join(' ', map { ms($_) } @tk), join(' ', map { ms($_) } @tu);
    ok(!grep({ $_ >= 1 } @tk), 'existing accounts: every answer in < 1 s (the program takes 3 s)');
    ok(!grep({ $_ >= 1 } @tu), 'unknown emails: every answer in < 1 s');

    my $all = wait_for(sub { my %d = map { $_ => 1 } delivered('delivery-slow.txt'); !grep { !$d{$_} } @known }, $WAIT);
    ok($all, 'the links for the existing accounts reached the program');
    ok(wait_for(sub { scalar(grep { my $u = $_; log_lines(qr/AH10303: password reset for \Q$u\E /) } @unknown) == 3 }, $WAIT),
       'unknown emails: the delivery thread logged that no such user exists');
    my %d = map { $_ => 1 } delivered('delivery-slow.txt');
    ok(!grep({ $d{$_} } @unknown), 'nothing was sent for the unknown emails');
}

# --- 24 parallel requests for one email: fast, one link per process, workers stay free ---------
{
    my $email = "burst.$run\@example.com";
    signup($email);
    pipe(my $rd, my $wr) or die $!;
    my @kids;
    for (1 .. 24) {
        my $pid = fork // die "fork: $!";
        if (!$pid) {
            close $rd;
            my ($res, $secs) = ask_reset(agent(0), 'delivery_slow', $email);
            syswrite $wr, join("\t", $res->code, $res->content, $secs) . "\n";
            POSIX::_exit(0);
        }
        push @kids, $pid;
    }
    close $wr;
    sleep 0.05;
    my $t0 = time;
    my $other = agent(0)->get("$base{default}/public/index.html");
    my $other_secs = time - $t0;
    my @answers = map { chomp; [split /\t/] } <$rd>;
    waitpid $_, 0 for @kids;

    is(scalar(@answers), 24, 'burst: 24 answers');
    ok(!grep({ $_->[0] != 200 || $_->[1] ne $OK } @answers), 'burst: every answer is 200 OK');
    my @secs = map { $_->[2] } @answers;
    diag sprintf 'burst of 24 parallel reset-token requests (3 s program): median %s, slowest %s; '
               . 'a static file on another virtual host meanwhile: %s', ms(median(@secs)), ms((sort { $b <=> $a } @secs)[0]),
               ms($other_secs);
    ok(!grep({ $_ >= 1 } @secs), 'burst: every answer in < 1 s');
    ok($other->code == 200 && $other_secs < 1, 'burst: another virtual host answers at once meanwhile');

    my @queued = log_lines(qr/AH10088: password reset link for \Q$email\E queued/);
    my @repeats = log_lines(qr/AH10086: password reset link for \Q$email\E: one was queued less than 60 s ago/);
    my %per_pid;
    $per_pid{pid_of($_)}++ for @queued;
    is(@queued + @repeats, 24, 'burst: each request was either queued or logged as a repeat');
    ok(@queued >= 1 && !grep({ $_ > 1 } values %per_pid), 'burst: at most one message per process')
        or diag "queued per process: " . join(', ', map { "$_: $per_pid{$_}" } sort keys %per_pid);
    ok(wait_for(sub { scalar(grep { $_ eq $email } delivered('delivery-slow.txt')) == @queued }, $WAIT),
       'burst: the program got one link per queued message, no more');
}

# --- the same email again within a minute, on one connection (one process) ------------------------
{
    my $email = "Repeat.$run\@Example.com";
    my $other = "other.$run\@example.com";
    signup(lc $email);
    signup($other);
    my $ua = agent(1);
    my @answers = map { [ask_reset($ua, 'delivery_append', $_)] } $email, lc($email), '  ' . uc($email) . '  ', $other;
    ok(!grep({ $_->[0]->code != 200 || $_->[0]->content ne $OK } @answers), 'repeats: every answer is 200 OK');
    my @lines = log_lines(qr/AH1008[68]: password reset link for (?i:\Q$email\E|\Q$other\E)\b/);
    my %pids = map { pid_of($_) => 1 } @lines;
    is(scalar(keys %pids), 1, 'repeats: one connection, one process (precondition)');
    is(scalar(grep { /AH10086: .*one was queued less than 60 s ago/i } @lines), 2,
       'repeats: the same email, other case and padded, logged as repeats');
    ok(wait_for(sub { grep { $_ eq $other } delivered('delivery-append.txt') }, $WAIT), 'repeats: another email is still sent');
    ok(wait_for(sub { scalar(grep { lc($_) eq lc($email) } delivered('delivery-append.txt')) == 1 }, $WAIT),
       'repeats: one link for the email');
    my $tokens = core('GET', '/__test/requests?path=/public/recipe/user/password/reset/token&method=POST');
    is(scalar(grep { lc($_->{json}{email} // '') eq lc($email) } @{ $tokens->{requests} // [] }), 1,
       'repeats: the core was asked for one reset token');
}

# --- a failing program and a core outage are logged; the answer is still OK ------------------
{
    my $email = "fail.$run\@example.com";
    signup($email);
    my ($r, $secs) = ask_reset(agent(0), 'delivery_fail', $email);
    ok($r->code == 200 && $r->content eq $OK && $secs < 1, 'failing program: 200 OK at once');
    ok(wait_for(sub { log_lines(qr{AH10082: SuperTokensPasswordResetCommand: \S+/delivery-fail failed \(status 3\) \(password reset link for \Q$email\E\)}) }, $WAIT),
       'failing program: its exit status is logged');

    ($r, $secs) = ask_reset(agent(0), 'delivery_dead_core', $email);
    ok($r->code == 200 && $r->content eq $OK && $secs < 1,
       'core unreachable: 200 OK at once (the lookup runs on the delivery thread)');
    ok(wait_for(sub { log_lines(qr/AH10302: password reset for \Q$email\E \(tenant public\): the user lookup failed, no link sent: the SuperTokens core is not reachable/) }, $WAIT),
       'core unreachable: logged by the delivery thread');
}

# --- the hanging programs: killed at the deadline, not before --------------------------------
{
    my @killed = @{ wait_for(sub { my @l = log_lines(qr{AH10081: .*/delivery-hang did not finish in time: killed after 10 s}); @l >= 2 ? \@l : undef }, 16) // [] };
    is(scalar(@killed), 2, 'hanging program: both runs killed, each logged');
    my @after = map { time_of($_) - $hang_asked } @killed;
    diag sprintf 'hanging program: killed %s s after the requests', join(' and ', map { sprintf '%.2f', $_ } @after);
    ok(@after == 2 && !grep({ $_ < 9.5 || $_ > 13 } @after), 'hanging program: killed at its 10 s deadline, not before');
    ok(!grep({ $_ && kill(0, $_) } map { /(\d+)/ ? $1 : 0 } do { open my $fh, '<', "$logs/delivery-hang.pids" or die $!; <$fh> }),
       'hanging program: its processes are gone');
    ok(wait_for(sub { log_lines(qr/AH10303: password reset for hang-unknown\.$run\@example\.com /) }, 5),
       'hanging program: the message queued behind them was handled afterwards');
}

# --- the queue bound: a flood of distinct emails while the program waits ------------------------
{
    ok(wait_idle(20), 'no delivery left running before the flood');
    my @emails = map { "flood$_.$run\@example.com" } 1 .. 90;
    signup($_) for @emails;
    open my $gate, '>', "$logs/delivery-gate.closed" or die $!;
    close $gate;
    my $ua = agent(1);
    my @answers = map { [ask_reset($ua, 'delivery_gate', $_)] } @emails;
    my @secs = map { $_->[1] } @answers;
    diag sprintf 'flood of 90 emails on one connection, program blocked: median %s, slowest %s',
        ms(median(@secs)), ms((sort { $b <=> $a } @secs)[0]);
    ok(!grep({ $_->[0]->code != 200 || $_->[0]->content ne $OK } @answers), 'flood: every answer is 200 OK');
    ok(!grep({ $_ >= 1 } @secs), 'flood: every answer in < 1 s');

    my @queued = log_lines(qr/AH10088: password reset link for flood\d+\.$run\@example\.com queued/);
    my @dropped = log_lines(qr/AH10087: password reset link for flood\d+\.$run\@example\.com dropped: the queue is full/);
    my %pids = map { pid_of($_) => 1 } @queued, @dropped;
    diag sprintf 'flood: %d queued, %d dropped', scalar(@queued), scalar(@dropped);
    is(scalar(keys %pids), 1, 'flood: one connection, one process (precondition)');
    is(@queued + @dropped, 90, 'flood: each message queued or dropped with a log line');
    ok(@queued >= 64 && @queued <= 66, 'flood: at most 64 waiting + 2 running per process');

    unlink "$logs/delivery-gate.closed";
    my %want = map { /for (\S+) queued/ ? ($1 => 1) : () } @queued;
    ok(wait_for(sub { scalar(delivered('delivery-gate.txt')) >= keys %want }, 30), 'flood: the queue drains once the program returns');
    my %got = map { $_ => 1 } delivered('delivery-gate.txt');
    is_deeply(\%got, \%want, 'flood: exactly the queued messages were delivered, the dropped ones never');
    ok(wait_idle(10), 'no delivery left running after the flood');
}

# --- a graceful restart: queued messages still go out for 2 s, the rest is dropped and logged --
# Two messages hold both threads of one process (the gate is closed), three wait; then httpd
# restarts gracefully and the old process exits once its connections and deliveries are done.
# Under -one-process (make test-valgrind) a restart would restart the one process: skipped there.
sub graceful_round {
    my ($tag, $hold) = @_;
    my @emails = map { "$tag$_.$run\@example.com" } 1 .. 5;
    signup($_) for @emails;
    open my $gate, '>', "$logs/delivery-gate.closed" or die $!;
    close $gate;
    my $ua = agent(1);
    my @answers = map { [ask_reset($ua, 'delivery_gate', $_)] } @emails;
    $ua->conn_cache->drop;      # let the old process go
    my @queued = log_lines(qr/AH10088: password reset link for $tag\d\.$run\@example\.com queued/);
    my %pids = map { pid_of($_) => 1 } @queued;
    my ($pid) = keys %pids;
    my $parent = do { open my $fh, '<', "$logs/httpd.pid" or die $!; local $/; <$fh> } =~ s/\s+//gr;
    return (\@answers, \@queued, $pid, 'one-process') if keys(%pids) != 1 || $pid == $parent;
    kill 'USR1', $parent or die "kill USR1 $parent: $!";
    sleep $hold;
    unlink "$logs/delivery-gate.closed";
    my $exited = wait_for(sub { !kill(0, $pid) || `cat /proc/$pid/stat 2>/dev/null` =~ /^\d+ \(.*\) Z/ }, 15);
    my @got = grep { /^$tag\d\./ } delivered('delivery-gate.txt');
    return (\@answers, \@queued, $pid, '', $exited, \@got);
}
SKIP: {
    my ($answers, $queued, $pid, $skip, $exited, $got) = graceful_round('drain', 0.5);
    skip 'httpd runs as one process (-one-process): no graceful restart of a child', 8 if $skip;
    ok(!grep({ $_->[0]->content ne $OK } @$answers) && @$queued == 5, 'graceful restart: 5 messages queued in one process');
    ok($exited, 'graceful restart: the old process exited');
    is(scalar(@$got), 5, 'graceful restart, gate open after 0.5 s: the 3 waiting messages still went out');
    ok(!log_lines(qr/\[pid $pid:.*AH10089:/), 'graceful restart: nothing dropped');

    ($answers, $queued, $pid, $skip, $exited, $got) = graceful_round('drop', 3);
    ok($exited, 'graceful restart, gate open after 3 s: the old process exited');
    is(scalar(@$got), 2, 'graceful restart, gate open after 3 s: the 2 running programs finished');
    ok(log_lines(qr/\[pid $pid:.*AH10089: process exiting: 3 queued message\(s\) dropped after 2 s/),
       'graceful restart: the 3 messages still waiting after 2 s were dropped, with a log line');
    ok(!log_lines(qr/AH00052|Segmentation fault/), 'no httpd process crashed');
}
is(agent(0)->get("$base{default}/public/index.html")->code, 200, 'httpd still answers');

done_testing();

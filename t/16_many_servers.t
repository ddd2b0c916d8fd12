# Many Apache servers: build/many-servers runs two httpds with the module behind a third running
# mod_proxy_balancer (byrequests, no stickiness), all on one core double, and checks that
# requests alternate, a refresh on one server is honoured on the other, and that stopping one
# server and gracefully restarting the other under wrk load loses no session and gives 5xx only
# for the requests in flight on the stopped server. Each of its checks is one test here; its
# counts are printed as diagnostics.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Cwd ();

plan skip_all => 'not under valgrind (wrk load against httpds of its own)' if $ENV{ST_VALGRIND_DIR};
plan skip_all => 'wrk is not installed' unless grep { -x "$_/wrk" } split /:/, $ENV{PATH};

my $vars = Apache::Test::vars();
my $top = Cwd::abs_path("$vars->{serverroot}/..");
local $ENV{MANY_DIR} = "$vars->{t_logs}/many-servers";
local $ENV{MANY_SECONDS} = $ENV{MANY_SECONDS} // 9;
local $ENV{ST_HTTPD} = $vars->{httpd};

my @out = `$top/build/many-servers 2>&1`;
my $status = $? >> 8;
my $checks = 0;
for (@out) {
    chomp;
    if (/^many-servers: ok: (.*)/)      { ok(1, $1); $checks++ }
    elsif (/^many-servers: FAIL: (.*)/) { ok(0, $1); $checks++ }
    elsif (/^many-servers: (.*)/)       { my $line = $1; diag($line) unless $line =~ /^(?:PASS|FAIL)/ }
    else                                { diag($_) }
}
cmp_ok($checks, '>=', 15, "build/many-servers made all its checks ($checks)");
is($status, 0, 'build/many-servers exits 0');
done_testing();

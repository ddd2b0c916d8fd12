# Browser tests of Passwordless sign-in (issue 20), t/browser/passwordless.js: Debian's headless
# Chromium (playwright-core) through the built-in pages of the "pl" vhost (t/conf/passwordless.conf.in):
#   - a protected PHP page -> the sign-in page -> an email -> the delivered magic link -> signed in
#     on the PHP page; the used link, opened elsewhere, asks first and is then refused;
#   - the same with the typed code after one wrong code (the attempts left are shown);
#   - a link opened in another browser: "Continue", then signed in there;
#   - passwordless instead of passwords (SuperTokensRecipes session passwordless, magic links);
#   - supertokens-web-js's Passwordless recipe from another origin (the website vhost) against the
#     pl_sdk vhost: createCode, a wrong code, resendCode, the right code, a session the protected
#     PHP page accepts, doesEmailExist, sign-out.
# Screenshots: t/logs/screenshots/passwordless-*.png (copies in docs/screenshots). Needs node,
# t/browser/node_modules and /usr/bin/chromium like t/09_browser.t; ST_SKIP_BROWSER=1 skips it.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use JSON::PP ();
use POSIX ();

plan skip_all => 'ST_SKIP_BROWSER is set' if $ENV{ST_SKIP_BROWSER};

my $t = Apache::Test::vars('t_dir');
my $logs = Apache::Test::vars('t_logs');
my %url = map { $_ => 'http://localhost:' . (Apache::Test::vars("${_}_port") // die "no ${_}_port\n") }
          qw(pl pl_link pl_sdk website);

ok(system('sh', '-c', 'command -v node >/dev/null') == 0, 'node is installed');
ok(-x ($ENV{ST_CHROMIUM} // '/usr/bin/chromium'), 'Chromium is installed (Debian package chromium)')
    or diag 'run build/install-deps as root';
ok(-d "$t/browser/node_modules/playwright-core" && -d "$t/browser/node_modules/supertokens-web-js",
   'playwright-core and supertokens-web-js are installed in t/browser') or diag 'run build/install-deps';

my @cmd = ('node', "$t/browser/passwordless.js", '--pl', $url{pl}, '--link', $url{pl_link}, '--website', $url{website},
           '--sdk', $url{pl_sdk}, '--logs', $logs, '--shots', "$logs/screenshots");
my $pid = open(my $fh, '-|') // die "fork: $!";
if (!$pid) {
    open STDERR, '>', "$logs/browser-passwordless.err" or POSIX::_exit(1);
    exec @cmd or POSIX::_exit(127);
}
my ($checks, $done) = (0, undef);
eval {
    local $SIG{ALRM} = sub { die "timeout\n" };
    alarm 150;
    while (my $line = <$fh>) {
        my $o = eval { JSON::PP::decode_json($line) };
        if (!$o) { diag "passwordless.js: $line"; next; }
        if (exists $o->{ok}) {
            $checks++;
            ok($o->{ok} ? 1 : 0, $o->{name}) or diag $o->{diag} // '';
        } elsif ($o->{done}) {
            $done = $o;
        } elsif (defined $o->{note}) {
            note $o->{note};
            diag $o->{diag} if defined $o->{diag};
        }
    }
    alarm 0;
    1;
} or do {
    kill 'TERM', $pid;
    ok(0, 'passwordless.js finished within 150 s');
};
close $fh;
my $status = $? >> 8;
my $err = do { local (@ARGV, $/) = "$logs/browser-passwordless.err"; -e $ARGV[0] ? <> : '' } // '';
ok($status == 0 && $done && $checks >= 50, "passwordless.js ran every scenario ($checks checks, exit $status)") or diag $err;
my @shots = glob("$logs/screenshots/passwordless-*.png");
ok(@shots >= 6, scalar(@shots) . ' screenshots of the passwordless pages in t/logs/screenshots');
note "browser tests took $done->{ms} ms" if $done;

done_testing();

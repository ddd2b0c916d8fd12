# The freshly built module is what the test server loaded (httpd -M), and it answers.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest qw(GET);

plan tests => 6;

my $vars = Apache::Test::vars();
my $modules = `$vars->{httpd} -f $vars->{t_conf_file} -M 2>&1`;
like($modules, qr/^\s*supertokens_module \(shared\)$/m, 'httpd -M lists supertokens_module');

# t/TEST.PL sets ST_MODULE_SO: the build output, or the sanitized build of make test-asan
my $conf = do { local (@ARGV, $/) = "$vars->{t_conf}/extra.conf"; <> };
like($conf, qr/^LoadModule supertokens_module \$\{ST_MODULE_SO\}$/m, 'extra.conf loads ${ST_MODULE_SO}');
like($ENV{ST_MODULE_SO} // '', qr{/(?:\.libs|build/asan)/mod_supertokens\.so$},
     "the build output is the module loaded ($ENV{ST_MODULE_SO})");

my $r = GET '/public/index.html';
is($r->code, 200, 'server with the module serves an unprotected file');

# Only the module record is exported: httpd loads every module into one namespace, where a
# global st_* function could clash with another module's or library's symbol of that name.
# (Names starting with "_" are the toolchain's own, as a sanitizer's.)
SKIP: {
    my @defined = `nm -D --defined-only '$ENV{ST_MODULE_SO}' 2>/dev/null`;
    skip 'nm (binutils) is not installed', 2 unless @defined;
    my @ours = grep { !/^_/ } map { (split ' ')[-1] } @defined;
    is_deeply(\@ours, ['supertokens_module'], 'the module exports supertokens_module and nothing else');
    ok(!grep({ /^st_/ } @ours), '... no st_* function');
}

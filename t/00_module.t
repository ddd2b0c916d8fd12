# The freshly built module is what the test server loaded (httpd -M), and it answers.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest qw(GET);

plan tests => 4;

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

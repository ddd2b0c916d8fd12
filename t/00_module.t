# The freshly built module is what the test server loaded (httpd -M), and it answers.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest qw(GET);

plan tests => 3;

my $vars = Apache::Test::vars();
my $modules = `$vars->{httpd} -f $vars->{t_conf_file} -M 2>&1`;
like($modules, qr/^\s*supertokens_module \(shared\)$/m, 'httpd -M lists supertokens_module');

my $conf = do { local (@ARGV, $/) = "$vars->{t_conf}/extra.conf"; <> };
like($conf, qr{LoadModule supertokens_module .*/\.libs/mod_supertokens\.so}, 'the build output is the module loaded');

my $r = GET '/public/index.html';
is($r->code, 200, 'server with the module serves an unprotected file');

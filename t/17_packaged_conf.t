# The configuration the Debian package installs, and the examples it ships, as an admin would use
# them: conf/supertokens.conf (mods-available) sets nothing, so a virtual host that does not ask
# for SuperTokens serves no /auth; its commented <VirtualHost> example, uncommented, is a
# working site; conf/examples/php-fpm-site.conf works over HTTPS with PHP through php-fpm. Each
# runs in an httpd of its own (STTest::standalone_conf) with only the adaptations written here
# (ports, the suite's core double, test certificates, php-fpm's TCP port).
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Cwd ();
use File::Temp qw(tempdir);
use IO::Socket::INET ();
use JSON::PP ();
use LWP::UserAgent ();
use lib 't/lib';
use STTest qw(standalone_conf);

my $vars = Apache::Test::vars();
my $top = Cwd::abs_path("$vars->{serverroot}/..");
my $modules = '/usr/lib/apache2/modules';
my $ua = LWP::UserAgent->new(timeout => 10, max_redirect => 0,
                             ssl_opts => { verify_hostname => 0, SSL_verify_mode => 0 });
my $json = JSON::PP->new->canonical;

sub slurp { my ($f) = @_; local (@ARGV, $/) = $f; return scalar <> }
sub free_port {
    my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1', LocalPort => 0) or die "no port: $!";
    my $p = $s->sockport;
    close $s;
    return $p;
}
# start_httpd($dir, $conf, $port) -> 1 once it listens; stop_httpd($dir) at the end of each block
sub start_httpd {
    my ($dir, $conf, $port) = @_;
    open my $fh, '>', "$dir/httpd.conf" or die $!;
    print $fh standalone_conf($dir), $conf;
    close $fh;
    my $out = `$vars->{httpd} -f $dir/httpd.conf -k start 2>&1`;
    for (1 .. 100) {
        return 1 if IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port", Timeout => 1);
        select(undef, undef, undef, 0.1);
    }
    diag $out, slurp("$dir/error_log") // '';
    return 0;
}
sub stop_httpd {
    my ($dir) = @_;
    system("$vars->{httpd} -f $dir/httpd.conf -k stop >/dev/null 2>&1");
    for (1 .. 100) { last unless -e "$dir/httpd.pid"; select(undef, undef, undef, 0.1); }
}
sub signup {
    my ($base, $host, $email) = @_;
    return $ua->post("$base/auth/signup", Host => $host, 'Content-Type' => 'application/json',
        rid => 'emailpassword', 'st-auth-mode' => 'header',
        Content => $json->encode({ formFields => [{ id => 'email', value => $email },
                                                  { id => 'password', value => 'packaged-1' }] }));
}

my $conf = slurp("$top/conf/supertokens.conf");

# --- conf/supertokens.conf sets nothing ------------------------------------------------------
my @active = grep { !/^\s*(?:#|$)/ } split /\n/, $conf;
is(scalar @active, 0, 'conf/supertokens.conf sets nothing: every line is a comment or blank')
    or diag join "\n", @active;
for my $d (slurp("$top/src/config/directives.c") =~ /AP_INIT_\w+\(\s*"(SuperTokens\w+)"/g) {
    like($conf, qr/^\s*# \Q$d\E\b/m, "conf/supertokens.conf documents $d");
}

# --- its <VirtualHost> example, uncommented, beside a default vhost like 000-default -----------
my ($example) = $conf =~ /^(#<VirtualHost .*?^#<\/VirtualHost>)$/ms;
ok($example, 'conf/supertokens.conf has a commented <VirtualHost> example');
SKIP: {
    skip 'no example', 6 unless $example;
    my $dir = tempdir(CLEANUP => 1);
    my $port = free_port();
    mkdir "$dir/htdocs" or die $!;
    $example =~ s/^#//mg;
    $example =~ s/<VirtualHost \*:443>/<VirtualHost 127.0.0.1:$port>/;
    $example =~ s{http://127\.0\.0\.1:3567}{http://127.0.0.1:$ENV{ST_CORE_PORT}};
    $example =~ s/your-core-api-key/$STTest::API_KEY/;
    ok(start_httpd($dir, <<"EOC", $port), 'the packaged conf, a default vhost and the example start');
Listen 127.0.0.1:$port
DocumentRoot $dir/htdocs
<Directory $dir/htdocs>
    Require all granted
</Directory>
# mods-enabled/supertokens.conf, as the package installs it
Include $top/conf/supertokens.conf
# like sites-enabled/000-default.conf: the first vhost, no SuperTokens directive
<VirtualHost 127.0.0.1:$port>
    ServerName localhost
    DocumentRoot $dir/htdocs
</VirtualHost>
$example
EOC
    my $base = "http://127.0.0.1:$port";
    my $r = signup($base, 'localhost', 'default' . int(rand(1e9)) . '@example.com');
    is($r->code, 404, 'the default vhost serves no /auth/signup');
    $r = $ua->get("$base/auth/session/refresh", Host => 'localhost');
    is($r->code, 404, 'the default vhost serves no /auth/session/refresh');
    $r = signup($base, 'api.example.com', 'example' . int(rand(1e9)) . '@example.com');
    ok($r->code == 200 && $r->content =~ /"status":"OK"/ && $r->header('st-access-token'),
       'the example vhost signs up through /auth') or diag $r->code, ' ', $r->content;
    my $at = $r->header('st-access-token') // '';
    is($ua->get("$base/app/x", Host => 'api.example.com')->code, 401, 'the example protects /app');
    is($ua->get("$base/app/x", Host => 'api.example.com', Authorization => "Bearer $at")->code, 404,
       'a session passes /app (then no such file)');
    stop_httpd($dir);
}

# --- conf/examples/php-fpm-site.conf over HTTPS with php-fpm --------------------------------
my $site = slurp("$top/conf/examples/php-fpm-site.conf");
SKIP: {
    skip 'php-fpm is not installed', 6 if ($ENV{ST_PHPFPM_PORT} // 9) == 9;
    skip 'LWP::Protocol::https is not installed (build/install-deps)', 6 unless eval { require LWP::Protocol::https };
    my $dir = tempdir(CLEANUP => 1);
    my $port = free_port();
    my $certs = Cwd::abs_path("$vars->{t_logs}/certs");
    mkdir $_ or die "$_: $!" for "$dir/app", "$dir/app/account", "$dir/app/admin";
    for my $f ("$dir/app/account/whoami.php", "$dir/app/admin/index.php") {
        open my $fh, '>', $f or die $!;
        print $fh qq{<?php header('Content-Type: application/json'); echo json_encode(['user' => \$_SERVER['REMOTE_USER'] ?? null, 'sub' => \$_SERVER['SUPERTOKENS_USER_ID'] ?? null]);\n};
    }
    chmod 0755, $dir;
    $site =~ s/<VirtualHost \*:443>/<VirtualHost 127.0.0.1:$port>/;
    $site =~ s{/etc/ssl/certs/ssl-cert-snakeoil\.pem}{$certs/server.pem};
    $site =~ s{/etc/ssl/private/ssl-cert-snakeoil\.key}{$certs/server.key};
    $site =~ s{/var/www/app/public}{$dir/app}g;
    $site =~ s{proxy:unix:/run/php/php[\d.]+-fpm\.sock\|fcgi://localhost}{proxy:fcgi://127.0.0.1:$ENV{ST_PHPFPM_PORT}};
    $site =~ s{http://127\.0\.0\.1:3567}{http://127.0.0.1:$ENV{ST_CORE_PORT}};
    $site =~ s/your-core-api-key/$STTest::API_KEY/;
    ok(start_httpd($dir, <<"EOC", $port), 'the php-fpm example site starts');
LoadModule ssl_module $modules/mod_ssl.so
LoadModule socache_shmcb_module $modules/mod_socache_shmcb.so
LoadModule proxy_module $modules/mod_proxy.so
LoadModule proxy_fcgi_module $modules/mod_proxy_fcgi.so
SSLSessionCache shmcb:$dir/ssl_scache(512000)
Listen 127.0.0.1:$port https
$site
EOC
    my $base = "https://127.0.0.1:$port";
    my $r = $ua->get("$base/auth", Host => 'app.example.com');
    ok($r->code == 200 && $r->header('Content-Type') =~ m{^text/html} && $r->content =~ /<form/,
       'GET /auth is the sign-in page') or diag $r->code;
    $r = $ua->get("$base/account/whoami.php", Host => 'app.example.com', Accept => 'text/html',
                  'Sec-Fetch-Mode' => 'navigate');
    is($r->code . ' ' . ($r->header('Location') // ''),
       '302 https://app.example.com/auth?redirectToPath=%2Faccount%2Fwhoami.php',
       'a browser without a session is sent to the sign-in page');
    $r = signup($base, 'app.example.com', 'php' . int(rand(1e9)) . '@example.com');
    my $user = eval { JSON::PP::decode_json($r->content)->{user}{id} } // '';
    my $at = $r->header('st-access-token') // '';
    ok($user && $at, 'sign-up through the example site') or diag $r->code, ' ', $r->content;
    $r = $ua->get("$base/account/whoami.php", Host => 'app.example.com', Authorization => "Bearer $at");
    is_deeply(eval { JSON::PP::decode_json($r->content) }, { user => $user, sub => $user },
       'PHP through php-fpm sees REMOTE_USER and SUPERTOKENS_USER_ID') or diag $r->code, ' ', $r->content;
    $r = $ua->get("$base/admin/index.php", Host => 'app.example.com', Authorization => "Bearer $at");
    is($r->code, 403, 'a user without the admin role is refused /admin');
    stop_httpd($dir);
}

done_testing();

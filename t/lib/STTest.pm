# STTest: helpers for the Apache::Test files: talk to the core double directly (create
# sessions, forge tokens, arm faults) and decode what the module answers.
package STTest;
use strict;
use warnings;
use Exporter 'import';
use LWP::UserAgent ();
use IO::Socket::INET ();
use HTTP::Request ();
use JSON::PP ();
use MIME::Base64 qw(decode_base64);

our @EXPORT_OK = qw(core core_ctl create_session forge jwt_payload jwt_header b64url_decode
                    cookies_of env_of front_token_decode refresh_session standalone_conf
                    free_port standalone_start standalone_stop standalone_site standalone_configtest
                    json_request);

our $API_KEY = 'st-test-api-key-0123456789abcdef';
my $json = JSON::PP->new->canonical;
my $ua = LWP::UserAgent->new(keep_alive => 1, timeout => 20);

# The head of a stand-alone httpd configuration living in $dir (t/01 and t/07 configtest their
# own files, t/03 starts a second server): paths, the event MPM, authn/authz core and the module
# under test (t/TEST.PL's .libs/ build, or ST_MODULE_SO under make test-asan).
sub standalone_conf {
    my ($dir) = @_;
    my $so = $ENV{ST_MODULE_SO} // Apache::Test::vars()->{serverroot} . '/../.libs/mod_supertokens.so';
    return <<"EOC";
ServerRoot $dir
ServerName localhost
PidFile $dir/httpd.pid
ErrorLog $dir/error_log
DefaultRuntimeDir $dir
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authn_core_module /usr/lib/apache2/modules/mod_authn_core.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule authz_user_module /usr/lib/apache2/modules/mod_authz_user.so
LoadModule supertokens_module $so
EOC
}

# A loopback port nothing listens on now.
sub free_port {
    my $sock = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1', LocalPort => 0) or die $!;
    my $port = $sock->sockport;
    close $sock;
    return $port;
}

# Start a stand-alone httpd from standalone_conf($dir) . $body in $dir/httpd.conf and wait (up
# to 10 s) until it listens on $port: returns (listening, what httpd printed).
sub standalone_start {
    my ($dir, $port, $body) = @_;
    my $httpd = Apache::Test::vars()->{httpd};
    open my $fh, '>', "$dir/httpd.conf" or die $!;
    print $fh standalone_conf($dir), $body;
    close $fh;
    my $out = `$httpd -f $dir/httpd.conf -k start 2>&1`;
    my $up;
    for (1 .. 100) {
        last if ($up = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port", Timeout => 1));
        select(undef, undef, undef, 0.1);
    }
    return ($up ? 1 : 0, $out);
}

# The body of a stand-alone server on $port for standalone_start: the shared core double, and
# $dir/htdocs/p/f.txt (made here) behind AuthType SuperTokens; $extra is added at server level.
sub standalone_site {
    my ($dir, $port, $extra) = @_;
    for ("$dir/htdocs", "$dir/htdocs/p") { -d $_ or mkdir $_ or die "$_: $!" }
    open my $fh, '>', "$dir/htdocs/p/f.txt" or die $!;
    print $fh "ok\n";
    close $fh;
    return <<"EOC" . ($extra // '');
Listen 127.0.0.1:$port
DocumentRoot $dir/htdocs
SuperTokensConnectionURI http://127.0.0.1:$ENV{ST_CORE_PORT}
SuperTokensAPIKey $API_KEY
SuperTokensAPIDomain http://localhost:$port
SuperTokensWebsiteDomain http://localhost:3000
<Directory $dir/htdocs>
    Require all granted
</Directory>
<Location /p>
    AuthType SuperTokens
    Require valid-user
</Location>
EOC
}

# `httpd -t` of a stand-alone configuration in $dir: standalone_conf, a core and the two
# domains, then $body. Returns (exit status, what httpd printed).
sub standalone_configtest {
    my ($dir, $body) = @_;
    my $httpd = Apache::Test::vars()->{httpd};
    open my $fh, '>', "$dir/test.conf" or die $!;
    print $fh standalone_conf($dir), "SuperTokensConnectionURI http://127.0.0.1:3567\n",
        "SuperTokensAPIDomain http://localhost:3001\nSuperTokensWebsiteDomain http://localhost:3000\n", $body;
    close $fh;
    my $out = `$httpd -t -f $dir/test.conf 2>&1`;
    return ($? >> 8, $out);
}

# Stop what standalone_start started and wait for it to go; returns its error_log.
sub standalone_stop {
    my ($dir) = @_;
    my $httpd = Apache::Test::vars()->{httpd};
    system("$httpd -f $dir/httpd.conf -k stop >/dev/null 2>&1");
    for (1 .. 100) { last unless -e "$dir/httpd.pid"; select(undef, undef, undef, 0.1); }
    return do { local (@ARGV, $/) = "$dir/error_log"; <> } // '';
}

# $ua->request of $method $base$path with a JSON body (a reference is encoded; a string is sent
# as it is) and headers @h.
sub json_request {
    my ($ua, $base, $method, $path, $body, @h) = @_;
    my $r = HTTP::Request->new($method => "$base$path", [@h]);
    if (defined $body) {
        $r->header('Content-Type' => 'application/json');
        $r->content(ref $body ? $json->encode($body) : $body);
    }
    return $ua->request($r);
}

# core($method, $path, $body_or_undef, port => ...) -> decoded JSON reply (or {raw, status})
sub core {
    my ($method, $path, $body, %o) = @_;
    my $port = $o{port} || $ENV{ST_CORE_PORT} or die "ST_CORE_PORT is not set";
    my $req = HTTP::Request->new($method => "http://127.0.0.1:$port$path");
    $req->header('api-key' => $API_KEY);
    $req->header('cdi-version' => '5.4');
    $req->header(rid => $o{rid} || 'session') if $path =~ m{^/(?:[^/]+/)?recipe/};
    if (defined $body) {
        $req->header('content-type' => 'application/json; charset=utf-8');
        $req->content($json->encode($body));
    }
    my $res = $ua->request($req);
    my $data = eval { JSON::PP::decode_json($res->content) };
    return $data && ref $data ? $data : { raw => $res->content, status => $res->code };
}

# core_ctl('rotate-keys', {...}) -> POST /__test/<name>
sub core_ctl {
    my ($name, $body, %o) = @_;
    return core($name =~ /^(stats|last-request)/ ? 'GET' : 'POST', "/__test/$name", $name =~ /^(stats|last-request)/ ? undef : ($body || {}), %o);
}

# A session straight from the core (what a sign-in creates): returns the core's reply.
sub create_session {
    my (%o) = @_;
    my $user = $o{user} || 'user-' . int(rand(1e9));
    my $claims = $o{claims} || {};
    $claims->{iss} //= "http://localhost:$o{port_api}/auth" if $o{port_api};
    my $reply = core('POST', '/public/recipe/session', {
        userId => $user,
        userDataInJWT => $claims,
        userDataInDatabase => {},
        useDynamicSigningKey => $o{static} ? JSON::PP::false : JSON::PP::true,
        enableAntiCsrf => $o{anti_csrf} ? JSON::PP::true : JSON::PP::false,
    }, %o);
    die "session create failed: " . $json->encode($reply) unless ($reply->{status} // '') eq 'OK';
    return $reply;
}

# Refresh through the core (as an SDK would): the new access token has parentRefreshTokenHash1.
sub refresh_session {
    my ($refresh_token, %o) = @_;
    return core('POST', '/recipe/session/refresh', {
        refreshToken => $refresh_token, enableAntiCsrf => JSON::PP::false,
        useDynamicSigningKey => JSON::PP::true }, %o);
}

# forge(payload => {...}, header => {...}, key => 'current|static|foreign|<kid>', alg => ...)
sub forge {
    my (%o) = @_;
    my $r = core_ctl('sign', { %o });
    die "forge failed: " . $json->encode($r) unless $r->{token};
    return $r->{token};
}

sub b64url_decode {
    my ($s) = @_;
    $s =~ tr{-_}{+/};
    $s .= '=' x ((4 - length($s) % 4) % 4);
    return decode_base64($s);
}

sub jwt_payload { JSON::PP::decode_json(b64url_decode((split /\./, $_[0])[1])) }
sub jwt_header  { JSON::PP::decode_json(b64url_decode((split /\./, $_[0])[0])) }

sub front_token_decode { JSON::PP::decode_json(decode_base64($_[0])) }

# Set-Cookie lines of a response, as a list
sub cookies_of { my ($res) = @_; return $res->header('Set-Cookie') ? ($res->headers->header('Set-Cookie')) : () }

# JSON body printed by t/cgi-bin/env.cgi
sub env_of { my ($res) = @_; return eval { JSON::PP::decode_json($res->content) } || {} }

1;

# The ThirdParty recipe's provider calls over https and through an outgoing proxy (issue 19),
# t/conf/thirdparty_tls.conf.in: a sign-in whose discovery, token, JWKS and userinfo calls all go
# to an https provider trusted through SuperTokensProviderCA; a certificate for another host
# name refused; the same provider refused without the CA (and the first vhost's cached
# documents not used there); SuperTokensOutgoingProxy: the https provider reached through a
# CONNECT tunnel (the proxy saw the CONNECT, the certificate still checked inside it), an http
# provider through absolute-form requests, a proxy that cannot reach the provider.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use Apache::TestRequest qw(GET POST);
use LWP::UserAgent ();
use URI ();
use URI::Escape qw(uri_escape);
use JSON::PP ();
use lib 't/lib';
use STTest qw(jwt_payload cookies_of);

Apache::TestRequest::user_agent(reset => 1, requests_redirectable => 0);

my $json = JSON::PP->new->canonical;
my %origin = map { $_ => 'http://localhost:' . Apache::Test::vars("${_}_port") } qw(tp_tls tp_tls_noca tp_proxy);
my $idp_tls = "https://127.0.0.1:$ENV{ST_IDP_TLS_PORT}";
my $idp = "http://127.0.0.1:$ENV{ST_IDP_PORT}";
my $proxy = "http://127.0.0.1:$ENV{ST_PROXY_PORT}";
my $errlog = 't/logs/error_log';
# the test's own client trusts the test CA (the provider's login screen is skipped with ?user=)
my $ua = LWP::UserAgent->new(max_redirect => 0, timeout => 20,
                             ssl_opts => { SSL_ca_file => Apache::Test::vars('t_logs') . '/certs/ca.pem', verify_hostname => 1 });

sub log_size { return -s $errlog || 0 }
my $file_start = log_size();
sub log_since { my ($from) = @_; open my $fh, '<', $errlog or return ''; seek $fh, $from, 0; local $/; return <$fh> // '' }
sub proxy_log { return [map { "$_->{method} $_->{target}" } @{ $json->decode($ua->get("$proxy/__ctl/log")->content)->{log} }] }
sub proxy_reset { $ua->post("$proxy/__ctl/reset") }

sub auth_url {
    my ($vhost, $id) = @_;
    my $r = GET "$origin{$vhost}/auth/authorisationurl?thirdPartyId=$id&redirectURIOnProviderDashboard="
        . uri_escape("$origin{$vhost}/auth/callback/$id");
    return ($r, eval { $json->decode($r->content) } || {});
}

# authorisation URL, the provider's redirect back with a code, sign-in-up: the reply and its body
sub flow {
    my ($vhost, $id, $user) = @_;
    my ($r, $b) = auth_url($vhost, $id);
    return ($r, $b) unless $r->code == 200;
    my $back = $ua->get("$b->{urlWithQueryParams}&user=$user");
    my $code = { URI->new($back->header('Location') // '')->query_form }->{code} // 'none';
    my %info = (redirectURIOnProviderDashboard => "$origin{$vhost}/auth/callback/$id", redirectURIQueryParams => { code => $code });
    $info{pkceCodeVerifier} = $b->{pkceCodeVerifier} if $b->{pkceCodeVerifier};
    $r = POST "$origin{$vhost}/auth/signinup", 'Content-Type' => 'application/json', rid => 'thirdparty',
        'st-auth-mode' => 'cookie', content => $json->encode({ thirdPartyId => $id, redirectURIInfo => \%info });
    return ($r, eval { $json->decode($r->content) } || {});
}

sub has_session { my ($r) = @_; return scalar grep { /^sAccessToken=[^;]/ } cookies_of($r) }

# ---------- https with SuperTokensProviderCA ----------
{
    my $from = log_size();
    my ($r, $b) = auth_url('tp_tls', 'oidc-tls');
    is($r->code, 200, 'https provider, SuperTokensProviderCA: the authorisation URL');
    like($b->{urlWithQueryParams}, qr{^\Q$idp_tls\E/authorize\?}, '... from the discovery document fetched over https');
    ($r, $b) = flow('tp_tls', 'oidc-tls', 'alice');
    is($b->{status}, 'OK', '... sign-in-up over https: OK') or diag($r->content);
    is_deeply($b->{user}{thirdParty}, [{ id => 'oidc-tls', userId => 'alice-sub' }], '... the provider\'s user');
    ok(has_session($r), '... a session');
    my $log = log_since($from);
    for my $what (['discovery document of oidc-tls GET', '/.well-known/openid-configuration'],
                  ['token endpoint of oidc-tls POST', '/token'], ['JWKS of oidc-tls GET', '/jwks'],
                  ['user-info API of oidc-tls GET', '/userinfo']) {
        like($log, qr/AH10602: (?:the )?\Q$what->[0] $idp_tls$what->[1]\E -> 200/, "... $what->[0] $what->[1] over https");
    }
    unlike($log, qr/s3cret/, '... the client secret is never logged');
}
{
    my $from = log_size();
    my ($r, $b) = auth_url('tp_tls', 'oidc-wronghost');
    is($r->code, 500, 'a certificate for another host name (signed by the trusted CA): refused, 500');
    like(log_since($from), qr/AH10604: discovery document of oidc-wronghost: cannot fetch https:.*TLS handshake failed: certificate verification failed: IP address mismatch/,
         '... logged: the certificate does not name 127.0.0.1');
}

# ---------- the system store does not trust the test CA; nothing cached under other trust ----------
{
    # The document cache is per httpd child, and each connection may go to another child: the
    # test goes on until a tp_tls_noca request has reached a child holding the copy tp_tls
    # fetched under its CA (that child logged the fetch), or else it proves nothing.
    my $fetched = qr/\[pid (\d+)[^\]]*\][^\n]*AH10602: (?:the )?discovery document of oidc-tls GET \Q$idp_tls\E[^\n]* -> 200/;
    my ($from, %holders, @codes, $reached) = (log_size());
    for (1 .. 30) {
        auth_url('tp_tls', 'oidc-tls');   # a child new to it fetches it now
        my $mark = log_size();
        push @codes, (auth_url('tp_tls_noca', 'oidc-tls'))[0]->code;
        $holders{$_} = 1 for log_since($file_start) =~ /$fetched/g;
        my ($pid) = log_since($mark) =~ /\[pid (\d+)[^\]]*\][^\n]*AH10604: discovery document of oidc-tls/;
        last if ($reached = defined $pid && $holders{$pid});
    }
    ok($reached, 'a tp_tls_noca request reached a child that holds the document tp_tls fetched under its CA (precondition)');
    is_deeply([grep { $_ != 500 } @codes], [],
              'without SuperTokensProviderCA: the provider is refused every time (' . scalar(@codes) . ' requests; the copy another vhost fetched under its CA is not used)');
    like(log_since($from), qr/AH10604: discovery document of oidc-tls: cannot fetch https:.*certificate verification failed/,
         '... logged: certificate verification failed');
}

# ---------- SuperTokensOutgoingProxy ----------
{
    proxy_reset();
    my ($r, $b) = flow('tp_proxy', 'oidc-tls', 'alice');
    is($b->{status}, 'OK', 'through the proxy: sign-in-up with the https provider') or diag($r->content);
    ok(has_session($r), '... a session');
    my @seen = @{ proxy_log() };
    my $tunnel = "CONNECT 127.0.0.1:$ENV{ST_IDP_TLS_PORT}";
    ok((grep { $_ eq $tunnel } @seen), "... the proxy saw $tunnel") or diag(join "\n", @seen);
    is_deeply([grep { $_ ne $tunnel } @seen], [], '... and nothing else (every https call went through a tunnel)');

    proxy_reset();
    ($r, $b) = flow('tp_proxy', 'oidc-plain', 'alice');
    is($b->{status}, 'OK', 'through the proxy: sign-in-up with an http provider') or diag($r->content);
    @seen = @{ proxy_log() };
    for my $want ("GET $idp/.well-known/openid-configuration", "POST $idp/token", "GET $idp/jwks", "GET $idp/userinfo") {
        ok((grep { $_ eq $want } @seen), "... the proxy forwarded $want (absolute-form)") or diag(join "\n", @seen);
    }

    proxy_reset();
    my $from = log_size();
    ($r, $b) = auth_url('tp_proxy', 'oidc-wronghost');
    is($r->code, 500, 'through the proxy: a certificate for another host name is still refused');
    is_deeply(proxy_log(), ["CONNECT 127.0.0.1:$ENV{ST_IDP_TLS_WRONG_PORT}"], '... after the tunnel opened');
    like(log_since($from), qr/AH10601: .*oidc-wronghost.*IP address mismatch \(through SuperTokensOutgoingProxy\)/, '... logged, naming the proxy');

    $from = log_size();
    ($r, $b) = auth_url('tp_proxy', 'oidc-unreachable');
    is($r->code, 500, 'a provider the proxy cannot reach: 500');
    like(log_since($from), qr/AH10601: .*oidc-unreachable.*\(through SuperTokensOutgoingProxy\)/, '... logged, naming the proxy');
}

done_testing();

# Every directive is validated at config time: `httpd -t` fails with a message naming the
# directive, and accepts a correct configuration.
use strict;
use warnings FATAL => 'all';
use Apache::Test qw(-withtestmore);
use File::Temp qw(tempdir);
use lib 't/lib';
use STTest qw(standalone_conf);

my $vars = Apache::Test::vars();
my $dir = tempdir(CLEANUP => 1);
my $base = standalone_conf($dir);

my $good = <<'EOC';
SuperTokensConnectionURI http://127.0.0.1:3567
SuperTokensAPIDomain http://localhost:3001
SuperTokensWebsiteDomain http://localhost:3000
EOC

# SuperTokensPageStylesheet files: a good one (relative to ServerRoot), one over 64 KiB, one that
# would close the page's <style> element
for (['pages.css', "main { color: #333 }\n"], ['big.css', ('/* padding */' x 6000) . "\n"],
     ['escape.css', "main{}</STYLE><script>alert(1)</script>\n"]) {
    open my $fh, '>', "$dir/$_->[0]" or die $!;
    print $fh $_->[1];
    close $fh;
}

sub configtest {
    my ($body) = @_;
    my $file = "$dir/test.conf";
    open my $fh, '>', $file or die $!;
    print $fh $base, $body;
    close $fh;
    my $out = `$vars->{httpd} -t -f $file 2>&1`;
    return ($? >> 8, $out);
}

# [name, config, expected pattern in the output]
my $tp = "${good}SuperTokensRecipes session thirdparty\n";
my @bad = (
    # ThirdParty (issue 19)
    ['an unknown provider', "${tp}SuperTokensThirdPartyProvider facebook client_id=x client_secret=y\n",
     qr/SuperTokensThirdPartyProvider: unknown provider 'facebook'/],
    ['a provider without a client id', "${tp}SuperTokensThirdPartyProvider okta discovery=https://okta.example.com\n",
     qr/SuperTokensThirdPartyProvider okta: client_id is missing/],
    ['google without a secret', "${tp}SuperTokensThirdPartyProvider google client_id=x\n",
     qr/SuperTokensThirdPartyProvider google: client_secret or client_secret_file is missing/],
    ['a secret file that is not there', "${tp}SuperTokensThirdPartyProvider google client_id=x client_secret_file=/nonexistent/s\n",
     qr/SuperTokensThirdPartyProvider: client_secret_file '\/nonexistent\/s' is not a readable file/],
    ['a plain http discovery URL', "${tp}SuperTokensThirdPartyProvider kc client_id=x discovery=http://sso.example.com/realms/a\n",
     qr/SuperTokensThirdPartyProvider: discovery 'http:\/\/sso.example.com\/realms\/a' must be an https:\/\/ URL/],
    ['a custom provider without endpoints', "${tp}SuperTokensThirdPartyProvider kc client_id=x\n",
     qr/SuperTokensThirdPartyProvider kc: give discovery=/],
    ['an unknown provider parameter', "${tp}SuperTokensThirdPartyProvider kc client_id=x colour=blue\n",
     qr/SuperTokensThirdPartyProvider: unknown parameter 'colour'/],
    ['Apple without a secret or key', "${tp}SuperTokensThirdPartyProvider apple client_id=x team_id=T\n",
     qr/SuperTokensThirdPartyProvider apple: Apple needs client_secret, or team_id, key_id and private_key_file/],
    ['providers without the thirdparty recipe', "${good}SuperTokensThirdPartyProvider kc client_id=x discovery=https://a.example\n",
     qr/SuperTokensThirdPartyProvider needs thirdparty in SuperTokensRecipes/],
    ['a proxy that is not http://host:port', "${tp}SuperTokensOutgoingProxy https://proxy.example:3128\n",
     qr/SuperTokensOutgoingProxy: 'https:\/\/proxy.example:3128' must be http:\/\/host:port/],
    ['a provider timeout of 0', "${tp}SuperTokensProviderTimeout io=0\n",
     qr/SuperTokensProviderTimeout: '0' must be a whole number of seconds from 1 to 300/],
    ['a provider CA that is not there', "${tp}SuperTokensProviderCA /nonexistent/ca.pem\n",
     qr/SuperTokensProviderCA: '\/nonexistent\/ca.pem' is not a readable file/],
    ['malformed URI scheme', "SuperTokensConnectionURI ftp://core:3567\n",
     qr/SuperTokensConnectionURI: 'ftp:\/\/core:3567' must use http:\/\/ or https:\/\//],
    ['URI without a host', "SuperTokensConnectionURI http://\n",
     qr/SuperTokensConnectionURI: .*not an absolute/],
    ['second URI of a list malformed', "SuperTokensConnectionURI http://a:1;mailto:x\n",
     qr/SuperTokensConnectionURI: .*mailto/],
    ['URI port out of range', "SuperTokensConnectionURI http://core:70000\n",
     qr/SuperTokensConnectionURI: .*invalid port/],
    ['unknown SameSite value', "${good}SuperTokensCookieSameSite Sometimes\n",
     qr/SuperTokensCookieSameSite: 'Sometimes' is not one of Lax, Strict, None/],
    ['API base path without a leading slash', "${good}SuperTokensAPIBasePath auth\n",
     qr/SuperTokensAPIBasePath: 'auth' must start with '\/'/],
    ['website base path without a leading slash', "${good}SuperTokensWebsiteBasePath login\n",
     qr/SuperTokensWebsiteBasePath: 'login' must start with '\/'/],
    ['SameSite=None without Secure on a real domain',
     "SuperTokensConnectionURI http://127.0.0.1:3567\nSuperTokensAPIDomain http://api.example.com\n"
       . "SuperTokensWebsiteDomain http://example.com\nSuperTokensCookieSameSite None\n",
     qr/SuperTokensCookieSameSite: SameSite=None needs SuperTokensCookieSecure On/],
    ['cross-site default None without Secure',
     "SuperTokensConnectionURI http://127.0.0.1:3567\nSuperTokensAPIDomain http://api.example.com\n"
       . "SuperTokensWebsiteDomain http://example.org\n",
     qr/SuperTokensCookieSameSite: SameSite=None needs.*cross-site/],
    ['unknown anti-CSRF mode', "${good}SuperTokensAntiCsrf maybe\n",
     qr/SuperTokensAntiCsrf: 'maybe' is not one of/],
    ['bad timeout', "${good}SuperTokensCoreTimeout connect=soon\n",
     qr/SuperTokensCoreTimeout: 'soon' is not a whole number/],
    ['JWKS interval not a number', "${good}SuperTokensJWKSRefreshInterval 4h\n",
     qr/SuperTokensJWKSRefreshInterval: '4h'/],
    ['missing API domain', "SuperTokensConnectionURI http://127.0.0.1:3567\nSuperTokensWebsiteDomain http://localhost:3000\n",
     qr/SuperTokensAPIDomain must be set/],
    ['bad claim prefix', "${good}<Location />\nSuperTokensClaimPrefix X-Y\n</Location>\n",
     qr/SuperTokensClaimPrefix: 'X-Y' may contain only/],
    # claims would shadow request headers (HTTP_ROLE from a client's "Role:") or CGI variables
    ['SuperTokensCacheControlPrivate not a flag', "${good}<Location />\nSuperTokensCacheControlPrivate maybe\n</Location>\n",
     qr/SuperTokensCacheControlPrivate must be On or Off/],
    ['claim prefix HTTP_', "${good}<Location />\nSuperTokensClaimPrefix HTTP_\n</Location>\n",
     qr/SuperTokensClaimPrefix: 'HTTP_' could make claim variables collide with HTTP_\*/],
    ['claim prefix http_x (any case)', "${good}<Location />\nSuperTokensClaimPrefix http_x_\n</Location>\n",
     qr/SuperTokensClaimPrefix: 'http_x_' could make claim variables collide with HTTP_/],
    ['claim prefix HTTP (spells HTTP_ with a claim "_ROLE")', "${good}<Location />\nSuperTokensClaimPrefix HTTP\n</Location>\n",
     qr/SuperTokensClaimPrefix: 'HTTP' could make claim variables collide/],
    ['claim prefix REMOTE_ (REMOTE_USER)', "${good}<Location />\nSuperTokensClaimPrefix REMOTE_\n</Location>\n",
     qr/SuperTokensClaimPrefix: 'REMOTE_' could make claim variables collide with REMOTE_/],
    ['claim prefix SSL_', "${good}<Location />\nSuperTokensClaimPrefix SSL_CLIENT_\n</Location>\n",
     qr/SuperTokensClaimPrefix: 'SSL_CLIENT_' could make claim variables collide with SSL_\*/],
    ['claim prefix SUPERTOKENS_ (the module\'s own variables)', "${good}<Location />\nSuperTokensClaimPrefix SUPERTOKENS_\n</Location>\n",
     qr/SuperTokensClaimPrefix: 'SUPERTOKENS_' could make claim variables collide with SUPERTOKENS_USER_ID/],
    ['bad PassClaimsAs', "${good}<Location />\nSuperTokensPassClaimsAs cookies\n</Location>\n",
     qr/SuperTokensPassClaimsAs: 'cookies' is not one of/],
    ['bad AntiCsrfCheck', "${good}<Location />\nSuperTokensAntiCsrfCheck sometimes\n</Location>\n",
     qr/SuperTokensAntiCsrfCheck: 'sometimes' is not one of/],
    ['CA file missing', "${good}SuperTokensCoreCA /nonexistent/ca.pem\n",
     qr/SuperTokensCoreCA: '\/nonexistent\/ca.pem' is not a readable file/],
    ['cookie domain Set-Cookie would refuse', "${good}SuperTokensCookieDomain a_b.example.com\n",
     qr/SuperTokensCookieDomain: 'a_b.example.com' is not a valid cookie domain/],
    ['base path with non-ASCII bytes', "${good}SuperTokensAPIBasePath /caf\xc3\xa9\n",
     qr/SuperTokensAPIBasePath: .* is not a plain URL path/],
    ['RSA acceleration in a virtual host',
     "${good}<VirtualHost *:80>\nSuperTokensRSAAcceleration Off\n</VirtualHost>\n",
     qr/SuperTokensRSAAcceleration cannot occur within <VirtualHost> section/],
    ['RSA acceleration not a flag', "${good}SuperTokensRSAAcceleration fast\n",
     qr/SuperTokensRSAAcceleration must be On or Off/],
    ['API domain not a domain', "SuperTokensConnectionURI http://127.0.0.1:3567\nSuperTokensAPIDomain /auth\n",
     qr/SuperTokensAPIDomain: /],
    # issue 16: email verification and claim max ages
    ['unknown email verification mode', "${good}SuperTokensEmailVerification sometimes\n",
     qr/SuperTokensEmailVerification: 'sometimes' is not one of optional, required/],
    ['required email verification without the recipe', "${good}SuperTokensEmailVerification required\n",
     qr/SuperTokensEmailVerification required needs emailverification in SuperTokensRecipes/],
    ['unknown verification delivery', "${good}SuperTokensEmailVerificationDelivery mail\n",
     qr/SuperTokensEmailVerificationDelivery: 'mail' is not one of log, log-full/],
    ['verification command missing', "${good}SuperTokensEmailVerificationCommand /nonexistent/send\n",
     qr/SuperTokensEmailVerificationCommand: '\/nonexistent\/send' is not an executable file/],
    ['roles max age not a number', "${good}<Location />\nSuperTokensRolesMaxAge 5m\n</Location>\n",
     qr/SuperTokensRolesMaxAge: '5m' must be a whole number of seconds from 0 to 31622400 \(or Off\)/],
    ['verified max age negative', "${good}<Location />\nSuperTokensEmailVerifiedMaxAge -1\n</Location>\n",
     qr/SuperTokensEmailVerifiedMaxAge: '-1' is not a whole number of seconds/],
    ['unverified refetch cannot be Off', "${good}<Location />\nSuperTokensEmailUnverifiedRefetch Off\n</Location>\n",
     qr/SuperTokensEmailUnverifiedRefetch: 'Off' is not a whole number of seconds/],
    ['roles max age over a year', "${good}<Location />\nSuperTokensRolesMaxAge 99999999\n</Location>\n",
     qr/SuperTokensRolesMaxAge: '99999999' must be a whole number of seconds from 0 to 31622400/],
    # apps without a JavaScript frontend (issue 15)
    ['SuperTokensSignUp not a flag', "${good}SuperTokensSignUp sometimes\n", qr/SuperTokensSignUp must be On or Off/],
    ['sign-up domain with an @', "${good}SuperTokensSignUpEmailDomains \@example.com\n",
     qr/SuperTokensSignUpEmailDomains: '\@example.com' is not a domain name/],
    ['sign-up domain not a host name', "${good}SuperTokensSignUpEmailDomains example.com exa_mple.org\n",
     qr/SuperTokensSignUpEmailDomains: 'exa_mple.org' is not a domain name/],
    ['sign-up domain without a value', "${good}SuperTokensSignUpEmailDomains\n",
     qr/SuperTokensSignUpEmailDomains/],
    ['SuperTokensEmailClaim not a flag', "${good}SuperTokensEmailClaim email\n", qr/SuperTokensEmailClaim must be On or Off/],
    ['page stylesheet missing', "${good}SuperTokensPageStylesheet /nonexistent/pages.css\n",
     qr/SuperTokensPageStylesheet: '\/nonexistent\/pages.css' is not a readable file/],
    ['page stylesheet is a directory', "${good}SuperTokensPageStylesheet $dir\n",
     qr/SuperTokensPageStylesheet: '\Q$dir\E' is not a readable file/],
    ['page stylesheet too big', "${good}SuperTokensPageStylesheet $dir/big.css\n",
     qr/SuperTokensPageStylesheet: '\Q$dir\E\/big.css' is larger than 64 KiB/],
    ['page stylesheet closing the style element', "${good}SuperTokensPageStylesheet $dir/escape.css\n",
     qr/SuperTokensPageStylesheet: '\Q$dir\E\/escape.css' must not contain '<\/style'/],
    ['sign-up off in a <Location>', "${good}<Location />\nSuperTokensSignUp Off\n</Location>\n",
     qr/SuperTokensSignUp not allowed in <Location> context/],
    # Passwordless (issue 20)
    ['unknown recipe', "${good}SuperTokensRecipes session magiclink\n",
     qr/SuperTokensRecipes: unknown recipe 'magiclink' \(known: session, emailpassword, userroles, emailverification, thirdparty, passwordless\)/],
    ['unknown contact method', "${good}SuperTokensPasswordlessContactMethod SMS\n",
     qr/SuperTokensPasswordlessContactMethod: 'SMS' is not one of EMAIL, PHONE, EMAIL_OR_PHONE/],
    ['unknown flow type', "${good}SuperTokensPasswordlessFlowType CODE\n",
     qr/SuperTokensPasswordlessFlowType: 'CODE' is not one of MAGIC_LINK, USER_INPUT_CODE, USER_INPUT_CODE_AND_MAGIC_LINK/],
    ['unknown passwordless delivery', "${good}SuperTokensPasswordlessDelivery mail\n",
     qr/SuperTokensPasswordlessDelivery: 'mail' is not one of log, log-full/],
    ['passwordless email command missing', "${good}SuperTokensPasswordlessEmailCommand /nonexistent/mail\n",
     qr/SuperTokensPasswordlessEmailCommand: '\/nonexistent\/mail' is not an executable file/],
    ['passwordless SMS command not executable', "${good}SuperTokensPasswordlessSMSCommand $dir/pages.css\n",
     qr/SuperTokensPasswordlessSMSCommand: '\Q$dir\E\/pages.css' is not an executable file/],
    ['contact method in a <Location>', "${good}<Location />\nSuperTokensPasswordlessContactMethod PHONE\n</Location>\n",
     qr/SuperTokensPasswordlessContactMethod not allowed in <Location> context/],
);

# AuthType SuperTokens where no core is configured (config/sections.c); messages name the
# file and line, counted from the end of the standalone head
my $off = () = $base =~ /\n/g;
my ($l2, $l4, $l5) = map { $off + $_ } 2, 4, 5;
my $nouri = "<Location /app>\nAuthType SuperTokens\nRequire valid-user\n</Location>\n";
mkdir "$dir/$_" for qw(a b);
my $two_vhosts = <<"EOC";
Listen 127.0.0.1:1
Listen 127.0.0.1:2
<VirtualHost 127.0.0.1:1>
    DocumentRoot $dir/a
    $good
</VirtualHost>
<VirtualHost 127.0.0.1:2>
    DocumentRoot $dir/b
</VirtualHost>
EOC
$two_vhosts =~ s/^(SuperTokens)/    $1/mg;
push @bad, (
    ['AuthType SuperTokens in a virtual host without SuperTokensConnectionURI',
     "Listen 127.0.0.1:1\n<VirtualHost 127.0.0.1:1>\n$nouri</VirtualHost>\n",
     qr/AuthType SuperTokens \(\S+test\.conf:$l4\) applies to the virtual host \S+:1 \(\S+test\.conf:$l2\), which has no SuperTokensConnectionURI/],
    ['AuthType SuperTokens in a <Location> of the main server, no core anywhere', $nouri,
     qr/AuthType SuperTokens \(\S+test\.conf:$l2\) applies to the virtual host localhost:0 \(main configuration:0\), which has no SuperTokensConnectionURI/],
    ['AuthType SuperTokens in a <Directory> holding the DocumentRoot of a virtual host without a core',
     "$two_vhosts<Directory $dir>\nAuthType SuperTokens\nRequire valid-user\n</Directory>\n",
     qr/AuthType SuperTokens \(\S+test\.conf:\d+\) applies to the virtual host \S+:2 .*no SuperTokensConnectionURI/],
    ['AuthType SuperTokens in a <Files> in a <Directory> of a virtual host without a core',
     "Listen 127.0.0.1:1\n<VirtualHost 127.0.0.1:1>\n<Directory $dir>\n<Files x>\nAuthType SuperTokens\n</Files>\nRequire valid-user\n</Directory>\n</VirtualHost>\n",
     qr/AuthType SuperTokens \(\S+test\.conf:$l5\) applies .*no SuperTokensConnectionURI/],
);

my @good = (
    ['AuthType SuperTokens in a virtual host that inherits the main server\'s core',
     "${good}Listen 127.0.0.1:1\n<VirtualHost 127.0.0.1:1>\n$nouri</VirtualHost>\n"],
    ['AuthType SuperTokens in a <Directory> only a virtual host with a core serves',
     "$two_vhosts<Directory $dir/a>\nAuthType SuperTokens\nRequire valid-user\n</Directory>\n"],
    ['AuthType SuperTokens in a regex <Directory> where some virtual host has a core',
     "$two_vhosts<DirectoryMatch \"^$dir/a\">\nAuthType SuperTokens\nRequire valid-user\n</DirectoryMatch>\n"],
    ['minimal valid configuration', $good],
    ['the Google and Keycloak examples of the README', "${good}SuperTokensRecipes session emailpassword thirdparty\n"
       . "SuperTokensThirdPartyProvider google client_id=123.apps.googleusercontent.com client_secret=GOCSPX-x\n"
       . "SuperTokensThirdPartyProvider keycloak \"name=Keycloak\" client_id=apache client_secret=k \\\n"
       . "    discovery=https://sso.example.com/realms/acme \"scope=openid email profile\" auth_param.kc_idp_hint=\n"
       . "SuperTokensOutgoingProxy http://proxy.example.com:3128\nSuperTokensProviderTimeout connect=3 io=8\n"],
    ['localhost pair may use SameSite=None without Secure', "${good}SuperTokensCookieSameSite None\n"],
    ['cross-site https pair (default None, Secure from https)',
     "SuperTokensConnectionURI https://core.example.com/base;http://127.0.0.1:3567\n"
       . "SuperTokensAPIDomain https://api.example.com\nSuperTokensWebsiteDomain https://example.org\n"],
    ['passwordless settings in supertokens-node\'s spelling, any case',
     "${good}SuperTokensRecipes session passwordless\nSuperTokensPasswordlessContactMethod email_or_phone\n"
       . "SuperTokensPasswordlessFlowType MAGIC_LINK\n"],
    ['every directive with a valid value', $good . <<'EOC'],
SuperTokensAPIKey abc
SuperTokensAppName "Test App"
SuperTokensAPIBasePath /api/auth/
SuperTokensWebsiteBasePath /login
SuperTokensCookieDomain .Example.com
SuperTokensCookieSecure Off
SuperTokensCookieSameSite strict
SuperTokensAntiCsrf via-token
SuperTokensAccessTokenPath /
SuperTokensJWKSRefreshInterval 600
SuperTokensCoreTimeout connect=2 io=7
SuperTokensRecipes session emailpassword userroles emailverification passwordless
SuperTokensPasswordlessContactMethod PHONE
SuperTokensPasswordlessFlowType USER_INPUT_CODE
SuperTokensPasswordlessDelivery log-full
SuperTokensPasswordlessEmailCommand /bin/true
SuperTokensPasswordlessSMSCommand /bin/true
SuperTokensEmailVerification required
SuperTokensEmailVerificationDelivery log-full
SuperTokensRSAAcceleration Off
SuperTokensSignUp Off
SuperTokensSignUpEmailDomains example.com .Corp.Example.org
SuperTokensEmailClaim On
SuperTokensPageStylesheet pages.css
<Location /x>
    AuthType SuperTokens
    Require valid-user
    SuperTokensSessionRequired Off
    SuperTokensCheckDatabase On
    SuperTokensAntiCsrfCheck On
    SuperTokensRemoteUserClaim email
    SuperTokensPassClaimsAs both
    SuperTokensClaimPrefix ST_
    SuperTokensCacheControlPrivate Off
    SuperTokensRolesMaxAge Off
    SuperTokensEmailVerifiedMaxAge 3600
    SuperTokensEmailUnverifiedRefetch 0
</Location>
<Location /y>
    SuperTokensClaimPrefix APP_CLAIM_
</Location>
EOC
);

# configtest passes and warns: [name, config, warning expected (regex), or undef and the
# warnings that must not appear]
my $port = $ENV{ST_CORE_PORT};
my $core = "SuperTokensConnectionURI http://127.0.0.1:%s\nSuperTokensAPIDomain http://localhost:3001\n"
         . "SuperTokensWebsiteDomain http://localhost:3000\n";
my @warn = (
    ['AuthType SuperTokens without a Require',
     "$good<Location /app>\nAuthType SuperTokens\n</Location>\n",
     qr/AH10482: AuthType SuperTokens \(\S+test\.conf:@{[$off + 5]}\) has no Require line in its section.*add Require valid-user/],
    ['AuthType SuperTokens with <RequireAll>',
     "$good<Location /app>\nAuthType SuperTokens\n<RequireAll>\nRequire valid-user\n</RequireAll>\n</Location>\n", undef, qr/AH10482/],
    ['AuthType SuperTokens in <Files>, Require in the <Directory> around it',
     "$good<Directory $dir>\nRequire valid-user\n<Files x>\nAuthType SuperTokens\n</Files>\n</Directory>\n", undef, qr/AH10482/],
    # the start-up check of the cores also runs for configtest (core/probe.c), against the doubles
    ['a wrong SuperTokensAPIKey', sprintf($core, $port) . "SuperTokensAPIKey not-the-key\n",
     qr/\[supertokens:error\].*AH10477: core check: SuperTokensAPIKey is refused by http:\/\/127\.0\.0\.1:$port \(GET \/apiversion answered HTTP 401 Invalid API key\): set it to one of the core's API keys/],
    ['no SuperTokensAPIKey for a core that wants one', sprintf($core, $port),
     qr/AH10486: core check: the core at http:\/\/127\.0\.0\.1:$port wants an API key .*set SuperTokensAPIKey/],
    ['a core without CDI 5.4', sprintf($core, $ENV{ST_CC_OLD_PORT}) . "SuperTokensAPIKey $STTest::API_KEY\n",
     qr/AH10478: core check: the core at http:\/\/127\.0\.0\.1:$ENV{ST_CC_OLD_PORT} does not speak CDI 5\.4 \(it offers \[.*"5\.3"\]\); use SuperTokens core 11\.3 or newer/],
    ['an unreachable core', sprintf($core, $ENV{ST_CC_CLOSED_PORT}) . "SuperTokensAPIKey $STTest::API_KEY\n",
     qr/\[supertokens:warn\].*AH10476: core check: SuperTokensConnectionURI http:\/\/127\.0\.0\.1:$ENV{ST_CC_CLOSED_PORT} is not reachable: connect failed/],
    ['the right key, CDI 5.4', sprintf($core, $port) . "SuperTokensAPIKey $STTest::API_KEY\n", undef, qr/AH104(?:7[6-9]|86)/],
);

plan tests => 2 * @bad + @good + 2 * @warn;

for my $case (@bad) {
    my ($name, $conf, $want) = @$case;
    my ($rc, $out) = configtest($conf);
    isnt($rc, 0, "configtest fails: $name");
    like($out, $want, "message names the directive: $name") or diag $out;
}
for my $case (@good) {
    my ($name, $conf) = @$case;
    my ($rc, $out) = configtest($conf);
    ok($rc == 0 && $out =~ /Syntax OK/, "configtest passes: $name") or diag $out;
}
for my $case (@warn) {
    my ($name, $conf, $want, $unwanted) = @$case;
    my ($rc, $out) = configtest($conf);
    ok($rc == 0 && $out =~ /Syntax OK/, "configtest passes: $name") or diag $out;
    if ($want) {
        like($out, $want, "configtest warns: $name");
    }
    else {
        unlike($out, $unwanted, "no warning: $name");
    }
}

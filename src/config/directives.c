/*
 * directives.c: the handlers of the SuperTokens* directives and their table, st_directives
 * (config.h). Each handler validates its value at config time, names the directive in its
 * error, and writes one member of the server or directory record; create/merge, defaults
 * and the checks across directives are config.c's.
 */
#include "config/config.h"
#include "config/domain.h"
#include "token/cookie.h"
#include "config/thirdparty_conf.h"

#include "apr_strings.h"
#include "apr_uri.h"
#include "apr_lib.h"
#include "apr_file_io.h"
#include "httpd.h"

extern module AP_MODULE_DECLARE_DATA supertokens_module;

#define ST_MAX_TIMEOUT_SEC        300

/* ---------- directive handlers: server scope ---------- */

static st_server_conf *srv(cmd_parms *cmd)
{
    return ap_get_module_config(cmd->server->module_config, &supertokens_module);
}

/* Parse one core URL: http(s)://host[:port][/base], no query, no fragment, no userinfo. */
static const char *parse_core_url(cmd_parms *cmd, const char *raw, st_core_url *out)
{
    apr_uri_t u;
    char *url = apr_pstrdup(cmd->pool, raw);
    apr_size_t n = strlen(url);

    while (n > 1 && url[n - 1] == '/')
        url[--n] = '\0';
    if (apr_uri_parse(cmd->pool, url, &u) != APR_SUCCESS || u.scheme == NULL || u.hostname == NULL
        || u.hostname[0] == '\0')
        return apr_psprintf(cmd->pool, "%s: '%s' is not an absolute http:// or https:// URL",
                            cmd->cmd->name, raw);
    if (strcasecmp(u.scheme, "http") != 0 && strcasecmp(u.scheme, "https") != 0)
        return apr_psprintf(cmd->pool, "%s: '%s' must use http:// or https://", cmd->cmd->name, raw);
    if (u.query || u.fragment || u.user || u.password)
        return apr_psprintf(cmd->pool, "%s: '%s' must not carry a query, fragment or credentials",
                            cmd->cmd->name, raw);
    if (u.port_str && !st_port_valid(u.port_str))
        return apr_psprintf(cmd->pool, "%s: '%s' has an invalid port", cmd->cmd->name, raw);
    if (strpbrk(url, " \t\r\n\"<>\\"))
        return apr_psprintf(cmd->pool, "%s: '%s' contains invalid characters", cmd->cmd->name, raw);

    out->url = url;
    out->scheme = apr_pstrdup(cmd->pool, strcasecmp(u.scheme, "https") == 0 ? "https" : "http");
    out->is_tls = (out->scheme[4] == 's');
    out->host = apr_pstrdup(cmd->pool, u.hostname);
    ap_str_tolower((char *)out->host);
    out->port = u.port_str ? u.port : (out->is_tls ? 443 : 80);
    out->base_path = (u.path && strcmp(u.path, "/") != 0) ? u.path : "";
    return NULL;
}

static const char *set_connection_uri(cmd_parms *cmd, void *d, const char *arg)
{
    st_server_conf *sc = srv(cmd);
    char *list = apr_pstrdup(cmd->pool, arg), *last, *tok;
    (void)d;

    sc->core_urls = apr_array_make(cmd->pool, 2, sizeof(st_core_url));
    for (tok = apr_strtok(list, ";", &last); tok; tok = apr_strtok(NULL, ";", &last)) {
        const char *err;
        while (apr_isspace(*tok))
            tok++;
        if (*tok == '\0')
            continue;   /* empty entries are ignored, as supertokens-node does */
        if ((err = parse_core_url(cmd, apr_pstrdup(cmd->pool, tok), apr_array_push(sc->core_urls))))
            return err;
    }
    if (sc->core_urls->nelts == 0)
        return apr_psprintf(cmd->pool, "%s: needs at least one URL", cmd->cmd->name);
    sc->connection_uri = arg;
    return NULL;
}

static const char *set_api_key(cmd_parms *cmd, void *d, const char *arg)
{
    (void)d;
    if (*arg == '\0' || strpbrk(arg, "\r\n"))
        return apr_psprintf(cmd->pool, "%s: the key must be non-empty and on one line", cmd->cmd->name);
    srv(cmd)->api_key = arg;
    return NULL;
}

static const char *set_app_name(cmd_parms *cmd, void *d, const char *arg)
{
    (void)d;
    if (*arg == '\0')
        return apr_psprintf(cmd->pool, "%s: must not be empty", cmd->cmd->name);
    srv(cmd)->app_name = arg;
    return NULL;
}

static const char *set_domain(cmd_parms *cmd, void *d, const char *arg)
{
    const char *origin, *err;
    (void)d;
    if ((err = st_origin_normalise(cmd->pool, arg, &origin)))
        return apr_psprintf(cmd->pool, "%s: %s", cmd->cmd->name, err);
    if (strcmp(cmd->cmd->name, "SuperTokensAPIDomain") == 0)
        srv(cmd)->api_domain = origin;
    else
        srv(cmd)->website_domain = origin;
    return NULL;
}

/* A URL path: leading '/', no query/fragment/spaces; trailing '/' dropped; "/" means "". */
static const char *check_path(cmd_parms *cmd, const char *arg, const char **out)
{
    char *p;
    const char *c;
    apr_size_t n;
    if (arg[0] != '/')
        return apr_psprintf(cmd->pool, "%s: '%s' must start with '/'", cmd->cmd->name, arg);
    if (strpbrk(arg, "?#; \t\r\n\"\\<") || strstr(arg, "//") || strstr(arg, "/../") || strstr(arg, "/./"))
        return apr_psprintf(cmd->pool, "%s: '%s' is not a plain URL path", cmd->cmd->name, arg);
    /* cookie Path values allow printable ASCII only (st_cookie_serialize refuses the rest) */
    for (c = arg; *c; c++)
        if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
            return apr_psprintf(cmd->pool, "%s: '%s' is not a plain URL path", cmd->cmd->name, arg);
    p = apr_pstrdup(cmd->pool, arg);
    n = strlen(p);
    while (n > 0 && p[n - 1] == '/')
        p[--n] = '\0';
    *out = p;
    return NULL;
}

static const char *set_base_path(cmd_parms *cmd, void *d, const char *arg)
{
    const char *path, *err;
    st_server_conf *sc = srv(cmd);
    (void)d;
    if ((err = check_path(cmd, arg, &path)))
        return err;
    if (strcmp(cmd->cmd->name, "SuperTokensAPIBasePath") == 0)
        sc->api_base_path = path;
    else
        sc->website_base_path = path;
    return NULL;
}

static const char *set_access_token_path(cmd_parms *cmd, void *d, const char *arg)
{
    const char *path, *err;
    (void)d;
    if ((err = check_path(cmd, arg, &path)))
        return err;
    srv(cmd)->access_token_path = *path ? path : "/";
    return NULL;
}

static const char *set_cookie_domain(cmd_parms *cmd, void *d, const char *arg)
{
    const char *dom, *err;
    (void)d;
    if ((err = st_cookie_domain_normalise(cmd->pool, arg, &dom)))
        return apr_psprintf(cmd->pool, "%s: %s", cmd->cmd->name, err);
    srv(cmd)->cookie_domain = dom;
    srv(cmd)->cookie_domain_set = 1;
    return NULL;
}

static const char *set_cookie_secure(cmd_parms *cmd, void *d, int flag)
{
    (void)d;
    srv(cmd)->cookie_secure = flag;
    return NULL;
}

static const char *set_cookie_same_site(cmd_parms *cmd, void *d, const char *arg)
{
    st_server_conf *sc = srv(cmd);
    (void)d;
    if (strcasecmp(arg, "lax") == 0)
        sc->cookie_same_site = ST_SAMESITE_LAX;
    else if (strcasecmp(arg, "strict") == 0)
        sc->cookie_same_site = ST_SAMESITE_STRICT;
    else if (strcasecmp(arg, "none") == 0)
        sc->cookie_same_site = ST_SAMESITE_NONE;
    else
        return apr_psprintf(cmd->pool, "%s: '%s' is not one of Lax, Strict, None", cmd->cmd->name, arg);
    return NULL;
}

static const char *set_anti_csrf(cmd_parms *cmd, void *d, const char *arg)
{
    st_server_conf *sc = srv(cmd);
    (void)d;
    if (strcasecmp(arg, "via-token") == 0 || strcasecmp(arg, "VIA_TOKEN") == 0)
        sc->anti_csrf = ST_ANTICSRF_VIA_TOKEN;
    else if (strcasecmp(arg, "via-custom-header") == 0 || strcasecmp(arg, "VIA_CUSTOM_HEADER") == 0)
        sc->anti_csrf = ST_ANTICSRF_VIA_CUSTOM_HEADER;
    else if (strcasecmp(arg, "none") == 0)
        sc->anti_csrf = ST_ANTICSRF_NONE;
    else
        return apr_psprintf(cmd->pool, "%s: '%s' is not one of via-token, via-custom-header, none",
                            cmd->cmd->name, arg);
    return NULL;
}

/* Whole seconds in [min, max]; strict digits only (no atoi surprises). */
static const char *parse_seconds(cmd_parms *cmd, const char *arg, long min, long max, long *out)
{
    char *end;
    long v;
    if (!apr_isdigit(*arg))
        return apr_psprintf(cmd->pool, "%s: '%s' is not a whole number of seconds", cmd->cmd->name, arg);
    v = strtol(arg, &end, 10);
    if (*end != '\0' || v < min || v > max)
        return apr_psprintf(cmd->pool, "%s: '%s' must be a whole number of seconds from %ld to %ld",
                            cmd->cmd->name, arg, min, max);
    *out = v;
    return NULL;
}

static const char *set_jwks_refresh(cmd_parms *cmd, void *d, const char *arg)
{
    long v;
    const char *err;
    (void)d;
    if ((err = parse_seconds(cmd, arg, 1, 7 * 24 * 3600, &v)))
        return err;
    srv(cmd)->jwks_refresh_interval = apr_time_from_sec(v);
    return NULL;
}

/* supertokens-node's useDynamicAccessTokenSigningKey: dynamic (true, its default) or static */
static const char *set_signing_key(cmd_parms *cmd, void *d, const char *arg)
{
    (void)d;
    if (strcasecmp(arg, "dynamic") == 0)
        srv(cmd)->dynamic_signing_key = 1;
    else if (strcasecmp(arg, "static") == 0)
        srv(cmd)->dynamic_signing_key = 0;
    else
        return apr_psprintf(cmd->pool, "%s: '%s' is not one of dynamic, static", cmd->cmd->name, arg);
    return NULL;
}

/* SuperTokensCoreTimeout <s> | connect=<s> [io=<s>] */
static const char *set_core_timeout(cmd_parms *cmd, void *d, const char *args)
{
    st_server_conf *sc = srv(cmd);
    const char *word;
    (void)d;
    if (*args == '\0')
        return apr_psprintf(cmd->pool, "%s: needs a value", cmd->cmd->name);
    while (*(word = ap_getword_conf(cmd->pool, &args))) {
        const char *eq = strchr(word, '='), *err;
        long v;
        if (eq == NULL) {
            if ((err = parse_seconds(cmd, word, 1, ST_MAX_TIMEOUT_SEC, &v)))
                return err;
            sc->core_connect_timeout = sc->core_io_timeout = apr_time_from_sec(v);
        }
        else if (strncasecmp(word, "connect=", 8) == 0) {
            if ((err = parse_seconds(cmd, eq + 1, 1, ST_MAX_TIMEOUT_SEC, &v)))
                return err;
            sc->core_connect_timeout = apr_time_from_sec(v);
        }
        else if (strncasecmp(word, "io=", 3) == 0) {
            if ((err = parse_seconds(cmd, eq + 1, 1, ST_MAX_TIMEOUT_SEC, &v)))
                return err;
            sc->core_io_timeout = apr_time_from_sec(v);
        }
        else
            return apr_psprintf(cmd->pool, "%s: unknown parameter '%s' (use connect=<s> io=<s>)",
                                cmd->cmd->name, word);
    }
    return NULL;
}

static const char *set_core_ca(cmd_parms *cmd, void *d, const char *arg)
{
    apr_finfo_t fi;
    const char *path = ap_server_root_relative(cmd->pool, arg);
    (void)d;
    if (path == NULL || apr_stat(&fi, path, APR_FINFO_TYPE, cmd->pool) != APR_SUCCESS
        || fi.filetype != APR_REG)
        return apr_psprintf(cmd->pool, "%s: '%s' is not a readable file", cmd->cmd->name, arg);
    srv(cmd)->core_ca_file = path;
    return NULL;
}

static const char *add_recipe(cmd_parms *cmd, void *d, const char *arg)
{
    st_server_conf *sc = srv(cmd);
    (void)d;
    if (sc->recipes == -1)
        sc->recipes = ST_RECIPE_SESSION;   /* the session APIs underpin every other recipe */
    if (strcasecmp(arg, "session") == 0)
        sc->recipes |= ST_RECIPE_SESSION;
    else if (strcasecmp(arg, "emailpassword") == 0)
        sc->recipes |= ST_RECIPE_EMAILPASSWORD;
    else if (strcasecmp(arg, "userroles") == 0)
        sc->recipes |= ST_RECIPE_USERROLES;
    else if (strcasecmp(arg, "emailverification") == 0)
        sc->recipes |= ST_RECIPE_EMAILVERIFICATION;
    else if (strcasecmp(arg, "thirdparty") == 0)
        sc->recipes |= ST_RECIPE_THIRDPARTY;
    else if (strcasecmp(arg, "passwordless") == 0)
        sc->recipes |= ST_RECIPE_PASSWORDLESS;
    else
        return apr_psprintf(cmd->pool, "%s: unknown recipe '%s' (known: session, emailpassword, "
                            "userroles, emailverification, thirdparty, passwordless)", cmd->cmd->name, arg);
    return NULL;
}

/* SuperTokensPasswordResetDelivery, SuperTokensEmailVerificationDelivery and
 * SuperTokensPasswordlessDelivery */
static const char *set_delivery(cmd_parms *cmd, void *d, const char *arg)
{
    const char *name = cmd->cmd->name;
    int *field = strcmp(name, "SuperTokensPasswordResetDelivery") == 0 ? &srv(cmd)->reset_delivery
               : strcmp(name, "SuperTokensPasswordlessDelivery") == 0 ? &srv(cmd)->pl_delivery
               : &srv(cmd)->ev_delivery;
    (void)d;
    if (strcasecmp(arg, "log") == 0)
        *field = ST_RESET_LOG;
    else if (strcasecmp(arg, "log-full") == 0)
        *field = ST_RESET_LOG_FULL;
    else
        return apr_psprintf(cmd->pool, "%s: '%s' is not one of log, log-full", cmd->cmd->name, arg);
    return NULL;
}

/* SuperTokensPasswordResetCommand, SuperTokensEmailVerificationCommand,
 * SuperTokensPasswordlessEmailCommand and SuperTokensPasswordlessSMSCommand */
static const char *set_delivery_command(cmd_parms *cmd, void *d, const char *arg)
{
    apr_finfo_t fi;
    const char *path = ap_server_root_relative(cmd->pool, arg);
    (void)d;
    if (path == NULL || apr_stat(&fi, path, APR_FINFO_TYPE | APR_FINFO_PROT, cmd->pool) != APR_SUCCESS
        || fi.filetype != APR_REG || !(fi.protection & (APR_UEXECUTE | APR_GEXECUTE | APR_WEXECUTE)))
        return apr_psprintf(cmd->pool, "%s: '%s' is not an executable file", cmd->cmd->name, arg);
    if (strcmp(cmd->cmd->name, "SuperTokensPasswordResetCommand") == 0)
        srv(cmd)->reset_command = path;
    else if (strcmp(cmd->cmd->name, "SuperTokensPasswordlessEmailCommand") == 0)
        srv(cmd)->pl_email_command = path;
    else if (strcmp(cmd->cmd->name, "SuperTokensPasswordlessSMSCommand") == 0)
        srv(cmd)->pl_sms_command = path;
    else
        srv(cmd)->ev_command = path;
    return NULL;
}

static const char *set_ev_mode(cmd_parms *cmd, void *d, const char *arg)
{
    (void)d;
    if (strcasecmp(arg, "optional") == 0)
        srv(cmd)->ev_mode = ST_EV_OPTIONAL;
    else if (strcasecmp(arg, "required") == 0)
        srv(cmd)->ev_mode = ST_EV_REQUIRED;
    else
        return apr_psprintf(cmd->pool, "%s: '%s' is not one of optional, required", cmd->cmd->name, arg);
    return NULL;
}

static const char *set_login_page(cmd_parms *cmd, void *d, int flag)
{
    (void)d;
    srv(cmd)->login_page = flag;
    return NULL;
}

/* Global: the JWKS cache is per process and shared by every virtual host. */
static const char *set_rsa_acceleration(cmd_parms *cmd, void *d, int flag)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    (void)d;
    if (err)
        return err;
    srv(cmd)->rsa_acceleration = flag;
    return NULL;
}

/* Global: the verification cache is per process and shared by every virtual host. */
static const char *set_verify_cache(cmd_parms *cmd, void *d, const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    char *end;
    long n;
    (void)d;
    if (err)
        return err;
    if (strcasecmp(arg, "Off") == 0) {
        srv(cmd)->verify_cache_entries = 0;
        return NULL;
    }
    n = strtol(arg, &end, 10);
    if (end == arg || *end != '\0' || n < 1 || n > ST_VERIFY_CACHE_MAX)
        return apr_psprintf(cmd->pool, "SuperTokensVerifyCache: '%s' is not Off or a number of "
                            "tokens from 1 to %d", arg, ST_VERIFY_CACHE_MAX);
    srv(cmd)->verify_cache_entries = (int)n;
    return NULL;
}

/* ---------- directive handlers: directory scope ---------- */

static const char *set_dir_flag(cmd_parms *cmd, void *d, int flag)
{
    st_dir_conf *dc = d;
    if (strcmp(cmd->cmd->name, "SuperTokensSessionRequired") == 0)
        dc->session_required = flag;
    else
        dc->check_database = flag;
    return NULL;
}

static const char *set_anti_csrf_check(cmd_parms *cmd, void *d, const char *arg)
{
    st_dir_conf *dc = d;
    if (strcasecmp(arg, "on") == 0)
        dc->anti_csrf_check = 1;
    else if (strcasecmp(arg, "off") == 0)
        dc->anti_csrf_check = 0;
    else if (strcasecmp(arg, "auto") == 0)
        dc->anti_csrf_check = -1;
    else
        return apr_psprintf(cmd->pool, "%s: '%s' is not one of On, Off, Auto", cmd->cmd->name, arg);
    return NULL;
}

static const char *set_remote_user_claim(cmd_parms *cmd, void *d, const char *arg)
{
    st_dir_conf *dc = d;
    if (*arg == '\0' || strpbrk(arg, " \t\r\n"))
        return apr_psprintf(cmd->pool, "%s: '%s' is not a claim name", cmd->cmd->name, arg);
    dc->remote_user_claim = arg;
    return NULL;
}

static const char *set_pass_claims_as(cmd_parms *cmd, void *d, const char *arg)
{
    st_dir_conf *dc = d;
    if (strcasecmp(arg, "env") == 0 || strcasecmp(arg, "environment") == 0)
        dc->pass_claims_as = ST_PASS_ENV;
    else if (strcasecmp(arg, "headers") == 0)
        dc->pass_claims_as = ST_PASS_HEADERS;
    else if (strcasecmp(arg, "both") == 0)
        dc->pass_claims_as = ST_PASS_ENV | ST_PASS_HEADERS;
    else if (strcasecmp(arg, "none") == 0)
        dc->pass_claims_as = 0;
    else
        return apr_psprintf(cmd->pool, "%s: '%s' is not one of env, headers, both, none",
                            cmd->cmd->name, arg);
    return NULL;
}

/* Names a claim variable must never become: CGI/1.1 meta-variables (RFC 3875 §4.1), what
 * httpd and mod_ssl add to the environment, and the module's own fixed variables. A prefix
 * that starts one of these could, with the right claim name, spell it (e.g. "S" + claim
 * "ERVER_NAME"). */
static const char *const reserved_env_names[] = {
    "AUTH_TYPE", "CONTENT_LENGTH", "CONTENT_TYPE", "GATEWAY_INTERFACE", "PATH_INFO",
    "PATH_TRANSLATED", "QUERY_STRING", "REMOTE_ADDR", "REMOTE_HOST", "REMOTE_IDENT",
    "REMOTE_USER", "REMOTE_PORT", "REQUEST_METHOD", "SCRIPT_NAME", "SERVER_NAME", "SERVER_PORT",
    "SERVER_PROTOCOL", "SERVER_SOFTWARE", "SERVER_ADDR", "SERVER_ADMIN", "SERVER_SIGNATURE",
    "DOCUMENT_ROOT", "CONTEXT_PREFIX", "CONTEXT_DOCUMENT_ROOT", "REQUEST_SCHEME", "REQUEST_URI",
    "SCRIPT_FILENAME", "SCRIPT_URI", "SCRIPT_URL", "UNIQUE_ID", "PATH", "HTTPS", "TZ",
    "SUPERTOKENS_USER_ID", "SUPERTOKENS_SESSION_HANDLE", "SUPERTOKENS_TENANT_ID",
    "SUPERTOKENS_ACCESS_TOKEN_PAYLOAD", NULL
};
/* Families of names: a prefix starting with one of these makes claims look like request
 * headers (HTTP_*: a client's "Role:" header would override the claim ROLE), TLS facts,
 * redirect copies or loader settings. */
static const char *const reserved_env_prefixes[] = { "HTTP_", "SSL_", "REDIRECT_", "LD_", NULL };

const char *st_claim_prefix_reserved(const char *prefix)
{
    apr_size_t n = strlen(prefix);
    int i;
    for (i = 0; reserved_env_prefixes[i]; i++) {
        apr_size_t k = strlen(reserved_env_prefixes[i]);
        if (strncasecmp(prefix, reserved_env_prefixes[i], n < k ? n : k) == 0)
            return reserved_env_prefixes[i];
    }
    for (i = 0; reserved_env_names[i]; i++)
        if (strncasecmp(prefix, reserved_env_names[i], n) == 0)
            return reserved_env_names[i];
    return NULL;
}

/* Every SuperTokensClaimPrefix of the configuration, so that client-sent look-alikes of any
 * of them are scrubbed on every request, whichever location it is for. Lives in the
 * configuration pool; read-only once the configuration is read. */
static apr_array_header_t *claim_prefixes;

static apr_status_t forget_claim_prefixes(void *unused)
{
    (void)unused;
    claim_prefixes = NULL;
    return APR_SUCCESS;
}

const apr_array_header_t *st_cfg_claim_prefixes(void)
{
    return claim_prefixes;
}

static const char *set_claim_prefix(cmd_parms *cmd, void *d, const char *arg)
{
    st_dir_conf *dc = d;
    const char *c, *clash;
    /* An empty prefix would let claims shadow any variable and defeat header scrubbing. */
    if (*arg == '\0')
        return apr_psprintf(cmd->pool, "%s: an empty prefix is not allowed", cmd->cmd->name);
    for (c = arg; *c; c++)
        if (!apr_isalnum(*c) && *c != '_')
            return apr_psprintf(cmd->pool, "%s: '%s' may contain only letters, digits and '_'",
                                cmd->cmd->name, arg);
    if ((clash = st_claim_prefix_reserved(arg)) != NULL)
        return apr_psprintf(cmd->pool, "%s: '%s' could make claim variables collide with %s%s, which "
                            "CGI, httpd or the module set; choose another prefix (e.g. APP_)",
                            cmd->cmd->name, arg, clash, clash[strlen(clash) - 1] == '_' ? "*" : "");
    if (claim_prefixes == NULL) {
        claim_prefixes = apr_array_make(cmd->pool, 4, sizeof(const char *));
        apr_pool_cleanup_register(cmd->pool, NULL, forget_claim_prefixes, apr_pool_cleanup_null);
    }
    *(const char **)apr_array_push(claim_prefixes) = arg;
    dc->claim_prefix = arg;
    return NULL;
}

static const char *set_cache_private(cmd_parms *cmd, void *d, int flag)
{
    (void)cmd;
    ((st_dir_conf *)d)->cache_private = flag;
    return NULL;
}

static const char *set_unauth_action(cmd_parms *cmd, void *d, const char *arg)
{
    st_dir_conf *dc = d;
    if (strcmp(arg, "401") == 0)
        dc->unauth_action = ST_UNAUTH_401;
    else if (strcasecmp(arg, "redirect") == 0)
        dc->unauth_action = ST_UNAUTH_REDIRECT;
    else if (strcasecmp(arg, "pass") == 0)
        dc->unauth_action = ST_UNAUTH_PASS;
    else
        return apr_psprintf(cmd->pool, "%s: '%s' is not one of 401, redirect, pass", cmd->cmd->name, arg);
    return NULL;
}

/* SuperTokensRolesMaxAge, SuperTokensEmailVerifiedMaxAge: seconds or Off (never refetch a
 * claim the token has); SuperTokensEmailUnverifiedRefetch: seconds. 0 refetches every time. */
static const char *set_claim_age(cmd_parms *cmd, void *d, const char *arg)
{
    st_dir_conf *dc = d;
    const char *name = cmd->cmd->name, *err;
    apr_interval_time_t age;
    long v;

    if (strcasecmp(arg, "off") == 0 && strcmp(name, "SuperTokensEmailUnverifiedRefetch") != 0)
        age = ST_MAX_AGE_OFF;
    else if ((err = parse_seconds(cmd, arg, 0, 366L * 24 * 3600, &v)) != NULL)
        return strcmp(name, "SuperTokensEmailUnverifiedRefetch") == 0 ? err
               : apr_pstrcat(cmd->pool, err, " (or Off)", NULL);
    else
        age = apr_time_from_sec(v);
    if (strcmp(name, "SuperTokensRolesMaxAge") == 0)
        dc->roles_max_age = age;
    else if (strcmp(name, "SuperTokensEmailVerifiedMaxAge") == 0)
        dc->verified_max_age = age;
    else
        dc->unverified_refetch = age;
    return NULL;
}

/* ---------- directive handlers: apps without a JavaScript frontend (issue 15) ---------- */

static const char *set_sign_up(cmd_parms *cmd, void *d, int flag)
{
    (void)d;
    srv(cmd)->sign_up = flag;
    return NULL;
}

/* SuperTokensSignUpEmailDomains example.com .example.org ...: the form of a cookie Domain
 * (LDH labels, a leading '.' for subdomains too), kept in lower case. */
static const char *add_sign_up_domain(cmd_parms *cmd, void *d, const char *arg)
{
    st_server_conf *sc = srv(cmd);
    char *dom = apr_pstrdup(cmd->pool, arg);
    (void)d;
    ap_str_tolower(dom);
    if (strchr(dom, '@') || strcmp(dom, ".") == 0 || !st_cookie_domain_valid(dom))
        return apr_psprintf(cmd->pool, "%s: '%s' is not a domain name (example.com, or .example.com "
                            "for it and its subdomains)", cmd->cmd->name, arg);
    if (sc->sign_up_domains == NULL)
        sc->sign_up_domains = apr_array_make(cmd->pool, 4, sizeof(const char *));
    APR_ARRAY_PUSH(sc->sign_up_domains, const char *) = dom;
    return NULL;
}

static const char *set_email_claim(cmd_parms *cmd, void *d, int flag)
{
    (void)d;
    srv(cmd)->email_claim = flag;
    return NULL;
}

#define ST_PAGE_CSS_MAX (64 * 1024)

/* Read once at config time (a graceful restart reads it again): a regular file of at most
 * 64 KiB that cannot close the page's <style> element. */
static const char *set_page_stylesheet(cmd_parms *cmd, void *d, const char *arg)
{
    const char *path = ap_server_root_relative(cmd->pool, arg);
    apr_finfo_t fi;
    apr_file_t *f;
    apr_size_t got = 0;
    char *css;
    (void)d;

    if (path == NULL || apr_stat(&fi, path, APR_FINFO_TYPE | APR_FINFO_SIZE, cmd->temp_pool) != APR_SUCCESS
        || fi.filetype != APR_REG
        || apr_file_open(&f, path, APR_FOPEN_READ, APR_OS_DEFAULT, cmd->temp_pool) != APR_SUCCESS)
        return apr_psprintf(cmd->pool, "%s: '%s' is not a readable file", cmd->cmd->name, arg);
    if (fi.size > ST_PAGE_CSS_MAX)
        return apr_psprintf(cmd->pool, "%s: '%s' is larger than 64 KiB", cmd->cmd->name, arg);
    css = apr_palloc(cmd->pool, (apr_size_t)fi.size + 1);
    if (fi.size > 0 && apr_file_read_full(f, css, (apr_size_t)fi.size, &got) != APR_SUCCESS)
        return apr_psprintf(cmd->pool, "%s: cannot read '%s'", cmd->cmd->name, arg);
    apr_file_close(f);
    css[got] = '\0';
    if (strlen(css) != got)
        return apr_psprintf(cmd->pool, "%s: '%s' contains a NUL byte", cmd->cmd->name, arg);
    if (ap_strcasestr(css, "</style") != NULL)
        return apr_psprintf(cmd->pool, "%s: '%s' must not contain '</style'", cmd->cmd->name, arg);
    srv(cmd)->page_css = css;
    return NULL;
}

/* ---------- directive handlers: Passwordless (issue 20) ---------- */

/* SuperTokensPasswordlessContactMethod and SuperTokensPasswordlessFlowType take
 * supertokens-node's names (case-insensitive). */
static const char *set_pl_mode(cmd_parms *cmd, void *d, const char *arg)
{
    static const char *const contacts[] = { "EMAIL", "PHONE", "EMAIL_OR_PHONE", NULL };
    static const int contact_bits[] = { ST_PL_CONTACT_EMAIL, ST_PL_CONTACT_PHONE, ST_PL_CONTACT_EMAIL_OR_PHONE };
    static const char *const flows[] = { "MAGIC_LINK", "USER_INPUT_CODE", "USER_INPUT_CODE_AND_MAGIC_LINK", NULL };
    static const int flow_bits[] = { ST_PL_FLOW_MAGIC_LINK, ST_PL_FLOW_USER_INPUT_CODE, ST_PL_FLOW_CODE_AND_LINK };
    int contact = strcmp(cmd->cmd->name, "SuperTokensPasswordlessContactMethod") == 0, i;
    const char *const *names = contact ? contacts : flows;
    (void)d;
    for (i = 0; names[i]; i++)
        if (strcasecmp(arg, names[i]) == 0) {
            if (contact)
                srv(cmd)->pl_contact = contact_bits[i];
            else
                srv(cmd)->pl_flow = flow_bits[i];
            return NULL;
        }
    return apr_psprintf(cmd->pool, "%s: '%s' is not one of %s", cmd->cmd->name, arg,
                        contact ? "EMAIL, PHONE, EMAIL_OR_PHONE"
                                : "MAGIC_LINK, USER_INPUT_CODE, USER_INPUT_CODE_AND_MAGIC_LINK");
}

#define ST_SRV RSRC_CONF
#define ST_DIR (RSRC_CONF | ACCESS_CONF | OR_AUTHCFG)

const command_rec st_directives[] = {
    AP_INIT_TAKE1("SuperTokensConnectionURI", set_connection_uri, NULL, ST_SRV,
                  "One or more ';'-separated SuperTokens core URLs"),
    AP_INIT_TAKE1("SuperTokensAPIKey", set_api_key, NULL, ST_SRV,
                  "API key sent to the core in the api-key header"),
    AP_INIT_TAKE1("SuperTokensCoreCA", set_core_ca, NULL, ST_SRV,
                  "PEM file of CA certificates trusted for https:// cores"),
    AP_INIT_RAW_ARGS("SuperTokensCoreTimeout", set_core_timeout, NULL, ST_SRV,
                     "Core call timeouts in seconds: <s> or connect=<s> io=<s>"),
    AP_INIT_TAKE1("SuperTokensJWKSRefreshInterval", set_jwks_refresh, NULL, ST_SRV,
                  "Seconds a fetched JWKS is used before it is fetched again"),
    AP_INIT_TAKE1("SuperTokensAccessTokenSigningKey", set_signing_key, NULL, ST_SRV,
                  "Access tokens signed with dynamic (default, kid d-...) or static (kid s-...) keys"),
    AP_INIT_TAKE1("SuperTokensAppName", set_app_name, NULL, ST_SRV,
                  "The application name (appInfo.appName)"),
    AP_INIT_TAKE1("SuperTokensAPIDomain", set_domain, NULL, ST_SRV,
                  "Origin the API is served from, e.g. https://api.example.com"),
    AP_INIT_TAKE1("SuperTokensWebsiteDomain", set_domain, NULL, ST_SRV,
                  "Origin of the website, e.g. https://example.com"),
    AP_INIT_TAKE1("SuperTokensAPIBasePath", set_base_path, NULL, ST_SRV,
                  "Path under which the SuperTokens API is served (default /auth)"),
    AP_INIT_TAKE1("SuperTokensWebsiteBasePath", set_base_path, NULL, ST_SRV,
                  "Path of the login UI on the website (default /auth)"),
    AP_INIT_TAKE1("SuperTokensCookieDomain", set_cookie_domain, NULL, ST_SRV,
                  "Domain attribute of the session cookies (default: none)"),
    AP_INIT_FLAG("SuperTokensCookieSecure", set_cookie_secure, NULL, ST_SRV,
                 "Secure attribute of the session cookies (default: API domain is https)"),
    AP_INIT_TAKE1("SuperTokensCookieSameSite", set_cookie_same_site, NULL, ST_SRV,
                  "SameSite of the session cookies: Lax, Strict or None"),
    AP_INIT_TAKE1("SuperTokensAntiCsrf", set_anti_csrf, NULL, ST_SRV,
                  "Anti-CSRF mode: via-token, via-custom-header or none"),
    AP_INIT_TAKE1("SuperTokensAccessTokenPath", set_access_token_path, NULL, ST_SRV,
                  "Path attribute of the sAccessToken cookie (default /)"),
    AP_INIT_ITERATE("SuperTokensRecipes", add_recipe, NULL, ST_SRV,
                    "Which APIs the module serves: session, emailpassword, userroles, "
                    "emailverification, passwordless"),

    AP_INIT_FLAG("SuperTokensRSAAcceleration", set_rsa_acceleration, NULL, RSRC_CONF,
                 "RS256 checks with AVX-512 IFMA where the CPU has it (On, default) or OpenSSL only "
                 "(Off); main server only"),
    AP_INIT_TAKE1("SuperTokensVerifyCache", set_verify_cache, NULL, RSRC_CONF,
                  "Verified access tokens remembered per process: a number (default 4096, 256 "
                  "with prefork) or Off; main server only"),
    AP_INIT_TAKE1("SuperTokensPasswordResetDelivery", set_delivery, NULL, ST_SRV,
                  "Password-reset links to the error log: log (token hidden) or log-full"),
    AP_INIT_TAKE1("SuperTokensPasswordResetCommand", set_delivery_command, NULL, ST_SRV,
                  "Program that delivers password-reset links (reads email and link on stdin)"),
    AP_INIT_FLAG("SuperTokensLoginPage", set_login_page, NULL, ST_SRV,
                 "Serve a built-in sign-in/sign-up page at SuperTokensWebsiteBasePath"),
    /* issue 16: EmailVerification */
    AP_INIT_TAKE1("SuperTokensEmailVerification", set_ev_mode, NULL, ST_SRV,
                  "optional (default) or required: every AuthType SuperTokens location refuses "
                  "sessions whose email is not verified"),
    AP_INIT_TAKE1("SuperTokensEmailVerificationDelivery", set_delivery, NULL, ST_SRV,
                  "Email verification links to the error log: log (token hidden) or log-full"),
    AP_INIT_TAKE1("SuperTokensEmailVerificationCommand", set_delivery_command, NULL, ST_SRV,
                  "Program that delivers email verification links (reads email and link on stdin)"),

    /* apps without a JavaScript frontend (issue 15) */
    AP_INIT_FLAG("SuperTokensSignUp", set_sign_up, NULL, ST_SRV,
                 "On (default): anyone may create an account; Off: sign-up is refused"),
    AP_INIT_ITERATE("SuperTokensSignUpEmailDomains", add_sign_up_domain, NULL, ST_SRV,
                    "Only emails of these domains may sign up (.example.com: and its subdomains)"),
    AP_INIT_FLAG("SuperTokensEmailClaim", set_email_claim, NULL, ST_SRV,
                 "On: sessions the module creates carry the user's email as the claim 'email'"),
    AP_INIT_TAKE1("SuperTokensPageStylesheet", set_page_stylesheet, NULL, ST_SRV,
                  "CSS file (at most 64 KiB) added to the built-in pages' style, read at start-up"),

    /* ThirdParty (issue 19): handlers in thirdparty_conf.c */
    AP_INIT_RAW_ARGS("SuperTokensThirdPartyProvider", st_tp_set_provider, NULL, ST_SRV,
                     "A sign-in provider: <thirdPartyId> client_id=... [client_secret_file=...] [discovery=...] ..."),
    AP_INIT_TAKE1("SuperTokensOutgoingProxy", st_tp_set_proxy, NULL, ST_SRV,
                  "HTTP proxy for calls to identity providers: http://host:port (CONNECT for https)"),
    AP_INIT_TAKE1("SuperTokensProviderCA", st_tp_set_ca, NULL, ST_SRV,
                  "PEM file of CA certificates trusted for identity providers (default: the system store)"),
    AP_INIT_RAW_ARGS("SuperTokensProviderTimeout", st_tp_set_timeout, NULL, ST_SRV,
                     "Timeouts of calls to identity providers in seconds: <s> or connect=<s> io=<s>"),
    /* issue 20: Passwordless */
    AP_INIT_TAKE1("SuperTokensPasswordlessContactMethod", set_pl_mode, NULL, ST_SRV,
                  "What users sign in with: EMAIL (default), PHONE or EMAIL_OR_PHONE"),
    AP_INIT_TAKE1("SuperTokensPasswordlessFlowType", set_pl_mode, NULL, ST_SRV,
                  "What a sign-in message carries: MAGIC_LINK, USER_INPUT_CODE or "
                  "USER_INPUT_CODE_AND_MAGIC_LINK (default)"),
    AP_INIT_TAKE1("SuperTokensPasswordlessDelivery", set_delivery, NULL, ST_SRV,
                  "Sign-in links and codes to the error log when no command is set: log (hidden) or log-full"),
    AP_INIT_TAKE1("SuperTokensPasswordlessEmailCommand", set_delivery_command, NULL, ST_SRV,
                  "Program that emails sign-in links and codes (reads them on stdin)"),
    AP_INIT_TAKE1("SuperTokensPasswordlessSMSCommand", set_delivery_command, NULL, ST_SRV,
                  "Program that texts sign-in links and codes to phone numbers (reads them on stdin)"),

    AP_INIT_FLAG("SuperTokensSessionRequired", set_dir_flag, NULL, ST_DIR,
                 "On: no session means 401; Off: requests without a token go on anonymously"),
    AP_INIT_FLAG("SuperTokensCheckDatabase", set_dir_flag, NULL, ST_DIR,
                 "On: confirm every session with the core (verify with checkDatabase)"),
    AP_INIT_TAKE1("SuperTokensAntiCsrfCheck", set_anti_csrf_check, NULL, ST_DIR,
                  "On, Off or Auto (Auto: every method but GET)"),
    AP_INIT_TAKE1("SuperTokensRemoteUserClaim", set_remote_user_claim, NULL, ST_DIR,
                  "Access-token claim that becomes REMOTE_USER (default sub)"),
    AP_INIT_TAKE1("SuperTokensPassClaimsAs", set_pass_claims_as, NULL, ST_DIR,
                  "How claims reach the app: env, headers, both or none"),
    /* not in .htaccess: every prefix must be known at start-up to be scrubbed everywhere */
    AP_INIT_TAKE1("SuperTokensClaimPrefix", set_claim_prefix, NULL, RSRC_CONF | ACCESS_CONF,
                  "Prefix of per-claim variables and headers (default SUPERTOKENS_CLAIM_)"),
    AP_INIT_FLAG("SuperTokensCacheControlPrivate", set_cache_private, NULL, ST_DIR,
                 "On (default): answers served with a session carry Cache-Control: private"),
    AP_INIT_TAKE1("SuperTokensUnauthAction", set_unauth_action, NULL, ST_DIR,
                  "Without a valid session: 401, redirect (browser navigations to the login page) or pass"),
    /* issue 16: claim refetch */
    AP_INIT_TAKE1("SuperTokensRolesMaxAge", set_claim_age, NULL, ST_DIR,
                  "Seconds after which st-role/st-perm are refetched from the core (default 300; Off: never)"),
    AP_INIT_TAKE1("SuperTokensEmailVerifiedMaxAge", set_claim_age, NULL, ST_DIR,
                  "Seconds after which a true st-ev is refetched (default Off: never)"),
    AP_INIT_TAKE1("SuperTokensEmailUnverifiedRefetch", set_claim_age, NULL, ST_DIR,
                  "Seconds after which a false st-ev is refetched (default 10)"),
    { NULL }
};

/*
 * thirdparty_conf.c: the ThirdParty directives (thirdparty_conf.h).
 *
 *   SuperTokensThirdPartyProvider google client_id=123.apps.googleusercontent.com \
 *       client_secret_file=/etc/apache2/google.secret
 *   SuperTokensThirdPartyProvider keycloak name=Keycloak client_id=apache \
 *       discovery=https://sso.example.com/realms/acme client_secret_file=/etc/apache2/kc.secret
 *
 * Several lines with the same id add to one provider, so a long one can be split.
 */
#include <string.h>

#include "apr_strings.h"
#include "apr_uri.h"
#include "apr_lib.h"
#include "apr_file_io.h"

#include "config/thirdparty_conf.h"
#include "token/oidc.h"

extern module AP_MODULE_DECLARE_DATA supertokens_module;

#define ST_TP_MAX_SECRET (16 * 1024)
#define ST_TP_MAX_TIMEOUT 300

static st_server_conf *srv(cmd_parms *cmd)
{
    return ap_get_module_config(cmd->server->module_config, &supertokens_module);
}

/* supertokens-node's built-ins whose APIs are not OpenID Connect and which the module does not offer:
 * an id with one of these prefixes would mean something else to the SDK. */
static const char *const unsupported_prefixes[] = {
    "bitbucket", "discord", "facebook", "linkedin", "twitter", "boxy-saml", "saml", "google-workspaces", NULL
};

static st_tp_kind kind_of(const char *id)
{
    if (strncmp(id, "google", 6) == 0)
        return ST_TP_GOOGLE;
    if (strncmp(id, "github", 6) == 0)
        return ST_TP_GITHUB;
    if (strncmp(id, "apple", 5) == 0)
        return ST_TP_APPLE;
    return ST_TP_CUSTOM;
}

int st_tp_url_allowed(apr_pool_t *p, const char *url)
{
    apr_uri_t u;

    if (!url || strpbrk(url, " \t\r\n\"<>\\") || apr_uri_parse(p, url, &u) != APR_SUCCESS || !u.scheme
        || !u.hostname || !*u.hostname || u.user || u.password || u.fragment)
        return 0;
    if (strcasecmp(u.scheme, "https") == 0)
        return 1;
    return strcasecmp(u.scheme, "http") == 0
        && (strcmp(u.hostname, "localhost") == 0 || strncmp(u.hostname, "127.", 4) == 0
            || strcmp(u.hostname, "::1") == 0);
}

/* The whole of a small file (a secret or a key), without trailing line ends. */
static const char *read_secret(cmd_parms *cmd, const char *arg, const char *key, const char **out)
{
    const char *path = ap_server_root_relative(cmd->pool, arg);
    apr_finfo_t fi;
    apr_file_t *f;
    apr_size_t got = 0;
    char *buf;

    if (!path || apr_stat(&fi, path, APR_FINFO_TYPE | APR_FINFO_SIZE, cmd->temp_pool) != APR_SUCCESS
        || fi.filetype != APR_REG
        || apr_file_open(&f, path, APR_FOPEN_READ, APR_OS_DEFAULT, cmd->temp_pool) != APR_SUCCESS)
        return apr_psprintf(cmd->pool, "%s: %s '%s' is not a readable file", cmd->cmd->name, key, arg);
    if (fi.size == 0 || fi.size > ST_TP_MAX_SECRET)
        return apr_psprintf(cmd->pool, "%s: %s '%s' is empty or larger than 16 KiB", cmd->cmd->name, key, arg);
    buf = apr_palloc(cmd->pool, (apr_size_t)fi.size + 1);
    if (apr_file_read_full(f, buf, (apr_size_t)fi.size, &got) != APR_SUCCESS)
        return apr_psprintf(cmd->pool, "%s: cannot read %s '%s'", cmd->cmd->name, key, arg);
    apr_file_close(f);
    buf[got] = '\0';
    while (got && (buf[got - 1] == '\n' || buf[got - 1] == '\r'))
        buf[--got] = '\0';
    if (!got || strlen(buf) != got)
        return apr_psprintf(cmd->pool, "%s: %s '%s' is empty or holds a NUL byte", cmd->cmd->name, key, arg);
    *out = buf;
    return NULL;
}

static st_tp_provider *provider_get(cmd_parms *cmd, const char *id)
{
    st_server_conf *sc = srv(cmd);
    st_tp_provider *pv;
    int i;

    if (!sc->tp_providers)
        sc->tp_providers = apr_array_make(cmd->pool, 4, sizeof(st_tp_provider *));
    for (i = 0; i < sc->tp_providers->nelts; i++) {
        pv = APR_ARRAY_IDX(sc->tp_providers, i, st_tp_provider *);
        if (strcmp(pv->id, id) == 0)
            return pv;
    }
    pv = apr_pcalloc(cmd->pool, sizeof(*pv));
    pv->id = apr_pstrdup(cmd->pool, id);
    pv->kind = kind_of(id);
    pv->force_pkce = -1;
    pv->all_tenants = -1;
    APR_ARRAY_PUSH(sc->tp_providers, st_tp_provider *) = pv;
    return pv;
}

static const char *on_off(cmd_parms *cmd, const char *key, const char *v, int *out)
{
    if (strcasecmp(v, "on") == 0)
        *out = 1;
    else if (strcasecmp(v, "off") == 0)
        *out = 0;
    else
        return apr_psprintf(cmd->pool, "%s: %s must be on or off", cmd->cmd->name, key);
    return NULL;
}

/* A field path of userInfoMap: letters, digits, '_', '-', ':' and '.' between parts. */
static int field_ok(const char *v)
{
    const char *c;
    if (!*v || *v == '.' || v[strlen(v) - 1] == '.' || strstr(v, ".."))
        return 0;
    for (c = v; *c; c++)
        if (!apr_isalnum(*c) && !strchr("_-:.", *c))
            return 0;
    return 1;
}

static const char *set_url(cmd_parms *cmd, const char *key, const char *v, const char **out)
{
    if (!st_tp_url_allowed(cmd->temp_pool, v))
        return apr_psprintf(cmd->pool, "%s: %s '%s' must be an https:// URL (http:// only to localhost)",
                            cmd->cmd->name, key, v);
    *out = v;
    return NULL;
}

static const char *set_string(cmd_parms *cmd, const char *key, const char *v, const char **out)
{
    if (!*v || strpbrk(v, "\r\n"))
        return apr_psprintf(cmd->pool, "%s: %s must be a non-empty value on one line", cmd->cmd->name, key);
    *out = v;
    return NULL;
}

/* One key=value of a provider line. */
static const char *provider_param(cmd_parms *cmd, st_tp_provider *pv, const char *key, const char *v)
{
    if (strncmp(key, "auth_param.", 11) == 0 && key[11]) {
        st_tp_param *ap;
        if (!pv->auth_params)
            pv->auth_params = apr_array_make(cmd->pool, 2, sizeof(st_tp_param));
        ap = apr_array_push(pv->auth_params);
        ap->key = key + 11;
        ap->value = *v ? v : NULL;
        return NULL;
    }
    if (!strcmp(key, "name")) return set_string(cmd, key, v, &pv->name);
    if (!strcmp(key, "client_id")) return set_string(cmd, key, v, &pv->client_id);
    if (!strcmp(key, "client_secret")) return set_string(cmd, key, v, &pv->client_secret);
    if (!strcmp(key, "client_secret_file")) return read_secret(cmd, v, key, &pv->client_secret);
    if (!strcmp(key, "private_key_file")) return read_secret(cmd, v, key, &pv->private_key);
    if (!strcmp(key, "scope")) return set_string(cmd, key, v, &pv->scope);
    if (!strcmp(key, "team_id")) return set_string(cmd, key, v, &pv->team_id);
    if (!strcmp(key, "key_id")) return set_string(cmd, key, v, &pv->key_id);
    if (!strcmp(key, "issuer")) return set_string(cmd, key, v, &pv->issuer);
    if (!strcmp(key, "discovery")) return set_url(cmd, key, v, &pv->discovery);
    if (!strcmp(key, "authorization_endpoint")) return set_url(cmd, key, v, &pv->authorization_endpoint);
    if (!strcmp(key, "token_endpoint")) return set_url(cmd, key, v, &pv->token_endpoint);
    if (!strcmp(key, "userinfo_endpoint")) return set_url(cmd, key, v, &pv->userinfo_endpoint);
    if (!strcmp(key, "jwks_uri")) return set_url(cmd, key, v, &pv->jwks_uri);
    if (!strcmp(key, "force_pkce")) return on_off(cmd, key, v, &pv->force_pkce);
    if (!strcmp(key, "all_tenants")) return on_off(cmd, key, v, &pv->all_tenants);
    if (!strcmp(key, "user_id_field") || !strcmp(key, "email_field") || !strcmp(key, "email_verified_field")) {
        if (!field_ok(v))
            return apr_psprintf(cmd->pool, "%s: %s '%s' is not a field path", cmd->cmd->name, key, v);
        *(key[0] == 'u' ? &pv->user_id_field : !strcmp(key, "email_field") ? &pv->email_field
                                   : &pv->email_verified_field) = v;
        return NULL;
    }
    return apr_psprintf(cmd->pool, "%s: unknown parameter '%s' (known: name, client_id, client_secret, "
                        "client_secret_file, scope, auth_param.<name>, discovery, issuer, authorization_endpoint, "
                        "token_endpoint, userinfo_endpoint, jwks_uri, force_pkce, all_tenants, user_id_field, "
                        "email_field, email_verified_field, team_id, key_id, private_key_file)", cmd->cmd->name, key);
}

const char *st_tp_set_provider(cmd_parms *cmd, void *d, const char *args)
{
    const char *id = ap_getword_conf(cmd->temp_pool, &args), *word;
    st_tp_provider *pv;
    int i;
    (void)d;

    if (!*id || strlen(id) > 100 || strpbrk(id, "/?#%&= \t\"'<>\\"))
        return apr_psprintf(cmd->pool, "%s: needs a provider id (the thirdPartyId) first", cmd->cmd->name);
    for (i = 0; unsupported_prefixes[i]; i++)
        if (strncmp(id, unsupported_prefixes[i], strlen(unsupported_prefixes[i])) == 0)
            return apr_psprintf(cmd->pool, "%s: unknown provider '%s': supertokens-node's %s provider is not "
                                "built in here (built in: google, github, apple; any OpenID Connect provider "
                                "with another id and discovery=)", cmd->cmd->name, id, unsupported_prefixes[i]);
    pv = provider_get(cmd, id);
    while (*(word = ap_getword_conf(cmd->pool, &args))) {
        const char *eq = strchr(word, '='), *err;
        if (!eq)
            return apr_psprintf(cmd->pool, "%s: '%s' is not key=value", cmd->cmd->name, word);
        if ((err = provider_param(cmd, pv, apr_pstrndup(cmd->pool, word, (apr_size_t)(eq - word)), eq + 1)))
            return err;
    }
    return NULL;
}

const char *st_tp_set_proxy(cmd_parms *cmd, void *d, const char *arg)
{
    apr_uri_t u;
    (void)d;
    if (apr_uri_parse(cmd->pool, arg, &u) != APR_SUCCESS || !u.scheme || strcasecmp(u.scheme, "http")
        || !u.hostname || !*u.hostname || u.user || u.query || (u.path && strcmp(u.path, "/")))
        return apr_psprintf(cmd->pool, "%s: '%s' must be http://host:port", cmd->cmd->name, arg);
    srv(cmd)->proxy_host = u.hostname;
    srv(cmd)->proxy_port = u.port_str ? u.port : 80;
    return NULL;
}

const char *st_tp_set_ca(cmd_parms *cmd, void *d, const char *arg)
{
    apr_finfo_t fi;
    const char *path = ap_server_root_relative(cmd->pool, arg);
    (void)d;
    if (!path || apr_stat(&fi, path, APR_FINFO_TYPE, cmd->pool) != APR_SUCCESS || fi.filetype != APR_REG)
        return apr_psprintf(cmd->pool, "%s: '%s' is not a readable file", cmd->cmd->name, arg);
    srv(cmd)->provider_ca_file = path;
    return NULL;
}

static const char *seconds(cmd_parms *cmd, const char *v, apr_interval_time_t *out)
{
    char *end;
    long n = apr_isdigit(*v) ? strtol(v, &end, 10) : -1;
    if (n < 1 || n > ST_TP_MAX_TIMEOUT || *end)
        return apr_psprintf(cmd->pool, "%s: '%s' must be a whole number of seconds from 1 to %d",
                            cmd->cmd->name, v, ST_TP_MAX_TIMEOUT);
    *out = apr_time_from_sec(n);
    return NULL;
}

const char *st_tp_set_timeout(cmd_parms *cmd, void *d, const char *args)
{
    st_server_conf *sc = srv(cmd);
    const char *word, *err = NULL;
    (void)d;
    if (!*args)
        return apr_psprintf(cmd->pool, "%s: needs a value", cmd->cmd->name);
    while (*(word = ap_getword_conf(cmd->pool, &args))) {
        if (strncasecmp(word, "connect=", 8) == 0)
            err = seconds(cmd, word + 8, &sc->provider_connect_timeout);
        else if (strncasecmp(word, "io=", 3) == 0)
            err = seconds(cmd, word + 3, &sc->provider_io_timeout);
        else if (!strchr(word, '=') && !(err = seconds(cmd, word, &sc->provider_io_timeout)))
            sc->provider_connect_timeout = sc->provider_io_timeout;
        else if (strchr(word, '='))
            err = apr_psprintf(cmd->pool, "%s: unknown parameter '%s' (use connect=<s> io=<s>)", cmd->cmd->name, word);
        if (err)
            return err;
    }
    return NULL;
}

/* One provider as a whole. */
static const char *check_provider(apr_pool_t *p, const st_tp_provider *pv)
{
    const char *n = "SuperTokensThirdPartyProvider";

    if (!pv->client_id)
        return apr_psprintf(p, "%s %s: client_id is missing", n, pv->id);
    if ((pv->kind == ST_TP_GOOGLE || pv->kind == ST_TP_GITHUB) && !pv->client_secret)
        return apr_psprintf(p, "%s %s: client_secret or client_secret_file is missing", n, pv->id);
    if (pv->kind == ST_TP_APPLE && !pv->client_secret) {
        if (!pv->team_id || !pv->key_id || !pv->private_key)
            return apr_psprintf(p, "%s %s: Apple needs client_secret, or team_id, key_id and private_key_file "
                                "(the client secret is made from them)", n, pv->id);
        if (!st_oidc_es256_key_usable(pv->private_key))
            return apr_psprintf(p, "%s %s: private_key_file is not a PEM EC P-256 private key", n, pv->id);
    }
    if (pv->kind == ST_TP_CUSTOM && !pv->discovery && (!pv->authorization_endpoint || !pv->token_endpoint))
        return apr_psprintf(p, "%s %s: give discovery= (the OpenID Connect issuer or its "
                            "/.well-known/openid-configuration), or authorization_endpoint and token_endpoint",
                            n, pv->id);
    if (pv->kind == ST_TP_CUSTOM && !pv->discovery && !pv->userinfo_endpoint && !pv->jwks_uri)
        return apr_psprintf(p, "%s %s: without discovery= it needs userinfo_endpoint or jwks_uri to learn who "
                            "signed in", n, pv->id);
    if (pv->jwks_uri && !pv->discovery && !pv->issuer)
        return apr_psprintf(p, "%s %s: jwks_uri without discovery= needs issuer= (ID tokens' iss is checked)",
                            n, pv->id);
    return NULL;
}

static const char *check_providers(apr_pool_t *p, const st_server_conf *sc)
{
    int i;

    if (sc->tp_providers && !(st_cfg_recipes(sc) & ST_RECIPE_THIRDPARTY))
        return "SuperTokensThirdPartyProvider needs thirdparty in SuperTokensRecipes";
    if (!sc->tp_providers)
        return NULL;   /* providers may all come from the core */
    for (i = 0; i < sc->tp_providers->nelts; i++) {
        const char *err = check_provider(p, APR_ARRAY_IDX(sc->tp_providers, i, st_tp_provider *));
        if (err)
            return err;
    }
    return NULL;
}

const char *st_tp_check_server(apr_pool_t *p, const server_rec *s, const st_server_conf *sc)
{
    const char *err;

    if (sc->core_urls == NULL)
        return NULL;   /* module not used on this vhost */
    err = check_providers(p, sc);
    return err ? apr_psprintf(p, "%s (%s)", err, st_config_vhost_name(p, s)) : NULL;
}

const st_tp_provider *st_tp_find(const st_server_conf *sc, const char *id)
{
    int i;
    for (i = 0; sc->tp_providers && i < sc->tp_providers->nelts; i++) {
        const st_tp_provider *pv = APR_ARRAY_IDX(sc->tp_providers, i, st_tp_provider *);
        if (strcmp(pv->id, id) == 0)
            return pv;
    }
    return NULL;
}

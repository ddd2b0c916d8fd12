/*
 * tp_provider.c: provider resolution as supertokens-node 24 does it (tp_provider.h).
 */
#include <string.h>

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "apr_strings.h"

#include "api/api.h"
#include "api/tp_provider.h"
#include "config/config.h"
#include "config/thirdparty_conf.h"
#include "core/core.h"
#include "core/provider_cache.h"
#include "request/tokens_out.h"
#include "token/json_util.h"
#include "token/oidc.h"

APLOG_USE_MODULE(supertokens);

#define WELL_KNOWN "/.well-known/openid-configuration"

static json_t *own(apr_pool_t *p, json_t *j)
{
    st_json_pool_own(p, j);
    return j;
}

static void set_str(json_t *o, const char *key, const char *v)
{
    if (v)
        json_object_set_new(o, key, json_string(v));
}

/* A configured issuer URL or discovery document URL, completed with the well-known path. */
static const char *with_well_known(apr_pool_t *p, const char *url)
{
    apr_size_t n = strlen(url), w = strlen(WELL_KNOWN);
    if (n >= w && strcmp(url + n - w, WELL_KNOWN) == 0)
        return url;
    while (n && url[n - 1] == '/')
        n--;
    return apr_pstrcat(p, apr_pstrndup(p, url, n), WELL_KNOWN, NULL);
}

/* The user-info map of the directive's *_field parameters, for both sources. */
static json_t *static_user_info_map(const st_tp_provider *pv)
{
    json_t *m, *both;
    if (!pv->user_id_field && !pv->email_field && !pv->email_verified_field)
        return NULL;
    m = json_object();
    both = json_object();
    set_str(both, "userId", pv->user_id_field);
    set_str(both, "email", pv->email_field);
    set_str(both, "emailVerified", pv->email_verified_field);
    json_object_set(m, "fromIdTokenPayload", both);
    json_object_set_new(m, "fromUserInfoAPI", both);
    return m;
}

/* A SuperTokensThirdPartyProvider as the SDK's ProviderInput config. "issuer" is the module's
 * own member (the SDK does not check iss). */
static json_t *static_config(apr_pool_t *p, const st_tp_provider *pv)
{
    json_t *c = own(p, json_object()), *client = json_object(), *map;
    int i;

    set_str(c, "thirdPartyId", pv->id);
    set_str(c, "name", pv->name);
    set_str(client, "clientId", pv->client_id);
    set_str(client, "clientSecret", pv->client_secret);
    if (pv->scope) {
        json_t *scope = json_array();
        char *copy = apr_pstrdup(p, pv->scope), *last, *w;
        for (w = apr_strtok(copy, " ", &last); w; w = apr_strtok(NULL, " ", &last))
            json_array_append_new(scope, json_string(w));
        json_object_set_new(client, "scope", scope);
    }
    if (pv->force_pkce == 1)
        json_object_set_new(client, "forcePKCE", json_true());
    if (pv->team_id)
        json_object_set_new(client, "additionalConfig", json_pack("{s:s,s:s,s:s}", "teamId", pv->team_id,
                                                                  "keyId", pv->key_id, "privateKey", pv->private_key));
    json_object_set_new(c, "clients", json_pack("[o]", client));
    set_str(c, "authorizationEndpoint", pv->authorization_endpoint);
    if (pv->auth_params) {
        json_t *ap = json_object();
        for (i = 0; i < pv->auth_params->nelts; i++) {
            const st_tp_param *x = &APR_ARRAY_IDX(pv->auth_params, i, st_tp_param);
            json_object_set_new(ap, x->key, x->value ? json_string(x->value) : json_null());
        }
        json_object_set_new(c, "authorizationEndpointQueryParams", ap);
    }
    set_str(c, "tokenEndpoint", pv->token_endpoint);
    set_str(c, "userInfoEndpoint", pv->userinfo_endpoint);
    set_str(c, "jwksURI", pv->jwks_uri);
    if (pv->discovery)
        set_str(c, "oidcDiscoveryEndpoint", pv->kind == ST_TP_CUSTOM ? with_well_known(p, pv->discovery) : pv->discovery);
    if ((map = static_user_info_map(pv)) != NULL)
        json_object_set_new(c, "userInfoMap", map);
    if (pv->all_tenants == 1)
        json_object_set_new(c, "includeInNonPublicTenantsByDefault", json_true());
    set_str(c, "issuer", pv->issuer);
    return c;
}

/* configUtils mergeConfig: the core's members over the static ones, userInfoMap merged per
 * source, clients merged by clientType (the core's replacing). */
static json_t *merge_config(apr_pool_t *p, const json_t *stat, const json_t *core)
{
    json_t *out = own(p, json_deep_copy(stat)), *map = json_object(), *clients = json_array();
    const json_t *c;
    const char *src[] = { "fromIdTokenPayload", "fromUserInfoAPI" };
    size_t i, j;

    json_object_update(out, (json_t *)core);
    for (i = 0; i < 2; i++) {
        json_t *one = json_object();
        json_object_update(one, json_object_get(json_object_get(stat, "userInfoMap"), src[i]));
        json_object_update(one, json_object_get(json_object_get(core, "userInfoMap"), src[i]));
        json_object_set_new(map, src[i], one);
    }
    json_object_set_new(out, "userInfoMap", map);
    json_array_extend(clients, json_object_get(stat, "clients"));
    json_array_foreach(json_object_get(core, "clients"), i, c) {
        const char *type = st_json_string(c, "clientType");
        int at = -1;
        for (j = 0; j < json_array_size(clients); j++) {
            const char *t2 = st_json_string(json_array_get(clients, j), "clientType");
            if ((t2 == NULL) == (type == NULL) && (!type || !strcmp(type, t2)))
                at = (int)j;
        }
        if (at < 0)
            json_array_append(clients, (json_t *)c);
        else
            json_array_set(clients, (size_t)at, (json_t *)c);
    }
    json_object_set_new(out, "clients", clients);
    return out;
}

/* mergeProvidersFromCoreAndStatic. */
static json_t *merge_providers(apr_pool_t *p, const st_server_conf *sc, const json_t *from_core, int is_public)
{
    json_t *list = own(p, json_array());
    const json_t *core;
    size_t i;
    int k;

    if (json_array_size(from_core) == 0) {
        for (k = 0; sc->tp_providers && k < sc->tp_providers->nelts; k++) {
            const st_tp_provider *pv = APR_ARRAY_IDX(sc->tp_providers, k, st_tp_provider *);
            if (is_public || pv->all_tenants == 1)
                json_array_append(list, static_config(p, pv));
        }
        return list;
    }
    json_array_foreach(from_core, i, core) {
        const char *id = st_json_string(core, "thirdPartyId");
        const st_tp_provider *pv = id ? st_tp_find(sc, id) : NULL;
        if (!id)
            continue;
        json_array_append(list, pv ? merge_config(p, static_config(p, pv), core) : (json_t *)core);
    }
    return list;
}

static int send_message(request_rec *r, int status, const char *message)
{
    json_t *o = own(r->pool, json_pack("{s:s}", "message", message));
    return st_send_json(r, status, st_json_dump(r->pool, o));
}

int st_tp_merged_providers(request_rec *r, const char *tenant, json_t **list)
{
    st_core_reply reply;
    const char *status;

    if (st_core_get(r->pool, r->server, apr_pstrcat(r->pool, "/", tenant, "/recipe/multitenancy/tenant/v2", NULL),
                    "multitenancy", &reply) != APR_SUCCESS || reply.status != 200 || !reply.json)
        return st_api_core_failed(r, &reply, "tenant configuration");
    status = st_json_string(reply.json, "status");
    if (status && !strcmp(status, "TENANT_NOT_FOUND_ERROR")) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, APLOGNO(10605) "third-party sign-in: no tenant %s",
                      ap_escape_logitem(r->pool, tenant));
        return send_message(r, HTTP_INTERNAL_SERVER_ERROR, "Tenant not found");
    }
    *list = merge_providers(r->pool, st_server_conf_get(r->server),
                            json_object_get(json_object_get(reply.json, "thirdParty"), "providers"),
                            strcmp(tenant, "public") == 0);
    return OK;
}

/* createProvider: the built-in by thirdPartyImplementation or thirdPartyId prefix. */
static st_tp_kind config_kind(const json_t *config)
{
    const char *impl = st_json_string(config, "thirdPartyImplementation");
    const char *id = impl ? impl : st_json_string(config, "thirdPartyId");
    if (!id)
        return ST_TP_CUSTOM;
    if (!strncmp(id, "google", 6) && strncmp(id, "google-workspaces", 17))
        return ST_TP_GOOGLE;
    return !strncmp(id, "github", 6) ? ST_TP_GITHUB : !strncmp(id, "apple", 5) ? ST_TP_APPLE : ST_TP_CUSTOM;
}

const char *st_tp_config_name(const json_t *config)
{
    const char *name = st_json_string(config, "name");
    static const char *const builtin[] = { NULL, "Google", "Github", "Apple" };
    return name ? name : builtin[config_kind(config)];
}

/* getConfigForClientType: the client of clientType, or the only one. */
static const json_t *pick_client(const json_t *config, const char *client_type)
{
    const json_t *clients = json_object_get(config, "clients"), *c;
    size_t i;
    if (!client_type)
        return json_array_size(clients) == 1 ? json_array_get(clients, 0) : NULL;
    json_array_foreach(clients, i, c) {
        const char *t = st_json_string(c, "clientType");
        if (t && !strcmp(t, client_type))
            return c;
    }
    return NULL;
}

/* Joined scope of the client (an array of strings); NULL when absent. */
static const char *scope_of(apr_pool_t *p, const json_t *client)
{
    const json_t *scope = json_object_get(client, "scope"), *s;
    apr_array_header_t *parts = apr_array_make(p, 4, sizeof(const char *));
    size_t i;
    if (!json_is_array(scope))
        return NULL;
    json_array_foreach(scope, i, s)
        if (json_is_string(s))
            APR_ARRAY_PUSH(parts, const char *) = json_string_value(s);
    return apr_array_pstrcat(p, parts, ' ');
}

/* The built-in's defaults (google.ts, github.ts, apple.ts, custom.ts). */
static void apply_builtin(apr_pool_t *p, st_provider *pv, json_t *config)
{
    json_t *ap = json_object();
    const char *disc = st_json_string(config, "oidcDiscoveryEndpoint");

    if (pv->kind == ST_TP_GOOGLE || pv->kind == ST_TP_APPLE) {
        if (!disc)
            disc = pv->kind == ST_TP_GOOGLE ? "https://accounts.google.com" WELL_KNOWN
                                            : "https://appleid.apple.com" WELL_KNOWN;
        json_object_set_new(config, "oidcDiscoveryEndpoint", json_string(with_well_known(p, disc)));
        if (pv->kind == ST_TP_GOOGLE)
            json_object_set_new(ap, "included_grant_scopes", json_string("true")),
            json_object_set_new(ap, "access_type", json_string("offline"));
        else
            json_object_set_new(ap, "response_mode", json_string("form_post"));
        if (!pv->scope)
            pv->scope = "openid email";
    }
    if (pv->kind == ST_TP_GITHUB) {
        if (!st_json_string(config, "authorizationEndpoint"))
            set_str(config, "authorizationEndpoint", "https://github.com/login/oauth/authorize");
        if (!st_json_string(config, "tokenEndpoint"))
            set_str(config, "tokenEndpoint", "https://github.com/login/oauth/access_token");
        if (!st_json_string(config, "userInfoEndpoint"))
            set_str(config, "userInfoEndpoint", "https://api.github.com/user");
        if (!pv->scope)
            pv->scope = "read:user user:email";
    }
    json_object_update(ap, json_object_get(config, "authorizationEndpointQueryParams"));
    json_object_set_new(config, "authorizationEndpointQueryParams", ap);
}

/* custom.ts's userInfoMap defaults under the configured map. */
static json_t *user_info_map(apr_pool_t *p, const json_t *config)
{
    const char *src[] = { "fromIdTokenPayload", "fromUserInfoAPI" };
    json_t *m = own(p, json_object());
    int i;
    for (i = 0; i < 2; i++) {
        json_t *one = json_pack("{s:s,s:s,s:s}", "userId", "sub", "email", "email", "emailVerified", "email_verified");
        json_object_update(one, json_object_get(json_object_get(config, "userInfoMap"), src[i]));
        json_object_set_new(m, src[i], one);
    }
    return m;
}

/* discoverOIDCEndpoints: the document fills what the config leaves out; its issuer is the one
 * ID tokens must carry unless the config names one. OK, or DONE after an answer. */
static int discover(request_rec *r, st_provider *pv, const json_t *config)
{
    const char *url = st_json_string(config, "oidcDiscoveryEndpoint"), *doc, *err;
    st_oidc_discovery d;
    apr_size_t len = 0;

    if (!url)
        return OK;
    if (!st_tp_url_allowed(r->pool, url)) {
        err = "the discovery URL is not https://";
    }
    else if ((doc = st_pcache_get(r->pool, r->server, url, apr_pstrcat(r->pool, "discovery document of ", pv->id, NULL),
                                  0, &len, &err)) != NULL && (err = st_oidc_discovery_parse(r->pool, doc, len, &d)) == NULL) {
        if (!pv->authorization_endpoint) pv->authorization_endpoint = d.authorization_endpoint;
        if (!pv->token_endpoint) pv->token_endpoint = d.token_endpoint;
        if (!pv->userinfo_endpoint) pv->userinfo_endpoint = d.userinfo_endpoint;
        if (!pv->jwks_uri) pv->jwks_uri = d.jwks_uri;
        if (!pv->issuer) pv->issuer = d.issuer;
        if (d.pkce_s256 && !json_object_get(config, "codeChallengeMethodsSupported"))
            pv->pkce = 1;
        return OK;
    }
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, APLOGNO(10606)
                  "third-party provider %s: unusable discovery document: %s", ap_escape_logitem(r->pool, pv->id), err);
    return send_message(r, HTTP_INTERNAL_SERVER_ERROR, "the provider's discovery document could not be read");
}

/* The provider's fields from its merged config and client. */
static void fill(apr_pool_t *p, st_provider *pv, json_t *config, const json_t *client)
{
    pv->id = st_json_string(config, "thirdPartyId");
    pv->kind = config_kind(config);
    pv->client_id = st_json_string(client, "clientId");
    pv->client_secret = st_json_string(client, "clientSecret");
    pv->scope = scope_of(p, client);
    apply_builtin(p, pv, config);
    pv->name = st_tp_config_name(config);
    pv->auth_params = json_object_get(config, "authorizationEndpointQueryParams");
    pv->token_body_params = json_object_get(config, "tokenEndpointBodyParams");
    pv->authorization_endpoint = st_json_string(config, "authorizationEndpoint");
    pv->token_endpoint = st_json_string(config, "tokenEndpoint");
    pv->userinfo_endpoint = st_json_string(config, "userInfoEndpoint");
    pv->jwks_uri = st_json_string(config, "jwksURI");
    pv->issuer = st_json_string(config, "issuer");
    pv->pkce = !pv->client_secret || json_is_true(json_object_get(client, "forcePKCE"));
    {
        const json_t *m;
        size_t i;
        json_array_foreach(json_object_get(config, "codeChallengeMethodsSupported"), i, m)
            if (json_is_string(m) && !strcmp(json_string_value(m), "S256"))
                pv->pkce = 1;
    }
    pv->user_info_map = user_info_map(p, config);
}

/* Apple: the client secret made from teamId, keyId and privateKey when none is given. */
static int apple_secret(request_rec *r, st_provider *pv, const json_t *client)
{
    const json_t *ac = json_object_get(client, "additionalConfig");
    const char *key = st_json_string(ac, "privateKey"), *kid = st_json_string(ac, "keyId");
    const char *team = st_json_string(ac, "teamId");

    if (pv->kind != ST_TP_APPLE || pv->client_secret)
        return OK;
    if (key && kid && team)
        pv->client_secret = st_oidc_apple_client_secret(r->pool, key, kid, team, pv->client_id, apr_time_now());
    if (pv->client_secret)
        return OK;
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, APLOGNO(10607)
                  "third-party provider %s: no client secret, and none could be made from teamId, keyId and "
                  "privateKey", ap_escape_logitem(r->pool, pv->id));
    return send_message(r, HTTP_INTERNAL_SERVER_ERROR,
                        "Please ensure that keyId, teamId and privateKey are provided in the additionalConfig");
}

int st_tp_resolve(request_rec *r, const char *tenant, const char *id, const char *client_type, st_provider *out)
{
    json_t *list, *config = NULL;
    const json_t *c, *client;
    size_t i;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = st_tp_merged_providers(r, tenant, &list)) != OK)
        return rc;
    json_array_foreach(list, i, c)
        if (st_json_string(c, "thirdPartyId") && !strcmp(st_json_string(c, "thirdPartyId"), id))
            config = own(r->pool, json_deep_copy(c));
    if (!config)
        return send_message(r, HTTP_BAD_REQUEST,
                            apr_psprintf(r->pool, "the provider %s could not be found in the configuration", id));
    if (!(client = pick_client(config, client_type)) || !st_json_string(client, "clientId")) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, APLOGNO(10608)
                      "third-party provider %s: no client for clientType %s", ap_escape_logitem(r->pool, id),
                      client_type ? ap_escape_logitem(r->pool, client_type) : "(none: exactly one client needed)");
        return send_message(r, HTTP_INTERNAL_SERVER_ERROR, client_type
                            ? apr_psprintf(r->pool, "Could not find client config for clientType: %s", client_type)
                            : "please provide exactly one client config or pass clientType or tenantId");
    }
    fill(r->pool, out, config, client);
    if ((rc = apple_secret(r, out, client)) != OK || (rc = discover(r, out, config)) != OK)
        return rc;
    return OK;
}

/*
 * thirdparty.c: the ThirdParty recipe's API (supertokens-node 24 recipe/thirdparty/api and
 * multitenancy's loginmethods): GET {B}[/{t}]/authorisationurl, POST {B}[/{t}]/signinup,
 * POST {B}/callback/apple, GET {B}[/{t}]/loginmethods. Providers are resolved by tp_provider.c,
 * the calls to them are tp_flow.c's; sessions are made by st_api_create_session.
 */
#include <string.h>

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"
#include "util_script.h"
#include "apr_strings.h"

#include "api/api.h"
#include "api/form.h"
#include "api/tp_flow.h"
#include "api/tp_provider.h"
#include "config/config.h"
#include "core/core.h"
#include "core/stats.h"
#include "request/tokens_out.h"
#include "token/b64.h"
#include "token/json_util.h"
#include "token/oidc.h"

APLOG_USE_MODULE(supertokens);

static int bad_input(request_rec *r, const char *message)
{
    json_t *o = json_pack("{s:s}", "message", message);
    st_json_pool_own(r->pool, o);
    return st_send_json(r, HTTP_BAD_REQUEST, st_json_dump(r->pool, o));
}

static const char *query_arg(request_rec *r, const char *name)
{
    apr_table_t *args = NULL;
    ap_args_to_table(r, &args);
    return args ? apr_table_get(args, name) : NULL;
}

/* ---------- GET /authorisationurl ---------- */

/* URL.searchParams.set for each pair, in order; a NULL value deletes the name. */
static const char *auth_url(apr_pool_t *p, const char *endpoint, apr_array_header_t *pairs)
{
    apr_array_header_t *parts = apr_array_make(p, pairs->nelts, sizeof(const char *));
    int i, j;

    for (i = 0; i < pairs->nelts; i += 2) {
        const char *k = APR_ARRAY_IDX(pairs, i, const char *), *v = APR_ARRAY_IDX(pairs, i + 1, const char *);
        for (j = i + 2; j < pairs->nelts && v; j += 2)
            if (!strcmp(APR_ARRAY_IDX(pairs, j, const char *), k))
                v = NULL;   /* set later: that one is the value, at this place */
        if (!v) {
            for (j = i + 2; j < pairs->nelts; j += 2)
                if (!strcmp(APR_ARRAY_IDX(pairs, j, const char *), k) && (v = APR_ARRAY_IDX(pairs, j + 1, const char *)))
                    APR_ARRAY_IDX(pairs, j + 1, const char *) = NULL;
        }
        if (v)
            APR_ARRAY_PUSH(parts, const char *) = apr_pstrcat(p, st_tp_form_encode(p, k), "=", st_tp_form_encode(p, v), NULL);
    }
    return apr_pstrcat(p, endpoint, strchr(endpoint, '?') ? "&" : "?", apr_array_pstrcat(p, parts, '&'), NULL);
}

static void pair(apr_pool_t *p, apr_array_header_t *a, const char *k, const char *v)
{
    APR_ARRAY_PUSH(a, const char *) = apr_pstrdup(p, k);
    APR_ARRAY_PUSH(a, const char *) = v;
}

int st_api_tp_authorisation_url(request_rec *r, const st_api_call *call)
{
    const char *id = query_arg(r, "thirdPartyId"), *redirect = query_arg(r, "redirectURIOnProviderDashboard");
    const char *verifier = NULL, *challenge, *key;
    apr_array_header_t *pairs = apr_array_make(r->pool, 16, sizeof(const char *));
    const json_t *v;
    st_provider pv;
    json_t *out;
    int rc;

    if (!id)
        return bad_input(r, "Please provide the thirdPartyId as a GET param");
    if (!redirect)
        return bad_input(r, "Please provide the redirectURIOnProviderDashboard as a GET param");
    if ((rc = st_tp_resolve(r, call->tenant_id, id, query_arg(r, "clientType"), &pv)) != OK)
        return rc;
    if (!pv.authorization_endpoint)
        return st_send_json(r, HTTP_INTERNAL_SERVER_ERROR,
                            "{\"message\":\"ThirdParty provider's authorizationEndpoint is not configured.\"}");
    pair(r->pool, pairs, "client_id", pv.client_id);
    pair(r->pool, pairs, "redirect_uri", redirect);
    pair(r->pool, pairs, "response_type", "code");
    if (pv.scope)
        pair(r->pool, pairs, "scope", pv.scope);
    if (pv.pkce) {
        if (!st_oidc_pkce(r->pool, &verifier, &challenge))
            return HTTP_INTERNAL_SERVER_ERROR;
        pair(r->pool, pairs, "code_challenge", challenge);
        pair(r->pool, pairs, "code_challenge_method", "S256");
        /* the module's addition: a nonce bound to the verifier, checked in the ID token */
        if (pv.jwks_uri)
            pair(r->pool, pairs, "nonce", st_oidc_nonce_for(r->pool, verifier));
    }
    json_object_foreach((json_t *)pv.auth_params, key, v)
        pair(r->pool, pairs, key, json_is_string(v) ? json_string_value(v) : NULL);
    out = json_pack("{s:s,s:s}", "status", "OK", "urlWithQueryParams", auth_url(r->pool, pv.authorization_endpoint, pairs));
    st_json_pool_own(r->pool, out);
    if (verifier)
        json_object_set_new(out, "pkceCodeVerifier", json_string(verifier));
    return st_send_json(r, HTTP_OK, st_json_dump(r->pool, out));
}

/* ---------- POST /signinup ---------- */

static int general_error(request_rec *r, const st_provider *pv, const char *why)
{
    json_t *o;
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, APLOGNO(10610)
                  "third-party sign-in with %s failed: %s, from %s", ap_escape_logitem(r->pool, pv->id),
                  ap_escape_logitem(r->pool, why), r->useragent_ip);
    o = json_pack("{s:s,s:s}", "status", "GENERAL_ERROR", "message",
                  apr_psprintf(r->pool, "Signing in with %s failed. Please try again.", pv->name ? pv->name : pv->id));
    st_json_pool_own(r->pool, o);
    return st_send_json(r, HTTP_OK, st_json_dump(r->pool, o));
}

static void account_log(request_rec *r, const char *tenant, const char *email, const char *what)
{
    ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r, APLOGNO(10611)
                  "user \"%s\": SuperTokens %s (tenant %s), from %s", ap_escape_logitem(r->pool, email), what,
                  ap_escape_logitem(r->pool, tenant), r->useragent_ip);
}

/* SuperTokensSignUp Off or SuperTokensSignUpEmailDomains: the SDK's SIGN_IN_UP_NOT_ALLOWED. */
static int sign_up_refused(request_rec *r, const char *tenant, const st_provider *pv, const char *email)
{
    int off = !st_cfg_sign_up(st_server_conf_get(r->server));
    account_log(r, tenant, email, apr_pstrcat(r->pool, "third-party sign-up with ", pv->id, " refused: ",
                off ? "SuperTokensSignUp Off" : "the email's domain is not in SuperTokensSignUpEmailDomains", NULL));
    st_stats_inc(ST_STAT_SIGNUP_REFUSED);
    return st_send_json(r, HTTP_OK, off
        ? "{\"status\":\"SIGN_IN_UP_NOT_ALLOWED\",\"reason\":\"Sign-up is disabled. "
          "Please ask an administrator for an account.\"}"
        : "{\"status\":\"SIGN_IN_UP_NOT_ALLOWED\",\"reason\":\"Sign-up is not open to this email "
          "address. Please use your organisation's email address or ask an administrator.\"}");
}

/* Does the provider's user exist in the tenant (GET /{t}/users/by-accountinfo)? 1/0, or -1
 * after an answer. */
static int user_exists(request_rec *r, const char *tenant, const char *id, const char *user_id)
{
    st_core_reply reply;
    const char *path = apr_pstrcat(r->pool, "/", tenant, "/users/by-accountinfo?thirdPartyId=",
                                   st_uri_encode_component(r->pool, id), "&thirdPartyUserId=",
                                   st_uri_encode_component(r->pool, user_id), "&doUnionOfAccountInfo=false", NULL);
    if (st_core_get(r->pool, r->server, path, NULL, &reply) != APR_SUCCESS || reply.status != 200 || !reply.json) {
        st_api_core_failed(r, &reply, "third-party user lookup");
        return -1;
    }
    return json_array_size(json_object_get(reply.json, "users")) > 0;
}

/* POST /{t}/recipe/signinup, the session, the answer. */
static int core_sign_in_up(request_rec *r, const char *tenant, const st_provider *pv, const st_tp_user *u)
{
    json_t *body = json_pack("{s:s,s:s,s:{s:s,s:b}}", "thirdPartyId", pv->id, "thirdPartyUserId", u->user_id,
                             "email", "id", u->email, "isVerified", u->email_verified), *out;
    const char *status, *recipe_user_id;
    const json_t *user;
    st_core_reply reply;
    int rc, created;

    st_json_pool_own(r->pool, body);
    if (st_core_post(r->pool, r->server, apr_pstrcat(r->pool, "/", tenant, "/recipe/signinup", NULL), "thirdparty",
                     body, &reply) != APR_SUCCESS || reply.status != 200 || !reply.json)
        return st_api_core_failed(r, &reply, "third-party sign-in-up");
    status = st_json_string(reply.json, "status");
    if (status && !strcmp(status, "EMAIL_CHANGE_NOT_ALLOWED_ERROR"))
        return st_send_json(r, HTTP_OK, "{\"status\":\"SIGN_IN_UP_NOT_ALLOWED\",\"reason\":\"Cannot sign in / up "
                            "because new email cannot be applied to existing account. Please contact support. "
                            "(ERR_CODE_024)\"}");
    user = json_object_get(reply.json, "user");
    recipe_user_id = st_json_string(reply.json, "recipeUserId");
    if (!status || strcmp(status, "OK") || !json_is_object(user) || !st_json_string(user, "id")) {
        reply.error = "unexpected sign-in-up reply";
        return st_api_core_failed(r, &reply, "third-party sign-in-up");
    }
    if (!recipe_user_id)
        recipe_user_id = st_json_string(user, "id");
    created = json_is_true(json_object_get(reply.json, "createdNewUser"));
    if ((rc = st_api_create_session(r, tenant, recipe_user_id, u->email)) != OK)
        return rc;
    st_stats_inc(created ? ST_STAT_SIGNUP_OK : ST_STAT_SIGNIN_OK);
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, APLOGNO(10612) "user \"%s\": signed %s with %s (tenant %s)",
                  ap_escape_logitem(r->pool, u->email), created ? "up" : "in", ap_escape_logitem(r->pool, pv->id),
                  ap_escape_logitem(r->pool, tenant));
    out = json_pack("{s:s,s:O,s:b}", "status", "OK", "user",
                    st_fdi_user(r->pool, user, st_fdi_wants_user_object(apr_table_get(r->headers_in, "fdi-version"))),
                    "createdNewRecipeUser", created);
    st_json_pool_own(r->pool, out);
    return st_send_json(r, HTTP_OK, st_json_dump(r->pool, out));
}

/* The body's checks, in signinup.ts's order and words. OK, or the 400 was sent. */
static int signinup_input(request_rec *r, const json_t *in, const char **id, const json_t **info,
                          const json_t **tokens)
{
    const json_t *v = json_object_get(in, "thirdPartyId");
    *id = json_is_string(v) ? json_string_value(v) : NULL;
    if (!*id)
        return bad_input(r, "Please provide the thirdPartyId in request body");
    *info = json_object_get(in, "redirectURIInfo");
    *tokens = json_object_get(in, "oAuthTokens");
    if (*info && !json_is_null(*info)) {
        if (!json_object_get(*info, "redirectURIOnProviderDashboard"))
            return bad_input(r, "Please provide the redirectURIOnProviderDashboard in request body");
        *tokens = NULL;
        return OK;
    }
    *info = NULL;
    if (!*tokens || json_is_null(*tokens))
        return bad_input(r, "Please provide one of redirectURIInfo or oAuthTokens in the request body");
    return json_is_object(*tokens) ? OK : bad_input(r, "oAuthTokens must be an object");
}

int st_api_tp_signinup(request_rec *r, const st_api_call *call)
{
    const json_t *info = NULL, *given = NULL;
    const char *id, *err, *nonce = NULL;
    json_t *in, *tokens = NULL;
    st_provider pv;
    st_tp_user u;
    int rc, exists;

    if ((rc = st_api_read_json(r, &in)) != OK || (rc = signinup_input(r, in, &id, &info, &given)) != OK)
        return rc;
    if ((rc = st_tp_resolve(r, call->tenant_id, id, st_json_string(in, "clientType"), &pv)) != OK)
        return rc;
    if (info) {
        const char *verifier = st_json_string(info, "pkceCodeVerifier");
        if (pv.pkce && pv.jwks_uri && verifier)
            nonce = st_oidc_nonce_for(r->pool, verifier);
        if ((err = st_tp_exchange_code(r, &pv, info, &tokens)) != NULL)
            return general_error(r, &pv, err);
    }
    if ((err = st_tp_user_info(r, &pv, info ? tokens : given, nonce, &u)) != NULL)
        return general_error(r, &pv, err);
    if (!u.email)
        return st_send_json(r, HTTP_OK, "{\"status\":\"NO_EMAIL_GIVEN_BY_PROVIDER\"}");
    if ((exists = user_exists(r, call->tenant_id, pv.id, u.user_id)) < 0)
        return DONE;
    if (!exists && !st_cfg_sign_up_allows(st_server_conf_get(r->server), st_js_trim(r->pool, u.email, 0)))
        return sign_up_refused(r, call->tenant_id, &pv, u.email);
    return core_sign_in_up(r, call->tenant_id, &pv, &u);
}

/* ---------- POST /callback/apple ---------- */

/* The form's fields (application/x-www-form-urlencoded, at most ST_API_MAX_BODY). */
static int read_form_fields(request_rec *r, apr_array_header_t **pairs)
{
    apr_array_header_t *raw = NULL;
    int i;
    if (ap_parse_form_data(r, NULL, &raw, 32, ST_API_MAX_BODY) != OK || !raw)
        return HTTP_BAD_REQUEST;
    *pairs = apr_array_make(r->pool, raw->nelts * 2, sizeof(const char *));
    for (i = 0; i < raw->nelts; i++) {
        ap_form_pair_t *fp = &APR_ARRAY_IDX(raw, i, ap_form_pair_t);
        apr_off_t len;
        apr_size_t size;
        char *buf;
        apr_brigade_length(fp->value, 1, &len);
        size = (apr_size_t)len;
        buf = apr_palloc(r->pool, size + 1);
        apr_brigade_flatten(fp->value, buf, &size);
        buf[size] = '\0';
        APR_ARRAY_PUSH(*pairs, const char *) = fp->name;
        APR_ARRAY_PUSH(*pairs, const char *) = buf;
    }
    return OK;
}

/* Apple posts the code to the API (response_mode form_post); the browser goes on to the
 * frontend's page named in the state, with the form's fields in its query, as the SDK does.
 * Unlike the SDK, that page must be on the website's (or the API's) origin. */
int st_api_tp_apple_callback(request_rec *r, const st_api_call *call)
{
    const st_server_conf *sc = st_server_conf_get(r->server);
    apr_array_header_t *pairs, *parts;
    const char *state = NULL, *target;
    const unsigned char *raw;
    apr_size_t n;
    json_t *st;
    int i, rc;
    (void)call;

    if ((rc = read_form_fields(r, &pairs)) != OK)
        return rc;
    for (i = 0; i < pairs->nelts; i += 2)
        if (!strcmp(APR_ARRAY_IDX(pairs, i, const char *), "state"))
            state = APR_ARRAY_IDX(pairs, i + 1, const char *);
    raw = state ? st_b64_decode(r->pool, state, strlen(state), &n) : NULL;
    st = raw ? st_json_parse(r->pool, (const char *)raw, n, 0) : NULL;
    target = st_json_string(st, "frontendRedirectURI");
    if (!target || strpbrk(target, "#\r\n")
        || !((!strncmp(target, sc->website_domain, strlen(sc->website_domain))
              && strchr("/?", target[strlen(sc->website_domain)]))
             || (!strncmp(target, sc->api_domain, strlen(sc->api_domain))
                 && strchr("/?", target[strlen(sc->api_domain)])))) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, APLOGNO(10613)
                      "Apple callback: the state names no page of SuperTokensWebsiteDomain");
        return bad_input(r, "invalid state");
    }
    parts = apr_array_make(r->pool, pairs->nelts / 2 + 1, sizeof(const char *));
    for (i = 0; i < pairs->nelts; i += 2)
        APR_ARRAY_PUSH(parts, const char *) = apr_pstrcat(r->pool, st_tp_form_encode(r->pool, APR_ARRAY_IDX(pairs, i, const char *)),
                                                          "=", st_tp_form_encode(r->pool, APR_ARRAY_IDX(pairs, i + 1, const char *)), NULL);
    apr_table_setn(r->headers_out, "Location", apr_pstrcat(r->pool, target, strchr(target, '?') ? "&" : "?",
                                                          apr_array_pstrcat(r->pool, parts, '&'), NULL));
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    return HTTP_SEE_OTHER;
}

/* ---------- GET /loginmethods ---------- */

int st_api_loginmethods(request_rec *r, const st_api_call *call)
{
    int recipes = st_cfg_recipes(st_server_conf_get(r->server)), rc;
    int ep = !!(recipes & ST_RECIPE_EMAILPASSWORD), tp = !!(recipes & ST_RECIPE_THIRDPARTY);
    json_t *list = NULL, *providers = json_array(), *factors = json_array(), *out;
    const json_t *c;
    size_t i;

    st_json_pool_own(r->pool, providers);
    st_json_pool_own(r->pool, factors);
    if (tp && (rc = st_tp_merged_providers(r, call->tenant_id, &list)) != OK)
        return rc;
    json_array_foreach(list, i, c) {
        json_t *one = json_pack("{s:s}", "id", st_json_string(c, "thirdPartyId"));
        if (st_tp_config_name(c))
            json_object_set_new(one, "name", json_string(st_tp_config_name(c)));
        json_array_append_new(providers, one);
    }
    if (ep)
        json_array_append_new(factors, json_string("emailpassword"));
    if (tp)
        json_array_append_new(factors, json_string("thirdparty"));
    out = json_pack("{s:s,s:{s:b},s:{s:b,s:O},s:{s:b},s:{s:b},s:O}", "status", "OK", "emailPassword", "enabled", ep,
                    "thirdParty", "enabled", tp, "providers", providers, "webauthn", "enabled", 0,
                    "passwordless", "enabled", 0, "firstFactors", factors);
    st_json_pool_own(r->pool, out);
    return st_send_json(r, HTTP_OK, st_json_dump(r->pool, out));
}

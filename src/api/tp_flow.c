/*
 * tp_flow.c: the code exchange, the ID token and user-info calls of sign-in-up (tp_flow.h).
 */
#include <string.h>

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "apr_strings.h"
#include "apr_lib.h"

#include "api/tp_flow.h"
#include "core/outbound.h"
#include "core/provider_cache.h"
#include "token/json_util.h"
#include "token/oidc.h"

APLOG_USE_MODULE(supertokens);

const char *st_tp_form_encode(apr_pool_t *p, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = apr_palloc(p, strlen(s) * 3 + 1), *o = out;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (apr_isalnum(c) || c == '*' || c == '-' || c == '.' || c == '_')
            *o++ = (char)c;
        else if (c == ' ')
            *o++ = '+';
        else {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    *o = '\0';
    return out;
}

/* Appends name=value to a form body, replacing an earlier pair of the same name (set()). */
static void form_set(apr_pool_t *p, apr_array_header_t *pairs, const char *name, const char *value)
{
    int i;
    for (i = 0; i < pairs->nelts; i += 2)
        if (!strcmp(APR_ARRAY_IDX(pairs, i, const char *), name)) {
            APR_ARRAY_IDX(pairs, i + 1, const char *) = value;
            return;
        }
    APR_ARRAY_PUSH(pairs, const char *) = apr_pstrdup(p, name);
    APR_ARRAY_PUSH(pairs, const char *) = value;
}

static const char *form_body(apr_pool_t *p, const apr_array_header_t *pairs)
{
    apr_array_header_t *parts = apr_array_make(p, pairs->nelts / 2 + 1, sizeof(const char *));
    int i;
    for (i = 0; i < pairs->nelts; i += 2)
        if (APR_ARRAY_IDX(pairs, i + 1, const char *))   /* NULL: removed (the SDK's null) */
            APR_ARRAY_PUSH(parts, const char *) = apr_pstrcat(p, st_tp_form_encode(p, APR_ARRAY_IDX(pairs, i, const char *)),
                                                              "=", st_tp_form_encode(p, APR_ARRAY_IDX(pairs, i + 1, const char *)), NULL);
    return apr_array_pstrcat(p, parts, '&');
}

const char *st_tp_exchange_code(request_rec *r, const st_provider *pv, const json_t *info, json_t **tokens)
{
    const json_t *q = json_object_get(info, "redirectURIQueryParams"), *v;
    const char *code = st_json_string(q, "code"), *redirect = st_json_string(info, "redirectURIOnProviderDashboard");
    const char *verifier = st_json_string(info, "pkceCodeVerifier"), *body, *err, *key;
    apr_array_header_t *pairs = apr_array_make(r->pool, 16, sizeof(const char *));
    st_out_request req;
    st_out_reply rep;

    *tokens = NULL;
    if (!pv->token_endpoint)
        return "the provider has no token endpoint";
    if (!code || !redirect)
        return "redirectURIInfo has no code";
    form_set(r->pool, pairs, "client_id", pv->client_id);
    form_set(r->pool, pairs, "redirect_uri", redirect);
    form_set(r->pool, pairs, "code", code);
    form_set(r->pool, pairs, "grant_type", "authorization_code");
    if (pv->client_secret)
        form_set(r->pool, pairs, "client_secret", pv->client_secret);
    if (verifier)
        form_set(r->pool, pairs, "code_verifier", verifier);
    json_object_foreach((json_t *)pv->token_body_params, key, v)
        form_set(r->pool, pairs, key, json_is_string(v) ? json_string_value(v) : NULL);
    body = form_body(r->pool, pairs);
    memset(&req, 0, sizeof(req));
    req.method = "POST";
    req.url = pv->token_endpoint;
    req.headers = "Content-Type: application/x-www-form-urlencoded\r\nAccept: application/json\r\n";
    req.body = body;
    req.body_len = strlen(body);
    req.what = apr_pstrcat(r->pool, "the token endpoint of ", pv->id, NULL);
    if (st_out_call(r->pool, r->server, &req, &rep) != APR_SUCCESS)
        return apr_pstrcat(r->pool, "the token endpoint cannot be reached: ", rep.error, NULL);
    if (rep.status >= 400)
        return apr_psprintf(r->pool, "the token endpoint answered HTTP %d (a wrong, expired or reused code?)",
                            rep.status);
    if ((err = st_oidc_token_reply_parse(r->pool, rep.body, rep.body_len, tokens)) != NULL)
        return err;
    return NULL;
}

/* The provider's JWKS; refresh: the ID token's kid was not in the copy we had. */
static const char *jwks_keys(request_rec *r, const st_provider *pv, int refresh, apr_array_header_t **keys)
{
    apr_size_t len = 0;
    const char *err, *doc = st_pcache_get(r->pool, r->server, pv->jwks_uri,
                                          apr_pstrcat(r->pool, "JWKS of ", pv->id, NULL), refresh, &len, &err);
    if (!doc)
        return apr_pstrcat(r->pool, "the provider's JWKS cannot be fetched: ", err, NULL);
    return st_oidc_jwks_parse(r->pool, doc, len, keys);
}

/* The ID token verified and checked: its claims in *claims. */
static const char *id_token_claims(request_rec *r, const st_provider *pv, const char *token, const char *nonce,
                                   const json_t **claims)
{
    st_id_token *t;
    apr_array_header_t *keys;
    st_oidc_expect e = { pv->issuer, pv->client_id, nonce };
    const char *err;
    int no_key = 0;

    if ((err = st_oidc_id_token_parse(r->pool, token, strlen(token), &t)) != NULL)
        return err;
    if (!pv->issuer)
        return "no issuer is known for the provider (set issuer= or discovery=)";
    if ((err = jwks_keys(r, pv, 0, &keys)) != NULL)
        return err;
    err = st_oidc_id_token_verify(t, keys, &no_key);
    if (err && no_key) {   /* a key the provider added since: one refetch (throttled) */
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, APLOGNO(10609)
                      "third-party provider %s: ID token key %s unknown; refetching the JWKS",
                      ap_escape_logitem(r->pool, pv->id), t->kid ? ap_escape_logitem(r->pool, t->kid) : "(no kid)");
        if ((err = jwks_keys(r, pv, 1, &keys)) != NULL)
            return err;
        err = st_oidc_id_token_verify(t, keys, &no_key);
    }
    if (err || (err = st_oidc_id_token_check(t, &e, apr_time_now())) != NULL)
        return err;
    *claims = t->claims;
    return NULL;
}

/* One GET of a user-info API with the access token; the JSON reply. */
static const char *get_json(request_rec *r, const st_provider *pv, const char *url, const char *token,
                            const char *accept, json_t **out)
{
    st_out_request req;
    st_out_reply rep;

    memset(&req, 0, sizeof(req));
    req.method = "GET";
    req.url = url;
    req.headers = apr_pstrcat(r->pool, "Authorization: Bearer ", token, "\r\nAccept: ", accept, "\r\n", NULL);
    req.what = apr_pstrcat(r->pool, "the user-info API of ", pv->id, NULL);
    if (strpbrk(token, "\r\n"))
        return "the access token holds a line break";
    if (st_out_call(r->pool, r->server, &req, &rep) != APR_SUCCESS)
        return apr_pstrcat(r->pool, "the user-info API cannot be reached: ", rep.error, NULL);
    if (rep.status >= 400)
        return apr_psprintf(r->pool, "the user-info API answered HTTP %d", rep.status);
    *out = st_json_parse(r->pool, rep.body, rep.body_len, JSON_DECODE_ANY);
    return *out ? NULL : "the user-info API's reply is not JSON";
}

/* A thirdPartyUserId: a string, or a number written as JavaScript would. */
static const char *id_text(apr_pool_t *p, const json_t *v)
{
    if (json_is_string(v) && *json_string_value(v))
        return json_string_value(v);
    return json_is_number(v) ? st_js_number(p, json_number_value(v)) : NULL;
}

/* github.ts: user.id and the primary email of /user/emails. */
static const char *github_user(request_rec *r, const st_provider *pv, const char *token, st_tp_user *out)
{
    const char *accept = "application/vnd.github.v3+json", *err;
    json_t *emails, *user;
    const json_t *e;
    size_t i;

    if ((err = get_json(r, pv, apr_pstrcat(r->pool, pv->userinfo_endpoint, "/emails", NULL), token, accept, &emails))
        || (err = get_json(r, pv, pv->userinfo_endpoint, token, accept, &user)))
        return err;
    if (!(out->user_id = id_text(r->pool, json_object_get(user, "id"))))
        return "the user API's reply has no id";
    json_array_foreach(emails, i, e)
        if (json_is_true(json_object_get(e, "primary")) && st_json_string(e, "email")) {
            out->email = st_json_string(e, "email");
            out->email_verified = json_is_true(json_object_get(e, "verified"));
        }
    return NULL;
}

static int verified_value(const json_t *v, int case_insensitive)
{
    const char *s = json_string_value(v);
    return json_is_true(v) || (s && (case_insensitive ? !strcasecmp(s, "true") : !strcmp(s, "true")));
}

/* getSupertokensUserInfoResultFromRawUserInfo: the ID token's values win; so does its
 * emailVerified, also when it has none (then false), as in the SDK. */
static const char *map_user(apr_pool_t *p, const st_provider *pv, const json_t *from_api, const json_t *from_id,
                            st_tp_user *out)
{
    const json_t *ma = json_object_get(pv->user_info_map, "fromUserInfoAPI");
    const json_t *mi = json_object_get(pv->user_info_map, "fromIdTokenPayload");
    const char *v;

    if (st_json_string(ma, "userId") && (v = id_text(p, st_oidc_field(from_api, st_json_string(ma, "userId")))))
        out->user_id = v;
    if (st_json_string(mi, "userId") && (v = id_text(p, st_oidc_field(from_id, st_json_string(mi, "userId")))))
        out->user_id = v;
    if (!out->user_id)
        return "third party user id is missing";
    if (st_json_string(ma, "email") && (v = json_string_value(st_oidc_field(from_api, st_json_string(ma, "email")))))
        out->email = v;
    if (st_json_string(mi, "email") && (v = json_string_value(st_oidc_field(from_id, st_json_string(mi, "email")))))
        out->email = v;
    if (out->email && !*out->email)
        out->email = NULL;
    if (!out->email)
        return NULL;
    if (st_json_string(ma, "emailVerified"))
        out->email_verified = verified_value(st_oidc_field(from_api, st_json_string(ma, "emailVerified")), 1);
    if (st_json_string(mi, "emailVerified"))
        out->email_verified = verified_value(st_oidc_field(from_id, st_json_string(mi, "emailVerified")), 0);
    return NULL;
}

const char *st_tp_user_info(request_rec *r, const st_provider *pv, const json_t *tokens, const char *nonce,
                            st_tp_user *out)
{
    const char *access = st_json_string(tokens, "access_token"), *id = st_json_string(tokens, "id_token"), *err;
    const json_t *from_id = NULL;
    json_t *from_api = NULL;

    memset(out, 0, sizeof(*out));
    if (pv->kind == ST_TP_GITHUB)
        return access ? github_user(r, pv, access, out) : "no access_token for the user API";
    if (id && pv->jwks_uri && (err = id_token_claims(r, pv, id, nonce, &from_id)) != NULL)
        return err;
    if (!id && nonce && pv->jwks_uri)
        return "no ID token, although a nonce was sent";
    if (access && pv->userinfo_endpoint
        && (err = get_json(r, pv, pv->userinfo_endpoint, access, "application/json", &from_api)) != NULL)
        return err;
    return map_user(r->pool, pv, from_api, from_id, out);
}

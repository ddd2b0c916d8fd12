/*
 * session.c: the session recipe's API: POST {B}/session/refresh (protocol.md §5.2, §1.10)
 * and POST {B}/signout (§1.11), answering exactly as supertokens-node does.
 *
 * A core that fails or cannot be reached never clears the client's tokens: the answer is
 * 500/503 with a JSON message and the session still works once the core is back.
 */
#include "api/api.h"
#include "config/config.h"
#include "token/cookie.h"
#include "core/core.h"
#include "token/front_token.h"
#include "token/json_util.h"
#include "request/verify.h"
#include "core/session_reply.h"
#include "request/tokens_out.h"
#include "core/stats.h"
#include "request/recipe_claims.h"

#include "http_log.h"
#include "http_protocol.h"
#include "apr_strings.h"

APLOG_USE_MODULE(supertokens);

#define ST_BODY_UNAUTHORISED "{\"message\":\"unauthorised\"}"
#define ST_THEFT_NOTE "supertokens-token-theft"

static int unauthorised_clear_all(request_rec *r, const st_server_conf *sc, int legacy)
{
    if (legacy)
        st_out_clear_legacy_id_refresh(r, sc);
    st_out_clear_all(r, sc);
    return st_send_json(r, HTTP_UNAUTHORIZED, ST_BODY_UNAUTHORISED);
}

/* Revoke a session after token theft (§5.2 step 6); a failure is logged, not fatal. */
static void revoke_session(request_rec *r, const char *handle)
{
    json_t *body = json_pack("{s:[s]}", "sessionHandles", handle);
    st_core_reply reply;
    st_json_pool_own(r->pool, body);
    if (st_core_post(r->pool, r->server, "/recipe/session/remove", "session", body, &reply)
        != APR_SUCCESS || reply.status != 200)
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, APLOGNO(10072)
                      "could not revoke the session after token theft");
}

/* front-token, access and refresh token the way they came, anti-csrf: the SDK's order (§1.5). */
static void write_new_session(request_rec *r, const st_server_conf *sc, st_transfer how,
                              const st_new_session *ns)
{
    st_out_front_token(r, st_front_token_build(r->pool, ns->user_id, ns->access_expiry_ms,
                                               st_jwt_user_data(ns->jwt)));
    st_out_access_token(r, sc, how, ns->access_token);
    st_out_refresh_token(r, sc, how, ns->refresh_token, ns->refresh_expiry_ms);
    if (ns->anti_csrf)
        st_out_anti_csrf(r, ns->anti_csrf);
}

int st_api_create_session(request_rec *r, const char *tenant_id, const char *recipe_user_id)
{
    const st_server_conf *sc = st_server_conf_get(r->server);
    const char *mode = apr_table_get(r->headers_in, "st-auth-mode");
    /* §1.3: "cookie" asks for cookies; absent or anything else means headers */
    st_transfer how = (mode && strcasecmp(mode, "cookie") == 0) ? ST_TRANSFER_COOKIE : ST_TRANSFER_HEADER;
    int anti_csrf = how == ST_TRANSFER_COOKIE && st_cfg_anti_csrf(sc) == ST_ANTICSRF_VIA_TOKEN;
    json_t *body = json_object(), *jwt_data = json_object();
    st_core_reply reply;
    st_new_session ns;
    st_claim_subject who;
    const char *cookies;

    st_json_pool_own(r->pool, body);
    /* iss = apiDomain + apiBasePath, as the SDK puts in every access token */
    json_object_set_new(jwt_data, "iss", json_string(apr_pstrcat(r->pool, sc->api_domain,
                                                                 st_cfg_api_base_path(sc), NULL)));
    /* the recipes' claims (st-role, st-perm, st-ev), as createNewSession's claim.build adds
     * them; one that cannot be fetched is left out (logged) and the session is still made */
    memset(&who, 0, sizeof(who));
    who.user_id = who.recipe_user_id = recipe_user_id;   /* no account linking: the same */
    who.tenant_id = tenant_id;
    st_claims_fetch(r, &who, st_claims_enabled(r), jwt_data);
    json_object_set_new(body, "userId", json_string(recipe_user_id));
    json_object_set_new(body, "userDataInJWT", jwt_data);
    json_object_set_new(body, "userDataInDatabase", json_object());
    json_object_set_new(body, "useDynamicSigningKey", json_true());
    json_object_set_new(body, "enableAntiCsrf", json_boolean(anti_csrf));
    if (st_core_post(r->pool, r->server, apr_pstrcat(r->pool, "/", tenant_id, "/recipe/session", NULL),
                     "session", body, &reply) != APR_SUCCESS || reply.status != 200 || !reply.json)
        return st_api_core_failed(r, &reply, "session create");
    if (!st_new_session_read(r->pool, reply.json, &ns)) {
        reply.error = "unexpected session create reply";
        return st_api_core_failed(r, &reply, "session create");
    }

    /* a token held the other way is cleared first, so the new front-token stands (§1.3) */
    cookies = st_request_cookies(r);
    if (how == ST_TRANSFER_HEADER && cookies && st_cookie_get(r->pool, cookies, "sAccessToken", NULL))
        st_out_clear(r, sc, ST_TRANSFER_COOKIE);
    else if (how == ST_TRANSFER_COOKIE && st_request_bearer(r))
        st_out_clear(r, sc, ST_TRANSFER_HEADER);
    write_new_session(r, sc, how, &ns);
    return OK;
}

static int refresh(request_rec *r);

/* server-status: refreshes by outcome (a theft is counted where it is found) */
int st_api_refresh(request_rec *r, const st_api_call *call)
{
    int rc = refresh(r);
    (void)call;

    if (r->status == HTTP_OK)
        st_stats_inc(ST_STAT_REFRESH_OK);
    else if (r->status == HTTP_UNAUTHORIZED && !apr_table_get(r->notes, ST_THEFT_NOTE))
        st_stats_inc(ST_STAT_REFRESH_UNAUTHORISED);
    return rc;
}

static int refresh(request_rec *r)
{
    const st_server_conf *sc = st_server_conf_get(r->server);
    const char *cookies = st_request_cookies(r);
    const char *from_header = st_request_bearer(r), *from_cookie = NULL, *token, *status;
    const char *csrf_header = apr_table_get(r->headers_in, "anti-csrf");
    int n_access = 0, n_refresh = 0, legacy = 0, disable_csrf;
    st_transfer how;
    st_anti_csrf mode = st_cfg_anti_csrf(sc);
    json_t *body;
    st_core_reply reply;
    st_new_session ns;

    if (cookies) {
        from_cookie = st_cookie_get(r->pool, cookies, "sRefreshToken", &n_refresh);
        st_cookie_get(r->pool, cookies, "sAccessToken", &n_access);
        legacy = st_cookie_get(r->pool, cookies, "sIdRefreshToken", NULL) != NULL;
    }
    /* §5.2 step 1: duplicate session cookies (an older cookie domain) are an error for the
     * SDK unless olderCookieDomain is configured; nothing is cleared */
    if (n_access > 1 || n_refresh > 1) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, APLOGNO(10073)
                      "refresh: the request carries a session cookie more than once");
        return st_send_json(r, HTTP_INTERNAL_SERVER_ERROR,
                            "{\"message\":\"The request contains multiple session cookies\"}");
    }
    if (from_cookie && *from_cookie == '\0')
        from_cookie = NULL;   /* an empty cookie counts as absent */

    /* step 2-3: header wins; none at all => 401 and clear everything */
    if (from_header) {
        token = from_header;
        how = ST_TRANSFER_HEADER;
    }
    else if (from_cookie) {
        token = from_cookie;
        how = ST_TRANSFER_COOKIE;
    }
    else
        return unauthorised_clear_all(r, sc, legacy);

    /* step 4: anti-CSRF never applies to header sessions */
    disable_csrf = (how == ST_TRANSFER_HEADER);
    if (mode == ST_ANTICSRF_VIA_CUSTOM_HEADER && !disable_csrf) {
        if (apr_table_get(r->headers_in, "rid") == NULL) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, APLOGNO(10074)
                          "refresh: anti-csrf rid header missing");
            return unauthorised_clear_all(r, sc, legacy);
        }
        disable_csrf = 1;
    }

    /* step 5: the core rotates the refresh token */
    body = json_object();
    st_json_pool_own(r->pool, body);
    json_object_set_new(body, "refreshToken", json_string(token));
    if (csrf_header)
        json_object_set_new(body, "antiCsrfToken", json_string(csrf_header));
    json_object_set_new(body, "enableAntiCsrf",
                        json_boolean(!disable_csrf && mode == ST_ANTICSRF_VIA_TOKEN));
    json_object_set_new(body, "useDynamicSigningKey", json_true());
    if (st_core_post(r->pool, r->server, "/recipe/session/refresh", "session", body, &reply)
        != APR_SUCCESS || reply.status != 200 || reply.json == NULL)
        return st_api_core_failed(r, &reply, "refresh");
    status = st_json_string(reply.json, "status");

    /* step 6 */
    if (status && strcmp(status, "UNAUTHORISED") == 0) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, APLOGNO(10075)
                      "refresh: the core does not know this refresh token");
        return unauthorised_clear_all(r, sc, legacy);
    }
    if (status && strcmp(status, "TOKEN_THEFT_DETECTED") == 0) {
        const json_t *session = json_object_get(reply.json, "session");
        const char *handle = st_json_string(session, "handle");
        const char *user = st_json_string(session, "userId");
        /* the account by its user id, as for refused claims; never a token */
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, APLOGNO(10076)
                      "user \"%s\": SuperTokens refresh token theft detected, revoking the "
                      "session, from %s", ap_escape_logitem(r->pool, user ? user : "(unknown)"),
                      r->useragent_ip);
        st_stats_inc(ST_STAT_REFRESH_THEFT);
        apr_table_setn(r->notes, ST_THEFT_NOTE, "1");
        if (handle)
            revoke_session(r, handle);
        if (legacy)
            st_out_clear_legacy_id_refresh(r, sc);
        st_out_clear_all(r, sc);
        return st_send_json(r, HTTP_UNAUTHORIZED, "{\"message\":\"token theft detected\"}");
    }
    if (status == NULL || strcmp(status, "OK") != 0 || !st_new_session_read(r->pool, reply.json, &ns)) {
        reply.error = "unexpected refresh reply";
        return st_api_core_failed(r, &reply, "refresh");
    }

    /* step 7: a refresh token sent the other way too is cleared there */
    if (how == ST_TRANSFER_HEADER && from_cookie)
        st_out_clear(r, sc, ST_TRANSFER_COOKIE);

    /* step 8 */
    write_new_session(r, sc, how, &ns);
    if (legacy)
        st_out_clear_legacy_id_refresh(r, sc);
    return st_send_json(r, HTTP_OK, "{}");
}

int st_api_signout(request_rec *r, const st_api_call *call)
{
    const st_server_conf *sc = st_server_conf_get(r->server);
    st_session s;
    st_session_status st;
    json_t *body;
    st_core_reply reply;
    (void)call;

    /* loaded like verifySession with sessionRequired and no claim validators */
    st = st_session_load(r, -1, 0, &s);
    if (st == ST_SESSION_NONE)
        return st_send_json(r, HTTP_UNAUTHORIZED, ST_BODY_UNAUTHORISED);
    if (st != ST_SESSION_OK)
        return st_session_reply_error(r, st, &s);

    body = json_pack("{s:[s]}", "sessionHandles", s.jwt->session_handle);
    st_json_pool_own(r->pool, body);
    if (st_core_post(r->pool, r->server, "/recipe/session/remove", "session", body, &reply)
        != APR_SUCCESS || reply.status != 200 || reply.json == NULL
        || !st_json_string(reply.json, "status") || strcmp(st_json_string(reply.json, "status"), "OK") != 0)
        return st_api_core_failed(r, &reply, "sign-out");

    /* only the transfer method this request used is cleared (§1.11) */
    st_out_clear(r, sc, s.transfer);
    return st_send_json(r, HTTP_OK, "{\"status\":\"OK\"}");
}

/*
 * session.c: the session recipe's API: POST {B}/session/refresh (protocol.md §5.2, §1.10)
 * and POST {B}/signout (§1.11), answering exactly as supertokens-node does; and their
 * flavours for browser navigations of apps without a JavaScript frontend: the navigation
 * refresh (verify.c sends an expired navigation there) and the plain sign-out (an HTML form).
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
#include "request/redirect_path.h"
#include "request/recipe_claims.h"
#include "core/stats.h"
#include "pages/login.h"

#include "http_log.h"
#include "http_protocol.h"
#include "util_script.h"
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

/* What one rotation at the core came to. */
typedef enum {
    ST_ROTATE_OK,             /* *ns holds the new session */
    ST_ROTATE_UNAUTHORISED,   /* the core does not know the refresh token */
    ST_ROTATE_THEFT,          /* an old refresh token: the session was revoked */
    ST_ROTATE_CORE_FAILED     /* *reply says why */
} st_rotate;

/* §5.2 steps 5-6, for the FDI refresh and the navigation refresh alike: the core rotates the
 * refresh token; on token theft the session is revoked. */
static st_rotate rotate(request_rec *r, const char *token, const char *csrf_header, int enable_csrf,
                        st_new_session *ns, st_core_reply *reply)
{
    json_t *body = json_object();
    const char *status;

    st_json_pool_own(r->pool, body);
    json_object_set_new(body, "refreshToken", json_string(token));
    if (csrf_header)
        json_object_set_new(body, "antiCsrfToken", json_string(csrf_header));
    json_object_set_new(body, "enableAntiCsrf", json_boolean(enable_csrf));
    /* refreshSession sends useDynamicAccessTokenSigningKey too: the new token is of the
     * configured kind even if the session was created under the other setting */
    json_object_set_new(body, "useDynamicSigningKey",
                        json_boolean(st_cfg_dynamic_signing_key(st_server_conf_get(r->server))));
    if (st_core_post(r->pool, r->server, "/recipe/session/refresh", "session", body, reply)
        != APR_SUCCESS || reply->status != 200 || reply->json == NULL)
        return ST_ROTATE_CORE_FAILED;
    status = st_json_string(reply->json, "status");
    if (status && strcmp(status, "UNAUTHORISED") == 0) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, APLOGNO(10075)
                      "refresh: the core does not know this refresh token");
        return ST_ROTATE_UNAUTHORISED;
    }
    if (status && strcmp(status, "TOKEN_THEFT_DETECTED") == 0) {
        const json_t *session = json_object_get(reply->json, "session");
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
        return ST_ROTATE_THEFT;
    }
    if (status == NULL || strcmp(status, "OK") != 0 || !st_new_session_read(r->pool, reply->json, ns)) {
        reply->error = "unexpected refresh reply";
        return ST_ROTATE_CORE_FAILED;
    }
    return ST_ROTATE_OK;
}

/* The session cookies a refresh reads: the refresh token (NULL when absent or empty), whether
 * a session cookie came more than once (§5.2 step 1: an older cookie domain, an error for the
 * SDK unless olderCookieDomain is configured), and the legacy sIdRefreshToken. */
typedef struct {
    const char *refresh_token;
    int duplicated;
    int legacy;
} st_refresh_cookies;

static void read_refresh_cookies(request_rec *r, st_refresh_cookies *rc)
{
    const char *cookies = st_request_cookies(r);
    int n_access = 0, n_refresh = 0;

    memset(rc, 0, sizeof(*rc));
    if (cookies == NULL)
        return;
    rc->refresh_token = st_cookie_get(r->pool, cookies, "sRefreshToken", &n_refresh);
    st_cookie_get(r->pool, cookies, "sAccessToken", &n_access);
    rc->legacy = st_cookie_get(r->pool, cookies, "sIdRefreshToken", NULL) != NULL;
    rc->duplicated = n_access > 1 || n_refresh > 1;
    if (rc->refresh_token && *rc->refresh_token == '\0')
        rc->refresh_token = NULL;   /* an empty cookie counts as absent */
}

/* redirectToPath from the query, as sent (NULL if absent); the FDI refresh never has one. */
static const char *navigation_target(request_rec *r)
{
    apr_table_t *args = NULL;
    if (r->args == NULL)
        return NULL;
    ap_args_to_table(r, &args);
    return args ? apr_table_get(args, "redirectToPath") : NULL;
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

int st_api_create_session(request_rec *r, const char *tenant_id, const char *recipe_user_id,
                          const char *email)
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
    /* SuperTokensEmailClaim: for SuperTokensRemoteUserClaim email (apps authorizing by name);
     * the core keeps userDataInJWT across refreshes */
    if (email && st_cfg_email_claim(sc))
        json_object_set_new(jwt_data, "email", json_string(email));
    /* the recipes' claims (st-role, st-perm, st-ev), as createNewSession's claim.build adds
     * them; one that cannot be fetched is left out (logged) and the session is still made */
    memset(&who, 0, sizeof(who));
    who.user_id = who.recipe_user_id = recipe_user_id;   /* no account linking: the same */
    who.tenant_id = tenant_id;
    st_claims_fetch(r, &who, st_claims_enabled(r), jwt_data);
    json_object_set_new(body, "userId", json_string(recipe_user_id));
    json_object_set_new(body, "userDataInJWT", jwt_data);
    json_object_set_new(body, "userDataInDatabase", json_object());
    /* SuperTokensAccessTokenSigningKey, as createNewSession sends useDynamicAccessTokenSigningKey */
    json_object_set_new(body, "useDynamicSigningKey", json_boolean(st_cfg_dynamic_signing_key(sc)));
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

/* /recipe/session/remove for one handle; 1 when the core answered OK, else *reply says why. */
static int remove_session(request_rec *r, const char *handle, st_core_reply *reply)
{
    json_t *body = json_pack("{s:[s]}", "sessionHandles", handle);
    st_json_pool_own(r->pool, body);
    return st_core_post(r->pool, r->server, "/recipe/session/remove", "session", body, reply) == APR_SUCCESS
        && reply->status == 200 && reply->json != NULL && st_json_string(reply->json, "status")
        && strcmp(st_json_string(reply->json, "status"), "OK") == 0;
}

/* ---------- browser navigations (apps without a JavaScript frontend) ---------- */

/* A failed core call on a navigation: logged like the API's, answered with httpd's own error
 * page; the client's tokens are kept (the session works again once the core is back). */
static int navigation_core_failed(request_rec *r, const st_core_reply *reply, const char *what)
{
    int unreachable = reply->unavailable || reply->status == 0;
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, APLOGNO(10403)
                  "%s: the SuperTokens core %s%s", what,
                  unreachable ? "is not reachable" : apr_psprintf(r->pool, "answered HTTP %d", reply->status),
                  reply->error ? apr_pstrcat(r->pool, ": ", reply->error, NULL) : "");
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    return unreachable ? HTTP_SERVICE_UNAVAILABLE : HTTP_INTERNAL_SERVER_ERROR;
}

/* Where a navigation goes next: 303 (GET) or 307 (any other method: a form POST is sent again,
 * body included). */
static int navigate_to(request_rec *r, const char *location)
{
    apr_table_setn(r->headers_out, "Location", location);
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    return r->method_number == M_GET ? HTTP_SEE_OTHER : HTTP_TEMPORARY_REDIRECT;
}

/*
 * GET or POST {B}/session/refresh?redirectToPath=<path> from a browser navigation (verify.c
 * sends an expired navigation here, where the refresh cookie is sent): the refresh token
 * rotates exactly as in st_api_refresh (theft detection included) but without the rid header a
 * navigation cannot send (triggering a rotation is harmless); the browser then goes back to
 * redirectToPath, or to sign in when there is nothing to refresh. The body is never read.
 */
int st_api_refresh_navigation(request_rec *r, const st_api_call *call)
{
    const st_server_conf *sc = st_server_conf_get(r->server);
    const char *target = st_redirect_path(r->pool, navigation_target(r), "/"), *token;
    st_refresh_cookies rc;
    int legacy;
    st_core_reply reply;
    st_new_session ns;
    (void)call;

    /* with anti-csrf via-token the new token could not reach a plain page */
    if (st_cfg_anti_csrf(sc) == ST_ANTICSRF_VIA_TOKEN)
        return st_request_redirect_to_login(r, target);
    read_refresh_cookies(r, &rc);
    token = rc.refresh_token;
    legacy = rc.legacy;
    if (rc.duplicated) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, APLOGNO(10404)
                      "navigation refresh: the request carries a session cookie more than once");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    switch (token ? rotate(r, token, NULL, 0, &ns, &reply) : ST_ROTATE_UNAUTHORISED) {
    case ST_ROTATE_CORE_FAILED:
        return navigation_core_failed(r, &reply, "navigation refresh");
    case ST_ROTATE_OK:
        st_stats_inc(ST_STAT_REFRESH_OK);
        write_new_session(r, sc, ST_TRANSFER_COOKIE, &ns);
        if (legacy)
            st_out_clear_legacy_id_refresh(r, sc);
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, APLOGNO(10405)
                      "navigation refresh: session refreshed, back to the page");
        return navigate_to(r, target);
    default:
        /* no refresh token, an unknown one or theft: cleared as the SDK clears them */
        if (!apr_table_get(r->notes, ST_THEFT_NOTE))
            st_stats_inc(ST_STAT_REFRESH_UNAUTHORISED);
        if (legacy)
            st_out_clear_legacy_id_refresh(r, sc);
        st_out_clear_all(r, sc);
        return st_request_redirect_to_login(r, target);
    }
}

/* Logout CSRF: a page of another site must not sign the user out. The Origin (sent by browsers
 * with every form POST) must be the API's or the website's. Browsers send "Origin: null" instead
 * when the page has Referrer-Policy: no-referrer (and from sandboxed frames); without an Origin
 * or with null, Sec-Fetch-Site (which a page cannot set) must say same-origin or same-site.
 * Neither header: refused. */
static int signout_from_this_site(request_rec *r, const st_server_conf *sc)
{
    const char *origin = apr_table_get(r->headers_in, "Origin");
    const char *site = apr_table_get(r->headers_in, "Sec-Fetch-Site");
    if (origin && strcmp(origin, "null") != 0)
        return (sc->api_domain && strcasecmp(origin, sc->api_domain) == 0)
            || (sc->website_domain && strcasecmp(origin, sc->website_domain) == 0);
    return site && (strcasecmp(site, "same-origin") == 0 || strcasecmp(site, "same-site") == 0);
}

/* redirectToPath from the query, else from an application/x-www-form-urlencoded body (at most
 * 8 fields, 8 KiB); NULL when absent. */
static const char *signout_target(request_rec *r)
{
    const char *q = navigation_target(r);
    apr_array_header_t *pairs = NULL;
    int i;

    if (q)
        return q;
    if (ap_parse_form_data(r, NULL, &pairs, 8, 8192) != OK || pairs == NULL)
        return NULL;
    for (i = 0; i < pairs->nelts; i++) {
        ap_form_pair_t *pair = &APR_ARRAY_IDX(pairs, i, ap_form_pair_t);
        apr_off_t len = 0;
        apr_size_t size;
        char *value;
        if (strcmp(pair->name, "redirectToPath") != 0 || apr_brigade_length(pair->value, 1, &len) != APR_SUCCESS
            || len <= 0 || len > ST_REDIRECT_PATH_MAX)
            continue;
        size = (apr_size_t)len;
        value = apr_palloc(r->pool, size + 1);
        if (apr_brigade_flatten(pair->value, value, &size) != APR_SUCCESS)
            continue;
        value[size] = '\0';
        return value;
    }
    return NULL;
}

static int send_text(request_rec *r, int status, const char *text)
{
    r->status = status;
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    ap_set_content_type(r, "text/plain; charset=utf-8");
    ap_set_content_length(r, (apr_off_t)strlen(text));
    if (!r->header_only)
        ap_rputs(text, r);
    return DONE;
}

/*
 * POST {B}/signout from an HTML form: the session the access-token cookie names (signature
 * verified, expiry not checked, so an expired token still signs out) is revoked in the core,
 * every token is cleared and the browser goes to redirectToPath (validated; default: the
 * sign-in page). The same answer whether or not there was a session. A failed core call clears
 * nothing (503/500 page).
 */
static int plain_signout(request_rec *r, const st_server_conf *sc)
{
    const char *target;
    st_session s;
    st_session_status st;
    st_core_reply reply;

    if (!signout_from_this_site(r, sc)) {
        const char *origin = apr_table_get(r->headers_in, "Origin");
        ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r, APLOGNO(10406)
                      "sign-out refused: the form was not sent from this site (Origin %s)",
                      origin ? ap_escape_logitem(r->pool, origin) : "absent");
        return send_text(r, HTTP_FORBIDDEN, "Sign-out refused: the request did not come from this site.\n");
    }
    target = st_redirect_path(r->pool, signout_target(r), NULL);
    st = st_session_load_authentic(r, &s);
    if (st == ST_SESSION_CORE_ERROR) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, APLOGNO(10409)
                      "sign-out: no signing keys from the core to check the access token; nothing cleared");
        apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
        return s.core_status == HTTP_INTERNAL_SERVER_ERROR ? HTTP_INTERNAL_SERVER_ERROR : HTTP_SERVICE_UNAVAILABLE;
    }
    if (st == ST_SESSION_OK && !remove_session(r, s.jwt->session_handle, &reply))
        return navigation_core_failed(r, &reply, "sign-out");
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, APLOGNO(10407)
                  "sign-out from a page: %s", st == ST_SESSION_OK ? "session revoked" : "no session");
    st_out_clear_all(r, sc);
    apr_table_setn(r->headers_out, "Location", target ? target : st_request_login_url(r, NULL));
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    return HTTP_SEE_OTHER;
}

static int refresh_fdi(request_rec *r);

/* server-status: refreshes by outcome (a theft is counted where it is found) */
int st_api_refresh(request_rec *r, const st_api_call *call)
{
    int rc;

    if (!st_request_is_api_like(r) && navigation_target(r) != NULL)
        return st_api_refresh_navigation(r, call);
    rc = refresh_fdi(r);
    if (r->status == HTTP_OK)
        st_stats_inc(ST_STAT_REFRESH_OK);
    else if (r->status == HTTP_UNAUTHORIZED && !apr_table_get(r->notes, ST_THEFT_NOTE))
        st_stats_inc(ST_STAT_REFRESH_UNAUTHORISED);
    return rc;
}

static int refresh_fdi(request_rec *r)
{
    const st_server_conf *sc = st_server_conf_get(r->server);
    const char *from_header = st_request_bearer(r), *from_cookie, *token;
    const char *csrf_header = apr_table_get(r->headers_in, "anti-csrf");
    int legacy, disable_csrf;
    st_refresh_cookies rc;
    st_transfer how;
    st_anti_csrf mode = st_cfg_anti_csrf(sc);
    st_core_reply reply;
    st_new_session ns;

    read_refresh_cookies(r, &rc);
    from_cookie = rc.refresh_token;
    legacy = rc.legacy;
    /* §5.2 step 1: nothing is cleared */
    if (rc.duplicated) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, APLOGNO(10073)
                      "refresh: the request carries a session cookie more than once");
        return st_send_json(r, HTTP_INTERNAL_SERVER_ERROR,
                            "{\"message\":\"The request contains multiple session cookies\"}");
    }

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

    /* steps 5-6 */
    switch (rotate(r, token, csrf_header, !disable_csrf && mode == ST_ANTICSRF_VIA_TOKEN, &ns, &reply)) {
    case ST_ROTATE_CORE_FAILED:
        return st_api_core_failed(r, &reply, "refresh");
    case ST_ROTATE_UNAUTHORISED:
        return unauthorised_clear_all(r, sc, legacy);
    case ST_ROTATE_THEFT:
        if (legacy)
            st_out_clear_legacy_id_refresh(r, sc);
        st_out_clear_all(r, sc);
        return st_send_json(r, HTTP_UNAUTHORIZED, "{\"message\":\"token theft detected\"}");
    default:
        break;
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
    st_core_reply reply;
    (void)call;

    if (!st_request_is_api_like(r))
        return plain_signout(r, sc);
    /* loaded like verifySession with sessionRequired and no claim validators */
    st = st_session_load(r, -1, 0, &s);
    if (st == ST_SESSION_NONE)
        return st_send_json(r, HTTP_UNAUTHORIZED, ST_BODY_UNAUTHORISED);
    if (st != ST_SESSION_OK)
        return st_session_reply_error(r, st, &s);

    if (!remove_session(r, s.jwt->session_handle, &reply))
        return st_api_core_failed(r, &reply, "sign-out");

    /* only the transfer method this request used is cleared (§1.11) */
    st_out_clear(r, sc, s.transfer);
    return st_send_json(r, HTTP_OK, "{\"status\":\"OK\"}");
}

int st_api_signout_page(request_rec *r, const st_api_call *call)
{
    (void)call;
    return st_page_signout(r);
}

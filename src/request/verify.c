/*
 * verify.c: verifySession for AuthType SuperTokens (protocol.md §5.1): token extraction,
 * anti-CSRF, local RS256 verification against the core's JWKS, the core's verify when the
 * token asks for it, publishing the session, and the SDK's 401 answers.
 */
#include "request/verify.h"
#include "request/browser.h"
#include "config/config.h"
#include "request/claims.h"
#include "request/cors.h"
#include "request/open_paths.h"
#include "request/setup_report.h"
#include "core/stats.h"
#include "token/cookie.h"
#include "core/core.h"
#include "token/front_token.h"
#include "token/json_util.h"
#include "core/jwks.h"
#include "core/vcache.h"
#include "token/b64.h"
#include "token/jwt_copy.h"
#include "token/bearer.h"

#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "apr_strings.h"
#include "apr_lib.h"

APLOG_USE_MODULE(supertokens);

#define ST_SESSION_KEY "supertokens-session"
#define ST_ANON_NOTE   "supertokens-anonymous"

const char *st_request_cookies(request_rec *r)
{
    const apr_array_header_t *arr = apr_table_elts(r->headers_in);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    const char *joined = NULL;
    int i;
    for (i = 0; i < arr->nelts; i++) {
        /* the first letter first: most requests carry a dozen other headers */
        if (e[i].key == NULL || apr_tolower(e[i].key[0]) != 'c' || strcasecmp(e[i].key, "Cookie") != 0)
            continue;
        joined = joined ? apr_pstrcat(r->pool, joined, "; ", e[i].val, NULL) : e[i].val;
    }
    return joined;
}

const char *st_request_bearer(request_rec *r)
{
    return st_bearer_token(r->pool, apr_table_get(r->headers_in, "Authorization"));
}

/* A candidate counts only if it parses as a SuperTokens access token (§1.3). One the
 * verification cache holds parsed (its exact bytes verified before) is lent from there, and
 * *hit names its entry. */
static st_jwt *parse_candidate(request_rec *r, const char *token, const char *where,
                               st_vcache_entry **hit)
{
    st_jwt *jwt = NULL;
    apr_size_t len;
    const char *err;

    *hit = NULL;
    if (token == NULL || *token == '\0')
        return NULL;
    len = strlen(token);
    if ((*hit = st_vcache_get(r->pool, st_server_conf_get(r->server)->jwks_cache, token, len)))
        return st_jwt_borrow(r->pool, st_vcache_jwt(*hit));
    if ((err = st_jwt_parse(r->pool, token, len, &jwt)) != NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, APLOGNO(10040)
                      "ignoring the %s token: %s", where, err);
        return NULL;
    }
    return jwt;
}

/* §1.3: the token to verify, into s->jwt and s->transfer: the Authorization header wins over
 * the sAccessToken cookie. 1 when one was found, 0 when none parses, -1 when the cookie is sent
 * more than once (TRY_REFRESH for the SDK). */
static int pick_token(request_rec *r, const char *cookies, st_session *s)
{
    st_vcache_entry *hit;
    st_jwt *from_header = parse_candidate(r, st_request_bearer(r), "Authorization", &hit);
    st_jwt *from_cookie;
    int occurrences = 0;

    if (from_header) {
        s->jwt = from_header;
        s->cached = hit;
        s->transfer = ST_TRANSFER_HEADER;
        return 1;
    }
    from_cookie = cookies
        ? parse_candidate(r, st_cookie_get(r->pool, cookies, "sAccessToken", &occurrences), "cookie",
                          &hit)
        : NULL;
    if (from_cookie == NULL)
        return 0;
    if (occurrences > 1) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, APLOGNO(10049)
                      "the request carries sAccessToken more than once");
        return -1;
    }
    s->jwt = from_cookie;
    s->cached = hit;
    s->transfer = ST_TRANSFER_COOKIE;
    return 1;
}

/* A token from the verification cache needs no signature check while the key that verified it
 * is still in the JWKS; once a refetched JWKS lacks it, the entry goes and the token is
 * checked again in full (and refused). */
static int cached_signature_valid(request_rec *r, st_session *s)
{
    apr_uint32_t generation = st_vcache_generation(s->cached);

    if (st_jwks_still_trusts(r, st_vcache_kid(s->cached), &generation)) {
        if (generation != st_vcache_generation(s->cached))
            st_vcache_set_generation(s->cached, generation);
        return 1;
    }
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, APLOGNO(10490)
                  "verification cache: the key of a remembered token left the JWKS");
    st_vcache_forget(s->cached);
    s->cached = NULL;
    return 0;
}

/* The signature, checked against the core's keys (by kid for v3+, every key for legacy tokens,
 * §2.5). 1 when it verified, with the key's kid and the JWKS generation in *kid and
 * *generation (for the verification cache); 0 when not; -1 when there are no keys. */
static int check_signature(request_rec *r, st_jwt *jwt, st_session *s, const char **kid,
                           apr_uint32_t *generation)
{
    st_jwks_set *set = st_jwks_acquire(r, jwt->kid, &s->core_status);
    const st_jwk *key;

    if (set == NULL)
        return -1;
    if ((key = st_jwks_verify(st_jwks_keys(set), jwt)) != NULL) {
        *kid = key->kid ? apr_pstrdup(r->pool, key->kid) : NULL;
        *generation = st_jwks_generation(set);
    }
    else if (jwt->kid && st_jwks_find(st_jwks_keys(set), jwt->kid) == NULL)
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, APLOGNO(10042)
                      "access token signed with a key the core does not list");
    st_jwks_release(set);
    return key != NULL;
}

/* §2.3 step 7: a v3+ token must be signed with the kind of key this server asks the core for
 * (SuperTokensAccessTokenSigningKey), as supertokens-node compares the kid's "d-" prefix with
 * useDynamicAccessTokenSigningKey; the refresh then mints a token of the configured kind. Legacy
 * tokens have no kid. 1 when the token may be accepted. */
static int signing_key_kind_ok(request_rec *r, const st_server_conf *sc, const st_jwt *jwt)
{
    int dynamic_token, dynamic_conf = st_cfg_dynamic_signing_key(sc);

    if (jwt->version < 3)
        return 1;
    dynamic_token = strncmp(jwt->kid, "d-", 2) == 0;
    if (dynamic_token == dynamic_conf)
        return 1;
    if (dynamic_conf)
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, APLOGNO(10045)
                      "access token signed with a static key, but SuperTokensAccessTokenSigningKey "
                      "is dynamic");
    else
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, APLOGNO(10488)
                      "access token signed with a dynamic key, but SuperTokensAccessTokenSigningKey "
                      "is static");
    return 0;
}

/*
 * Local verification (§2.3 steps 3-8, §2.5). *need_core is set for a legacy token whose
 * signature did not verify but which the core may still accept.
 */
static st_session_status verify_local(request_rec *r, const st_server_conf *sc, st_jwt *jwt,
                                      int do_csrf, const char *csrf_header, int *need_core,
                                      st_session *s)
{
    const char *kid = NULL;
    apr_uint32_t generation = 0;
    int ok, cached;
    const char *err;

    *need_core = 0;
    if (!jwt->alg_rs256) {
        /* refused before any key is looked up or fetched */
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, APLOGNO(10053)
                      "access token with an algorithm other than RS256 refused");
        return ST_SESSION_TRY_REFRESH;
    }
    cached = s->cached && cached_signature_valid(r, s);
    if (st_vcache_enabled())
        st_stats_inc(cached ? ST_STAT_VCACHE_HIT : ST_STAT_VCACHE_MISS);
    if (cached)
        ok = 1;
    else if ((ok = check_signature(r, jwt, s, &kid, &generation)) < 0) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, APLOGNO(10041)
                      "cannot verify the session: no signing keys from the core");
        return ST_SESSION_CORE_ERROR;
    }

    if (!ok) {
        /* §2.5: an unverifiable legacy token may still be valid for the core, if unexpired
         * and younger than the JWKS refresh interval. */
        apr_int64_t now_ms = apr_time_as_msec(apr_time_now());
        if (jwt->version <= 2 && jwt->expiry_ms > now_ms
            && jwt->time_created_ms > now_ms - apr_time_as_msec(st_cfg_jwks_refresh_interval(sc))) {
            *need_core = 1;
            return ST_SESSION_OK;
        }
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, APLOGNO(10043)
                      "access token signature did not verify");
        return ST_SESSION_TRY_REFRESH;
    }
    if ((err = st_jwt_check_time(jwt, apr_time_now())) != NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, APLOGNO(10044) "access token rejected: %s", err);
        /* authentic and only out of date: a navigation may refresh it (unauthenticated()) */
        s->expired = (err == st_jwt_expired);
        return ST_SESSION_TRY_REFRESH;
    }
    /* authentic and in date: later requests with these exact bytes skip the parse and the RSA
     * check (what follows is still checked every time) */
    if (!cached && kid)
        st_vcache_put(sc->jwks_cache, jwt, kid, generation);
    /* checked on every request, cached or not: vhosts of one core share the cache */
    if (!signing_key_kind_ok(r, sc, jwt))
        return ST_SESSION_TRY_REFRESH;
    if (do_csrf && st_cfg_anti_csrf(sc) == ST_ANTICSRF_VIA_TOKEN) {
        if (jwt->anti_csrf_token == NULL || !st_secure_streq(jwt->anti_csrf_token, csrf_header)) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, APLOGNO(10046)
                          "anti-csrf check failed");
            return ST_SESSION_TRY_REFRESH;
        }
    }
    return ST_SESSION_OK;
}

int st_session_adopt_token(request_rec *r, st_session *s, const json_t *at)
{
    const char *token = st_json_string(at, "token");
    st_jwt *fresh = NULL;
    double expiry = 0;

    if (token == NULL || st_jwt_parse(r->pool, token, strlen(token), &fresh) != NULL)
        return 0;
    if (!st_json_number(at, "expiry", &expiry))
        expiry = (double)fresh->expiry_ms;
    s->jwt = fresh;
    s->access_token = token;
    /* §5.1 step 12: front-token + the token in the request's transfer method */
    st_out_front_token(r, st_front_token_build(r->pool, fresh->user_id, st_js_time_ms(expiry),
                                               st_jwt_user_data(fresh)));
    st_out_access_token(r, st_server_conf_get(r->server), s->transfer, token);
    return 1;
}

/* §2.4: the core's verify; adopts a replacement access token. */
static st_session_status verify_with_core(request_rec *r, const st_server_conf *sc, st_session *s,
                                          int do_csrf, const char *csrf_header, int check_db)
{
    json_t *body = json_object();
    st_core_reply reply;
    const char *status;
    const json_t *at;

    st_json_pool_own(r->pool, body);
    json_object_set_new(body, "accessToken", json_string(s->access_token));
    if (csrf_header)
        json_object_set_new(body, "antiCsrfToken", json_string(csrf_header));
    json_object_set_new(body, "doAntiCsrfCheck", json_boolean(do_csrf));
    json_object_set_new(body, "enableAntiCsrf",
                        json_boolean(st_cfg_anti_csrf(sc) == ST_ANTICSRF_VIA_TOKEN));
    json_object_set_new(body, "checkDatabase", json_boolean(check_db));

    if (st_core_post(r->pool, r->server, "/recipe/session/verify", "session", body, &reply)
        != APR_SUCCESS) {
        /* unreachable: 503; refused (API key, CDI version): 500, as for the JWKS */
        s->core_status = reply.unavailable ? HTTP_SERVICE_UNAVAILABLE : HTTP_INTERNAL_SERVER_ERROR;
        return ST_SESSION_CORE_ERROR;
    }
    status = reply.json ? st_json_string(reply.json, "status") : NULL;
    if (reply.status != 200 || status == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, APLOGNO(10047)
                      "the core's session verify answered HTTP %d", reply.status);
        s->core_status = HTTP_INTERNAL_SERVER_ERROR;
        return ST_SESSION_CORE_ERROR;
    }
    if (strcmp(status, "UNAUTHORISED") == 0)
        return ST_SESSION_UNAUTHORISED_CLEAR;
    if (strcmp(status, "TRY_REFRESH_TOKEN") == 0)
        return ST_SESSION_TRY_REFRESH;
    if (strcmp(status, "OK") != 0) {
        s->core_status = HTTP_INTERNAL_SERVER_ERROR;
        return ST_SESSION_CORE_ERROR;
    }

    at = json_object_get(reply.json, "accessToken");
    if (json_is_object(at) && st_json_string(at, "token")) {
        if (!st_session_adopt_token(r, s, at)) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, APLOGNO(10048)
                          "the core sent an unparsable replacement access token");
            s->core_status = HTTP_INTERNAL_SERVER_ERROR;
            return ST_SESSION_CORE_ERROR;
        }
        /* §5.1 step 12: anti-csrf echoed after the new token */
        if (csrf_header)
            st_out_anti_csrf(r, csrf_header);
    }
    return ST_SESSION_OK;
}

st_session_status st_session_load(request_rec *r, int anti_csrf_check, int check_database,
                                  st_session *s)
{
    const st_server_conf *sc = st_server_conf_get(r->server);
    const char *cookies = st_request_cookies(r);
    const char *csrf_header = apr_table_get(r->headers_in, "anti-csrf");
    int do_csrf, need_core = 0;
    st_session_status st;

    memset(s, 0, sizeof(*s));
    s->cookies = cookies;
    /* §2.5: the legacy refresh cookie forces a refresh that migrates the session */
    if (cookies && st_cookie_get(r->pool, cookies, "sIdRefreshToken", NULL) != NULL)
        return ST_SESSION_TRY_REFRESH;

    if (pick_token(r, cookies, s) < 0)
        return ST_SESSION_TRY_REFRESH;

    /* §1.7: checked for every method but GET unless forced; never for header tokens */
    do_csrf = anti_csrf_check >= 0 ? anti_csrf_check : r->method_number != M_GET;
    if (s->jwt == NULL || s->transfer == ST_TRANSFER_HEADER)
        do_csrf = 0;
    if (do_csrf && st_cfg_anti_csrf(sc) == ST_ANTICSRF_VIA_CUSTOM_HEADER) {
        if (apr_table_get(r->headers_in, "rid") == NULL) {
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, APLOGNO(10050)
                          "anti-csrf: the rid header is missing");
            return ST_SESSION_TRY_REFRESH;
        }
        do_csrf = 0;
    }
    if (s->jwt == NULL)
        return ST_SESSION_NONE;

    s->access_token = s->jwt->token;
    st = verify_local(r, sc, s->jwt, do_csrf, csrf_header, &need_core, s);
    if (st != ST_SESSION_OK)
        return st;
    if (need_core || check_database || s->jwt->parent_refresh_token_hash1 != NULL) {
        st = verify_with_core(r, sc, s, do_csrf, csrf_header, check_database);
        s->db_checked = (st == ST_SESSION_OK && check_database);
    }
    return st;
}

st_session_status st_session_load_authentic(request_rec *r, st_session *s)
{
    const char *cookies = st_request_cookies(r);
    st_jwks_set *set;
    int ok;

    memset(s, 0, sizeof(*s));
    s->cookies = cookies;
    if (pick_token(r, cookies, s) <= 0)
        return ST_SESSION_NONE;
    /* only a signature the core's keys verify names a session; the time is not checked */
    if (!s->jwt->alg_rs256)
        return ST_SESSION_UNAUTHORISED;
    if ((set = st_jwks_acquire(r, s->jwt->kid, &s->core_status)) == NULL)
        return ST_SESSION_CORE_ERROR;
    ok = st_jwks_verify(st_jwks_keys(set), s->jwt) != NULL;
    st_jwks_release(set);
    if (!ok) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, APLOGNO(10400)
                      "access token signature did not verify (sign-out)");
        return ST_SESSION_UNAUTHORISED;
    }
    s->access_token = s->jwt->token;
    return ST_SESSION_OK;
}

int st_session_reply_error(request_rec *r, st_session_status status, const st_session *s)
{
    const st_server_conf *sc = st_server_conf_get(r->server);
    switch (status) {
    case ST_SESSION_TRY_REFRESH:
        return st_send_json(r, HTTP_UNAUTHORIZED, "{\"message\":\"try refresh token\"}");
    case ST_SESSION_UNAUTHORISED_CLEAR:
        st_out_clear_all(r, sc);
        return st_send_json(r, HTTP_UNAUTHORIZED, "{\"message\":\"unauthorised\"}");
    case ST_SESSION_CORE_ERROR:
        if (s && s->core_status == HTTP_INTERNAL_SERVER_ERROR)
            return st_send_json(r, HTTP_INTERNAL_SERVER_ERROR,
                                "{\"message\":\"the SuperTokens core answered with an error\"}");
        return st_send_json(r, HTTP_SERVICE_UNAVAILABLE,
                            "{\"message\":\"the SuperTokens core is not reachable\"}");
    default:
        return st_send_json(r, HTTP_UNAUTHORIZED, "{\"message\":\"unauthorised\"}");
    }
}

const json_t *st_session_payload(const st_session *s)
{
    return s && s->jwt ? st_jwt_user_data(s->jwt) : NULL;
}

st_session *st_session_of(request_rec *r)
{
    void *v = NULL;
    apr_pool_userdata_get(&v, ST_SESSION_KEY, r->pool);
    return v;
}

const st_session *st_session_get(request_rec *r)
{
    for (; r; r = r->main ? r->main : r->prev) {
        void *v = NULL;
        apr_pool_userdata_get(&v, ST_SESSION_KEY, r->pool);
        if (v)
            return v;
    }
    return NULL;
}


/* An answer that depends on who asks must not be stored by a shared cache (mod_cache's quick
 * handler would serve it to anyone before authentication runs), as mod_auth_mellon's
 * MellonNoCache. Merged into what the response says, on the request whose answer is sent. */
static void mark_private(request_rec *r)
{
    request_rec *top = r;
    if (!st_dcfg_cache_private(st_dir_conf_get(r)))
        return;
    while (top->main)
        top = top->main;
    apr_table_mergen(top->err_headers_out, "Cache-Control", "private");
}

static int pass_anonymously(request_rec *r)
{
    /* Require valid-user needs a user; fixups removes it again so REMOTE_USER stays unset */
    r->user = "";
    apr_table_setn(r->notes, ST_ANON_NOTE, "1");
    mark_private(r);
    return OK;
}

/* 302 to the sign-in page with redirectToPath=<this path>: the target is built from
 * configuration and the request's own path only, never from a Host or other header. */
static int redirect_to_login(request_rec *r)
{
    return st_request_redirect_to_login(r, st_request_here(r));
}

/* A navigation refresh may start for this expired session: cookie sessions only (a
 * navigation sends no Authorization header), not with anti-csrf via-token (the new token
 * could not reach a plain page), and not while the last one is less than 10 s old (its new
 * access token did not arrive: a loop otherwise). */
static int navigation_refresh_allowed(request_rec *r, const st_server_conf *sc, const st_session *s)
{
    if (!s->expired || s->transfer != ST_TRANSFER_COOKIE || st_cfg_anti_csrf(sc) == ST_ANTICSRF_VIA_TOKEN)
        return 0;
    if (s->cookies && st_cookie_get(r->pool, s->cookies, ST_NAV_GUARD_COOKIE, NULL) != NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, APLOGNO(10401)
                      "a navigation refresh ran moments ago and the token is still expired: "
                      "sending the browser to sign in instead");
        return 0;
    }
    return 1;
}

/* The access token expired but the refresh token (sent only to {B}/session/refresh) may be
 * valid: the browser goes there and comes back (api/session.c, st_api_refresh_navigation).
 * 307 keeps a form POST's method and body; the Location is relative, so the browser stays on
 * the host it asked (where the refresh cookie was set). */
int st_session_refresh_navigation(request_rec *r, st_session_status st, const st_session *s,
                                  const char *return_path)
{
    const st_server_conf *sc = st_server_conf_get(r->server);
    if (st != ST_SESSION_TRY_REFRESH || !navigation_refresh_allowed(r, sc, s))
        return DECLINED;
    apr_table_setn(r->headers_out, "Location",
                   apr_pstrcat(r->pool, st_cfg_api_base_path(sc), "/session/refresh?redirectToPath=",
                               st_uri_encode_component(r->pool, return_path), NULL));
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    st_out_nav_guard(r, sc, 1);
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, APLOGNO(10402)
                  "expired access token on a navigation: refreshing it at %s/session/refresh",
                  st_cfg_api_base_path(sc));
    return r->method_number == M_GET ? HTTP_SEE_OTHER : HTTP_TEMPORARY_REDIRECT;
}

/* No valid session: SuperTokensUnauthAction decides between the SDK's 401, a redirect for
 * browser navigations (to the refresh or to sign in), and anonymous access. */
static int unauthenticated(request_rec *r, st_dir_conf *dc, st_session_status st, st_session *s)
{
    const st_server_conf *sc = st_server_conf_get(r->server);
    switch (st_dcfg_unauth_action(dc)) {
    case ST_UNAUTH_PASS:
        return pass_anonymously(r);
    case ST_UNAUTH_REDIRECT:
        if (!st_request_is_api_like(r)) {
            int rc = st_session_refresh_navigation(r, st, s, st_request_here(r));
            if (rc != DECLINED)
                return rc;
            if (st == ST_SESSION_UNAUTHORISED_CLEAR)
                st_out_clear_all(r, sc);
            return redirect_to_login(r);
        }
        break;
    default:
        break;
    }
    return st_session_reply_error(r, st, s);
}

static int publish(request_rec *r, st_session *s)
{
    st_dir_conf *dc = st_dir_conf_get(r);
    const char *claim = st_dcfg_remote_user_claim(dc);
    int by_sub = strcmp(claim, "sub") == 0;
    const char *user = by_sub ? s->jwt->user_id : st_claim_text(r->pool, s->jwt, claim);
    const st_js_member *m = by_sub ? NULL : st_js_get(st_claims_of(r->pool, s->jwt), claim);

    /* a string with U+0000 would be cut short and name another user (the user id cannot:
     * st_jwt_parse refuses it) */
    if (m && m->type == ST_JS_STRING && strlen(m->str) != m->str_len) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, APLOGNO(10461)
                      "SuperTokensRemoteUserClaim: the session's claim '%s' holds U+0000",
                      ap_escape_logitem(r->pool, claim));
        return st_send_json(r, HTTP_UNAUTHORIZED, "{\"message\":\"unauthorised\"}");
    }
    if (user == NULL || *user == '\0') {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, APLOGNO(10051)
                      "SuperTokensRemoteUserClaim: the session has no claim '%s'",
                      ap_escape_logitem(r->pool, claim));
        return st_send_json(r, HTTP_UNAUTHORIZED, "{\"message\":\"unauthorised\"}");
    }
    r->user = (char *)user;
    r->ap_auth_type = "SuperTokens";
    apr_pool_userdata_setn(s, ST_SESSION_KEY, NULL, r->pool);
    /* signed in again: a later expiry may start a navigation refresh at once */
    if (r->main == NULL && r->prev == NULL
        && st_cookie_get(r->pool, s->cookies, ST_NAV_GUARD_COOKIE, NULL) != NULL)
        st_out_nav_guard(r, st_server_conf_get(r->server), 0);
    st_claims_publish(r, s->jwt, s->cached);
    mark_private(r);
    return OK;
}

/* written only while httpd registers hooks (single-threaded), read-only afterwards */
static st_session_gate_fn *session_gate;

void st_session_gate_register(st_session_gate_fn *fn)
{
    session_gate = fn;
}

/* server-status: verifications by outcome */
static void count_outcome(st_session_status st, int anonymous)
{
    switch (st) {
    case ST_SESSION_OK:
        st_stats_inc(ST_STAT_VERIFY_OK);
        break;
    case ST_SESSION_TRY_REFRESH:
        st_stats_inc(ST_STAT_VERIFY_TRY_REFRESH);
        break;
    case ST_SESSION_CORE_ERROR:
        st_stats_inc(ST_STAT_VERIFY_CORE_ERROR);
        break;
    default:
        st_stats_inc(anonymous ? ST_STAT_VERIFY_ANONYMOUS : ST_STAT_VERIFY_UNAUTHORISED);
        break;
    }
}

int st_session_check_user_id(request_rec *r)
{
    const char *type = ap_auth_type(r);
    const st_server_conf *sc;
    st_dir_conf *dc;
    const st_session *prior;
    st_session *s;
    st_session_status st;

    if (type == NULL || strcasecmp(type, "SuperTokens") != 0)
        return DECLINED;
    sc = st_server_conf_get(r->server);
    dc = st_dir_conf_get(r);
    if (sc->core_urls == NULL) {
        /* configtest refuses this where the configuration files show it (config/sections.c):
         * .htaccess files, and Aliases into a <Directory>, get here */
        st_report_no_connection_uri(r);
        return HTTP_INTERNAL_SERVER_ERROR;
    }

    /* sub-requests and internal redirects reuse what the first request verified, unless
     * this location asks the core and the first request did not */
    if ((r->main || r->prev) && (prior = st_session_get(r->main ? r->main : r->prev)) != NULL
        && (prior->db_checked || !st_dcfg_check_database(dc))) {
        s = apr_pmemdup(r->pool, prior, sizeof(*s));
        return publish(r, s);
    }

    /* the website origin may read every answer here, 401s included */
    st_cors_actual(r);

    /* §5.1 step 1: a CORS preflight carries no session. supertokens-node lets it through
     * because express routes by method; httpd's handlers do not, so it is answered here and
     * the request ends. Every other OPTIONS, and TRACE, is authenticated like any method. */
    if (st_cors_is_preflight(r))
        return st_cors_preflight(r);

    /* the API (refresh, sign-out, sign-in...) loads sessions itself, and the login page must be
     * reachable, even under a protected "/" */
    if (st_open_path(r))
        return pass_anonymously(r);

    s = apr_pcalloc(r->pool, sizeof(*s));
    st = st_session_load(r, dc->anti_csrf_check, st_dcfg_check_database(dc), s);
    count_outcome(st, st == ST_SESSION_NONE && !st_dcfg_session_required(dc));
    if (st == ST_SESSION_OK) {
        int rc = session_gate ? session_gate(r, s) : OK;   /* SuperTokensEmailVerification required */
        return rc == OK ? publish(r, s) : rc;
    }
    if (st == ST_SESSION_NONE && !st_dcfg_session_required(dc))
        return pass_anonymously(r);
    /* a sub-request (an SSI include) sends no answer of its own: its parent shows the failure */
    if (r->main)
        return st == ST_SESSION_CORE_ERROR ? HTTP_SERVICE_UNAVAILABLE : HTTP_UNAUTHORIZED;
    switch (st) {
    case ST_SESSION_NONE:
        return unauthenticated(r, dc, ST_SESSION_UNAUTHORISED, s);
    case ST_SESSION_CORE_ERROR:
        return st_session_reply_error(r, st, s);
    default:
        return unauthenticated(r, dc, st, s);
    }
}

/* A sub-request or internal redirect that httpd did not authenticate again (same
 * configuration as the first request) still gets this location's view of the session; one
 * for a location without AuthType SuperTokens gets none of the module's headers. */
static void republish_inherited(request_rec *r)
{
    const st_session *inherited;
    void *own = NULL;
    const char *type;

    apr_pool_userdata_get(&own, ST_SESSION_KEY, r->pool);
    if (own)
        return;   /* published for this very request */
    st_claims_scrub_quietly(r);
    type = ap_auth_type(r);
    if (type && strcasecmp(type, "SuperTokens") == 0 && r->user && *r->user
        && (inherited = st_session_get(r)) != NULL)
        publish(r, apr_pmemdup(r->pool, inherited, sizeof(*inherited)));
}

/* AuthType SuperTokens, and yet the request got here without a user: authentication never
 * ran (no Require asks for one), which the start-up checks cannot always see. */
static void check_authenticated(request_rec *r)
{
    const char *type;

    if (r->main || r->prev || r->user)
        return;
    type = ap_auth_type(r);
    if (type && strcasecmp(type, "SuperTokens") == 0)
        st_report_unauthenticated(r);
}

int st_session_fixups(request_rec *r)
{
    check_authenticated(r);
    if (apr_table_get(r->notes, ST_ANON_NOTE) && r->user && *r->user == '\0')
        r->user = NULL;
    if (r->main || r->prev)
        republish_inherited(r);
    return DECLINED;
}

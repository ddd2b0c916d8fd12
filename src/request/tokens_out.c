/*
 * tokens_out.c: response headers that carry, or clear, session tokens (protocol.md §1.4,
 * §1.5). One Set-Cookie line per cookie, access before refresh, in err_headers_out.
 */
#include "request/tokens_out.h"
#include "token/cookie.h"

#include "http_protocol.h"
#include "http_log.h"
#include "util_filter.h"
#include "apr_strings.h"

APLOG_USE_MODULE(supertokens);

#define ST_ACCESS_COOKIE   "sAccessToken"
#define ST_REFRESH_COOKIE  "sRefreshToken"
#define ST_LEGACY_COOKIE   "sIdRefreshToken"
/* The SDK's access-token cookie outlives the JWT: now + 1 year (31536000000 ms). */
#define ST_ACCESS_COOKIE_LIFETIME apr_time_from_sec(31536000)

void st_out_expose(request_rec *r, const char *name)
{
    const char *cur = apr_table_get(r->err_headers_out, "Access-Control-Expose-Headers");
    if (cur == NULL || *cur == '\0')
        apr_table_set(r->err_headers_out, "Access-Control-Expose-Headers", name);
    else if (strstr(cur, name) == NULL)
        apr_table_set(r->err_headers_out, "Access-Control-Expose-Headers",
                      apr_pstrcat(r->pool, cur, ", ", name, NULL));
}

/* Set a response header, exposing it to the frontend first (SDK emission order). */
static void set_exposed(request_rec *r, const char *name, const char *value)
{
    apr_table_set(r->err_headers_out, name, value);
    st_out_expose(r, name);
}

static void add_cookie(request_rec *r, const st_server_conf *sc, const char *name, const char *value,
                       const char *path, apr_time_t expires)
{
    const char *line = st_cookie_serialize(r->pool, name, value, sc->cookie_domain, path, expires, 1,
                                           st_cfg_cookie_secure(sc),
                                           st_same_site_name(st_cfg_same_site(sc)));
    /* config checks make this unreachable; a value cookie.serialize refuses is never sent */
    if (line == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, APLOGNO(10090)
                      "cannot write the %s cookie (its value or attributes are not allowed)", name);
        return;
    }
    apr_table_addn(r->err_headers_out, "Set-Cookie", line);
}

static const char *refresh_cookie_path(request_rec *r, const st_server_conf *sc)
{
    return apr_pstrcat(r->pool, st_cfg_api_base_path(sc), "/session/refresh", NULL);
}

void st_out_front_token(request_rec *r, const char *front_token)
{
    set_exposed(r, "front-token", front_token);
}

void st_out_access_token(request_rec *r, const st_server_conf *sc, st_transfer how, const char *token)
{
    if (how == ST_TRANSFER_COOKIE)
        add_cookie(r, sc, ST_ACCESS_COOKIE, token, st_cfg_access_token_path(sc),
                   apr_time_now() + ST_ACCESS_COOKIE_LIFETIME);
    else
        set_exposed(r, "st-access-token", token);
}

void st_out_refresh_token(request_rec *r, const st_server_conf *sc, st_transfer how,
                          const char *token, apr_int64_t expiry_ms)
{
    if (how == ST_TRANSFER_COOKIE)
        add_cookie(r, sc, ST_REFRESH_COOKIE, token, refresh_cookie_path(r, sc),
                   (apr_time_t)expiry_ms * 1000);
    else
        set_exposed(r, "st-refresh-token", token);
}

void st_out_anti_csrf(request_rec *r, const char *token)
{
    set_exposed(r, "anti-csrf", token);
}

void st_out_clear(request_rec *r, const st_server_conf *sc, st_transfer how)
{
    if (how == ST_TRANSFER_COOKIE) {
        add_cookie(r, sc, ST_ACCESS_COOKIE, "", st_cfg_access_token_path(sc), 0);
        add_cookie(r, sc, ST_REFRESH_COOKIE, "", refresh_cookie_path(r, sc), 0);
        apr_table_unset(r->err_headers_out, "anti-csrf");
        set_exposed(r, "front-token", "remove");
    }
    else {
        /* header mode exposes st-access-token, st-refresh-token, front-token (§1.11) */
        set_exposed(r, "st-access-token", "");
        set_exposed(r, "st-refresh-token", "");
        set_exposed(r, "front-token", "remove");
    }
}

void st_out_clear_all(request_rec *r, const st_server_conf *sc)
{
    st_out_clear(r, sc, ST_TRANSFER_COOKIE);
    st_out_clear(r, sc, ST_TRANSFER_HEADER);
}

void st_out_clear_legacy_id_refresh(request_rec *r, const st_server_conf *sc)
{
    add_cookie(r, sc, ST_LEGACY_COOKIE, "", "/", 0);
}

void st_out_nav_guard(request_rec *r, const st_server_conf *sc, int set)
{
    const char *line = st_cookie_serialize(r->pool, ST_NAV_GUARD_COOKIE, set ? "1" : "", NULL, "/",
                                           set ? apr_time_now() + apr_time_from_sec(10) : 0, 1,
                                           st_cfg_cookie_secure(sc), "Lax");
    /* Max-Age wins over Expires in browsers, so a client clock that is off does not matter */
    apr_table_addn(r->err_headers_out, "Set-Cookie",
                   apr_pstrcat(r->pool, line, set ? "; Max-Age=10" : "; Max-Age=0", NULL));
}

int st_send_json(request_rec *r, int status, const char *json)
{
    conn_rec *c = r->connection;
    apr_bucket_brigade *bb = apr_brigade_create(r->pool, c->bucket_alloc);
    apr_size_t len = strlen(json);

    r->status = status;
    /* token-bearing and session answers must never be cached by a proxy */
    apr_table_set(r->err_headers_out, "Cache-Control", "no-cache, no-store, must-revalidate");
    ap_set_content_type(r, "application/json; charset=utf-8");
    ap_set_content_length(r, (apr_off_t)len);
    if (!r->header_only)
        APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_transient_create(json, len, c->bucket_alloc));
    APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(c->bucket_alloc));
    if (ap_pass_brigade(r->output_filters, bb) != APR_SUCCESS)
        c->aborted = 1;
    return DONE;
}

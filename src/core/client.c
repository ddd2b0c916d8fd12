/*
 * client.c: the SuperTokens core client, the call side (see core.h for the contract). One
 * request and its reply is exchange.c's (exchange.h), the connections are conn.c's (conn.h).
 *
 * A call: pick the core URLs in round-robin order, those outside their failure window first;
 * per URL: (once) negotiate the CDI version with GET /apiversion, acquire a record, drop its
 * socket if idle too long or if a non-blocking poll says it is readable (closed by the core or
 * stray bytes), connect if needed (TCP_NODELAY, connect timeout, TLS handshake with
 * verification), send the request, read the reply with the incremental parser (I/O deadline),
 * release (keeping the socket when the reply allows keep-alive).
 * Failover: connect failures and 429/503 replies move on to the next URL; a request whose
 * bytes went out is resent only when that is safe (GET once; any method once when a reused
 * socket failed with EPIPE/ECONNRESET while writing and nothing was received).
 */
#include <string.h>

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"

#include "apr_strings.h"
#include "apr_lib.h"
#include "apr_atomic.h"

#include "config/config.h"
#include "token/json_util.h"
#include "core/http_parse.h"
#include "core/core.h"
#include "core/conn.h"
#include "core/exchange.h"
#include "core/stats.h"

APLOG_USE_MODULE(supertokens);

/* Tunables. */
#define ST_CORE_RETRY_WINDOW   apr_time_from_sec(10) /* skip a URL this long after a connect failure */
#define ST_CORE_CDI_RETRY      apr_time_from_sec(30) /* re-ask /apiversion after an incompatibility */
#define ST_CORE_DEF_CONNECT    apr_time_from_sec(5)
#define ST_CORE_DEF_IO         apr_time_from_sec(10)

/* CDI versions this module speaks, any order. */
static const char *const st_cdi_supported[] = { ST_CDI_VERSION };
#define ST_CDI_NSUPPORTED (sizeof(st_cdi_supported) / sizeof(st_cdi_supported[0]))

static volatile apr_uint32_t st_rr;   /* the round-robin start */

/* ------------------------------------------------------------------------------------------
 * pure helpers
 */

int st_core_path_wants_rid(const char *path)
{
    const char *seg, *end;
    int i;

    if (!path || *path != '/')
        return 0;
    seg = path + 1;
    for (i = 0; i < 2; i++) {
        end = seg + strcspn(seg, "/?#");
        if ((apr_size_t)(end - seg) == 6 && strncmp(seg, "recipe", 6) == 0)
            return 1;
        if (*end != '/')
            return 0;
        seg = end + 1;
    }
    return 0;
}

const char *st_core_log_path(apr_pool_t *p, const char *path)
{
    const char *q;
    char *copy, *last, *tok;
    apr_array_header_t *parts;

    if (!path)
        return "";
    q = strchr(path, '?');
    if (!q)
        return path;
    parts = apr_array_make(p, 4, sizeof(const char *));
    copy = apr_pstrdup(p, q + 1);
    for (tok = apr_strtok(copy, "&", &last); tok; tok = apr_strtok(NULL, "&", &last)) {
        char *eq = strchr(tok, '=');
        if (eq)
            *eq = '\0';
        APR_ARRAY_PUSH(parts, const char *) = apr_pstrcat(p, tok, "=***", NULL);
    }
    return apr_pstrcat(p, apr_pstrmemdup(p, path, (apr_size_t)(q - path)), "?",
                       apr_array_pstrcat(p, parts, '&'), NULL);
}

/* <0, 0, >0 like strcmp, comparing dot-separated integers ("5.10" > "5.9"). */
static int version_cmp(const char *a, const char *b)
{
    while (*a || *b) {
        long x = strtol(a, (char **)&a, 10);
        long y = strtol(b, (char **)&b, 10);
        if (x != y)
            return x < y ? -1 : 1;
        if (*a == '.')
            a++;
        if (*b == '.')
            b++;
        if ((*a && !apr_isdigit(*a)) || (*b && !apr_isdigit(*b)))
            break;
    }
    return 0;
}

static int cdi_index(const char *v)
{
    apr_size_t i;
    for (i = 0; i < ST_CDI_NSUPPORTED; i++)
        if (strcmp(v, st_cdi_supported[i]) == 0)
            return (int)i;
    return -1;
}

const char *st_core_pick_cdi(apr_pool_t *p, const json_t *versions)
{
    const char *best = NULL;
    size_t i;
    (void)p;

    if (!json_is_array(versions))
        return NULL;
    for (i = 0; i < json_array_size(versions); i++) {
        const char *v = json_string_value(json_array_get(versions, i));
        int k = v ? cdi_index(v) : -1;
        if (k >= 0 && (!best || version_cmp(st_cdi_supported[k], best) > 0))
            best = st_cdi_supported[k];
    }
    return best;
}

/* application/x-www-form-urlencoded, as URLSearchParams writes it */
static const char *form_encode(apr_pool_t *p, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = apr_palloc(p, strlen(s) * 3 + 1), *o = out;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (apr_isalnum(c) || c == '*' || c == '-' || c == '.' || c == '_') {
            *o++ = (char)c;
        }
        else if (c == ' ') {
            *o++ = '+';
        }
        else {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    *o = '\0';
    return out;
}

/* A short printable excerpt of a core message (for the apiversion errors only). */
static const char *excerpt(apr_pool_t *p, const char *b, apr_size_t n)
{
    char *o;
    apr_size_t i;
    if (n > 200)
        n = 200;
    o = apr_pstrmemdup(p, b, n);
    for (i = 0; i < n; i++)
        if ((unsigned char)o[i] < 0x20 || o[i] == 0x7f)
            o[i] = ' ';
    while (n && o[n - 1] == ' ')
        o[--n] = '\0';
    return o;
}

static int is_token(const char *s)
{
    if (!s || !*s)
        return 0;
    for (; *s; s++)
        if (!apr_isalnum(*s) && !strchr("!#$%&'*+-.^_`|~", *s))
            return 0;
    return 1;
}

static int path_ok(const char *s)
{
    if (!s || *s != '/')
        return 0;
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || *s == 0x7f)
            return 0;
    return 1;
}

/* ------------------------------------------------------------------------------------------
 * the request bytes
 */

static char *build_request(const st_call *cc, const st_backend *be, const char *method,
                           const char *path, int with_cdi, const char *cdi, apr_size_t *len)
{
    const char *rid = (cc->rid && with_cdi && st_core_path_wants_rid(path)) ? cc->rid : NULL;
    int has_body = with_cdi && cc->body != NULL;
    char *head = apr_pstrcat(cc->p,
        method, " ", be->base_path, path, " HTTP/1.1\r\n",
        "Host: ", be->host_header, "\r\n",
        cc->sc->api_key ? "api-key: " : "", cc->sc->api_key ? cc->sc->api_key : "",
        cc->sc->api_key ? "\r\n" : "",
        with_cdi ? "cdi-version: " : "", with_cdi ? cdi : "", with_cdi ? "\r\n" : "",
        rid ? "rid: " : "", rid ? rid : "", rid ? "\r\n" : "",
        has_body ? "content-type: application/json; charset=utf-8\r\n" : "",
        has_body ? apr_psprintf(cc->p, "Content-Length: %" APR_SIZE_T_FMT "\r\n", cc->body_len) : "",
        "\r\n", NULL);
    apr_size_t hl = strlen(head);
    char *req;

    if (!has_body || cc->body_len == 0) {
        *len = hl;
        return head;
    }
    req = apr_palloc(cc->p, hl + cc->body_len);
    memcpy(req, head, hl);
    memcpy(req + hl, cc->body, cc->body_len);
    *len = hl + cc->body_len;
    return req;
}

/* ------------------------------------------------------------------------------------------
 * CDI negotiation (once per process and core URL)
 */

static const char *cdi_of(st_backend *be)
{
    apr_uint32_t st = apr_atomic_read32(&be->cdi_state);
    return st ? st_cdi_supported[st - 1] : NULL;
}

/* GET /apiversion with the apiDomain and websiteDomain the core may check. */
static char *apiversion_request(const st_call *cc, const st_backend *be, apr_size_t *len)
{
    const st_server_conf *sc = cc->sc;
    const char *path = "/apiversion", *sep = "?";

    if (sc->api_domain) {
        path = apr_pstrcat(cc->p, path, sep, "apiDomain=", form_encode(cc->p, sc->api_domain), NULL);
        sep = "&";
    }
    if (sc->website_domain)
        path = apr_pstrcat(cc->p, path, sep, "websiteDomain=",
                           form_encode(cc->p, sc->website_domain), NULL);
    return build_request(cc, be, "GET", path, 0, NULL, len);
}

/* Remembers (under cdi_mutex) that be speaks none of our versions, for ST_CORE_CDI_RETRY. */
static void cdi_incompatible_set(const st_call *cc, st_backend *be, const json_t *versions)
{
    char *list = st_json_dump(cc->p, versions);

    apr_snprintf(be->cdi_error, sizeof(be->cdi_error),
                 "The running SuperTokens core version is not compatible with this module: "
                 "the core at %s supports CDI versions %.300s, the module supports %s",
                 be->name, list ? list : "[]", ST_CDI_VERSION);
    be->cdi_error_time = apr_time_now();
}

/* Settles be's CDI version, serialised by cdi_mutex. AT_REPLY with xi->hp NULL: settled;
 * with xi->hp set: the core answered 429/503 (the caller fails over); else the failure. */
static st_attempt negotiate(const st_call *cc, st_backend *be, int fresh, st_xinfo *xi)
{
    const char *pick;
    const st_http_response *resp;
    apr_size_t len;
    char *req;
    st_attempt at;
    json_t *j;

    apr_thread_mutex_lock(be->cdi_mutex);
    if (cdi_of(be)) {
        apr_thread_mutex_unlock(be->cdi_mutex);
        return AT_REPLY;
    }
    if (be->cdi_error[0] && apr_time_now() - be->cdi_error_time < ST_CORE_CDI_RETRY) {
        xi->err = apr_pstrdup(cc->p, be->cdi_error);
        apr_thread_mutex_unlock(be->cdi_mutex);
        return AT_FINAL;
    }

    req = apiversion_request(cc, be, &len);
    at = st_exchange(cc, be, req, len, fresh, xi);
    if (at != AT_REPLY) {
        apr_thread_mutex_unlock(be->cdi_mutex);
        /* nothing of the caller's request went out: a second try is always safe */
        return (at == AT_IO || at == AT_GARBAGE) ? AT_SAFE_RETRY : at;
    }

    resp = st_http_parser_response(xi->hp);
    if (resp->status == 429 || resp->status == 503) {
        apr_thread_mutex_unlock(be->cdi_mutex);
        return AT_REPLY;    /* the caller sees the overload status and fails over */
    }
    if (resp->status != 200) {
        xi->err = apr_psprintf(cc->p, "the core at %s refused GET /apiversion with HTTP %d%s%s",
                               be->name, resp->status, resp->body_len ? ": " : "",
                               excerpt(cc->p, resp->body, resp->body_len));
        xi->unavailable = resp->status >= 500;   /* a broken core, not a configuration error */
        apr_thread_mutex_unlock(be->cdi_mutex);
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, cc->s, APLOGNO(10114) "%s", xi->err);
        return AT_FINAL;
    }
    j = st_json_parse(cc->p, resp->body, resp->body_len, 0);
    if (!j || !json_is_array(json_object_get(j, "versions"))) {
        apr_thread_mutex_unlock(be->cdi_mutex);
        xi->err = "invalid reply to GET /apiversion";
        return AT_GARBAGE;
    }
    pick = st_core_pick_cdi(cc->p, json_object_get(j, "versions"));
    if (!pick) {
        cdi_incompatible_set(cc, be, json_object_get(j, "versions"));
        xi->err = apr_pstrdup(cc->p, be->cdi_error);
        apr_thread_mutex_unlock(be->cdi_mutex);
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, cc->s, APLOGNO(10113) "%s", xi->err);
        return AT_FINAL;
    }
    apr_atomic_set32(&be->cdi_state, (apr_uint32_t)cdi_index(pick) + 1);
    be->cdi_error[0] = '\0';
    apr_thread_mutex_unlock(be->cdi_mutex);
    ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, cc->s, APLOGNO(10112)
                 "core %s: using CDI version %s", be->name, pick);
    xi->hp = NULL;
    return AT_REPLY;
}

/* Negotiation if needed, then the call itself. */
static st_attempt attempt(const st_call *cc, st_backend *be, int fresh, st_xinfo *xi)
{
    const char *cdi;
    char *req;
    apr_size_t len;
    st_attempt at;

    if (be->init_error) {
        xi->err = be->init_error;
        xi->hp = NULL;
        return AT_CONNECT;
    }
    if (!(cdi = cdi_of(be))) {
        at = negotiate(cc, be, fresh, xi);
        if (at != AT_REPLY || xi->hp)    /* failure, or a 429/503 reply to /apiversion */
            return at;
        cdi = cdi_of(be);
        fresh = 0;
    }
    req = build_request(cc, be, cc->method, cc->path, 1, cdi, &len);
    return st_exchange(cc, be, req, len, fresh, xi);
}

/* ------------------------------------------------------------------------------------------
 * the public call
 */

/* One call's walk over its core URLs. */
typedef struct {
    apr_time_t start;
    st_backend **order;           /* the URLs to try */
    int n;
    int pos;                      /* the one tried next */
    int fresh;                    /* the next attempt opens a new connection */
    int safe_retry_used;
    int get_retry_used;
    st_http_parser *overloaded;   /* the last 429/503 reply */
    const char *last_err;
} st_failover;

static int in_window(st_backend *be, apr_time_t now)
{
    apr_uint64_t t = apr_atomic_read64(&be->error_time);
    return t != 0 && now - (apr_time_t)t < ST_CORE_RETRY_WINDOW;
}

static apr_status_t call_fail(st_core_reply *out, const char *err, int unavailable,
                              apr_status_t rv)
{
    out->error = err;
    out->unavailable = unavailable;
    return rv;
}

static apr_status_t use_reply(const st_call *cc, st_http_parser *hp, st_core_reply *out)
{
    const st_http_response *r = st_http_parser_response(hp);

    out->status = r->status;
    out->content_type = r->content_type;
    out->body = r->body;
    out->body_len = r->body_len;
    out->json = NULL;
    if (r->content_type && strncasecmp(r->content_type, "text/", 5) == 0)
        return APR_SUCCESS;             /* a message (errors, /hello): kept as text */
    if (r->body_len)
        out->json = st_json_parse(cc->p, r->body, r->body_len, 0);
    if (r->status >= 200 && r->status < 300 && !out->json) {
        out->error = "the core's reply is not JSON";
        out->unavailable = 1;
        return APR_EGENERAL;
    }
    return APR_SUCCESS;
}

/* The request body: body as JSON.stringify writes it, "{}" for a POST or PUT without one, an
 * empty one for a DELETE without one, none for GET. 0 when body cannot be serialised. */
static int call_body_set(st_call *cc, const json_t *body)
{
    if (cc->idempotent)
        return 1;
    if (body) {
        cc->body = st_json_dump(cc->p, body);
        if (!cc->body)
            return 0;
    }
    else {
        cc->body = strcmp(cc->method, "DELETE") ? "{}" : "";
    }
    cc->body_len = strlen(cc->body);
    return 1;
}

/* Checks the arguments and the configuration, then fills cc; on failure out says why. */
static apr_status_t call_setup(st_call *cc, apr_pool_t *p, server_rec *s, const char *method,
                               const char *path, const char *rid, const json_t *body,
                               st_core_reply *out)
{
    const st_server_conf *sc;

    memset(cc, 0, sizeof(*cc));
    cc->p = p;
    cc->s = s;
    if (!method || (strcmp(method, "GET") && strcmp(method, "POST") && strcmp(method, "PUT")
                    && strcmp(method, "DELETE"))
        || !path_ok(path) || (rid && !is_token(rid))) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, APLOGNO(10118)
                     "core call with invalid method, path or rid");
        return call_fail(out, "invalid core request", 0, APR_EINVAL);
    }
    sc = st_server_conf_get(s);
    if (!sc || !sc->core_urls || sc->core_urls->nelts == 0) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, APLOGNO(10116)
                     "no SuperTokensConnectionURI is configured for this server");
        return call_fail(out, "no SuperTokens core configured", 0, APR_EINIT);
    }
    if (!st_backend_all()) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, APLOGNO(10117)
                     "the SuperTokens core client was not initialised (child_init)");
        return call_fail(out, "core client not initialised", 0, APR_EINIT);
    }
    cc->sc = sc;
    cc->method = method;
    cc->path = path;
    cc->rid = rid;
    cc->idempotent = strcmp(method, "GET") == 0;
    cc->log_path = st_core_log_path(p, path);
    cc->connect_timeout = st_cfg_core_connect_timeout(sc);
    cc->io_timeout = st_cfg_core_io_timeout(sc);
    if (cc->connect_timeout <= 0)
        cc->connect_timeout = ST_CORE_DEF_CONNECT;
    if (cc->io_timeout <= 0)
        cc->io_timeout = ST_CORE_DEF_IO;
    if (!call_body_set(cc, body))
        return call_fail(out, "invalid core request body", 0, APR_EINVAL);
    return APR_SUCCESS;
}

/* The candidate order: a round-robin start, the URLs outside their failure window first. */
static void failover_order(const st_call *cc, st_failover *fo)
{
    const st_server_conf *sc = cc->sc;
    apr_uint32_t n = (apr_uint32_t)sc->core_urls->nelts;
    apr_uint32_t first = apr_atomic_inc32(&st_rr);
    apr_uint32_t i;
    int k;

    fo->order = apr_palloc(cc->p, sizeof(*fo->order) * (apr_size_t)n);
    fo->n = 0;
    for (k = 0; k < 2; k++) {
        for (i = 0; i < n; i++) {
            const st_core_url *u = &APR_ARRAY_IDX(sc->core_urls, (i + first) % n, st_core_url);
            st_backend *be = st_backend_of(cc->p, sc, u);
            if (!be) {
                if (k == 0)
                    ap_log_error(APLOG_MARK, APLOG_ERR, 0, cc->s, APLOGNO(10119)
                                 "core URL %s has no connection pool", u->url);
                continue;
            }
            if (in_window(be, fo->start) == k)
                fo->order[fo->n++] = be;
        }
    }
}

/* A reply that ends the call (not 429/503): handed to the caller, and logged as
 * supertokens-node reports core errors (protocol.md §3.2). */
static apr_status_t reply_take(const st_call *cc, const st_failover *fo, st_backend *be,
                               const st_xinfo *xi, st_core_reply *out)
{
    const st_http_response *r = st_http_parser_response(xi->hp);
    apr_time_t ms = apr_time_as_msec(apr_time_now() - fo->start);
    apr_status_t rv;

    if (apr_atomic_read64(&be->error_time))
        apr_atomic_set64(&be->error_time, 0);
    ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, cc->s, APLOGNO(10104)
                 "core %s %s -> %d (%" APR_TIME_T_FMT " ms, %s, %s connection)",
                 cc->method, cc->log_path, r->status, ms, be->name,
                 xi->reused ? "reused" : "new");
    rv = use_reply(cc, xi->hp, out);
    if (rv != APR_SUCCESS)
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, cc->s, APLOGNO(10110)
                     "core %s %s at %s: %s (HTTP %d)", cc->method, cc->log_path, be->name,
                     out->error, r->status);
    else if (r->status < 200 || r->status >= 300)
        /* as supertokens-node reports it (protocol.md §3.2), with the core's message
         * ("Invalid API key", ...): callers only see the status */
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, cc->s, APLOGNO(10120)
                     "SuperTokens core %s threw an error for a %s request to path: '%s' "
                     "with status code: %d and message: %s", be->name, cc->method,
                     cc->log_path, r->status, excerpt(cc->p, r->body, r->body_len));
    return rv;
}

/* After a failed exchange: 1 = try again (fo says where and how), 0 = the call failed (*rv).
 * A request that may have reached the core is resent only when that is safe: once on a fresh
 * connection when a reused socket was found closed, and once more for a GET. */
static int retry_or_fail(const st_call *cc, st_failover *fo, st_backend *be, st_attempt at,
                         const st_xinfo *xi, st_core_reply *out, apr_status_t *rv)
{
    apr_time_t ms;

    if (at == AT_SAFE_RETRY && !fo->safe_retry_used) {
        fo->safe_retry_used = 1;
        fo->fresh = 1;
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, cc->s, APLOGNO(10115)
                     "core %s %s at %s: %s; retrying on a fresh connection", cc->method,
                     cc->log_path, be->name, xi->err);
        return 1;
    }
    if ((at == AT_SAFE_RETRY || at == AT_IO || at == AT_GARBAGE)
        && cc->idempotent && !fo->get_retry_used) {
        fo->get_retry_used = 1;
        fo->fresh = 1;
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, cc->s, APLOGNO(10109)
                     "core %s %s at %s: %s; retrying once", cc->method, cc->log_path,
                     be->name, xi->err);
        if (fo->pos + 1 < fo->n)
            fo->pos++;
        return 1;
    }
    ms = apr_time_as_msec(apr_time_now() - fo->start);
    ap_log_error(APLOG_MARK, APLOG_ERR, 0, cc->s, APLOGNO(10108)
                 "core %s %s at %s failed after %" APR_TIME_T_FMT " ms: %s", cc->method,
                 cc->log_path, be->name, ms, xi->err);
    *rv = call_fail(out, xi->err, 1, at == AT_TIMEOUT ? APR_TIMEUP : APR_EGENERAL);
    return 0;
}

/* What follows one attempt on be: 1 = go on with fo->pos, 0 = the call is over (*rv). */
static int after_attempt(const st_call *cc, st_failover *fo, st_backend *be, st_attempt at,
                         const st_xinfo *xi, st_core_reply *out, apr_status_t *rv)
{
    const char *next = fo->pos + 1 < fo->n ? "; trying the next core" : "";

    switch (at) {
    case AT_REPLY: {
        const st_http_response *r = st_http_parser_response(xi->hp);
        if (r->status == 429 || r->status == 503) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, cc->s, APLOGNO(10107)
                         "core %s answered %d to %s %s%s", be->name, r->status, cc->method,
                         cc->log_path, next);
            fo->overloaded = xi->hp;
            fo->pos++;
            return 1;
        }
        *rv = reply_take(cc, fo, be, xi, out);
        return 0;
    }
    case AT_CONNECT:
        apr_atomic_set64(&be->error_time, (apr_uint64_t)apr_time_now());
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, cc->s, APLOGNO(10105)
                     "core %s unreachable: %s%s", be->name, xi->err, next);
        fo->last_err = xi->err;
        fo->pos++;
        return 1;
    case AT_BUSY:
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, cc->s, APLOGNO(10103)
                     "core %s: %s", be->name, xi->err);
        fo->last_err = xi->err;
        fo->pos++;
        return 1;
    case AT_SAFE_RETRY:
    case AT_IO:
    case AT_GARBAGE:
    case AT_TIMEOUT:
    case AT_TOO_LARGE:
        return retry_or_fail(cc, fo, be, at, xi, out, rv);
    case AT_FINAL:
        *rv = call_fail(out, xi->err, xi->unavailable, APR_EGENERAL);
        return 0;
    }
    return 1;
}

/* Every URL was tried: the last overload reply if there was one (callers answer 503 either
 * way), else "no core available". */
static apr_status_t no_core_left(const st_call *cc, const st_failover *fo, st_core_reply *out)
{
    if (fo->overloaded) {
        const st_http_response *r = st_http_parser_response(fo->overloaded);
        out->status = r->status;
        out->content_type = r->content_type;
        out->body = r->body;
        out->body_len = r->body_len;
        return call_fail(out, apr_psprintf(cc->p, "the SuperTokens core answered %d", r->status),
                         1, APR_EAGAIN);
    }
    ap_log_error(APLOG_MARK, APLOG_ERR, 0, cc->s, APLOGNO(10111)
                 "no SuperTokens core available for %s %s%s%s", cc->method, cc->log_path,
                 fo->last_err ? ": " : "", fo->last_err ? fo->last_err : "");
    return call_fail(out, "No SuperTokens core available to query", 1, APR_ECONNREFUSED);
}

static apr_status_t call_run(apr_pool_t *p, server_rec *s, const char *method, const char *path,
                             const char *rid, const json_t *body, st_core_reply *out,
                             apr_time_t start)
{
    st_call cc;
    st_failover fo;
    apr_status_t rv;

    memset(&fo, 0, sizeof(fo));
    fo.start = start;
    memset(out, 0, sizeof(*out));
    if ((rv = call_setup(&cc, p, s, method, path, rid, body, out)) != APR_SUCCESS)
        return rv;
    failover_order(&cc, &fo);
    while (fo.pos < fo.n) {
        st_backend *be = fo.order[fo.pos];
        st_xinfo xi = { 0, 0, NULL, NULL };
        st_attempt at = attempt(&cc, be, fo.fresh, &xi);

        fo.fresh = 0;
        if (!after_attempt(&cc, &fo, be, at, &xi, out, &rv))
            return rv;
    }
    return no_core_left(&cc, &fo, out);
}

/* server-status: the call by result (the core's status class when it answered, 429/503
 * included; unreachable; failed otherwise) and its time. */
static void call_count(apr_status_t rv, const st_core_reply *out, apr_time_t start)
{
    int status = out->status;
    st_stat which = ST_STAT_CORE_FAILED;

    st_stats_add(ST_STAT_CORE_USEC, (apr_uint64_t)(apr_time_now() - start));
    if (rv == APR_SUCCESS || status == 429 || status == 503) {
        if (status >= 200 && status < 300)
            which = ST_STAT_CORE_2XX;
        else if (status >= 400 && status < 500)
            which = ST_STAT_CORE_4XX;
        else if (status >= 500)
            which = ST_STAT_CORE_5XX;
    }
    else if (out->unavailable) {
        which = ST_STAT_CORE_UNREACHABLE;
    }
    st_stats_inc(which);
}

apr_status_t st_core_call(apr_pool_t *p, server_rec *s, const char *method, const char *path,
                          const char *rid, const json_t *body, st_core_reply *out)
{
    apr_time_t start = apr_time_now();
    apr_status_t rv = call_run(p, s, method, path, rid, body, out, start);

    call_count(rv, out, start);
    return rv;
}

apr_status_t st_core_get(apr_pool_t *p, server_rec *s, const char *path, const char *rid,
                         st_core_reply *out)
{
    return st_core_call(p, s, "GET", path, rid, NULL, out);
}

apr_status_t st_core_post(apr_pool_t *p, server_rec *s, const char *path, const char *rid,
                          const json_t *body, st_core_reply *out)
{
    return st_core_call(p, s, "POST", path, rid, body, out);
}

const char *st_core_cdi_version(server_rec *s)
{
    const st_server_conf *sc = st_server_conf_get(s);
    const apr_array_header_t *all = st_backend_all();
    int i, j;
    if (!all || !sc || !sc->core_urls)
        return NULL;
    for (i = 0; i < sc->core_urls->nelts; i++) {
        const st_core_url *u = &APR_ARRAY_IDX(sc->core_urls, i, st_core_url);
        for (j = 0; j < all->nelts; j++) {
            st_backend *be = APR_ARRAY_IDX(all, j, st_backend *);
            const char *cdi;
            if (strcmp(be->url, u->url) == 0 && (cdi = cdi_of(be)))
                return cdi;
        }
    }
    return NULL;
}


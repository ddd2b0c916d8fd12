/*
 * outbound.c: calls to identity providers over the core client's connections (outbound.h).
 */
#include <string.h>

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"

#include "apr_strings.h"
#include "apr_hash.h"
#include "apr_uri.h"
#include "apr_thread_mutex.h"

#include "config/config.h"
#include "core/core.h"
#include "core/conn.h"
#include "core/exchange.h"
#include "core/http_parse.h"
#include "core/outbound.h"

APLOG_USE_MODULE(supertokens);

#define ST_OUT_DEF_CONNECT apr_time_from_sec(5)
#define ST_OUT_DEF_IO      apr_time_from_sec(10)

/* Per process: origin key -> st_backend, made on first use. */
static apr_pool_t *out_root;
static apr_thread_mutex_t *out_mutex;
static apr_hash_t *out_backends;

static apr_status_t out_reset(void *unused)
{
    (void)unused;
    out_root = NULL;
    out_mutex = NULL;
    out_backends = NULL;
    return APR_SUCCESS;
}

apr_status_t st_out_child_init(apr_pool_t *pchild, server_rec *s)
{
    apr_allocator_t *alloc;
    apr_thread_mutex_t *amutex;
    (void)s;

    if (apr_allocator_create(&alloc) != APR_SUCCESS)
        return APR_ENOMEM;
    if (apr_pool_create_ex(&out_root, pchild, NULL, alloc) != APR_SUCCESS) {
        apr_allocator_destroy(alloc);
        return APR_ENOMEM;
    }
    apr_allocator_owner_set(alloc, out_root);
    apr_pool_tag(out_root, "st_outbound");
    if (apr_thread_mutex_create(&amutex, APR_THREAD_MUTEX_DEFAULT, out_root) != APR_SUCCESS
        || apr_thread_mutex_create(&out_mutex, APR_THREAD_MUTEX_DEFAULT, out_root) != APR_SUCCESS)
        return APR_EGENERAL;
    apr_allocator_mutex_set(alloc, amutex);
    out_backends = apr_hash_make(out_root);
    apr_pool_cleanup_register(out_root, NULL, out_reset, apr_pool_cleanup_null);
    return APR_SUCCESS;
}

const char *st_out_log_url(apr_pool_t *p, const char *url)
{
    return url ? apr_pstrndup(p, url, strcspn(url, "?#")) : "";
}

/* The origin and request target of url; NULL when it is not an absolute http(s) URL. */
static const char *url_split(apr_pool_t *p, const char *url, st_core_url *u, const char **target)
{
    apr_uri_t uri;

    if (apr_uri_parse(p, url, &uri) != APR_SUCCESS || !uri.scheme || !uri.hostname || !*uri.hostname
        || (strcasecmp(uri.scheme, "http") && strcasecmp(uri.scheme, "https")) || uri.user || uri.password
        || strpbrk(url, " \t\r\n"))
        return "not an absolute http(s) URL";
    memset(u, 0, sizeof(*u));
    u->is_tls = strcasecmp(uri.scheme, "https") == 0;
    u->scheme = u->is_tls ? "https" : "http";
    u->host = apr_pstrdup(p, uri.hostname);
    ap_str_tolower((char *)u->host);
    u->port = uri.port_str ? uri.port : (u->is_tls ? 443 : 80);
    u->base_path = "";
    u->url = apr_psprintf(p, "%s://%s%s%s:%u", u->scheme, strchr(u->host, ':') ? "[" : "", u->host,
                          strchr(u->host, ':') ? "]" : "", (unsigned)u->port);
    *target = apr_pstrcat(p, uri.path && *uri.path ? uri.path : "/", uri.query ? "?" : "",
                          uri.query ? uri.query : "", NULL);
    return NULL;
}

/* The pool of connections for u (through sc's proxy, trusting sc's CA), made on first use. */
static st_backend *backend_for(apr_pool_t *p, server_rec *s, const st_server_conf *sc,
                               const st_core_url *u, const char **err)
{
    const char *ca = u->is_tls ? sc->provider_ca_file : NULL;
    const char *key = apr_pstrcat(p, u->url, "\n", ca ? ca : "", "\n",
                                  sc->proxy_host ? sc->proxy_host : "", NULL);
    st_backend *be;

    if (!out_mutex) {
        *err = "the outbound client was not initialised (child_init)";
        return NULL;
    }
    apr_thread_mutex_lock(out_mutex);
    be = apr_hash_get(out_backends, key, APR_HASH_KEY_STRING);
    if (!be && apr_hash_count(out_backends) >= ST_OUT_MAX_ORIGINS) {
        *err = "too many provider origins in this process";
    }
    else if (!be && (be = st_backend_create(out_root, s, u, key, ca)) != NULL) {
        if (sc->proxy_host) {
            be->proxy_host = apr_pstrdup(be->pool, sc->proxy_host);
            be->proxy_port = sc->proxy_port;
            be->tunnel_target = apr_psprintf(be->pool, "%s%s%s:%u", strchr(u->host, ':') ? "[" : "",
                                             u->host, strchr(u->host, ':') ? "]" : "", (unsigned)u->port);
        }
        apr_hash_set(out_backends, be->key, APR_HASH_KEY_STRING, be);
    }
    else if (!be) {
        *err = "cannot create a connection pool";
    }
    apr_thread_mutex_unlock(out_mutex);
    return be;
}

static char *request_bytes(apr_pool_t *p, const st_backend *be, const st_out_request *req,
                           const char *target, apr_size_t *len)
{
    /* a plain http request through a proxy names the whole URL (RFC 9112 §3.2.2) */
    const char *line_target = be->proxy_host && !be->is_tls
        ? apr_pstrcat(p, "http://", be->host_header, target, NULL) : target;
    char *head = apr_pstrcat(p, req->method, " ", line_target, " HTTP/1.1\r\nHost: ", be->host_header,
                             "\r\nUser-Agent: mod_supertokens\r\n", req->headers ? req->headers : "",
                             req->body ? apr_psprintf(p, "Content-Length: %" APR_SIZE_T_FMT "\r\n",
                                                      req->body_len) : "",
                             "\r\n", NULL);
    apr_size_t hl = strlen(head);
    char *all;

    if (!req->body) {
        *len = hl;
        return head;
    }
    all = apr_palloc(p, hl + req->body_len);
    memcpy(all, head, hl);
    memcpy(all + hl, req->body, req->body_len);
    *len = hl + req->body_len;
    return all;
}

static void call_fill(st_call *cc, apr_pool_t *p, server_rec *s, const st_server_conf *sc,
                      const st_out_request *req)
{
    memset(cc, 0, sizeof(*cc));
    cc->p = p;
    cc->s = s;
    cc->sc = sc;
    cc->method = req->method;
    cc->path = "";
    cc->log_path = "";
    cc->idempotent = strcmp(req->method, "GET") == 0;
    cc->connect_timeout = sc->provider_connect_timeout > 0 ? sc->provider_connect_timeout : ST_OUT_DEF_CONNECT;
    cc->io_timeout = sc->provider_io_timeout > 0 ? sc->provider_io_timeout : ST_OUT_DEF_IO;
    cc->max_body = ST_OUT_MAX_BODY;
    cc->peer = "the provider";
}

/* One exchange and at most one retry, as the core client decides them. */
static st_attempt exchange_with_retry(const st_call *cc, st_backend *be, const char *bytes,
                                      apr_size_t len, st_xinfo *xi)
{
    st_attempt at;

    if (be->init_error) {
        xi->err = be->init_error;
        return AT_CONNECT;
    }
    at = st_exchange(cc, be, bytes, len, 0, xi);
    if (at == AT_SAFE_RETRY || (cc->idempotent && (at == AT_IO || at == AT_GARBAGE)))
        at = st_exchange(cc, be, bytes, len, 1, xi);
    return at;
}

apr_status_t st_out_call(apr_pool_t *p, server_rec *s, const st_out_request *req, st_out_reply *out)
{
    const st_server_conf *sc = st_server_conf_get(s);
    const char *target, *err, *log_url = st_out_log_url(p, req->url);
    apr_time_t start = apr_time_now();
    st_core_url u;
    st_backend *be;
    st_call cc;
    st_xinfo xi = { 0, 0, NULL, NULL };
    st_attempt at;
    apr_size_t len;
    char *bytes;

    memset(out, 0, sizeof(*out));
    if ((err = url_split(p, req->url, &u, &target)) != NULL
        || (be = backend_for(p, s, sc, &u, &err)) == NULL) {
        out->error = err;
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, APLOGNO(10600)
                     "%s %s: %s", req->what, ap_escape_logitem(p, log_url), err);
        return APR_EINVAL;
    }
    call_fill(&cc, p, s, sc, req);
    bytes = request_bytes(p, be, req, target, &len);
    at = exchange_with_retry(&cc, be, bytes, len, &xi);
    if (at != AT_REPLY) {
        out->error = xi.err ? xi.err : "no reply";
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, APLOGNO(10601)
                     "%s %s %s failed after %" APR_TIME_T_FMT " ms: %s%s", req->what, req->method,
                     ap_escape_logitem(p, log_url), apr_time_as_msec(apr_time_now() - start), out->error,
                     sc->proxy_host ? " (through SuperTokensOutgoingProxy)" : "");
        return at == AT_TIMEOUT ? APR_TIMEUP : APR_EGENERAL;
    }
    {
        const st_http_response *r = st_http_parser_response(xi.hp);
        out->status = r->status;
        out->content_type = r->content_type;
        out->body = r->body;
        out->body_len = r->body_len;
    }
    ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, APLOGNO(10602)
                 "%s %s %s -> %d (%" APR_TIME_T_FMT " ms, %s connection)", req->what, req->method,
                 ap_escape_logitem(p, log_url), out->status, apr_time_as_msec(apr_time_now() - start),
                 xi.reused ? "reused" : "new");
    return APR_SUCCESS;
}

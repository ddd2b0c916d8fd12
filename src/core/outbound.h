/*
 * outbound.h: HTTP(S) calls to absolute URLs (identity providers: discovery documents, JWKS,
 * token and user-info endpoints) over the core client's connection machinery (conn.c,
 * exchange.c): the same per-origin pools of keep-alive connections, TLS 1.2+ with certificate
 * and host-name checks against the system store (or SuperTokensProviderCA), connect and I/O
 * deadlines (SuperTokensProviderTimeout), a cap on the reply's size, and optionally an
 * outgoing HTTP proxy (SuperTokensOutgoingProxy; CONNECT for https).
 *
 * Pools are made on first use of an origin (at most ST_OUT_MAX_ORIGINS per process) under a
 * root pool of their own made in child_init. One debug line per call (URL without its query);
 * failures are logged as errors with the reason. Never logged: query strings, bodies, headers.
 */
#ifndef ST_CORE_OUTBOUND_H
#define ST_CORE_OUTBOUND_H

#include "httpd.h"
#include "apr_pools.h"

#define ST_OUT_MAX_ORIGINS 64
#define ST_OUT_MAX_BODY    (512 * 1024)

typedef struct {
    const char *method;          /* "GET" or "POST" */
    const char *url;             /* absolute http:// or https:// URL, query included */
    const char *headers;         /* extra header lines, each ending in CRLF; may be NULL */
    const char *body;            /* POST body (with its content type in headers); may be NULL */
    apr_size_t body_len;
    const char *what;            /* for logs: "the token endpoint of google" */
} st_out_request;

typedef struct {
    int status;                  /* HTTP status; 0 when there was no reply */
    const char *content_type;
    const char *body;            /* NUL-terminated */
    apr_size_t body_len;
    const char *error;           /* no usable reply: why (safe to log) */
} st_out_reply;

apr_status_t st_out_child_init(apr_pool_t *pchild, server_rec *s);

/* One call. APR_SUCCESS with a reply of any status, else an error with out->error set. A GET is
 * retried once on a fresh connection after an I/O failure; a POST only when a pooled socket
 * turned out to be closed before anything was read. */
apr_status_t st_out_call(apr_pool_t *p, server_rec *s, const st_out_request *req, st_out_reply *out);

/* The URL without query or fragment, for logs. */
const char *st_out_log_url(apr_pool_t *p, const char *url);

#endif

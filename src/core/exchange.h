/*
 * exchange.h: one request and its reply on one core URL. Internal to src/core/: client.c
 * (the call: what to send where, CDI negotiation, failover, retries) uses it; exchange.c
 * runs it on a connection of conn.c (conn.h).
 *
 * An exchange takes a pooled connection record (dropping its socket when it must not be
 * reused, connecting when it has none), sends the request bytes, feeds the reply to the
 * incremental parser (http_parse.h) under the call's I/O deadline and hands the record back,
 * with its socket only after a clean keep-alive reply. What went wrong, if anything, comes
 * back as an st_attempt the caller decides on.
 */
#ifndef ST_CORE_EXCHANGE_H
#define ST_CORE_EXCHANGE_H

#include "httpd.h"
#include "apr_pools.h"

#include "config/config.h"
#include "core/http_parse.h"
#include "core/conn.h"

/* One call to the core, as st_core_call checked and completed it, or to an identity provider
 * (outbound.c: peer and max_body set). */
typedef struct {
    apr_pool_t *p;
    server_rec *s;
    const st_server_conf *sc;
    const char *method;
    const char *path;
    const char *log_path;
    const char *rid;
    const char *body;            /* NULL for GET */
    apr_size_t body_len;
    int idempotent;
    apr_interval_time_t connect_timeout;
    apr_interval_time_t io_timeout;
    apr_size_t max_body;         /* cap on the reply's body; 0 = ST_CORE_MAX_BODY */
    const char *peer;            /* who answers, for error texts; NULL = "the core" */
} st_call;

typedef enum {
    AT_REPLY,        /* a reply was parsed */
    AT_CONNECT,      /* connect or TLS handshake failed: nothing was sent */
    AT_SAFE_RETRY,   /* failed before anything of the call's request could have been processed */
    AT_IO,           /* failed after (part of) the request was sent */
    AT_TIMEOUT,      /* no complete reply within the I/O timeout */
    AT_GARBAGE,      /* unparsable reply */
    AT_TOO_LARGE,    /* reply body over the cap */
    AT_BUSY,         /* no free connection record */
    AT_FINAL         /* a configuration/protocol error: stop (err set; client.c only) */
} st_attempt;

typedef struct {
    int reused;              /* the socket had carried an earlier request */
    int unavailable;         /* with AT_FINAL: the caller should answer 503, not 500 */
    const char *err;
    st_http_parser *hp;
} st_xinfo;

/* Sends req (req_len bytes) to be and reads the reply: AT_REPLY with xi->hp, or the failure
 * with xi->err. fresh = do not reuse a pooled socket. xi->reused says whether one was. */
st_attempt st_exchange(const st_call *cc, st_backend *be, const char *req, apr_size_t req_len,
                       int fresh, st_xinfo *xi);

#endif

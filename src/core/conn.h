/*
 * conn.h: the connection side of the core client. Internal to src/core/: only the client's
 * own files (client.c, exchange.c, conn.c) include it; the rest of the module goes through
 * core.h.
 *
 * conn.c owns the per-URL backends and their pools of connection records (built in
 * st_core_child_init), the TLS contexts and handshakes, connect, the stale-connection check
 * and socket/TLS send and receive bounded by a deadline. Above it, exchange.c runs one
 * request and its reply on a record, and client.c owns the call: the request bytes, CDI
 * negotiation, failover, retries and the log.
 */
#ifndef ST_CORE_CONN_H
#define ST_CORE_CONN_H

#include "apr_pools.h"
#include "apr_network_io.h"
#include "apr_thread_mutex.h"
#include "apr_reslist.h"

#include <openssl/ssl.h>

#include "config/config.h"

typedef struct st_backend st_backend;

/* A reusable connection record: its socket (and SSL) live in a subpool that is cleared when
 * the socket is dropped, so a record reconnects with flat memory. */
typedef struct st_conn {
    st_backend *be;
    apr_pool_t *pool;        /* the record; lives until the reslist destroys it */
    apr_pool_t *spool;       /* socket, SSL, addresses: cleared when the socket is dropped */
    apr_socket_t *sock;      /* NULL = not connected */
    SSL *ssl;
    int ssl_clean;           /* no fatal TLS error: close_notify may be sent */
    apr_time_t last_used;
    apr_uint32_t requests;   /* replies read on the current socket (counted by client.c) */
} st_conn;

/* One per distinct core URL (per CA file for https) and process, created in child_init,
 * shared by every vhost that lists the URL (like mod_proxy's workers, apache-anchors.md §5). */
struct st_backend {
    const char *key;
    const char *url;         /* as configured */
    const char *name;        /* scheme://host:port/base for logs (no credentials possible) */
    const char *host;        /* for connect, SNI and certificate checks */
    apr_port_t port;
    const char *base_path;
    const char *host_header;
    int is_tls;
    int host_is_ip;
    /* an outgoing HTTP proxy (outbound.c only; NULL for core URLs): sockets connect to it, and
     * https goes through a CONNECT tunnel to tunnel_target ("host:port") */
    const char *proxy_host;
    apr_port_t proxy_port;
    const char *tunnel_target;

    apr_pool_t *pool;        /* own allocator guarded by a mutex: records are created by threads */
    apr_thread_mutex_t *mutex;    /* the single cached record */
    apr_reslist_t *rl;            /* threaded MPMs */
    st_conn *single;              /* non-threaded MPMs */

    volatile apr_uint64_t error_time;   /* last connect failure, 0 = none (set by client.c) */

    SSL_CTX *ssl_ctx;
    const char *init_error;       /* the backend cannot be used (TLS setup failed) */

    /* CDI negotiation state: created with the backend, read and written by client.c only */
    apr_thread_mutex_t *cdi_mutex;
    volatile apr_uint32_t cdi_state;    /* 0 unknown, else 1 + index in client.c's versions */
    apr_time_t cdi_error_time;          /* under cdi_mutex */
    char cdi_error[512];                /* under cdi_mutex */
};

/* A backend for u in a pool of its own under p (destroyed with p), not entered in the
 * process's table: child_init enters the ones it makes; the start-up probe uses its own. */
st_backend *st_backend_create(apr_pool_t *p, server_rec *s, const st_core_url *u,
                              const char *key, const char *ca_file);

/* The backend child_init made for core URL u of sc; NULL when there is none. */
st_backend *st_backend_of(apr_pool_t *p, const st_server_conf *sc, const st_core_url *u);

/* Every backend of this process (st_backend *); NULL before child_init ran. */
const apr_array_header_t *st_backend_all(void);

/* A record of be, connected or not; fails when none is free within the acquire wait. */
apr_status_t st_conn_acquire(st_backend *be, st_conn **out);

/* Hands c back; keep = its socket may carry the next request, else it is closed. */
void st_conn_release(st_conn *c, int keep);

/* Closes c's socket (and TLS session); the record stays usable. */
void st_conn_close(st_conn *c);

/* Why c's pooled socket must not be reused (idle too long, closed or readable), or NULL. */
const char *st_conn_unusable(st_conn *c);

/* Connects c (TCP_NODELAY, the TLS handshake with verification for https) within
 * connect_timeout; on failure *err, allocated from p, says why and c has no socket. */
apr_status_t st_conn_connect(st_conn *c, apr_pool_t *p, apr_interval_time_t connect_timeout,
                             apr_interval_time_t io_timeout, const char **err);

/* All of buf, or APR_TIMEUP when the deadline passes first. */
apr_status_t st_conn_send(st_conn *c, const char *buf, apr_size_t len, apr_time_t deadline);

/* Up to *len bytes into buf (*len = what was read); APR_EOF at a clean end. */
apr_status_t st_conn_recv(st_conn *c, char *buf, apr_size_t *len, apr_time_t deadline);

#endif

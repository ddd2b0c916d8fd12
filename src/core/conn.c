/*
 * conn.c: the connection side of the core client (see conn.h; core.h for the contract).
 *
 * Layout, following mod_proxy's worker/connection pools (apache-anchors.md §5):
 *
 *   st_backend  one per distinct core URL (per CA file for https) and process, created in
 *               child_init, shared by every vhost that lists the URL. Owns a pool with its own
 *               mutex-protected allocator, an apr_reslist of st_conn records (threaded MPMs)
 *               or one cached st_conn (non-threaded MPMs), the SSL_CTX for https, the time
 *               of its last connection failure, and the CDI negotiation state.
 *   st_conn     a reusable connection record: its socket (and SSL) live in a subpool that is
 *               cleared when the socket is dropped, so a record reconnects with flat memory.
 *
 * Connect: TCP_NODELAY, connect timeout, TLS handshake with verification. A pooled socket is
 * dropped if idle too long or if a non-blocking poll says it is readable (closed by the core
 * or stray bytes). Send and receive run against the caller's deadline.
 */
#include <string.h>
#include <errno.h>
#include <arpa/inet.h>

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "ap_mpm.h"

#include "apr_strings.h"
#include "apr_hash.h"
#include "apr_poll.h"
#include "apr_portable.h"
#include "apr_reslist.h"
#include "apr_network_io.h"
#include "apr_thread_mutex.h"

#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "config/config.h"
#include "core/core.h"
#include "core/conn.h"

APLOG_USE_MODULE(supertokens);

/* Tunables. */
#define ST_CORE_IDLE_MAX       apr_time_from_sec(4)  /* drop pooled sockets idle longer: below any
                                                       * plausible server keep-alive timeout (5 s
                                                       * in Node), so the core never closes a
                                                       * socket just as we reuse it */
#define ST_CORE_ACQUIRE_WAIT   apr_time_from_sec(5)  /* wait for a free pooled record */

/* Process-wide state, written in child_init only. */
static apr_hash_t *st_backends;              /* key "url\nCA file" -> st_backend */
static apr_array_header_t *st_backend_list;  /* the same, as a list */
static int st_single_conn;
static int st_pool_max = 1;

/* ------------------------------------------------------------------------------------------
 * connection records
 */

static apr_status_t ssl_cleanup(void *data)
{
    st_conn *c = data;
    if (c->ssl) {
        if (c->ssl_clean) {
            ERR_clear_error();
            SSL_shutdown(c->ssl);    /* best effort close_notify, never waits */
        }
        SSL_free(c->ssl);
        c->ssl = NULL;
    }
    ERR_clear_error();
    return APR_SUCCESS;
}

void st_conn_close(st_conn *c)
{
    if (c->sock || c->ssl)
        apr_pool_clear(c->spool);   /* SSL cleanup, then the socket's own cleanup */
    c->sock = NULL;
    c->ssl = NULL;
    c->ssl_clean = 0;
    c->requests = 0;
}

static apr_status_t conn_new(st_backend *be, st_conn **out)
{
    apr_pool_t *cp;
    st_conn *c;
    apr_status_t rv = apr_pool_create(&cp, be->pool);
    if (rv != APR_SUCCESS)
        return rv;
    apr_pool_tag(cp, "st_core_conn");
    c = apr_pcalloc(cp, sizeof(*c));
    c->be = be;
    c->pool = cp;
    rv = apr_pool_create(&c->spool, cp);
    if (rv != APR_SUCCESS) {
        apr_pool_destroy(cp);
        return rv;
    }
    apr_pool_tag(c->spool, "st_core_sock");
    *out = c;
    return APR_SUCCESS;
}

static apr_status_t conn_ctor(void **res, void *params, apr_pool_t *pool)
{
    st_conn *c;
    apr_status_t rv = conn_new(params, &c);
    (void)pool;
    if (rv == APR_SUCCESS)
        *res = c;
    return rv;
}

static apr_status_t conn_dtor(void *res, void *params, apr_pool_t *pool)
{
    st_conn *c = res;
    (void)params;
    (void)pool;
    st_conn_close(c);
    apr_pool_destroy(c->pool);
    return APR_SUCCESS;
}

apr_status_t st_conn_acquire(st_backend *be, st_conn **out)
{
    if (st_single_conn) {
        st_conn *c;
        apr_thread_mutex_lock(be->mutex);
        c = be->single;
        be->single = NULL;
        apr_thread_mutex_unlock(be->mutex);
        if (c) {
            *out = c;
            return APR_SUCCESS;
        }
        return conn_new(be, out);
    }
    return apr_reslist_acquire(be->rl, (void **)out);
}

void st_conn_release(st_conn *c, int keep)
{
    st_backend *be = c->be;
    if (!keep)
        st_conn_close(c);
    else
        c->last_used = apr_time_now();
    if (st_single_conn) {
        apr_thread_mutex_lock(be->mutex);
        if (!be->single) {
            be->single = c;
            c = NULL;
        }
        apr_thread_mutex_unlock(be->mutex);
        if (c) {
            st_conn_close(c);
            apr_pool_destroy(c->pool);
        }
        return;
    }
    apr_reslist_release(be->rl, c);
}

/* ------------------------------------------------------------------------------------------
 * socket and TLS I/O with deadlines
 */

static apr_interval_time_t left_until(apr_time_t deadline)
{
    apr_interval_time_t left = deadline - apr_time_now();
    return left > 0 ? left : 0;
}

static apr_status_t wait_io(st_conn *c, int for_write, apr_time_t deadline)
{
    apr_pollfd_t pfd;
    apr_int32_t n;
    apr_status_t rv;

    memset(&pfd, 0, sizeof(pfd));
    pfd.p = c->spool;
    pfd.desc_type = APR_POLL_SOCKET;
    pfd.desc.s = c->sock;
    pfd.reqevents = for_write ? APR_POLLOUT : APR_POLLIN;
    do {
        apr_interval_time_t left = left_until(deadline);
        if (left == 0)
            return APR_TIMEUP;
        rv = apr_poll(&pfd, 1, &n, left);
    } while (APR_STATUS_IS_EINTR(rv));
    if (rv == APR_SUCCESS && n == 0)
        return APR_TIMEUP;
    return rv;
}

typedef enum { TLS_CONNECT, TLS_READ, TLS_WRITE } tls_op;

/* Runs one OpenSSL operation to completion on the non-blocking socket. */
static apr_status_t tls_do(st_conn *c, tls_op op, void *buf, apr_size_t len, apr_size_t *done,
                           apr_time_t deadline)
{
    for (;;) {
        size_t n = 0;
        int r, e, saved_errno;
        apr_status_t rv;

        ERR_clear_error();
        errno = 0;
        if (op == TLS_CONNECT)
            r = SSL_connect(c->ssl);
        else if (op == TLS_READ)
            r = SSL_read_ex(c->ssl, buf, len, &n);
        else
            r = SSL_write_ex(c->ssl, buf, len, &n);
        saved_errno = errno;
        if (r == 1) {
            if (done)
                *done = n;
            return APR_SUCCESS;
        }
        e = SSL_get_error(c->ssl, r);
        switch (e) {
        case SSL_ERROR_WANT_READ:
        case SSL_ERROR_WANT_WRITE:
            rv = wait_io(c, e == SSL_ERROR_WANT_WRITE, deadline);
            if (rv != APR_SUCCESS)
                return rv;
            continue;
        case SSL_ERROR_ZERO_RETURN:
            return APR_EOF;                  /* close_notify */
        case SSL_ERROR_SYSCALL:
            c->ssl_clean = 0;
            return saved_errno ? APR_FROM_OS_ERROR(saved_errno) : APR_ECONNRESET;
        default:
            c->ssl_clean = 0;
            if (ERR_GET_REASON(ERR_peek_last_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
                return APR_ECONNRESET;       /* EOF without close_notify: not a clean end */
            return APR_EGENERAL;
        }
    }
}

apr_status_t st_conn_send(st_conn *c, const char *buf, apr_size_t len, apr_time_t deadline)
{
    while (len > 0) {
        apr_size_t n = len;
        apr_status_t rv;
        apr_interval_time_t left = left_until(deadline);
        if (left == 0)
            return APR_TIMEUP;
        if (c->ssl) {
            rv = tls_do(c, TLS_WRITE, (void *)buf, len, &n, deadline);
        }
        else {
            apr_socket_timeout_set(c->sock, left);
            rv = apr_socket_send(c->sock, buf, &n);
        }
        if (rv != APR_SUCCESS)
            return rv;
        buf += n;
        len -= n;
    }
    return APR_SUCCESS;
}

apr_status_t st_conn_recv(st_conn *c, char *buf, apr_size_t *len, apr_time_t deadline)
{
    apr_interval_time_t left = left_until(deadline);
    if (left == 0) {
        *len = 0;
        return APR_TIMEUP;
    }
    if (c->ssl) {
        apr_size_t want = *len;
        *len = 0;
        return tls_do(c, TLS_READ, buf, want, len, deadline);
    }
    apr_socket_timeout_set(c->sock, left);
    return apr_socket_recv(c->sock, buf, len);
}

/* A pooled socket is reusable only when nothing is readable on it: readable means the core
 * closed it (EOF), reset it, or sent bytes nobody asked for. */
static const char *conn_stale(st_conn *c)
{
    apr_pollfd_t pfd;
    apr_int32_t n = 0;
    apr_status_t rv;

    if (c->ssl && SSL_pending(c->ssl) > 0)
        return "unread TLS data";
    memset(&pfd, 0, sizeof(pfd));
    pfd.p = c->spool;
    pfd.desc_type = APR_POLL_SOCKET;
    pfd.desc.s = c->sock;
    pfd.reqevents = APR_POLLIN;
    do {
        rv = apr_poll(&pfd, 1, &n, 0);
    } while (APR_STATUS_IS_EINTR(rv));
    if (APR_STATUS_IS_TIMEUP(rv) || (rv == APR_SUCCESS && n == 0))
        return NULL;
    if (rv == APR_SUCCESS) {
        char b;
        apr_size_t l = 1;
        apr_sockaddr_t from;
        apr_socket_timeout_set(c->sock, 0);
        rv = apr_socket_recvfrom(&from, c->sock, MSG_PEEK, &b, &l);
        if (rv == APR_SUCCESS && l == 1)
            return "unexpected bytes from the core";
        if (rv == APR_EOF || (rv == APR_SUCCESS && l == 0))
            return "closed by the core";
        return "socket error";
    }
    return "poll failed";
}

const char *st_conn_unusable(st_conn *c)
{
    if (apr_time_now() - c->last_used > ST_CORE_IDLE_MAX)
        return "idle too long";
    return conn_stale(c);
}

/* ------------------------------------------------------------------------------------------
 * connect and the TLS handshake
 */

static int is_ip_literal(const char *host)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

static const char *tls_error_text(apr_pool_t *p, SSL *ssl, const char *what)
{
    long v = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;
    unsigned long e = ERR_peek_last_error();
    const char *msg;

    if (v != X509_V_OK) {
        msg = apr_psprintf(p, "%s: certificate verification failed: %s", what,
                           X509_verify_cert_error_string(v));
    }
    else if (e) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof(buf));
        msg = apr_psprintf(p, "%s: %s", what, buf);
    }
    else {
        msg = what;
    }
    ERR_clear_error();
    return msg;
}

static apr_status_t tls_start(st_conn *c, apr_pool_t *p, apr_interval_time_t connect_timeout,
                              const char **err)
{
    st_backend *be = c->be;
    apr_os_sock_t fd;
    apr_status_t rv;
    X509_VERIFY_PARAM *vp;

    ERR_clear_error();
    if (apr_os_sock_get(&fd, c->sock) != APR_SUCCESS || !(c->ssl = SSL_new(be->ssl_ctx))) {
        *err = tls_error_text(p, NULL, "TLS setup failed");
        return APR_EGENERAL;
    }
    apr_pool_cleanup_register(c->spool, c, ssl_cleanup, apr_pool_cleanup_null);
    vp = SSL_get0_param(c->ssl);
    if (!SSL_set_fd(c->ssl, fd)
        || (!be->host_is_ip && !SSL_set_tlsext_host_name(c->ssl, be->host))
        || (be->host_is_ip ? !X509_VERIFY_PARAM_set1_ip_asc(vp, be->host)
                           : !SSL_set1_host(c->ssl, be->host))) {
        *err = tls_error_text(p, NULL, "TLS setup failed");
        return APR_EGENERAL;
    }
    X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    SSL_set_verify(c->ssl, SSL_VERIFY_PEER, NULL);
    rv = tls_do(c, TLS_CONNECT, NULL, 0, NULL, apr_time_now() + connect_timeout);
    if (rv != APR_SUCCESS) {
        if (APR_STATUS_IS_TIMEUP(rv))
            *err = "TLS handshake timed out";
        else
            *err = tls_error_text(p, c->ssl, "TLS handshake failed");
        return rv;
    }
    c->ssl_clean = 1;
    return APR_SUCCESS;
}

#define ST_PROXY_MAX_REPLY 8192

/* "HTTP/1.x 2xx ..." as the proxy's answer to CONNECT. */
static int proxy_status_ok(const char *reply)
{
    return strncmp(reply, "HTTP/1.", 7) == 0 && reply[7] && reply[8] == ' ' && reply[9] == '2';
}

/* CONNECT be->tunnel_target through the proxy c is connected to, within timeout. The proxy
 * sends nothing after its header section until the TLS handshake starts from our side, so
 * reading up to the blank line cannot swallow tunnel bytes. */
static apr_status_t proxy_tunnel(st_conn *c, apr_pool_t *p, apr_interval_time_t timeout, const char **err)
{
    st_backend *be = c->be;
    apr_time_t deadline = apr_time_now() + timeout;
    const char *req = apr_psprintf(p, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", be->tunnel_target,
                                   be->tunnel_target);
    char *buf = apr_palloc(p, ST_PROXY_MAX_REPLY + 1);
    apr_size_t got = 0;
    apr_status_t rv = st_conn_send(c, req, strlen(req), deadline);

    while (rv == APR_SUCCESS) {
        apr_size_t n = ST_PROXY_MAX_REPLY - got;
        if (n == 0) {
            *err = "the proxy's answer to CONNECT is too long";
            return APR_EGENERAL;
        }
        rv = st_conn_recv(c, buf + got, &n, deadline);
        got += n;
        buf[got] = '\0';
        if (strstr(buf, "\r\n\r\n")) {
            if (proxy_status_ok(buf))
                return APR_SUCCESS;
            buf[strcspn(buf, "\r\n")] = '\0';
            *err = apr_psprintf(p, "the proxy refused CONNECT %s: %.100s", be->tunnel_target, buf);
            return APR_EGENERAL;
        }
        if (rv == APR_EOF || (rv == APR_SUCCESS && n == 0))
            rv = APR_ECONNRESET;
    }
    *err = APR_STATUS_IS_TIMEUP(rv) ? "the proxy did not answer CONNECT in time"
                                    : "the proxy closed the connection during CONNECT";
    return rv;
}

apr_status_t st_conn_connect(st_conn *c, apr_pool_t *p, apr_interval_time_t connect_timeout,
                             apr_interval_time_t io_timeout, const char **err)
{
    st_backend *be = c->be;
    apr_sockaddr_t *sa, *addr;
    apr_socket_t *sock = NULL;
    apr_status_t rv;
    const char *host = be->proxy_host ? be->proxy_host : be->host;

    rv = apr_sockaddr_info_get(&sa, host, APR_UNSPEC, be->proxy_host ? be->proxy_port : be->port, 0,
                               c->spool);
    if (rv != APR_SUCCESS) {
        *err = apr_psprintf(p, "cannot resolve %s", host);
        apr_pool_clear(c->spool);
        return rv;
    }
    for (addr = sa; addr; addr = addr->next) {
        rv = apr_socket_create(&sock, addr->family, SOCK_STREAM, APR_PROTO_TCP, c->spool);
        if (rv != APR_SUCCESS) {
            sock = NULL;
            continue;
        }
        apr_socket_opt_set(sock, APR_TCP_NODELAY, 1);
        apr_socket_timeout_set(sock, connect_timeout);
        rv = apr_socket_connect(sock, addr);
        if (rv == APR_SUCCESS)
            break;
        apr_socket_close(sock);
        sock = NULL;
    }
    if (!sock) {
        char ebuf[120];
        *err = apr_psprintf(p, "connect%s failed: %s", be->proxy_host ? " to the proxy" : "",
                            APR_STATUS_IS_TIMEUP(rv) ? "timed out"
                                                     : apr_strerror(rv, ebuf, sizeof(ebuf)));
        apr_pool_clear(c->spool);
        return rv != APR_SUCCESS ? rv : APR_ECONNREFUSED;
    }
    apr_socket_timeout_set(sock, io_timeout);
    c->sock = sock;
    c->requests = 0;
    if (be->proxy_host && be->is_tls && (rv = proxy_tunnel(c, p, connect_timeout, err)) != APR_SUCCESS) {
        st_conn_close(c);
        return rv;
    }
    if (be->is_tls && (rv = tls_start(c, p, connect_timeout, err)) != APR_SUCCESS) {
        st_conn_close(c);
        return rv;
    }
    return APR_SUCCESS;
}

/* ------------------------------------------------------------------------------------------
 * the backends, built in child_init
 */

static apr_status_t ssl_ctx_cleanup(void *data)
{
    SSL_CTX_free(data);
    return APR_SUCCESS;
}

static apr_status_t backends_reset(void *data)
{
    (void)data;
    st_backends = NULL;
    st_backend_list = NULL;
    return APR_SUCCESS;
}

/* The same key for child_init and for every call: one backend per URL and CA file. */
static const char *backend_key(apr_pool_t *p, const st_server_conf *sc, const st_core_url *u)
{
    return apr_pstrcat(p, u->url, "\n", u->is_tls && sc->core_ca_file ? sc->core_ca_file : "",
                       NULL);
}

st_backend *st_backend_of(apr_pool_t *p, const st_server_conf *sc, const st_core_url *u)
{
    return apr_hash_get(st_backends, backend_key(p, sc, u), APR_HASH_KEY_STRING);
}

const apr_array_header_t *st_backend_all(void)
{
    return st_backend_list;
}

/* A pool with its own allocator, guarded by a mutex: records are created by threads. */
static apr_pool_t *backend_pool_create(apr_pool_t *pchild)
{
    apr_allocator_t *alloc;
    apr_thread_mutex_t *amutex;
    apr_pool_t *bp;

    if (apr_allocator_create(&alloc) != APR_SUCCESS)
        return NULL;
    if (apr_pool_create_ex(&bp, pchild, NULL, alloc) != APR_SUCCESS) {
        apr_allocator_destroy(alloc);
        return NULL;
    }
    apr_allocator_owner_set(alloc, bp);
    apr_pool_tag(bp, "st_core_backend");
    if (apr_thread_mutex_create(&amutex, APR_THREAD_MUTEX_DEFAULT, bp) == APR_SUCCESS)
        apr_allocator_mutex_set(alloc, amutex);
    return bp;
}

/* The URL's parts, its Host header and its name for logs. */
static void backend_address_set(st_backend *be, const st_core_url *u)
{
    apr_pool_t *bp = be->pool;
    int v6 = strchr(u->host, ':') != NULL;
    int default_port = u->port == (u->is_tls ? 443 : 80);

    be->url = apr_pstrdup(bp, u->url);
    be->host = apr_pstrdup(bp, u->host);
    be->port = u->port;
    be->base_path = apr_pstrdup(bp, u->base_path ? u->base_path : "");
    be->is_tls = u->is_tls;
    be->host_is_ip = is_ip_literal(u->host);
    be->host_header = apr_psprintf(bp, "%s%s%s%s%s", v6 ? "[" : "", u->host, v6 ? "]" : "",
                                   default_port ? "" : ":",
                                   default_port ? "" : apr_itoa(bp, u->port));
    be->name = apr_psprintf(bp, "%s://%s%s%s:%u%s", u->is_tls ? "https" : "http", v6 ? "[" : "",
                            u->host, v6 ? "]" : "", (unsigned)u->port, be->base_path);
}

/* The SSL_CTX of an https backend; a failure leaves be->init_error for every call to report. */
static void backend_tls_setup(st_backend *be, server_rec *s, const char *ca_file)
{
    apr_pool_t *bp = be->pool;
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    const char *err = NULL;

    if (!ctx) {
        err = "cannot create a TLS context";
    }
    else {
        apr_pool_cleanup_register(bp, ctx, ssl_ctx_cleanup, apr_pool_cleanup_null);
        SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
        SSL_CTX_set_mode(ctx, SSL_MODE_AUTO_RETRY);
        if (ca_file) {
            if (SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1)
                err = apr_psprintf(bp, "cannot load the CA file %s", ca_file);
        }
        else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
            err = "cannot load the system CA store";
        }
        be->ssl_ctx = ctx;
    }
    if (err) {
        be->init_error = tls_error_text(bp, NULL, err);
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, APLOGNO(10101)
                     "core %s: %s", be->name, be->init_error);
    }
}

static apr_status_t backend_reslist_create(st_backend *be)
{
    apr_status_t rv = apr_reslist_create(&be->rl, 0, st_pool_max, st_pool_max, ST_CORE_IDLE_MAX,
                                         conn_ctor, conn_dtor, be, be->pool);
    if (rv != APR_SUCCESS)
        return rv;
    apr_reslist_timeout_set(be->rl, ST_CORE_ACQUIRE_WAIT);
    /* destroy connections before the subpools they live in */
    apr_reslist_cleanup_order_set(be->rl, APR_RESLIST_CLEANUP_FIRST);
    return APR_SUCCESS;
}

st_backend *st_backend_create(apr_pool_t *pchild, server_rec *s, const st_core_url *u,
                              const char *key, const char *ca_file)
{
    apr_pool_t *bp = backend_pool_create(pchild);
    st_backend *be;
    apr_status_t rv;

    if (!bp)
        return NULL;
    be = apr_pcalloc(bp, sizeof(*be));
    be->pool = bp;
    be->key = apr_pstrdup(bp, key);
    backend_address_set(be, u);
    apr_thread_mutex_create(&be->mutex, APR_THREAD_MUTEX_DEFAULT, bp);
    apr_thread_mutex_create(&be->cdi_mutex, APR_THREAD_MUTEX_DEFAULT, bp);
    if (u->is_tls)
        backend_tls_setup(be, s, ca_file);
    if (!st_single_conn && (rv = backend_reslist_create(be)) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, APLOGNO(10102)
                     "core %s: cannot create the connection pool", be->name);
        apr_pool_destroy(bp);
        return NULL;
    }
    return be;
}

apr_status_t st_core_child_init(apr_pool_t *pchild, server_rec *s)
{
    server_rec *sv;
    int threads = 1, nbe = 0;

    if (ap_mpm_query(AP_MPMQ_MAX_THREADS, &threads) != APR_SUCCESS || threads < 1)
        threads = 1;
    st_single_conn = threads <= 1;
    /* one record per worker thread, with room for mod_http2's workers (as mod_proxy sizes
     * hmax); records are cheap, sockets are opened only when used */
    st_pool_max = threads * 2;

    st_backends = apr_hash_make(pchild);
    st_backend_list = apr_array_make(pchild, 4, sizeof(st_backend *));
    apr_pool_cleanup_register(pchild, NULL, backends_reset, apr_pool_cleanup_null);

    for (sv = s; sv; sv = sv->next) {
        const st_server_conf *sc = st_server_conf_get(sv);
        int i;
        if (!sc || !sc->core_urls)
            continue;
        for (i = 0; i < sc->core_urls->nelts; i++) {
            const st_core_url *u = &APR_ARRAY_IDX(sc->core_urls, i, st_core_url);
            const char *key = backend_key(pchild, sc, u);
            st_backend *be;
            if (apr_hash_get(st_backends, key, APR_HASH_KEY_STRING))
                continue;
            be = st_backend_create(pchild, s, u, key, u->is_tls ? sc->core_ca_file : NULL);
            if (be) {
                apr_hash_set(st_backends, be->key, APR_HASH_KEY_STRING, be);
                APR_ARRAY_PUSH(st_backend_list, st_backend *) = be;
                nbe++;
            }
        }
    }
    ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, APLOGNO(10100)
                 "core client: %d core URL pool(s), %s", nbe,
                 st_single_conn ? "one cached connection each"
                                : apr_psprintf(pchild, "up to %d connections each", st_pool_max));
    return APR_SUCCESS;
}

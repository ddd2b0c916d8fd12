/*
 * core.c: the SuperTokens core client (see core.h for the contract).
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
#include <errno.h>
#include <arpa/inet.h>

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "ap_mpm.h"

#include "apr_strings.h"
#include "apr_lib.h"
#include "apr_hash.h"
#include "apr_atomic.h"
#include "apr_poll.h"
#include "apr_portable.h"
#include "apr_reslist.h"
#include "apr_network_io.h"
#include "apr_thread_mutex.h"

#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "config/config.h"
#include "token/json_util.h"
#include "core/http_parse.h"
#include "core/core.h"

APLOG_USE_MODULE(supertokens);

/* Tunables. */
#define ST_CORE_RETRY_WINDOW   apr_time_from_sec(10) /* skip a URL this long after a connect failure */
#define ST_CORE_IDLE_MAX       apr_time_from_sec(4)  /* drop pooled sockets idle longer: below any
                                                       * plausible server keep-alive timeout (5 s
                                                       * in Node), so the core never closes a
                                                       * socket just as we reuse it */
#define ST_CORE_ACQUIRE_WAIT   apr_time_from_sec(5)  /* wait for a free pooled record */
#define ST_CORE_CDI_RETRY      apr_time_from_sec(30) /* re-ask /apiversion after an incompatibility */
#define ST_CORE_DEF_CONNECT    apr_time_from_sec(5)
#define ST_CORE_DEF_IO         apr_time_from_sec(10)
#define ST_CORE_READ_BUF       8192

/* CDI versions this module speaks, any order. */
static const char *const st_cdi_supported[] = { ST_CDI_VERSION };
#define ST_CDI_NSUPPORTED (sizeof(st_cdi_supported) / sizeof(st_cdi_supported[0]))

typedef struct st_backend st_backend;

typedef struct st_conn {
    st_backend *be;
    apr_pool_t *pool;        /* the record; lives until the reslist destroys it */
    apr_pool_t *spool;       /* socket, SSL, addresses: cleared when the socket is dropped */
    apr_socket_t *sock;
    SSL *ssl;
    int ssl_clean;           /* no fatal TLS error: close_notify may be sent */
    apr_time_t last_used;
    apr_uint32_t requests;   /* replies read on the current socket */
} st_conn;

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

    apr_pool_t *pool;        /* own allocator guarded by a mutex: records are created by threads */
    apr_thread_mutex_t *mutex;    /* the single cached record */
    apr_reslist_t *rl;            /* threaded MPMs */
    st_conn *single;              /* non-threaded MPMs */

    volatile apr_uint64_t error_time;   /* last connect failure, 0 = none */

    SSL_CTX *ssl_ctx;
    const char *init_error;       /* the backend cannot be used (TLS setup failed) */

    apr_thread_mutex_t *cdi_mutex;
    volatile apr_uint32_t cdi_state;    /* 0 unknown, else 1 + index in st_cdi_supported */
    apr_time_t cdi_error_time;          /* under cdi_mutex */
    char cdi_error[512];                /* under cdi_mutex */
};

/* Process-wide state, written in child_init only. */
static apr_hash_t *st_backends;              /* key "url\nCA file" -> st_backend */
static apr_array_header_t *st_backend_list;  /* the same, as a list */
static int st_single_conn;
static int st_pool_max = 1;
static volatile apr_uint32_t st_rr;

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
    AT_FINAL         /* a configuration/protocol error: stop (err set) */
} st_attempt;

typedef struct {
    int reused;              /* the socket had carried an earlier request */
    int unavailable;         /* with AT_FINAL: the caller should answer 503, not 500 */
    const char *err;
    st_http_parser *hp;
} st_xinfo;

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

static void conn_close(st_conn *c)
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
    conn_close(c);
    apr_pool_destroy(c->pool);
    return APR_SUCCESS;
}

static apr_status_t conn_acquire(st_backend *be, st_conn **out)
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

static void conn_release(st_conn *c, int keep)
{
    st_backend *be = c->be;
    if (!keep)
        conn_close(c);
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
            conn_close(c);
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

static apr_status_t conn_send(st_conn *c, const char *buf, apr_size_t len, apr_time_t deadline)
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

static apr_status_t conn_recv(st_conn *c, char *buf, apr_size_t *len, apr_time_t deadline)
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

static apr_status_t tls_start(st_conn *c, const st_call *cc, const char **err)
{
    st_backend *be = c->be;
    apr_os_sock_t fd;
    apr_status_t rv;
    X509_VERIFY_PARAM *vp;

    ERR_clear_error();
    if (apr_os_sock_get(&fd, c->sock) != APR_SUCCESS || !(c->ssl = SSL_new(be->ssl_ctx))) {
        *err = tls_error_text(cc->p, NULL, "TLS setup failed");
        return APR_EGENERAL;
    }
    apr_pool_cleanup_register(c->spool, c, ssl_cleanup, apr_pool_cleanup_null);
    vp = SSL_get0_param(c->ssl);
    if (!SSL_set_fd(c->ssl, fd)
        || (!be->host_is_ip && !SSL_set_tlsext_host_name(c->ssl, be->host))
        || (be->host_is_ip ? !X509_VERIFY_PARAM_set1_ip_asc(vp, be->host)
                           : !SSL_set1_host(c->ssl, be->host))) {
        *err = tls_error_text(cc->p, NULL, "TLS setup failed");
        return APR_EGENERAL;
    }
    X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    SSL_set_verify(c->ssl, SSL_VERIFY_PEER, NULL);
    rv = tls_do(c, TLS_CONNECT, NULL, 0, NULL, apr_time_now() + cc->connect_timeout);
    if (rv != APR_SUCCESS) {
        if (APR_STATUS_IS_TIMEUP(rv))
            *err = "TLS handshake timed out";
        else
            *err = tls_error_text(cc->p, c->ssl, "TLS handshake failed");
        return rv;
    }
    c->ssl_clean = 1;
    return APR_SUCCESS;
}

static apr_status_t conn_connect(st_conn *c, const st_call *cc, const char **err)
{
    st_backend *be = c->be;
    apr_sockaddr_t *sa, *addr;
    apr_socket_t *sock = NULL;
    apr_status_t rv;

    rv = apr_sockaddr_info_get(&sa, be->host, APR_UNSPEC, be->port, 0, c->spool);
    if (rv != APR_SUCCESS) {
        *err = apr_psprintf(cc->p, "cannot resolve %s", be->host);
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
        apr_socket_timeout_set(sock, cc->connect_timeout);
        rv = apr_socket_connect(sock, addr);
        if (rv == APR_SUCCESS)
            break;
        apr_socket_close(sock);
        sock = NULL;
    }
    if (!sock) {
        char ebuf[120];
        *err = apr_psprintf(cc->p, "connect failed: %s",
                            APR_STATUS_IS_TIMEUP(rv) ? "timed out"
                                                     : apr_strerror(rv, ebuf, sizeof(ebuf)));
        apr_pool_clear(c->spool);
        return rv != APR_SUCCESS ? rv : APR_ECONNREFUSED;
    }
    apr_socket_timeout_set(sock, cc->io_timeout);
    c->sock = sock;
    c->requests = 0;
    if (be->is_tls && (rv = tls_start(c, cc, err)) != APR_SUCCESS) {
        conn_close(c);
        return rv;
    }
    return APR_SUCCESS;
}

/* ------------------------------------------------------------------------------------------
 * one request/response exchange on one backend
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

static st_attempt exchange(const st_call *cc, st_backend *be, const char *req, apr_size_t req_len,
                           int fresh, st_xinfo *xi)
{
    st_conn *c;
    apr_status_t rv;
    apr_time_t deadline;
    st_http_parser *hp;
    const st_http_response *resp;
    int extra = 0;
    char ebuf[120];

    xi->reused = 0;
    xi->hp = NULL;
    rv = conn_acquire(be, &c);
    if (rv != APR_SUCCESS) {
        xi->err = "no free connection to the core (pool exhausted)";
        return AT_BUSY;
    }

    if (c->sock) {
        const char *why = NULL;
        if (fresh)
            why = "retrying on a fresh connection";
        else if (apr_time_now() - c->last_used > ST_CORE_IDLE_MAX)
            why = "idle too long";
        else
            why = conn_stale(c);
        if (why) {
            ap_log_error(APLOG_MARK, APLOG_TRACE1, 0, cc->s, APLOGNO(10106)
                         "core %s: dropping pooled connection (%s)", be->name, why);
            conn_close(c);
        }
        else {
            xi->reused = 1;
        }
    }
    if (!c->sock) {
        if ((rv = conn_connect(c, cc, &xi->err)) != APR_SUCCESS) {
            conn_release(c, 0);
            return AT_CONNECT;
        }
    }

    deadline = apr_time_now() + cc->io_timeout;
    rv = conn_send(c, req, req_len, deadline);
    if (rv != APR_SUCCESS) {
        conn_release(c, 0);
        if (APR_STATUS_IS_TIMEUP(rv)) {
            xi->err = "timed out sending the request";
            return AT_TIMEOUT;
        }
        xi->err = apr_psprintf(cc->p, "sending the request failed: %s",
                               apr_strerror(rv, ebuf, sizeof(ebuf)));
        if (xi->reused && (APR_STATUS_IS_EPIPE(rv) || APR_STATUS_IS_ECONNRESET(rv)))
            return AT_SAFE_RETRY;
        return AT_IO;
    }

    hp = st_http_parser_create(cc->p, ST_CORE_MAX_BODY, 0);
    for (;;) {
        char buf[ST_CORE_READ_BUF];
        apr_size_t n = sizeof(buf), used = 0;
        st_http_rc prc = ST_HTTP_MORE;

        rv = conn_recv(c, buf, &n, deadline);
        if (n > 0) {
            prc = st_http_parser_feed(hp, buf, n, &used);
            if (prc == ST_HTTP_DONE) {
                extra = used < n;
                break;
            }
        }
        if (prc == ST_HTTP_MORE && rv == APR_EOF)
            prc = st_http_parser_eof(hp);
        if (prc == ST_HTTP_DONE)
            break;
        if (prc == ST_HTTP_ERROR) {
            st_http_err code = st_http_parser_error_code(hp);
            conn_release(c, 0);
            if (code == ST_HTTP_ERR_BODY_TOO_LARGE) {
                xi->err = "the core's reply is larger than the limit";
                return AT_TOO_LARGE;
            }
            if (code == ST_HTTP_ERR_TRUNCATED) {
                xi->err = st_http_parser_bytes_seen(hp)
                    ? "the core closed the connection in the middle of its reply"
                    : "the core closed the connection without replying";
                return AT_IO;
            }
            xi->err = apr_pstrcat(cc->p, "invalid reply from the core: ",
                                  st_http_parser_error(hp), NULL);
            return AT_GARBAGE;
        }
        if (rv != APR_SUCCESS) {
            conn_release(c, 0);
            if (APR_STATUS_IS_TIMEUP(rv)) {
                xi->err = "timed out waiting for the core's reply";
                return AT_TIMEOUT;
            }
            xi->err = apr_psprintf(cc->p, "reading the reply failed: %s",
                                   apr_strerror(rv, ebuf, sizeof(ebuf)));
            return AT_IO;
        }
    }

    resp = st_http_parser_response(hp);
    c->requests++;
    conn_release(c, resp->keep_alive && !extra);
    xi->hp = hp;
    return AT_REPLY;
}

/* ------------------------------------------------------------------------------------------
 * CDI negotiation (once per process and core URL)
 */

static const char *cdi_of(st_backend *be)
{
    apr_uint32_t st = apr_atomic_read32(&be->cdi_state);
    return st ? st_cdi_supported[st - 1] : NULL;
}

static st_attempt negotiate(const st_call *cc, st_backend *be, int fresh, st_xinfo *xi)
{
    const st_server_conf *sc = cc->sc;
    const char *path = "/apiversion", *sep = "?", *pick;
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

    if (sc->api_domain) {
        path = apr_pstrcat(cc->p, path, sep, "apiDomain=", form_encode(cc->p, sc->api_domain), NULL);
        sep = "&";
    }
    if (sc->website_domain)
        path = apr_pstrcat(cc->p, path, sep, "websiteDomain=",
                           form_encode(cc->p, sc->website_domain), NULL);
    req = build_request(cc, be, "GET", path, 0, NULL, &len);
    at = exchange(cc, be, req, len, fresh, xi);
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
        char *list = st_json_dump(cc->p, json_object_get(j, "versions"));
        apr_snprintf(be->cdi_error, sizeof(be->cdi_error),
                     "The running SuperTokens core version is not compatible with this module: "
                     "the core at %s supports CDI versions %.300s, the module supports %s",
                     be->name, list ? list : "[]", ST_CDI_VERSION);
        be->cdi_error_time = apr_time_now();
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
    return exchange(cc, be, req, len, fresh, xi);
}

/* ------------------------------------------------------------------------------------------
 * the public call
 */

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

apr_status_t st_core_call(apr_pool_t *p, server_rec *s, const char *method, const char *path,
                          const char *rid, const json_t *body, st_core_reply *out)
{
    st_call cc;
    const st_server_conf *sc;
    st_backend **order;
    apr_time_t start = apr_time_now();
    int n, i, k, pos, safe_retry_used = 0, get_retry_used = 0, fresh = 0;
    apr_uint32_t first;
    st_http_parser *overloaded = NULL;
    const char *last_err = NULL;
    apr_status_t rv;

    memset(out, 0, sizeof(*out));
    memset(&cc, 0, sizeof(cc));
    cc.p = p;
    cc.s = s;

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
    if (!st_backends) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, APLOGNO(10117)
                     "the SuperTokens core client was not initialised (child_init)");
        return call_fail(out, "core client not initialised", 0, APR_EINIT);
    }
    cc.sc = sc;
    cc.method = method;
    cc.path = path;
    cc.rid = rid;
    cc.idempotent = strcmp(method, "GET") == 0;
    cc.log_path = st_core_log_path(p, path);
    cc.connect_timeout = st_cfg_core_connect_timeout(sc);
    cc.io_timeout = st_cfg_core_io_timeout(sc);
    if (cc.connect_timeout <= 0)
        cc.connect_timeout = ST_CORE_DEF_CONNECT;
    if (cc.io_timeout <= 0)
        cc.io_timeout = ST_CORE_DEF_IO;
    if (!cc.idempotent) {
        if (body) {
            cc.body = st_json_dump(p, body);
            if (!cc.body)
                return call_fail(out, "invalid core request body", 0, APR_EINVAL);
        }
        else {
            cc.body = strcmp(method, "DELETE") ? "{}" : "";
        }
        cc.body_len = strlen(cc.body);
    }

    /* candidate order: round robin start, URLs outside their failure window first */
    n = sc->core_urls->nelts;
    order = apr_palloc(p, sizeof(*order) * (apr_size_t)n);
    first = apr_atomic_inc32(&st_rr);
    for (k = 0, pos = 0; k < 2; k++) {
        for (i = 0; i < n; i++) {
            const st_core_url *u = &APR_ARRAY_IDX(sc->core_urls, ((apr_uint32_t)i + first) % (apr_uint32_t)n,
                                                   st_core_url);
            const char *key = apr_pstrcat(p, u->url, "\n",
                                          u->is_tls && sc->core_ca_file ? sc->core_ca_file : "", NULL);
            st_backend *be = apr_hash_get(st_backends, key, APR_HASH_KEY_STRING);
            if (!be) {
                if (k == 0)
                    ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, APLOGNO(10119)
                                 "core URL %s has no connection pool", u->url);
                continue;
            }
            if (in_window(be, start) == k)
                order[pos++] = be;
        }
    }
    n = pos;

    for (pos = 0; pos < n;) {
        st_backend *be = order[pos];
        st_xinfo xi = { 0, 0, NULL, NULL };
        st_attempt at = attempt(&cc, be, fresh, &xi);
        apr_time_t ms;
        fresh = 0;

        switch (at) {
        case AT_REPLY: {
            const st_http_response *r = st_http_parser_response(xi.hp);
            ms = apr_time_as_msec(apr_time_now() - start);
            if (r->status == 429 || r->status == 503) {
                ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, APLOGNO(10107)
                             "core %s answered %d to %s %s%s", be->name, r->status, method,
                             cc.log_path, pos + 1 < n ? "; trying the next core" : "");
                overloaded = xi.hp;
                pos++;
                continue;
            }
            if (apr_atomic_read64(&be->error_time))
                apr_atomic_set64(&be->error_time, 0);
            ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, APLOGNO(10104)
                         "core %s %s -> %d (%" APR_TIME_T_FMT " ms, %s, %s connection)",
                         method, cc.log_path, r->status, ms, be->name,
                         xi.reused ? "reused" : "new");
            rv = use_reply(&cc, xi.hp, out);
            if (rv != APR_SUCCESS)
                ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, APLOGNO(10110)
                             "core %s %s at %s: %s (HTTP %d)", method, cc.log_path, be->name,
                             out->error, r->status);
            else if (r->status < 200 || r->status >= 300)
                /* as supertokens-node reports it (protocol.md §3.2), with the core's message
                 * ("Invalid API key", ...): callers only see the status */
                ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, APLOGNO(10120)
                             "SuperTokens core %s threw an error for a %s request to path: '%s' "
                             "with status code: %d and message: %s", be->name, method,
                             cc.log_path, r->status, excerpt(p, r->body, r->body_len));
            return rv;
        }
        case AT_CONNECT:
            apr_atomic_set64(&be->error_time, (apr_uint64_t)apr_time_now());
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, APLOGNO(10105)
                         "core %s unreachable: %s%s", be->name, xi.err,
                         pos + 1 < n ? "; trying the next core" : "");
            last_err = xi.err;
            pos++;
            continue;
        case AT_BUSY:
            ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, APLOGNO(10103)
                         "core %s: %s", be->name, xi.err);
            last_err = xi.err;
            pos++;
            continue;
        case AT_SAFE_RETRY:
            if (!safe_retry_used) {
                safe_retry_used = 1;
                fresh = 1;
                ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, APLOGNO(10115)
                             "core %s %s at %s: %s; retrying on a fresh connection", method,
                             cc.log_path, be->name, xi.err);
                continue;
            }
            /* fall through */
        case AT_IO:
        case AT_GARBAGE:
            if (cc.idempotent && !get_retry_used) {
                get_retry_used = 1;
                fresh = 1;
                ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, APLOGNO(10115)
                             "core %s %s at %s: %s; retrying once", method, cc.log_path,
                             be->name, xi.err);
                if (pos + 1 < n)
                    pos++;
                continue;
            }
            /* fall through */
        case AT_TIMEOUT:
        case AT_TOO_LARGE:
            ms = apr_time_as_msec(apr_time_now() - start);
            ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, APLOGNO(10108)
                         "core %s %s at %s failed after %" APR_TIME_T_FMT " ms: %s", method,
                         cc.log_path, be->name, ms, xi.err);
            return call_fail(out, xi.err, 1,
                             at == AT_TIMEOUT ? APR_TIMEUP : APR_EGENERAL);
        case AT_FINAL:
            return call_fail(out, xi.err, xi.unavailable, APR_EGENERAL);
        }
    }

    if (overloaded) {
        const st_http_response *r = st_http_parser_response(overloaded);
        out->status = r->status;
        out->content_type = r->content_type;
        out->body = r->body;
        out->body_len = r->body_len;
        return call_fail(out, apr_psprintf(p, "the SuperTokens core answered %d", r->status),
                         1, APR_EAGAIN);
    }
    ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, APLOGNO(10111)
                 "no SuperTokens core available for %s %s%s%s", method, cc.log_path,
                 last_err ? ": " : "", last_err ? last_err : "");
    return call_fail(out, "No SuperTokens core available to query", 1, APR_ECONNREFUSED);
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
    int i, j;
    if (!st_backend_list || !sc || !sc->core_urls)
        return NULL;
    for (i = 0; i < sc->core_urls->nelts; i++) {
        const st_core_url *u = &APR_ARRAY_IDX(sc->core_urls, i, st_core_url);
        for (j = 0; j < st_backend_list->nelts; j++) {
            st_backend *be = APR_ARRAY_IDX(st_backend_list, j, st_backend *);
            const char *cdi;
            if (strcmp(be->url, u->url) == 0 && (cdi = cdi_of(be)))
                return cdi;
        }
    }
    return NULL;
}

/* ------------------------------------------------------------------------------------------
 * child_init
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

static st_backend *backend_create(apr_pool_t *pchild, server_rec *s, const st_core_url *u,
                                  const char *key, const char *ca_file)
{
    apr_allocator_t *alloc;
    apr_thread_mutex_t *amutex;
    apr_pool_t *bp;
    st_backend *be;
    apr_status_t rv;
    int default_port;
    int v6;

    if ((rv = apr_allocator_create(&alloc)) != APR_SUCCESS)
        return NULL;
    if ((rv = apr_pool_create_ex(&bp, pchild, NULL, alloc)) != APR_SUCCESS) {
        apr_allocator_destroy(alloc);
        return NULL;
    }
    apr_allocator_owner_set(alloc, bp);
    apr_pool_tag(bp, "st_core_backend");
    if (apr_thread_mutex_create(&amutex, APR_THREAD_MUTEX_DEFAULT, bp) == APR_SUCCESS)
        apr_allocator_mutex_set(alloc, amutex);

    be = apr_pcalloc(bp, sizeof(*be));
    be->pool = bp;
    be->key = apr_pstrdup(bp, key);
    be->url = apr_pstrdup(bp, u->url);
    be->host = apr_pstrdup(bp, u->host);
    be->port = u->port;
    be->base_path = apr_pstrdup(bp, u->base_path ? u->base_path : "");
    be->is_tls = u->is_tls;
    be->host_is_ip = is_ip_literal(u->host);
    v6 = strchr(u->host, ':') != NULL;
    default_port = u->port == (u->is_tls ? 443 : 80);
    be->host_header = apr_psprintf(bp, "%s%s%s%s%s", v6 ? "[" : "", u->host, v6 ? "]" : "",
                                   default_port ? "" : ":",
                                   default_port ? "" : apr_itoa(bp, u->port));
    be->name = apr_psprintf(bp, "%s://%s%s%s:%u%s", u->is_tls ? "https" : "http", v6 ? "[" : "",
                            u->host, v6 ? "]" : "", (unsigned)u->port, be->base_path);
    apr_thread_mutex_create(&be->mutex, APR_THREAD_MUTEX_DEFAULT, bp);
    apr_thread_mutex_create(&be->cdi_mutex, APR_THREAD_MUTEX_DEFAULT, bp);

    if (u->is_tls) {
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
                    err = apr_psprintf(bp, "cannot load SuperTokensCoreCA %s", ca_file);
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

    if (!st_single_conn) {
        rv = apr_reslist_create(&be->rl, 0, st_pool_max, st_pool_max, ST_CORE_IDLE_MAX,
                                conn_ctor, conn_dtor, be, bp);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, APLOGNO(10102)
                         "core %s: cannot create the connection pool", be->name);
            apr_pool_destroy(bp);
            return NULL;
        }
        apr_reslist_timeout_set(be->rl, ST_CORE_ACQUIRE_WAIT);
        /* destroy connections before the subpools they live in */
        apr_reslist_cleanup_order_set(be->rl, APR_RESLIST_CLEANUP_FIRST);
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
            const char *ca = u->is_tls ? sc->core_ca_file : NULL;
            const char *key = apr_pstrcat(pchild, u->url, "\n", ca ? ca : "", NULL);
            st_backend *be;
            if (apr_hash_get(st_backends, key, APR_HASH_KEY_STRING))
                continue;
            be = backend_create(pchild, s, u, key, ca);
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

/*
 * exchange.c: one request and its reply on one core URL (see exchange.h).
 */
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"

#include "apr_strings.h"
#include <string.h>

#include "core/core.h"
#include "core/conn.h"
#include "core/http_parse.h"
#include "core/exchange.h"

APLOG_USE_MODULE(supertokens);

#define ST_CORE_READ_BUF 8192

/* Drops c's pooled socket when a fresh one is asked for or it must not be reused; else the
 * exchange runs on it (xi->reused). */
static void drop_unusable_socket(const st_call *cc, st_conn *c, int fresh, st_xinfo *xi)
{
    const char *why;

    if (!c->sock)
        return;
    why = fresh ? "retrying on a fresh connection" : st_conn_unusable(c);
    if (!why) {
        xi->reused = 1;
        return;
    }
    ap_log_error(APLOG_MARK, APLOG_TRACE1, 0, cc->s, APLOGNO(10106)
                 "core %s: dropping pooled connection (%s)", c->be->name, why);
    st_conn_close(c);
}

/* What a failed send means: resending is safe only when a reused socket turned out to be
 * closed (EPIPE/ECONNRESET), as nothing of the request can have been processed. */
static st_attempt send_failure(const st_call *cc, apr_status_t rv, st_xinfo *xi)
{
    char ebuf[120];

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

static const char *peer_of(const st_call *cc)
{
    return cc->peer ? cc->peer : "the core";
}

static st_attempt parse_failure(const st_call *cc, st_http_parser *hp, st_xinfo *xi)
{
    st_http_err code = st_http_parser_error_code(hp);

    if (code == ST_HTTP_ERR_BODY_TOO_LARGE) {
        xi->err = apr_pstrcat(cc->p, peer_of(cc), "'s reply is larger than the limit", NULL);
        return AT_TOO_LARGE;
    }
    if (code == ST_HTTP_ERR_TRUNCATED) {
        xi->err = apr_pstrcat(cc->p, peer_of(cc), st_http_parser_bytes_seen(hp)
                              ? " closed the connection in the middle of its reply"
                              : " closed the connection without replying", NULL);
        return AT_IO;
    }
    xi->err = apr_pstrcat(cc->p, "invalid reply from ", peer_of(cc), ": ", st_http_parser_error(hp), NULL);
    return AT_GARBAGE;
}

static st_attempt recv_failure(const st_call *cc, apr_status_t rv, st_xinfo *xi)
{
    char ebuf[120];

    if (APR_STATUS_IS_TIMEUP(rv)) {
        xi->err = apr_pstrcat(cc->p, "timed out waiting for ", peer_of(cc), "'s reply", NULL);
        return AT_TIMEOUT;
    }
    xi->err = apr_psprintf(cc->p, "reading the reply failed: %s",
                           apr_strerror(rv, ebuf, sizeof(ebuf)));
    return AT_IO;
}

/* Feeds the parser until the reply is complete (AT_REPLY, xi->hp set) or the exchange fails.
 * *keep: the socket may carry the next request (keep-alive and no byte beyond the reply). */
static st_attempt read_reply(const st_call *cc, st_conn *c, apr_time_t deadline, st_xinfo *xi,
                             int *keep)
{
    st_http_parser *hp = st_http_parser_create(cc->p, cc->max_body ? cc->max_body : ST_CORE_MAX_BODY,
                                               strcmp(cc->method, "HEAD") == 0);
    int extra = 0;

    for (;;) {
        char buf[ST_CORE_READ_BUF];
        apr_size_t n = sizeof(buf), used = 0;
        st_http_rc prc = ST_HTTP_MORE;
        apr_status_t rv = st_conn_recv(c, buf, &n, deadline);

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
        if (prc == ST_HTTP_ERROR)
            return parse_failure(cc, hp, xi);
        if (rv != APR_SUCCESS)
            return recv_failure(cc, rv, xi);
    }
    *keep = st_http_parser_response(hp)->keep_alive && !extra;
    xi->hp = hp;
    return AT_REPLY;
}

/* One request and its reply on a record of be: a pooled socket when it is still good, else
 * a new one; the record goes back to the pool with its socket only after a clean reply. */
st_attempt st_exchange(const st_call *cc, st_backend *be, const char *req, apr_size_t req_len,
                       int fresh, st_xinfo *xi)
{
    st_conn *c;
    apr_status_t rv;
    apr_time_t deadline;
    st_attempt at;
    int keep = 0;

    xi->reused = 0;
    xi->hp = NULL;
    if (st_conn_acquire(be, &c) != APR_SUCCESS) {
        xi->err = apr_pstrcat(cc->p, "no free connection to ", peer_of(cc), " (pool exhausted)", NULL);
        return AT_BUSY;
    }
    drop_unusable_socket(cc, c, fresh, xi);
    if (!c->sock && st_conn_connect(c, cc->p, cc->connect_timeout, cc->io_timeout,
                                    &xi->err) != APR_SUCCESS) {
        st_conn_release(c, 0);
        return AT_CONNECT;
    }

    deadline = apr_time_now() + cc->io_timeout;
    rv = st_conn_send(c, req, req_len, deadline);
    if (rv != APR_SUCCESS) {
        st_conn_release(c, 0);
        return send_failure(cc, rv, xi);
    }
    at = read_reply(cc, c, deadline, xi, &keep);
    if (at == AT_REPLY)
        c->requests++;
    st_conn_release(c, keep);
    return at;
}

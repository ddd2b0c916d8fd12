/*
 * http_parse.c: incremental, strict HTTP/1.1 response parser (see http_parse.h for the rules).
 *
 * A small state machine. Line-oriented states (status line, fields, chunk-size lines,
 * trailers) assemble one line at a time in a fixed buffer; body states copy in bulk into a
 * malloc'ed buffer that grows by doubling up to the body cap (exactly sized when a
 * Content-Length is known) and is released by a cleanup on the parser's pool.
 */
#include <stdlib.h>
#include <string.h>

#include "apr_strings.h"
#include "apr_lib.h"

#include "core/http_parse.h"

typedef enum {
    S_STATUS,
    S_FIELDS,
    S_BODY_LEN,
    S_CHUNK_SIZE,
    S_CHUNK_DATA,
    S_CHUNK_CR,
    S_CHUNK_LF,
    S_TRAILERS,
    S_BODY_CLOSE,
    S_DONE,
    S_ERROR
} hp_state;

typedef struct {
    char *name;
    char *value;
} hp_field;

struct st_http_parser {
    apr_pool_t *p;
    apr_size_t max_body;
    int head_request;
    hp_state st;
    st_http_err err;
    const char *errmsg;
    st_http_response r;

    /* line assembly */
    char line[ST_HTTP_MAX_LINE + 1];
    apr_size_t line_len;
    int saw_cr;
    apr_size_t section_bytes;   /* bytes of the current header or trailer section */
    int nfields;
    apr_array_header_t *fields; /* of hp_field, current header section */
    int interim;                /* 1xx responses skipped */

    /* body */
    char *buf;
    apr_size_t cap;             /* usable bytes in buf (one more is allocated for the NUL) */
    apr_uint64_t remaining;     /* of the Content-Length body or the current chunk */
    apr_size_t seen;            /* bytes consumed in total */
};

static const char empty_body[1] = "";

static apr_status_t hp_cleanup(void *data)
{
    st_http_parser *hp = data;
    free(hp->buf);
    hp->buf = NULL;
    hp->cap = 0;
    return APR_SUCCESS;
}

static int fail(st_http_parser *hp, st_http_err code, const char *msg)
{
    hp->st = S_ERROR;
    hp->err = code;
    hp->errmsg = msg;
    return -1;
}

st_http_parser *st_http_parser_create(apr_pool_t *p, apr_size_t max_body, int head_request)
{
    st_http_parser *hp = apr_pcalloc(p, sizeof(*hp));
    hp->p = p;
    hp->max_body = max_body ? max_body : ST_HTTP_DEFAULT_MAX_BODY;
    hp->head_request = head_request ? 1 : 0;
    hp->st = S_STATUS;
    hp->fields = apr_array_make(p, 16, sizeof(hp_field));
    hp->r.content_length = -1;
    hp->r.body = empty_body;
    hp->r.reason = "";
    apr_pool_cleanup_register(p, hp, hp_cleanup, apr_pool_cleanup_null);
    return hp;
}

/* ---- small character helpers ---- */

static int is_tchar(unsigned char c)
{
    if (apr_isalnum(c))
        return 1;
    return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* field-value / reason-phrase characters: VCHAR, SP, HTAB, obs-text */
static int is_vchar_ok(unsigned char c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static int text_ok(const char *s)
{
    for (; *s; s++)
        if (!is_vchar_ok((unsigned char)*s))
            return 0;
    return 1;
}

static char *trim_ows(char *s)
{
    char *e;
    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
        *--e = '\0';
    return s;
}

/* ---- body buffer ---- */

/* Makes room for need body bytes (+ the NUL): exactly need when exact (a known
 * Content-Length), else by doubling, never beyond max_body. */
static int body_reserve(st_http_parser *hp, apr_size_t need, int exact)
{
    apr_size_t ncap;
    char *nb;

    if (need <= hp->cap && hp->buf)
        return 0;
    if (need > hp->max_body)
        return fail(hp, ST_HTTP_ERR_BODY_TOO_LARGE, "response body exceeds the size limit");
    if (exact) {
        ncap = need;
    }
    else {
        ncap = hp->cap ? hp->cap : 4096;
        while (ncap < need)
            ncap *= 2;
        if (ncap > hp->max_body)
            ncap = hp->max_body;
    }
    nb = realloc(hp->buf, ncap + 1);
    if (!nb)
        return fail(hp, ST_HTTP_ERR_BODY_TOO_LARGE, "out of memory for the response body");
    hp->buf = nb;
    hp->cap = ncap;
    hp->buf[hp->r.body_len] = '\0';
    hp->r.body = hp->buf;
    return 0;
}

static int body_append(st_http_parser *hp, const char *d, apr_size_t n)
{
    if (n > hp->max_body - hp->r.body_len)
        return fail(hp, ST_HTTP_ERR_BODY_TOO_LARGE, "response body exceeds the size limit");
    if (body_reserve(hp, hp->r.body_len + n, 0) != 0)
        return -1;
    memcpy(hp->buf + hp->r.body_len, d, n);
    hp->r.body_len += n;
    hp->buf[hp->r.body_len] = '\0';
    return 0;
}

/* ---- line-level parsing ---- */

static int parse_status_line(st_http_parser *hp)
{
    const char *l = hp->line;
    int status;

    if (strncmp(l, "HTTP/", 5) != 0)
        return fail(hp, ST_HTTP_ERR_SYNTAX, "invalid status line");
    if (!apr_isdigit(l[5]) || l[6] != '.' || !apr_isdigit(l[7]))
        return fail(hp, ST_HTTP_ERR_SYNTAX, "invalid HTTP version in status line");
    if (l[5] != '1')
        return fail(hp, ST_HTTP_ERR_UNSUPPORTED, "HTTP version is not 1.x");
    if (l[8] != ' ')
        return fail(hp, ST_HTTP_ERR_SYNTAX, "invalid status line");
    if (!apr_isdigit(l[9]) || !apr_isdigit(l[10]) || !apr_isdigit(l[11]))
        return fail(hp, ST_HTTP_ERR_SYNTAX, "invalid status code");
    if (l[12] != ' ' && l[12] != '\0')
        return fail(hp, ST_HTTP_ERR_SYNTAX, "invalid status code");
    status = (l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0');
    if (status < 100 || status > 599)
        return fail(hp, ST_HTTP_ERR_SYNTAX, "status code out of range");
    if (l[12] == ' ' && !text_ok(l + 13))
        return fail(hp, ST_HTTP_ERR_SYNTAX, "control character in reason phrase");

    hp->r.status = status;
    hp->r.version_minor = l[7] - '0';
    hp->r.reason = l[12] == ' ' ? apr_pstrdup(hp->p, l + 13) : "";
    hp->st = S_FIELDS;
    hp->nfields = 0;
    apr_array_clear(hp->fields);
    return 0;
}

/* Parses hp->line as "name: value" (or an obs-fold continuation when fields exist).
 * store: keep it in hp->fields (header section) or only validate (trailers). */
static int parse_field_line(st_http_parser *hp, int store)
{
    char *l = hp->line;
    char *colon, *value;
    hp_field *f;

    if (l[0] == ' ' || l[0] == '\t') {
        /* obs-fold: replace with a single SP (RFC 9112 §5.2, user agent rule) */
        char *cont = trim_ows(l);
        if (hp->nfields == 0)
            return fail(hp, ST_HTTP_ERR_SYNTAX, "line folding before the first header field");
        if (!text_ok(cont))
            return fail(hp, ST_HTTP_ERR_SYNTAX, "control character in header field value");
        if (store && *cont) {
            f = &APR_ARRAY_IDX(hp->fields, hp->fields->nelts - 1, hp_field);
            f->value = *f->value ? apr_pstrcat(hp->p, f->value, " ", cont, NULL)
                                 : apr_pstrdup(hp->p, cont);
        }
        return 0;
    }

    colon = strchr(l, ':');
    if (!colon || colon == l)
        return fail(hp, ST_HTTP_ERR_SYNTAX, "invalid header field");
    for (char *c = l; c < colon; c++)
        if (!is_tchar((unsigned char)*c))
            return fail(hp, ST_HTTP_ERR_SYNTAX, "invalid header field name");
    if (++hp->nfields > ST_HTTP_MAX_FIELDS)
        return fail(hp, ST_HTTP_ERR_HEADER_TOO_LARGE, "too many header fields");
    *colon = '\0';
    value = trim_ows(colon + 1);
    if (!text_ok(value))
        return fail(hp, ST_HTTP_ERR_SYNTAX, "control character in header field value");
    if (store) {
        f = apr_array_push(hp->fields);
        f->name = apr_pstrdup(hp->p, l);
        f->value = apr_pstrdup(hp->p, value);
    }
    return 0;
}

/* Splits a comma-separated list; calls fn for each non-empty trimmed element. */
typedef int (*hp_elem_fn)(st_http_parser *hp, const char *elem, void *baton);

static int for_each_elem(st_http_parser *hp, const char *value, hp_elem_fn fn, void *baton)
{
    char *copy = apr_pstrdup(hp->p, value), *last = NULL, *tok;
    for (tok = apr_strtok(copy, ",", &last); tok; tok = apr_strtok(NULL, ",", &last)) {
        char *e = trim_ows(tok);
        if (*e && fn(hp, e, baton) != 0)
            return -1;
    }
    return 0;
}

typedef struct {
    int close;
    int keep_alive;
} conn_tokens;

static int conn_elem(st_http_parser *hp, const char *e, void *baton)
{
    conn_tokens *ct = baton;
    (void)hp;
    if (!strcasecmp(e, "close"))
        ct->close = 1;
    else if (!strcasecmp(e, "keep-alive"))
        ct->keep_alive = 1;
    return 0;
}

typedef struct {
    int count;
    int chunked_only;
} te_tokens;

static int te_elem(st_http_parser *hp, const char *e, void *baton)
{
    te_tokens *tt = baton;
    (void)hp;
    tt->count++;
    tt->chunked_only = (tt->count == 1 && !strcasecmp(e, "chunked"));
    return 0;
}

typedef struct {
    int count;
    apr_uint64_t value;
} cl_values;

static int cl_elem(st_http_parser *hp, const char *e, void *baton)
{
    cl_values *cv = baton;
    apr_uint64_t v = 0;
    const char *c;

    for (c = e; *c; c++) {
        if (!apr_isdigit(*c))
            return fail(hp, ST_HTTP_ERR_SYNTAX, "invalid Content-Length");
        if (v > 100000000000000000ULL)   /* 1e17: far beyond any body cap */
            return fail(hp, ST_HTTP_ERR_SYNTAX, "invalid Content-Length");
        v = v * 10 + (apr_uint64_t)(*c - '0');
    }
    if (cv->count++ && v != cv->value)
        return fail(hp, ST_HTTP_ERR_SYNTAX, "conflicting Content-Length values");
    cv->value = v;
    return 0;
}

static void finish(st_http_parser *hp)
{
    hp->st = S_DONE;
    if (hp->buf)
        hp->buf[hp->r.body_len] = '\0';
}

static int end_of_headers(st_http_parser *hp)
{
    conn_tokens ct = { 0, 0 };
    te_tokens tt = { 0, 0 };
    cl_values cv = { 0, 0 };
    int have_te = 0, no_body;
    int i;

    if (hp->r.status < 200) {
        if (hp->r.status == 101)
            return fail(hp, ST_HTTP_ERR_UNSUPPORTED, "unexpected 101 Switching Protocols");
        if (++hp->interim > ST_HTTP_MAX_INTERIM)
            return fail(hp, ST_HTTP_ERR_SYNTAX, "too many interim responses");
        hp->st = S_STATUS;
        hp->section_bytes = 0;
        return 0;
    }

    hp->r.headers = apr_table_make(hp->p, hp->fields->nelts ? hp->fields->nelts : 1);
    for (i = 0; i < hp->fields->nelts; i++) {
        hp_field *f = &APR_ARRAY_IDX(hp->fields, i, hp_field);
        apr_table_addn(hp->r.headers, f->name, f->value);
        if (!strcasecmp(f->name, "Connection")) {
            for_each_elem(hp, f->value, conn_elem, &ct);
        }
        else if (!strcasecmp(f->name, "Transfer-Encoding")) {
            have_te = 1;
            for_each_elem(hp, f->value, te_elem, &tt);
        }
        else if (!strcasecmp(f->name, "Content-Length")) {
            if (!*f->value)
                return fail(hp, ST_HTTP_ERR_SYNTAX, "invalid Content-Length");
            if (for_each_elem(hp, f->value, cl_elem, &cv) != 0)
                return -1;
            if (cv.count == 0)
                return fail(hp, ST_HTTP_ERR_SYNTAX, "invalid Content-Length");
        }
        else if (!strcasecmp(f->name, "Content-Type") && !hp->r.content_type) {
            hp->r.content_type = f->value;
        }
    }

    hp->r.keep_alive = hp->r.version_minor >= 1 ? !ct.close : (ct.keep_alive && !ct.close);
    no_body = hp->head_request || hp->r.status == 204 || hp->r.status == 304;

    if (no_body) {
        finish(hp);
        return 0;
    }
    if (have_te) {
        if (hp->r.version_minor == 0)
            return fail(hp, ST_HTTP_ERR_UNSUPPORTED, "Transfer-Encoding in an HTTP/1.0 response");
        if (cv.count)
            return fail(hp, ST_HTTP_ERR_SYNTAX, "both Transfer-Encoding and Content-Length");
        if (!tt.chunked_only || tt.count != 1)
            return fail(hp, ST_HTTP_ERR_UNSUPPORTED, "unsupported Transfer-Encoding");
        hp->r.chunked = 1;
        hp->st = S_CHUNK_SIZE;
        return 0;
    }
    if (cv.count) {
        if (cv.value > (apr_uint64_t)hp->max_body)
            return fail(hp, ST_HTTP_ERR_BODY_TOO_LARGE, "response body exceeds the size limit");
        hp->r.content_length = (apr_off_t)cv.value;
        if (cv.value == 0) {
            finish(hp);
            return 0;
        }
        if (body_reserve(hp, (apr_size_t)cv.value, 1) != 0)
            return -1;
        hp->remaining = cv.value;
        hp->st = S_BODY_LEN;
        return 0;
    }
    hp->r.until_close = 1;
    hp->r.keep_alive = 0;
    hp->st = S_BODY_CLOSE;
    return 0;
}

static int parse_chunk_size(st_http_parser *hp)
{
    const char *l = hp->line;
    apr_uint64_t v = 0;
    int nd = 0;

    while (apr_isxdigit(*l)) {
        if (++nd > 16)
            return fail(hp, ST_HTTP_ERR_SYNTAX, "chunk size too long");
        v = v * 16 + (apr_uint64_t)(apr_isdigit(*l) ? *l - '0' : (apr_tolower(*l) - 'a' + 10));
        l++;
    }
    if (nd == 0)
        return fail(hp, ST_HTTP_ERR_SYNTAX, "invalid chunk size");
    while (*l == ' ' || *l == '\t')   /* BWS before an extension */
        l++;
    if (*l == ';') {
        if (!text_ok(l + 1))
            return fail(hp, ST_HTTP_ERR_SYNTAX, "control character in chunk extension");
    }
    else if (*l != '\0' || l != hp->line + nd) {
        return fail(hp, ST_HTTP_ERR_SYNTAX, "invalid chunk size");
    }

    if (v == 0) {
        hp->st = S_TRAILERS;
        hp->section_bytes = 0;
        hp->nfields = 0;
        return 0;
    }
    if (v > (apr_uint64_t)(hp->max_body - hp->r.body_len))
        return fail(hp, ST_HTTP_ERR_BODY_TOO_LARGE, "response body exceeds the size limit");
    if (body_reserve(hp, hp->r.body_len + (apr_size_t)v, 0) != 0)
        return -1;
    hp->remaining = v;
    hp->st = S_CHUNK_DATA;
    return 0;
}

static int process_line(st_http_parser *hp)
{
    switch (hp->st) {
    case S_STATUS:
        return parse_status_line(hp);
    case S_FIELDS:
        if (hp->line_len == 0)
            return end_of_headers(hp);
        return parse_field_line(hp, 1);
    case S_TRAILERS:
        if (hp->line_len == 0) {
            finish(hp);
            return 0;
        }
        return parse_field_line(hp, 0);
    case S_CHUNK_SIZE:
        return parse_chunk_size(hp);
    default:
        return fail(hp, ST_HTTP_ERR_SYNTAX, "internal parser state");
    }
}

/* Consumes bytes of one line; returns how many. *complete when its CRLF was seen. */
static apr_size_t take_line(st_http_parser *hp, const char *d, apr_size_t n, int *complete)
{
    int counted = hp->st != S_CHUNK_SIZE;
    apr_size_t i;

    *complete = 0;
    for (i = 0; i < n; i++) {
        char c = d[i];
        if (counted && ++hp->section_bytes > ST_HTTP_MAX_HEADER_BYTES) {
            fail(hp, ST_HTTP_ERR_HEADER_TOO_LARGE, "response header section too large");
            return i;
        }
        if (hp->saw_cr) {
            if (c != '\n') {
                fail(hp, ST_HTTP_ERR_SYNTAX, "bare CR in response header");
                return i;
            }
            hp->saw_cr = 0;
            hp->line[hp->line_len] = '\0';
            *complete = 1;
            return i + 1;
        }
        if (c == '\r') {
            hp->saw_cr = 1;
            continue;
        }
        if (c == '\n') {
            fail(hp, ST_HTTP_ERR_SYNTAX, "bare LF in response header");
            return i;
        }
        if (c == '\0') {
            fail(hp, ST_HTTP_ERR_SYNTAX, "NUL in response header");
            return i;
        }
        if (hp->line_len >= ST_HTTP_MAX_LINE) {
            fail(hp, ST_HTTP_ERR_HEADER_TOO_LARGE, "response header line too long");
            return i;
        }
        hp->line[hp->line_len++] = c;
    }
    return n;
}

st_http_rc st_http_parser_feed(st_http_parser *hp, const char *data, apr_size_t len,
                               apr_size_t *consumed)
{
    apr_size_t off = 0, n;
    st_http_rc rc = ST_HTTP_MORE;

    if (hp->st == S_DONE || hp->st == S_ERROR) {
        if (consumed)
            *consumed = 0;
        return hp->st == S_DONE ? ST_HTTP_DONE : ST_HTTP_ERROR;
    }

    while (off < len) {
        switch (hp->st) {
        case S_STATUS:
        case S_FIELDS:
        case S_TRAILERS:
        case S_CHUNK_SIZE: {
            int complete;
            off += take_line(hp, data + off, len - off, &complete);
            if (hp->st == S_ERROR)
                goto out;
            if (complete) {
                int r = process_line(hp);
                hp->line_len = 0;
                if (r != 0)
                    goto out;
            }
            break;
        }
        case S_BODY_LEN:
        case S_CHUNK_DATA:
            n = len - off;
            if ((apr_uint64_t)n > hp->remaining)
                n = (apr_size_t)hp->remaining;
            if (body_append(hp, data + off, n) != 0)
                goto out;
            off += n;
            hp->remaining -= n;
            if (hp->remaining == 0) {
                if (hp->st == S_BODY_LEN)
                    finish(hp);
                else
                    hp->st = S_CHUNK_CR;
            }
            break;
        case S_CHUNK_CR:
        case S_CHUNK_LF:
            if (data[off] != (hp->st == S_CHUNK_CR ? '\r' : '\n')) {
                fail(hp, ST_HTTP_ERR_SYNTAX, "missing CRLF after chunk data");
                goto out;
            }
            off++;
            hp->st = hp->st == S_CHUNK_CR ? S_CHUNK_LF : S_CHUNK_SIZE;
            break;
        case S_BODY_CLOSE:
            if (body_append(hp, data + off, len - off) != 0)
                goto out;
            off = len;
            break;
        case S_DONE:
        case S_ERROR:
            goto out;
        }
        if (hp->st == S_DONE)
            break;
    }

out:
    hp->seen += off;
    if (consumed)
        *consumed = off;
    if (hp->st == S_ERROR)
        rc = ST_HTTP_ERROR;
    else if (hp->st == S_DONE)
        rc = ST_HTTP_DONE;
    return rc;
}

st_http_rc st_http_parser_eof(st_http_parser *hp)
{
    switch (hp->st) {
    case S_DONE:
        return ST_HTTP_DONE;
    case S_ERROR:
        return ST_HTTP_ERROR;
    case S_BODY_CLOSE:
        finish(hp);
        return ST_HTTP_DONE;
    default:
        fail(hp, ST_HTTP_ERR_TRUNCATED, hp->seen ? "connection closed before the response was complete"
                                                 : "connection closed without a response");
        return ST_HTTP_ERROR;
    }
}

const st_http_response *st_http_parser_response(const st_http_parser *hp)
{
    return &hp->r;
}

int st_http_parser_headers_done(const st_http_parser *hp)
{
    return hp->r.headers != NULL;
}

apr_size_t st_http_parser_bytes_seen(const st_http_parser *hp)
{
    return hp->seen;
}

st_http_err st_http_parser_error_code(const st_http_parser *hp)
{
    return hp->err;
}

const char *st_http_parser_error(const st_http_parser *hp)
{
    return hp->errmsg;
}

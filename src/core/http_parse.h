/*
 * http_parse.h: an incremental, strict HTTP/1.1 *response* parser.
 *
 * Pure code: no httpd and no socket dependencies (APR pools and tables only), so it is
 * linked into the C unit tests and the fuzz targets. The core client (src/core/) feeds it
 * whatever the socket returned, in arbitrary splits, until it says DONE or ERROR.
 *
 * What it accepts (RFC 9112, client side):
 *   - status line "HTTP/1.<d> <3 digits>[ <reason>]", status 100..599; 1xx interim responses
 *     (except 101) are skipped, the next status line is parsed;
 *   - header fields "name: value" with token names, no whitespace before the colon, values
 *     trimmed, no control characters other than HTAB (obs-text allowed). An obsolete line
 *     fold (a line starting with SP/HTAB) is replaced by one SP, as RFC 9112 §5.2 requires
 *     of user agents; a fold before the first field is an error;
 *   - lines end with CRLF; a bare CR or bare LF is an error;
 *   - framing: no body for HEAD, 1xx, 204, 304; else "Transfer-Encoding: chunked" (exactly
 *     that single coding: any other coding is refused, as is Transfer-Encoding together with
 *     Content-Length or in an HTTP/1.0 reply); else Content-Length (digits only; repeated
 *     or listed values must all be equal); else the body runs until the connection closes
 *     (RFC 9112 §6.3 rule 8: accepted, capped like any body, and the connection is then not
 *     reusable; the caller signals the close with st_http_parser_eof());
 *   - chunked: hex size (at most 16 digits), optional ";extensions" (no control
 *     characters), CRLF after each chunk's data, trailer fields after the last chunk
 *     (validated like header fields, then discarded).
 * Limits: a line (status, field, chunk size, trailer) is at most ST_HTTP_MAX_LINE bytes,
 * the header section at most ST_HTTP_MAX_HEADER_BYTES bytes and ST_HTTP_MAX_FIELDS fields,
 * the body at most the max_body given to st_http_parser_create() (a Content-Length above it
 * is refused before any body byte is read).
 *
 * Connection reuse: keep_alive is 1 only for HTTP/1.1 without "Connection: close" or
 * HTTP/1.0 with "Connection: keep-alive", and never for a close-delimited body.
 */
#ifndef ST_HTTP_PARSE_H
#define ST_HTTP_PARSE_H

#include "apr_pools.h"
#include "apr_tables.h"

#define ST_HTTP_DEFAULT_MAX_BODY   (1024 * 1024)
#define ST_HTTP_MAX_LINE           8192
#define ST_HTTP_MAX_HEADER_BYTES   65536
#define ST_HTTP_MAX_FIELDS         100
#define ST_HTTP_MAX_INTERIM        10

typedef enum {
    ST_HTTP_MORE = 0,     /* everything given was consumed; feed more bytes */
    ST_HTTP_DONE = 1,     /* a complete response is available */
    ST_HTTP_ERROR = -1    /* malformed or over a limit; see st_http_parser_error() */
} st_http_rc;

typedef enum {
    ST_HTTP_ERR_NONE = 0,
    ST_HTTP_ERR_SYNTAX,          /* malformed status line, field, chunk framing */
    ST_HTTP_ERR_UNSUPPORTED,     /* HTTP/2+, 101, a transfer coding other than chunked */
    ST_HTTP_ERR_HEADER_TOO_LARGE,/* a line, the header section or the field count over a limit */
    ST_HTTP_ERR_BODY_TOO_LARGE,  /* body over max_body */
    ST_HTTP_ERR_TRUNCATED        /* st_http_parser_eof() before the response was complete */
} st_http_err;

typedef struct {
    int status;                 /* e.g. 200 */
    int version_minor;          /* HTTP/1.<minor> */
    const char *reason;         /* reason phrase, may be "" */
    apr_table_t *headers;       /* the final response's fields (1xx and trailers not included) */
    const char *content_type;   /* first Content-Type value, NULL when absent */
    apr_off_t content_length;   /* -1 when absent or not used for framing */
    int chunked;                /* body was chunked */
    int until_close;            /* body delimited by the connection's close */
    int keep_alive;             /* the connection may carry another request afterwards */
    const char *body;           /* NUL-terminated (body_len may include NULs); "" when empty */
    apr_size_t body_len;
} st_http_response;

typedef struct st_http_parser st_http_parser;

/* Allocates in p; the body buffer is malloc'ed and freed by a cleanup of p, so the body stays
 * valid as long as p. max_body 0 means ST_HTTP_DEFAULT_MAX_BODY. head_request: the request
 * was HEAD, so the reply has no body whatever its fields say. */
st_http_parser *st_http_parser_create(apr_pool_t *p, apr_size_t max_body, int head_request);

/* Feeds len bytes. *consumed (may be NULL) receives how many were used: all of them on MORE,
 * up to the end of the response on DONE (anything after it is not part of this response),
 * undefined on ERROR. After DONE or ERROR further calls return the same code and consume
 * nothing. */
st_http_rc st_http_parser_feed(st_http_parser *hp, const char *data, apr_size_t len,
                               apr_size_t *consumed);

/* The peer closed the connection: DONE for a close-delimited body (or when already DONE),
 * ERROR/ST_HTTP_ERR_TRUNCATED otherwise. */
st_http_rc st_http_parser_eof(st_http_parser *hp);

/* The response; meaningful fields are set once the header section is complete, the body
 * once DONE. */
const st_http_response *st_http_parser_response(const st_http_parser *hp);

int st_http_parser_headers_done(const st_http_parser *hp);
apr_size_t st_http_parser_bytes_seen(const st_http_parser *hp);  /* bytes consumed so far */
st_http_err st_http_parser_error_code(const st_http_parser *hp);
const char *st_http_parser_error(const st_http_parser *hp);      /* static text, NULL if none */

#endif

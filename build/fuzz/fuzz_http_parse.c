/*
 * fuzz_http_parse.c: the core client's HTTP/1.1 response parser (src/core/http_parse.c), fed the
 * way src/core/ feeds it: whatever the socket returned, in arbitrary splits, then
 * st_http_parser_eof() when the peer closes; a DONE reply's body goes to st_json_parse as
 * core/client.c's use_reply does. The same bytes are also parsed in one piece, and both runs must
 * agree (result, error, bytes consumed, status, framing, body).
 * Input: <options:1> <split seed:1> <response bytes>
 *   options bit 0: HEAD request; bits 1-2: body cap 1 MiB (the core client's) / 16 / 1000 / 65536.
 */
#include "fuzz_common.h"

#include "apr_tables.h"
#include "core/http_parse.h"
#include "token/json_util.h"

typedef struct {
    st_http_rc rc;
    st_http_err err;
    apr_size_t consumed;
    const st_http_response *r;
    st_http_parser *hp;
} run_result;

static void run(apr_pool_t *p, const uint8_t *d, size_t n, apr_size_t max_body, int head,
                unsigned seed, run_result *out)
{
    st_http_parser *hp = st_http_parser_create(p, max_body, head);
    apr_size_t off = 0, total = 0;
    st_http_rc rc = ST_HTTP_MORE;

    while (off < n) {
        apr_size_t chunk = n - off, used = (apr_size_t)-1;
        if (seed) {
            /* xorshift: chunk sizes 1..64, sometimes 1..4096 */
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            chunk = (seed & 0x100) ? 1 + seed % 4096 : 1 + seed % 64;
            if (chunk > n - off)
                chunk = n - off;
        }
        rc = st_http_parser_feed(hp, (const char *)d + off, chunk, &used);
        if (rc == ST_HTTP_ERROR)
            break;
        FUZZ_CHECK(used <= chunk);
        FUZZ_CHECK(rc == ST_HTTP_DONE || used == chunk);
        total += used;
        off += chunk;
        if (rc == ST_HTTP_DONE)
            break;
    }
    if (rc == ST_HTTP_MORE)
        rc = st_http_parser_eof(hp);
    if (rc != ST_HTTP_ERROR) {
        /* after DONE, more bytes are refused and nothing is consumed */
        apr_size_t used = 1;
        FUZZ_CHECK(st_http_parser_feed(hp, "x", 1, &used) == rc && used == 0);
        FUZZ_CHECK(st_http_parser_eof(hp) == rc);
        FUZZ_CHECK(st_http_parser_bytes_seen(hp) == total);
    }
    out->rc = rc;
    out->err = st_http_parser_error_code(hp);
    out->consumed = total;
    out->r = st_http_parser_response(hp);
    out->hp = hp;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const apr_size_t caps[] = { 1024 * 1024, 16, 1000, 65536 };
    apr_pool_t *p = fuzz_pool_begin();
    fuzz_in in = { data, size };
    int opts = fuzz_u8(&in);
    unsigned seed = fuzz_u8(&in) | 0x5a00u;
    apr_size_t cap = caps[(opts >> 1) & 3];
    int head = opts & 1;
    run_result whole, split;

    run(p, in.d, in.n, cap, head, 0, &whole);
    run(p, in.d, in.n, cap, head, seed, &split);

    FUZZ_CHECK(whole.rc == split.rc);
    FUZZ_CHECK(whole.rc != ST_HTTP_MORE);
    if (whole.rc == ST_HTTP_ERROR) {
        FUZZ_CHECK(whole.err == split.err && whole.err != ST_HTTP_ERR_NONE);
        FUZZ_CHECK(st_http_parser_error(whole.hp) != NULL);
    }
    else {
        const st_http_response *a = whole.r, *b = split.r;
        const apr_array_header_t *elts;
        int i;

        FUZZ_CHECK(whole.err == ST_HTTP_ERR_NONE && split.err == ST_HTTP_ERR_NONE);
        FUZZ_CHECK(whole.consumed == split.consumed);
        FUZZ_CHECK(a->status >= 200 && a->status <= 599 && a->status == b->status);
        FUZZ_CHECK(a->version_minor == b->version_minor && strcmp(a->reason, b->reason) == 0);
        FUZZ_CHECK(a->chunked == b->chunked && a->until_close == b->until_close);
        FUZZ_CHECK(a->keep_alive == b->keep_alive && a->content_length == b->content_length);
        FUZZ_CHECK(a->body_len == b->body_len && memcmp(a->body, b->body, a->body_len) == 0);
        FUZZ_CHECK(a->body_len <= cap && a->body[a->body_len] == '\0');
        FUZZ_CHECK(!a->until_close || !a->keep_alive);
        FUZZ_CHECK(!a->chunked || a->content_length == -1);
        if (a->content_length >= 0)
            FUZZ_CHECK((apr_size_t)a->content_length == a->body_len);
        if (head || a->status == 204 || a->status == 304)
            FUZZ_CHECK(a->body_len == 0);
        FUZZ_CHECK(st_http_parser_headers_done(whole.hp) && a->headers != NULL);
        FUZZ_CHECK((a->content_type == NULL) == (apr_table_get(a->headers, "Content-Type") == NULL));
        elts = apr_table_elts(a->headers);
        FUZZ_CHECK(elts->nelts <= ST_HTTP_MAX_FIELDS);
        for (i = 0; i < elts->nelts; i++) {
            const apr_table_entry_t *e = &APR_ARRAY_IDX(elts, i, apr_table_entry_t);
            FUZZ_CHECK(e->key && *e->key && e->val);
            FUZZ_CHECK(!strpbrk(e->key, " \t\r\n:") && !strpbrk(e->val, "\r\n"));
        }
        /* client.c use_reply: a non-text body is read as JSON */
        if (a->body_len && !(a->content_type && strncasecmp(a->content_type, "text/", 5) == 0))
            (void)st_json_parse(p, a->body, a->body_len, 0);
    }
    fuzz_pool_end(p);
    return 0;
}

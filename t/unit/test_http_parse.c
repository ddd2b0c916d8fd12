/*
 * Unit tests for src/core/http_parse.c, the incremental HTTP/1.1 response parser used by the
 * core client. cmocka, TAP output (run under prove by `make test-unit`).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <stdlib.h>
#include <cmocka.h>

#include "apr_general.h"
#include "apr_pools.h"
#include "apr_strings.h"

#include "core/http_parse.h"

static apr_pool_t *root;

/* split: 0 = one feed, n > 0 = pieces of n bytes. Adds an EOF when eof is set and the
 * parser still wants more. Returns the final code; *used = bytes consumed in total. */
static st_http_rc run(apr_pool_t *p, const char *data, apr_size_t len, apr_size_t max_body,
                      int head, apr_size_t split, int eof, st_http_parser **out, apr_size_t *used)
{
    st_http_parser *hp = st_http_parser_create(p, max_body, head);
    st_http_rc rc = ST_HTTP_MORE;
    apr_size_t off = 0, total = 0;

    while (off < len) {
        apr_size_t n = split ? split : len;
        apr_size_t c = 0;
        if (n > len - off)
            n = len - off;
        rc = st_http_parser_feed(hp, data + off, n, &c);
        total += c;
        off += n;
        if (rc != ST_HTTP_MORE)
            break;
        assert_int_equal(c, n);
    }
    if (rc == ST_HTTP_MORE && eof)
        rc = st_http_parser_eof(hp);
    if (out)
        *out = hp;
    if (used)
        *used = total;
    return rc;
}

static st_http_rc run_s(apr_pool_t *p, const char *s, st_http_parser **out)
{
    return run(p, s, strlen(s), 0, 0, 0, 0, out, NULL);
}

static const st_http_response *resp(st_http_parser *hp)
{
    return st_http_parser_response(hp);
}

static void expect_error(const char *s, st_http_err code)
{
    apr_pool_t *p;
    st_http_parser *hp;
    apr_pool_create(&p, root);
    st_http_rc rc = run(p, s, strlen(s), 0, 0, 0, 1, &hp, NULL);
    if (rc != ST_HTTP_ERROR || st_http_parser_error_code(hp) != code)
        fail_msg("input %s: rc %d code %d (%s), wanted error code %d", s, rc,
                 st_http_parser_error_code(hp), st_http_parser_error(hp), code);
    assert_non_null(st_http_parser_error(hp));
    apr_pool_destroy(p);
}

/* ---- fixtures for the split tests ---- */

typedef struct {
    const char *name;
    const char *text;
    int head;
    int eof;            /* needs an EOF to finish (close-delimited) */
    int status;
    const char *body;
    int keep_alive;
} fixture;

static const fixture fixtures[] = {
    { "content-length",
      "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n"
      "Content-Length: 16\r\n\r\n{\"status\":\"OK\"}\n",
      0, 0, 200, "{\"status\":\"OK\"}\n", 1 },
    { "chunked-ext-trailers",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n"
      "5;name=value\r\nhello\r\n6 ; a=\"b c\"\r\n world\r\n00A\r\n0123456789\r\n"
      "0;last\r\nX-Trailer: yes\r\nX-Other:  two \r\n\r\n",
      0, 0, 200, "hello world0123456789", 1 },
    { "text-html-401",
      "HTTP/1.1 401 Unauthorized\r\nContent-Type: text/html;charset=UTF-8\r\n"
      "Content-Length: 16\r\nConnection: close\r\n\r\nInvalid API key\n",
      0, 0, 401, "Invalid API key\n", 0 },
    { "no-content",
      "HTTP/1.1 204 No Content\r\nDate: Sun, 22 Nov 2026 10:00:00 GMT\r\n\r\n",
      0, 0, 204, "", 1 },
    { "until-close",
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"a\":1}",
      0, 1, 200, "{\"a\":1}", 0 },
    { "interim-100",
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
      0, 0, 200, "ok", 1 },
    { "head",
      "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n",
      1, 0, 200, "", 1 },
    { "folded",
      "HTTP/1.1 200 OK\r\nX-Long: a\r\n b\r\n\tc\r\nContent-Length: 3\r\n\r\nabc",
      0, 0, 200, "abc", 1 },
    { "http10-keepalive",
      "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx",
      0, 0, 200, "x", 1 },
};

static void check_fixture(const fixture *f, st_http_rc rc, st_http_parser *hp, apr_size_t used,
                          const char *how)
{
    const st_http_response *r = resp(hp);
    if (rc != ST_HTTP_DONE)
        fail_msg("%s (%s): rc %d: %s", f->name, how, rc,
                 st_http_parser_error(hp) ? st_http_parser_error(hp) : "-");
    assert_int_equal(r->status, f->status);
    assert_int_equal(r->body_len, strlen(f->body));
    assert_memory_equal(r->body, f->body, r->body_len);
    assert_int_equal(r->body[r->body_len], '\0');
    assert_int_equal(r->keep_alive, f->keep_alive);
    assert_int_equal(used, strlen(f->text));
}

static void test_fixtures_whole(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
        const fixture *f = &fixtures[i];
        apr_pool_t *p;
        st_http_parser *hp;
        apr_size_t used;
        apr_pool_create(&p, root);
        st_http_rc rc = run(p, f->text, strlen(f->text), 0, f->head, 0, f->eof, &hp, &used);
        check_fixture(f, rc, hp, used, "whole");
        apr_pool_destroy(p);
    }
}

static void test_every_byte_split(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
        const fixture *f = &fixtures[i];
        apr_size_t len = strlen(f->text);
        for (apr_size_t piece = 1; piece <= 7; piece++) {
            apr_pool_t *p;
            st_http_parser *hp;
            apr_size_t used;
            apr_pool_create(&p, root);
            st_http_rc rc = run(p, f->text, len, 0, f->head, piece, f->eof, &hp, &used);
            check_fixture(f, rc, hp, used, apr_psprintf(p, "pieces of %" APR_SIZE_T_FMT, piece));
            apr_pool_destroy(p);
        }
        /* every two-piece split */
        for (apr_size_t cut = 0; cut <= len; cut++) {
            apr_pool_t *p;
            apr_size_t c1 = 0, c2 = 0;
            st_http_rc rc;
            apr_pool_create(&p, root);
            st_http_parser *hp = st_http_parser_create(p, 0, f->head);
            rc = st_http_parser_feed(hp, f->text, cut, &c1);
            if (rc == ST_HTTP_MORE)
                rc = st_http_parser_feed(hp, f->text + cut, len - cut, &c2);
            if (rc == ST_HTTP_MORE && f->eof)
                rc = st_http_parser_eof(hp);
            check_fixture(f, rc, hp, c1 + c2, apr_psprintf(p, "cut at %" APR_SIZE_T_FMT, cut));
            apr_pool_destroy(p);
        }
    }
}

/* ---- specific behaviour ---- */

static void test_content_length(void **state)
{
    apr_pool_t *p;
    st_http_parser *hp;
    const st_http_response *r;
    const char *text = "HTTP/1.1 200 OK\r\ncontent-type: application/json; charset=utf-8\r\n"
                       "Content-Length: 11\r\nServer: x\r\n\r\n{\"a\":\"bc\"}\n";
    (void)state;
    apr_pool_create(&p, root);
    assert_int_equal(run_s(p, text, &hp), ST_HTTP_DONE);
    r = resp(hp);
    assert_int_equal(r->status, 200);
    assert_string_equal(r->reason, "OK");
    assert_int_equal(r->version_minor, 1);
    assert_string_equal(r->content_type, "application/json; charset=utf-8");
    assert_int_equal(r->content_length, 11);
    assert_false(r->chunked);
    assert_false(r->until_close);
    assert_true(r->keep_alive);
    assert_string_equal(r->body, "{\"a\":\"bc\"}\n");
    assert_string_equal(apr_table_get(r->headers, "server"), "x");
    assert_int_equal(st_http_parser_bytes_seen(hp), strlen(text));
    assert_int_equal(st_http_parser_error_code(hp), ST_HTTP_ERR_NONE);
    apr_pool_destroy(p);
}

static void test_zero_length_and_no_reason(void **state)
{
    apr_pool_t *p;
    st_http_parser *hp;
    (void)state;
    apr_pool_create(&p, root);
    assert_int_equal(run_s(p, "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", &hp), ST_HTTP_DONE);
    assert_int_equal(resp(hp)->status, 200);
    assert_string_equal(resp(hp)->reason, "");
    assert_int_equal(resp(hp)->body_len, 0);
    assert_string_equal(resp(hp)->body, "");
    apr_pool_destroy(p);
}

static void test_bytes_after_response(void **state)
{
    apr_pool_t *p;
    st_http_parser *hp;
    apr_size_t c = 0;
    const char *text = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n";
    (void)state;
    apr_pool_create(&p, root);
    hp = st_http_parser_create(p, 0, 0);
    assert_int_equal(st_http_parser_feed(hp, text, strlen(text), &c), ST_HTTP_DONE);
    assert_int_equal(c, strlen(text) - strlen("HTTP/1.1 200 OK\r\n"));
    /* after DONE nothing more is consumed */
    assert_int_equal(st_http_parser_feed(hp, "x", 1, &c), ST_HTTP_DONE);
    assert_int_equal(c, 0);
    assert_int_equal(st_http_parser_eof(hp), ST_HTTP_DONE);
    assert_string_equal(resp(hp)->body, "ok");
    apr_pool_destroy(p);
}

static void test_chunked(void **state)
{
    apr_pool_t *p;
    st_http_parser *hp;
    const st_http_response *r;
    (void)state;
    apr_pool_create(&p, root);
    assert_int_equal(run_s(p, fixtures[1].text, &hp), ST_HTTP_DONE);
    r = resp(hp);
    assert_true(r->chunked);
    assert_int_equal(r->content_length, -1);
    assert_string_equal(r->body, "hello world0123456789");
    assert_string_equal(r->content_type, "text/plain");
    /* trailers are not merged into the header table */
    assert_null(apr_table_get(r->headers, "X-Trailer"));
    apr_pool_destroy(p);

    /* upper/lower case hex, "Transfer-Encoding: Chunked", empty trailer section */
    apr_pool_create(&p, root);
    assert_int_equal(run_s(p, "HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n"
                              "1a\r\nabcdefghijklmnopqrstuvwxyz\r\n1A\r\nABCDEFGHIJKLMNOPQRSTUVWXYZ\r\n"
                              "0\r\n\r\n", &hp), ST_HTTP_DONE);
    assert_int_equal(resp(hp)->body_len, 52);
    apr_pool_destroy(p);
}

static void test_bad_chunks(void **state)
{
    (void)state;
#define CH "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    expect_error(CH "zz\r\n", ST_HTTP_ERR_SYNTAX);
    expect_error(CH "\r\n", ST_HTTP_ERR_SYNTAX);
    expect_error(CH "-1\r\n", ST_HTTP_ERR_SYNTAX);
    expect_error(CH "0x5\r\nhello\r\n0\r\n\r\n", ST_HTTP_ERR_SYNTAX);
    expect_error(CH "+5\r\nhello\r\n0\r\n\r\n", ST_HTTP_ERR_SYNTAX);
    expect_error(CH "5 \r\nhello\r\n0\r\n\r\n", ST_HTTP_ERR_SYNTAX);
    expect_error(CH "5x\r\nhello\r\n0\r\n\r\n", ST_HTTP_ERR_SYNTAX);
    expect_error(CH "00000000000000005\r\nhello\r\n0\r\n\r\n", ST_HTTP_ERR_SYNTAX);  /* 17 digits */
    expect_error(CH "ffffffffffffffff\r\n", ST_HTTP_ERR_BODY_TOO_LARGE);
    expect_error(CH "5\r\nhelloX\r\n0\r\n\r\n", ST_HTTP_ERR_SYNTAX);   /* no CRLF after data */
    expect_error(CH "5\r\nhello\n0\r\n\r\n", ST_HTTP_ERR_SYNTAX);
    expect_error(CH "5;a=\x01\r\nhello\r\n0\r\n\r\n", ST_HTTP_ERR_SYNTAX);
    expect_error(CH "5\nhello\r\n0\r\n\r\n", ST_HTTP_ERR_SYNTAX);      /* bare LF */
    expect_error(CH "5\r\nhello\r\n0\r\nbad trailer\r\n\r\n", ST_HTTP_ERR_SYNTAX);
    /* truncated chunked bodies */
    expect_error(CH "5\r\nhel", ST_HTTP_ERR_TRUNCATED);
    expect_error(CH "5\r\nhello\r\n", ST_HTTP_ERR_TRUNCATED);
    expect_error(CH "5\r\nhello\r\n0\r\n", ST_HTTP_ERR_TRUNCATED);      /* no end of trailers */
    /* 16 digits with leading zeros is fine */
    {
        apr_pool_t *p;
        st_http_parser *hp;
        apr_pool_create(&p, root);
        assert_int_equal(run_s(p, CH "0000000000000005\r\nhello\r\n0\r\n\r\n", &hp), ST_HTTP_DONE);
        assert_string_equal(resp(hp)->body, "hello");
        apr_pool_destroy(p);
    }
#undef CH
}

static void test_body_cap(void **state)
{
    apr_pool_t *p;
    st_http_parser *hp;
    char *big;
    apr_size_t cap = 1024;
    (void)state;

    /* Content-Length over the cap: refused at the end of the header section */
    apr_pool_create(&p, root);
    {
        const char *h = "HTTP/1.1 200 OK\r\nContent-Length: 1025\r\n\r\n";
        assert_int_equal(run(p, h, strlen(h), cap, 0, 0, 0, &hp, NULL), ST_HTTP_ERROR);
        assert_int_equal(st_http_parser_error_code(hp), ST_HTTP_ERR_BODY_TOO_LARGE);
        /* exactly at the cap is fine */
        big = apr_psprintf(p, "HTTP/1.1 200 OK\r\nContent-Length: 1024\r\n\r\n%s",
                           (char *)memset(apr_pcalloc(p, 1025), 'a', 1024));
        assert_int_equal(run(p, big, strlen(big), cap, 0, 0, 0, &hp, NULL), ST_HTTP_DONE);
        assert_int_equal(resp(hp)->body_len, 1024);
    }
    apr_pool_destroy(p);

    /* default cap is 1 MiB */
    apr_pool_create(&p, root);
    {
        const char *h = "HTTP/1.1 200 OK\r\nContent-Length: 1048577\r\n\r\n";
        assert_int_equal(run(p, h, strlen(h), 0, 0, 0, 0, &hp, NULL), ST_HTTP_ERROR);
        assert_int_equal(st_http_parser_error_code(hp), ST_HTTP_ERR_BODY_TOO_LARGE);
        h = "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n";
        assert_int_equal(run(p, h, strlen(h), 0, 0, 0, 0, &hp, NULL), ST_HTTP_ERROR);
    }
    apr_pool_destroy(p);

    /* chunked: many small chunks adding up to more than the cap */
    apr_pool_create(&p, root);
    {
        char *s = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
        for (int i = 0; i < 40; i++)
            s = apr_pstrcat(p, s, "20\r\n0123456789abcdef0123456789abcdef\r\n", NULL);
        s = apr_pstrcat(p, s, "0\r\n\r\n", NULL);
        assert_int_equal(run(p, s, strlen(s), cap, 0, 0, 0, &hp, NULL), ST_HTTP_ERROR);
        assert_int_equal(st_http_parser_error_code(hp), ST_HTTP_ERR_BODY_TOO_LARGE);
        assert_int_equal(run(p, s, strlen(s), 40 * 32, 0, 3, 0, &hp, NULL), ST_HTTP_DONE);
        assert_int_equal(resp(hp)->body_len, 40 * 32);
    }
    apr_pool_destroy(p);

    /* close-delimited body over the cap */
    apr_pool_create(&p, root);
    {
        char *s = apr_pstrcat(p, "HTTP/1.1 200 OK\r\n\r\n",
                              memset(apr_pcalloc(p, 2001), 'b', 2000), NULL);
        assert_int_equal(run(p, s, strlen(s), cap, 0, 100, 1, &hp, NULL), ST_HTTP_ERROR);
        assert_int_equal(st_http_parser_error_code(hp), ST_HTTP_ERR_BODY_TOO_LARGE);
    }
    apr_pool_destroy(p);
}

static void test_bad_status_lines(void **state)
{
    (void)state;
    expect_error("", ST_HTTP_ERR_TRUNCATED);                 /* closed without a byte */
    expect_error("\r\n", ST_HTTP_ERR_SYNTAX);                /* empty line first */
    expect_error("garbage\r\n\r\n", ST_HTTP_ERR_SYNTAX);
    expect_error("{\"status\":\"OK\"}", ST_HTTP_ERR_TRUNCATED);   /* no line end before EOF */
    expect_error("{\"status\":\"OK\"}\r\n", ST_HTTP_ERR_SYNTAX);
    expect_error("http/1.1 200 OK\r\n\r\n", ST_HTTP_ERR_SYNTAX);
    expect_error("HTTP/1.1\r\n\r\n", ST_HTTP_ERR_SYNTAX);
    expect_error("HTTP/1.1 \r\n\r\n", ST_HTTP_ERR_SYNTAX);
    expect_error("HTTP/1.1 20 OK\r\n\r\n", ST_HTTP_ERR_SYNTAX);
    expect_error("HTTP/1.1 2000 OK\r\n\r\n", ST_HTTP_ERR_SYNTAX);
    expect_error("HTTP/1.1 099 Low\r\n\r\n", ST_HTTP_ERR_SYNTAX);
    expect_error("HTTP/1.1 600 High\r\n\r\n", ST_HTTP_ERR_SYNTAX);
    expect_error("HTTP/1.1  200 OK\r\n\r\n", ST_HTTP_ERR_SYNTAX);
    expect_error("HTTP/1.1 2x0 OK\r\n\r\n", ST_HTTP_ERR_SYNTAX);
    expect_error("HTTP/1.10 200 OK\r\n\r\n", ST_HTTP_ERR_SYNTAX);
    expect_error("HTTP/1 200 OK\r\n\r\n", ST_HTTP_ERR_SYNTAX);
    expect_error("HTTP/2.0 200 OK\r\n\r\n", ST_HTTP_ERR_UNSUPPORTED);
    expect_error("HTTP/0.9 200 OK\r\n\r\n", ST_HTTP_ERR_UNSUPPORTED);
    expect_error("HTTP/1.1 200 O\x01K\r\n\r\n", ST_HTTP_ERR_SYNTAX);
    expect_error("HTTP/1.1 200 OK\n\n", ST_HTTP_ERR_SYNTAX);          /* bare LF */
    expect_error("HTTP/1.1 200 OK\rX\n\r\n", ST_HTTP_ERR_SYNTAX);     /* bare CR */
    expect_error("HTTP/1.1 101 Switching Protocols\r\n\r\n", ST_HTTP_ERR_UNSUPPORTED);
    expect_error("HTTP/1.1 200 OK\r\nContent-Le", ST_HTTP_ERR_TRUNCATED);
    {
        /* more than ST_HTTP_MAX_INTERIM interim replies */
        char *s = "";
        apr_pool_t *p;
        apr_pool_create(&p, root);
        for (int i = 0; i <= ST_HTTP_MAX_INTERIM; i++)
            s = apr_pstrcat(p, s, "HTTP/1.1 100 Continue\r\n\r\n", NULL);
        s = apr_pstrcat(p, s, "HTTP/1.1 204 No Content\r\n\r\n", NULL);
        expect_error(s, ST_HTTP_ERR_SYNTAX);
        apr_pool_destroy(p);
    }
}

static void test_bad_fields(void **state)
{
    (void)state;
#define SL "HTTP/1.1 200 OK\r\n"
    expect_error(SL "Content-Length : 2\r\n\r\nok", ST_HTTP_ERR_SYNTAX);
    expect_error(SL " Content-Length: 2\r\n\r\nok", ST_HTTP_ERR_SYNTAX);   /* fold first */
    expect_error(SL ": x\r\n\r\n", ST_HTTP_ERR_SYNTAX);
    expect_error(SL "NoColon\r\n\r\n", ST_HTTP_ERR_SYNTAX);
    expect_error(SL "Bad(Name): x\r\n\r\n", ST_HTTP_ERR_SYNTAX);
    expect_error(SL "X: a\x01" "b\r\n\r\n", ST_HTTP_ERR_SYNTAX);
    expect_error(SL "X: a\x7f" "b\r\n\r\n", ST_HTTP_ERR_SYNTAX);
    expect_error(SL "X: a\r\n b\x02\r\n\r\n", ST_HTTP_ERR_SYNTAX);
    expect_error(SL "X: a\nY: b\r\n\r\n", ST_HTTP_ERR_SYNTAX);
    {
        /* NUL inside a field */
        apr_pool_t *p;
        st_http_parser *hp;
        static const char t[] = SL "X: a\0b\r\n\r\n";
        apr_pool_create(&p, root);
        assert_int_equal(run(p, t, sizeof(t) - 1, 0, 0, 0, 1, &hp, NULL), ST_HTTP_ERROR);
        assert_int_equal(st_http_parser_error_code(hp), ST_HTTP_ERR_SYNTAX);
        apr_pool_destroy(p);
    }
    /* framing conflicts and values */
    expect_error(SL "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n", ST_HTTP_ERR_SYNTAX);
    expect_error(SL "Transfer-Encoding: gzip\r\n\r\n", ST_HTTP_ERR_UNSUPPORTED);
    expect_error(SL "Transfer-Encoding: gzip, chunked\r\n\r\n", ST_HTTP_ERR_UNSUPPORTED);
    expect_error(SL "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
                 ST_HTTP_ERR_UNSUPPORTED);
    expect_error(SL "Transfer-Encoding: chunked;q=1\r\n\r\n", ST_HTTP_ERR_UNSUPPORTED);
    expect_error("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                 ST_HTTP_ERR_UNSUPPORTED);
    expect_error(SL "Content-Length: 2, 3\r\n\r\nok", ST_HTTP_ERR_SYNTAX);
    expect_error(SL "Content-Length: 2\r\nContent-Length: 3\r\n\r\nok", ST_HTTP_ERR_SYNTAX);
    expect_error(SL "Content-Length: +2\r\n\r\nok", ST_HTTP_ERR_SYNTAX);
    expect_error(SL "Content-Length: -1\r\n\r\n", ST_HTTP_ERR_SYNTAX);
    expect_error(SL "Content-Length: 2a\r\n\r\nok", ST_HTTP_ERR_SYNTAX);
    expect_error(SL "Content-Length: 0x2\r\n\r\nok", ST_HTTP_ERR_SYNTAX);
    expect_error(SL "Content-Length:\r\n\r\nok", ST_HTTP_ERR_SYNTAX);
    expect_error(SL "Content-Length: ,\r\n\r\nok", ST_HTTP_ERR_SYNTAX);
    expect_error(SL "Content-Length: 10\r\n\r\nshort", ST_HTTP_ERR_TRUNCATED);
    {
        /* equal repeated values are one value */
        apr_pool_t *p;
        st_http_parser *hp;
        apr_pool_create(&p, root);
        assert_int_equal(run_s(p, SL "Content-Length: 2, 2\r\nContent-Length: 2\r\n\r\nok", &hp),
                         ST_HTTP_DONE);
        assert_string_equal(resp(hp)->body, "ok");
        apr_pool_destroy(p);
    }
#undef SL
}

static void test_folding(void **state)
{
    apr_pool_t *p;
    st_http_parser *hp;
    (void)state;
    apr_pool_create(&p, root);
    assert_int_equal(run_s(p, fixtures[7].text, &hp), ST_HTTP_DONE);
    assert_string_equal(apr_table_get(resp(hp)->headers, "X-Long"), "a b c");
    apr_pool_destroy(p);
    /* a folded Content-Length is read as "2 2": invalid */
    expect_error("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n 2\r\n\r\nok", ST_HTTP_ERR_SYNTAX);
}

static void test_overlong_headers(void **state)
{
    apr_pool_t *p;
    st_http_parser *hp;
    char *s, *v;
    (void)state;

    apr_pool_create(&p, root);
    /* one line over ST_HTTP_MAX_LINE */
    v = memset(apr_pcalloc(p, ST_HTTP_MAX_LINE + 10), 'v', ST_HTTP_MAX_LINE + 1);
    s = apr_pstrcat(p, "HTTP/1.1 200 OK\r\nX: ", v, "\r\n\r\n", NULL);
    assert_int_equal(run(p, s, strlen(s), 0, 0, 0, 1, &hp, NULL), ST_HTTP_ERROR);
    assert_int_equal(st_http_parser_error_code(hp), ST_HTTP_ERR_HEADER_TOO_LARGE);
    /* same, byte by byte */
    assert_int_equal(run(p, s, strlen(s), 0, 0, 1, 1, &hp, NULL), ST_HTTP_ERROR);
    assert_int_equal(st_http_parser_error_code(hp), ST_HTTP_ERR_HEADER_TOO_LARGE);
    /* an overlong status line */
    s = apr_pstrcat(p, "HTTP/1.1 200 ", v, "\r\n\r\n", NULL);
    assert_int_equal(run(p, s, strlen(s), 0, 0, 0, 1, &hp, NULL), ST_HTTP_ERROR);
    assert_int_equal(st_http_parser_error_code(hp), ST_HTTP_ERR_HEADER_TOO_LARGE);
    /* just under the line limit is fine */
    v[ST_HTTP_MAX_LINE - 3] = '\0';   /* "X: " + v = ST_HTTP_MAX_LINE */
    s = apr_pstrcat(p, "HTTP/1.1 200 OK\r\nX: ", v, "\r\nContent-Length: 0\r\n\r\n", NULL);
    assert_int_equal(run(p, s, strlen(s), 0, 0, 0, 0, &hp, NULL), ST_HTTP_DONE);
    /* too many fields */
    s = "HTTP/1.1 200 OK\r\n";
    for (int i = 0; i <= ST_HTTP_MAX_FIELDS; i++)
        s = apr_psprintf(p, "%sX-%d: %d\r\n", s, i, i);
    s = apr_pstrcat(p, s, "Content-Length: 0\r\n\r\n", NULL);
    assert_int_equal(run(p, s, strlen(s), 0, 0, 0, 0, &hp, NULL), ST_HTTP_ERROR);
    assert_int_equal(st_http_parser_error_code(hp), ST_HTTP_ERR_HEADER_TOO_LARGE);
    /* a header section over ST_HTTP_MAX_HEADER_BYTES with fewer, long fields */
    v = memset(apr_pcalloc(p, 2001), 'w', 2000);
    s = "HTTP/1.1 200 OK\r\n";
    for (int i = 0; i < 40; i++)
        s = apr_psprintf(p, "%sX-%d: %s\r\n", s, i, v);
    s = apr_pstrcat(p, s, "Content-Length: 0\r\n\r\n", NULL);
    assert_int_equal(run(p, s, strlen(s), 0, 0, 0, 0, &hp, NULL), ST_HTTP_ERROR);
    assert_int_equal(st_http_parser_error_code(hp), ST_HTTP_ERR_HEADER_TOO_LARGE);
    /* and in trailers */
    s = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n";
    for (int i = 0; i < 40; i++)
        s = apr_psprintf(p, "%sX-%d: %s\r\n", s, i, v);
    s = apr_pstrcat(p, s, "\r\n", NULL);
    assert_int_equal(run(p, s, strlen(s), 0, 0, 0, 0, &hp, NULL), ST_HTTP_ERROR);
    assert_int_equal(st_http_parser_error_code(hp), ST_HTTP_ERR_HEADER_TOO_LARGE);
    apr_pool_destroy(p);
}

static void test_connection_close(void **state)
{
    apr_pool_t *p;
    st_http_parser *hp;
    (void)state;
    apr_pool_create(&p, root);
    assert_int_equal(run_s(p, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", &hp),
                     ST_HTTP_DONE);
    assert_false(resp(hp)->keep_alive);
    assert_int_equal(run_s(p, "HTTP/1.1 200 OK\r\nConnection: Upgrade, CLOSE\r\nContent-Length: 0\r\n\r\n",
                           &hp), ST_HTTP_DONE);
    assert_false(resp(hp)->keep_alive);
    assert_int_equal(run_s(p, "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n",
                           &hp), ST_HTTP_DONE);
    assert_true(resp(hp)->keep_alive);
    /* HTTP/1.0: close unless keep-alive */
    assert_int_equal(run_s(p, "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", &hp), ST_HTTP_DONE);
    assert_false(resp(hp)->keep_alive);
    assert_int_equal(resp(hp)->version_minor, 0);
    assert_int_equal(run_s(p, "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n",
                           &hp), ST_HTTP_DONE);
    assert_true(resp(hp)->keep_alive);
    apr_pool_destroy(p);
}

static void test_no_body_statuses(void **state)
{
    apr_pool_t *p;
    st_http_parser *hp;
    apr_size_t c;
    (void)state;
    apr_pool_create(&p, root);
    /* 304 with a Content-Length describing the representation: no body follows */
    hp = st_http_parser_create(p, 0, 0);
    {
        const char *t = "HTTP/1.1 304 Not Modified\r\nContent-Length: 500\r\n\r\nNEXT";
        assert_int_equal(st_http_parser_feed(hp, t, strlen(t), &c), ST_HTTP_DONE);
        assert_int_equal(c, strlen(t) - 4);
        assert_int_equal(resp(hp)->body_len, 0);
        assert_true(resp(hp)->keep_alive);
    }
    /* 204 even with Transfer-Encoding */
    assert_int_equal(run_s(p, "HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n", &hp),
                     ST_HTTP_DONE);
    assert_int_equal(resp(hp)->body_len, 0);
    /* a HEAD reply */
    {
        const char *t = fixtures[6].text;
        assert_int_equal(run(p, t, strlen(t), 0, 1, 0, 0, &hp, NULL), ST_HTTP_DONE);
        assert_int_equal(resp(hp)->body_len, 0);
        /* the same bytes for a GET want the 1000 bytes */
        assert_int_equal(run(p, t, strlen(t), 0, 0, 0, 0, &hp, NULL), ST_HTTP_MORE);
        assert_int_equal(st_http_parser_eof(hp), ST_HTTP_ERROR);
        assert_int_equal(st_http_parser_error_code(hp), ST_HTTP_ERR_TRUNCATED);
    }
    apr_pool_destroy(p);
}

static void test_body_until_close(void **state)
{
    apr_pool_t *p;
    st_http_parser *hp;
    const char *t = "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/html\r\n\r\nboom\n";
    (void)state;
    apr_pool_create(&p, root);
    hp = st_http_parser_create(p, 0, 0);
    assert_int_equal(st_http_parser_feed(hp, t, strlen(t), NULL), ST_HTTP_MORE);
    assert_true(st_http_parser_headers_done(hp));
    assert_int_equal(st_http_parser_feed(hp, "more", 4, NULL), ST_HTTP_MORE);
    assert_int_equal(st_http_parser_eof(hp), ST_HTTP_DONE);
    assert_true(resp(hp)->until_close);
    assert_false(resp(hp)->keep_alive);
    assert_int_equal(resp(hp)->status, 500);
    assert_string_equal(resp(hp)->body, "boom\nmore");
    assert_string_equal(resp(hp)->content_type, "text/html");
    apr_pool_destroy(p);
}

static void test_error_is_sticky(void **state)
{
    apr_pool_t *p;
    st_http_parser *hp;
    apr_size_t c = 99;
    (void)state;
    apr_pool_create(&p, root);
    hp = st_http_parser_create(p, 0, 0);
    assert_int_equal(st_http_parser_feed(hp, "XTTP/1.1 200 OK\r\n", 17, NULL), ST_HTTP_ERROR);
    assert_int_equal(st_http_parser_feed(hp, "HTTP/1.1 200 OK\r\n\r\n", 19, &c), ST_HTTP_ERROR);
    assert_int_equal(c, 0);
    assert_int_equal(st_http_parser_eof(hp), ST_HTTP_ERROR);
    assert_int_equal(st_http_parser_error_code(hp), ST_HTTP_ERR_SYNTAX);
    assert_false(st_http_parser_headers_done(hp));
    apr_pool_destroy(p);
}

static void test_big_body_in_odd_pieces(void **state)
{
    apr_pool_t *p;
    st_http_parser *hp;
    apr_size_t n = ST_HTTP_DEFAULT_MAX_BODY;
    char *body, *chunked;
    (void)state;
    apr_pool_create(&p, root);
    body = apr_palloc(p, n + 1);
    for (apr_size_t i = 0; i < n; i++)
        body[i] = (char)('a' + i % 26);
    body[n] = '\0';
    /* exactly 1 MiB with Content-Length, fed in 1000-byte pieces */
    {
        char *t = apr_psprintf(p, "HTTP/1.1 200 OK\r\nContent-Length: %" APR_SIZE_T_FMT "\r\n\r\n%s", n, body);
        assert_int_equal(run(p, t, strlen(t), 0, 0, 1000, 0, &hp, NULL), ST_HTTP_DONE);
        assert_int_equal(resp(hp)->body_len, n);
        assert_memory_equal(resp(hp)->body, body, n);
    }
    /* the same as 1 MiB of 4000-byte chunks, fed in 333-byte pieces */
    chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    {
        apr_size_t off = 0;
        apr_array_header_t *parts = apr_array_make(p, 300, sizeof(char *));
        *(char **)apr_array_push(parts) = chunked;
        while (off < n) {
            apr_size_t k = n - off < 4000 ? n - off : 4000;
            *(char **)apr_array_push(parts) = apr_psprintf(p, "%x\r\n%.*s\r\n", (unsigned)k, (int)k, body + off);
            off += k;
        }
        *(char **)apr_array_push(parts) = "0\r\n\r\n";
        chunked = apr_array_pstrcat(p, parts, 0);
        assert_int_equal(run(p, chunked, strlen(chunked), 0, 0, 333, 0, &hp, NULL), ST_HTTP_DONE);
        assert_int_equal(resp(hp)->body_len, n);
        assert_memory_equal(resp(hp)->body, body, n);
        /* one byte less of cap: refused */
        assert_int_equal(run(p, chunked, strlen(chunked), n - 1, 0, 333, 0, &hp, NULL), ST_HTTP_ERROR);
        assert_int_equal(st_http_parser_error_code(hp), ST_HTTP_ERR_BODY_TOO_LARGE);
    }
    apr_pool_destroy(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_content_length),
        cmocka_unit_test(test_zero_length_and_no_reason),
        cmocka_unit_test(test_bytes_after_response),
        cmocka_unit_test(test_chunked),
        cmocka_unit_test(test_fixtures_whole),
        cmocka_unit_test(test_every_byte_split),
        cmocka_unit_test(test_bad_chunks),
        cmocka_unit_test(test_body_cap),
        cmocka_unit_test(test_big_body_in_odd_pieces),
        cmocka_unit_test(test_bad_status_lines),
        cmocka_unit_test(test_bad_fields),
        cmocka_unit_test(test_folding),
        cmocka_unit_test(test_overlong_headers),
        cmocka_unit_test(test_connection_close),
        cmocka_unit_test(test_no_body_statuses),
        cmocka_unit_test(test_body_until_close),
        cmocka_unit_test(test_error_is_sticky),
    };
    int rc;

    cmocka_set_message_output(CM_OUTPUT_TAP);
    apr_initialize();
    apr_pool_create(&root, NULL);
    rc = cmocka_run_group_tests_name("http_parse", tests, NULL, NULL);
    apr_pool_destroy(root);
    apr_terminate();
    return rc;
}

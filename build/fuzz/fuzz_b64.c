/*
 * fuzz_b64.c: the text encodings (src/b64.c) and the small JSON/JS helpers the tokens go
 * through (src/token/json_util.c, src/token/jwt.c):
 *   - st_b64_decode of the input (both alphabets, padding) and encode/decode round trips in
 *     both alphabets;
 *   - encodeURIComponent (st_uri_encode_component) / decodeURIComponent (st_uri_decode_buf,
 *     st_uri_decode_component) round trips: a string comes back exactly when it is UTF-8;
 *   - st_js_trim (UTF-8 and latin1), st_json_quote (read back by jansson), st_js_number (read
 *     back by strtod), st_sha256_hex, st_secure_streq.
 * Input: arbitrary bytes (the first 8 are also read as a double for st_js_number).
 */
#include "fuzz_common.h"

#include <math.h>

#include "token/b64.h"
#include "token/json_util.h"
#include "token/jwt.h"

static int unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           strchr("-_.!~*'()", c) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool_begin();
    const char *in = (const char *)data;
    const char *s = fuzz_cstr(p, data, size);
    size_t slen = strlen(s);
    apr_size_t n = 0, m = 0;
    unsigned char *dec;
    char *enc, *out;
    const char *t;
    int i;

    /* base64 of the input, both alphabets */
    dec = st_b64_decode(p, in, size, &n);
    if (dec) {
        char *es = st_b64_encode(p, dec, n), *eu = st_b64url_encode(p, dec, n);
        unsigned char *back;
        FUZZ_CHECK(dec[n] == '\0' && n <= size);
        FUZZ_CHECK(strlen(es) == (n + 2) / 3 * 4 && strlen(eu) == (n * 4 + 2) / 3);
        back = st_b64_decode(p, es, strlen(es), &m);
        FUZZ_CHECK(back && m == n && memcmp(back, dec, n) == 0);
        back = st_b64_decode(p, eu, strlen(eu), &m);
        FUZZ_CHECK(back && m == n && memcmp(back, dec, n) == 0);
    }
    /* base64 of arbitrary bytes round-trips */
    for (i = 0; i < 2; i++) {
        char *e = i ? st_b64url_encode(p, data, size) : st_b64_encode(p, data, size);
        unsigned char *back = st_b64_decode(p, e, strlen(e), &m);
        FUZZ_CHECK(back && m == size && memcmp(back, data, size) == 0);
    }
    FUZZ_CHECK(st_b64_decode(p, NULL, 1, &m) == NULL);

    /* encodeURIComponent / decodeURIComponent */
    enc = st_uri_encode_component(p, s);
    FUZZ_CHECK(enc != NULL);
    for (t = enc; *t; t++)
        FUZZ_CHECK(unreserved((unsigned char)*t) || (*t == '%' && t[1] && t[2]));
    out = apr_palloc(p, strlen(enc) + 1);
    if (st_uri_decode_buf(enc, strlen(enc), out, &m))
        FUZZ_CHECK(m == slen && memcmp(out, s, slen) == 0 && out[m] == '\0');
    else
        FUZZ_CHECK(!fuzz_utf8_valid(s, slen));
    if (fuzz_utf8_valid(s, slen))
        FUZZ_CHECK(strcmp(st_uri_decode_component(p, enc), s) == 0);
    out = apr_palloc(p, size + 1);
    if (st_uri_decode_buf(in, size, out, &m))
        FUZZ_CHECK(m <= size && out[m] == '\0');
    t = st_uri_decode_component(p, s);
    FUZZ_CHECK(t != NULL && strlen(t) <= slen);
    FUZZ_CHECK(st_uri_encode_component(p, NULL) == NULL);

    /* String.prototype.trim */
    for (i = 0; i < 2; i++) {
        const char *tr = st_js_trim(p, s, i);
        FUZZ_CHECK(tr && strlen(tr) <= slen && strstr(s, tr) != NULL);
        FUZZ_CHECK(strcmp(st_js_trim(p, tr, i), tr) == 0);
    }

    /* JSON string literal, read back */
    if (fuzz_utf8_valid(s, slen)) {
        char *q = st_json_quote(p, s);
        json_t *j = st_json_parse(p, q, strlen(q), JSON_DECODE_ANY);
        FUZZ_CHECK(j && json_is_string(j) && strcmp(json_string_value(j), s) == 0);
    }

    /* Number.prototype.toString */
    if (size >= 8) {
        double v;
        char *num, *end;
        memcpy(&v, data, sizeof(v));
        num = st_js_number(p, v);
        FUZZ_CHECK(num != NULL);
        if (isnan(v) || isinf(v)) {
            FUZZ_CHECK(strcmp(num, "null") == 0);
        }
        else {
            double back = strtod(num, &end);
            FUZZ_CHECK(*end == '\0' && back == v);
            FUZZ_CHECK(st_json_parse(p, num, strlen(num), JSON_DECODE_ANY) != NULL);
        }
    }

    FUZZ_CHECK(strlen(st_sha256_hex(p, in, size)) == 64);
    FUZZ_CHECK(st_secure_streq(s, apr_pstrdup(p, s)) == 1);
    FUZZ_CHECK(st_secure_streq(s, NULL) == 0);
    fuzz_pool_end(p);
    return 0;
}

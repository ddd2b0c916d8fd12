/*
 * test_b64.c: base64 (both alphabets, optional padding, strictness) and the JS URI-component
 * codecs, against protocol.md §6.2/§6.3 constants and ECMAScript's encode/decodeURIComponent.
 */
#include "fixtures/test_util.h"
#include "fixtures/protocol_vectors.h"
#include "token/b64.h"

#define BYTES(s) ((const unsigned char *)(s))

/* §6.2: base64 of the v2 header JSON is the legacy header constant (standard, padded). */
static void encode_v2_header_constant(void **state)
{
    apr_pool_t *p = *state;
    const char *json = "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"version\":\"2\"}";
    assert_string_equal(st_b64_encode(p, BYTES(json), strlen(json)), V_LEGACY_HEADER_V2);
}

/* §6.2: base64url (no padding) of the v5 header JSON. */
static void encode_v5_header_b64url(void **state)
{
    apr_pool_t *p = *state;
    const char *json = "{\"kid\":\"d-1700000000000\",\"typ\":\"JWT\",\"version\":\"5\",\"alg\":\"RS256\"}";
    assert_string_equal(st_b64url_encode(p, BYTES(json), strlen(json)), V62_V5_HEADER_B64URL);
}

static void decode_both_constants(void **state)
{
    apr_pool_t *p = *state;
    apr_size_t n = 0;
    const unsigned char *out;

    out = st_b64_decode(p, V62_V5_HEADER_B64URL, strlen(V62_V5_HEADER_B64URL), &n);
    assert_non_null(out);
    assert_string_equal((const char *)out,
                        "{\"kid\":\"d-1700000000000\",\"typ\":\"JWT\",\"version\":\"5\",\"alg\":\"RS256\"}");
    assert_int_equal(n, 65);   /* strlen of that JSON */

    out = st_b64_decode(p, V_LEGACY_HEADER_V2, strlen(V_LEGACY_HEADER_V2), &n);
    assert_non_null(out);
    assert_string_equal((const char *)out, "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"version\":\"2\"}");
    /* The same without its '=' (Node accepts missing padding). */
    out = st_b64_decode(p, V_LEGACY_HEADER_V2, strlen(V_LEGACY_HEADER_V2) - 1, &n);
    assert_non_null(out);
    assert_string_equal((const char *)out, "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"version\":\"2\"}");
}

/* RFC 4648 §10 vectors, with and without padding, in both alphabets. */
static void decode_rfc4648_vectors(void **state)
{
    apr_pool_t *p = *state;
    static const char *const enc[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
    static const char *const dec[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
    apr_size_t i, n;

    for (i = 0; i < sizeof(enc) / sizeof(enc[0]); i++) {
        const char *e = enc[i];
        apr_size_t len = strlen(e);
        const unsigned char *out = st_b64_decode(p, e, len, &n);
        assert_non_null(out);
        assert_int_equal(n, strlen(dec[i]));
        assert_memory_equal(out, dec[i], n);
        while (len && e[len - 1] == '=')
            len--;
        out = st_b64_decode(p, e, len, &n);
        assert_non_null(out);
        assert_string_equal((const char *)out, dec[i]);
        assert_string_equal(st_b64_encode(p, BYTES(dec[i]), strlen(dec[i])), e);
    }
}

/* "+/" and "-_" decode to the same bytes (0xfb 0xff 0xbf), also mixed in one string. */
static void decode_alphabets_equivalent(void **state)
{
    apr_pool_t *p = *state;
    static const unsigned char want[] = { 0xfb, 0xff, 0xbf, 0xfb, 0xff, 0xbf };
    apr_size_t n;
    const unsigned char *a = st_b64_decode(p, "+/+/+/+/", 8, &n);
    assert_non_null(a);
    assert_int_equal(n, 6);
    assert_memory_equal(a, want, 6);
    assert_memory_equal(st_b64_decode(p, "-_-_-_-_", 8, &n), want, 6);
    assert_memory_equal(st_b64_decode(p, "+_-/+_-/", 8, &n), want, 6);
    assert_string_equal(st_b64_encode(p, want, 6), "+/+/+/+/");
    assert_string_equal(st_b64url_encode(p, want, 6), "-_-_-_-_");
    assert_string_equal(st_b64url_encode(p, want, 1), "-w");
    assert_string_equal(st_b64_encode(p, want, 1), "+w==");
}

static void decode_rejects_malformed(void **state)
{
    apr_pool_t *p = *state;
    apr_size_t n;
    static const char *const bad[] = {
        "Zm9v!", "Zm 9v", "Zm9\n", "Z", "Zm9vY", "Zm=v", "Zm9v=", "Zg===", "Zm9v====", "=",
        "Zg==Zg==", "Zm9v\x80",
    };
    size_t i;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_null(st_b64_decode(p, bad[i], strlen(bad[i]), &n));
    /* A length that stops mid-string is honoured (no reading past in_len). */
    assert_string_equal((const char *)st_b64_decode(p, "Zm9v!!!", 4, &n), "foo");
}

static void roundtrip_all_lengths(void **state)
{
    apr_pool_t *p = *state;
    unsigned char buf[300];
    apr_size_t len, n, i;

    for (i = 0; i < sizeof(buf); i++)
        buf[i] = (unsigned char)(i * 37 + 11);
    for (len = 0; len <= sizeof(buf); len += 7) {
        char *s = st_b64_encode(p, buf, len), *u = st_b64url_encode(p, buf, len);
        assert_int_equal(strlen(s) % 4, 0);
        assert_null(strchr(u, '='));
        assert_memory_equal(st_b64_decode(p, s, strlen(s), &n), buf, len);
        assert_int_equal(n, len);
        assert_memory_equal(st_b64_decode(p, u, strlen(u), &n), buf, len);
        assert_int_equal(n, len);
    }
}

/* §6.2: encodeURIComponent leaves A-Z a-z 0-9 - _ . ! ~ * ' ( ) and escapes the rest as %XX. */
static void uri_encode_set(void **state)
{
    apr_pool_t *p = *state;
    const char *keep = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()";
    assert_string_equal(st_uri_encode_component(p, keep), keep);
    /* Every other printable ASCII character, then é and € as UTF-8. */
    assert_string_equal(st_uri_encode_component(p, " \"#$%&+,/:;<=>?@[\\]^`{|}\xc3\xa9\xe2\x82\xac"),
                        "%20%22%23%24%25%26%2B%2C%2F%3A%3B%3C%3D%3E%3F%40%5B%5C%5D%5E%60%7B%7C%7D%C3%A9%E2%82%AC");
    assert_string_equal(st_uri_encode_component(p, "\x01\x7f"), "%01%7F");
    assert_string_equal(st_uri_encode_component(p, ""), "");
    assert_null(st_uri_encode_component(p, NULL));
    /* §6.3 (c): the refresh token's cookie form. */
    assert_string_equal(st_uri_encode_component(p, V63_REFRESH_TOKEN),
                        "cmVmcmVzaA%2B%2Ftok1%3D.676b8bb84ce7267dd520deca4811c8f10a53e636352f06987f42fe425acedd80.V2");
}

static void uri_decode_valid(void **state)
{
    apr_pool_t *p = *state;
    const char *plain = "no-escapes-here";
    assert_string_equal(st_uri_decode_component(p, "%2B%2F%3D"), "+/=");
    assert_string_equal(st_uri_decode_component(p, "%E2%82%AC"), "\xe2\x82\xac");
    assert_string_equal(st_uri_decode_component(p, "%e2%82%ac"), "\xe2\x82\xac");
    assert_string_equal(st_uri_decode_component(p, "%F0%9F%98%80"), "\xf0\x9f\x98\x80");
    assert_string_equal(st_uri_decode_component(p, "a%20b+c"), "a b+c");   /* '+' is not a space */
    assert_ptr_equal(st_uri_decode_component(p, plain), plain);
    assert_string_equal(st_uri_decode_component(p,
        "cmVmcmVzaA%2B%2Ftok1%3D.676b8bb84ce7267dd520deca4811c8f10a53e636352f06987f42fe425acedd80.V2"),
        V63_REFRESH_TOKEN);
}

/* Inputs on which decodeURIComponent throws come back unchanged (cookie's tryDecode). */
static void uri_decode_invalid_returns_input(void **state)
{
    apr_pool_t *p = *state;
    static const char *const bad[] = {
        "%zz", "%", "a%2", "%C3", "%C3%28", "%C0%AF", "%ED%A0%80", "%F4%90%80%80", "%80",
        "%F8%88%80%80%80", "%E2%82", "%E2%82%2", "%00",
    };
    size_t i;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_ptr_equal(st_uri_decode_component(p, bad[i]), bad[i]);
    assert_null(st_uri_decode_component(p, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(encode_v2_header_constant, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(encode_v5_header_b64url, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(decode_both_constants, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(decode_rfc4648_vectors, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(decode_alphabets_equivalent, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(decode_rejects_malformed, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(roundtrip_all_lengths, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(uri_encode_set, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(uri_decode_valid, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(uri_decode_invalid_returns_input, pool_setup, pool_teardown),
    };
    return RUN_TAP("b64", tests);
}

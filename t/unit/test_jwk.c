/*
 * test_jwk.c: JWKS documents to keys (protocol.md §2.2, §6.3), jose-compatible filtering of
 * unusable keys, malformed documents, lookup by kid and key-set verification (v5 by kid,
 * legacy tokens against every key).
 */
#include "fixtures/test_util.h"
#include "fixtures/protocol_vectors.h"
#include "token/jwk.h"
#include "token/jwt.h"

static apr_array_header_t *must_parse_jwks(apr_pool_t *p, const char *json)
{
    apr_array_header_t *keys = NULL;
    const char *err = st_jwks_parse(p, json, strlen(json), &keys);
    if (err)
        fail_msg("JWKS parse failed: %s", err);
    assert_non_null(keys);
    return keys;
}

static st_jwt *must_parse_jwt(apr_pool_t *p, const char *tok)
{
    st_jwt *jwt = NULL;
    const char *err = st_jwt_parse(p, tok, strlen(tok), &jwt);
    if (err)
        fail_msg("JWT parse failed: %s", err);
    return jwt;
}

/* §6.3: one 2048-bit dynamic key, kid d-1700000000000, which verifies the §6.3 token. */
static void parse_v63_jwks(void **state)
{
    apr_pool_t *p = *state;
    apr_array_header_t *keys = must_parse_jwks(p, V63_JWKS);
    const st_jwk *k;

    assert_int_equal(keys->nelts, 1);
    k = &APR_ARRAY_IDX(keys, 0, st_jwk);
    assert_string_equal(k->kid, "d-1700000000000");
    assert_int_equal(k->is_dynamic, 1);
    assert_int_equal(k->bits, 2048);
    assert_true(EVP_PKEY_is_a(k->key, "RSA"));
    assert_ptr_equal(st_jwks_find(keys, "d-1700000000000"), k);
    assert_null(st_jwks_find(keys, "d-1700000000001"));
    assert_null(st_jwks_find(keys, NULL));
    assert_ptr_equal(st_jwks_verify(keys, must_parse_jwt(p, V63_ACCESS_TOKEN)), k);
}

/* The deprecated /recipe/jwt/jwks adds "status":"OK"; that is ignored. */
static void parse_with_status_member(void **state)
{
    apr_pool_t *p = *state;
    const char *doc = apr_pstrcat(p, "{\"status\":\"OK\",", V63_JWKS + 1, NULL);
    apr_array_header_t *keys = must_parse_jwks(p, doc);
    assert_int_equal(keys->nelts, 1);
    assert_int_equal(st_jwks_verify(keys, must_parse_jwt(p, V63_ACCESS_TOKEN)) != NULL, 1);
}

static void malformed_documents_fail(void **state)
{
    apr_pool_t *p = *state;
    static const char *const bad[] = {
        "", "not json", "[]", "{}", "{\"keys\":{}}", "{\"keys\":null}", "{\"keys\":[1]}",
        "{\"keys\":[{}, \"x\"]}", "{\"keys\":[],\"keys\":[]}", "{\"keys\":[]", "\"keys\"",
    };
    size_t i;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        apr_array_header_t *keys = (apr_array_header_t *)1;
        assert_non_null(st_jwks_parse(p, bad[i], strlen(bad[i]), &keys));
        assert_null(keys);
    }
    assert_non_null(st_jwks_parse(p, NULL, 0, NULL));
}

/* Keys jose would not select for RS256 (or could not import) are skipped, the rest kept in
 * document order. */
static void unusable_keys_skipped(void **state)
{
    apr_pool_t *p = *state;
    EVP_PKEY *k = test_rsa_key(p, 2048), *small = test_rsa_key(p, 1024);
    EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    const char *doc = apr_pstrcat(p, "{\"keys\":[",
        test_jwk_json(p, k, "use-enc", ",\"use\":\"enc\""), ",",
        test_jwk_json(p, k, "alg-rs512", ",\"alg\":\"RS512\""), ",",
        test_jwk_json(p, k, "ops-sign", ",\"key_ops\":[\"sign\"]"), ",",
        test_jwk_json(p, small, "small", ""), ",",
        "{\"kty\":\"EC\",\"kid\":\"ec\",\"crv\":\"P-256\",\"x\":\"AA\",\"y\":\"AA\"}", ",",
        "{\"kty\":\"RSA\",\"kid\":\"no-n\",\"e\":\"AQAB\"}", ",",
        "{\"kty\":\"RSA\",\"kid\":\"bad-n\",\"n\":\"!!!!\",\"e\":\"AQAB\"}", ",",
        "{\"kty\":\"RSA\",\"kid\":\"zero-e\",\"n\":\"AQAB\",\"e\":\"AA\"}", ",",
        test_jwk_json(p, k, "s-static", ",\"use\":\"sig\",\"alg\":\"RS256\",\"key_ops\":[\"verify\"]"), ",",
        test_jwk_json(p, k, NULL, ""), ",",
        test_jwk_json(p, k, "d-2", ",\"use\":7,\"alg\":null"),
        "]}", NULL);
    apr_array_header_t *keys = must_parse_jwks(p, doc);

    EVP_PKEY_free(ec);
    assert_int_equal(keys->nelts, 3);
    assert_string_equal(APR_ARRAY_IDX(keys, 0, st_jwk).kid, "s-static");
    assert_int_equal(APR_ARRAY_IDX(keys, 0, st_jwk).is_dynamic, 0);
    assert_null(APR_ARRAY_IDX(keys, 1, st_jwk).kid);            /* kept for legacy tokens */
    assert_string_equal(APR_ARRAY_IDX(keys, 2, st_jwk).kid, "d-2");   /* non-string use/alg ignored */
    assert_int_equal(APR_ARRAY_IDX(keys, 2, st_jwk).is_dynamic, 1);
    assert_null(st_jwks_find(keys, "small"));
    assert_null(st_jwks_find(keys, "use-enc"));
}

/* A v5 token is verified by the key with its kid only; a key set holding its kid twice fails
 * (jose's ERR_JWKS_MULTIPLE_MATCHING_KEYS). */
static void verify_by_kid(void **state)
{
    apr_pool_t *p = *state;
    EVP_PKEY *a = test_rsa_key(p, 2048), *b = test_rsa_key(p, 2048);
    const char *hdr = "{\"kid\":\"d-b\",\"typ\":\"JWT\",\"version\":\"5\",\"alg\":\"RS256\"}";
    const char *pl = "{\"iat\":1,\"exp\":2,\"sub\":\"u\",\"rsub\":\"u\",\"sessionHandle\":\"h\",\"refreshTokenHash1\":\"r\"}";
    st_jwt *jwt = must_parse_jwt(p, test_token(p, hdr, pl, b));
    apr_array_header_t *keys;

    keys = must_parse_jwks(p, apr_pstrcat(p, "{\"keys\":[", test_jwk_json(p, a, "d-a", ""), ",",
                                          test_jwk_json(p, b, "d-b", ""), "]}", NULL));
    assert_string_equal(st_jwks_verify(keys, jwt)->kid, "d-b");
    /* The right key under the wrong kid does not help. */
    keys = must_parse_jwks(p, apr_pstrcat(p, "{\"keys\":[", test_jwk_json(p, a, "d-b", ""), ",",
                                          test_jwk_json(p, b, "d-a", ""), "]}", NULL));
    assert_null(st_jwks_verify(keys, jwt));
    keys = must_parse_jwks(p, apr_pstrcat(p, "{\"keys\":[", test_jwk_json(p, b, "d-b", ""), ",",
                                          test_jwk_json(p, b, "d-b", ""), "]}", NULL));
    assert_null(st_jwks_verify(keys, jwt));
    assert_null(st_jwks_verify(must_parse_jwks(p, "{\"keys\":[]}"), jwt));
}

/* A legacy (v2) token, standard base64 with padding and no kid, is tried against every key. */
static void verify_legacy_against_all_keys(void **state)
{
    apr_pool_t *p = *state;
    EVP_PKEY *a = test_rsa_key(p, 2048), *b = test_rsa_key(p, 2048);
    const char *pl = "{\"sessionHandle\":\"h\",\"userId\":\"u\",\"refreshTokenHash1\":\"r\",\"userData\":{},"
                     "\"expiryTime\":1,\"timeCreated\":1}";
    const char *input = apr_pstrcat(p, V_LEGACY_HEADER_V2, ".",
                                    st_b64_encode(p, (const unsigned char *)pl, strlen(pl)), NULL);
    const char *tok = apr_pstrcat(p, input, ".", test_sign(p, b, input, 0), NULL);
    st_jwt *jwt = must_parse_jwt(p, tok);
    apr_array_header_t *keys;

    assert_int_equal(jwt->version, 2);
    keys = must_parse_jwks(p, apr_pstrcat(p, "{\"keys\":[", test_jwk_json(p, a, "d-a", ""), ",",
                                          test_jwk_json(p, b, "s-b", ""), "]}", NULL));
    assert_string_equal(st_jwks_verify(keys, jwt)->kid, "s-b");
    keys = must_parse_jwks(p, apr_pstrcat(p, "{\"keys\":[", test_jwk_json(p, a, "d-a", ""), "]}", NULL));
    assert_null(st_jwks_verify(keys, jwt));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(parse_v63_jwks, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(parse_with_status_member, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(malformed_documents_fail, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(unusable_keys_skipped, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(verify_by_kid, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(verify_legacy_against_all_keys, pool_setup, pool_teardown),
    };
    return RUN_TAP("jwk", tests);
}

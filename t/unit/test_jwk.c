/*
 * test_jwk.c: JWKS documents to keys (protocol.md §2.2, §6.3), jose-compatible filtering of
 * unusable keys, malformed documents, lookup by kid and key-set verification (v5 by kid,
 * legacy tokens against every key), public exponents refused (1, even).
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

/* A JWKS of one key {n of a fresh 2048-bit key, e} with kid "d-e". */
static apr_array_header_t *jwks_with_exponent(apr_pool_t *p, EVP_PKEY *k, const BIGNUM *e)
{
    unsigned char be[16];
    int len = BN_bn2bin(e, be);
    const char *jwk = apr_psprintf(p, "{\"kty\":\"RSA\",\"kid\":\"d-e\",\"n\":\"%s\",\"e\":\"%s\"}",
                                   test_bn_param_b64url(p, k, OSSL_PKEY_PARAM_RSA_N),
                                   st_b64url_encode(p, be, (apr_size_t)len));
    return must_parse_jwks(p, apr_pstrcat(p, "{\"keys\":[", jwk, "]}", NULL));
}

/* Public exponents: 1 and even ones are refused at import, for both RS256 paths (OpenSSL 3
 * takes them all); 3 and 65537 are kept. */
static void exponent_even_or_below_3_refused(void **state)
{
    apr_pool_t *p = *state;
    static const struct { unsigned long e; int kept; } cases[] = {
        { 1, 0 }, { 2, 0 }, { 4, 0 }, { 65536, 0 }, { 3, 1 }, { 65537, 1 },
    };
    EVP_PKEY *k = test_rsa_key(p, 2048);
    BIGNUM *e = BN_new();
    size_t i;

    assert_non_null(e);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        apr_array_header_t *keys;
        assert_int_equal(BN_set_word(e, cases[i].e), 1);
        keys = jwks_with_exponent(p, k, e);
        if (keys->nelts != cases[i].kept)
            fail_msg("e = %lu: %d keys kept, expected %d", cases[i].e, keys->nelts, cases[i].kept);
    }
    /* an odd exponent wider than a machine word is an exponent like any other */
    assert_int_equal(BN_set_word(e, 1), 1);
    assert_int_equal(BN_lshift(e, e, 80), 1);
    assert_int_equal(BN_add_word(e, 1), 1);
    assert_int_equal(jwks_with_exponent(p, k, e)->nelts, 1);
    BN_free(e);
}

/* With e = 1, s^e mod n is s: the padded digest itself "verifies". The key must never be used,
 * neither from a JWKS nor when handed to the verify functions directly. */
static void exponent_1_forgery_refused(void **state)
{
    static const unsigned char prefix[19] = {
        0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
        0x05, 0x00, 0x04, 0x20
    };
    apr_pool_t *p = *state;
    EVP_PKEY *k = test_rsa_key(p, 2048), *weak;
    const char *hdr = "{\"kid\":\"d-e\",\"typ\":\"JWT\",\"version\":\"5\",\"alg\":\"RS256\"}";
    const char *pl = "{\"iat\":1,\"exp\":2,\"sub\":\"admin\",\"rsub\":\"admin\",\"sessionHandle\":\"h\","
                     "\"refreshTokenHash1\":\"r\"}";
    const char *input = apr_pstrcat(p, st_b64url_encode(p, (const unsigned char *)hdr, strlen(hdr)), ".",
                                    st_b64url_encode(p, (const unsigned char *)pl, strlen(pl)), NULL);
    unsigned char em[256], *dg = em + 256 - 32;
    BIGNUM *e = BN_new(), *n = NULL;
    EVP_PKEY_CTX *ctx;
    apr_array_header_t *keys;
    st_jwt *jwt;
    unsigned int dlen = 0;

    /* EM = 00 01 FF..FF 00 DigestInfo(SHA-256) digest: the signature under e = 1 */
    em[0] = 0x00;
    em[1] = 0x01;
    memset(em + 2, 0xff, 256 - 3 - sizeof(prefix) - 32);
    em[256 - 33 - sizeof(prefix)] = 0x00;
    memcpy(em + 256 - 32 - sizeof(prefix), prefix, sizeof(prefix));
    assert_int_equal(EVP_Digest(input, strlen(input), dg, &dlen, EVP_sha256(), NULL), 1);
    jwt = must_parse_jwt(p, apr_pstrcat(p, input, ".", st_b64url_encode(p, em, sizeof(em)), NULL));

    assert_non_null(e);
    assert_int_equal(BN_set_word(e, 1), 1);
    keys = jwks_with_exponent(p, k, e);
    assert_int_equal(keys->nelts, 0);
    assert_null(st_jwks_verify(keys, jwt));

    /* the same key made directly, as OpenSSL allows: the verify functions refuse it too */
    assert_int_equal(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_N, &n), 1);
    {
        OSSL_PARAM params[] = { OSSL_PARAM_END, OSSL_PARAM_END, OSSL_PARAM_END };
        unsigned char nb[256], eb[1] = { 1 };
        assert_int_equal(BN_bn2nativepad(n, nb, sizeof(nb)), (int)sizeof(nb));
        params[0] = OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_RSA_N, nb, sizeof(nb));
        params[1] = OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_RSA_E, eb, sizeof(eb));
        ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
        weak = NULL;
        assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
        assert_int_equal(EVP_PKEY_fromdata(ctx, &weak, EVP_PKEY_PUBLIC_KEY, params), 1);
        EVP_PKEY_CTX_free(ctx);
    }
    apr_pool_cleanup_register(p, weak, test_pkey_free, apr_pool_cleanup_null);
    /* the forgery is real: OpenSSL itself accepts it under this key */
    {
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        assert_non_null(md);
        assert_int_equal(EVP_DigestVerifyInit_ex(md, NULL, "SHA256", NULL, NULL, weak, NULL), 1);
        assert_int_equal(EVP_DigestVerify(md, jwt->signature, jwt->signature_len,
                                          (const unsigned char *)input, strlen(input)), 1);
        EVP_MD_CTX_free(md);
    }
    assert_int_equal(st_jwt_rsa_exponent_ok(weak), 0);
    assert_int_equal(st_jwt_verify_rs256(jwt, weak), 0);
    assert_null(st_jwt_rs256_prepare(weak));
    assert_null(st_rsa_ifma_prepare(p, weak));
    assert_int_equal(st_jwt_rsa_exponent_ok(k), 1);
    BN_free(n);
    BN_free(e);
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
        cmocka_unit_test_setup_teardown(exponent_even_or_below_3_refused, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(exponent_1_forgery_refused, pool_setup, pool_teardown),
    };
    return RUN_TAP("jwk", tests);
}

/*
 * jwk.c: JWKS parsing into EVP_PKEYs (OpenSSL 3 provider API, no deprecated RSA_*), key lookup
 * by kid and jose-compatible key selection for verification.
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>

#include "token/b64.h"
#include "token/json_util.h"
#include "token/jwk.h"

#define JWK_MIN_BITS 2048       /* jose's floor for RS256 */
#define JWK_MAX_BITS 16384      /* OpenSSL's own ceiling for RSA public operations */

static apr_status_t pkey_cleanup(void *data)
{
    EVP_PKEY_free((EVP_PKEY *)data);
    return APR_SUCCESS;
}

static apr_status_t pkey_ctx_cleanup(void *ctx)
{
    EVP_PKEY_CTX_free((EVP_PKEY_CTX *)ctx);
    return APR_SUCCESS;
}

/* Decode a base64url JWK member into a BIGNUM (big-endian magnitude); NULL if unusable. */
static BIGNUM *jwk_bn(apr_pool_t *p, const json_t *jwk, const char *member)
{
    const char *s = st_json_string(jwk, member);
    const unsigned char *raw;
    apr_size_t len;

    if (!s || !*s)
        return NULL;
    raw = st_b64_decode(p, s, strlen(s), &len);
    if (!raw || len == 0 || len > JWK_MAX_BITS / 8)
        return NULL;
    return BN_bin2bn(raw, (int)len, NULL);
}

/* Build an RSA public EVP_PKEY from n and e with OSSL_PARAM_BLD + EVP_PKEY_fromdata. */
static EVP_PKEY *rsa_from_ne(const BIGNUM *n, const BIGNUM *e)
{
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    EVP_PKEY *pkey = NULL;

    if (bld && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) &&
        (params = OSSL_PARAM_BLD_to_param(bld)) != NULL &&
        (ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) != NULL &&
        EVP_PKEY_fromdata_init(ctx) == 1) {
        if (EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
            pkey = NULL;
    }
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    return pkey;
}

/* jose's candidate filter for an RS256 token, minus the kid comparison. */
static int selectable_for_rs256(const json_t *jwk)
{
    const char *kty = st_json_string(jwk, "kty");
    const json_t *use = json_object_get(jwk, "use");
    const json_t *alg = json_object_get(jwk, "alg");
    const json_t *ops = json_object_get(jwk, "key_ops");

    if (!kty || strcmp(kty, "RSA") != 0)
        return 0;
    if (json_is_string(use) && strcmp(json_string_value(use), "sig") != 0)
        return 0;
    if (json_is_string(alg) && strcmp(json_string_value(alg), "RS256") != 0)
        return 0;
    if (json_is_array(ops)) {
        size_t i;
        int verify = 0;
        for (i = 0; i < json_array_size(ops); i++) {
            const json_t *op = json_array_get(ops, i);
            if (json_is_string(op) && !strcmp(json_string_value(op), "verify"))
                verify = 1;
        }
        if (!verify)
            return 0;
    }
    return 1;
}

EVP_PKEY *st_jwk_rsa_import(apr_pool_t *p, const json_t *jwk)
{
    BIGNUM *n = jwk_bn(p, jwk, "n"), *e = jwk_bn(p, jwk, "e");
    EVP_PKEY *pkey = NULL;
    int bits;

    if (n && e && !BN_is_zero(e))
        pkey = rsa_from_ne(n, e);
    BN_free(n);
    BN_free(e);
    if (!pkey)
        return NULL;
    bits = EVP_PKEY_get_bits(pkey);
    if (bits < JWK_MIN_BITS || bits > JWK_MAX_BITS || !st_jwt_rsa_exponent_ok(pkey)) {
        EVP_PKEY_free(pkey);
        return NULL;
    }
    apr_pool_cleanup_register(p, pkey, pkey_cleanup, apr_pool_cleanup_null);
    return pkey;
}

/* One JWK to an st_jwk; 0 (and nothing allocated that outlives the call) if unusable. */
static int import_jwk(apr_pool_t *p, const json_t *jwk, st_jwk *out)
{
    EVP_PKEY *pkey;
    const char *kid;
    int bits;

    memset(out, 0, sizeof(*out));
    if (!selectable_for_rs256(jwk) || (pkey = st_jwk_rsa_import(p, jwk)) == NULL)
        return 0;
    bits = EVP_PKEY_get_bits(pkey);
    out->verify_ctx = st_jwt_rs256_prepare(pkey);
    if (out->verify_ctx) {
        apr_pool_cleanup_register(p, out->verify_ctx, pkey_ctx_cleanup, apr_pool_cleanup_null);
        out->fast = st_rsa_ifma_prepare(p, pkey);
    }
    kid = st_json_string(jwk, "kid");
    out->kid = kid;
    out->is_dynamic = kid && strncmp(kid, "d-", 2) == 0;
    out->bits = bits;
    out->key = pkey;
    return 1;
}

const char *st_jwks_parse(apr_pool_t *p, const char *json, apr_size_t len,
                          apr_array_header_t **keys_out)
{
    json_t *doc, *keys;
    apr_array_header_t *arr;
    size_t i;

    if (keys_out)
        *keys_out = NULL;
    if (!json || !keys_out)
        return "no JWKS document";
    doc = st_json_parse(p, json, len, 0);
    if (!json_is_object(doc))
        return "JWKS is not a JSON object";
    keys = json_object_get(doc, "keys");
    if (!json_is_array(keys))
        return "JWKS has no keys array";
    for (i = 0; i < json_array_size(keys); i++)
        if (!json_is_object(json_array_get(keys, i)))
            return "JWKS keys array holds a non-object";

    arr = apr_array_make(p, (int)json_array_size(keys) + 1, sizeof(st_jwk));
    /* Importing a bad key leaves errors on OpenSSL's per-thread queue; drop only ours. */
    ERR_set_mark();
    for (i = 0; i < json_array_size(keys); i++) {
        st_jwk k;
        if (import_jwk(p, json_array_get(keys, i), &k))
            *(st_jwk *)apr_array_push(arr) = k;
    }
    ERR_pop_to_mark();
    *keys_out = arr;
    return NULL;
}

const st_jwk *st_jwks_find(const apr_array_header_t *keys, const char *kid)
{
    int i;

    if (!keys || !kid)
        return NULL;
    for (i = 0; i < keys->nelts; i++) {
        const st_jwk *k = &APR_ARRAY_IDX(keys, i, st_jwk);
        if (k->kid && strcmp(k->kid, kid) == 0)
            return k;
    }
    return NULL;
}

static int verify_with(const st_jwt *jwt, const st_jwk *k)
{
    if (k->fast)
        return st_jwt_verify_rs256_ifma(jwt, k->fast);
    return k->verify_ctx ? st_jwt_verify_rs256_prepared(jwt, k->verify_ctx)
                         : st_jwt_verify_rs256(jwt, k->key);
}

const st_jwk *st_jwks_verify(const apr_array_header_t *keys, const st_jwt *jwt)
{
    const st_jwk *match = NULL;
    int i;

    if (!keys || !jwt)
        return NULL;
    if (jwt->kid) {
        for (i = 0; i < keys->nelts; i++) {
            const st_jwk *k = &APR_ARRAY_IDX(keys, i, st_jwk);
            if (k->kid && strcmp(k->kid, jwt->kid) == 0) {
                if (match)
                    return NULL;    /* jose: ERR_JWKS_MULTIPLE_MATCHING_KEYS is fatal for v3+ */
                match = k;
            }
        }
        return match && verify_with(jwt, match) ? match : NULL;
    }
    for (i = 0; i < keys->nelts; i++) {
        const st_jwk *k = &APR_ARRAY_IDX(keys, i, st_jwk);
        if (verify_with(jwt, k))
            return k;
    }
    return NULL;
}

/*
 * fuzz_jwt.c: access tokens as they arrive in the Authorization header or sAccessToken
 * cookie: st_jwt_parse (split, base64 decode, header and payload JSON, structure check),
 * then st_jwt_check_time at several clocks, RS256 verification against the key of the
 * protocol vectors' JWKS (directly, through the prepared context and through st_jwks_verify),
 * and the front-token that a verified token would produce.
 *
 * Input: the token bytes as sent; or, when the first byte is 0x01, a structured form so the
 * fuzzer can work on the JSON directly:
 *   0x01 <mode> <header JSON> '\0' <payload JSON> '\0' <signature bytes>
 * mode bit 0: standard alphabet with padding instead of base64url; bit 1: use the legacy v2
 * header constant instead of the given header.
 */
#include "fuzz_common.h"

#include <limits.h>

#include "token/b64.h"
#include "token/front_token.h"
#include "token/json_util.h"
#include "token/jwk.h"
#include "token/jwt.h"
#include "protocol_vectors.h"

static apr_array_header_t *keys;
static const st_jwk *key;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_setup();
    if (st_jwks_parse(fuzz_global_pool, V63_JWKS, strlen(V63_JWKS), &keys) != NULL
        || (key = st_jwks_find(keys, "d-1700000000000")) == NULL) {
        fprintf(stderr, "fuzz_jwt: the vectors' JWKS did not parse\n");
        abort();
    }
    return 0;
}

static const char *encode(apr_pool_t *p, const char *s, size_t n, int std)
{
    return std ? st_b64_encode(p, (const unsigned char *)s, n)
               : st_b64url_encode(p, (const unsigned char *)s, n);
}

static const char *structured(apr_pool_t *p, fuzz_in *in, size_t *len)
{
    int mode = fuzz_u8(in);
    size_t hl, pl;
    const char *h = fuzz_field(p, in, &hl);
    const char *pj = fuzz_field(p, in, &pl);
    const char *tok = apr_pstrcat(p, (mode & 2) ? V_LEGACY_HEADER_V2 : encode(p, h, hl, mode & 1), ".",
                                  encode(p, pj, pl, mode & 1), ".",
                                  encode(p, (const char *)in->d, in->n, mode & 1), NULL);
    *len = strlen(tok);
    return tok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool_begin();
    const char *token = (const char *)data;
    size_t len = size;
    st_jwt *jwt = NULL;
    const char *err;

    if (size > 0 && data[0] == 0x01) {
        fuzz_in in = { data + 1, size - 1 };
        token = structured(p, &in, &len);
    }
    err = st_jwt_parse(p, token, len, &jwt);
    if (err != NULL) {
        FUZZ_CHECK(jwt == NULL);
    }
    else {
        static const apr_time_t clocks[] = {
            0, 1, -1, APR_INT64_C(1795341891) * APR_USEC_PER_SEC, APR_INT64_MAX, APR_INT64_MIN
        };
        int ok_direct, ok_prepared;
        const st_jwk *via_set;
        size_t i;

        FUZZ_CHECK(jwt != NULL && st_jwt_payload(jwt) && json_is_object(st_jwt_payload(jwt)));
        FUZZ_CHECK(jwt->version >= 2 && jwt->user_id && jwt->session_handle && jwt->refresh_token_hash1);
        FUZZ_CHECK(jwt->recipe_user_id && jwt->tenant_id);
        FUZZ_CHECK((jwt->version == 2) == (jwt->kid == NULL));
        FUZZ_CHECK(jwt->signing_input_len < jwt->token_len
                   && memcmp(jwt->signing_input, token, jwt->signing_input_len) == 0);
        for (i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++)
            (void)st_jwt_check_time(jwt, clocks[i]);

        ok_direct = st_jwt_verify_rs256(jwt, key->key);
        ok_prepared = key->verify_ctx ? st_jwt_verify_rs256_prepared(jwt, key->verify_ctx) : ok_direct;
        FUZZ_CHECK(ok_direct == ok_prepared);
        via_set = st_jwks_verify(keys, jwt);
        FUZZ_CHECK(via_set == NULL || via_set == key);
        FUZZ_CHECK(!ok_direct || jwt->alg_rs256);
        if (jwt->kid && strcmp(jwt->kid, key->kid) == 0)
            FUZZ_CHECK((via_set != NULL) == ok_direct);

        /* what a verified session publishes */
        FUZZ_CHECK(st_front_token_build(p, jwt->user_id, jwt->expiry_ms, st_jwt_user_data(jwt)) != NULL);
        FUZZ_CHECK(st_json_dump(p, st_jwt_payload(jwt)) != NULL);
        (void)st_sha256_hex(p, jwt->refresh_token_hash1, strlen(jwt->refresh_token_hash1));
        (void)st_secure_streq(jwt->anti_csrf_token, jwt->session_handle);
    }
    fuzz_pool_end(p);
    return 0;
}

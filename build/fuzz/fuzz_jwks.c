/*
 * fuzz_jwks.c: the core's JWKS document (GET /.well-known/jwks.json): st_jwks_parse (JSON,
 * jose's key filter, base64url n/e, RSA import through OpenSSL), then st_jwks_find for every
 * kid and st_jwks_verify of the protocol vectors' v5 token and legacy v2 token against the
 * parsed set. Input: the document bytes.
 */
#include "fuzz_common.h"

#include "token/jwk.h"
#include "token/jwt.h"
#include "protocol_vectors.h"

static st_jwt *v5_token, *v2_token;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_setup();
    if (st_jwt_parse(fuzz_global_pool, V63_ACCESS_TOKEN, strlen(V63_ACCESS_TOKEN), &v5_token) != NULL
        || st_jwt_parse(fuzz_global_pool, V61_V2_TOKEN, strlen(V61_V2_TOKEN), &v2_token) != NULL) {
        fprintf(stderr, "fuzz_jwks: the vectors' tokens did not parse\n");
        abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool_begin();
    apr_array_header_t *keys = NULL;
    const char *err = st_jwks_parse(p, (const char *)data, size, &keys);

    if (err != NULL) {
        FUZZ_CHECK(keys == NULL);
    }
    else {
        const st_jwk *k;
        int i;

        FUZZ_CHECK(keys != NULL);
        for (i = 0; i < keys->nelts; i++) {
            const st_jwk *e = &APR_ARRAY_IDX(keys, i, st_jwk);
            FUZZ_CHECK(e->key != NULL && e->bits >= 2048 && e->bits <= 16384);
            FUZZ_CHECK(e->is_dynamic == (e->kid && strncmp(e->kid, "d-", 2) == 0));
            if (e->kid) {
                k = st_jwks_find(keys, e->kid);
                FUZZ_CHECK(k != NULL && strcmp(k->kid, e->kid) == 0 && k <= e);
            }
        }
        FUZZ_CHECK(st_jwks_find(keys, NULL) == NULL);
        k = st_jwks_verify(keys, v5_token);
        FUZZ_CHECK(k == NULL || (k->kid && strcmp(k->kid, v5_token->kid) == 0));
        k = st_jwks_verify(keys, v2_token);   /* legacy: tried against every key */
        (void)k;
    }
    fuzz_pool_end(p);
    return 0;
}

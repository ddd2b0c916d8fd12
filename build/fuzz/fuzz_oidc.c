/*
 * fuzz_oidc.c: the parsers of third-party sign-in (src/token/oidc.c), as src/api/tp_provider.c
 * and tp_flow.c use them. The first byte picks the parser, the rest is its input:
 *   0: a discovery document (st_oidc_discovery_parse);
 *   1: a token endpoint's reply (st_oidc_token_reply_parse), then its access_token/id_token;
 *   2: an ID token (st_oidc_id_token_parse), its signature against a fixed JWKS of an RSA and an
 *      EC P-256 key (st_oidc_id_token_verify), its claims (st_oidc_id_token_check) with and
 *      without a nonce, and the user-info map's field paths over its claims (st_oidc_field);
 *   3: a provider JWKS (st_oidc_jwks_parse).
 */
#include "fuzz_common.h"

#include "token/json_util.h"
#include "token/oidc.h"

static apr_array_header_t *fixed_keys;

static const char fixed_jwks[] =
    "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"ec-1\",\"use\":\"sig\",\"alg\":\"ES256\","
    "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\",\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"},"
    "{\"kty\":\"RSA\",\"kid\":\"rsa-1\",\"e\":\"AQAB\",\"n\":\"" /* 2048-bit test modulus */
    "u1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0_IzW7yWR7QkrmBL7jTKEn5u-qKhbwKfBstIs-bMY2Zkp18gnTxKLxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW_VDL5AaWTg0nLVkjRo9z-40RQzuVaE8AkAFmxZzow3x-VJYKdjykkJ0iT9wCS0DRTXu269V264Vf_3jvredZiKRkgwlL9xNAwxXFg0x_XFw005UWVRIkdgcKWTjpBP2dPwVZ4WWC-9aGVd-Gyn1o0CLelf4rEjGoXbAAEgAqeGUxrcIlbjXfbcmw\"}]}";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_setup();
    st_oidc_jwks_parse(fuzz_global_pool, fixed_jwks, strlen(fixed_jwks), &fixed_keys);
    return 0;
}

static void id_token(apr_pool_t *p, const char *in, size_t n)
{
    st_id_token *t = NULL;
    st_oidc_expect e = { "https://idp.example", "client", NULL };
    int no_key = 0;

    if (st_oidc_id_token_parse(p, in, n, &t) != NULL) {
        FUZZ_CHECK(t == NULL);
        return;
    }
    FUZZ_CHECK(t && t->alg && json_is_object(t->claims));
    (void)st_oidc_id_token_verify(t, fixed_keys, &no_key);
    (void)st_oidc_id_token_check(t, &e, apr_time_from_sec(1700000000));
    e.nonce = "n-0";
    (void)st_oidc_id_token_check(t, &e, apr_time_from_sec(1700000000));
    (void)st_oidc_field(t->claims, "sub");
    (void)st_oidc_field(t->claims, "a.b.c");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    const char *in = (const char *)data + 1;
    size_t n = size ? size - 1 : 0;

    if (size == 0)
        return 0;
    p = fuzz_pool_begin();
    switch (data[0] & 3) {
    case 0: {
        st_oidc_discovery d;
        if (st_oidc_discovery_parse(p, in, n, &d) == NULL)
            FUZZ_CHECK(d.issuer && *d.issuer);
        break;
    }
    case 1: {
        json_t *t = NULL;
        if (st_oidc_token_reply_parse(p, in, n, &t) == NULL) {
            FUZZ_CHECK(json_is_object(t));
            if (st_json_string(t, "id_token"))
                id_token(p, st_json_string(t, "id_token"), strlen(st_json_string(t, "id_token")));
        }
        break;
    }
    case 2:
        id_token(p, in, n);
        break;
    default: {
        apr_array_header_t *keys = NULL;
        if (st_oidc_jwks_parse(p, in, n, &keys) == NULL)
            FUZZ_CHECK(keys != NULL);
        break;
    }
    }
    fuzz_pool_end(p);
    return 0;
}

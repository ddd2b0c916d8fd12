/*
 * fuzz_jwt.c: access tokens as they arrive in the Authorization header or sAccessToken
 * cookie: st_jwt_parse (split, base64 decode, header and payload JSON, structure check),
 * then st_jwt_check_time at several clocks, RS256 verification against the key of the
 * protocol vectors' JWKS (directly, through the prepared context and through st_jwks_verify),
 * the front-token that a verified token would produce, and the verification cache's copy of the
 * token (st_jwt_copy_flat, st_jwt_borrow; st_vcache_put and st_vcache_get of the exact bytes and
 * with one byte changed).
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
#include "token/jwt_copy.h"
#include "core/vcache.h"
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
    if (st_vcache_child_init(fuzz_global_pool, 64) != APR_SUCCESS)
        abort();
    return 0;
}

static int same_object(const st_js_object *a, const st_js_object *b)
{
    int i;
    if (a->n != b->n)
        return 0;
    for (i = 0; i < a->n; i++) {
        const st_js_member *x = &a->members[i], *y = &b->members[i];
        if (strcmp(x->key, y->key) != 0 || x->type != y->type || x->raw_len != y->raw_len
            || memcmp(x->raw, y->raw, x->raw_len) != 0 || (x->str == NULL) != (y->str == NULL)
            || (x->str && (x->str_len != y->str_len || memcmp(x->str, y->str, x->str_len) != 0)))
            return 0;
    }
    return 1;
}

/* The cache's copy reads as the parse; exactly these bytes hit, and a lookup of other bytes
 * never returns an entry of different bytes. */
static void check_copy_and_cache(apr_pool_t *p, const st_jwt *jwt)
{
    static int owner;
    st_jwt *flat = st_jwt_copy_flat(jwt, NULL), *view;
    st_vcache_entry *e;
    char *other;

    FUZZ_CHECK(flat != NULL);
    view = st_jwt_borrow(p, flat);
    FUZZ_CHECK(view->token_len == jwt->token_len && memcmp(view->token, jwt->token, jwt->token_len) == 0);
    FUZZ_CHECK(view->payload_json_len == jwt->payload_json_len
               && memcmp(view->payload_json, jwt->payload_json, jwt->payload_json_len) == 0);
    FUZZ_CHECK(view->signing_input_len == jwt->signing_input_len
               && memcmp(view->signing_input, jwt->signing_input, jwt->signing_input_len) == 0);
    FUZZ_CHECK(view->signature_len == jwt->signature_len
               && (jwt->signature_len == 0 || memcmp(view->signature, jwt->signature, jwt->signature_len) == 0));
    FUZZ_CHECK(strcmp(view->user_id, jwt->user_id) == 0 && strcmp(view->tenant_id, jwt->tenant_id) == 0);
    FUZZ_CHECK(view->expiry_ms == jwt->expiry_ms && view->version == jwt->version);
    FUZZ_CHECK(same_object(&view->claims, &jwt->claims) && same_object(&view->header_claims, &jwt->header_claims));
    FUZZ_CHECK(st_jwt_payload(view) != NULL);
    /* the clock checks read what the parse resolved: the copy judges every time alike */
    {
        static const apr_time_t when[] = { 0, APR_INT64_C(1795345491000000), APR_INT64_C(4102444800000000) };
        int i;
        for (i = 0; i < 3; i++) {
            const char *a = st_jwt_check_time(jwt, when[i]), *b = st_jwt_check_time(view, when[i]);
            FUZZ_CHECK(a == b || (a && b && strcmp(a, b) == 0));
        }
    }
    st_jwt_copy_free(flat);

    st_vcache_put(&owner, jwt, "kid", 1);
    e = st_vcache_get(p, &owner, jwt->token, jwt->token_len);
    /* a miss only when exp has passed (the entry is dropped) */
    FUZZ_CHECK(e != NULL || jwt->expiry_ms <= apr_time_as_msec(apr_time_now()));
    if (e)
        FUZZ_CHECK(st_vcache_jwt(e)->token_len == jwt->token_len);
    other = apr_pstrmemdup(p, jwt->token, jwt->token_len);
    other[jwt->token_len / 2] ^= 0x20;
    e = st_vcache_get(p, &owner, other, jwt->token_len);   /* only ever an entry of those bytes */
    FUZZ_CHECK(e == NULL || memcmp(st_vcache_jwt(e)->token, other, jwt->token_len) == 0);
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
        check_copy_and_cache(p, jwt);
    }
    fuzz_pool_end(p);
    return 0;
}

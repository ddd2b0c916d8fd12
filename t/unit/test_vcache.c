/*
 * test_vcache.c: flat copies of parsed tokens (token/jwt_copy.c) and the verification cache
 * (core/vcache.c): a copy reads exactly as the parse it came from, only the exact token bytes
 * of the same owner hit, an expired token is dropped, the cache stays within its size with the
 * least recently used out first, a lent entry outlives its eviction (ASan and valgrind see the
 * frees), forget and generations, tokens that end alike, and attachments.
 */
#include "fixtures/test_util.h"
#include "core/vcache.h"
#include "token/jwt.h"
#include "token/jwt_copy.h"

#define HDR "{\"kid\":\"d-1\",\"typ\":\"JWT\",\"version\":\"5\",\"alg\":\"RS256\"}"

/* A v5 token for user `sub` expiring at `exp` (unsigned: the cache is told what verified). */
static st_jwt *token_for(apr_pool_t *p, const char *sub, apr_int64_t exp)
{
    const char *payload = apr_psprintf(p,
        "{\"iat\":1700000000,\"exp\":%" APR_INT64_T_FMT ",\"sub\":\"%s\",\"tId\":\"t1\",\"sessionHandle\":\"h1\","
        "\"refreshTokenHash1\":\"r1\",\"parentRefreshTokenHash1\":null,\"antiCsrfToken\":\"c1\","
        "\"rsub\":\"%s\",\"st-role\":{\"v\":[\"admin\"],\"t\":1},\"n\":1.5,\"s\":\"a\\u0000b\"}",
        exp, sub, sub);
    /* signed, as every token the cache holds is: the cache places a token by its last bytes */
    EVP_PKEY *key = NULL;
    const char *tok;
    st_jwt *jwt = NULL;

    apr_pool_userdata_get((void **)&key, "test_vcache key", p);
    if (key == NULL) {
        key = test_rsa_key(p, 1024);
        apr_pool_userdata_setn(key, "test_vcache key", NULL, p);
    }
    tok = test_token(p, HDR, payload, key);
    const char *err = st_jwt_parse(p, tok, strlen(tok), &jwt);
    if (err)
        fail_msg("parse: %s", err);
    return jwt;
}

static apr_int64_t later(void)
{
    return (apr_int64_t)apr_time_sec(apr_time_now()) + 3600;
}

static void assert_same_object(const st_js_object *a, const st_js_object *b)
{
    int i;
    assert_int_equal(a->n, b->n);
    for (i = 0; i < a->n; i++) {
        const st_js_member *x = &a->members[i], *y = &b->members[i];
        assert_ptr_not_equal(x->key, y->key);
        assert_string_equal(x->key, y->key);
        assert_int_equal(x->type, y->type);
        assert_int_equal(x->raw_len, y->raw_len);
        assert_memory_equal(x->raw, y->raw, x->raw_len);
        assert_int_equal(x->str == NULL, y->str == NULL);
        if (x->str) {
            assert_int_equal(x->str_len, y->str_len);
            assert_memory_equal(x->str, y->str, x->str_len + 1);
        }
        assert_true(x->num == y->num || (x->num != x->num && y->num != y->num));
        assert_int_equal(x->is_int, y->is_int);
    }
}

static void flat_copy_reads_as_the_parse(void **state)
{
    apr_pool_t *p = *state, *borrower;
    st_jwt *jwt = token_for(p, "user-1", later()), *flat, *view;
    apr_size_t size = 0;

    flat = st_jwt_copy_flat(jwt, &size);
    assert_non_null(flat);
    assert_true(size > jwt->token_len + jwt->payload_json_len);
    assert_null(flat->pool);
    assert_int_equal(flat->version, 5);
    assert_int_equal(flat->token_len, jwt->token_len);
    assert_memory_equal(flat->token, jwt->token, jwt->token_len + 1);
    assert_string_equal(flat->kid, "d-1");
    assert_string_equal(flat->header_b64, jwt->header_b64);
    assert_string_equal(flat->payload_b64, jwt->payload_b64);
    assert_string_equal(flat->signature_b64, jwt->signature_b64);
    assert_int_equal(flat->signing_input_len, jwt->signing_input_len);
    assert_memory_equal(flat->signing_input, jwt->signing_input, jwt->signing_input_len);
    assert_ptr_equal(flat->signing_input, flat->token);   /* shared, not copied */
    assert_int_equal(flat->signature_len, jwt->signature_len);
    assert_memory_equal(flat->signature, jwt->signature, jwt->signature_len);
    assert_int_equal(flat->payload_json_len, jwt->payload_json_len);
    assert_memory_equal(flat->payload_json, jwt->payload_json, jwt->payload_json_len);
    assert_string_equal(flat->user_id, "user-1");
    assert_string_equal(flat->recipe_user_id, "user-1");
    assert_string_equal(flat->session_handle, "h1");
    assert_string_equal(flat->refresh_token_hash1, "r1");
    assert_null(flat->parent_refresh_token_hash1);
    assert_string_equal(flat->anti_csrf_token, "c1");
    assert_string_equal(flat->tenant_id, "t1");
    assert_true(flat->expiry_ms == jwt->expiry_ms && flat->time_created_ms == jwt->time_created_ms);
    assert_same_object(&flat->header_claims, &jwt->header_claims);
    assert_same_object(&flat->claims, &jwt->claims);

    /* a borrower's view builds its jansson payload in its own pool */
    apr_pool_create(&borrower, p);
    view = st_jwt_borrow(borrower, flat);
    assert_ptr_equal(view->pool, borrower);
    assert_ptr_equal(view->token, flat->token);
    assert_non_null(st_jwt_payload(view));
    assert_null(flat->payload_tree);
    assert_string_equal(json_string_value(json_object_get(st_jwt_payload(view), "sub")), "user-1");
    apr_pool_destroy(borrower);
    st_jwt_copy_free(flat);
}

static void only_exact_bytes_of_the_same_owner_hit(void **state)
{
    apr_pool_t *p = *state;
    st_jwt *jwt = token_for(p, "user-1", later());
    char *other = apr_pstrdup(p, jwt->token);
    int owner_a, owner_b;
    st_vcache_entry *e;

    assert_int_equal(st_vcache_child_init(p, 64), APR_SUCCESS);
    assert_true(st_vcache_enabled());
    assert_null(st_vcache_get(p, &owner_a, jwt->token, jwt->token_len));
    st_vcache_put(&owner_a, jwt, "d-1", 7);
    e = st_vcache_get(p, &owner_a, jwt->token, jwt->token_len);
    assert_non_null(e);
    assert_string_equal(st_vcache_jwt(e)->user_id, "user-1");
    assert_string_equal(st_vcache_kid(e), "d-1");
    assert_int_equal(st_vcache_generation(e), 7);
    /* another vhost's core, a changed byte, a prefix: misses */
    assert_null(st_vcache_get(p, &owner_b, jwt->token, jwt->token_len));
    other[jwt->token_len - 1] ^= 1;
    assert_null(st_vcache_get(p, &owner_a, other, jwt->token_len));
    assert_null(st_vcache_get(p, &owner_a, jwt->token, jwt->token_len - 1));
    /* the same token put twice stays one entry */
    st_vcache_put(&owner_a, jwt, "d-1", 7);
    {
        int n;
        apr_size_t bytes;
        st_vcache_usage(&n, &bytes);
        assert_int_equal(n, 1);
        assert_true(bytes > jwt->token_len);
    }
}

static void expired_token_is_dropped(void **state)
{
    apr_pool_t *p = *state;
    st_jwt *dead = token_for(p, "user-1", (apr_int64_t)apr_time_sec(apr_time_now()));
    int owner, n;
    apr_size_t bytes;

    assert_int_equal(st_vcache_child_init(p, 64), APR_SUCCESS);
    st_vcache_put(&owner, dead, "d-1", 1);
    st_vcache_usage(&n, &bytes);
    assert_int_equal(n, 1);
    /* exp <= now (jose, zero leeway): gone on lookup */
    assert_null(st_vcache_get(p, &owner, dead->token, dead->token_len));
    st_vcache_usage(&n, &bytes);
    assert_int_equal(n, 0);
}

static void bounded_and_least_recently_used_out(void **state)
{
    apr_pool_t *p = *state;
    st_jwt *first = token_for(p, "first", later()), *jwt = NULL;
    int owner, n, i;
    apr_size_t bytes;

    assert_int_equal(st_vcache_child_init(p, 32), APR_SUCCESS);   /* 2 per shard */
    st_vcache_put(&owner, first, "d-1", 1);
    for (i = 0; i < 500; i++) {
        jwt = token_for(p, apr_psprintf(p, "user-%d", i), later());
        st_vcache_put(&owner, jwt, "d-1", 1);
        /* `first` is used between every insertion: never the least recently used */
        assert_non_null(st_vcache_get(p, &owner, first->token, first->token_len));
    }
    st_vcache_usage(&n, &bytes);
    assert_true(n <= 32);
    assert_true(n >= 16);
    assert_non_null(st_vcache_get(p, &owner, jwt->token, jwt->token_len));
    /* the earliest ones went */
    jwt = token_for(p, "user-0", later());
    assert_null(st_vcache_get(p, &owner, jwt->token, jwt->token_len));
}

static void lent_entry_outlives_eviction_and_forget(void **state)
{
    apr_pool_t *p = *state, *req;
    st_jwt *jwt = token_for(p, "kept", later());
    st_vcache_entry *e;
    int owner, i;

    assert_int_equal(st_vcache_child_init(p, 16), APR_SUCCESS);   /* 1 per shard */
    st_vcache_put(&owner, jwt, "d-1", 3);
    apr_pool_create(&req, p);
    e = st_vcache_get(req, &owner, jwt->token, jwt->token_len);
    assert_non_null(e);
    for (i = 0; i < 200; i++)
        st_vcache_put(&owner, token_for(p, apr_psprintf(p, "u%d", i), later()), "d-1", 3);
    assert_null(st_vcache_get(p, &owner, jwt->token, jwt->token_len));   /* evicted... */
    assert_string_equal(st_vcache_jwt(e)->user_id, "kept");              /* ...still lent */
    assert_memory_equal(st_vcache_jwt(e)->token, jwt->token, jwt->token_len);
    apr_pool_destroy(req);                                                /* freed here */

    /* forget: the key left the JWKS */
    st_vcache_put(&owner, jwt, "d-1", 3);
    apr_pool_create(&req, p);
    e = st_vcache_get(req, &owner, jwt->token, jwt->token_len);
    assert_non_null(e);
    st_vcache_set_generation(e, 4);
    assert_int_equal(st_vcache_generation(e), 4);
    st_vcache_forget(e);
    st_vcache_forget(e);                      /* twice is harmless */
    assert_null(st_vcache_get(p, &owner, jwt->token, jwt->token_len));
    assert_string_equal(st_vcache_jwt(e)->user_id, "kept");
    apr_pool_destroy(req);
}

static void off_is_always_a_miss(void **state)
{
    apr_pool_t *p = *state;
    st_jwt *jwt = token_for(p, "user-1", later());
    int owner, n;
    apr_size_t bytes;

    assert_int_equal(st_vcache_child_init(p, 0), APR_SUCCESS);
    assert_false(st_vcache_enabled());   /* what server-status shows as "cache not enabled" */
    st_vcache_put(&owner, jwt, "d-1", 1);
    assert_null(st_vcache_get(p, &owner, jwt->token, jwt->token_len));
    st_vcache_usage(&n, &bytes);
    assert_int_equal(n, 0);
}

/* The cache places tokens by their last bytes; tokens that end alike (none that verified do:
 * they end with their signature) still hit only their own entry. */
static void tokens_that_end_alike_keep_their_own_entries(void **state)
{
    apr_pool_t *p = *state;
    const char *tail = apr_pstrcat(p, ".", apr_psprintf(p, "%0100d", 7), NULL);
    st_jwt *jwt[3];
    int owner, i;

    assert_int_equal(st_vcache_child_init(p, 64), APR_SUCCESS);
    for (i = 0; i < 3; i++) {
        const char *payload = apr_psprintf(p, "{\"iat\":1700000000,\"exp\":%" APR_INT64_T_FMT ","
            "\"sub\":\"u%d\",\"tId\":\"t1\",\"sessionHandle\":\"h1\",\"refreshTokenHash1\":\"r1\","
            "\"parentRefreshTokenHash1\":null,\"antiCsrfToken\":null,\"rsub\":\"u%d\"}", later(), i, i);
        const char *tok = apr_pstrcat(p, st_b64url_encode(p, (const unsigned char *)HDR, strlen(HDR)), ".",
            st_b64url_encode(p, (const unsigned char *)payload, strlen(payload)), tail, NULL);
        assert_null(st_jwt_parse(p, tok, strlen(tok), &jwt[i]));
        assert_int_equal(jwt[i]->token_len, jwt[0]->token_len);
    }
    st_vcache_put(&owner, jwt[0], "d-1", 1);
    st_vcache_put(&owner, jwt[1], "d-1", 1);
    for (i = 0; i < 2; i++) {
        st_vcache_entry *e = st_vcache_get(p, &owner, jwt[i]->token, jwt[i]->token_len);
        assert_non_null(e);
        assert_string_equal(st_vcache_jwt(e)->user_id, apr_psprintf(p, "u%d", i));
    }
    assert_null(st_vcache_get(p, &owner, jwt[2]->token, jwt[2]->token_len));
}

/* What request/claims.c keeps with an entry: the first attachment stays, a second is freed,
 * both count in the cache's bytes only once, and the kept one goes with the entry; it may point
 * into the entry's token copy. */
static void the_first_attachment_stays_and_goes_with_the_entry(void **state)
{
    apr_pool_t *p = *state, *req;
    st_jwt *jwt = token_for(p, "user-1", later());
    st_vcache_entry *e;
    void *first = malloc(100), *second = malloc(50);
    int owner, n;
    apr_size_t before, after;

    assert_int_equal(st_vcache_child_init(p, 16), APR_SUCCESS);
    st_vcache_put(&owner, jwt, "d-1", 1);
    apr_pool_create(&req, p);
    e = st_vcache_get(req, &owner, jwt->token, jwt->token_len);
    assert_non_null(e);
    assert_null(st_vcache_attachment(e));
    /* what an attachment may point into instead of copying: the entry's own token copy */
    assert_true(st_vcache_holds(e, st_vcache_jwt(e)->token));
    assert_true(st_vcache_holds(e, st_vcache_jwt(e)->payload_json));
    assert_false(st_vcache_holds(e, jwt->token));            /* the request's parse, not the copy */
    assert_false(st_vcache_holds(e, first));
    st_vcache_usage(&n, &before);
    assert_ptr_equal(st_vcache_attach(e, first, 100), first);
    assert_ptr_equal(st_vcache_attachment(e), first);
    assert_ptr_equal(st_vcache_attach(e, second, 50), first);   /* second is freed */
    st_vcache_usage(&n, &after);
    assert_int_equal(after, before + 100);
    /* another request's lookup sees it */
    assert_ptr_equal(st_vcache_attachment(st_vcache_get(p, &owner, jwt->token, jwt->token_len)), first);
    st_vcache_forget(e);
    st_vcache_usage(&n, &after);
    assert_int_equal(n, 0);
    assert_int_equal(after, 0);
    apr_pool_destroy(req);   /* the last borrower: the entry and its attachment are freed */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(flat_copy_reads_as_the_parse, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(only_exact_bytes_of_the_same_owner_hit, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(expired_token_is_dropped, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(bounded_and_least_recently_used_out, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(lent_entry_outlives_eviction_and_forget, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(off_is_always_a_miss, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(tokens_that_end_alike_keep_their_own_entries, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(the_first_attachment_stays_and_goes_with_the_entry, pool_setup, pool_teardown),
    };
    return RUN_TAP("vcache", tests);
}

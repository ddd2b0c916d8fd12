/*
 * test_front_token.c: the front-token header (protocol.md §1.6) rebuilt from the §6.3 access
 * token and from the supertokens-website sample of §6.1, byte for byte.
 */
#include "fixtures/test_util.h"
#include "fixtures/protocol_vectors.h"
#include "token/front_token.h"
#include "token/json_util.h"
#include "token/jwt.h"

static st_jwt *must_parse(apr_pool_t *p, const char *tok)
{
    st_jwt *jwt = NULL;
    const char *err = st_jwt_parse(p, tok, strlen(tok), &jwt);
    if (err)
        fail_msg("parse failed: %s", err);
    return jwt;
}

/* §6.3 (b): base64(JSON({"uid":sub,"ate":exp*1000,"up":payload})) is the observed header. */
static void v63_front_token_from_access_token(void **state)
{
    apr_pool_t *p = *state;
    st_jwt *jwt = must_parse(p, V63_ACCESS_TOKEN);
    double exp = 0;

    assert_true(st_json_number(st_jwt_payload(jwt), "exp", &exp));
    assert_string_equal(st_front_token_build(p, st_json_string(st_jwt_payload(jwt), "sub"),
                                             (apr_int64_t)exp * 1000, st_jwt_payload(jwt)),
                        V63_FRONT_TOKEN);
    /* The resolved fields give the same result. */
    assert_string_equal(st_front_token_build(p, jwt->user_id, jwt->expiry_ms, st_jwt_user_data(jwt)),
                        V63_FRONT_TOKEN);
}

/* The decoded front-token is the compact JSON with keys uid, ate, up in that order. */
static void v63_front_token_json_shape(void **state)
{
    apr_pool_t *p = *state;
    st_jwt *jwt = must_parse(p, V63_ACCESS_TOKEN);
    const char *ft = st_front_token_build(p, jwt->user_id, jwt->expiry_ms, st_jwt_payload(jwt));
    apr_size_t n;
    const char *json = (const char *)st_b64_decode(p, ft, strlen(ft), &n);
    const char *prefix = "{\"uid\":\"fa7a0841-b533-4478-9553-0fde890c3483\",\"ate\":1795345491000,\"up\":{\"iat\":1795341891,";

    assert_non_null(json);
    assert_int_equal(strncmp(json, prefix, strlen(prefix)), 0);
    assert_non_null(strstr(json, "\"parentRefreshTokenHash1\":null,\"antiCsrfToken\":null,\"iss\":\"http://localhost:3001/auth\"}}"));
}

/* §6.1: supertokens-website's sample front-token. */
static void website_sample(void **state)
{
    apr_pool_t *p = *state;
    const char *up = "{\"st-ev\":{\"v\":true,\"t\":1675348032066}}";
    json_t *payload = st_json_parse(p, up, strlen(up), 0);
    apr_size_t n;

    assert_string_equal(st_front_token_build(p, "00e09151-1d6b-40cc-8631-ce78a15088aa", 1675351632075LL, payload),
                        V61_WEBSITE_FRONT_TOKEN);
    assert_string_equal((const char *)st_b64_decode(p, V61_WEBSITE_FRONT_TOKEN, strlen(V61_WEBSITE_FRONT_TOKEN), &n),
                        V61_WEBSITE_FRONT_TOKEN_JSON);
}

/* v2: "up" is userData; JSON.stringify leaves out undefined members. */
static void legacy_and_missing_members(void **state)
{
    apr_pool_t *p = *state;
    st_jwt *jwt = must_parse(p, V61_V2_TOKEN);
    apr_size_t n;
    const char *ft = st_front_token_build(p, jwt->user_id, jwt->expiry_ms, st_jwt_user_data(jwt));

    assert_string_equal((const char *)st_b64_decode(p, ft, strlen(ft), &n),
                        "{\"uid\":\"6fb4ddce-8911-4058-92ac-c76057fdaae8\",\"ate\":1683207164365,\"up\":{}}");
    ft = st_front_token_build(p, NULL, 5, NULL);
    assert_string_equal((const char *)st_b64_decode(p, ft, strlen(ft), &n), "{\"ate\":5}");
    ft = st_front_token_build(p, "a\"b\\c\xc3\xa9", 0, NULL);
    assert_string_equal((const char *)st_b64_decode(p, ft, strlen(ft), &n), "{\"uid\":\"a\\\"b\\\\c\xc3\xa9\",\"ate\":0}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(v63_front_token_from_access_token, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(v63_front_token_json_shape, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(website_sample, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(legacy_and_missing_members, pool_setup, pool_teardown),
    };
    return RUN_TAP("front_token", tests);
}

/*
 * test_jwt.c: access-token parsing and structure checks (protocol.md §2.1, §2.3 steps 1-2),
 * RS256 verification against the §6.3 JWKS, time checks with the §6.3 clock, the legacy v2
 * token of §6.1, SHA-256 hex (§6.3 (d)) and constant-time comparison.
 */
#include "fixtures/test_util.h"
#include "fixtures/protocol_vectors.h"
#include "token/jwk.h"
#include "token/json_util.h"
#include "token/jwt.h"

#define HDR_V5 "{\"kid\":\"d-1\",\"typ\":\"JWT\",\"version\":\"5\",\"alg\":\"RS256\"}"
#define CLAIMS_BASE "\"iat\":1795341891,\"exp\":1795345491,\"sub\":\"u1\",\"tId\":\"t1\",\"sessionHandle\":\"h1\"," \
                    "\"refreshTokenHash1\":\"r1\",\"parentRefreshTokenHash1\":null,\"antiCsrfToken\":null"
#define PL_V5(extra) "{" CLAIMS_BASE ",\"rsub\":\"ru1\"" extra "}"
#define PL_V4(extra) "{" CLAIMS_BASE extra "}"

/* §6.3 values visible in the front-token JSON / payload. */
#define V63_SUB "fa7a0841-b533-4478-9553-0fde890c3483"
#define V63_HANDLE "b5a1c6e0-0b6c-4a0a-9a4e-000000000001"
#define V63_RTH1 "089d5a4476a34f57ff70ea83049e38fe860cb45034d50dd0f0aae5c6cdb4b7a1"
#define V63_EXP 1795345491LL

static const char *b64_std(apr_pool_t *p, const char *s)
{
    return st_b64_encode(p, (const unsigned char *)s, strlen(s));
}

static const char *b64_url(apr_pool_t *p, const char *s)
{
    return st_b64url_encode(p, (const unsigned char *)s, strlen(s));
}

static st_jwt *must_parse(apr_pool_t *p, const char *tok)
{
    st_jwt *jwt = NULL;
    const char *err = st_jwt_parse(p, tok, strlen(tok), &jwt);
    if (err)
        fail_msg("parse failed: %s", err);
    assert_non_null(jwt);
    return jwt;
}

static const char *parse_err(apr_pool_t *p, const char *tok)
{
    st_jwt *jwt = (st_jwt *)1;
    const char *err = st_jwt_parse(p, tok, strlen(tok), &jwt);
    if (err)
        assert_null(jwt);
    return err;
}

static const char *hdr_err(apr_pool_t *p, const char *header_json, const char *payload_json)
{
    return parse_err(p, test_token(p, header_json, payload_json, NULL));
}

static const st_jwk *v63_key(apr_pool_t *p)
{
    apr_array_header_t *keys = NULL;
    assert_null(st_jwks_parse(p, V63_JWKS, strlen(V63_JWKS), &keys));
    assert_int_equal(keys->nelts, 1);
    return &APR_ARRAY_IDX(keys, 0, st_jwk);
}

/* §6.3: the access token is a v5 token with kid d-1700000000000 and these claims. */
static void parse_v63_token(void **state)
{
    apr_pool_t *p = *state;
    st_jwt *jwt = must_parse(p, V63_ACCESS_TOKEN);

    assert_int_equal(jwt->version, 5);
    assert_string_equal(jwt->kid, "d-1700000000000");
    assert_string_equal(jwt->header_b64, V62_V5_HEADER_B64URL);
    assert_string_equal(jwt->user_id, V63_SUB);
    assert_string_equal(jwt->recipe_user_id, V63_SUB);
    assert_string_equal(jwt->session_handle, V63_HANDLE);
    assert_string_equal(jwt->refresh_token_hash1, V63_RTH1);
    assert_null(jwt->parent_refresh_token_hash1);
    assert_null(jwt->anti_csrf_token);
    assert_string_equal(jwt->tenant_id, "public");
    assert_int_equal(jwt->expiry_ms, V63_EXP * 1000);
    assert_int_equal(jwt->time_created_ms, V63_IAT * 1000);
    assert_int_equal(jwt->has_nbf, 0);
    assert_ptr_equal(st_jwt_user_data(jwt), st_jwt_payload(jwt));
    assert_string_equal(st_json_string(st_jwt_payload(jwt), "iss"), "http://localhost:3001/auth");
    assert_int_equal(jwt->signature_len, 256);          /* 2048-bit key */
    assert_int_equal(jwt->signing_input_len, strrchr(V63_ACCESS_TOKEN, '.') - V63_ACCESS_TOKEN);
    assert_memory_equal(jwt->signing_input, V63_ACCESS_TOKEN, jwt->signing_input_len);
}

/* §6.3 (d): refreshTokenHash1 = sha256_hex(raw refresh token). */
static void sha256_hex_vectors(void **state)
{
    apr_pool_t *p = *state;
    assert_string_equal(st_sha256_hex(p, V63_REFRESH_TOKEN, strlen(V63_REFRESH_TOKEN)), V63_RTH1);
    assert_string_equal(st_sha256_hex(p, "abc", 3),   /* FIPS 180-2 example */
                        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

/* §6.3 (a): the signature verifies with the JWKS key. */
static void verify_v63_signature(void **state)
{
    apr_pool_t *p = *state;
    st_jwt *jwt = must_parse(p, V63_ACCESS_TOKEN);
    assert_int_equal(st_jwt_verify_rs256(jwt, v63_key(p)->key), 1);
}

/* One payload byte changed (sub ...3483 -> ...3484), signature kept: must not verify. */
static void verify_fails_on_changed_payload(void **state)
{
    apr_pool_t *p = *state;
    st_jwt *orig = must_parse(p, V63_ACCESS_TOKEN);
    char *pl = apr_pstrdup(p, orig->payload_json), *hit = strstr(pl, "0fde890c3483\",\"tId\"");
    const char *tok;
    st_jwt *jwt;

    assert_non_null(hit);
    hit[11] = '4';
    tok = apr_pstrcat(p, orig->header_b64, ".", st_b64url_encode(p, (unsigned char *)pl, strlen(pl)),
                      ".", orig->signature_b64, NULL);
    jwt = must_parse(p, tok);
    assert_string_equal(jwt->user_id, "fa7a0841-b533-4478-9553-0fde890c3484");
    assert_int_equal(st_jwt_verify_rs256(jwt, v63_key(p)->key), 0);

    /* The last signature character changed. */
    tok = apr_pstrdup(p, V63_ACCESS_TOKEN);
    ((char *)tok)[strlen(tok) - 1] = 'A';
    assert_int_equal(st_jwt_verify_rs256(must_parse(p, tok), v63_key(p)->key), 0);
}

static void verify_fails_with_other_key(void **state)
{
    apr_pool_t *p = *state;
    st_jwt *jwt = must_parse(p, V63_ACCESS_TOKEN);
    EVP_PKEY *other = test_rsa_key(p, 2048);
    EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");

    assert_int_equal(st_jwt_verify_rs256(jwt, other), 0);
    assert_int_equal(st_jwt_verify_rs256(jwt, ec), 0);      /* not RSA */
    assert_int_equal(st_jwt_verify_rs256(jwt, NULL), 0);
    EVP_PKEY_free(ec);
}

/* A token signed by our own key verifies; a 1024-bit key is refused even if it signed. */
static void verify_own_tokens_and_key_size(void **state)
{
    apr_pool_t *p = *state;
    EVP_PKEY *k = test_rsa_key(p, 2048), *small = test_rsa_key(p, 1024);

    assert_int_equal(st_jwt_verify_rs256(must_parse(p, test_token(p, HDR_V5, PL_V5(""), k)), k), 1);
    assert_int_equal(st_jwt_verify_rs256(must_parse(p, test_token(p, HDR_V5, PL_V5(""), small)), small), 0);
}

/* A third part that is not base64 still parses (as in Node) but can never verify. */
static void unusable_signature_parses_but_fails(void **state)
{
    apr_pool_t *p = *state;
    const char *tok = apr_pstrcat(p, test_token(p, HDR_V5, PL_V5(""), NULL), "!!", NULL);
    st_jwt *jwt = must_parse(p, tok);
    assert_null(jwt->signature);
    assert_int_equal(st_jwt_verify_rs256(jwt, test_rsa_key(p, 2048)), 0);
}

/* §6.3 clock: valid from iat until just before exp * 1000; exp itself is expired (jose's
 * exp <= now, zero leeway). */
static void check_time_v63(void **state)
{
    apr_pool_t *p = *state;
    st_jwt *jwt = must_parse(p, V63_ACCESS_TOKEN);

    assert_null(st_jwt_check_time(jwt, apr_time_from_sec(V63_IAT)));
    assert_null(st_jwt_check_time(jwt, apr_time_from_sec(V63_IAT - 100000))); /* iat not compared */
    assert_null(st_jwt_check_time(jwt, apr_time_from_msec(V63_EXP * 1000 - 1)));
    assert_non_null(st_jwt_check_time(jwt, apr_time_from_msec(V63_EXP * 1000)));
    assert_non_null(st_jwt_check_time(jwt, apr_time_from_sec(V63_EXP + 3600)));
}

/* A fractional exp is judged by both rules: jose (exp <= floor(now s)) and the SDK
 * (exp * 1000 < now ms). */
static void check_time_fractional_exp(void **state)
{
    apr_pool_t *p = *state;
    st_jwt *jwt = must_parse(p, test_token(p, HDR_V5,
        "{\"iat\":1795341891,\"exp\":1795345491.5,\"sub\":\"u\",\"rsub\":\"u\",\"sessionHandle\":\"h\",\"refreshTokenHash1\":\"r\"}",
        NULL));
    assert_null(st_jwt_check_time(jwt, apr_time_from_msec(1795345491400LL)));
    assert_null(st_jwt_check_time(jwt, apr_time_from_msec(1795345491500LL)));
    assert_non_null(st_jwt_check_time(jwt, apr_time_from_msec(1795345491501LL)));
}

static void check_time_nbf_and_iat(void **state)
{
    apr_pool_t *p = *state;
    st_jwt *jwt = must_parse(p, test_token(p, HDR_V5, PL_V5(",\"nbf\":1795341901"), NULL));

    assert_int_equal(jwt->has_nbf, 1);
    assert_non_null(st_jwt_check_time(jwt, apr_time_from_sec(V63_IAT)));          /* nbf in 10 s */
    assert_non_null(st_jwt_check_time(jwt, apr_time_from_sec(V63_IAT + 9)));
    assert_null(st_jwt_check_time(jwt, apr_time_from_sec(V63_IAT + 10)));
    jwt = must_parse(p, test_token(p, HDR_V5, PL_V5(",\"nbf\":\"soon\""), NULL));
    assert_non_null(st_jwt_check_time(jwt, apr_time_from_sec(V63_IAT)));
    /* A future iat is accepted. */
    jwt = must_parse(p, test_token(p, HDR_V5,
        "{\"iat\":1895341891,\"exp\":1795345491,\"sub\":\"u\",\"rsub\":\"u\",\"sessionHandle\":\"h\",\"refreshTokenHash1\":\"r\"}",
        NULL));
    assert_null(st_jwt_check_time(jwt, apr_time_from_sec(V63_IAT)));
}

/* jose's checks in its order, on what st_jwt_parse read (a token lent by the verification
 * cache is not searched again): an iat or exp of another type fails whatever the time (only
 * legacy tokens can have one: v3+ must have numbers), and nbf is judged before exp. */
static void check_time_types_and_order(void **state)
{
    apr_pool_t *p = *state;
    const char *v2 = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsInZlcnNpb24iOiIyIn0=.";
    const char *v2_claims = "\"sessionHandle\":\"h\",\"userId\":\"u\",\"refreshTokenHash1\":\"r\","
                            "\"userData\":{},\"expiryTime\":1795345491000,\"timeCreated\":1795341891000";
    const char *pl;
    st_jwt *jwt;

    pl = apr_pstrcat(p, "{", v2_claims, ",\"iat\":\"x\"}", NULL);
    jwt = must_parse(p, apr_pstrcat(p, v2, st_b64url_encode(p, (const unsigned char *)pl, strlen(pl)), ".c2ln", NULL));
    assert_string_equal(st_jwt_check_time(jwt, apr_time_from_sec(V63_IAT)), "iat claim is not a number");
    pl = apr_pstrcat(p, "{", v2_claims, ",\"exp\":true}", NULL);
    jwt = must_parse(p, apr_pstrcat(p, v2, st_b64url_encode(p, (const unsigned char *)pl, strlen(pl)), ".c2ln", NULL));
    assert_string_equal(st_jwt_check_time(jwt, apr_time_from_sec(V63_IAT)), "exp claim is not a number");
    pl = apr_pstrcat(p, "{", v2_claims, "}", NULL);
    jwt = must_parse(p, apr_pstrcat(p, v2, st_b64url_encode(p, (const unsigned char *)pl, strlen(pl)), ".c2ln", NULL));
    assert_null(st_jwt_check_time(jwt, apr_time_from_sec(V63_IAT)));
    assert_ptr_equal(st_jwt_check_time(jwt, apr_time_from_msec(1795345491001LL)), st_jwt_expired);
    /* nbf in the future and exp past: not yet valid (not expired: no navigation refresh) */
    jwt = must_parse(p, test_token(p, HDR_V5, PL_V5(",\"nbf\":1895341901"), NULL));
    assert_string_equal(st_jwt_check_time(jwt, apr_time_from_sec(V63_EXP + 10)), "token not yet valid");
}

/* §6.1: the published v2 token: version 2, no kid, userId 6fb4ddce-... (parse only). */
static void parse_v2_published_token(void **state)
{
    apr_pool_t *p = *state;
    st_jwt *jwt = must_parse(p, V61_V2_TOKEN);

    assert_int_equal(jwt->version, 2);
    assert_null(jwt->kid);
    assert_int_equal(jwt->header_claims.n, 0);
    assert_string_equal(jwt->user_id, V61_V2_USER_ID);
    assert_string_equal(jwt->recipe_user_id, V61_V2_USER_ID);
    assert_string_equal(jwt->session_handle, V61_V2_SESSION_HANDLE);
    assert_string_equal(jwt->refresh_token_hash1,
                        "c904996c13fac376f9e2b6134988252a756034f4e03bf10d74e29042169d3f91");
    assert_null(jwt->parent_refresh_token_hash1);
    assert_null(jwt->anti_csrf_token);
    assert_string_equal(jwt->tenant_id, "public");
    assert_int_equal(jwt->expiry_ms, V61_V2_EXPIRY_TIME);
    assert_int_equal(jwt->time_created_ms, V61_V2_TIME_CREATED);
    assert_true(json_is_object(st_jwt_user_data(jwt)) && json_object_size(st_jwt_user_data(jwt)) == 0);
    assert_int_equal(jwt->signature_len, 256);    /* standard base64 with "==" decoded */
    /* Legacy expiry: only expiryTime (ms) < now counts. */
    assert_null(st_jwt_check_time(jwt, apr_time_from_msec(V61_V2_TIME_CREATED)));
    assert_null(st_jwt_check_time(jwt, apr_time_from_msec(V61_V2_EXPIRY_TIME)));
    assert_non_null(st_jwt_check_time(jwt, apr_time_from_msec(V61_V2_EXPIRY_TIME + 1)));
}

/* §6.1: the documented v2 payload, standard-base64 encoded behind the v2 header constant,
 * is exactly the published token's payload part; the v1 constant is read as version 2 too. */
static void parse_v2_built_token(void **state)
{
    apr_pool_t *p = *state;
    const char *pl = "{\"sessionHandle\":\"eb7f0d55-6807-441d-9a61-3ea3b26fb5d0\","
        "\"userId\":\"6fb4ddce-8911-4058-92ac-c76057fdaae8\","
        "\"refreshTokenHash1\":\"c904996c13fac376f9e2b6134988252a756034f4e03bf10d74e29042169d3f91\","
        "\"parentRefreshTokenHash1\":null,\"userData\":{},\"antiCsrfToken\":null,"
        "\"expiryTime\":1683207164365,\"timeCreated\":1683203564365,\"lmrt\":1683203564365}";
    const char *pl64 = st_b64_encode(p, (const unsigned char *)pl, strlen(pl));
    st_jwt *jwt;

    assert_non_null(strstr(V61_V2_TOKEN, apr_pstrcat(p, ".", pl64, ".", NULL)));
    jwt = must_parse(p, apr_pstrcat(p, V_LEGACY_HEADER_V2, ".", pl64, ".c2ln", NULL));
    assert_int_equal(jwt->version, 2);
    assert_string_equal(jwt->user_id, V61_V2_USER_ID);
    jwt = must_parse(p, apr_pstrcat(p, V_LEGACY_HEADER_V1, ".", pl64, ".c2ln", NULL));
    assert_int_equal(jwt->version, 2);
    assert_null(jwt->kid);
    /* userData must be present (null is fine); a v2 payload without it is refused. */
    assert_non_null(parse_err(p, apr_pstrcat(p, V_LEGACY_HEADER_V2, ".",
        b64_std(p, "{\"sessionHandle\":\"h\",\"userId\":\"u\",\"refreshTokenHash1\":\"r\",\"expiryTime\":1,\"timeCreated\":1}"),
        ".c2ln", NULL)));
    jwt = must_parse(p, apr_pstrcat(p, V_LEGACY_HEADER_V2, ".",
        b64_url(p, "{\"sessionHandle\":\"h\",\"userId\":\"u\",\"refreshTokenHash1\":\"r\",\"userData\":null,\"expiryTime\":1,\"timeCreated\":1}"),
        ".c2ln", NULL));
    assert_true(json_is_null(st_jwt_user_data(jwt)));
    /* The same header as JSON (not the literal constant) is version "2" < 3: refused. */
    assert_non_null(hdr_err(p, "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"version\":\"2\"}", pl));
    assert_non_null(hdr_err(p, "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"version\":\"2\",\"kid\":\"k\"}", pl));
}

/* §6.1: the jwt.io HS256 sample has no kid: not a SuperTokens token. */
static void jwtio_sample_rejected(void **state)
{
    apr_pool_t *p = *state;
    assert_string_equal(parse_err(p, V61_JWTIO_HS256), "header has no kid");
}

/* Other algs parse (as in supertokens-node, which then fails verification: try refresh
 * token), but are flagged and never verified, even with the very key that signed them. */
static void alg_other_than_rs256_refused_before_any_key(void **state)
{
    apr_pool_t *p = *state;
    EVP_PKEY *k = test_rsa_key(p, 2048);
    const char *bad[] = {
        "{\"kid\":\"d-1\",\"typ\":\"JWT\",\"version\":\"5\",\"alg\":\"none\"}",
        "{\"kid\":\"d-1\",\"typ\":\"JWT\",\"version\":\"5\",\"alg\":\"HS256\"}",
        "{\"kid\":\"d-1\",\"typ\":\"JWT\",\"version\":\"5\",\"alg\":\"rs256\"}",
        "{\"kid\":\"d-1\",\"typ\":\"JWT\",\"version\":\"5\",\"alg\":\"PS256\"}",
        "{\"kid\":\"d-1\",\"typ\":\"JWT\",\"version\":\"5\"}",
        "{\"kid\":\"d-1\",\"typ\":\"JWT\",\"version\":\"5\",\"alg\":\"RS256\",\"crit\":[\"b64\"],\"b64\":true}",
    };
    size_t i;
    st_jwt *jwt;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *tok = test_token(p, bad[i], PL_V5(""), k);   /* RS256 signature by k */
        jwt = NULL;
        assert_null(st_jwt_parse(p, tok, strlen(tok), &jwt));
        assert_false(jwt->alg_rs256);
        assert_false(st_jwt_verify_rs256(jwt, k));
    }
    {
        const char *tok = test_token(p, HDR_V5, PL_V5(""), k);
        assert_null(st_jwt_parse(p, tok, strlen(tok), &jwt));
        assert_true(jwt->alg_rs256);
        assert_true(st_jwt_verify_rs256(jwt, k));
    }
}

static void header_version_rules(void **state)
{
    apr_pool_t *p = *state;
    st_jwt *jwt;

    /* version must be a string */
    assert_string_equal(hdr_err(p, "{\"kid\":\"d-1\",\"typ\":\"JWT\",\"version\":5,\"alg\":\"RS256\"}", PL_V5("")),
                        "header version is not a string");
    assert_non_null(hdr_err(p, "{\"kid\":\"d-1\",\"typ\":\"JWT\",\"version\":null,\"alg\":\"RS256\"}", PL_V5("")));
    assert_non_null(hdr_err(p, "{\"kid\":\"d-1\",\"typ\":\"JWT\",\"version\":\"2\",\"alg\":\"RS256\"}", PL_V5("")));
    assert_non_null(hdr_err(p, "{\"kid\":\"d-1\",\"typ\":\"JWT\",\"version\":\"abc\",\"alg\":\"RS256\"}", PL_V5("")));
    assert_non_null(hdr_err(p, "{\"kid\":\"d-1\",\"typ\":\"JWT\",\"version\":\"-5\",\"alg\":\"RS256\"}", PL_V5("")));
    /* absent => 3 */
    jwt = must_parse(p, test_token(p, "{\"kid\":\"d-1\",\"typ\":\"JWT\",\"alg\":\"RS256\"}", PL_V4(""), NULL));
    assert_int_equal(jwt->version, 3);
    assert_string_equal(jwt->tenant_id, "public");      /* tId ignored before v4 */
    /* Number.parseInt semantics */
    jwt = must_parse(p, test_token(p, "{\"kid\":\"d-1\",\"typ\":\"JWT\",\"version\":\" 5abc\",\"alg\":\"RS256\"}", PL_V5(""), NULL));
    assert_int_equal(jwt->version, 5);
    jwt = must_parse(p, test_token(p, "{\"kid\":\"d-1\",\"typ\":\"JWT\",\"version\":\"0x5\",\"alg\":\"RS256\"}", PL_V5(""), NULL));
    assert_int_equal(jwt->version, 5);
    /* Later versions keep the v5 rules (rsub required). */
    jwt = must_parse(p, test_token(p, "{\"kid\":\"d-1\",\"typ\":\"JWT\",\"version\":\"6\",\"alg\":\"RS256\"}", PL_V5(""), NULL));
    assert_int_equal(jwt->version, 6);
    assert_non_null(hdr_err(p, "{\"kid\":\"d-1\",\"typ\":\"JWT\",\"version\":\"6\",\"alg\":\"RS256\"}", PL_V4("")));
}

static void header_typ_kid_rules(void **state)
{
    apr_pool_t *p = *state;
    assert_non_null(hdr_err(p, "{\"kid\":\"d-1\",\"version\":\"5\",\"alg\":\"RS256\"}", PL_V5("")));
    assert_non_null(hdr_err(p, "{\"kid\":\"d-1\",\"typ\":\"jwt\",\"version\":\"5\",\"alg\":\"RS256\"}", PL_V5("")));
    assert_non_null(hdr_err(p, "{\"typ\":\"JWT\",\"version\":\"5\",\"alg\":\"RS256\"}", PL_V5("")));
    assert_non_null(hdr_err(p, "{\"kid\":7,\"typ\":\"JWT\",\"version\":\"5\",\"alg\":\"RS256\"}", PL_V5("")));
    assert_non_null(hdr_err(p, "{\"kid\":\"a\",\"kid\":\"b\",\"typ\":\"JWT\",\"version\":\"5\",\"alg\":\"RS256\"}", PL_V5("")));
    assert_non_null(hdr_err(p, "[\"JWT\"]", PL_V5("")));
    assert_non_null(hdr_err(p, "\"JWT\"", PL_V5("")));
}

static void payload_stt_rules(void **state)
{
    apr_pool_t *p = *state;
    assert_string_equal(hdr_err(p, HDR_V5, PL_V5(",\"stt\":1")), "token is not a session access token (stt)");
    assert_non_null(hdr_err(p, HDR_V5, PL_V5(",\"stt\":\"0\"")));
    assert_non_null(hdr_err(p, HDR_V5, PL_V5(",\"stt\":null")));
    assert_null(hdr_err(p, HDR_V5, PL_V5(",\"stt\":0")));
    assert_null(hdr_err(p, HDR_V5, PL_V5(",\"stt\":0.0")));
}

static void payload_required_claims(void **state)
{
    apr_pool_t *p = *state;
    st_jwt *jwt;

    /* v5 without rsub is refused; v4 without rsub is fine and falls back to sub. */
    assert_string_equal(hdr_err(p, HDR_V5, PL_V4("")), "payload lacks required claims");
    jwt = must_parse(p, test_token(p, "{\"kid\":\"d-1\",\"typ\":\"JWT\",\"version\":\"4\",\"alg\":\"RS256\"}", PL_V4(""), NULL));
    assert_int_equal(jwt->version, 4);
    assert_string_equal(jwt->recipe_user_id, "u1");
    assert_string_equal(jwt->tenant_id, "t1");
    jwt = must_parse(p, test_token(p, HDR_V5, PL_V5(""), NULL));
    assert_string_equal(jwt->recipe_user_id, "ru1");

    assert_non_null(hdr_err(p, HDR_V5, "{\"iat\":1,\"exp\":\"2\",\"sub\":\"u\",\"rsub\":\"u\",\"sessionHandle\":\"h\",\"refreshTokenHash1\":\"r\"}"));
    assert_non_null(hdr_err(p, HDR_V5, "{\"exp\":2,\"sub\":\"u\",\"rsub\":\"u\",\"sessionHandle\":\"h\",\"refreshTokenHash1\":\"r\"}"));
    assert_non_null(hdr_err(p, HDR_V5, "{\"iat\":1,\"exp\":2,\"sub\":5,\"rsub\":\"u\",\"sessionHandle\":\"h\",\"refreshTokenHash1\":\"r\"}"));
    assert_non_null(hdr_err(p, HDR_V5, "{\"iat\":1,\"exp\":2,\"sub\":\"u\",\"rsub\":\"u\",\"refreshTokenHash1\":\"r\"}"));
    assert_non_null(hdr_err(p, HDR_V5, "{\"iat\":1,\"exp\":2,\"sub\":\"u\",\"rsub\":\"u\",\"sessionHandle\":\"h\"}"));
    assert_non_null(hdr_err(p, HDR_V5, "{\"iat\":1,\"exp\":2,\"sub\":\"u\",\"rsub\":null,\"sessionHandle\":\"h\",\"refreshTokenHash1\":\"r\"}"));
    /* Minimal v5 payload: tId absent => "public", nulls absent => NULL. */
    jwt = must_parse(p, test_token(p, HDR_V5, "{\"iat\":1,\"exp\":2,\"sub\":\"u\",\"rsub\":\"u\",\"sessionHandle\":\"h\",\"refreshTokenHash1\":\"r\"}", NULL));
    assert_string_equal(jwt->tenant_id, "public");
    assert_null(jwt->anti_csrf_token);
}

/* Claim strings are JS-trimmed (sanitizeStringInput); non-strings resolve to NULL. */
static void resolved_fields_trimmed(void **state)
{
    apr_pool_t *p = *state;
    st_jwt *jwt = must_parse(p, test_token(p, HDR_V5,
        "{\"iat\":1,\"exp\":2,\"sub\":\" u1\\t\\u00a0\",\"rsub\":\"\\u2028ru\",\"sessionHandle\":\"h\","
        "\"refreshTokenHash1\":\"r\",\"parentRefreshTokenHash1\":\"prt\",\"antiCsrfToken\":5,\"tId\":\" t \"}", NULL));
    assert_string_equal(jwt->user_id, "u1");
    assert_string_equal(jwt->recipe_user_id, "ru");
    assert_string_equal(jwt->parent_refresh_token_hash1, "prt");
    assert_null(jwt->anti_csrf_token);
    assert_string_equal(jwt->tenant_id, "t");
    /* JSON duplicate rejection means the later antiCsrfToken cannot override; use a fresh one. */
    jwt = must_parse(p, test_token(p, HDR_V5,
        "{\"iat\":1,\"exp\":2,\"sub\":\"u\",\"rsub\":\"u\",\"sessionHandle\":\"h\",\"refreshTokenHash1\":\"r\",\"antiCsrfToken\":\"ac\"}", NULL));
    assert_string_equal(jwt->anti_csrf_token, "ac");
}

static void token_shape_rejected(void **state)
{
    apr_pool_t *p = *state;
    const char *good = test_token(p, HDR_V5, PL_V5(""), NULL);
    const char *h = st_b64url_encode(p, (const unsigned char *)HDR_V5, strlen(HDR_V5));
    char *big;
    st_jwt *jwt = (st_jwt *)1;

    assert_null(parse_err(p, good));
    assert_non_null(parse_err(p, ""));
    assert_non_null(parse_err(p, "a.b"));
    assert_non_null(parse_err(p, apr_pstrcat(p, good, ".x", NULL)));
    assert_non_null(parse_err(p, apr_pstrcat(p, h, ".!!!!.c2ln", NULL)));               /* not base64 */
    assert_non_null(parse_err(p, apr_pstrcat(p, h, "..c2ln", NULL)));                   /* empty */
    assert_non_null(hdr_err(p, HDR_V5, "[1,2]"));
    assert_non_null(hdr_err(p, HDR_V5, "{\"iat\":1,\"exp\":2,\"sub\":\"u\",\"sub\":\"v\",\"rsub\":\"u\",\"sessionHandle\":\"h\",\"refreshTokenHash1\":\"r\"}"));
    assert_non_null(hdr_err(p, HDR_V5, "{\"iat\":1,"));
    assert_non_null(parse_err(p, apr_pstrcat(p, "e30.", good, NULL)));                  /* 4 parts */
    assert_non_null(st_jwt_parse(p, good, strlen(good), NULL));
    assert_non_null(st_jwt_parse(p, NULL, 0, &jwt));
    assert_null(jwt);
    /* An embedded NUL, and the length cap. */
    assert_non_null(st_jwt_parse(p, "a.\0b.c", 6, &jwt));
    big = apr_palloc(p, ST_JWT_MAX_LEN + 2);
    memset(big, 'A', ST_JWT_MAX_LEN + 1);
    big[ST_JWT_MAX_LEN + 1] = '\0';
    memcpy(big, good, strlen(good));
    assert_non_null(parse_err(p, big));
    /* A huge integer custom claim does not make the token unparsable (JSON.parse accepts it). */
    assert_null(hdr_err(p, HDR_V5, PL_V5(",\"big\":123456789012345678901234567890")));
}

static void secure_streq_cases(void **state)
{
    (void)state;
    assert_int_equal(st_secure_streq("abc", "abc"), 1);
    assert_int_equal(st_secure_streq("", ""), 1);
    assert_int_equal(st_secure_streq("abc", "abd"), 0);
    assert_int_equal(st_secure_streq("abc", "abcd"), 0);
    assert_int_equal(st_secure_streq("abcd", "abc"), 0);
    assert_int_equal(st_secure_streq(NULL, "abc"), 0);
    assert_int_equal(st_secure_streq("abc", NULL), 0);
}

/* A claim holding U+0000 is valid JSON and valid for the SDK: the token must still parse. */
static void claim_with_nul_parses(void **state)
{
    apr_pool_t *p = *state;
    st_jwt *jwt = NULL;
    const char *tok = test_token(p, HDR_V5, PL_V5(",\"note\":\"a\\u0000b\""), NULL);
    assert_null(st_jwt_parse(p, tok, strlen(tok), &jwt));
    assert_int_equal(json_string_length(json_object_get(st_jwt_payload(jwt), "note")), 3);
}

static const char *const field_claims[] = {
    "sub", "rsub", "sessionHandle", "tId", "refreshTokenHash1", "parentRefreshTokenHash1",
    "antiCsrfToken"
};

/* A v5 payload with every claim that becomes a field; claim (if not NULL) has the JSON string
 * text value instead of its plain one. */
static const char *payload_with(apr_pool_t *p, const char *claim, const char *value)
{
    static const char *const plain[] = { "u", "u", "h", "public", "r", "p", "a" };
    const char *pl = "{\"iat\":1,\"exp\":2";
    size_t i;

    for (i = 0; i < sizeof(field_claims) / sizeof(field_claims[0]); i++)
        pl = apr_psprintf(p, "%s,\"%s\":\"%s\"", pl, field_claims[i],
                          claim && !strcmp(claim, field_claims[i]) ? value : plain[i]);
    return apr_pstrcat(p, pl, "}", NULL);
}

/* U+0000 in a claim read as C text would cut it ("alice\u0000admin" would be "alice"): such a
 * token is malformed, for every claim that becomes a field, wherever the NUL is. */
static void identity_claim_with_nul_refused(void **state)
{
    apr_pool_t *p = *state;
    static const char *const values[] = { "alice\\u0000admin", "\\u0000", "alice\\u0000" };
    const char *hdr_v3 = "{\"kid\":\"d-1\",\"typ\":\"JWT\",\"version\":\"3\",\"alg\":\"RS256\"}";
    const char *v2_pl = "{\"sessionHandle\":\"h\",\"userId\":\"alice\\u0000admin\",\"refreshTokenHash1\":\"r\","
                        "\"userData\":{},\"expiryTime\":1,\"timeCreated\":1}";
    size_t i, j;

    assert_null(hdr_err(p, HDR_V5, payload_with(p, NULL, NULL)));
    for (i = 0; i < sizeof(field_claims) / sizeof(field_claims[0]); i++) {
        for (j = 0; j < sizeof(values) / sizeof(values[0]); j++) {
            const char *err = hdr_err(p, HDR_V5, payload_with(p, field_claims[i], values[j]));
            if (!err || strcmp(err, "an identity claim holds U+0000") != 0)
                fail_msg("%s = \"%s\": %s", field_claims[i], values[j], err ? err : "accepted");
        }
        /* an escaped backslash before "u0000" is no NUL */
        assert_null(hdr_err(p, HDR_V5, payload_with(p, field_claims[i], "alice\\\\u0000admin")));
    }
    /* legacy tokens: userId */
    assert_string_equal(parse_err(p, apr_pstrcat(p, V_LEGACY_HEADER_V2, ".", b64_std(p, v2_pl), ".c2ln", NULL)),
                        "an identity claim holds U+0000");
    /* a v3 token's tId is never read (its tenant is "public"), so it does not matter there */
    assert_null(hdr_err(p, hdr_v3, "{\"iat\":1,\"exp\":2,\"sub\":\"u\",\"sessionHandle\":\"h\","
                                   "\"refreshTokenHash1\":\"r\",\"tId\":\"a\\u0000b\"}"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(parse_v63_token, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(claim_with_nul_parses, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(identity_claim_with_nul_refused, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(sha256_hex_vectors, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(verify_v63_signature, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(verify_fails_on_changed_payload, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(verify_fails_with_other_key, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(verify_own_tokens_and_key_size, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(unusable_signature_parses_but_fails, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(check_time_v63, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(check_time_fractional_exp, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(check_time_nbf_and_iat, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(check_time_types_and_order, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(parse_v2_published_token, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(parse_v2_built_token, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(jwtio_sample_rejected, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(alg_other_than_rs256_refused_before_any_key, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(header_version_rules, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(header_typ_kid_rules, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(payload_stt_rules, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(payload_required_claims, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(resolved_fields_trimmed, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(token_shape_rejected, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(secure_streq_cases, pool_setup, pool_teardown),
    };
    return RUN_TAP("jwt", tests);
}

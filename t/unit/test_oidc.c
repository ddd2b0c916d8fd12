/*
 * test_oidc.c: token/oidc.c (ThirdParty recipe, issue 19): discovery documents, token endpoint
 * replies, provider JWKS with RSA and EC P-256 keys (unusable keys skipped), ID tokens parsed,
 * verified (RS256 and ES256 by the key's type: no alg confusion) and checked claim by claim
 * (iss, aud/azp, exp, iat, nbf, nonce), PKCE S256 against RFC 7636's test vector, the nonce
 * bound to the verifier, the SDK's field paths, and Apple's client secret: an ES256 JWT that
 * verifies with the public key (checked with OpenSSL directly) and carries the claims
 * supertokens-node's apple.ts puts (iss team id, iat, exp 180 days later, aud
 * https://appleid.apple.com, sub client id; header kid and typ).
 */
#include "fixtures/test_util.h"
#include "token/json_util.h"
#include "token/oidc.h"

#include <openssl/ec.h>
#include <openssl/pem.h>

#define ISSUER "https://idp.example.com"
#define CLIENT "client-1"
#define NOW_SEC 1700000000L

/* ---------- helpers: keys, JWKs, tokens ---------- */

static EVP_PKEY *ec_key(apr_pool_t *p, const char *curve)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve);
    if (k)
        apr_pool_cleanup_register(p, k, test_pkey_free, apr_pool_cleanup_null);
    return k;
}

/* {"kty":"EC","crv":"P-256","kid":..,"x":..,"y":..<extra>} for a P-256 key */
static char *ec_jwk_json(apr_pool_t *p, EVP_PKEY *k, const char *kid, const char *extra)
{
    unsigned char pt[65];
    size_t len = 0;
    assert_int_equal(EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt), &len), 1);
    assert_int_equal(len, 65);
    return apr_psprintf(p, "{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"%s\",\"x\":\"%s\",\"y\":\"%s\"%s}", kid,
                        st_b64url_encode(p, pt + 1, 32), st_b64url_encode(p, pt + 33, 32), extra);
}

/* An ES256 signature (r||s, base64url) of data under k */
static char *es256_sign(apr_pool_t *p, EVP_PKEY *k, const char *data)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char der[80], raw[64];
    const unsigned char *q = der;
    size_t len = sizeof(der);
    ECDSA_SIG *sig;
    const BIGNUM *r, *s;

    assert_non_null(ctx);
    assert_int_equal(EVP_DigestSignInit_ex(ctx, NULL, "SHA256", NULL, NULL, k, NULL), 1);
    assert_int_equal(EVP_DigestSign(ctx, der, &len, (const unsigned char *)data, strlen(data)), 1);
    EVP_MD_CTX_free(ctx);
    sig = d2i_ECDSA_SIG(NULL, &q, (long)len);
    assert_non_null(sig);
    ECDSA_SIG_get0(sig, &r, &s);
    assert_int_equal(BN_bn2binpad(r, raw, 32), 32);
    assert_int_equal(BN_bn2binpad(s, raw + 32, 32), 32);
    ECDSA_SIG_free(sig);
    return st_b64url_encode(p, raw, sizeof(raw));
}

static char *b64j(apr_pool_t *p, const char *json)
{
    return st_b64url_encode(p, (const unsigned char *)json, strlen(json));
}

/* header.payload signed with k: ES256 for EC keys, RS256 for RSA keys, "c2ln" without a key */
static char *signed_token(apr_pool_t *p, const char *header, const char *payload, EVP_PKEY *k)
{
    char *input = apr_pstrcat(p, b64j(p, header), ".", b64j(p, payload), NULL);
    if (k && EVP_PKEY_is_a(k, "EC"))
        return apr_pstrcat(p, input, ".", es256_sign(p, k, input), NULL);
    return apr_pstrcat(p, input, ".", k ? test_sign(p, k, input, 1) : "c2ln", NULL);
}

static st_id_token *parse_ok(apr_pool_t *p, const char *token)
{
    st_id_token *t = NULL;
    const char *err = st_oidc_id_token_parse(p, token, strlen(token), &t);
    if (err)
        fail_msg("ID token parse failed: %s", err);
    return t;
}

static apr_array_header_t *jwks_ok(apr_pool_t *p, const char *json)
{
    apr_array_header_t *keys = NULL;
    const char *err = st_oidc_jwks_parse(p, json, strlen(json), &keys);
    if (err)
        fail_msg("JWKS parse failed: %s", err);
    return keys;
}

/* Keys used by the ID token tests: rsa-1 (RSA 2048) and ec-1 (P-256). */
typedef struct {
    apr_pool_t *p;
    EVP_PKEY *rsa, *ec;
    apr_array_header_t *keys;
} fixture;

static fixture keys_fixture(apr_pool_t *p)
{
    fixture f = { p, test_rsa_key(p, 2048), ec_key(p, "P-256"), NULL };
    assert_non_null(f.rsa);
    assert_non_null(f.ec);
    f.keys = jwks_ok(p, apr_psprintf(p, "{\"keys\":[%s,%s]}", test_jwk_json(p, f.rsa, "rsa-1", ",\"use\":\"sig\",\"alg\":\"RS256\""),
                                     ec_jwk_json(p, f.ec, "ec-1", ",\"alg\":\"ES256\"")));
    assert_int_equal(f.keys->nelts, 2);
    return f;
}

static const char *verify(const fixture *f, const char *header, const char *payload, EVP_PKEY *k, int *no_key)
{
    return st_oidc_id_token_verify(parse_ok(f->p, signed_token(f->p, header, payload, k)), f->keys, no_key);
}

/* ---------- discovery ---------- */

static void discovery_documents(void **state)
{
    apr_pool_t *p = *state;
    st_oidc_discovery d;
    const char *doc = "{\"issuer\":\"" ISSUER "\",\"authorization_endpoint\":\"" ISSUER "/auth\","
                      "\"token_endpoint\":\"" ISSUER "/token\",\"userinfo_endpoint\":\"" ISSUER "/me\","
                      "\"jwks_uri\":\"" ISSUER "/jwks\",\"code_challenge_methods_supported\":[\"plain\",\"S256\"],"
                      "\"response_types_supported\":[\"code\"]}";
    static const char *const bad[] = {
        "", "not json", "[]", "\"x\"", "{}", "{\"issuer\":\"\"}", "{\"issuer\":7}",
        "{\"issuer\":\"i\",\"token_endpoint\":7}", "{\"issuer\":\"i\",\"jwks_uri\":\"\"}",
        "{\"issuer\":\"i\",\"issuer\":\"j\"}", "{\"issuer\":\"i\"",
    };
    size_t i;

    assert_null(st_oidc_discovery_parse(p, doc, strlen(doc), &d));
    assert_string_equal(d.issuer, ISSUER);
    assert_string_equal(d.authorization_endpoint, ISSUER "/auth");
    assert_string_equal(d.token_endpoint, ISSUER "/token");
    assert_string_equal(d.userinfo_endpoint, ISSUER "/me");
    assert_string_equal(d.jwks_uri, ISSUER "/jwks");
    assert_int_equal(d.pkce_s256, 1);

    doc = "{\"issuer\":\"i\",\"userinfo_endpoint\":null,\"code_challenge_methods_supported\":[\"plain\"]}";
    assert_null(st_oidc_discovery_parse(p, doc, strlen(doc), &d));
    assert_null(d.authorization_endpoint);
    assert_null(d.userinfo_endpoint);
    assert_int_equal(d.pkce_s256, 0);
    doc = "{\"issuer\":\"i\",\"code_challenge_methods_supported\":\"S256\"}";   /* not an array */
    assert_null(st_oidc_discovery_parse(p, doc, strlen(doc), &d));
    assert_int_equal(d.pkce_s256, 0);

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_non_null(st_oidc_discovery_parse(p, bad[i], strlen(bad[i]), &d));
}

/* ---------- token replies ---------- */

static void token_replies(void **state)
{
    apr_pool_t *p = *state;
    json_t *t = (json_t *)1;
    const char *ok = "{\"access_token\":\"at\",\"token_type\":\"Bearer\",\"id_token\":\"a.b.c\",\"expires_in\":300}";
    static const char *const bad[] = {
        "", "<html>", "[]", "\"at\"", "{\"access_token\":7}", "{\"id_token\":{}}", "{\"access_token\":\"a\"",
    };
    size_t i;

    assert_null(st_oidc_token_reply_parse(p, ok, strlen(ok), &t));
    assert_string_equal(st_json_string(t, "access_token"), "at");
    assert_string_equal(st_json_string(t, "id_token"), "a.b.c");
    ok = "{\"access_token\":\"gh\",\"scope\":\"read:user\"}";   /* OAuth 2.0: no ID token */
    assert_null(st_oidc_token_reply_parse(p, ok, strlen(ok), &t));
    assert_null(json_object_get(t, "id_token"));

    ok = "{\"error\":\"invalid_grant\",\"error_description\":\"code reused\"}";
    assert_string_equal(st_oidc_token_reply_parse(p, ok, strlen(ok), &t), "the provider refused the code");
    assert_null(t);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        t = (json_t *)1;
        assert_non_null(st_oidc_token_reply_parse(p, bad[i], strlen(bad[i]), &t));
        assert_null(t);
    }
}

/* ---------- JWKS ---------- */

static void jwks_rsa_and_ec(void **state)
{
    apr_pool_t *p = *state;
    fixture f = keys_fixture(p);
    const st_oidc_key *rsa = &APR_ARRAY_IDX(f.keys, 0, st_oidc_key), *ec = &APR_ARRAY_IDX(f.keys, 1, st_oidc_key);

    assert_string_equal(rsa->kid, "rsa-1");
    assert_int_equal(rsa->type, ST_OIDC_KEY_RSA);
    assert_true(EVP_PKEY_is_a(rsa->key, "RSA"));
    assert_int_equal(EVP_PKEY_eq(rsa->key, f.rsa), 1);
    assert_string_equal(ec->kid, "ec-1");
    assert_int_equal(ec->type, ST_OIDC_KEY_EC_P256);
    assert_true(EVP_PKEY_is_a(ec->key, "EC"));
    assert_int_equal(EVP_PKEY_eq(ec->key, f.ec), 1);
}

/* Keys that cannot verify RS256/ES256 are left out; the others are kept in order. */
static void jwks_unusable_keys_skipped(void **state)
{
    apr_pool_t *p = *state;
    EVP_PKEY *rsa = test_rsa_key(p, 2048), *ec = ec_key(p, "P-256"), *p384 = ec_key(p, "P-384");
    char *p256 = ec_jwk_json(p, ec, "ec-ok", "");
    char *off_curve = apr_pstrdup(p, p256), *y = strstr(off_curve, "\"y\":\"") + 5;
    unsigned char pt[97];
    size_t len = 0;
    apr_array_header_t *keys;
    const char *doc;
    static const char *const bad[] = { "", "{}", "[]", "{\"keys\":{}}", "{\"keys\":null}", "{\"keys\":[]", "{\"keys\":[],\"keys\":[]}" };
    size_t i;

    y[0] = y[0] == 'A' ? 'B' : 'A';   /* the point is no longer on the curve */
    assert_int_equal(EVP_PKEY_get_octet_string_param(p384, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt), &len), 1);
    doc = apr_psprintf(p, "{\"keys\":[%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,1,\"x\"]}",
        test_jwk_json(p, rsa, "rsa-enc", ",\"use\":\"enc\""),
        test_jwk_json(p, rsa, "rsa-es", ",\"alg\":\"ES256\""),
        test_jwk_json(p, rsa, "rsa-ps", ",\"alg\":\"PS256\""),
        ec_jwk_json(p, ec, "ec-rs", ",\"alg\":\"RS256\""),
        apr_psprintf(p, "{\"kty\":\"EC\",\"crv\":\"P-384\",\"kid\":\"ec-384\",\"x\":\"%s\",\"y\":\"%s\"}",
                     st_b64url_encode(p, pt + 1, 48), st_b64url_encode(p, pt + 49, 48)),
        off_curve,
        "{\"kty\":\"oct\",\"kid\":\"hmac\",\"k\":\"c2VjcmV0\"}",
        "{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"short\",\"x\":\"AAAA\",\"y\":\"AAAA\"}",
        test_jwk_json(p, rsa, "rsa-ok", ""),
        p256);
    keys = jwks_ok(p, doc);
    assert_int_equal(keys->nelts, 2);
    assert_string_equal(APR_ARRAY_IDX(keys, 0, st_oidc_key).kid, "rsa-ok");
    assert_string_equal(APR_ARRAY_IDX(keys, 1, st_oidc_key).kid, "ec-ok");

    keys = jwks_ok(p, "{\"keys\":[]}");
    assert_int_equal(keys->nelts, 0);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        keys = (apr_array_header_t *)1;
        assert_non_null(st_oidc_jwks_parse(p, bad[i], strlen(bad[i]), &keys));
        assert_null(keys);
    }
}

/* ---------- ID tokens: parsing ---------- */

static void id_token_parse(void **state)
{
    apr_pool_t *p = *state;
    const char *hdr = b64j(p, "{\"alg\":\"RS256\",\"kid\":\"k\"}"), *pl = b64j(p, "{\"sub\":\"s\"}");
    st_id_token *t = parse_ok(p, apr_pstrcat(p, hdr, ".", pl, ".c2ln", NULL));
    char *longtok = apr_palloc(p, ST_OIDC_MAX_TOKEN + 2);
    const char *bad[16];
    size_t i, n = 0;

    assert_string_equal(t->alg, "RS256");
    assert_string_equal(t->kid, "k");
    assert_string_equal(st_json_string(t->claims, "sub"), "s");
    assert_int_equal(t->sig_len, 3);
    assert_memory_equal(t->sig, "sig", 3);
    assert_int_equal(t->signing_input_len, strlen(hdr) + 1 + strlen(pl));
    assert_null(parse_ok(p, apr_pstrcat(p, b64j(p, "{\"alg\":\"ES256\"}"), ".", pl, ".c2ln", NULL))->kid);

    memset(longtok, 'A', ST_OIDC_MAX_TOKEN + 1);
    longtok[ST_OIDC_MAX_TOKEN + 1] = '\0';
    bad[n++] = apr_pstrcat(p, hdr, ".", pl, NULL);                                    /* two parts */
    bad[n++] = apr_pstrcat(p, hdr, ".", pl, ".c2ln.x", NULL);                         /* four parts */
    bad[n++] = apr_pstrcat(p, b64j(p, "not json"), ".", pl, ".c2ln", NULL);
    bad[n++] = apr_pstrcat(p, hdr, ".", b64j(p, "[1]"), ".c2ln", NULL);               /* payload not an object */
    bad[n++] = apr_pstrcat(p, b64j(p, "{\"kid\":\"k\"}"), ".", pl, ".c2ln", NULL);     /* no alg */
    bad[n++] = apr_pstrcat(p, b64j(p, "{\"alg\":\"RS256\",\"crit\":[\"x\"]}"), ".", pl, ".c2ln", NULL);
    bad[n++] = apr_pstrcat(p, b64j(p, "{\"alg\":\"RS256\",\"kid\":7}"), ".", pl, ".c2ln", NULL);
    bad[n++] = apr_pstrcat(p, hdr, "=.", pl, ".c2ln", NULL);                          /* padding */
    bad[n++] = apr_pstrcat(p, hdr, ".", pl, ".c2l+", NULL);                           /* base64, not base64url */
    bad[n++] = apr_pstrcat(p, b64j(p, "{\"alg\":\"RS256\",\"alg\":\"none\"}"), ".", pl, ".c2ln", NULL);
    bad[n++] = longtok;
    bad[n++] = "";
    for (i = 0; i < n; i++) {
        t = (st_id_token *)1;
        assert_non_null(st_oidc_id_token_parse(p, bad[i], strlen(bad[i]), &t));
        assert_null(t);
    }
    /* a NUL inside the given length */
    assert_non_null(st_oidc_id_token_parse(p, "a.b\0.c", 6, &t));
}

/* ---------- ID tokens: signatures ---------- */

static void id_token_signatures(void **state)
{
    apr_pool_t *p = *state;
    fixture f = keys_fixture(p);
    const char *pl = "{\"iss\":\"" ISSUER "\"}";
    EVP_PKEY *other_rsa = test_rsa_key(p, 2048), *other_ec = ec_key(p, "P-256");
    char *tok;
    int no_key = -1;

    assert_null(verify(&f, "{\"alg\":\"RS256\",\"kid\":\"rsa-1\"}", pl, f.rsa, &no_key));
    assert_int_equal(no_key, 0);
    assert_null(verify(&f, "{\"alg\":\"ES256\",\"kid\":\"ec-1\"}", pl, f.ec, &no_key));
    /* without a kid: the one key of the alg's type */
    assert_null(verify(&f, "{\"alg\":\"RS256\"}", pl, f.rsa, &no_key));
    assert_null(verify(&f, "{\"alg\":\"ES256\"}", pl, f.ec, &no_key));

    /* signed by keys the provider never published */
    assert_string_equal(verify(&f, "{\"alg\":\"RS256\",\"kid\":\"rsa-1\"}", pl, other_rsa, &no_key),
                        "the ID token's signature is invalid");
    assert_string_equal(verify(&f, "{\"alg\":\"ES256\",\"kid\":\"ec-1\"}", pl, other_ec, &no_key),
                        "the ID token's signature is invalid");
    /* a payload changed after signing */
    tok = signed_token(p, "{\"alg\":\"RS256\",\"kid\":\"rsa-1\"}", pl, f.rsa);
    tok = apr_pstrcat(p, b64j(p, "{\"alg\":\"RS256\",\"kid\":\"rsa-1\"}"), ".", b64j(p, "{\"iss\":\"evil\"}"), strrchr(tok, '.'), NULL);
    assert_string_equal(st_oidc_id_token_verify(parse_ok(p, tok), f.keys, &no_key), "the ID token's signature is invalid");

    /* an unknown kid: the caller may refetch the JWKS */
    assert_non_null(verify(&f, "{\"alg\":\"RS256\",\"kid\":\"rsa-2\"}", pl, f.rsa, &no_key));
    assert_int_equal(no_key, 1);
    assert_non_null(st_oidc_id_token_verify(parse_ok(p, signed_token(p, "{\"alg\":\"RS256\"}", pl, f.rsa)), NULL, &no_key));
    assert_int_equal(no_key, 1);
}

/* The key decides the algorithm: none, HMAC (the RSA key's bytes as a secret), RS256 with the
 * EC key, ES256 with the RSA key and unknown algs are refused before any key is used. */
static void id_token_alg_confusion(void **state)
{
    apr_pool_t *p = *state;
    fixture f = keys_fixture(p);
    const char *pl = "{\"iss\":\"" ISSUER "\"}";
    int no_key = -1;
    static const char *const refused[] = { "none", "HS256", "RS384", "PS256", "ES384", "EdDSA", "rs256" };
    size_t i;

    for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        const char *h = apr_psprintf(p, "{\"alg\":\"%s\",\"kid\":\"rsa-1\"}", refused[i]);
        assert_string_equal(verify(&f, h, pl, f.rsa, &no_key), "the ID token's alg is not RS256 or ES256");
        assert_int_equal(no_key, 0);
    }
    assert_string_equal(verify(&f, "{\"alg\":\"RS256\",\"kid\":\"ec-1\"}", pl, f.rsa, &no_key),
                        "the ID token's alg does not fit the type of its key");
    assert_string_equal(verify(&f, "{\"alg\":\"ES256\",\"kid\":\"rsa-1\"}", pl, f.ec, &no_key),
                        "the ID token's alg does not fit the type of its key");
}

static void id_token_key_choice(void **state)
{
    apr_pool_t *p = *state;
    EVP_PKEY *a = test_rsa_key(p, 2048), *b = test_rsa_key(p, 2048), *weak = test_rsa_key(p, 1024);
    const char *pl = "{\"iss\":\"" ISSUER "\"}";
    apr_array_header_t *keys;
    int no_key = -1;

    /* two keys with one kid: ambiguous, refused */
    keys = jwks_ok(p, apr_psprintf(p, "{\"keys\":[%s,%s]}", test_jwk_json(p, a, "same", ""), test_jwk_json(p, b, "same", "")));
    assert_string_equal(st_oidc_id_token_verify(parse_ok(p, signed_token(p, "{\"alg\":\"RS256\",\"kid\":\"same\"}", pl, a)), keys, &no_key),
                        "several keys of the provider's JWKS match the ID token");
    /* no kid and two RSA keys: ambiguous too */
    keys = jwks_ok(p, apr_psprintf(p, "{\"keys\":[%s,%s]}", test_jwk_json(p, a, "a", ""), test_jwk_json(p, b, "b", "")));
    assert_non_null(st_oidc_id_token_verify(parse_ok(p, signed_token(p, "{\"alg\":\"RS256\"}", pl, a)), keys, &no_key));
    /* an RSA key under 2048 bits is not even imported: a token it signed finds no key */
    keys = jwks_ok(p, apr_psprintf(p, "{\"keys\":[%s]}", test_jwk_json(p, weak, "weak", "")));
    assert_int_equal(keys->nelts, 0);
    assert_non_null(st_oidc_id_token_verify(parse_ok(p, signed_token(p, "{\"alg\":\"RS256\",\"kid\":\"weak\"}", pl, weak)), keys, &no_key));
    assert_int_equal(no_key, 1);
}

/* ---------- ID tokens: claims ---------- */

static const char *check_claims(apr_pool_t *p, const char *payload, const char *nonce)
{
    st_oidc_expect e = { ISSUER, CLIENT, nonce };
    st_id_token *t = parse_ok(p, signed_token(p, "{\"alg\":\"RS256\"}", payload, NULL));
    return st_oidc_id_token_check(t, &e, apr_time_from_sec(NOW_SEC));
}

#define CLAIMS(extra) "{\"iss\":\"" ISSUER "\",\"sub\":\"s\"" extra "}"
#define TIMES ",\"exp\":1700000300,\"iat\":1700000000"

static void id_token_claims(void **state)
{
    apr_pool_t *p = *state;

    assert_null(check_claims(p, CLAIMS(",\"aud\":\"" CLIENT "\"" TIMES ",\"nonce\":\"n-1\""), "n-1"));
    assert_null(check_claims(p, CLAIMS(",\"aud\":\"" CLIENT "\"" TIMES), NULL));        /* no nonce sent: not checked */
    assert_null(check_claims(p, CLAIMS(",\"aud\":[\"" CLIENT "\"]" TIMES), NULL));
    assert_null(check_claims(p, CLAIMS(",\"aud\":[\"" CLIENT "\",\"other\"],\"azp\":\"" CLIENT "\"" TIMES), NULL));
    assert_null(check_claims(p, CLAIMS(",\"aud\":\"" CLIENT "\",\"azp\":\"" CLIENT "\"" TIMES), NULL));
    assert_null(check_claims(p, CLAIMS(",\"aud\":\"" CLIENT "\",\"exp\":1700000300,\"iat\":1700000059"), NULL)); /* skew */
    assert_null(check_claims(p, CLAIMS(",\"aud\":\"" CLIENT "\"" TIMES ",\"nbf\":1700000000"), NULL));

    assert_string_equal(check_claims(p, "{\"iss\":\"https://evil.example\",\"aud\":\"" CLIENT "\"" TIMES "}", NULL),
                        "the ID token's iss is not the provider's issuer");
    assert_string_equal(check_claims(p, "{\"aud\":\"" CLIENT "\"" TIMES "}", NULL), "the ID token's iss is not the provider's issuer");
    assert_string_equal(check_claims(p, "{\"iss\":\"" ISSUER "/\",\"aud\":\"" CLIENT "\"" TIMES "}", NULL),
                        "the ID token's iss is not the provider's issuer");
    assert_string_equal(check_claims(p, CLAIMS(",\"aud\":\"other\"" TIMES), NULL), "the ID token's aud is not this client");
    assert_string_equal(check_claims(p, CLAIMS(TIMES), NULL), "the ID token's aud is not this client");
    assert_string_equal(check_claims(p, CLAIMS(",\"aud\":[\"other\",7]" TIMES), NULL), "the ID token's aud is not this client");
    assert_string_equal(check_claims(p, CLAIMS(",\"aud\":[\"" CLIENT "\",\"other\"]" TIMES), NULL),
                        "the ID token has several audiences and no azp");
    assert_string_equal(check_claims(p, CLAIMS(",\"aud\":[\"" CLIENT "\",\"other\"],\"azp\":\"other\"" TIMES), NULL),
                        "the ID token's azp is not this client");
    assert_string_equal(check_claims(p, CLAIMS(",\"aud\":\"" CLIENT "\",\"azp\":7" TIMES), NULL), "the ID token's azp is not this client");
    assert_string_equal(check_claims(p, CLAIMS(",\"aud\":\"" CLIENT "\",\"exp\":1700000000,\"iat\":1699999000"), NULL),
                        "the ID token has expired");
    assert_string_equal(check_claims(p, CLAIMS(",\"aud\":\"" CLIENT "\",\"iat\":1700000000"), NULL), "the ID token has no numeric exp");
    assert_string_equal(check_claims(p, CLAIMS(",\"aud\":\"" CLIENT "\",\"exp\":\"1700000300\",\"iat\":1700000000"), NULL),
                        "the ID token has no numeric exp");
    assert_string_equal(check_claims(p, CLAIMS(",\"aud\":\"" CLIENT "\",\"exp\":1700000300"), NULL), "the ID token has no numeric iat");
    assert_string_equal(check_claims(p, CLAIMS(",\"aud\":\"" CLIENT "\",\"exp\":1700009000,\"iat\":1700000061"), NULL),
                        "the ID token's iat is in the future");
    assert_string_equal(check_claims(p, CLAIMS(",\"aud\":\"" CLIENT "\"" TIMES ",\"nbf\":1700000100"), NULL),
                        "the ID token is not valid yet");
    assert_string_equal(check_claims(p, CLAIMS(",\"aud\":\"" CLIENT "\"" TIMES ",\"nonce\":\"n-2\""), "n-1"),
                        "the ID token's nonce is not the one sent");
    assert_string_equal(check_claims(p, CLAIMS(",\"aud\":\"" CLIENT "\"" TIMES), "n-1"), "the ID token's nonce is not the one sent");
    assert_string_equal(check_claims(p, CLAIMS(",\"aud\":\"" CLIENT "\"" TIMES ",\"nonce\":7"), "n-1"),
                        "the ID token's nonce is not the one sent");
}

/* ---------- PKCE, nonce, fields ---------- */

/* RFC 7636 Appendix B */
static void pkce_rfc7636_vector(void **state)
{
    apr_pool_t *p = *state;
    assert_string_equal(st_oidc_pkce_challenge(p, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
                        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

static void pkce_fresh_pairs(void **state)
{
    apr_pool_t *p = *state;
    const char *v1, *c1, *v2, *c2;
    size_t i;

    assert_int_equal(st_oidc_pkce(p, &v1, &c1), 1);
    assert_int_equal(st_oidc_pkce(p, &v2, &c2), 1);
    assert_int_equal(strlen(v1), 64);   /* RFC 7636: 43 to 128 unreserved characters */
    for (i = 0; v1[i]; i++)
        assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", v1[i]));
    assert_string_equal(c1, st_oidc_pkce_challenge(p, v1));
    assert_int_equal(strlen(c1), 43);
    assert_string_not_equal(v1, v2);
    assert_string_not_equal(c1, c2);
}

static void nonce_bound_to_verifier(void **state)
{
    apr_pool_t *p = *state;
    const char *v = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", *n = st_oidc_nonce_for(p, v);

    assert_int_equal(strlen(n), 43);
    assert_string_equal(n, st_oidc_nonce_for(p, v));
    assert_string_not_equal(n, st_oidc_nonce_for(p, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXl"));
    /* not the PKCE challenge: the nonce (sent to the provider) reveals nothing more than it */
    assert_string_not_equal(n, st_oidc_pkce_challenge(p, v));
}

static void field_paths(void **state)
{
    apr_pool_t *p = *state;
    const char *doc = "{\"sub\":\"s\",\"user\":{\"id\":7,\"email\":{\"value\":\"a@b.c\"}},\"list\":[1]}";
    json_t *j = st_json_parse(p, doc, strlen(doc), 0);
    char *longkey = apr_palloc(p, 300);

    assert_string_equal(json_string_value(st_oidc_field(j, "sub")), "s");
    assert_int_equal(json_integer_value(st_oidc_field(j, "user.id")), 7);
    assert_string_equal(json_string_value(st_oidc_field(j, "user.email.value")), "a@b.c");
    assert_null(st_oidc_field(j, "user.name"));
    assert_null(st_oidc_field(j, "sub.x"));          /* through a string */
    assert_null(st_oidc_field(j, "list.0"));         /* arrays are not walked */
    assert_null(st_oidc_field(NULL, "sub"));
    memset(longkey, 'k', 299);
    longkey[299] = '\0';
    assert_null(st_oidc_field(j, longkey));
}

/* ---------- Apple's client secret ---------- */

static char *private_pem(apr_pool_t *p, EVP_PKEY *k)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *data, *out;
    long len;

    assert_non_null(bio);
    assert_int_equal(PEM_write_bio_PKCS8PrivateKey(bio, k, NULL, NULL, 0, NULL, NULL), 1);   /* Apple's .p8 */
    len = BIO_get_mem_data(bio, &data);
    out = apr_pstrmemdup(p, data, (apr_size_t)len);
    BIO_free(bio);
    return out;
}

static void apple_key_usable(void **state)
{
    apr_pool_t *p = *state;
    assert_int_equal(st_oidc_es256_key_usable(private_pem(p, ec_key(p, "P-256"))), 1);
    assert_int_equal(st_oidc_es256_key_usable(private_pem(p, ec_key(p, "P-384"))), 0);
    assert_int_equal(st_oidc_es256_key_usable(private_pem(p, test_rsa_key(p, 2048))), 0);
    assert_int_equal(st_oidc_es256_key_usable("-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n"), 0);
    assert_int_equal(st_oidc_es256_key_usable(""), 0);
}

/* The r||s signature checked with OpenSSL directly (not with oidc.c's verifier). */
static int es256_verifies(EVP_PKEY *pub, const char *input, const unsigned char *sig, apr_size_t len)
{
    ECDSA_SIG *es = ECDSA_SIG_new();
    unsigned char *der = NULL;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int der_len, ok;

    if (len != 64 || !es || !ctx)
        return 0;
    ECDSA_SIG_set0(es, BN_bin2bn(sig, 32, NULL), BN_bin2bn(sig + 32, 32, NULL));
    der_len = i2d_ECDSA_SIG(es, &der);
    ok = der_len > 0 && EVP_DigestVerifyInit_ex(ctx, NULL, "SHA256", NULL, NULL, pub, NULL) == 1
         && EVP_DigestVerify(ctx, der, (size_t)der_len, (const unsigned char *)input, strlen(input)) == 1;
    OPENSSL_free(der);
    ECDSA_SIG_free(es);
    EVP_MD_CTX_free(ctx);
    return ok;
}

static void apple_client_secret(void **state)
{
    apr_pool_t *p = *state;
    EVP_PKEY *k = ec_key(p, "P-256"), *other = ec_key(p, "P-256");
    const char *secret = st_oidc_apple_client_secret(p, private_pem(p, k), "KEYID12345", "TEAMID6789",
                                                     "com.example.service", apr_time_from_sec(NOW_SEC));
    st_id_token *t;
    double v;
    int no_key = -1;
    apr_array_header_t *keys;

    assert_non_null(secret);
    t = parse_ok(p, secret);
    /* header {alg:ES256, kid:key id, typ:JWT} */
    assert_string_equal(st_json_string(t->header, "alg"), "ES256");
    assert_string_equal(st_json_string(t->header, "kid"), "KEYID12345");
    assert_string_equal(st_json_string(t->header, "typ"), "JWT");
    assert_int_equal(json_object_size(t->header), 3);
    /* claims as supertokens-node's apple.ts: iss, iat, exp (180 days), aud, sub */
    assert_string_equal(st_json_string(t->claims, "iss"), "TEAMID6789");
    assert_string_equal(st_json_string(t->claims, "aud"), "https://appleid.apple.com");
    assert_string_equal(st_json_string(t->claims, "sub"), "com.example.service");
    assert_true(st_json_number(t->claims, "iat", &v));
    assert_true(v == (double)NOW_SEC);
    assert_true(st_json_number(t->claims, "exp", &v));
    assert_true(v == (double)NOW_SEC + 180.0 * 86400);
    assert_int_equal(json_object_size(t->claims), 5);
    /* the signature: r||s of 64 bytes over header.payload, with the key's public half only */
    assert_int_equal(t->sig_len, 64);
    assert_int_equal(es256_verifies(k, t->signing_input, t->sig, t->sig_len), 1);
    assert_int_equal(es256_verifies(other, t->signing_input, t->sig, t->sig_len), 0);
    /* and as a JWKS with the public key sees it */
    keys = jwks_ok(p, apr_psprintf(p, "{\"keys\":[%s]}", ec_jwk_json(p, k, "KEYID12345", "")));
    assert_null(st_oidc_id_token_verify(t, keys, &no_key));

    /* no secret from an unusable key */
    assert_null(st_oidc_apple_client_secret(p, private_pem(p, test_rsa_key(p, 2048)), "K", "T", "C", apr_time_from_sec(NOW_SEC)));
    assert_null(st_oidc_apple_client_secret(p, "not a key", "K", "T", "C", apr_time_from_sec(NOW_SEC)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(discovery_documents, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(token_replies, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(jwks_rsa_and_ec, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(jwks_unusable_keys_skipped, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(id_token_parse, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(id_token_signatures, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(id_token_alg_confusion, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(id_token_key_choice, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(id_token_claims, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(pkce_rfc7636_vector, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(pkce_fresh_pairs, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(nonce_bound_to_verifier, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(field_paths, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(apple_key_usable, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(apple_client_secret, pool_setup, pool_teardown),
    };
    return RUN_TAP("oidc", tests);
}

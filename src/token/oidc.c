/*
 * oidc.c: discovery documents, token replies, provider JWKS, ID tokens, PKCE and Apple's
 * client secret (oidc.h).
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "apr_strings.h"

#include "token/b64.h"
#include "token/json_util.h"
#include "token/jwk.h"
#include "token/jwt.h"
#include "token/oidc.h"

static apr_status_t pkey_cleanup(void *data)
{
    EVP_PKEY_free((EVP_PKEY *)data);
    return APR_SUCCESS;
}

/* ---------- discovery and token replies ---------- */

static int optional_string(const json_t *doc, const char *key, const char **out)
{
    const json_t *v = json_object_get(doc, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return 1;
    if (!json_is_string(v) || !*json_string_value(v))
        return 0;
    *out = json_string_value(v);
    return 1;
}

const char *st_oidc_discovery_parse(apr_pool_t *p, const char *json, apr_size_t len, st_oidc_discovery *out)
{
    json_t *doc = st_json_parse(p, json, len, 0);
    const json_t *methods, *m;
    size_t i;

    memset(out, 0, sizeof(*out));
    if (!json_is_object(doc))
        return "the discovery document is not a JSON object";
    if (!(out->issuer = st_json_string(doc, "issuer")) || !*out->issuer)
        return "the discovery document has no issuer";
    if (!optional_string(doc, "authorization_endpoint", &out->authorization_endpoint)
        || !optional_string(doc, "token_endpoint", &out->token_endpoint)
        || !optional_string(doc, "userinfo_endpoint", &out->userinfo_endpoint)
        || !optional_string(doc, "jwks_uri", &out->jwks_uri))
        return "an endpoint of the discovery document is not a string";
    methods = json_object_get(doc, "code_challenge_methods_supported");
    json_array_foreach(methods, i, m)
        if (json_is_string(m) && strcmp(json_string_value(m), "S256") == 0)
            out->pkce_s256 = 1;
    return NULL;
}

const char *st_oidc_token_reply_parse(apr_pool_t *p, const char *json, apr_size_t len, json_t **out)
{
    json_t *doc = st_json_parse(p, json, len, 0);

    *out = NULL;
    if (!json_is_object(doc))
        return "the token endpoint's reply is not a JSON object";
    if (json_object_get(doc, "error"))
        return "the provider refused the code";
    if (json_object_get(doc, "access_token") && !json_is_string(json_object_get(doc, "access_token")))
        return "access_token is not a string";
    if (json_object_get(doc, "id_token") && !json_is_string(json_object_get(doc, "id_token")))
        return "id_token is not a string";
    *out = doc;
    return NULL;
}

/* ---------- JWKS ---------- */

/* An EC P-256 public key from x and y (32 bytes each); NULL unless the point is on the curve. */
static EVP_PKEY *ec_p256_import(apr_pool_t *p, const json_t *jwk)
{
    const char *x = st_json_string(jwk, "x"), *y = st_json_string(jwk, "y");
    unsigned char point[65];
    const unsigned char *bx, *by;
    apr_size_t lx = 0, ly = 0;
    OSSL_PARAM_BLD *bld;
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL, *check = NULL;
    EVP_PKEY *pkey = NULL;

    if (!x || !y || !(bx = st_b64_decode(p, x, strlen(x), &lx)) || !(by = st_b64_decode(p, y, strlen(y), &ly))
        || lx != 32 || ly != 32)
        return NULL;
    point[0] = 0x04;
    memcpy(point + 1, bx, 32);
    memcpy(point + 33, by, 32);
    if ((bld = OSSL_PARAM_BLD_new()) != NULL
        && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0)
        && OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point))
        && (params = OSSL_PARAM_BLD_to_param(bld)) != NULL
        && (ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) != NULL
        && EVP_PKEY_fromdata_init(ctx) == 1
        && EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) == 1
        && ((check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) == NULL
            || EVP_PKEY_public_check(check) != 1)) {
        EVP_PKEY_free(pkey);
        pkey = NULL;
    }
    EVP_PKEY_CTX_free(check);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    if (pkey)
        apr_pool_cleanup_register(p, pkey, pkey_cleanup, apr_pool_cleanup_null);
    return pkey;
}

static int import_key(apr_pool_t *p, const json_t *jwk, st_oidc_key *out)
{
    const char *kty = st_json_string(jwk, "kty"), *crv = st_json_string(jwk, "crv");
    const json_t *use = json_object_get(jwk, "use"), *alg = json_object_get(jwk, "alg");
    const char *want;

    memset(out, 0, sizeof(*out));
    if (!kty || (use && (!json_is_string(use) || strcmp(json_string_value(use), "sig"))))
        return 0;
    if (!strcmp(kty, "RSA")) {
        out->type = ST_OIDC_KEY_RSA;
        want = "RS256";
    }
    else if (!strcmp(kty, "EC") && crv && !strcmp(crv, "P-256")) {
        out->type = ST_OIDC_KEY_EC_P256;
        want = "ES256";
    }
    else {
        return 0;
    }
    if (alg && (!json_is_string(alg) || strcmp(json_string_value(alg), want)))
        return 0;
    out->key = out->type == ST_OIDC_KEY_RSA ? st_jwk_rsa_import(p, jwk) : ec_p256_import(p, jwk);
    out->kid = st_json_string(jwk, "kid");
    return out->key != NULL;
}

const char *st_oidc_jwks_parse(apr_pool_t *p, const char *json, apr_size_t len, apr_array_header_t **keys)
{
    json_t *doc = st_json_parse(p, json, len, 0);
    const json_t *list, *k;
    size_t i;

    *keys = NULL;
    if (!json_is_object(doc) || !json_is_array(list = json_object_get(doc, "keys")))
        return "the JWKS is not {\"keys\":[...]}";
    *keys = apr_array_make(p, (int)json_array_size(list) + 1, sizeof(st_oidc_key));
    ERR_set_mark();
    json_array_foreach(list, i, k) {
        st_oidc_key key;
        if (json_is_object(k) && import_key(p, k, &key))
            *(st_oidc_key *)apr_array_push(*keys) = key;
    }
    ERR_pop_to_mark();
    return NULL;
}

/* ---------- ID tokens ---------- */

static json_t *part_json(apr_pool_t *p, const char *b64, apr_size_t len)
{
    apr_size_t n;
    const unsigned char *raw;
    json_t *j;

    if (memchr(b64, '=', len) || memchr(b64, '+', len) || memchr(b64, '/', len))
        return NULL;   /* base64url without padding only */
    raw = st_b64_decode(p, b64, len, &n);
    j = raw ? st_json_parse(p, (const char *)raw, n, 0) : NULL;
    return json_is_object(j) ? j : NULL;
}

const char *st_oidc_id_token_parse(apr_pool_t *p, const char *token, apr_size_t len, st_id_token **out)
{
    const char *d1, *d2, *sig;
    st_id_token *t;
    const json_t *kid;

    *out = NULL;
    if (!token || len == 0 || len > ST_OIDC_MAX_TOKEN || memchr(token, '\0', len))
        return "the ID token is empty, too long or holds a NUL";
    d1 = memchr(token, '.', len);
    d2 = d1 ? memchr(d1 + 1, '.', len - (apr_size_t)(d1 + 1 - token)) : NULL;
    if (!d2 || memchr(d2 + 1, '.', len - (apr_size_t)(d2 + 1 - token)))
        return "the ID token does not have three parts";
    t = apr_pcalloc(p, sizeof(*t));
    if (!(t->header = part_json(p, token, (apr_size_t)(d1 - token))))
        return "the ID token's header is not a base64url JSON object";
    if (!(t->claims = part_json(p, d1 + 1, (apr_size_t)(d2 - d1 - 1))))
        return "the ID token's payload is not a base64url JSON object";
    if (!(t->alg = st_json_string(t->header, "alg")))
        return "the ID token's header has no alg";
    if (json_object_get(t->header, "crit"))
        return "the ID token's header has crit";
    kid = json_object_get(t->header, "kid");
    if (kid && !json_is_string(kid))
        return "the ID token's kid is not a string";
    t->kid = kid ? json_string_value(kid) : NULL;
    sig = d2 + 1;
    if (strpbrk(apr_pstrndup(p, sig, len - (apr_size_t)(sig - token)), "=+/")
        || !(t->sig = st_b64_decode(p, sig, len - (apr_size_t)(sig - token), &t->sig_len)))
        return "the ID token's signature is not base64url";
    t->signing_input = apr_pstrndup(p, token, (apr_size_t)(d2 - token));
    t->signing_input_len = (apr_size_t)(d2 - token);
    *out = t;
    return NULL;
}

/* ES256 signatures are r||s (RFC 7518 §3.4); OpenSSL wants DER. */
static unsigned char *es256_der(const unsigned char *sig, apr_size_t len, int *der_len)
{
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, 32, NULL), *s = BN_bin2bn(sig + 32, 32, NULL);
    unsigned char *der = NULL;

    *der_len = 0;
    if (len != 64 || !es || !r || !s || ECDSA_SIG_set0(es, r, s) != 1) {
        BN_free(r);
        BN_free(s);
        ECDSA_SIG_free(es);
        return NULL;
    }
    *der_len = i2d_ECDSA_SIG(es, &der);
    ECDSA_SIG_free(es);
    return *der_len > 0 ? der : NULL;
}

static int verify_with(const st_id_token *t, const st_oidc_key *k)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    const unsigned char *sig = t->sig;
    unsigned char *der = NULL;
    int ok = 0, sig_len = (int)t->sig_len;

    if (!ctx)
        return 0;
    ERR_set_mark();
    if (k->type == ST_OIDC_KEY_EC_P256)
        sig = der = es256_der(t->sig, t->sig_len, &sig_len);
    else if (EVP_PKEY_get_bits(k->key) < 2048 || !st_jwt_rsa_exponent_ok(k->key))
        sig = NULL;
    ok = sig && EVP_DigestVerifyInit_ex(ctx, NULL, "SHA256", NULL, NULL, k->key, NULL) == 1
         && EVP_DigestVerify(ctx, sig, (size_t)sig_len, (const unsigned char *)t->signing_input,
                             t->signing_input_len) == 1;
    ERR_pop_to_mark();
    OPENSSL_free(der);
    EVP_MD_CTX_free(ctx);
    return ok;
}

const char *st_oidc_id_token_verify(const st_id_token *t, const apr_array_header_t *keys, int *no_key)
{
    st_oidc_key_type type;
    const st_oidc_key *match = NULL;
    int i, n = 0;

    *no_key = 0;
    if (!strcmp(t->alg, "RS256"))
        type = ST_OIDC_KEY_RSA;
    else if (!strcmp(t->alg, "ES256"))
        type = ST_OIDC_KEY_EC_P256;
    else
        return "the ID token's alg is not RS256 or ES256";
    for (i = 0; keys && i < keys->nelts; i++) {
        const st_oidc_key *k = &APR_ARRAY_IDX(keys, i, st_oidc_key);
        if (t->kid ? (k->kid && !strcmp(k->kid, t->kid)) : k->type == type) {
            match = k;
            n++;
        }
    }
    if (n == 0) {
        *no_key = 1;
        return t->kid ? "no key of the provider's JWKS has the ID token's kid"
                      : "the provider's JWKS has no key for the ID token's alg";
    }
    if (n > 1)
        return "several keys of the provider's JWKS match the ID token";
    if (match->type != type)   /* the key decides the algorithm */
        return "the ID token's alg does not fit the type of its key";
    return verify_with(t, match) ? NULL : "the ID token's signature is invalid";
}

static int aud_has(const json_t *aud, const char *client_id, size_t *count)
{
    const json_t *a;
    size_t i;
    int found = 0;

    *count = 0;
    if (json_is_string(aud)) {
        *count = 1;
        return !strcmp(json_string_value(aud), client_id);
    }
    json_array_foreach(aud, i, a) {
        if (!json_is_string(a))
            return 0;
        (*count)++;
        found |= !strcmp(json_string_value(a), client_id);
    }
    return found;
}

const char *st_oidc_id_token_check(const st_id_token *t, const st_oidc_expect *e, apr_time_t now)
{
    const json_t *c = t->claims;
    const char *iss = st_json_string(c, "iss"), *azp, *nonce;
    double exp, iat, nbf, now_s = (double)apr_time_sec(now);
    size_t n_aud;

    if (!iss || !e->issuer || strcmp(iss, e->issuer))
        return "the ID token's iss is not the provider's issuer";
    if (!aud_has(json_object_get(c, "aud"), e->client_id, &n_aud))
        return "the ID token's aud is not this client";
    azp = st_json_string(c, "azp");
    if (json_object_get(c, "azp") && (!azp || strcmp(azp, e->client_id)))
        return "the ID token's azp is not this client";
    if (n_aud > 1 && !azp)
        return "the ID token has several audiences and no azp";
    if (!st_json_number(c, "exp", &exp))
        return "the ID token has no numeric exp";
    if (exp <= now_s)
        return "the ID token has expired";
    if (!st_json_number(c, "iat", &iat))
        return "the ID token has no numeric iat";
    if (iat > now_s + ST_OIDC_IAT_SKEW_SEC)
        return "the ID token's iat is in the future";
    if (json_object_get(c, "nbf") && (!st_json_number(c, "nbf", &nbf) || nbf > now_s + ST_OIDC_IAT_SKEW_SEC))
        return "the ID token is not valid yet";
    if (e->nonce) {
        nonce = st_json_string(c, "nonce");
        if (!nonce || !st_secure_streq(nonce, e->nonce))
            return "the ID token's nonce is not the one sent";
    }
    return NULL;
}

/* ---------- PKCE, nonce, fields ---------- */

static const char *sha256_b64url(apr_pool_t *p, const char *s)
{
    unsigned char md[32];
    unsigned int n = 0;
    if (EVP_Digest(s, strlen(s), md, &n, EVP_sha256(), NULL) != 1 || n != 32)
        return NULL;
    return st_b64url_encode(p, md, 32);
}

const char *st_oidc_pkce_challenge(apr_pool_t *p, const char *verifier)
{
    return sha256_b64url(p, verifier);
}

int st_oidc_pkce(apr_pool_t *p, const char **verifier, const char **challenge)
{
    unsigned char raw[48];
    if (RAND_bytes(raw, sizeof(raw)) != 1)
        return 0;
    *verifier = st_b64url_encode(p, raw, sizeof(raw));   /* 64 characters of [A-Za-z0-9_-] */
    *challenge = st_oidc_pkce_challenge(p, *verifier);
    return *challenge != NULL;
}

const char *st_oidc_nonce_for(apr_pool_t *p, const char *verifier)
{
    return sha256_b64url(p, apr_pstrcat(p, "mod_supertokens nonce\n", verifier, NULL));
}

const json_t *st_oidc_field(const json_t *obj, const char *path)
{
    const char *dot;
    char key[256];

    while (obj && path) {
        apr_size_t n;
        if (!json_is_object(obj))
            return NULL;
        dot = strchr(path, '.');
        n = dot ? (apr_size_t)(dot - path) : strlen(path);
        if (n >= sizeof(key))
            return NULL;
        memcpy(key, path, n);
        key[n] = '\0';
        obj = json_object_get(obj, key);
        path = dot ? dot + 1 : NULL;
    }
    return obj;
}

/* ---------- Apple's client secret ---------- */

static EVP_PKEY *es256_private(const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *k = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    char group[32];
    size_t gl = 0;

    BIO_free(bio);
    if (k && (!EVP_PKEY_is_a(k, "EC")
              || EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), &gl) != 1
              || strcmp(group, "prime256v1"))) {
        EVP_PKEY_free(k);
        k = NULL;
    }
    return k;
}

int st_oidc_es256_key_usable(const char *pem)
{
    EVP_PKEY *k;
    ERR_set_mark();
    k = es256_private(pem);
    ERR_pop_to_mark();
    EVP_PKEY_free(k);
    return k != NULL;
}

/* DER ECDSA signature to r||s. */
static int es256_raw(const unsigned char *der, size_t len, unsigned char out[64])
{
    ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &der, (long)len);
    const BIGNUM *r, *s;
    int ok;
    if (!es)
        return 0;
    ECDSA_SIG_get0(es, &r, &s);
    ok = BN_bn2binpad(r, out, 32) == 32 && BN_bn2binpad(s, out + 32, 32) == 32;
    ECDSA_SIG_free(es);
    return ok;
}

const char *st_oidc_apple_client_secret(apr_pool_t *p, const char *pem, const char *key_id,
                                        const char *team_id, const char *client_id, apr_time_t now)
{
    json_t *h = json_pack("{s:s,s:s,s:s}", "alg", "ES256", "kid", key_id, "typ", "JWT");
    long iat = (long)apr_time_sec(now);
    json_t *c = json_pack("{s:s,s:I,s:I,s:s,s:s}", "iss", team_id, "iat", (json_int_t)iat,
                          "exp", (json_int_t)iat + 180L * 86400, "aud", "https://appleid.apple.com",
                          "sub", client_id);
    const char *input, *hs, *cs, *out = NULL;
    unsigned char der[80], raw[64];
    size_t der_len = sizeof(der);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY *k;

    st_json_pool_own(p, h);
    st_json_pool_own(p, c);
    hs = st_json_dump(p, h);
    cs = st_json_dump(p, c);
    ERR_set_mark();
    k = es256_private(pem);
    if (k && ctx && hs && cs) {
        input = apr_pstrcat(p, st_b64url_encode(p, (const unsigned char *)hs, strlen(hs)), ".",
                            st_b64url_encode(p, (const unsigned char *)cs, strlen(cs)), NULL);
        if (EVP_DigestSignInit_ex(ctx, NULL, "SHA256", NULL, NULL, k, NULL) == 1
            && EVP_DigestSign(ctx, der, &der_len, (const unsigned char *)input, strlen(input)) == 1
            && es256_raw(der, der_len, raw))
            out = apr_pstrcat(p, input, ".", st_b64url_encode(p, raw, sizeof(raw)), NULL);
    }
    ERR_pop_to_mark();
    EVP_PKEY_free(k);
    EVP_MD_CTX_free(ctx);
    return out;
}

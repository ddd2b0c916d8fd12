/*
 * oidc.h: the pure parts of signing in with an identity provider (ThirdParty recipe, issue 19):
 * OpenID Connect discovery documents, token endpoint replies, the providers' JWKS (RSA and EC
 * P-256 keys), ID tokens (RS256 and ES256 signatures; iss, aud/azp, exp, iat, nonce), PKCE,
 * the nonce bound to a PKCE verifier, the SDK's userInfoMap field paths and Apple's ES256
 * client secret. No httpd types: unit-tested and fuzzed directly.
 *
 * Algorithm confusion cannot happen: the key a token names decides the algorithm (an RSA key
 * verifies RS256 only, an EC P-256 key ES256 only); "none", HMAC and every other alg are
 * refused before any key is used, and a JWK's own "alg" or "use" must agree.
 */
#ifndef ST_OIDC_H
#define ST_OIDC_H

#include <jansson.h>
#include <openssl/evp.h>

#include "apr_pools.h"
#include "apr_tables.h"
#include "apr_time.h"

#define ST_OIDC_MAX_TOKEN (16 * 1024)
/* iat may be this far in the future (the provider's clock ahead of ours) */
#define ST_OIDC_IAT_SKEW_SEC 60

typedef struct {
    const char *issuer;
    const char *authorization_endpoint;   /* NULL when absent (each may be) */
    const char *token_endpoint;
    const char *userinfo_endpoint;
    const char *jwks_uri;
    int pkce_s256;                        /* code_challenge_methods_supported lists S256 */
} st_oidc_discovery;

/* A discovery document: a JSON object with a string issuer; the endpoints that are present must
 * be strings. NULL on success, else a short static text (never document bytes). */
const char *st_oidc_discovery_parse(apr_pool_t *p, const char *json, apr_size_t len, st_oidc_discovery *out);

/* A token endpoint's reply: a JSON object (owned by p) without an "error" member; *out is it
 * (the SDK's oAuthTokens). An {"error": ...} reply gives "the provider refused the code". */
const char *st_oidc_token_reply_parse(apr_pool_t *p, const char *json, apr_size_t len, json_t **out);

typedef enum { ST_OIDC_KEY_RSA = 1, ST_OIDC_KEY_EC_P256 = 2 } st_oidc_key_type;

typedef struct {
    const char *kid;          /* NULL when the JWK has none */
    st_oidc_key_type type;
    EVP_PKEY *key;            /* freed with the pool given to st_oidc_jwks_parse */
} st_oidc_key;

/* A provider's JWKS: {"keys":[...]}; keys that cannot verify RS256/ES256 signatures (other kty
 * or curves, "use" other than "sig", an "alg" other than the key type's, bad numbers) are
 * skipped. *keys is an array of st_oidc_key, maybe empty. */
const char *st_oidc_jwks_parse(apr_pool_t *p, const char *json, apr_size_t len, apr_array_header_t **keys);

typedef struct {
    const char *alg;          /* header alg */
    const char *kid;          /* header kid, NULL when absent */
    json_t *header;
    json_t *claims;           /* the payload object, owned by the pool */
    const char *signing_input;
    apr_size_t signing_input_len;
    const unsigned char *sig;
    apr_size_t sig_len;
} st_id_token;

/* Three base64url parts, a JSON object header with a string alg and no crit, a JSON object
 * payload (no duplicate names). NULL on success, else a short static text. */
const char *st_oidc_id_token_parse(apr_pool_t *p, const char *token, apr_size_t len, st_id_token **out);

/* The signature against keys: the key with the token's kid (exactly one), or without a kid the
 * one key of the alg's type. NULL when it verifies; else why. *no_key = 1 when no key had the
 * kid (the caller may refetch the JWKS once). */
const char *st_oidc_id_token_verify(const st_id_token *t, const apr_array_header_t *keys, int *no_key);

typedef struct {
    const char *issuer;       /* iss must equal it */
    const char *client_id;    /* aud must be or contain it; azp, when present (and it must be with
                               * several audiences), must equal it */
    const char *nonce;        /* NULL: not checked (none was sent) */
} st_oidc_expect;

/* The claims: iss, aud/azp, exp (a number, > now), iat (a number, not more than
 * ST_OIDC_IAT_SKEW_SEC ahead), nbf (when present, <= now), nonce. NULL when acceptable. */
const char *st_oidc_id_token_check(const st_id_token *t, const st_oidc_expect *e, apr_time_t now);

/* PKCE (RFC 7636): a 64-character verifier and its S256 challenge. 0 when no randomness. */
int st_oidc_pkce(apr_pool_t *p, const char **verifier, const char **challenge);

/* The S256 code_challenge of a verifier: BASE64URL(SHA-256(verifier)). */
const char *st_oidc_pkce_challenge(apr_pool_t *p, const char *verifier);

/* The nonce sent with an authorisation URL that has PKCE, derived from the verifier (which the
 * frontend keeps and sends back), so sign-in-up can check the ID token's nonce statelessly. */
const char *st_oidc_nonce_for(apr_pool_t *p, const char *verifier);

/* The SDK's accessField: "a.b.c" through objects; NULL when missing. */
const json_t *st_oidc_field(const json_t *obj, const char *path);

/* 1 when pem is an EC P-256 private key (Apple's .p8). */
int st_oidc_es256_key_usable(const char *pem);

/* Apple's client secret as supertokens-node makes it: an ES256 JWT with header
 * {alg:ES256, kid:key_id, typ:JWT}, claims {iss:team_id, iat:now, exp:now+180 days,
 * aud:"https://appleid.apple.com", sub:client_id}. NULL on failure. */
const char *st_oidc_apple_client_secret(apr_pool_t *p, const char *pem, const char *key_id,
                                        const char *team_id, const char *client_id, apr_time_t now);

#endif

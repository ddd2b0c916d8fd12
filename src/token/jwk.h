/*
 * jwk.h: JWKS documents from the core (GET /.well-known/jwks.json, protocol.md §2.2) turned into
 * OpenSSL public keys, and key selection for a token the way jose's JWKS key set does it.
 */
#ifndef ST_JWK_H
#define ST_JWK_H

#include <openssl/evp.h>
#include <jansson.h>

#include "apr_pools.h"
#include "apr_tables.h"
#include "token/jwt.h"

typedef struct {
    const char *kid;        /* NULL when the JWK has no string kid (usable for legacy tokens only) */
    int is_dynamic;         /* kid starts with "d-" (dynamic signing key) */
    int bits;               /* modulus size */
    EVP_PKEY *key;          /* RSA public key; freed by a cleanup on the pool given to st_jwks_parse */
    /* RS256 verify context prepared once (PKCS#1 v1.5, SHA-256) and duplicated per check, so a
     * request does not look algorithms up under OpenSSL's locks; NULL if it could not be made. */
    EVP_PKEY_CTX *verify_ctx;
    /* The AVX-512 IFMA public operation's precomputed key (rsa_ifma.c), pool memory; NULL where
     * it does not apply (then verify_ctx is used). Only made alongside verify_ctx, whose
     * SHA-256 digest it shares. */
    const st_rsa_ifma_key *fast;
} st_jwk;

/*
 * Parse a JWKS document of len bytes: {"keys":[{...}, ...]} (other members, e.g. the "status":"OK"
 * of the deprecated /recipe/jwt/jwks, are ignored). The document is malformed - and an error
 * text is returned - unless it is a JSON object whose "keys" is an array of objects (jose's
 * isJWKSLike). Keys that jose would never select for an RS256 token, or could not import,
 * are skipped: kty not "RSA", a string "use" other than "sig", a string "alg" other than
 * "RS256", a "key_ops" array without "verify", n or e missing or not base64url, a modulus under
 * 2048 or above 16384 bits, a public exponent that is even or below 3 (st_jwt_rsa_exponent_ok:
 * OpenSSL 3 imports and computes with them; no RSA key has one). On success *keys_out is an
 * array of st_jwk (possibly empty) in document order and NULL is returned.
 */
const char *st_jwks_parse(apr_pool_t *p, const char *json, apr_size_t len,
                          apr_array_header_t **keys_out);

/* The RSA public key of one JWK object (its n and e), with the same checks as st_jwks_parse
 * (2048 to 16384 bits, an odd exponent of at least 3); freed with p. NULL when unusable. Also
 * used for identity providers' keys (oidc.c). */
EVP_PKEY *st_jwk_rsa_import(apr_pool_t *p, const json_t *jwk);

/* The first key whose kid equals kid, or NULL (kid NULL never matches). */
const st_jwk *st_jwks_find(const apr_array_header_t *keys, const char *kid);

/*
 * Verify jwt's signature against a key set as supertokens-node (jose jwtVerify with the remote
 * JWKS) does: a v3+ token needs exactly one key with its kid (no key, or several keys sharing
 * the kid, fails); a legacy token (no kid) is tried against every key in order. Returns the key
 * that verified, or NULL.
 */
const st_jwk *st_jwks_verify(const apr_array_header_t *keys, const st_jwt *jwt);

#endif

/*
 * jwt.h: SuperTokens access tokens (protocol.md §2.1, §2.3): parsing and structure check as
 * supertokens-node does it, RS256 signature verification with OpenSSL 3, the exp/nbf checks
 * of jose + the SDK, and two small digest helpers (SHA-256 hex, constant-time compare).
 */
#ifndef ST_JWT_H
#define ST_JWT_H

#include <jansson.h>
#include <openssl/evp.h>

#include "apr_pools.h"
#include "apr_time.h"
#include "token/json_scan.h"
#include "token/rsa_ifma.h"

/* Tokens longer than this are refused before any decoding (real v5 tokens are ~1 KiB). */
#define ST_JWT_MAX_LEN (16 * 1024)

typedef struct st_jwt {
    /* 2 for the two legacy header constants (v1 and v2 are treated alike, as the SDK does),
     * otherwise the header's version (>= 3; "version" absent means 3). Versions above 5 are
     * kept as read and checked with the v5 rules. */
    int version;
    const char *kid;                 /* header kid; NULL for legacy tokens */
    int alg_rs256;                   /* header alg is RS256 without crit (legacy: always) */

    /* Raw material, all NUL-terminated pool copies. */
    const char *token;
    apr_size_t token_len;
    const char *header_b64, *payload_b64, *signature_b64;
    const char *signing_input;       /* "header.payload": what the signature covers */
    apr_size_t signing_input_len;
    /* Decoded signature; NULL when the third part is not base64 (parse still succeeds, as in
     * Node, and verification then fails). */
    const unsigned char *signature;
    apr_size_t signature_len;

    /* Top-level members of the header (v3+) and of the payload, from the strict scanner of
     * json_scan.c; no jansson tree is built while verifying. */
    st_js_object header_claims;
    st_js_object claims;
    const char *payload_json;        /* decoded payload text as sent */
    apr_size_t payload_json_len;
    apr_pool_t *pool;                /* the pool st_jwt_parse was given; owns payload_tree */
    json_t *payload_tree;            /* built by the first st_jwt_payload(); NULL before */

    /* Resolved fields, like accessToken.ts getInfoFromAccessToken (strings are JS-trimmed). */
    const char *user_id;             /* sub (v3+) or userId (v2) */
    const char *recipe_user_id;      /* rsub, falling back to user_id */
    const char *session_handle;
    const char *refresh_token_hash1;
    const char *parent_refresh_token_hash1;  /* NULL when null/absent/not a string */
    const char *anti_csrf_token;             /* NULL when null/absent/not a string */
    const char *tenant_id;           /* tId for v4+ when a string, else "public" */
    apr_int64_t expiry_ms;           /* v3+: exp * 1000; v2: expiryTime */
    apr_int64_t time_created_ms;     /* v3+: iat * 1000; v2: timeCreated */
    /* What st_jwt_check_time compares with the clock, read once by st_jwt_parse so a token the
     * verification cache lends is not searched again on every request. */
    int has_nbf, has_exp;            /* payload has an nbf / exp claim (of any type) */
    int iat_not_number, nbf_not_number, exp_not_number;
    double nbf, exp;                 /* when numbers */
    double sdk_expiry_ms;            /* the SDK's: v3+ exp * 1000, v2 expiryTime (0 if absent) */
} st_jwt;

/*
 * Parse token[0..len) (protocol.md §2.3 steps 1-2): exactly three '.'-separated parts; legacy
 * detection by comparing part 1 with the two literal v1/v2 headers before any JSON parsing;
 * otherwise the header must be a JSON object with a string "version" (if present) whose
 * parseInt is an integer >= 3, "typ" equal to "JWT", a string "kid", "alg" exactly "RS256"
 * and no "crit". The payload must be a JSON object without duplicate keys, "stt" absent or 0,
 * and carry the claims the version requires (v5+: string sub, rsub, sessionHandle,
 * refreshTokenHash1, number exp and iat; v3/v4: the same minus rsub; v2: string sessionHandle,
 * userId, refreshTokenHash1, any userData, number expiryTime and timeCreated). None of the
 * string claims read into the fields below (sub/userId, rsub, sessionHandle, tId from v4,
 * refreshTokenHash1, parentRefreshTokenHash1, antiCsrfToken) may hold U+0000, which C text
 * would cut short (a difference from the SDK, where such a token would be valid).
 * Returns NULL and sets *out on success; otherwise a short static text (never token bytes).
 *
 * A header alg other than RS256 (or a crit member) parses, with alg_rs256 = 0, as in
 * supertokens-node where such a token fails verification (TRY_REFRESH_TOKEN);
 * st_jwt_verify_rs256 refuses it before any key is used. One deliberate difference: a
 * non-string kid is rejected here (the candidate is ignored).
 */
const char *st_jwt_parse(apr_pool_t *p, const char *token, apr_size_t len, st_jwt **out);

/* The payload as a jansson object, parsed on first use (authorization rules, expressions,
 * front-tokens) and owned by the token's pool; NULL only if jansson fails where the scanner did
 * not (memory). */
json_t *st_jwt_payload(const st_jwt *jwt);

/* What the front-token carries as "up" (protocol.md §1.6) and what claim rules read: the payload
 * for v3+, payload.userData for legacy tokens (any JSON type; NULL if unavailable). */
const json_t *st_jwt_user_data(const st_jwt *jwt);

/* 1 if key is an RSA key whose public exponent is odd and at least 3, else 0. With e = 1 every
 * signature is its own message (any token would verify), and an even e is not an RSA
 * permutation; OpenSSL 3 imports such keys and computes with them, so every RS256 path
 * (JWKS import, both verify functions, the IFMA path) refuses them. */
int st_jwt_rsa_exponent_ok(EVP_PKEY *key);

/* 1 if jwt's signature is a valid RSASSA-PKCS1-v1_5 SHA-256 signature of its signing input
 * under key (which must be an RSA key of 2048 bits or more with an acceptable exponent, see
 * st_jwt_rsa_exponent_ok), else 0. */
int st_jwt_verify_rs256(const st_jwt *jwt, EVP_PKEY *key);

/* An RS256 verify context for key (PKCS#1 v1.5 padding, SHA-256), made once per key; the caller
 * frees it with EVP_PKEY_CTX_free. NULL for non-RSA or short keys, an exponent that is even or
 * below 3, or on failure. */
EVP_PKEY_CTX *st_jwt_rs256_prepare(EVP_PKEY *key);

/* Like st_jwt_verify_rs256 with a context from st_jwt_rs256_prepare, which is only read
 * (duplicated per call), so one context serves every thread. */
int st_jwt_verify_rs256_prepared(const st_jwt *jwt, EVP_PKEY_CTX *prepared);

/* Like st_jwt_verify_rs256_prepared, with the AVX-512 IFMA public operation of rsa_ifma.c for a
 * key st_rsa_ifma_prepare accepted (a 2048-bit modulus on a capable CPU); needs the SHA-256
 * digest that st_jwt_rs256_prepare fetched. */
int st_jwt_verify_rs256_ifma(const st_jwt *jwt, const st_rsa_ifma_key *fast);

/* Drops this process's reference to the SHA-256 digest cached by st_jwt_rs256_prepare, as a
 * pool cleanup (data unused) of the child pool, run once every prepared context is freed and
 * before OpenSSL's own exit cleanup. Without it the digest outlives httpd unloading the module
 * (a definite leak under valgrind). Afterwards st_jwt_rs256_prepare returns NULL (callers then
 * verify with st_jwt_verify_rs256). */
apr_status_t st_jwt_release_digest(void *unused);

/*
 * Time claims with zero leeway at `now`: expired if jose's exp <= floor(now s) or the SDK's
 * expiry_ms < now ms (for legacy tokens only the latter, with expiryTime); not yet valid if
 * nbf > floor(now s); iat (and exp/nbf) must be numbers when present, but iat is not compared.
 * Returns NULL if acceptable, else a short static text.
 */
const char *st_jwt_check_time(const st_jwt *jwt, apr_time_t now);

/* What st_jwt_check_time returns when exp (or the SDK's expiry) has passed and nothing else is
 * wrong with the time claims; compare the pointer (the navigation refresh starts only then). */
extern const char st_jwt_expired[];

/* Lower-case hex SHA-256 of data[0..len) (refreshTokenHash1 = st_sha256_hex(refresh token)). */
char *st_sha256_hex(apr_pool_t *p, const char *data, apr_size_t len);

/* 1 if a and b are equal strings, compared in time independent of where they differ
 * (CRYPTO_memcmp); only the lengths may leak. 0 if either is NULL. */
int st_secure_streq(const char *a, const char *b);

/* 1 when id may name a tenant in a core path: [a-zA-Z0-9-]+, and not beginning with
 * "appid-" in any case (the core would read "/appid-x" as another app). Applies to ids
 * from requests (API paths, page parameters) and from tokens (tId). */
int st_tenant_id_valid(const char *id, apr_size_t len);

#endif

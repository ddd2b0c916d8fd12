/*
 * jwt.c: SuperTokens access-token parsing (supertokens-node jwt.ts + accessToken.ts
 * validateAccessTokenStructure/getInfoFromAccessToken), RS256 verification through OpenSSL 3
 * EVP, jose's time-claim rules, SHA-256 hex and constant-time string comparison.
 */
#include <limits.h>
#include <math.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/rsa.h>
#include <openssl/err.h>

#include "apr_strings.h"
#include "apr_lib.h"
#include <strings.h>
#include "token/b64.h"
#include "token/json_scan.h"
#include "token/json_util.h"
#include "token/jwt.h"
#include "token/rsa_ifma.h"

/* base64(JSON.stringify({alg:"RS256",typ:"JWT",version:"1"|"2"})), protocol.md §2.1/§6.1.
 * The SDK recognises legacy tokens by these exact strings, before any decoding. */
static const char legacy_header_v1[] = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsInZlcnNpb24iOiIxIn0=";
static const char legacy_header_v2[] = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsInZlcnNpb24iOiIyIn0=";

/*
 * Number.parseInt(s) (radix omitted) followed by Number.isInteger: leading JS white space,
 * optional sign, "0x" selects hex, then the longest run of digits. "5abc" is 5, "abc" is NaN.
 * Returns 0 when the result is NaN or infinite; clamps to the int range otherwise.
 */
static int js_parse_int(apr_pool_t *p, const char *s, int *out)
{
    double v = 0, sign = 1;
    int radix = 10, ndigits = 0;

    s = st_js_trim(p, s, 0);
    if (*s == '-' || *s == '+') {
        if (*s == '-')
            sign = -1;
        s++;
    }
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        radix = 16;
        s += 2;
    }
    for (;; s++, ndigits++) {
        int d;
        if (*s >= '0' && *s <= '9') d = *s - '0';
        else if (radix == 16 && *s >= 'a' && *s <= 'f') d = *s - 'a' + 10;
        else if (radix == 16 && *s >= 'A' && *s <= 'F') d = *s - 'A' + 10;
        else break;
        v = v * radix + d;
    }
    if (!ndigits || isinf(v))
        return 0;
    v *= sign;
    *out = v > INT_MAX ? INT_MAX : v < INT_MIN ? INT_MIN : (int)v;
    return 1;
}

/* Milliseconds from a JSON number, saturated so that absurd values cannot overflow. */
static apr_int64_t ms_from(double v)
{
    if (!(v == v))
        return 0;
    if (v >= 9.2e18)
        return APR_INT64_MAX;
    if (v <= -9.2e18)
        return APR_INT64_MIN;
    return (apr_int64_t)v;
}

/* A top-level member of the given type, or NULL. */
static const st_js_member *member(const st_js_object *o, const char *key, st_js_type type)
{
    const st_js_member *m = st_js_get(o, key);
    return m && m->type == type ? m : NULL;
}

/* A string member as C text (cut at an embedded NUL, as jansson's json_string_value), or NULL. */
static const char *member_str(const st_js_object *o, const char *key)
{
    const st_js_member *m = member(o, key, ST_JS_STRING);
    return m ? m->str : NULL;
}

/* sanitizeStringInput: a string claim, JS-trimmed; NULL if absent or not a string. */
static const char *claim_str(apr_pool_t *p, const st_js_object *payload, const char *key)
{
    return st_js_trim(p, member_str(payload, key), 0);
}

/* Header and payload are read with the strict scanner (json_scan.c), which accepts exactly what
 * jansson would but builds no tree: this runs on every protected request. */
static const char *parse_header(apr_pool_t *p, st_jwt *jwt)
{
    apr_size_t len;
    const unsigned char *raw = st_b64_decode(p, jwt->header_b64, strlen(jwt->header_b64), &len);
    const st_js_object *h = &jwt->header_claims;
    const st_js_member *version, *kid;
    const char *typ, *alg;

    if (!raw)
        return "header is not base64";
    if (st_js_scan_object(p, (const char *)raw, len, 0, &jwt->header_claims) != NULL)
        return "header is not a JSON object";

    version = st_js_get(h, "version");
    if (!version) {
        jwt->version = 3;
    } else if (version->type != ST_JS_STRING) {
        /* The SDK insists on a string because parseInt of other types gives odd results. */
        return "header version is not a string";
    } else if (!js_parse_int(p, version->str, &jwt->version) || jwt->version < 3) {
        return "unsupported token version";
    }
    typ = member_str(h, "typ");
    if (!typ || strcmp(typ, "JWT") != 0)
        return "header typ is not JWT";
    kid = st_js_get(h, "kid");
    if (!kid)
        return "header has no kid";
    if (kid->type != ST_JS_STRING)
        return "header kid is not a string";
    jwt->kid = kid->str;
    /* Only RS256 is ever issued by the core. Like supertokens-node, a token with another alg
     * (or a crit extension, which jose refuses) still parses and then fails verification
     * (TRY_REFRESH_TOKEN); st_jwt_verify_rs256 refuses it before touching any key, so "none"
     * and HMAC key confusion cannot reach a key. */
    alg = member_str(h, "alg");
    jwt->alg_rs256 = alg && strcmp(alg, "RS256") == 0 && !st_js_get(h, "crit");
    return NULL;
}

static int is_num(const st_js_object *o, const char *k)
{
    return member(o, k, ST_JS_NUMBER) != NULL;
}

static int is_str(const st_js_object *o, const char *k)
{
    return member(o, k, ST_JS_STRING) != NULL;
}

/* The value of a number member (0 when absent or not a number, like st_json_number). */
static double num(const st_js_object *o, const char *k)
{
    const st_js_member *m = member(o, k, ST_JS_NUMBER);
    return m ? m->num : 0;
}

/* 1 if the string claim key holds U+0000. */
static int has_nul(const st_js_object *o, const char *key)
{
    const st_js_member *m = member(o, key, ST_JS_STRING);
    return m && memchr(m->str, '\0', m->str_len) != NULL;
}

/*
 * The claims resolve_fields reads as C strings (identities, hashes, the anti-CSRF token) must
 * not hold U+0000. JSON and JavaScript allow it, so the SDK would take "alice\u0000admin" as
 * that whole user id; here it would be cut to "alice" and name another user. No core issues
 * such a value, so the token is treated as malformed (ignored, like a structure failure).
 */
static int identity_has_nul(const st_jwt *jwt)
{
    static const char *const always[] = {
        "rsub", "sessionHandle", "refreshTokenHash1", "parentRefreshTokenHash1", "antiCsrfToken"
    };
    const st_js_object *pl = &jwt->claims;
    size_t i;

    if (has_nul(pl, jwt->version < 3 ? "userId" : "sub") || (jwt->version >= 4 && has_nul(pl, "tId")))
        return 1;
    for (i = 0; i < sizeof(always) / sizeof(always[0]); i++)
        if (has_nul(pl, always[i]))
            return 1;
    return 0;
}

/* validateAccessTokenStructure (accessToken.ts), and no U+0000 in what is read as text. */
static const char *check_structure(const st_jwt *jwt)
{
    const st_js_object *pl = &jwt->claims;
    const st_js_member *stt = st_js_get(pl, "stt");
    int ok;

    if (stt && !(stt->type == ST_JS_NUMBER && stt->num == 0))
        return "token is not a session access token (stt)";
    if (jwt->version >= 3) {
        ok = is_str(pl, "sub") && is_num(pl, "exp") && is_num(pl, "iat") &&
             is_str(pl, "sessionHandle") && is_str(pl, "refreshTokenHash1") &&
             (jwt->version < 5 || is_str(pl, "rsub"));
    } else {
        ok = is_str(pl, "sessionHandle") && is_str(pl, "userId") &&
             is_str(pl, "refreshTokenHash1") && st_js_get(pl, "userData") != NULL &&
             is_num(pl, "expiryTime") && is_num(pl, "timeCreated");
    }
    if (!ok)
        return "payload lacks required claims";
    return identity_has_nul(jwt) ? "an identity claim holds U+0000" : NULL;
}

/* The claims st_jwt_check_time compares with the clock: jose's iat, nbf and exp, and the SDK's
 * expiry. */
static void resolve_times(st_jwt *jwt)
{
    const st_js_object *pl = &jwt->claims;
    const st_js_member *iat = st_js_get(pl, "iat"), *nbf = st_js_get(pl, "nbf"),
                       *exp = st_js_get(pl, "exp");

    jwt->iat_not_number = iat && iat->type != ST_JS_NUMBER;
    jwt->has_nbf = nbf != NULL;
    jwt->nbf_not_number = nbf && nbf->type != ST_JS_NUMBER;
    if (nbf && nbf->type == ST_JS_NUMBER)
        jwt->nbf = nbf->num;
    jwt->has_exp = exp != NULL;
    jwt->exp_not_number = exp && exp->type != ST_JS_NUMBER;
    if (exp && exp->type == ST_JS_NUMBER)
        jwt->exp = exp->num;
    jwt->sdk_expiry_ms = jwt->version >= 3 ? num(pl, "exp") * 1000 : num(pl, "expiryTime");
}

/* getInfoFromAccessToken's field resolution. */
static void resolve_fields(apr_pool_t *p, st_jwt *jwt)
{
    const st_js_object *pl = &jwt->claims;
    const char *tid;
    int legacy = jwt->version < 3;

    jwt->user_id = claim_str(p, pl, legacy ? "userId" : "sub");
    jwt->recipe_user_id = claim_str(p, pl, "rsub");
    if (!jwt->recipe_user_id)
        jwt->recipe_user_id = jwt->user_id;
    jwt->session_handle = claim_str(p, pl, "sessionHandle");
    jwt->refresh_token_hash1 = claim_str(p, pl, "refreshTokenHash1");
    jwt->parent_refresh_token_hash1 = claim_str(p, pl, "parentRefreshTokenHash1");
    jwt->anti_csrf_token = claim_str(p, pl, "antiCsrfToken");
    /* The SDK reads tId only from v4 on; older tokens belong to the default tenant. A v4+
     * token without a string tId would give the SDK "undefined"; "public" is what it means. */
    tid = jwt->version >= 4 ? claim_str(p, pl, "tId") : NULL;
    jwt->tenant_id = tid ? tid : "public";

    if (legacy) {
        jwt->expiry_ms = ms_from(num(pl, "expiryTime"));
        jwt->time_created_ms = ms_from(num(pl, "timeCreated"));
    } else {
        jwt->expiry_ms = ms_from(num(pl, "exp") * 1000);
        jwt->time_created_ms = ms_from(num(pl, "iat") * 1000);
    }
    resolve_times(jwt);
}

json_t *st_jwt_payload(const st_jwt *jwt)
{
    st_jwt *mut = (st_jwt *)jwt;    /* the tree is a cache of what payload_json says */

    if (!jwt)
        return NULL;
    if (!mut->payload_tree)
        mut->payload_tree = st_json_parse(jwt->pool, jwt->payload_json, jwt->payload_json_len,
                                          JSON_ALLOW_NUL);
    return json_is_object(mut->payload_tree) ? mut->payload_tree : NULL;
}

const json_t *st_jwt_user_data(const st_jwt *jwt)
{
    json_t *pl = st_jwt_payload(jwt);
    return jwt && jwt->version < 3 ? json_object_get(pl, "userData") : pl;
}

const char *st_jwt_parse(apr_pool_t *p, const char *token, apr_size_t len, st_jwt **out)
{
    st_jwt *jwt;
    char *copy;
    const char *d1, *d2, *err;
    const unsigned char *pl;
    apr_size_t pl_len;

    if (out)
        *out = NULL;
    if (!token || !out)
        return "no token";
    if (len > ST_JWT_MAX_LEN)
        return "token too long";
    if (memchr(token, '\0', len))
        return "token contains a NUL byte";
    copy = apr_pstrmemdup(p, token, len);
    d1 = memchr(copy, '.', len);
    d2 = d1 ? memchr(d1 + 1, '.', len - (apr_size_t)(d1 + 1 - copy)) : NULL;
    if (!d2 || memchr(d2 + 1, '.', len - (apr_size_t)(d2 + 1 - copy)))
        return "token does not have three parts";

    jwt = apr_pcalloc(p, sizeof(*jwt));
    jwt->pool = p;
    jwt->token = copy;
    jwt->token_len = len;
    jwt->header_b64 = apr_pstrmemdup(p, copy, (apr_size_t)(d1 - copy));
    jwt->payload_b64 = apr_pstrmemdup(p, d1 + 1, (apr_size_t)(d2 - d1 - 1));
    jwt->signature_b64 = d2 + 1;
    jwt->signing_input = apr_pstrmemdup(p, copy, (apr_size_t)(d2 - copy));
    jwt->signing_input_len = (apr_size_t)(d2 - copy);

    if (!strcmp(jwt->header_b64, legacy_header_v1) || !strcmp(jwt->header_b64, legacy_header_v2)) {
        jwt->version = 2;
        jwt->alg_rs256 = 1;   /* the legacy header constants say RS256 */
    }
    else if ((err = parse_header(p, jwt)) != NULL)
        return err;

    pl = st_b64_decode(p, jwt->payload_b64, strlen(jwt->payload_b64), &pl_len);
    if (!pl)
        return "payload is not base64";
    jwt->payload_json = (const char *)pl;
    jwt->payload_json_len = pl_len;
    /* a claim may hold U+0000 (JavaScript accepts it); such values never reach headers */
    if (st_js_scan_object(p, (const char *)pl, pl_len, ST_JS_ALLOW_NUL, &jwt->claims) != NULL)
        return "payload is not a JSON object";
    if ((err = check_structure(jwt)) != NULL)
        return err;
    resolve_fields(p, jwt);

    jwt->signature = st_b64_decode(p, jwt->signature_b64, strlen(jwt->signature_b64),
                                   &jwt->signature_len);
    *out = jwt;
    return NULL;
}

int st_jwt_rsa_exponent_ok(EVP_PKEY *key)
{
    BIGNUM *e = NULL;
    int ok;

    if (!key || !EVP_PKEY_is_a(key, "RSA"))
        return 0;
    ERR_set_mark();
    ok = EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e) == 1
         && BN_is_odd(e) && BN_num_bits(e) >= 2;          /* odd and not 1: 3 or more */
    ERR_pop_to_mark();
    BN_free(e);
    return ok;
}

int st_jwt_verify_rs256(const st_jwt *jwt, EVP_PKEY *key)
{
    EVP_MD_CTX *ctx;
    int ok;

    if (!jwt || !jwt->alg_rs256 || !key || !jwt->signature || jwt->signature_len == 0)
        return 0;
    /* jose refuses RSA keys under 2048 bits for RS256; so do we, even if a caller hands one in. */
    if (!EVP_PKEY_is_a(key, "RSA") || EVP_PKEY_get_bits(key) < 2048 || !st_jwt_rsa_exponent_ok(key))
        return 0;
    ctx = EVP_MD_CTX_new();
    if (!ctx)
        return 0;
    /* A failed verification queues OpenSSL errors on this thread; mod_ssl's SSL_get_error
     * would see them later, so everything we push is popped again. */
    ERR_set_mark();
    ok = EVP_DigestVerifyInit_ex(ctx, NULL, "SHA256", NULL, NULL, key, NULL) == 1 &&
         EVP_DigestVerify(ctx, jwt->signature, jwt->signature_len,
                          (const unsigned char *)jwt->signing_input, jwt->signing_input_len) == 1;
    ERR_pop_to_mark();
    EVP_MD_CTX_free(ctx);
    return ok;
}

/* SHA-256 fetched once per process: OpenSSL 3 otherwise looks it up under a lock per call. */
static CRYPTO_ONCE sha256_once = CRYPTO_ONCE_STATIC_INIT;
static EVP_MD *sha256_md;

static void sha256_fetch(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

apr_status_t st_jwt_release_digest(void *unused)
{
    (void)unused;
    EVP_MD_free(sha256_md);
    sha256_md = NULL;
    return APR_SUCCESS;
}

EVP_PKEY_CTX *st_jwt_rs256_prepare(EVP_PKEY *key)
{
    EVP_PKEY_CTX *ctx;

    if (!key || !EVP_PKEY_is_a(key, "RSA") || EVP_PKEY_get_bits(key) < 2048
        || !st_jwt_rsa_exponent_ok(key) || !CRYPTO_THREAD_run_once(&sha256_once, sha256_fetch) || !sha256_md)
        return NULL;
    ERR_set_mark();
    ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
    if (ctx && (EVP_PKEY_verify_init(ctx) != 1
                || EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1
                || EVP_PKEY_CTX_set_signature_md(ctx, sha256_md) != 1)) {
        EVP_PKEY_CTX_free(ctx);
        ctx = NULL;
    }
    ERR_pop_to_mark();
    return ctx;
}

int st_jwt_verify_rs256_prepared(const st_jwt *jwt, EVP_PKEY_CTX *prepared)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    EVP_PKEY_CTX *ctx;
    int ok;

    if (!jwt || !jwt->alg_rs256 || !prepared || !jwt->signature || jwt->signature_len == 0)
        return 0;
    ERR_set_mark();
    ctx = EVP_PKEY_CTX_dup(prepared);
    ok = ctx != NULL
         && EVP_Digest(jwt->signing_input, jwt->signing_input_len, digest, &digest_len, sha256_md, NULL) == 1
         && EVP_PKEY_verify(ctx, jwt->signature, jwt->signature_len, digest, digest_len) == 1;
    EVP_PKEY_CTX_free(ctx);
    ERR_pop_to_mark();
    return ok;
}

int st_jwt_verify_rs256_ifma(const st_jwt *jwt, const st_rsa_ifma_key *fast)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;

    if (!jwt || !jwt->alg_rs256 || !fast || !jwt->signature || !sha256_md)
        return 0;
    if (EVP_Digest(jwt->signing_input, jwt->signing_input_len, digest, &digest_len, sha256_md, NULL) != 1
        || digest_len != 32)
        return 0;
    return st_rsa_ifma_verify_sha256(fast, jwt->signature, jwt->signature_len, digest);
}

const char st_jwt_expired[] = "token expired";

const char *st_jwt_check_time(const st_jwt *jwt, apr_time_t now)
{
    double now_ms, now_s;
    apr_int64_t ms;

    if (!jwt || !jwt->payload_json)
        return "no token";
    ms = apr_time_as_msec(now);               /* Date.now() */
    now_ms = (double)ms;
    /* jose's epoch(): Math.floor(ms / 1000), in integers so no libm is needed. */
    now_s = (double)(ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000));

    /* jose (lib/jwt_claims_set.js), clockTolerance 0; the claims as st_jwt_parse read them. */
    if (jwt->iat_not_number)
        return "iat claim is not a number";
    if (jwt->has_nbf) {
        if (jwt->nbf_not_number)
            return "nbf claim is not a number";
        if (jwt->nbf > now_s)
            return "token not yet valid";
    }
    if (jwt->has_exp) {
        if (jwt->exp_not_number)
            return "exp claim is not a number";
        if (jwt->exp <= now_s)
            return st_jwt_expired;
    }
    /* The SDK's own check: expiryTime < Date.now(). */
    if (jwt->sdk_expiry_ms < now_ms)
        return st_jwt_expired;
    return NULL;
}

char *st_sha256_hex(apr_pool_t *p, const char *data, apr_size_t len)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0, i;
    char *out;

    if (!data || EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) != 1)
        return NULL;
    out = apr_palloc(p, n * 2 + 1);
    for (i = 0; i < n; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[2 * n] = '\0';
    return out;
}

int st_secure_streq(const char *a, const char *b)
{
    size_t la, lb;

    if (!a || !b)
        return 0;
    la = strlen(a);
    lb = strlen(b);
    if (la != lb)
        return 0;
    return CRYPTO_memcmp(a, b, la) == 0;
}

int st_tenant_id_valid(const char *id, apr_size_t len)
{
    apr_size_t i;
    if (len == 0 || (len >= 6 && strncasecmp(id, "appid-", 6) == 0))
        return 0;
    for (i = 0; i < len; i++)
        if (!apr_isalnum(id[i]) && id[i] != '-')
            return 0;
    return 1;
}

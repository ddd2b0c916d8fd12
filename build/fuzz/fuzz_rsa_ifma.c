/*
 * fuzz_rsa_ifma.c: the AVX-512 IFMA RS256 fast path (st_rsa_ifma_verify_sha256) against
 * OpenSSL's EVP_PKEY_verify (PKCS#1 v1.5, SHA-256) under two fixed RSA-2048 keys, e = 65537
 * and e = 3. Any disagreement aborts.
 *
 * Input: <mode> <32-byte digest> <rest>.
 *   mode bit 0: which key.
 *   mode bit 1 clear: rest is the signature as sent (any length).
 *   mode bit 1 set: rest (zero-padded to 256 bytes) is XORed onto the correct encoding
 *     00 01 FF..FF 00 DigestInfo digest, and that block is signed raw with the private key, so
 *     s^e is exactly the block: an empty rest is a valid signature, a few set bits a near miss.
 *     A block not below n is used as the signature itself.
 * Without IFMA (st_rsa_ifma_available() == 0) there is nothing to compare and inputs are ignored.
 *
 * The keys are derived at start-up from fixed seeds (the first primes after SHA-256-expanded
 * labels), so an artifact replays with the same keys and no key material is committed.
 */
#include "fuzz_common.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>

#include "token/rsa_ifma.h"

#define SIG_LEN 256

typedef struct {
    EVP_PKEY *pkey;
    EVP_PKEY_CTX *verify;       /* prepared RS256 verify context, duplicated per input */
    const st_rsa_ifma_key *fast;
    unsigned char n[SIG_LEN];
} fuzz_key;

static fuzz_key keys[2];
static int have_ifma;

static apr_status_t free_pkey(void *k)
{
    EVP_PKEY_free((EVP_PKEY *)k);
    return APR_SUCCESS;
}

static apr_status_t free_ctx(void *c)
{
    EVP_PKEY_CTX_free((EVP_PKEY_CTX *)c);
    return APR_SUCCESS;
}

#define INIT_CHECK(cond) do { \
        if (!(cond)) { \
            fprintf(stderr, "fuzz_rsa_ifma: key set-up failed: %s\n", #cond); \
            abort(); \
        } \
    } while (0)

/* The first 1024-bit prime p >= SHA-256 expansion of label (top two bits set, so that two of
 * them make a 2048-bit modulus) with gcd(p - 1, e) = 1 (e is prime here). */
static BIGNUM *seeded_prime(const char *label, BN_ULONG e, BN_CTX *ctx)
{
    unsigned char buf[128], in[64];
    BIGNUM *p;
    int i;

    for (i = 0; i < 4; i++) {
        int len = snprintf((char *)in, sizeof(in), "%s/%d", label, i);
        SHA256(in, (size_t)len, buf + 32 * i);
    }
    buf[0] |= 0xc0;
    buf[127] |= 1;
    INIT_CHECK((p = BN_bin2bn(buf, sizeof(buf), NULL)) != NULL);
    while (BN_check_prime(p, ctx, NULL) != 1 || BN_mod_word(p, e) == 1)
        INIT_CHECK(BN_add_word(p, 2));
    return p;
}

static EVP_PKEY *seeded_key(const char *label, BN_ULONG e_word)
{
    BN_CTX *ctx = BN_CTX_new();
    BIGNUM *p, *q, *n = BN_new(), *e = BN_new(), *d = BN_new(), *p1 = BN_new(), *q1 = BN_new(),
           *phi = BN_new(), *dp = BN_new(), *dq = BN_new(), *qinv = BN_new();
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params;
    EVP_PKEY_CTX *kc = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    EVP_PKEY *k = NULL;
    char qlabel[64];

    INIT_CHECK(ctx && n && e && d && p1 && q1 && phi && dp && dq && qinv && bld && kc);
    snprintf(qlabel, sizeof(qlabel), "%s/q", label);
    p = seeded_prime(label, e_word, ctx);
    q = seeded_prime(qlabel, e_word, ctx);
    INIT_CHECK(BN_set_word(e, e_word) && BN_mul(n, p, q, ctx) && BN_num_bits(n) == 2048);
    INIT_CHECK(BN_sub(p1, p, BN_value_one()) && BN_sub(q1, q, BN_value_one())
               && BN_mul(phi, p1, q1, ctx) && BN_mod_inverse(d, e, phi, ctx) != NULL
               && BN_mod(dp, d, p1, ctx) && BN_mod(dq, d, q1, ctx)
               && BN_mod_inverse(qinv, q, p, ctx) != NULL);
    INIT_CHECK(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n)
               && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e)
               && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, d)
               && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR1, p)
               && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR2, q)
               && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1, dp)
               && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2, dq)
               && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, qinv));
    INIT_CHECK((params = OSSL_PARAM_BLD_to_param(bld)) != NULL);
    INIT_CHECK(EVP_PKEY_fromdata_init(kc) == 1
               && EVP_PKEY_fromdata(kc, &k, EVP_PKEY_KEYPAIR, params) == 1);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    EVP_PKEY_CTX_free(kc);
    BN_free(p);
    BN_free(q);
    BN_free(n);
    BN_free(e);
    BN_free(d);
    BN_free(p1);
    BN_free(q1);
    BN_free(phi);
    BN_free(dp);
    BN_free(dq);
    BN_free(qinv);
    BN_CTX_free(ctx);
    return k;
}

static void key_setup(fuzz_key *fk, const char *label, BN_ULONG e)
{
    BIGNUM *n = NULL;

    fk->pkey = seeded_key(label, e);
    apr_pool_cleanup_register(fuzz_global_pool, fk->pkey, free_pkey, apr_pool_cleanup_null);
    INIT_CHECK(EVP_PKEY_get_bn_param(fk->pkey, OSSL_PKEY_PARAM_RSA_N, &n)
               && BN_bn2binpad(n, fk->n, SIG_LEN) == SIG_LEN);
    BN_free(n);
    INIT_CHECK((fk->verify = EVP_PKEY_CTX_new_from_pkey(NULL, fk->pkey, NULL)) != NULL);
    apr_pool_cleanup_register(fuzz_global_pool, fk->verify, free_ctx, apr_pool_cleanup_null);
    INIT_CHECK(EVP_PKEY_verify_init(fk->verify) == 1
               && EVP_PKEY_CTX_set_rsa_padding(fk->verify, RSA_PKCS1_PADDING) == 1
               && EVP_PKEY_CTX_set_signature_md(fk->verify, EVP_sha256()) == 1);
    fk->fast = st_rsa_ifma_prepare(fuzz_global_pool, fk->pkey);
    INIT_CHECK((fk->fast != NULL) == have_ifma);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_setup();
    have_ifma = st_rsa_ifma_available();
    if (!have_ifma)
        fprintf(stderr, "fuzz_rsa_ifma: no AVX-512 IFMA on this CPU: nothing to compare\n");
    key_setup(&keys[0], "mod_supertokens fuzz_rsa_ifma key 0", 65537);
    key_setup(&keys[1], "mod_supertokens fuzz_rsa_ifma key 1", 3);
    return 0;
}

static int openssl_verify(const fuzz_key *fk, const unsigned char *sig, size_t len,
                          const unsigned char *dg)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_dup(fk->verify);
    int ok;

    FUZZ_CHECK(c != NULL);
    ok = EVP_PKEY_verify(c, sig, len, dg, 32) == 1;
    EVP_PKEY_CTX_free(c);
    ERR_clear_error();
    return ok;
}

/* The encoding of dg XORed with mask, signed raw (s^e = block); 0 if the block is not < n. */
static int sign_block(const fuzz_key *fk, const unsigned char *dg, const uint8_t *mask,
                      size_t mask_len, unsigned char *sig)
{
    static const unsigned char prefix[19] = {
        0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
        0x05, 0x00, 0x04, 0x20
    };
    unsigned char em[SIG_LEN];
    const size_t ps = SIG_LEN - 3 - sizeof(prefix) - 32;
    EVP_PKEY_CTX *c;
    size_t i, len = SIG_LEN;
    int ok;

    em[0] = 0x00;
    em[1] = 0x01;
    memset(em + 2, 0xff, ps);
    em[2 + ps] = 0x00;
    memcpy(em + 3 + ps, prefix, sizeof(prefix));
    memcpy(em + 3 + ps + sizeof(prefix), dg, 32);
    for (i = 0; i < mask_len && i < SIG_LEN; i++)
        em[i] ^= mask[i];
    if (memcmp(em, fk->n, SIG_LEN) >= 0) {
        memcpy(sig, em, SIG_LEN);
        return 0;
    }
    FUZZ_CHECK((c = EVP_PKEY_CTX_new_from_pkey(NULL, fk->pkey, NULL)) != NULL);
    ok = EVP_PKEY_sign_init(c) == 1 && EVP_PKEY_CTX_set_rsa_padding(c, RSA_NO_PADDING) == 1
         && EVP_PKEY_sign(c, sig, &len, em, SIG_LEN) == 1 && len == SIG_LEN;
    EVP_PKEY_CTX_free(c);
    FUZZ_CHECK(ok);
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    const fuzz_key *fk;
    unsigned char dg[32], block[SIG_LEN];
    const unsigned char *sig;
    size_t sig_len;
    int mode, ossl, fast;

    if (!have_ifma || size < 1 + sizeof(dg))
        return 0;
    p = fuzz_pool_begin();
    mode = data[0];
    fk = &keys[mode & 1];
    memcpy(dg, data + 1, sizeof(dg));
    sig = data + 1 + sizeof(dg);
    sig_len = size - 1 - sizeof(dg);
    if (mode & 2) {
        int signed_ok = sign_block(fk, dg, sig, sig_len, block);
        sig = block;
        sig_len = SIG_LEN;
        /* an unchanged block is the valid signature */
        if (signed_ok && (size == 1 + sizeof(dg)))
            FUZZ_CHECK(openssl_verify(fk, sig, sig_len, dg) == 1);
    }
    ossl = openssl_verify(fk, sig, sig_len, dg);
    fast = st_rsa_ifma_verify_sha256(fk->fast, sig, sig_len, dg);
    if (ossl != fast) {
        fprintf(stderr, "fuzz_rsa_ifma: OpenSSL %d, IFMA %d (key %d, sig_len %zu)\n", ossl, fast,
                mode & 1, sig_len);
        abort();
    }
    fuzz_pool_end(p);
    return 0;
}

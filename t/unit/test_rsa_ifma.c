/*
 * test_rsa_ifma.c: the AVX-512 IFMA RS256 fast path against OpenSSL. Every case is run through
 * both st_rsa_ifma_verify_sha256 and EVP_PKEY_verify (PKCS#1 v1.5, SHA-256) and the verdicts
 * must agree: valid signatures, bit flips, edge values of s, wrong lengths, and raw values
 * whose s^e is a near-miss encoding. Also which keys st_rsa_ifma_prepare refuses, FIPS mode,
 * and white-box checks of the public operation that reach its final conditional subtraction
 * and its scalar carry ripple (see public_op_case).
 */
#include "fixtures/test_util.h"

#include <openssl/core_dispatch.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "token/rsa_ifma.h"

#define SIG_LEN 256

static const unsigned char sha256_prefix[19] = {
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
    0x05, 0x00, 0x04, 0x20
};

typedef struct {
    EVP_PKEY *priv;                 /* signs */
    EVP_PKEY *pub;                  /* verifies (the same key, or a public-only import of it) */
    EVP_PKEY_CTX *verify;           /* OpenSSL's RS256 verify context, duplicated per case */
    const st_rsa_ifma_key *fast;
    unsigned char n[SIG_LEN];
    long cases, accepted;
} diff_key;

static apr_status_t ctx_free(void *c)
{
    EVP_PKEY_CTX_free((EVP_PKEY_CTX *)c);
    return APR_SUCCESS;
}

static EVP_PKEY *own(apr_pool_t *p, EVP_PKEY *k)
{
    assert_non_null(k);
    apr_pool_cleanup_register(p, k, test_pkey_free, apr_pool_cleanup_null);
    return k;
}

/* RSA-2048 with public exponent e, through the keygen parameters. */
static EVP_PKEY *rsa_key_e(apr_pool_t *p, unsigned int bits, uint64_t e)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_uint(OSSL_PKEY_PARAM_RSA_BITS, &bits),
        OSSL_PARAM_construct_uint64(OSSL_PKEY_PARAM_RSA_E, &e),
        OSSL_PARAM_construct_end()
    };
    EVP_PKEY *k = NULL;

    assert_non_null(c);
    assert_int_equal(EVP_PKEY_keygen_init(c), 1);
    assert_int_equal(EVP_PKEY_CTX_set_params(c, params), 1);
    assert_int_equal(EVP_PKEY_keygen(c, &k), 1);
    EVP_PKEY_CTX_free(c);
    return own(p, k);
}

/* A public-only RSA key {n, e} made with EVP_PKEY_fromdata, as a JWKS import would be. */
static EVP_PKEY *rsa_public(apr_pool_t *p, const BIGNUM *n, const BIGNUM *e)
{
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params;
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    EVP_PKEY *k = NULL;

    assert_non_null(bld);
    assert_non_null(c);
    assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n), 1);
    assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e), 1);
    params = OSSL_PARAM_BLD_to_param(bld);
    assert_non_null(params);
    assert_int_equal(EVP_PKEY_fromdata_init(c), 1);
    assert_int_equal(EVP_PKEY_fromdata(c, &k, EVP_PKEY_PUBLIC_KEY, params), 1);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    EVP_PKEY_CTX_free(c);
    return own(p, k);
}

static BIGNUM *key_bn(EVP_PKEY *k, const char *name)
{
    BIGNUM *bn = NULL;
    assert_int_equal(EVP_PKEY_get_bn_param(k, name, &bn), 1);
    return bn;
}

static void diff_key_init(apr_pool_t *p, diff_key *d, EVP_PKEY *priv, EVP_PKEY *pub)
{
    BIGNUM *n = key_bn(pub, OSSL_PKEY_PARAM_RSA_N);

    memset(d, 0, sizeof(*d));
    d->priv = priv;
    d->pub = pub;
    assert_int_equal(BN_bn2binpad(n, d->n, SIG_LEN), SIG_LEN);
    BN_free(n);
    d->verify = EVP_PKEY_CTX_new_from_pkey(NULL, pub, NULL);
    assert_non_null(d->verify);
    apr_pool_cleanup_register(p, d->verify, ctx_free, apr_pool_cleanup_null);
    assert_int_equal(EVP_PKEY_verify_init(d->verify), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(d->verify, RSA_PKCS1_PADDING), 1);
    assert_int_equal(EVP_PKEY_CTX_set_signature_md(d->verify, EVP_sha256()), 1);
    d->fast = st_rsa_ifma_prepare(p, pub);
    assert_non_null(d->fast);
}

/* Both verdicts for one case; they must agree. Returns the verdict. */
static int check(diff_key *d, const unsigned char *sig, size_t sig_len, const unsigned char *dg)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_dup(d->verify);
    int ossl, fast;

    assert_non_null(c);
    ossl = EVP_PKEY_verify(c, sig, sig_len, dg, 32) == 1;
    EVP_PKEY_CTX_free(c);
    ERR_clear_error();
    fast = st_rsa_ifma_verify_sha256(d->fast, sig, sig_len, dg);
    if (ossl != fast)
        fail_msg("case %ld: OpenSSL says %d, IFMA says %d (sig_len %zu)", d->cases, ossl, fast, sig_len);
    d->cases++;
    d->accepted += fast;
    return fast;
}

static void sign_digest(diff_key *d, const unsigned char *dg, unsigned char *sig)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, d->priv, NULL);
    size_t len = SIG_LEN;

    assert_non_null(c);
    assert_int_equal(EVP_PKEY_sign_init(c), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING), 1);
    assert_int_equal(EVP_PKEY_CTX_set_signature_md(c, EVP_sha256()), 1);
    assert_int_equal(EVP_PKEY_sign(c, sig, &len, dg, 32), 1);
    assert_int_equal(len, SIG_LEN);
    EVP_PKEY_CTX_free(c);
}

/* s = em^d mod n with no padding: s^e = em exactly, so any encoding can be tried. */
static void sign_raw(diff_key *d, const unsigned char *em, unsigned char *sig)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, d->priv, NULL);
    size_t len = SIG_LEN;

    assert_non_null(c);
    assert_int_equal(EVP_PKEY_sign_init(c), 1);
    assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(c, RSA_NO_PADDING), 1);
    assert_int_equal(EVP_PKEY_sign(c, sig, &len, em, SIG_LEN), 1);
    assert_int_equal(len, SIG_LEN);
    EVP_PKEY_CTX_free(c);
}

/* 00 01 FF..FF 00 || prefix || hash, right-aligned in 256 bytes. */
static void encode(unsigned char *em, const unsigned char *prefix, size_t plen,
                   const unsigned char *hash, size_t hlen)
{
    size_t ps = SIG_LEN - 3 - plen - hlen;
    em[0] = 0x00;
    em[1] = 0x01;
    memset(em + 2, 0xff, ps);
    em[2 + ps] = 0x00;
    memcpy(em + 3 + ps, prefix, plen);
    memcpy(em + 3 + ps + plen, hash, hlen);
}

/* Signatures whose s^e is the right encoding except for one detail, and the right one. */
static void near_misses(diff_key *d, const unsigned char *dg)
{
    static const unsigned char sha1_prefix[15] = {
        0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14
    };
    /* SHA-256 DigestInfo without the NULL parameters */
    static const unsigned char noparam_prefix[17] = {
        0x30, 0x2f, 0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
        0x04, 0x20
    };
    unsigned char em[SIG_LEN], good[SIG_LEN], sig[SIG_LEN], other[32];
    int v;

    encode(good, sha256_prefix, sizeof(sha256_prefix), dg, 32);
    sign_raw(d, good, sig);
    assert_int_equal(check(d, sig, SIG_LEN, dg), 1);        /* the exact encoding */

    memcpy(other, dg, 32);
    other[31] ^= 0x01;
    encode(em, sha256_prefix, sizeof(sha256_prefix), other, 32);   /* another hash */
    sign_raw(d, em, sig);
    assert_int_equal(check(d, sig, SIG_LEN, dg), 0);
    assert_int_equal(check(d, sig, SIG_LEN, other), 1);

    encode(em, sha1_prefix, sizeof(sha1_prefix), dg, 20);          /* SHA-1 DigestInfo */
    sign_raw(d, em, sig);
    assert_int_equal(check(d, sig, SIG_LEN, dg), 0);

    encode(em, noparam_prefix, sizeof(noparam_prefix), dg, 32);    /* no NULL parameters */
    sign_raw(d, em, sig);
    assert_int_equal(check(d, sig, SIG_LEN, dg), 0);

    /* one byte changed anywhere in the block: type, padding, separator, DigestInfo, hash */
    for (v = 0; v < SIG_LEN; v += (v < 8 || v > 200) ? 1 : 17) {
        memcpy(em, good, SIG_LEN);
        em[v] ^= (unsigned char)(v == 0 ? 0x01 : 0x80);
        sign_raw(d, em, sig);
        assert_int_equal(check(d, sig, SIG_LEN, dg), 0);
    }
    memcpy(em, good, SIG_LEN);                      /* block type 2 */
    em[1] = 0x02;
    sign_raw(d, em, sig);
    assert_int_equal(check(d, sig, SIG_LEN, dg), 0);
    /* shorter padding, the DigestInfo moved left, a trailing garbage byte */
    memcpy(em, good, SIG_LEN);
    memmove(em + 200, em + 201, SIG_LEN - 201);
    em[SIG_LEN - 1] = 0x00;
    sign_raw(d, em, sig);
    assert_int_equal(check(d, sig, SIG_LEN, dg), 0);

    RAND_bytes(em, SIG_LEN);                        /* any value below n */
    em[0] = 0;
    sign_raw(d, em, sig);
    check(d, sig, SIG_LEN, dg);
}

/* s given as n + delta (delta in -1..1) and other edge values of the integer. */
static void edge_values(diff_key *d, const unsigned char *dg, const unsigned char *valid)
{
    unsigned char s[SIG_LEN + 1];
    BIGNUM *n = BN_bin2bn(d->n, SIG_LEN, NULL), *t = BN_new();
    int delta;

    assert_non_null(n);
    assert_non_null(t);
    memset(s, 0, SIG_LEN);
    assert_int_equal(check(d, s, SIG_LEN, dg), 0);                  /* 0 */
    s[SIG_LEN - 1] = 1;
    assert_int_equal(check(d, s, SIG_LEN, dg), 0);                  /* 1 */
    memset(s, 0xff, SIG_LEN);
    assert_int_equal(check(d, s, SIG_LEN, dg), 0);                  /* 2^2048 - 1 > n */
    memset(s, 0, SIG_LEN);
    s[0] = 0x80;
    check(d, s, SIG_LEN, dg);                                       /* 2^2047 */
    for (delta = -2; delta <= 2; delta++) {
        assert_int_equal(BN_copy(t, n) != NULL, 1);
        if (delta < 0)
            assert_int_equal(BN_sub_word(t, (BN_ULONG)-delta), 1);
        else
            assert_int_equal(BN_add_word(t, (BN_ULONG)delta), 1);
        if (BN_num_bytes(t) <= SIG_LEN) {
            assert_int_equal(BN_bn2binpad(t, s, SIG_LEN), SIG_LEN);
            assert_int_equal(check(d, s, SIG_LEN, dg), 0);
        }
    }
    /* n + a valid s: same residue, but not below n */
    assert_int_equal(BN_bin2bn(valid, SIG_LEN, t) != NULL, 1);
    assert_int_equal(BN_add(t, t, n), 1);
    if (BN_num_bytes(t) <= SIG_LEN) {
        assert_int_equal(BN_bn2binpad(t, s, SIG_LEN), SIG_LEN);
        assert_int_equal(check(d, s, SIG_LEN, dg), 0);
    }
    /* lengths: the valid signature cut, extended with a leading zero, empty */
    assert_int_equal(check(d, valid, SIG_LEN - 1, dg), 0);
    assert_int_equal(check(d, valid + 1, SIG_LEN - 1, dg), 0);
    s[0] = 0;
    memcpy(s + 1, valid, SIG_LEN);
    assert_int_equal(check(d, s, SIG_LEN + 1, dg), 0);
    assert_int_equal(check(d, valid, 0, dg), 0);
    BN_free(n);
    BN_free(t);
}

/* Valid signatures over random digests, then one-bit flips of signature and digest. */
static void random_cases(diff_key *d, int rounds)
{
    unsigned char dg[32], sig[SIG_LEN], bad[SIG_LEN], dg2[32];
    int r, f;

    for (r = 0; r < rounds; r++) {
        assert_int_equal(RAND_bytes(dg, sizeof(dg)), 1);
        sign_digest(d, dg, sig);
        assert_int_equal(check(d, sig, SIG_LEN, dg), 1);
        for (f = 0; f < 4; f++) {
            unsigned int bit;
            assert_int_equal(RAND_bytes((unsigned char *)&bit, sizeof(bit)), 1);
            memcpy(bad, sig, SIG_LEN);
            bad[(bit >> 3) % SIG_LEN] ^= (unsigned char)(1u << (bit & 7));
            assert_int_equal(check(d, bad, SIG_LEN, dg), 0);
            memcpy(dg2, dg, sizeof(dg2));
            dg2[(bit >> 3) % 32] ^= (unsigned char)(1u << (bit & 7));
            assert_int_equal(check(d, sig, SIG_LEN, dg2), 0);
        }
        /* random s below n: what the modexp does with arbitrary values */
        assert_int_equal(RAND_bytes(bad, SIG_LEN), 1);
        if (memcmp(bad, d->n, SIG_LEN) >= 0)
            bad[0] = (unsigned char)(d->n[0] - 1);
        check(d, bad, SIG_LEN, dg);
        if (r < 3) {
            edge_values(d, dg, sig);
            near_misses(d, dg);
        }
    }
}

static void run_key(diff_key *d, const char *what, int rounds, long *total)
{
    random_cases(d, rounds);
    print_message("# %s: %ld cases, %ld accepted by both\n", what, d->cases, d->accepted);
    assert_true(d->accepted >= rounds);
    *total += d->cases;
}

/* Tests that need IFMA where there is none. cmocka 1.1's skip() prints "not ok # SKIP", which
 * prove counts as a failure, so such a test returns early, is counted here and named in a TAP
 * comment, and main() says on stderr (which prove shows) how many did not run. With
 * ST_REQUIRE_IFMA=1 (a machine known to have IFMA) a missing IFMA fails instead. */
static int not_run, need_ifma;

static int lacks_ifma(const char *test)
{
    const char *require = getenv("ST_REQUIRE_IFMA");

    need_ifma++;
    if (st_rsa_ifma_available())
        return 0;
    if (require && strcmp(require, "1") == 0)
        fail_msg("%s: ST_REQUIRE_IFMA=1, but this CPU/OS has no AVX-512 IFMA", test);
    not_run++;
    print_message("# SKIP %s: %s: the fast path was not tested\n", test, ST_RSA_IFMA_BUILT
                  ? "this CPU/OS has no AVX-512 IFMA" : "the IFMA path is x86-64 only");
    return 1;
}
#define SKIP_WITHOUT_IFMA() do { if (lacks_ifma(__func__)) return; } while (0)

static void available_is_stable(void **state)
{
    int a = st_rsa_ifma_available();
    (void)state;
    assert_true(a == 0 || a == 1);
    assert_int_equal(st_rsa_ifma_available(), a);
    print_message("# AVX-512 IFMA %s\n", a ? "available" : "not available");
}

/* The fast path takes RSA keys of exactly 2048 bits with an odd 3 <= e < 2^64, and only those. */
static void prepare_refuses_other_keys(void **state)
{
    apr_pool_t *p = *state;
    EVP_PKEY *k2048 = test_rsa_key(p, 2048);
    EVP_PKEY *ec = own(p, EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"));
    BIGNUM *n = key_bn(k2048, OSSL_PKEY_PARAM_RSA_N), *e = BN_new(), *n_even = BN_dup(n);
    const int avail = st_rsa_ifma_available();

    assert_non_null(e);
    assert_non_null(n_even);
    assert_null(st_rsa_ifma_prepare(p, NULL));
    assert_null(st_rsa_ifma_prepare(p, test_rsa_key(p, 1024)));
    assert_null(st_rsa_ifma_prepare(p, test_rsa_key(p, 3072)));
    assert_null(st_rsa_ifma_prepare(p, ec));
    if (avail)
        assert_non_null(st_rsa_ifma_prepare(p, k2048));
    else
        assert_null(st_rsa_ifma_prepare(p, k2048));
    /* SuperTokensRSAAcceleration Off: every key refused, and On again restores it */
    st_rsa_ifma_set_enabled(0);
    assert_null(st_rsa_ifma_prepare(p, k2048));
    st_rsa_ifma_set_enabled(1);
    if (avail)
        assert_non_null(st_rsa_ifma_prepare(p, k2048));

    assert_int_equal(BN_set_word(e, 1), 1);                             /* e = 1 */
    assert_null(st_rsa_ifma_prepare(p, rsa_public(p, n, e)));
    assert_int_equal(BN_set_word(e, 65536), 1);                         /* even */
    assert_null(st_rsa_ifma_prepare(p, rsa_public(p, n, e)));
    assert_int_equal(BN_set_word(e, 1), 1);                             /* 2^64 + 1 */
    assert_int_equal(BN_lshift(e, e, 64), 1);
    assert_int_equal(BN_add_word(e, 1), 1);
    assert_null(st_rsa_ifma_prepare(p, rsa_public(p, n, e)));
    assert_int_equal(BN_set_word(e, 65537), 1);
    assert_int_equal(BN_sub_word(n_even, 1), 1);                        /* even modulus */
    assert_null(st_rsa_ifma_prepare(p, rsa_public(p, n_even, e)));
    assert_int_equal(BN_rshift1(n_even, n), 1);                         /* 2047 bits */
    assert_int_equal(BN_set_bit(n_even, 0), 1);
    assert_null(st_rsa_ifma_prepare(p, rsa_public(p, n_even, e)));
    /* the same n and e, public-only: accepted where the CPU can */
    if (avail)
        assert_non_null(st_rsa_ifma_prepare(p, rsa_public(p, n, e)));
    BN_free(n);
    BN_free(e);
    BN_free(n_even);
}

/* A provider that offers nothing, registered under the name "fips": what
 * st_rsa_ifma_fips_mode looks for when a real FIPS provider is loaded (Debian ships none). */
static int fake_fips_init(const OSSL_CORE_HANDLE *handle, const OSSL_DISPATCH *in,
                          const OSSL_DISPATCH **out, void **provctx)
{
    static const OSSL_DISPATCH nothing[] = { { 0, NULL } };
    (void)handle;
    (void)in;
    *out = nothing;
    *provctx = NULL;
    return 1;
}

static OSSL_PROVIDER *fake_fips;

/* FIPS mode off again even when an assertion left the test half-way, for the tests after it */
static int fips_teardown(void **state)
{
    EVP_default_properties_enable_fips(NULL, 0);
    if (fake_fips)
        OSSL_PROVIDER_unload(fake_fips);
    fake_fips = NULL;
    return pool_teardown(state);
}

/* OpenSSL in FIPS mode (default properties fips=yes, or a "fips" provider loaded) turns the
 * fast path off by itself, and back on when it ends. */
static void fips_mode_turns_acceleration_off(void **state)
{
    apr_pool_t *p = *state;
    EVP_PKEY *k = test_rsa_key(p, 2048);   /* made first: the fake "fips" provider must not be the only one */
    const int avail = st_rsa_ifma_available();

    assert_non_null(k);
    assert_int_equal(st_rsa_ifma_fips_mode(), 0);
    assert_true(st_rsa_ifma_prepare(p, k) != NULL || !avail);

    assert_int_equal(EVP_default_properties_enable_fips(NULL, 1), 1);
    assert_int_equal(st_rsa_ifma_fips_mode(), 1);
    assert_null(st_rsa_ifma_prepare(p, k));
    assert_int_equal(EVP_default_properties_enable_fips(NULL, 0), 1);
    assert_int_equal(st_rsa_ifma_fips_mode(), 0);
    assert_true(st_rsa_ifma_prepare(p, k) != NULL || !avail);

    assert_int_equal(OSSL_PROVIDER_add_builtin(NULL, "fips", fake_fips_init), 1);
    fake_fips = OSSL_PROVIDER_load(NULL, "fips");
    assert_non_null(fake_fips);
    assert_int_equal(st_rsa_ifma_fips_mode(), 1);
    assert_null(st_rsa_ifma_prepare(p, k));
    assert_int_equal(OSSL_PROVIDER_unload(fake_fips), 1);
    fake_fips = NULL;
    assert_int_equal(st_rsa_ifma_fips_mode(), 0);
    assert_true(st_rsa_ifma_prepare(p, k) != NULL || !avail);
    if (!avail)
        print_message("# no AVX-512 IFMA here: only the FIPS-mode decision was checked, not its effect\n");
}

static void verify_null_and_lengths(void **state)
{
    apr_pool_t *p = *state;
    unsigned char sig[SIG_LEN] = { 0 }, dg[32] = { 0 };
    const st_rsa_ifma_key *k;

    assert_int_equal(st_rsa_ifma_verify_sha256(NULL, sig, SIG_LEN, dg), 0);
    SKIP_WITHOUT_IFMA();
    k = st_rsa_ifma_prepare(p, test_rsa_key(p, 2048));
    assert_non_null(k);
    assert_int_equal(st_rsa_ifma_verify_sha256(k, NULL, SIG_LEN, dg), 0);
    assert_int_equal(st_rsa_ifma_verify_sha256(k, sig, SIG_LEN, NULL), 0);
    assert_int_equal(st_rsa_ifma_verify_sha256(k, sig, 0, dg), 0);
}

/* e = 65537 keys from EVP_RSA_gen, and one imported public-only with EVP_PKEY_fromdata. */
static void differential_e65537(void **state)
{
    apr_pool_t *p = *state;
    diff_key d;
    long total = 0;
    int i;

    SKIP_WITHOUT_IFMA();
    for (i = 0; i < 3; i++) {
        EVP_PKEY *k = own(p, EVP_RSA_gen(2048));
        diff_key_init(p, &d, k, k);
        run_key(&d, "EVP_RSA_gen(2048)", 150, &total);
    }
    {
        EVP_PKEY *k = own(p, EVP_RSA_gen(2048));
        BIGNUM *n = key_bn(k, OSSL_PKEY_PARAM_RSA_N), *e = key_bn(k, OSSL_PKEY_PARAM_RSA_E);
        diff_key_init(p, &d, k, rsa_public(p, n, e));
        BN_free(n);
        BN_free(e);
        run_key(&d, "public-only import (fromdata)", 150, &total);
    }
    print_message("# e=65537: %ld cases agreed\n", total);
}

/* Other exponents: 3 (one square, one multiply), 17, and an odd 64-bit one (many multiplies). */
static void differential_other_exponents(void **state)
{
    apr_pool_t *p = *state;
    static const uint64_t exps[] = { 3, 17, UINT64_C(0xffffffffffffffc5) /* 2^64 - 59 */ };
    diff_key d;
    long total = 0;
    size_t i;

    SKIP_WITHOUT_IFMA();
    for (i = 0; i < sizeof(exps) / sizeof(exps[0]); i++) {
        EVP_PKEY *k = rsa_key_e(p, 2048, exps[i]);
        diff_key_init(p, &d, k, k);
        run_key(&d, apr_psprintf(p, "e=%" APR_UINT64_T_FMT, (apr_uint64_t)exps[i]), 120, &total);
    }
    print_message("# other exponents: %ld cases agreed\n", total);
}

/*
 * White-box checks of the arithmetic (st_rsa_ifma_public: s^e mod n) on values that reach the
 * two rare branches of rsa_ifma.c, compared with v and with OpenSSL's BN_mod_exp.
 *
 * The last product is AMM(x, s) = (x*s + m*n) / R with R = 2^2080, which is v = s^e mod n or
 * v + n. It is at least x*s/R, about 2^2016 for random x and s, so for a small v (2, 3, ...)
 * it must be v + n: the final conditional subtraction runs. Random signatures get there with
 * a chance of about 2^-32, which is why the differential tests never did.
 *
 * For v = 2^2040 (+ a little) the last product is v itself, whose limbs 1..38 are zero: each
 * such lane's low 52 bits plus the carry from the lane below is 0 or 2^52, and with a nonzero
 * carry it is 2^52, which one vector carry step leaves above 52 bits: the scalar ripple runs.
 * Random values need a lane within ~2^8 of 2^52 (chance ~2^-39 per product).
 */
static void public_op_case(diff_key *d, const BIGNUM *v)
{
    unsigned char vb[SIG_LEN], s[SIG_LEN], out[SIG_LEN], want[SIG_LEN];
    BIGNUM *bs, *be = key_bn(d->pub, OSSL_PKEY_PARAM_RSA_E), *bn, *r = BN_new();
    BN_CTX *ctx = BN_CTX_new();

    assert_non_null(r);
    assert_non_null(ctx);
    assert_int_equal(BN_bn2binpad(v, vb, SIG_LEN), SIG_LEN);
    sign_raw(d, vb, s);                                 /* s^e = v (mod n) */
    assert_int_equal(st_rsa_ifma_public(d->fast, s, SIG_LEN, out), 1);
    bs = BN_bin2bn(s, SIG_LEN, NULL);
    bn = BN_bin2bn(d->n, SIG_LEN, NULL);
    assert_int_equal(BN_mod_exp(r, bs, be, bn, ctx), 1);
    assert_int_equal(BN_bn2binpad(r, want, SIG_LEN), SIG_LEN);
    assert_memory_equal(out, want, SIG_LEN);            /* OpenSSL's modexp */
    assert_memory_equal(out, vb, SIG_LEN);              /* and v itself */
    d->cases++;
    BN_free(bs);
    BN_free(be);
    BN_free(bn);
    BN_free(r);
    BN_CTX_free(ctx);
}

/* The keys of the white-box tests: e = 65537 twice, e = 3 (one square, one multiply). */
static void whitebox_keys(apr_pool_t *p, diff_key *keys)
{
    EVP_PKEY *a = own(p, EVP_RSA_gen(2048)), *b = own(p, EVP_RSA_gen(2048)), *c = rsa_key_e(p, 2048, 3);
    diff_key_init(p, &keys[0], a, a);
    diff_key_init(p, &keys[1], b, b);
    diff_key_init(p, &keys[2], c, c);
}

static void public_op_final_subtraction(void **state)
{
    apr_pool_t *p = *state;
    static const unsigned long small[] = { 2, 3, 4, 255, 65537, 0xfffffffful };
    diff_key keys[3];
    BIGNUM *v = BN_new();
    size_t i, k;

    SKIP_WITHOUT_IFMA();
    assert_non_null(v);
    whitebox_keys(p, keys);
    for (k = 0; k < 3; k++) {
        for (i = 0; i < sizeof(small) / sizeof(small[0]); i++) {
            assert_int_equal(BN_set_word(v, small[i]), 1);
            public_op_case(&keys[k], v);
        }
        for (i = 0; i < 8; i++) {                       /* random v below 2^1900 */
            assert_int_equal(BN_rand(v, 1900, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY), 1);
            public_op_case(&keys[k], v);
        }
    }
    print_message("# final subtraction: %ld small values of s^e mod n agreed with v and BN_mod_exp\n",
                  keys[0].cases + keys[1].cases + keys[2].cases);
    BN_free(v);
}

static void public_op_carry_ripple(void **state)
{
    apr_pool_t *p = *state;
    diff_key keys[3];
    BIGNUM *v = BN_new();
    size_t k;
    int extra;

    SKIP_WITHOUT_IFMA();
    assert_non_null(v);
    whitebox_keys(p, keys);
    for (k = 0; k < 3; k++) {
        /* 2^2040 + 0, 1, 2^52 - 1, 2^52, 2^1000: runs of zero limbs under the top one */
        for (extra = 0; extra < 5; extra++) {
            BN_zero(v);
            assert_int_equal(BN_set_bit(v, 2040), 1);
            if (extra == 1)
                assert_int_equal(BN_add_word(v, 1), 1);
            if (extra == 2)
                assert_int_equal(BN_add_word(v, (BN_ULONG)((UINT64_C(1) << 52) - 1)), 1);
            if (extra == 3)
                assert_int_equal(BN_set_bit(v, 52), 1);
            if (extra == 4)
                assert_int_equal(BN_set_bit(v, 1000), 1);
            public_op_case(&keys[k], v);
        }
    }
    print_message("# carry ripple: %ld values with zero limbs agreed with v and BN_mod_exp\n",
                  keys[0].cases + keys[1].cases + keys[2].cases);
    BN_free(v);
}

/* The public operation on random values below n, and its refusals. */
static void public_op_differential(void **state)
{
    apr_pool_t *p = *state;
    diff_key keys[3];
    BIGNUM *v = BN_new(), *n;
    unsigned char out[SIG_LEN];
    size_t k;
    int i;

    SKIP_WITHOUT_IFMA();
    assert_non_null(v);
    whitebox_keys(p, keys);
    for (k = 0; k < 3; k++) {
        n = BN_bin2bn(keys[k].n, SIG_LEN, NULL);
        for (i = 0; i < 100; i++) {
            assert_int_equal(BN_priv_rand_range(v, n), 1);
            public_op_case(&keys[k], v);
        }
        assert_int_equal(st_rsa_ifma_public(keys[k].fast, keys[k].n, SIG_LEN, out), 0);   /* s = n */
        assert_int_equal(st_rsa_ifma_public(keys[k].fast, keys[k].n, SIG_LEN - 1, out), 0);
        assert_int_equal(st_rsa_ifma_public(NULL, keys[k].n, SIG_LEN, out), 0);
        BN_free(n);
    }
    BN_free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(available_is_stable, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(prepare_refuses_other_keys, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(fips_mode_turns_acceleration_off, pool_setup, fips_teardown),
        cmocka_unit_test_setup_teardown(verify_null_and_lengths, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(differential_e65537, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(differential_other_exponents, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(public_op_final_subtraction, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(public_op_carry_ripple, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(public_op_differential, pool_setup, pool_teardown),
    };
    int rc = RUN_TAP("rsa_ifma", tests);

    if (not_run)
        fprintf(stderr, "test_rsa_ifma: NOT RUN: %d of %d tests of the AVX-512 IFMA path (%s); "
                "OpenSSL's path is the one this machine uses\n", not_run, need_ifma,
                ST_RSA_IFMA_BUILT ? "this CPU/OS has no IFMA" : "not built on this architecture");
    return rc;
}

/*
 * rsa_ifma.c: RSA-2048 public operation with AVX-512 IFMA for RS256 checks (see rsa_ifma.h).
 *
 * Numbers are 40 limbs of 52 bits, least significant first (2080 bits), so R = 2^2080 > 4n and
 * the almost-Montgomery product AMM(a, b) = (a*b + m*n) / R of inputs below 2n is again below
 * 2n without a conditional subtraction (Gueron & Krasnov). vpmadd52luq/huq add the low/high 52
 * bits of 52x52-bit products to 64-bit lanes, which leaves 12 bits of headroom for carries.
 *
 * Only x86-64 has these instructions: elsewhere (aarch64...) ST_RSA_IFMA_BUILT is 0, none of
 * the code below the portable part is compiled, st_rsa_ifma_available() says 0 and prepare
 * refuses every key, so every RS256 check goes to OpenSSL.
 */
#include <stdint.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/provider.h>

#include "token/rsa_ifma.h"

static int enabled = 1;

void st_rsa_ifma_set_enabled(int on)
{
    enabled = on;
}

int st_rsa_ifma_fips_mode(void)
{
    return EVP_default_properties_is_fips_enabled(NULL) || OSSL_PROVIDER_available(NULL, "fips");
}

#if ST_RSA_IFMA_BUILT
#include <immintrin.h>

#define LIMBS 40
#define MASK52 ((UINT64_C(1) << 52) - 1)
#define IFMA_TARGET __attribute__((target("avx512f,avx512vl,avx512ifma,bmi2")))

struct st_rsa_ifma_key {
    uint64_t n[LIMBS];                  /* modulus, 52-bit limbs */
    uint64_t r2[LIMBS];                 /* R^2 mod n, to enter Montgomery form */
    uint64_t k0;                        /* -n^-1 mod 2^52 */
    uint64_t e;                         /* public exponent, odd, >= 3 */
    unsigned char n_bytes[ST_RSA_IFMA_SIG_LEN];   /* big-endian, for the s < n check */
};

int st_rsa_ifma_available(void)
{
    /* 0 unknown, 1 no, 2 yes; a race only recomputes the same answer */
    static int cached;
    int v = __atomic_load_n(&cached, __ATOMIC_RELAXED);

    if (v == 0) {
        __builtin_cpu_init();
        v = (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")
             && __builtin_cpu_supports("avx512ifma") && __builtin_cpu_supports("bmi2")) ? 2 : 1;
        __atomic_store_n(&cached, v, __ATOMIC_RELAXED);
    }
    return v == 2;
}

/* 256 big-endian bytes to 40 limbs of 52 bits. */
static void bytes_to_limbs(uint64_t *r, const unsigned char *be)
{
    unsigned char le[264];
    int i;

    for (i = 0; i < ST_RSA_IFMA_SIG_LEN; i++)
        le[i] = be[ST_RSA_IFMA_SIG_LEN - 1 - i];
    memset(le + ST_RSA_IFMA_SIG_LEN, 0, sizeof(le) - ST_RSA_IFMA_SIG_LEN);
    for (i = 0; i < LIMBS; i++) {
        unsigned bit = 52u * (unsigned)i;
        uint64_t w;
        memcpy(&w, le + bit / 8, 8);                 /* x86: little-endian */
        r[i] = (w >> (bit % 8)) & MASK52;
    }
}

/* 40 limbs of a value below 2^2048 to 256 big-endian bytes. */
static void limbs_to_bytes(unsigned char *be, const uint64_t *a)
{
    unsigned __int128 acc = 0;
    int bits = 0, i, o = ST_RSA_IFMA_SIG_LEN;

    for (i = 0; i < LIMBS && o > 0; i++) {
        acc |= (unsigned __int128)a[i] << bits;
        bits += 52;
        while (bits >= 8 && o > 0) {
            be[--o] = (unsigned char)acc;
            acc >>= 8;
            bits -= 8;
        }
    }
}

/* a >= b for normalised limbs */
static int limbs_ge(const uint64_t *a, const uint64_t *b)
{
    int i;
    for (i = LIMBS - 1; i >= 0; i--)
        if (a[i] != b[i])
            return a[i] > b[i];
    return 1;
}

static void limbs_sub(uint64_t *a, const uint64_t *b)
{
    uint64_t borrow = 0;
    int i;
    for (i = 0; i < LIMBS; i++) {
        uint64_t d = a[i] - b[i] - borrow;
        borrow = d >> 63;
        a[i] = d & MASK52;
    }
}

#define VECS (LIMBS / 8)              /* 40 lanes in five 512-bit vectors */

/*
 * r = AMM(a, b) = a*b / R mod n, with a, b < 2n as normalised limbs (each < 2^52, as IFMA reads
 * only 52 bits); r < 2n, normalised. Word-serial: step i adds a*b[i] and y*n to a 40-lane window
 * X, y chosen so that lane 0 becomes divisible by 2^52, and moves X down one lane.
 *
 * y for step i+1 needs lane 1 after step i; read back from the vector each step, that chain
 * (extract, multiply, broadcast, multiply-add, shift) costs about twice the multiply-adds. So
 * the next lane 0 (t) is kept in a scalar register: lane 1 read before step i's vector work,
 * plus step i's part computed in scalar (hi(a0*b[i]), lo(a0*b[i+1]), lo(n1*y), hi(n0*y), the
 * carry out of lane 0). No lane read later holds what t added: each lane is read once, before
 * the step that changes it. lo(a*b[i+1]) goes into the window one step early (with hi(a*b[i])
 * and hi(n*y), off the shift's dependency chain) so that lane 1 holds it when read.
 * The loops over the five vectors have constant bounds and are fully unrolled, so A, N and X
 * stay in registers. Not instrumented by ASan: where they do spill (-O1), the compiler aligns
 * the frame to 64 bytes for them, which ASan's fake stack (detect_stack_use_after_return) does
 * not honour, and the aligned 512-bit moves then fault. The differential tests cover it.
 */
IFMA_TARGET __attribute__((no_sanitize_address))
static void amm(uint64_t *r, const uint64_t *a, const uint64_t *b, const st_rsa_ifma_key *k)
{
    const __m512i zero = _mm512_setzero_si512(), mask = _mm512_set1_epi64((long long)MASK52);
    const uint64_t k0 = k->k0, n0 = k->n[0], n1 = k->n[1], a0 = a[0];
    __m512i A[VECS], N[VECS], X[VECS], H[VECS], C[VECS];
    __m512i B = _mm512_set1_epi64((long long)b[0]);
    __mmask8 over = 0;
    uint64_t t;
    int i, j;

#pragma GCC unroll 5
    for (j = 0; j < VECS; j++) {
        A[j] = _mm512_loadu_si512(a + 8 * j);
        N[j] = _mm512_loadu_si512(k->n + 8 * j);
        X[j] = _mm512_madd52lo_epu64(zero, A[j], B);
    }

    t = (a0 * b[0]) & MASK52;
    for (i = 0; i < LIMBS; i++) {
        const uint64_t bn = i + 1 < LIMBS ? b[i + 1] : 0;
        const uint64_t y = (t * k0) & MASK52;
        const __m512i Y = _mm512_set1_epi64((long long)y), Bn = _mm512_set1_epi64((long long)bn);
        /* independent of y: lane 1, and what a*b[i] and a*b[i+1] add to it */
        const uint64_t pre = (uint64_t)_mm_extract_epi64(_mm512_castsi512_si128(X[0]), 1)
            + (uint64_t)(((unsigned __int128)a0 * b[i]) >> 52) + ((a0 * bn) & MASK52);
        /* t + n0*y is divisible by 2^52; the quotient is the carry plus hi(n0*y) */
        const unsigned __int128 tn = (unsigned __int128)y * n0 + t;

        t = (pre + ((y * n1) & MASK52)) + (uint64_t)(tn >> 52);
#pragma GCC unroll 5
        for (j = 0; j < VECS; j++) {
            H[j] = _mm512_madd52hi_epu64(zero, A[j], B);
            H[j] = _mm512_madd52lo_epu64(H[j], A[j], Bn);
            H[j] = _mm512_madd52hi_epu64(H[j], N[j], Y);
            X[j] = _mm512_madd52lo_epu64(X[j], N[j], Y);
        }
        /* move the window down one lane */
#pragma GCC unroll 5
        for (j = 0; j < VECS; j++)
            X[j] = _mm512_add_epi64(_mm512_alignr_epi64(j + 1 < VECS ? X[j + 1] : zero, X[j], 1), H[j]);
        B = Bn;
    }
    /* lane 0 now stands for bit 2080; t is its full value (the vector lacks the last carry) */
    X[0] = _mm512_mask_set1_epi64(X[0], 1, (long long)t);

    /* Normalise. Lanes are below 160 * 2^52, so one vector carry step leaves them below
     * 2^52 + 2^8; a lane still at or above 2^52 (rare) is finished by a scalar ripple. Lane 39
     * has no carry out: r < 2n < 2^2049. */
#pragma GCC unroll 5
    for (j = 0; j < VECS; j++) {
        C[j] = _mm512_srli_epi64(X[j], 52);
        X[j] = _mm512_and_si512(X[j], mask);
    }
#pragma GCC unroll 5
    for (j = 0; j < VECS; j++) {
        X[j] = _mm512_add_epi64(X[j], _mm512_alignr_epi64(C[j], j > 0 ? C[j - 1] : zero, 7));
        _mm512_storeu_si512(r + 8 * j, X[j]);
        over |= _mm512_cmpgt_epu64_mask(X[j], mask);
    }
    if (over) {
        uint64_t c = 0;
        for (i = 0; i < LIMBS; i++) {
            c += r[i];
            r[i] = c & MASK52;
            c >>= 52;
        }
    }
}

/* s^e mod n for s < n, as 256 big-endian bytes. */
IFMA_TARGET
static void mod_exp(unsigned char *out, const st_rsa_ifma_key *k, const unsigned char *sig)
{
    uint64_t s[LIMBS], sr[LIMBS], x[LIMBS];
    int bit = 63 - __builtin_clzll(k->e);

    bytes_to_limbs(s, sig);
    amm(sr, s, k->r2, k);               /* s*R mod n, < 2n */
    memcpy(x, sr, sizeof(x));
    /* Left-to-right square-and-multiply. e is odd, so the last step multiplies by s itself:
     * AMM(s^(e-1)*R, s) = s^e, which leaves Montgomery form without another product. */
    while (--bit > 0) {
        amm(x, x, x, k);
        if ((k->e >> bit) & 1)
            amm(x, x, sr, k);
    }
    amm(x, x, x, k);
    amm(x, x, s, k);
    if (limbs_ge(x, k->n))              /* x < 2n */
        limbs_sub(x, k->n);
    limbs_to_bytes(out, x);
}

int st_rsa_ifma_public(const st_rsa_ifma_key *k, const unsigned char *sig, size_t sig_len,
                       unsigned char out[ST_RSA_IFMA_SIG_LEN])
{
    if (k == NULL || sig == NULL || out == NULL || sig_len != ST_RSA_IFMA_SIG_LEN)
        return 0;
    if (memcmp(sig, k->n_bytes, ST_RSA_IFMA_SIG_LEN) >= 0)      /* s >= n */
        return 0;
    mod_exp(out, k, sig);
    return 1;
}

int st_rsa_ifma_verify_sha256(const st_rsa_ifma_key *k, const unsigned char *sig, size_t sig_len,
                              const unsigned char digest[32])
{
    static const unsigned char prefix[19] = {
        0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
        0x05, 0x00, 0x04, 0x20
    };
    unsigned char em[ST_RSA_IFMA_SIG_LEN], m[ST_RSA_IFMA_SIG_LEN];
    const size_t ps = ST_RSA_IFMA_SIG_LEN - 3 - sizeof(prefix) - 32;

    if (digest == NULL || !st_rsa_ifma_public(k, sig, sig_len, m))
        return 0;

    em[0] = 0x00;
    em[1] = 0x01;
    memset(em + 2, 0xff, ps);
    em[2 + ps] = 0x00;
    memcpy(em + 3 + ps, prefix, sizeof(prefix));
    memcpy(em + 3 + ps + sizeof(prefix), digest, 32);
    return CRYPTO_memcmp(em, m, sizeof(em)) == 0;
}

/* An odd BIGNUM of at most 2048 bits as 40 limbs. */
static int bn_to_limbs(uint64_t *r, const BIGNUM *bn)
{
    unsigned char be[ST_RSA_IFMA_SIG_LEN];
    if (BN_bn2binpad(bn, be, sizeof(be)) != (int)sizeof(be))
        return 0;
    bytes_to_limbs(r, be);
    return 1;
}

st_rsa_ifma_key *st_rsa_ifma_prepare(apr_pool_t *p, EVP_PKEY *key)
{
    BIGNUM *n = NULL, *e = NULL, *r2 = NULL;
    BN_CTX *ctx = NULL;
    st_rsa_ifma_key *k, *out = NULL;
    uint64_t inv;
    int i;

    if (!enabled || p == NULL || key == NULL || !st_rsa_ifma_available()
        || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA || st_rsa_ifma_fips_mode())
        return NULL;
    if (!EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n)
        || !EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e))
        goto done;
    if (BN_num_bits(n) != 2048 || !BN_is_odd(n) || BN_num_bits(e) > 64 || !BN_is_odd(e)
        || BN_is_one(e))
        goto done;
    /* 2^(2*2080) mod n */
    if ((ctx = BN_CTX_new()) == NULL || (r2 = BN_new()) == NULL || !BN_set_bit(r2, 2 * 52 * LIMBS)
        || !BN_mod(r2, r2, n, ctx))
        goto done;

    /* vector loads and stores are unaligned (loadu/storeu): no alignment to arrange */
    if ((k = apr_palloc(p, sizeof(*k))) == NULL)
        goto done;
    if (!bn_to_limbs(k->n, n) || !bn_to_limbs(k->r2, r2)
        || BN_bn2binpad(n, k->n_bytes, sizeof(k->n_bytes)) != (int)sizeof(k->n_bytes))
        goto done;
    k->e = (uint64_t)BN_get_word(e);
    /* n[0]^-1 mod 2^64 by Newton's iteration (each step doubles the correct low bits) */
    inv = k->n[0];
    for (i = 0; i < 6; i++)
        inv *= 2 - k->n[0] * inv;
    k->k0 = (0 - inv) & MASK52;
    out = k;
done:
    BN_free(n);
    BN_free(e);
    BN_free(r2);
    BN_CTX_free(ctx);
    return out;
}

#else   /* not x86-64: OpenSSL does every check */

int st_rsa_ifma_available(void)
{
    return 0;
}

st_rsa_ifma_key *st_rsa_ifma_prepare(apr_pool_t *p, EVP_PKEY *key)
{
    (void)p;
    (void)key;
    (void)enabled;
    return NULL;
}

int st_rsa_ifma_public(const st_rsa_ifma_key *k, const unsigned char *sig, size_t sig_len,
                       unsigned char out[ST_RSA_IFMA_SIG_LEN])
{
    (void)k;
    (void)sig;
    (void)sig_len;
    (void)out;
    return 0;
}

int st_rsa_ifma_verify_sha256(const st_rsa_ifma_key *k, const unsigned char *sig, size_t sig_len,
                              const unsigned char digest[32])
{
    (void)k;
    (void)sig;
    (void)sig_len;
    (void)digest;
    return 0;
}

#endif

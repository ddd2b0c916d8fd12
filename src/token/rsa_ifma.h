/*
 * rsa_ifma.h: a fast path for RS256 checks with 2048-bit keys: the RSA public operation done
 * with AVX-512 IFMA (52-bit limbs, almost-Montgomery multiplication), then an exact compare
 * against the RSASSA-PKCS1-v1_5 / SHA-256 encoding. Public data only, so not constant time.
 * Where this does not apply (no IFMA, other key sizes or exponents) prepare returns NULL and
 * the caller keeps using OpenSSL.
 */
#ifndef ST_RSA_IFMA_H
#define ST_RSA_IFMA_H

#include <stddef.h>
#include <openssl/evp.h>

#include "apr_pools.h"

/* 1 where the fast path is compiled in: x86-64 with GCC or clang (AVX-512 intrinsics and
 * target attributes). Elsewhere the functions below exist but the path never applies. */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define ST_RSA_IFMA_BUILT 1
#else
#define ST_RSA_IFMA_BUILT 0
#endif

/* The signature size this path handles (a 2048-bit modulus). */
#define ST_RSA_IFMA_SIG_LEN 256

typedef struct st_rsa_ifma_key st_rsa_ifma_key;

/* 1 when the CPU and the OS support AVX-512F, VL and IFMA (and BMI2), else 0 (always 0 where
 * ST_RSA_IFMA_BUILT is 0). Checked once. */
int st_rsa_ifma_available(void);

/* SuperTokensRSAAcceleration: 0 makes st_rsa_ifma_prepare refuse every key (OpenSSL only).
 * Set at configuration time, before any thread prepares keys; on by default. */
void st_rsa_ifma_set_enabled(int on);

/* 1 when OpenSSL is held to FIPS-approved implementations: its default properties ask for
 * fips=yes (openssl.cnf default_properties, SSLFIPS On) or a provider named "fips" is loaded.
 * This code is no FIPS-validated module, so st_rsa_ifma_prepare then refuses every key
 * whatever SuperTokensRSAAcceleration says, and OpenSSL checks every signature. */
int st_rsa_ifma_fips_mode(void);

/*
 * Everything the fast path needs for key, made once: modulus limbs, -n^-1 mod 2^52, R^2 mod n,
 * the modulus bytes and the exponent, all allocated from p (key is not referenced afterwards).
 * NULL when the fast path cannot be used: it is disabled, OpenSSL is in FIPS mode, the CPU lacks
 * IFMA, key is not RSA, the modulus is not exactly 2048 bits (or even), the exponent is even,
 * below 3 or wider than 64 bits, or OpenSSL fails; the caller then verifies with OpenSSL.
 */
st_rsa_ifma_key *st_rsa_ifma_prepare(apr_pool_t *p, EVP_PKEY *key);

/*
 * The RSA public operation: out = s^e mod n as ST_RSA_IFMA_SIG_LEN big-endian bytes, where s is
 * sig read as a big-endian integer. 1 on success; 0 (out untouched) for k NULL, a sig_len
 * other than ST_RSA_IFMA_SIG_LEN or s >= n. What st_rsa_ifma_verify_sha256 compares; also
 * lets the tests check the arithmetic itself against OpenSSL's BN_mod_exp.
 */
int st_rsa_ifma_public(const st_rsa_ifma_key *k, const unsigned char *sig, size_t sig_len,
                       unsigned char out[ST_RSA_IFMA_SIG_LEN]);

/*
 * 1 iff sig is a valid RSASSA-PKCS1-v1_5 signature with SHA-256 of digest under k, with
 * OpenSSL's RSA_verify rules: sig_len must be exactly ST_RSA_IFMA_SIG_LEN, the signature as a
 * big-endian integer must be below n, and s^e mod n must be byte for byte
 * 00 01 FF..FF 00 || DigestInfo(SHA-256) || digest. 0 otherwise (also for k NULL).
 * k must come from st_rsa_ifma_prepare. Thread-safe: k is only read.
 */
int st_rsa_ifma_verify_sha256(const st_rsa_ifma_key *k, const unsigned char *sig, size_t sig_len,
                              const unsigned char digest[32]);

#endif

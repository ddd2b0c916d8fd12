/*
 * fuzz_common.h: shared pieces of the libFuzzer targets in build/fuzz/.
 *
 * Every target links fuzz_common.c, which makes APR pool allocations visible to
 * AddressSanitizer: apr_palloc (and so apr_pcalloc, apr_pstrdup, apr_pstrcat, apr_array_*,
 * apr_table_* ...) and apr_psprintf are replaced by one malloc per allocation, freed by a
 * cleanup of the pool. An overflow of a pool string is then a heap-buffer-overflow instead of
 * a silent write into the pool's 8 KiB block, and a use after apr_pool_destroy is caught.
 * Each input gets its own pool (fuzz_pool_begin/fuzz_pool_end), so memory that outlives the
 * pool (a json_t without a pool cleanup, an EVP_PKEY never freed) shows as a LeakSanitizer leak.
 */
#ifndef ST_FUZZ_COMMON_H
#define ST_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apr_general.h"
#include "apr_pools.h"
#include "apr_strings.h"

/* apr_initialize() once, and a long-lived pool for fixtures made in LLVMFuzzerInitialize. */
void fuzz_setup(void);
extern apr_pool_t *fuzz_global_pool;

apr_pool_t *fuzz_pool_begin(void);
void fuzz_pool_end(apr_pool_t *p);

/* An invariant of the code under test does not hold: report and abort (libFuzzer saves the
 * input as a crash artifact). */
#define FUZZ_CHECK(cond) do { \
        if (!(cond)) { \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
            abort(); \
        } \
    } while (0)

/* NUL-terminated pool copy of n bytes (a string stops at the first NUL, as a C string would). */
static inline char *fuzz_cstr(apr_pool_t *p, const uint8_t *d, size_t n)
{
    return apr_pstrmemdup(p, (const char *)d, n);
}

/* Reading structured inputs: fixed-size fields from the front, then '\0'-separated strings. */
typedef struct {
    const uint8_t *d;
    size_t n;
} fuzz_in;

static inline uint8_t fuzz_u8(fuzz_in *in)
{
    uint8_t v = 0;
    if (in->n) {
        v = in->d[0];
        in->d++;
        in->n--;
    }
    return v;
}

static inline uint64_t fuzz_u64(fuzz_in *in)
{
    uint64_t v = 0;
    int i;
    for (i = 0; i < 8; i++)
        v = (v << 8) | fuzz_u8(in);
    return v;
}

/* The bytes up to the next '\0' (or the end) as a pool string; *len its length. */
static inline char *fuzz_field(apr_pool_t *p, fuzz_in *in, size_t *len)
{
    const uint8_t *z = memchr(in->d, 0, in->n);
    size_t k = z ? (size_t)(z - in->d) : in->n;
    char *s = apr_pstrmemdup(p, (const char *)in->d, k);
    in->d += k;
    in->n -= k;
    if (z) {
        in->d++;
        in->n--;
    }
    if (len)
        *len = k;
    return s;
}

/* Strict UTF-8 as JavaScript/jansson accept it: no overlongs, surrogates or values above
 * U+10FFFF; NUL bytes are refused too (C strings cannot carry them). */
int fuzz_utf8_valid(const char *s, size_t n);

#endif

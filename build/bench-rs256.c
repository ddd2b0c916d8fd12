/*
 * bench-rs256.c: make bench's yardstick for its figures without the cache. It times one RS256
 * check of protocol.md §6.3's access token as the module makes it on a verification-cache miss:
 * st_jwt_verify_rs256_prepared (OpenSSL) and, where the CPU has AVX-512 IFMA,
 * st_jwt_verify_rs256_ifma. Each is the best of 7 batches of 2000 checks in a loop, so caches
 * are warm and the figure is a floor for what a request pays.
 * Prints "openssl <µs>" and "ifma <µs>" ("ifma -" when this CPU or build has no IFMA path).
 */
#include "token/jwk.h"
#include "token/jwt.h"
#include "token/rsa_ifma.h"
#include "../t/unit/fixtures/protocol_vectors.h"

#include "apr_general.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define BATCHES 7
#define CHECKS 2000

typedef int (*check_fn)(const st_jwt *jwt, const st_jwk *key);

static int via_openssl(const st_jwt *jwt, const st_jwk *key)
{
    return st_jwt_verify_rs256_prepared(jwt, key->verify_ctx);
}

static int via_ifma(const st_jwt *jwt, const st_jwk *key)
{
    return st_jwt_verify_rs256_ifma(jwt, key->fast);
}

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

/* µs per check, the fastest batch; -1 if a check failed (the figure would mean nothing) */
static double best_batch(check_fn check, const st_jwt *jwt, const st_jwk *key)
{
    double best = -1;
    int b, i;

    for (b = 0; b < BATCHES; b++) {
        double t0 = now_us(), per;
        for (i = 0; i < CHECKS; i++)
            if (check(jwt, key) != 1)
                return -1;
        per = (now_us() - t0) / CHECKS;
        if (best < 0 || per < best)
            best = per;
    }
    return best;
}

int main(void)
{
    apr_pool_t *p;
    apr_array_header_t *keys = NULL;
    st_jwt *jwt = NULL;
    const st_jwk *key;
    double openssl, ifma = -1;

    apr_initialize();
    apr_pool_create(&p, NULL);
    if (st_jwks_parse(p, V63_JWKS, strlen(V63_JWKS), &keys) != NULL || keys->nelts != 1
        || st_jwt_parse(p, V63_ACCESS_TOKEN, strlen(V63_ACCESS_TOKEN), &jwt) != NULL) {
        fprintf(stderr, "bench-rs256: the §6.3 vectors do not parse\n");
        return 1;
    }
    key = &APR_ARRAY_IDX(keys, 0, st_jwk);
    if (key->verify_ctx == NULL || (openssl = best_batch(via_openssl, jwt, key)) < 0) {
        fprintf(stderr, "bench-rs256: the §6.3 token did not verify through OpenSSL\n");
        return 1;
    }
    if (key->fast != NULL && (ifma = best_batch(via_ifma, jwt, key)) < 0) {
        fprintf(stderr, "bench-rs256: the §6.3 token did not verify through the IFMA path\n");
        return 1;
    }
    printf("openssl %.1f\n", openssl);
    if (ifma < 0)
        printf("ifma -\n");
    else
        printf("ifma %.1f\n", ifma);
    apr_pool_destroy(p);
    apr_terminate();
    return 0;
}

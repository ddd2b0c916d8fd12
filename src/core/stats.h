/*
 * stats.h: the module's counters, shown by mod_status (server-status, ?auto).
 *
 * One block of 64-bit counters in anonymous shared memory, made by the parent in post_config
 * before the children are forked, so every process adds to the same numbers (the scoreboard
 * and mod_proxy_balancer's slotmem work the same way). Increments are atomic: threads of one
 * process and processes of one server all write the block. The segment belongs to the
 * process pool, so the numbers survive graceful restarts as the scoreboard's do.
 *
 * Usage anywhere below the request: st_stats_inc(ST_STAT_SIGNIN_OK); a no-op until the
 * segment exists (unit tests, a failed allocation).
 */
#ifndef ST_CORE_STATS_H
#define ST_CORE_STATS_H

#include "httpd.h"
#include "apr_pools.h"

typedef enum {
    /* AuthType SuperTokens, by outcome of the session check */
    ST_STAT_VERIFY_OK,
    ST_STAT_VERIFY_TRY_REFRESH,
    ST_STAT_VERIFY_UNAUTHORISED,
    ST_STAT_VERIFY_ANONYMOUS,
    ST_STAT_VERIFY_CORE_ERROR,
    /* the verification cache (another part of the module counts here once it exists) */
    ST_STAT_VCACHE_HIT,
    ST_STAT_VCACHE_MISS,
    /* the API */
    ST_STAT_REFRESH_OK,
    ST_STAT_REFRESH_UNAUTHORISED,
    ST_STAT_REFRESH_THEFT,
    ST_STAT_SIGNIN_OK,
    ST_STAT_SIGNIN_WRONG,
    ST_STAT_SIGNUP_OK,
    ST_STAT_SIGNUP_REFUSED,
    ST_STAT_RESET_REQUESTS,
    ST_STAT_CLAIMS_REFUSED,
    /* calls to the core, by result, and their time */
    ST_STAT_CORE_2XX,
    ST_STAT_CORE_4XX,
    ST_STAT_CORE_5XX,
    ST_STAT_CORE_UNREACHABLE,
    ST_STAT_CORE_FAILED,            /* no usable answer for another reason (CDI, setup) */
    ST_STAT_CORE_USEC,              /* sum of the calls' durations, microseconds */
    /* JWKS fetches */
    ST_STAT_JWKS_OK,
    ST_STAT_JWKS_FAILED,
    ST_STAT_COUNT
} st_stat;

/* The ?auto name of each counter ("SuperTokensVerifyOK"...), in st_stat order. */
const char *st_stats_name(st_stat which);

/* post_config (parent): attaches to the segment kept in the process pool, or makes it. */
apr_status_t st_stats_init(apr_pool_t *process_pool);

/* Adds n to a counter; a no-op without a segment. */
void st_stats_add(st_stat which, apr_uint64_t n);
static inline void st_stats_inc(st_stat which)
{
    st_stats_add(which, 1);
}

/* Reads every counter into out[ST_STAT_COUNT]; 0 without a segment (then out is all 0). */
int st_stats_read(apr_uint64_t *out);

#endif

/*
 * stats.c: the counters behind the SuperTokens section of server-status (see stats.h).
 */
#include <string.h>

#include "core/stats.h"

#include "apr_atomic.h"
#include "apr_shm.h"

/* the process pool's userdata key, with the layout's size so a module with other counters,
 * loaded by a restart, gets a segment of its own */
#define ST_STATS_KEY "supertokens-stats-shm-v1"

static volatile apr_uint64_t *st_counters;   /* the segment; NULL before post_config */

static const char *const st_names[ST_STAT_COUNT] = {
    [ST_STAT_VERIFY_OK] = "SuperTokensVerifyOK",
    [ST_STAT_VERIFY_TRY_REFRESH] = "SuperTokensVerifyTryRefresh",
    [ST_STAT_VERIFY_UNAUTHORISED] = "SuperTokensVerifyUnauthorised",
    [ST_STAT_VERIFY_ANONYMOUS] = "SuperTokensVerifyAnonymous",
    [ST_STAT_VERIFY_CORE_ERROR] = "SuperTokensVerifyCoreError",
    [ST_STAT_VCACHE_HIT] = "SuperTokensVerifyCacheHits",
    [ST_STAT_VCACHE_MISS] = "SuperTokensVerifyCacheMisses",
    [ST_STAT_REFRESH_OK] = "SuperTokensRefreshOK",
    [ST_STAT_REFRESH_UNAUTHORISED] = "SuperTokensRefreshUnauthorised",
    [ST_STAT_REFRESH_THEFT] = "SuperTokensRefreshTokenTheft",
    [ST_STAT_SIGNIN_OK] = "SuperTokensSignInOK",
    [ST_STAT_SIGNIN_WRONG] = "SuperTokensSignInWrongCredentials",
    [ST_STAT_SIGNUP_OK] = "SuperTokensSignUpOK",
    [ST_STAT_SIGNUP_REFUSED] = "SuperTokensSignUpRefused",
    [ST_STAT_RESET_REQUESTS] = "SuperTokensPasswordResetRequests",
    [ST_STAT_CLAIMS_REFUSED] = "SuperTokensClaimsRefused",
    [ST_STAT_CORE_2XX] = "SuperTokensCoreCalls2xx",
    [ST_STAT_CORE_4XX] = "SuperTokensCoreCalls4xx",
    [ST_STAT_CORE_5XX] = "SuperTokensCoreCalls5xx",
    [ST_STAT_CORE_UNREACHABLE] = "SuperTokensCoreCallsUnreachable",
    [ST_STAT_CORE_FAILED] = "SuperTokensCoreCallsFailed",
    [ST_STAT_CORE_USEC] = "SuperTokensCoreCallMicroseconds",
    [ST_STAT_JWKS_OK] = "SuperTokensJWKSFetchesOK",
    [ST_STAT_JWKS_FAILED] = "SuperTokensJWKSFetchesFailed",
};

const char *st_stats_name(st_stat which)
{
    return (unsigned)which < ST_STAT_COUNT ? st_names[which] : "";
}

apr_status_t st_stats_init(apr_pool_t *process_pool)
{
    apr_shm_t *shm = NULL;
    apr_size_t size = sizeof(apr_uint64_t) * ST_STAT_COUNT;
    apr_status_t rv;

    apr_pool_userdata_get((void **)&shm, ST_STATS_KEY, process_pool);
    if (shm == NULL) {
        /* anonymous: inherited by every child forked from here on */
        if ((rv = apr_shm_create(&shm, size, NULL, process_pool)) != APR_SUCCESS) {
            st_counters = NULL;
            return rv;
        }
        memset(apr_shm_baseaddr_get(shm), 0, size);
        apr_pool_userdata_set(shm, ST_STATS_KEY, apr_pool_cleanup_null, process_pool);
    }
    st_counters = apr_shm_baseaddr_get(shm);
    return APR_SUCCESS;
}

void st_stats_add(st_stat which, apr_uint64_t n)
{
    if (st_counters && (unsigned)which < ST_STAT_COUNT)
        apr_atomic_add64(&st_counters[which], n);
}

int st_stats_read(apr_uint64_t *out)
{
    int i;
    for (i = 0; i < ST_STAT_COUNT; i++)
        out[i] = st_counters ? apr_atomic_read64(&st_counters[i]) : 0;
    return st_counters != NULL;
}

/*
 * status.c: the SuperTokens section of server-status (see status.h).
 */
#include "request/status.h"
#include "core/stats.h"
#include "core/vcache.h"

#include "httpd.h"
#include "http_protocol.h"
#include "mod_status.h"
#include "apr_optional_hooks.h"
#include "apr_strings.h"

/* Rows of the HTML table: a heading, then the counters under it. */
typedef struct {
    const char *heading;
    st_stat first, last;
} status_group;

static const status_group st_groups[] = {
    { "Session verifications (AuthType SuperTokens)", ST_STAT_VERIFY_OK, ST_STAT_VERIFY_CORE_ERROR },
    { "Verification cache", ST_STAT_VCACHE_HIT, ST_STAT_VCACHE_MISS },
    { "Refreshes", ST_STAT_REFRESH_OK, ST_STAT_REFRESH_THEFT },
    { "Sign-in, sign-up, password reset, claims", ST_STAT_SIGNIN_OK, ST_STAT_CLAIMS_REFUSED },
    { "Calls to the core", ST_STAT_CORE_2XX, ST_STAT_CORE_USEC },
    { "JWKS fetches", ST_STAT_JWKS_OK, ST_STAT_JWKS_FAILED },
};

static apr_uint64_t core_calls(const apr_uint64_t *v)
{
    return v[ST_STAT_CORE_2XX] + v[ST_STAT_CORE_4XX] + v[ST_STAT_CORE_5XX]
         + v[ST_STAT_CORE_UNREACHABLE] + v[ST_STAT_CORE_FAILED];
}

/* average time of a core call in ms, with three decimals, as text */
static const char *core_avg_ms(apr_pool_t *p, const apr_uint64_t *v)
{
    apr_uint64_t n = core_calls(v);
    return apr_psprintf(p, "%.3f", n ? (double)v[ST_STAT_CORE_USEC] / 1000.0 / (double)n : 0.0);
}

static void render_auto(request_rec *r, const apr_uint64_t *v)
{
    int i;
    for (i = 0; i < ST_STAT_COUNT; i++)
        ap_rprintf(r, "%s: %" APR_UINT64_T_FMT "\n", st_stats_name(i), v[i]);
    ap_rprintf(r, "SuperTokensCoreCalls: %" APR_UINT64_T_FMT "\n", core_calls(v));
    ap_rprintf(r, "SuperTokensCoreCallAvgMs: %s\n", core_avg_ms(r->pool, v));
    ap_rprintf(r, "SuperTokensVerifyCacheEnabled: %d\n", st_vcache_enabled());
}

static void render_html(request_rec *r, const apr_uint64_t *v)
{
    size_t g;
    int i;

    ap_rputs("<hr />\n<h2>SuperTokens</h2>\n<table border=\"0\">\n", r);
    for (g = 0; g < sizeof(st_groups) / sizeof(st_groups[0]); g++) {
        ap_rprintf(r, "<tr><th colspan=\"2\" align=\"left\">%s</th></tr>\n", st_groups[g].heading);
        if (st_groups[g].first == ST_STAT_VCACHE_HIT && !st_vcache_enabled()) {
            ap_rputs("<tr><td colspan=\"2\">cache not enabled</td></tr>\n", r);
            continue;
        }
        for (i = st_groups[g].first; i <= (int)st_groups[g].last; i++)
            ap_rprintf(r, "<tr><td>%s</td><td align=\"right\">%" APR_UINT64_T_FMT "</td></tr>\n",
                       st_stats_name(i), v[i]);
    }
    ap_rprintf(r, "<tr><td>SuperTokensCoreCalls</td><td align=\"right\">%" APR_UINT64_T_FMT
               "</td></tr>\n<tr><td>SuperTokensCoreCallAvgMs</td><td align=\"right\">%s</td>"
               "</tr>\n</table>\n", core_calls(v), core_avg_ms(r->pool, v));
}

static int status_hook(request_rec *r, int flags)
{
    apr_uint64_t v[ST_STAT_COUNT];

    if (!st_stats_read(v))
        return OK;      /* no segment: nothing to show */
    if (flags & AP_STATUS_SHORT)
        render_auto(r, v);
    else
        render_html(r, v);
    return OK;
}

void st_status_register(void)
{
    APR_OPTIONAL_HOOK(ap, status_hook, status_hook, NULL, NULL, APR_HOOK_MIDDLE);
}

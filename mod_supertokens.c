/*
 * mod_supertokens.c: the module record, the directive table and hook registration.
 *
 * Thin on purpose: every hook is a shim into a layer of src/ (config/, core/, request/,
 * pages/, api/). See README.md for the directives and the layout, and SECURITY.md.
 */
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_request.h"
#include "mod_auth.h"
#include "ap_provider.h"
#include "ap_mpm.h"

#include "config/config.h"
#include "config/thirdparty_conf.h"
#include "core/core.h"
#include "token/rsa_ifma.h"
#include "request/verify.h"
#include "core/jwks.h"
#include "core/vcache.h"
#include "core/outbound.h"
#include "core/provider_cache.h"
#include "api/api.h"
#include "api/form.h"
#include "request/claims.h"
#include "request/authz.h"
#include "request/expr.h"
#include "request/open_paths.h"
#include "request/recipe_claims.h"
#include "pages/login.h"
#include "api/delivery.h"
#include "config/sections.h"
#include "config/version.h"
#include "core/probe.h"
#include "core/stats.h"
#include "request/setup_report.h"
#include "request/status.h"

#include <openssl/crypto.h>

/* declared here so log lines above the module record carry its index */
extern module AP_MODULE_DECLARE_DATA supertokens_module;
APLOG_USE_MODULE(supertokens);

/* Validate every virtual host after the whole configuration is read. Runs for
 * `apachectl configtest` too, so cross-directive mistakes fail there. */
static int st_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    server_rec *main_server = s;
    const char *err;
    int failed = 0;
    (void)pconf;
    (void)plog;
    /* global: applied on every (re)read, so removing the directive restores the default */
    st_rsa_ifma_set_enabled(st_server_conf_get(s)->rsa_acceleration != 0);
    for (; s; s = s->next) {
        st_server_conf *sc = st_server_conf_get(s);
        err = st_config_check_server(ptemp, s, sc);
        if (err == NULL)   /* thirdparty_conf.c builds on config.c, so it is asked here */
            err = st_tp_check_server(ptemp, s, sc);
        if (err) {
            ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_CRIT, 0, s, APLOGNO(10001) "%s", err);
            failed = 1;
        }
    }
    /* AuthType SuperTokens where no core is configured */
    if ((err = st_config_check_sections(ptemp, main_server,
                                        ap_state_query(AP_SQ_RUN_MODE) == AP_SQ_RM_CONFIG_TEST))) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_CRIT, 0, main_server, APLOGNO(10481) "%s", err);
        failed = 1;
    }
    return failed ? !OK : OK;
}

/* `apachectl configtest`: the cores are asked too, so a wrong API key or an old core shows
 * there (as warnings: the configuration itself may be right while a core is down). */
static void st_test_config(apr_pool_t *pconf, server_rec *s)
{
    apr_pool_t *p;
    /* not for -S, -M and the other dumps, which run this hook too */
    if (ap_state_query(AP_SQ_RUN_MODE) != AP_SQ_RM_CONFIG_TEST
        || apr_pool_create(&p, pconf) != APR_SUCCESS)
        return;
    st_core_probe(p, s);
    apr_pool_destroy(p);
}

/* The start-up line: what runs, for bug reports and for checking an upgrade took effect. */
static void st_log_startup(server_rec *s)
{
    const char *rsa = !st_rsa_ifma_available() ? "OpenSSL (this CPU has no AVX-512 IFMA)"
        : st_rsa_ifma_fips_mode() ? "OpenSSL (FIPS mode)"
        : st_server_conf_get(s)->rsa_acceleration == 0 ? "OpenSSL (SuperTokensRSAAcceleration Off)"
        : "AVX-512 IFMA for 2048-bit keys, OpenSSL for others";
    ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, APLOGNO(10475)
                 "mod_supertokens/" ST_MODULE_VERSION " configured: %s, RS256 checks with %s",
                 OpenSSL_version(OPENSSL_VERSION), rsa);
}

/* The parent, after every (re)configuration. httpd runs post_config once more before the
 * real start (a dry run); the first run only marks itself, so the line and the probe come
 * once per start or restart. */
static int st_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    static const char *const key = "supertokens-post-config-ran";
    void *ran = NULL;
    apr_status_t rv;
    (void)pconf;
    (void)plog;

    apr_pool_userdata_get(&ran, key, s->process->pool);
    if (ran == NULL) {
        apr_pool_userdata_set((const void *)1, key, apr_pool_cleanup_null, s->process->pool);
        return OK;
    }
    if ((rv = st_stats_init(s->process->pool)) != APR_SUCCESS)
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, APLOGNO(10485)
                     "no shared memory for the server-status counters; they stay at 0");
    /* SuperTokensRSAAcceleration stands down by itself when OpenSSL is in FIPS mode
     * (rsa_ifma.c checks at every key import); this says so once per start. This hook runs
     * after mod_ssl's, whose SSLFIPS On switches FIPS mode on. */
    if (st_server_conf_get(s)->rsa_acceleration != 0 && st_rsa_ifma_fips_mode())
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, APLOGNO(10460)
                     "OpenSSL is in FIPS mode: SuperTokensRSAAcceleration is off, OpenSSL checks "
                     "every access token signature");
    st_log_startup(s);
    st_config_check_sections(ptemp, s, 1);   /* its warnings, now that the log is open */
    st_core_probe(ptemp, s);
    return OK;
}

/* event and worker run many threads per process; prefork one */
static int mpm_threaded(void)
{
    int threaded = 0;
    return ap_mpm_query(AP_MPMQ_IS_THREADED, &threaded) == APR_SUCCESS && threaded != AP_MPMQ_NOT_SUPPORTED;
}

static void st_child_init(apr_pool_t *pchild, server_rec *s)
{
    if (!st_form_init())
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, APLOGNO(10003)
                     "could not compile the email rule of the EmailPassword API");
    apr_pool_cleanup_register(pchild, NULL, st_form_release, apr_pool_cleanup_null);
    if (st_core_child_init(pchild, s) != APR_SUCCESS || st_jwks_child_init(pchild, s) != APR_SUCCESS
        || st_out_child_init(pchild, s) != APR_SUCCESS || st_pcache_child_init(pchild) != APR_SUCCESS)
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, APLOGNO(10002)
                     "could not set up the SuperTokens core client in this process");
    if (st_vcache_child_init(pchild, st_cfg_verify_cache_entries(st_server_conf_get(s),
                                                                 mpm_threaded())) != APR_SUCCESS)
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, APLOGNO(10491)
                     "could not set up the verification cache: every token is checked in full");
    if (st_setup_report_child_init(pchild) != APR_SUCCESS)
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, APLOGNO(10487)
                     "could not set up the once-per-place configuration reports");
    if (st_delivery_child_init(pchild, s) != APR_SUCCESS)
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, APLOGNO(10301) "could not set up the delivery queue");
}

/* Runs first on every request, protected or not: client-sent copies of the headers this
 * module sets must never reach anything behind it (apache-anchors.md §1.3). */
static int st_header_parser(request_rec *r)
{
    /* an internal redirect shares the first request's headers: what is left there under
     * these names was set by the module itself, not sent by the client */
    if (r->prev)
        st_claims_scrub_quietly(r);
    else
        st_claims_scrub_request(r);
    return DECLINED;
}

static void st_register_hooks(apr_pool_t *p)
{
    /* the API must answer before mod_proxy, so it also works under ProxyPass / */
    static const char *const before_proxy[] = { "mod_proxy.c", NULL };
    static const char *const after_ssl[] = { "mod_ssl.c", NULL };
    (void)p;
    ap_hook_check_config(st_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_test_config(st_test_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(st_post_config, after_ssl, NULL, APR_HOOK_MIDDLE);
    st_status_register();   /* the SuperTokens section of server-status, with mod_status */
    ap_hook_child_init(st_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_header_parser(st_header_parser, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_check_authn(st_session_check_user_id, NULL, NULL, APR_HOOK_MIDDLE,
                        AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_fixups(st_session_fixups, NULL, NULL, APR_HOOK_FIRST);
    st_session_gate_register(st_claims_require_verified);   /* SuperTokensEmailVerification required */
    /* paths the module's own handlers serve pass authentication without a session */
    st_open_path_register(st_api_serves);
    st_open_path_register(st_login_page_match);
    st_authz_register(p);   /* Require supertokens-*, the 403 invalid-claim answer */
    st_expr_register(p);    /* supertokens_claim() in ap_expr */
    ap_hook_handler(st_api_handler, NULL, before_proxy, APR_HOOK_FIRST);
}

/* The one symbol the module exports: everything else is built hidden (-fvisibility=hidden), so
 * its few hundred st_* functions cannot clash with another module's or library's in httpd's
 * global namespace, and calls between its files are direct rather than through the PLT. */
__attribute__((visibility("default")))
module AP_MODULE_DECLARE_DATA supertokens_module = {
    STANDARD20_MODULE_STUFF,
    st_create_dir_conf,
    st_merge_dir_conf,
    st_create_server_conf,
    st_merge_server_conf,
    st_directives,
    st_register_hooks,
    AP_MODULE_FLAG_NONE
};

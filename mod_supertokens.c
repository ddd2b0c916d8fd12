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

#include "config/config.h"
#include "core/core.h"
#include "token/rsa_ifma.h"
#include "request/verify.h"
#include "core/jwks.h"
#include "api/api.h"
#include "api/form.h"
#include "request/claims.h"
#include "request/authz.h"
#include "request/expr.h"
#include "request/open_paths.h"
#include "pages/login.h"
#include "api/delivery.h"

/* declared here so log lines above the module record carry its index */
extern module AP_MODULE_DECLARE_DATA supertokens_module;
APLOG_USE_MODULE(supertokens);

/* Validate every virtual host after the whole configuration is read. Runs for
 * `apachectl configtest` too, so cross-directive mistakes fail there. */
static int st_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    int failed = 0;
    (void)pconf;
    (void)plog;
    /* global: applied on every (re)read, so removing the directive restores the default */
    st_rsa_ifma_set_enabled(st_server_conf_get(s)->rsa_acceleration != 0);
    for (; s; s = s->next) {
        const char *err = st_config_check_server(ptemp, s, st_server_conf_get(s));
        if (err) {
            ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_CRIT, 0, s, APLOGNO(10001) "%s", err);
            failed = 1;
        }
    }
    return failed ? !OK : OK;
}

/* SuperTokensRSAAcceleration stands down by itself when OpenSSL is in FIPS mode (rsa_ifma.c
 * checks at every key import); this says so once per start. After mod_ssl, whose SSLFIPS On
 * switches FIPS mode on in its own post_config; not on the first of httpd's two start-up
 * passes, so that the line is not written twice. */
static int st_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    (void)pconf;
    (void)plog;
    (void)ptemp;
    if (ap_state_query(AP_SQ_MAIN_STATE) != AP_SQ_MS_CREATE_PRE_CONFIG
        && st_server_conf_get(s)->rsa_acceleration != 0 && st_rsa_ifma_fips_mode())
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, APLOGNO(10460)
                     "OpenSSL is in FIPS mode: SuperTokensRSAAcceleration is off, OpenSSL checks "
                     "every access token signature");
    return OK;
}

static void st_child_init(apr_pool_t *pchild, server_rec *s)
{
    if (!st_form_init())
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, APLOGNO(10003)
                     "could not compile the email rule of the EmailPassword API");
    apr_pool_cleanup_register(pchild, NULL, st_form_release, apr_pool_cleanup_null);
    if (st_core_child_init(pchild, s) != APR_SUCCESS || st_jwks_child_init(pchild, s) != APR_SUCCESS)
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, APLOGNO(10002)
                     "could not set up the SuperTokens core client in this process");
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
    ap_hook_post_config(st_post_config, after_ssl, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(st_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_header_parser(st_header_parser, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_check_authn(st_session_check_user_id, NULL, NULL, APR_HOOK_MIDDLE,
                        AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_fixups(st_session_fixups, NULL, NULL, APR_HOOK_FIRST);
    /* paths the module's own handlers serve pass authentication without a session */
    st_open_path_register(st_api_serves);
    st_open_path_register(st_login_page_match);
    st_authz_register(p);   /* Require supertokens-*, the 403 invalid-claim answer */
    st_expr_register(p);    /* supertokens_claim() in ap_expr */
    ap_hook_handler(st_api_handler, NULL, before_proxy, APR_HOOK_FIRST);
}

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

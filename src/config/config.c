/*
 * config.c: create/merge of the server and directory records, the getters that apply
 * supertokens-node's defaults, and the cross-directive checks run by the check_config hook
 * (so `apachectl configtest` catches them). The directive handlers that fill the records
 * are directives.c's.
 */
#include "config/config.h"
#include "config/domain.h"

#include "apr_strings.h"

extern module AP_MODULE_DECLARE_DATA supertokens_module;

#define ST_DEFAULT_BASE_PATH      "/auth"
#define ST_DEFAULT_CLAIM_PREFIX   "SUPERTOKENS_CLAIM_"
#define ST_DEFAULT_JWKS_REFRESH   apr_time_from_sec(4 * 3600)
#define ST_DEFAULT_CONNECT_TMO    apr_time_from_sec(5)
#define ST_DEFAULT_IO_TMO         apr_time_from_sec(10)
/* supertokens-node 24 sets no max age on its claims: role claims present in a token are never
 * refetched. The module's default is the SDK's former 5 minutes (until 23.0.0), so a role
 * granted or removed in the core reaches every session; SuperTokensRolesMaxAge Off is 24's. */
#define ST_DEFAULT_ROLES_MAX_AGE  apr_time_from_sec(300)
/* EmailVerificationClaim.validators.isVerified(refetchTimeOnFalseInSeconds = 10) */
#define ST_DEFAULT_UNVERIFIED_REFETCH apr_time_from_sec(10)

/* ---------- create / merge ---------- */

void *st_create_server_conf(apr_pool_t *p, server_rec *s)
{
    st_server_conf *c = apr_pcalloc(p, sizeof(*c));
    (void)s;
    c->core_connect_timeout = -1;
    c->core_io_timeout = -1;
    c->jwks_refresh_interval = -1;
    c->dynamic_signing_key = -1;
    c->cookie_secure = -1;
    c->cookie_same_site = ST_SAMESITE_UNSET;
    c->same_site_resolved = -1;
    c->anti_csrf = ST_ANTICSRF_UNSET;
    c->recipes = -1;
    c->reset_delivery = -1;
    c->login_page = -1;
    c->sign_up = -1;
    c->email_claim = -1;
    c->rsa_acceleration = -1;
    c->verify_cache_entries = -1;
    c->ev_mode = -1;
    c->ev_delivery = -1;
    c->provider_connect_timeout = -1;
    c->provider_io_timeout = -1;
    c->pl_contact = -1;
    c->pl_flow = -1;
    c->pl_delivery = -1;
    return c;
}

#define ST_MERGE_PTR(f) (add->f != NULL ? add->f : base->f)
#define ST_MERGE_INT(f) (add->f != -1 ? add->f : base->f)

void *st_merge_server_conf(apr_pool_t *p, void *basev, void *addv)
{
    const st_server_conf *base = basev, *add = addv;
    st_server_conf *c = apr_pcalloc(p, sizeof(*c));

    c->connection_uri = ST_MERGE_PTR(connection_uri);
    c->core_urls = ST_MERGE_PTR(core_urls);
    c->api_key = ST_MERGE_PTR(api_key);
    c->core_ca_file = ST_MERGE_PTR(core_ca_file);
    c->core_connect_timeout = ST_MERGE_INT(core_connect_timeout);
    c->core_io_timeout = ST_MERGE_INT(core_io_timeout);
    c->jwks_refresh_interval = ST_MERGE_INT(jwks_refresh_interval);
    c->dynamic_signing_key = ST_MERGE_INT(dynamic_signing_key);
    c->app_name = ST_MERGE_PTR(app_name);
    c->api_domain = ST_MERGE_PTR(api_domain);
    c->website_domain = ST_MERGE_PTR(website_domain);
    c->api_base_path = ST_MERGE_PTR(api_base_path);
    c->website_base_path = ST_MERGE_PTR(website_base_path);
    c->cookie_domain_set = add->cookie_domain_set || base->cookie_domain_set;
    c->cookie_domain = add->cookie_domain_set ? add->cookie_domain : base->cookie_domain;
    c->cookie_secure = ST_MERGE_INT(cookie_secure);
    c->cookie_same_site = ST_MERGE_INT(cookie_same_site);
    c->same_site_resolved = -1;
    c->anti_csrf = ST_MERGE_INT(anti_csrf);
    c->access_token_path = ST_MERGE_PTR(access_token_path);
    c->recipes = ST_MERGE_INT(recipes);
    c->reset_delivery = ST_MERGE_INT(reset_delivery);
    c->reset_command = ST_MERGE_PTR(reset_command);
    c->login_page = ST_MERGE_INT(login_page);
    c->sign_up = ST_MERGE_INT(sign_up);
    c->sign_up_domains = ST_MERGE_PTR(sign_up_domains);
    c->email_claim = ST_MERGE_INT(email_claim);
    c->page_css = ST_MERGE_PTR(page_css);
    c->rsa_acceleration = ST_MERGE_INT(rsa_acceleration);
    c->verify_cache_entries = ST_MERGE_INT(verify_cache_entries);
    c->ev_mode = ST_MERGE_INT(ev_mode);
    c->ev_delivery = ST_MERGE_INT(ev_delivery);
    c->ev_command = ST_MERGE_PTR(ev_command);
    c->tp_providers = ST_MERGE_PTR(tp_providers);
    c->proxy_host = ST_MERGE_PTR(proxy_host);
    c->proxy_port = add->proxy_host ? add->proxy_port : base->proxy_port;
    c->provider_ca_file = ST_MERGE_PTR(provider_ca_file);
    c->provider_connect_timeout = ST_MERGE_INT(provider_connect_timeout);
    c->provider_io_timeout = ST_MERGE_INT(provider_io_timeout);
    c->pl_contact = ST_MERGE_INT(pl_contact);
    c->pl_flow = ST_MERGE_INT(pl_flow);
    c->pl_delivery = ST_MERGE_INT(pl_delivery);
    c->pl_email_command = ST_MERGE_PTR(pl_email_command);
    c->pl_sms_command = ST_MERGE_PTR(pl_sms_command);
    return c;
}

void *st_create_dir_conf(apr_pool_t *p, char *dir)
{
    st_dir_conf *c = apr_pcalloc(p, sizeof(*c));
    (void)dir;
    c->session_required = -1;
    c->check_database = -1;
    c->anti_csrf_check = -1;
    c->pass_claims_as = -1;
    c->unauth_action = ST_UNAUTH_UNSET;
    c->cache_private = -1;
    c->roles_max_age = -1;
    c->verified_max_age = -1;
    c->unverified_refetch = -1;
    return c;
}

void *st_merge_dir_conf(apr_pool_t *p, void *basev, void *addv)
{
    const st_dir_conf *base = basev, *add = addv;
    st_dir_conf *c = apr_pcalloc(p, sizeof(*c));

    c->session_required = ST_MERGE_INT(session_required);
    c->check_database = ST_MERGE_INT(check_database);
    c->anti_csrf_check = ST_MERGE_INT(anti_csrf_check);
    c->remote_user_claim = ST_MERGE_PTR(remote_user_claim);
    c->pass_claims_as = ST_MERGE_INT(pass_claims_as);
    c->claim_prefix = ST_MERGE_PTR(claim_prefix);
    c->unauth_action = ST_MERGE_INT(unauth_action);
    c->cache_private = ST_MERGE_INT(cache_private);
    c->roles_max_age = ST_MERGE_INT(roles_max_age);
    c->verified_max_age = ST_MERGE_INT(verified_max_age);
    c->unverified_refetch = ST_MERGE_INT(unverified_refetch);
    return c;
}

st_server_conf *st_server_conf_get(server_rec *s)
{
    return ap_get_module_config(s->module_config, &supertokens_module);
}

st_dir_conf *st_dir_conf_get(request_rec *r)
{
    return ap_get_module_config(r->per_dir_config, &supertokens_module);
}

/* ---------- getters ---------- */

const char *st_cfg_api_base_path(const st_server_conf *sc)
{
    return sc->api_base_path ? sc->api_base_path : ST_DEFAULT_BASE_PATH;
}

const char *st_cfg_website_base_path(const st_server_conf *sc)
{
    return sc->website_base_path ? sc->website_base_path : ST_DEFAULT_BASE_PATH;
}

const char *st_cfg_access_token_path(const st_server_conf *sc)
{
    return sc->access_token_path ? sc->access_token_path : "/";
}

int st_cfg_cookie_secure(const st_server_conf *sc)
{
    if (sc->cookie_secure != -1)
        return sc->cookie_secure;
    /* supertokens-node: secure by default iff apiDomain starts with https */
    return sc->api_domain != NULL && strncmp(sc->api_domain, "https", 5) == 0;
}

st_samesite st_cfg_same_site(const st_server_conf *sc)
{
    if (sc->cookie_same_site != ST_SAMESITE_UNSET)
        return sc->cookie_same_site;
    if (sc->same_site_resolved != -1)
        return sc->same_site_resolved;
    if (sc->api_domain == NULL || sc->website_domain == NULL)
        return ST_SAMESITE_LAX;
    /* not cached yet (config time): reads the public suffix list */
    return st_domains_same_site(sc->api_domain, sc->website_domain)
        ? ST_SAMESITE_LAX : ST_SAMESITE_NONE;
}

st_anti_csrf st_cfg_anti_csrf(const st_server_conf *sc)
{
    if (sc->anti_csrf != ST_ANTICSRF_UNSET)
        return sc->anti_csrf;
    return st_cfg_same_site(sc) == ST_SAMESITE_NONE
        ? ST_ANTICSRF_VIA_CUSTOM_HEADER : ST_ANTICSRF_NONE;
}

int st_cfg_verify_cache_entries(const st_server_conf *main_sc, int threaded)
{
    if (main_sc->verify_cache_entries >= 0)
        return main_sc->verify_cache_entries;
    return threaded ? ST_VERIFY_CACHE_DEFAULT : ST_VERIFY_CACHE_DEFAULT_PREFORK;
}

apr_interval_time_t st_cfg_jwks_refresh_interval(const st_server_conf *sc)
{
    return sc->jwks_refresh_interval != -1 ? sc->jwks_refresh_interval : ST_DEFAULT_JWKS_REFRESH;
}

/* useDynamicAccessTokenSigningKey defaults to true in supertokens-node */
int st_cfg_dynamic_signing_key(const st_server_conf *sc)
{
    return sc->dynamic_signing_key != 0;
}

apr_interval_time_t st_cfg_core_connect_timeout(const st_server_conf *sc)
{
    return sc->core_connect_timeout != -1 ? sc->core_connect_timeout : ST_DEFAULT_CONNECT_TMO;
}

apr_interval_time_t st_cfg_core_io_timeout(const st_server_conf *sc)
{
    return sc->core_io_timeout != -1 ? sc->core_io_timeout : ST_DEFAULT_IO_TMO;
}

int st_cfg_recipes(const st_server_conf *sc)
{
    return sc->recipes != -1 ? sc->recipes : (ST_RECIPE_SESSION | ST_RECIPE_EMAILPASSWORD);
}

int st_cfg_ev_required(const st_server_conf *sc)
{
    return sc->ev_mode == ST_EV_REQUIRED && (st_cfg_recipes(sc) & ST_RECIPE_EMAILVERIFICATION);
}

int st_cfg_pl_contact(const st_server_conf *sc)
{
    return sc->pl_contact != -1 ? sc->pl_contact : ST_PL_CONTACT_EMAIL;
}

int st_cfg_pl_flow(const st_server_conf *sc)
{
    return sc->pl_flow != -1 ? sc->pl_flow : ST_PL_FLOW_CODE_AND_LINK;
}

const char *st_pl_contact_name(int contact)
{
    return contact == ST_PL_CONTACT_PHONE ? "PHONE"
         : contact == ST_PL_CONTACT_EMAIL_OR_PHONE ? "EMAIL_OR_PHONE" : "EMAIL";
}

const char *st_pl_flow_name(int flow)
{
    return flow == ST_PL_FLOW_MAGIC_LINK ? "MAGIC_LINK"
         : flow == ST_PL_FLOW_USER_INPUT_CODE ? "USER_INPUT_CODE" : "USER_INPUT_CODE_AND_MAGIC_LINK";
}

int st_cfg_pl_sign_up_allows(const st_server_conf *sc, const char *email, const char *phone)
{
    if (email)
        return st_cfg_sign_up_allows(sc, email);
    return phone && st_cfg_sign_up(sc) && sc->sign_up_domains == NULL;
}

int st_cfg_login_page(const st_server_conf *sc)
{
    return sc->login_page == 1;
}

int st_cfg_sign_up(const st_server_conf *sc)
{
    return sc->sign_up != 0;
}

int st_cfg_email_claim(const st_server_conf *sc)
{
    return sc->email_claim == 1;
}

int st_cfg_sign_up_allows(const st_server_conf *sc, const char *email)
{
    if (!st_cfg_sign_up(sc))
        return 0;
    return sc->sign_up_domains == NULL || st_email_domain_listed(sc->sign_up_domains, email);
}

int st_dcfg_session_required(const st_dir_conf *dc)
{
    return dc->session_required != -1 ? dc->session_required : 1;
}

int st_dcfg_check_database(const st_dir_conf *dc)
{
    return dc->check_database != -1 ? dc->check_database : 0;
}

const char *st_dcfg_remote_user_claim(const st_dir_conf *dc)
{
    return dc->remote_user_claim ? dc->remote_user_claim : "sub";
}

int st_dcfg_pass_claims_as(const st_dir_conf *dc)
{
    return dc->pass_claims_as != -1 ? dc->pass_claims_as : ST_PASS_ENV;
}

const char *st_dcfg_claim_prefix(const st_dir_conf *dc)
{
    return dc->claim_prefix ? dc->claim_prefix : ST_DEFAULT_CLAIM_PREFIX;
}

int st_dcfg_cache_private(const st_dir_conf *dc)
{
    return dc->cache_private != 0;
}

apr_interval_time_t st_dcfg_roles_max_age(const st_dir_conf *dc)
{
    return dc->roles_max_age != -1 ? dc->roles_max_age : ST_DEFAULT_ROLES_MAX_AGE;
}

apr_interval_time_t st_dcfg_verified_max_age(const st_dir_conf *dc)
{
    return dc->verified_max_age != -1 ? dc->verified_max_age : ST_MAX_AGE_OFF;
}

apr_interval_time_t st_dcfg_unverified_refetch(const st_dir_conf *dc)
{
    return dc->unverified_refetch != -1 ? dc->unverified_refetch : ST_DEFAULT_UNVERIFIED_REFETCH;
}

st_unauth_action st_dcfg_unauth_action(const st_dir_conf *dc)
{
    return dc->unauth_action != ST_UNAUTH_UNSET ? dc->unauth_action : ST_UNAUTH_401;
}

const char *st_same_site_name(st_samesite v)
{
    switch (v) {
    case ST_SAMESITE_STRICT: return "Strict";
    case ST_SAMESITE_NONE: return "None";
    default: return "Lax";
    }
}

const char *st_anti_csrf_name(st_anti_csrf v)
{
    switch (v) {
    case ST_ANTICSRF_VIA_TOKEN: return "VIA_TOKEN";
    case ST_ANTICSRF_VIA_CUSTOM_HEADER: return "VIA_CUSTOM_HEADER";
    default: return "NONE";
    }
}

/* ---------- cross-directive checks (check_config hook) ---------- */

const char *st_config_vhost_name(apr_pool_t *p, const server_rec *s)
{
    return apr_psprintf(p, "%s:%u", s->server_hostname ? s->server_hostname : "(main)", (unsigned)s->port);
}

const char *st_config_check_server(apr_pool_t *p, server_rec *s, st_server_conf *sc)
{
    const char *where = st_config_vhost_name(p, s);
    if (sc->core_urls == NULL)
        return NULL;   /* module not used on this vhost */
    if (sc->api_domain == NULL)
        return apr_psprintf(p, "SuperTokensAPIDomain must be set where SuperTokensConnectionURI is (%s)",
                            where);
    if (sc->website_domain == NULL)
        return apr_psprintf(p, "SuperTokensWebsiteDomain must be set where SuperTokensConnectionURI is "
                            "(%s)", where);
    if (sc->ev_mode == ST_EV_REQUIRED && !(st_cfg_recipes(sc) & ST_RECIPE_EMAILVERIFICATION))
        return apr_psprintf(p, "SuperTokensEmailVerification required needs emailverification in "
                            "SuperTokensRecipes (%s)", where);
    /* Resolve the SameSite default once: it reads the public suffix list. */
    sc->same_site_resolved = st_cfg_same_site(sc);
    /* Browsers drop SameSite=None cookies without Secure; supertokens-node refuses the same
     * combination unless both sites are localhost/IP. */
    if (st_cfg_same_site(sc) == ST_SAMESITE_NONE && !st_cfg_cookie_secure(sc)
        && !(st_domain_is_local(sc->api_domain) && st_domain_is_local(sc->website_domain)))
        return apr_psprintf(p, "SuperTokensCookieSameSite: SameSite=None needs SuperTokensCookieSecure On "
                            "unless both SuperTokensAPIDomain and SuperTokensWebsiteDomain are localhost "
                            "or an IP address (%s%s)", where,
                            sc->cookie_same_site == ST_SAMESITE_UNSET
                            ? "; None is the default because the API and website are cross-site" : "");
    return NULL;
}

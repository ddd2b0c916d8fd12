/*
 * config.h: the module's configuration records and their getters.
 *
 * Owns: the server (vhost) record st_server_conf, the per-directory record st_dir_conf,
 * their create/merge functions, the directive handlers and the getters that apply
 * supertokens-node's defaults (protocol.md §1.4, §1.7). Every member starts "unset"
 * (-1 or NULL) so a child inherits what it did not set; defaults live in the getters.
 */
#ifndef ST_CONFIG_H
#define ST_CONFIG_H

#include "httpd.h"
#include "http_config.h"
#include "apr_tables.h"

/* One SuperTokens core base URL out of SuperTokensConnectionURI (';'-separated). */
typedef struct {
    const char *url;        /* as written, without a trailing slash */
    const char *scheme;     /* "http" or "https" */
    const char *host;       /* host name or IP literal (no brackets) */
    apr_port_t port;        /* explicit or 80/443 */
    const char *base_path;  /* "" or "/some/base" (may end in /appid-<id>), no trailing '/' */
    int is_tls;
} st_core_url;

typedef enum {
    ST_SAMESITE_UNSET = -1,
    ST_SAMESITE_LAX = 0,
    ST_SAMESITE_STRICT = 1,
    ST_SAMESITE_NONE = 2
} st_samesite;

typedef enum {
    ST_ANTICSRF_UNSET = -1,
    ST_ANTICSRF_NONE = 0,
    ST_ANTICSRF_VIA_TOKEN = 1,
    ST_ANTICSRF_VIA_CUSTOM_HEADER = 2
} st_anti_csrf;

/* Bits of SuperTokensRecipes. */
#define ST_RECIPE_SESSION       0x1
#define ST_RECIPE_EMAILPASSWORD 0x2
#define ST_RECIPE_USERROLES     0x4   /* st-role and st-perm claims */
#define ST_RECIPE_EMAILVERIFICATION 0x8   /* st-ev claim and the email verification API */
#define ST_RECIPE_THIRDPARTY    0x10  /* social and enterprise sign-in (issue 19) */
#define ST_RECIPE_PASSWORDLESS  0x20  /* sign-in with a magic link or a one-time code */

/* SuperTokensPasswordlessContactMethod (supertokens-node's contactMethod): bits of what a user
 * may give; EMAIL_OR_PHONE is both. */
#define ST_PL_CONTACT_EMAIL          0x1
#define ST_PL_CONTACT_PHONE          0x2
#define ST_PL_CONTACT_EMAIL_OR_PHONE (ST_PL_CONTACT_EMAIL | ST_PL_CONTACT_PHONE)

/* SuperTokensPasswordlessFlowType (flowType): bits of what a message carries. */
#define ST_PL_FLOW_MAGIC_LINK        0x1
#define ST_PL_FLOW_USER_INPUT_CODE   0x2
#define ST_PL_FLOW_CODE_AND_LINK     (ST_PL_FLOW_MAGIC_LINK | ST_PL_FLOW_USER_INPUT_CODE)

/* Bits of SuperTokensPassClaimsAs. */
#define ST_PASS_ENV     0x1
#define ST_PASS_HEADERS 0x2

typedef enum {
    ST_UNAUTH_UNSET = -1,
    ST_UNAUTH_401 = 1,       /* the SDK's 401 answers (default) */
    ST_UNAUTH_REDIRECT = 2,  /* browser navigations go to the login page; API-like calls get 401 */
    ST_UNAUTH_PASS = 3       /* go on anonymously */
} st_unauth_action;

typedef struct {
    /* core */
    const char *connection_uri;          /* the directive's raw value */
    apr_array_header_t *core_urls;       /* of st_core_url; NULL when unset */
    const char *api_key;
    const char *core_ca_file;
    apr_interval_time_t core_connect_timeout;  /* -1 unset; default 5 s */
    apr_interval_time_t core_io_timeout;       /* -1 unset; default 10 s */
    apr_interval_time_t jwks_refresh_interval; /* -1 unset; default 4 h */
    int dynamic_signing_key;             /* -1 unset; default 1: SuperTokensAccessTokenSigningKey,
                                          * supertokens-node's useDynamicAccessTokenSigningKey */

    /* app info */
    const char *app_name;
    const char *api_domain;              /* normalised origin: scheme://host[:port] */
    const char *website_domain;          /* normalised origin */
    const char *api_base_path;           /* NULL unset; default "/auth" */
    const char *website_base_path;       /* NULL unset; default "/auth" */

    /* cookies and CSRF */
    const char *cookie_domain;           /* normalised; NULL = no Domain attribute */
    int cookie_domain_set;
    int cookie_secure;                   /* -1 unset; default: api_domain is https */
    int cookie_same_site;                /* st_samesite */
    int same_site_resolved;              /* default computed once by check_config; -1 before */
    int anti_csrf;                       /* st_anti_csrf */
    const char *access_token_path;       /* NULL unset; default "/" */

    int recipes;                         /* -1 unset; default session|emailpassword */

    /* EmailPassword */
    int reset_delivery;                  /* -1 unset; ST_RESET_LOG (default) or ST_RESET_LOG_FULL */
    const char *reset_command;           /* program that delivers reset links; NULL: log */
    int login_page;                      /* -1 unset; default 0: serve the built-in login page */

    /* EmailVerification */
    int ev_mode;                         /* -1 unset; ST_EV_OPTIONAL (default) or ST_EV_REQUIRED */
    int ev_delivery;                     /* -1 unset; ST_RESET_LOG (default) or ST_RESET_LOG_FULL */
    const char *ev_command;              /* program that delivers verification links; NULL: log */

    /* Apps without a JavaScript frontend (issue 15) */
    int sign_up;                         /* -1 unset; default 1: the sign-up API is open */
    apr_array_header_t *sign_up_domains; /* of const char * (lower case, ".x" = x and below);
                                          * NULL: any email may sign up */
    int email_claim;                     /* -1 unset; default 0: sessions the module creates
                                          * carry an "email" claim */
    const char *page_css;                /* SuperTokensPageStylesheet's content, read at config
                                          * time; NULL: only the built-in style */

    /* ThirdParty (issue 19, config/thirdparty_conf.c) */
    apr_array_header_t *tp_providers;    /* of st_tp_provider *; NULL: none configured */
    const char *proxy_host;              /* SuperTokensOutgoingProxy; NULL: direct */
    apr_port_t proxy_port;
    const char *provider_ca_file;        /* SuperTokensProviderCA; NULL: the system store */
    apr_interval_time_t provider_connect_timeout;  /* -1 unset; default 5 s */
    apr_interval_time_t provider_io_timeout;       /* -1 unset; default 10 s */
    /* Passwordless (issue 20) */
    int pl_contact;                      /* -1 unset; default ST_PL_CONTACT_EMAIL */
    int pl_flow;                         /* -1 unset; default ST_PL_FLOW_CODE_AND_LINK */
    int pl_delivery;                     /* -1 unset; ST_RESET_LOG (default) or ST_RESET_LOG_FULL */
    const char *pl_email_command;        /* program that delivers sign-in emails; NULL: log */
    const char *pl_sms_command;          /* program that delivers sign-in text messages; NULL: log */

    /* Per process, not configuration: this server's JWKS cache (jwks.c), set in child_init so
     * a request does not look it up; NULL before, and without SuperTokensConnectionURI. */
    struct st_jwks_cache *jwks_cache;

    /* Global (main server only) */
    int rsa_acceleration;                /* -1 unset; default 1: AVX-512 IFMA RS256 checks where
                                          * the CPU has it (rsa_ifma.c), 0: OpenSSL only */
    int verify_cache_entries;            /* -1 unset; default ST_VERIFY_CACHE_DEFAULT; 0: Off */
} st_server_conf;

/* SuperTokensVerifyCache: tokens remembered per process (core/vcache.c), ~4 KiB each. The
 * default follows the MPM: a threaded process (event, worker) serves many users at once; a
 * prefork child serves one request at a time, and there are many of them. */
#define ST_VERIFY_CACHE_DEFAULT          4096
#define ST_VERIFY_CACHE_DEFAULT_PREFORK  256
#define ST_VERIFY_CACHE_MAX     1000000

#define ST_RESET_LOG      0
#define ST_RESET_LOG_FULL 1

#define ST_EV_OPTIONAL 0
#define ST_EV_REQUIRED 1

/* A claim max age that is never reached (SuperTokensRolesMaxAge Off...). */
#define ST_MAX_AGE_OFF ((apr_interval_time_t)-2)

typedef struct {
    int session_required;                /* -1 unset; default 1 */
    int check_database;                  /* -1 unset; default 0 */
    int anti_csrf_check;                 /* -1 unset = by method (not GET); 0/1 forced */
    const char *remote_user_claim;       /* NULL unset; default "sub" */
    int pass_claims_as;                  /* -1 unset; default ST_PASS_ENV */
    const char *claim_prefix;            /* NULL unset; default "SUPERTOKENS_CLAIM_" */
    int unauth_action;                   /* st_unauth_action */
    int cache_private;                   /* -1 unset; default 1: Cache-Control: private */
    /* claim refetch (recipe_claims.c): -1 unset, ST_MAX_AGE_OFF, or an age */
    apr_interval_time_t roles_max_age;       /* st-role, st-perm; default 300 s */
    apr_interval_time_t verified_max_age;    /* st-ev when true; default Off (supertokens-node 24) */
    apr_interval_time_t unverified_refetch;  /* st-ev when false; default 10 s */
} st_dir_conf;

int st_cfg_login_page(const st_server_conf *sc);
int st_cfg_sign_up(const st_server_conf *sc);
int st_cfg_email_claim(const st_server_conf *sc);
/* 1 when email (the form's value, trimmed) may sign up here: sign-up is on and, with
 * SuperTokensSignUpEmailDomains, its domain is listed. */
int st_cfg_sign_up_allows(const st_server_conf *sc, const char *email);

extern const command_rec st_directives[];

void *st_create_server_conf(apr_pool_t *p, server_rec *s);
void *st_merge_server_conf(apr_pool_t *p, void *base, void *add);
void *st_create_dir_conf(apr_pool_t *p, char *dir);
void *st_merge_dir_conf(apr_pool_t *p, void *base, void *add);

/* Cross-directive checks run in post_config for every vhost; returns an error text or NULL. */
const char *st_config_check_server(apr_pool_t *p, server_rec *s, st_server_conf *sc);

/* "host:port" of a virtual host ("(main)" without a ServerName), for configtest messages. */
const char *st_config_vhost_name(apr_pool_t *p, const server_rec *s);

st_server_conf *st_server_conf_get(server_rec *s);
st_dir_conf *st_dir_conf_get(request_rec *r);

/* Getters that resolve defaults. */
const char *st_cfg_api_base_path(const st_server_conf *sc);
const char *st_cfg_website_base_path(const st_server_conf *sc);
const char *st_cfg_access_token_path(const st_server_conf *sc);
int st_cfg_cookie_secure(const st_server_conf *sc);
st_samesite st_cfg_same_site(const st_server_conf *sc);
st_anti_csrf st_cfg_anti_csrf(const st_server_conf *sc);
apr_interval_time_t st_cfg_jwks_refresh_interval(const st_server_conf *sc);
/* SuperTokensVerifyCache of the main server: tokens per process, 0 when Off; unset, the
 * default for a threaded MPM or for prefork (threaded 0). */
int st_cfg_verify_cache_entries(const st_server_conf *main_sc, int threaded);
/* 1 for dynamic signing keys (kid d-…, the default), 0 for the static key (s-…): what the core is
 * asked to sign new and refreshed sessions with, and the only kind of v3+ token accepted. */
int st_cfg_dynamic_signing_key(const st_server_conf *sc);
apr_interval_time_t st_cfg_core_connect_timeout(const st_server_conf *sc);
apr_interval_time_t st_cfg_core_io_timeout(const st_server_conf *sc);
int st_cfg_recipes(const st_server_conf *sc);
int st_cfg_ev_required(const st_server_conf *sc);
int st_cfg_pl_contact(const st_server_conf *sc);     /* ST_PL_CONTACT_* */
int st_cfg_pl_flow(const st_server_conf *sc);        /* ST_PL_FLOW_* */
const char *st_pl_contact_name(int contact);         /* "EMAIL", "PHONE", "EMAIL_OR_PHONE" */
const char *st_pl_flow_name(int flow);               /* "MAGIC_LINK", ... as supertokens-node names them */
/* 1 when a passwordless user may be created for this contact: sign-up is on and, with
 * SuperTokensSignUpEmailDomains, it is an email of a listed domain (a phone number has none). */
int st_cfg_pl_sign_up_allows(const st_server_conf *sc, const char *email, const char *phone);

int st_dcfg_session_required(const st_dir_conf *dc);
int st_dcfg_check_database(const st_dir_conf *dc);
const char *st_dcfg_remote_user_claim(const st_dir_conf *dc);
int st_dcfg_pass_claims_as(const st_dir_conf *dc);
const char *st_dcfg_claim_prefix(const st_dir_conf *dc);
st_unauth_action st_dcfg_unauth_action(const st_dir_conf *dc);
int st_dcfg_cache_private(const st_dir_conf *dc);
apr_interval_time_t st_dcfg_roles_max_age(const st_dir_conf *dc);
apr_interval_time_t st_dcfg_verified_max_age(const st_dir_conf *dc);
apr_interval_time_t st_dcfg_unverified_refetch(const st_dir_conf *dc);

/* Every SuperTokensClaimPrefix set anywhere in the configuration (NULL when none is). */
const apr_array_header_t *st_cfg_claim_prefixes(void);
/* The reserved environment name or family a claim prefix could spell, or NULL if none. */
const char *st_claim_prefix_reserved(const char *prefix);

const char *st_same_site_name(st_samesite v);   /* "Lax", "Strict", "None" */
const char *st_anti_csrf_name(st_anti_csrf v);  /* "VIA_TOKEN", ... */

#endif

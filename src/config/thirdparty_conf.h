/*
 * thirdparty_conf.h: the ThirdParty recipe's configuration (issue 19): sign-in providers
 * (SuperTokensThirdPartyProvider), the outgoing proxy, the providers' CA and timeouts. The
 * handlers validate each value when the configuration is read; st_tp_check_server checks each
 * provider as a whole (configtest). Secrets (client_secret_file, private_key_file) are read
 * then, kept in the configuration pool and never logged.
 */
#ifndef ST_THIRDPARTY_CONF_H
#define ST_THIRDPARTY_CONF_H

#include "httpd.h"
#include "http_config.h"
#include "apr_tables.h"

#include "config/config.h"

/* Which of supertokens-node's built-in providers an id selects (its createProvider: by prefix). */
typedef enum {
    ST_TP_CUSTOM = 0,   /* OpenID Connect from discovery=, or explicit endpoints */
    ST_TP_GOOGLE,
    ST_TP_GITHUB,
    ST_TP_APPLE
} st_tp_kind;

typedef struct {
    const char *id;                   /* thirdPartyId */
    st_tp_kind kind;
    const char *name;                 /* NULL: the built-in's ("Google", "Github", "Apple") */
    const char *client_id;
    const char *client_secret;        /* inline or from client_secret_file; never logged */
    const char *scope;                /* space-separated; NULL: the built-in's default */
    apr_array_header_t *auth_params;  /* of st_tp_param: authorizationEndpointQueryParams */
    const char *discovery;            /* oidcDiscoveryEndpoint */
    const char *issuer;               /* the ID token's iss; default: the discovery document's */
    const char *authorization_endpoint;
    const char *token_endpoint;
    const char *userinfo_endpoint;
    const char *jwks_uri;
    const char *user_id_field;        /* userInfoMap (both sources); NULL: the SDK's defaults */
    const char *email_field;
    const char *email_verified_field;
    int force_pkce;                   /* -1 unset */
    int all_tenants;                  /* includeInNonPublicTenantsByDefault; -1 unset */
    const char *team_id;              /* Apple: the client secret is an ES256 JWT made from these */
    const char *key_id;
    const char *private_key;          /* PEM text from private_key_file; never logged */
} st_tp_provider;

typedef struct {
    const char *key;
    const char *value;                /* NULL: remove the parameter (the SDK's null) */
} st_tp_param;

const char *st_tp_set_provider(cmd_parms *cmd, void *d, const char *args);
const char *st_tp_set_proxy(cmd_parms *cmd, void *d, const char *arg);
const char *st_tp_set_ca(cmd_parms *cmd, void *d, const char *arg);
const char *st_tp_set_timeout(cmd_parms *cmd, void *d, const char *args);

/* The providers of virtual host s as a whole (check_config, after st_config_check_server): an
 * error text naming the directive and the vhost, or NULL. */
const char *st_tp_check_server(apr_pool_t *p, const server_rec *s, const st_server_conf *sc);

/* The provider configured with id on sc, or NULL. */
const st_tp_provider *st_tp_find(const st_server_conf *sc, const char *id);

/* 1 when url may be called: https://, or http:// to a loopback host (tests, local IdPs). */
int st_tp_url_allowed(apr_pool_t *p, const char *url);

#endif

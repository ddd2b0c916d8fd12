/*
 * tp_provider.h: the ThirdParty recipe's providers as supertokens-node 24 resolves them
 * (recipeImplementation getProvider, providers/configUtils.ts, the built-ins google.ts,
 * github.ts, apple.ts and custom.ts): the tenant's providers from the core merged with the
 * configured ones, the client chosen, the built-in's defaults, the endpoints completed from the
 * OpenID Connect discovery document. Internal to api/ (thirdparty.c, thirdparty_flow.c).
 */
#ifndef ST_API_TP_PROVIDER_H
#define ST_API_TP_PROVIDER_H

#include "httpd.h"
#include <jansson.h>

#include "config/thirdparty_conf.h"

typedef struct {
    const char *id;
    const char *name;                  /* may be NULL (a custom provider without one) */
    st_tp_kind kind;
    const char *client_id;
    const char *client_secret;         /* NULL: a public client (PKCE) */
    const char *scope;                 /* space-joined; NULL: none */
    const json_t *auth_params;         /* authorizationEndpointQueryParams (string or null values) */
    const json_t *token_body_params;   /* tokenEndpointBodyParams */
    const char *authorization_endpoint;
    const char *token_endpoint;
    const char *userinfo_endpoint;
    const char *jwks_uri;
    const char *issuer;                /* expected iss of ID tokens */
    int pkce;                          /* send PKCE: no secret, forcePKCE or S256 supported */
    const json_t *user_info_map;       /* {fromIdTokenPayload:{userId,email,emailVerified}, fromUserInfoAPI:{…}} */
} st_provider;

/* The tenant's providers merged as the SDK merges them (JSON configs in the SDK's shape).
 * OK with *list, or DONE after an answer (the core failed or the tenant is unknown). */
int st_tp_merged_providers(request_rec *r, const char *tenant, json_t **list);

/* The display name of a merged config (the built-in's default when it has none); NULL if none. */
const char *st_tp_config_name(const json_t *config);

/* Resolve provider id of tenant for clientType (NULL: exactly one client): OK with *out, DONE
 * after an answer (400 unknown provider, the core or the discovery document failed). */
int st_tp_resolve(request_rec *r, const char *tenant, const char *id, const char *client_type,
                  st_provider *out);

#endif

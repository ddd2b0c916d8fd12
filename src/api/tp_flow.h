/*
 * tp_flow.h: what sign-in-up asks of a provider (supertokens-node's custom.ts and github.ts):
 * the code exchange at the token endpoint, the ID token checked against the provider's JWKS,
 * the user-info API, and the SDK's mapping to {thirdPartyUserId, email, isVerified}. Internal
 * to api/ (thirdparty.c). Failures come back as a short text for the log (never a token, code,
 * secret or reply body) and the route answers GENERAL_ERROR.
 */
#ifndef ST_API_TP_FLOW_H
#define ST_API_TP_FLOW_H

#include "httpd.h"
#include <jansson.h>

#include "api/tp_provider.h"

typedef struct {
    const char *user_id;       /* thirdPartyUserId */
    const char *email;         /* NULL: the provider gave none */
    int email_verified;
} st_tp_user;

/* application/x-www-form-urlencoded, as URLSearchParams writes it. */
const char *st_tp_form_encode(apr_pool_t *p, const char *s);

/* exchangeAuthCodeForOAuthTokens: *tokens is the token endpoint's JSON reply. */
const char *st_tp_exchange_code(request_rec *r, const st_provider *pv, const json_t *redirect_info,
                                json_t **tokens);

/* getUserInfo and the user-info map; nonce (may be NULL) is what the ID token must carry. */
const char *st_tp_user_info(request_rec *r, const st_provider *pv, const json_t *tokens, const char *nonce,
                            st_tp_user *out);

#endif

/*
 * claims.h: what the verified session tells the application, and the scrubbing that keeps
 * clients from faking it.
 *
 * Environment (CGI, PHP): SUPERTOKENS_USER_ID, SUPERTOKENS_SESSION_HANDLE,
 * SUPERTOKENS_TENANT_ID, SUPERTOKENS_ACCESS_TOKEN_PAYLOAD (JSON) and <prefix><claim> per
 * top-level claim. Request headers (proxied apps, SuperTokensPassClaimsAs headers|both):
 * the same names with '-' for '_'. Strings pass as they are; numbers, booleans, null,
 * arrays and objects as compact JSON.
 */
#ifndef ST_CLAIMS_H
#define ST_CLAIMS_H

#include "httpd.h"
#include <jansson.h>

#define ST_ENV_PREFIX "SUPERTOKENS_"

/* Remove client-sent headers whose names (compared in environment form: upper case,
 * '-' as '_') start with SUPERTOKENS_ or with the directory's claim prefix. Every request. */
void st_claims_scrub_request(request_rec *r);

/* Publish a verified session. payload_json: the payload's JSON text when the caller has it
 * (the token's own bytes), else NULL and it is serialised from payload. */
void st_claims_publish(request_rec *r, const char *user_id, const char *session_handle,
                       const char *tenant_id, const json_t *payload, const char *payload_json);

/* The value of a top-level claim as text (strings raw, others as JSON); NULL if absent. */
const char *st_claim_text(apr_pool_t *p, const json_t *payload, const char *name);

#endif

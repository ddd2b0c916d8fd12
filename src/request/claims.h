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
#include "token/json_scan.h"
#include "token/jwt.h"
#include "core/vcache.h"

#define ST_ENV_PREFIX "SUPERTOKENS_"

/* Remove client-sent headers whose names (compared in environment form: upper case,
 * '-' as '_') start with SUPERTOKENS_, with this location's claim prefix or with any
 * SuperTokensClaimPrefix of the configuration, and log each. Every main request. */
void st_claims_scrub_request(request_rec *r);
/* The same removal without log lines: for sub-requests and internal redirects, whose
 * headers may hold what the module itself set for the first request. */
void st_claims_scrub_quietly(request_rec *r);

/* Publish a verified token: the fixed SUPERTOKENS_* values and one variable (and header) per
 * top-level claim, read from the scanner's members so no JSON tree is built on this path.
 * With `cached`, the verification cache's entry jwt was lent from, the names and texts are
 * worked out once per entry and kept with it (st_vcache_attach); NULL works them out now. */
void st_claims_publish(request_rec *r, const st_jwt *jwt, st_vcache_entry *cached);

/* The top-level claims of a verified token: the payload's (v3+) or userData's (legacy tokens;
 * none when userData is not an object). */
const st_js_object *st_claims_of(apr_pool_t *p, const st_jwt *jwt);

/* The value of a top-level claim as published (strings raw, others as JSON); NULL if absent. */
const char *st_claim_text(apr_pool_t *p, const st_jwt *jwt, const char *name);

#endif

/*
 * jwks.h: the per-process cache of the core's signing keys (GET /.well-known/jwks.json).
 *
 * One cache per distinct SuperTokensConnectionURI. A fetched key set is used for
 * SuperTokensJWKSRefreshInterval; a token with an unknown kid forces one refetch, at most
 * once per ST_JWKS_COOLDOWN, so a flood of bogus kids cannot hammer the core. Key sets are
 * reference-counted: a verifying thread holds its set while a refetch replaces it.
 */
#ifndef ST_JWKS_H
#define ST_JWKS_H

#include "httpd.h"
#include "token/jwk.h"

#define ST_JWKS_COOLDOWN apr_time_from_sec(2)

typedef struct st_jwks_set st_jwks_set;

/* Create the process-wide caches (child_init). */
apr_status_t st_jwks_child_init(apr_pool_t *pchild, server_rec *s);

/*
 * Acquire the current key set of r's vhost, fetching it when missing or stale, or when
 * `kid` is given and not in it (throttled). Returns NULL when no key set could be had
 * (*fail_status = 503 when the core could not be reached, 500 when it refused or answered
 * wrongly). Release with st_jwks_release.
 */
st_jwks_set *st_jwks_acquire(request_rec *r, const char *kid, int *fail_status);
void st_jwks_release(st_jwks_set *set);

/* The keys of an acquired set (array of st_jwk). */
const apr_array_header_t *st_jwks_keys(const st_jwks_set *set);

#endif

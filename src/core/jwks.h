/*
 * jwks.h: the per-process cache of the core's signing keys (GET /.well-known/jwks.json).
 *
 * One cache per distinct SuperTokensConnectionURI. A fetched key set is used for
 * SuperTokensJWKSRefreshInterval; a token with an unknown kid forces one refetch. Fetches run
 * in one fetcher thread per cache and process, so at most one is in flight; a new one starts
 * at the earliest ST_JWKS_COOLDOWN after the end of the last one (supertokens-node's JWKS
 * cooldown), so a flood of bogus kids or a dead core costs the core one fetch per process per
 * cooldown. A request whose kid is in the current set never waits, even when the set is stale
 * (the refresh runs behind it); one with an unknown kid waits for the fetch in flight, never
 * for a second one. Key sets are reference-counted: a verifying thread holds its set while a
 * refetch replaces it.
 */
#ifndef ST_JWKS_H
#define ST_JWKS_H

#include "httpd.h"
#include "token/jwk.h"

#define ST_JWKS_COOLDOWN apr_time_from_msec(500)

typedef struct st_jwks_set st_jwks_set;

/* Create the process-wide caches (child_init); their fetcher threads stop at child exit. */
apr_status_t st_jwks_child_init(apr_pool_t *pchild, server_rec *s);

/*
 * Acquire the current key set of r's vhost. With `kid` in it (or kid NULL), at once; a stale
 * set is refreshed in the background. Otherwise (no set yet, or kid unknown) after the fetch
 * in flight or one started now (cooldown permitting); the set returned may still lack the kid
 * (the caller answers try refresh token). Returns NULL when no key set could be had
 * (*fail_status = 503 when the core could not be reached, 500 when it refused or answered
 * wrongly). Release with st_jwks_release.
 */
st_jwks_set *st_jwks_acquire(request_rec *r, const char *kid, int *fail_status);
void st_jwks_release(st_jwks_set *set);

/* The keys of an acquired set (array of st_jwk). */
const apr_array_header_t *st_jwks_keys(const st_jwks_set *set);

/* Which fetch of its cache a set came from: 1, 2, ... (a refetch gives a new number even when
 * the keys did not change). */
apr_uint32_t st_jwks_generation(const st_jwks_set *set);

/*
 * For the verification cache: may a token verified with key `kid` of set *generation still be
 * accepted without checking its signature again? 1 when that set is still the current one, or
 * when a later set still lists kid (*generation then moves to it); 0 once the key has left
 * the JWKS (or there are no keys). The first case is a lock-free read. A set older than
 * SuperTokensJWKSRefreshInterval is refetched in the background, as st_jwks_acquire does for
 * a known kid: without that, a server whose tokens all hit the cache would never notice a key
 * leaving the JWKS.
 */
int st_jwks_still_trusts(request_rec *r, const char *kid, apr_uint32_t *generation);

#endif

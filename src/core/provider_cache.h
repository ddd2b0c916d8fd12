/*
 * provider_cache.h: the identity providers' discovery documents and JWKS, fetched with the
 * outbound client (outbound.h) and kept per process by URL (and the virtual host's
 * SuperTokensProviderCA and SuperTokensOutgoingProxy: vhosts that fetch differently share nothing). A document is used for
 * ST_PCACHE_TTL; the JWKS is fetched again at once when an ID token names a key it lacks (key
 * rotation), at most once per ST_PCACHE_COOLDOWN per URL, as the core's JWKS cache throttles
 * unknown kids. A failed fetch keeps the copy it had (logged). The cache keeps the documents'
 * text; each caller parses its own copy (sign-ins are rare, and nothing is shared between
 * threads but bytes).
 */
#ifndef ST_CORE_PROVIDER_CACHE_H
#define ST_CORE_PROVIDER_CACHE_H

#include "httpd.h"
#include "apr_pools.h"

#define ST_PCACHE_TTL       apr_time_from_sec(3600)
#define ST_PCACHE_COOLDOWN  apr_time_from_sec(5)
#define ST_PCACHE_MAX       64

apr_status_t st_pcache_child_init(apr_pool_t *pchild);

/* The document at url (a copy in p, NUL-terminated) fetched now or earlier; refresh: fetch
 * again unless the last refresh of url was less than ST_PCACHE_COOLDOWN ago. NULL on failure with
 * *err set (logged). what names the document in logs ("discovery document of google"). */
const char *st_pcache_get(apr_pool_t *p, server_rec *s, const char *url, const char *what, int refresh,
                          apr_size_t *len, const char **err);

#endif

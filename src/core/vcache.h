/*
 * vcache.h: the per-process verification cache (SuperTokensVerifyCache). Access tokens whose
 * RS256 signature verified are remembered by their exact bytes, so a browser sending the same
 * token for its whole lifetime pays the parse and the RSA check once per process.
 *
 * Only the signature's outcome is remembered: what a request may do with the token (exp to
 * the second, the key still being in the JWKS, static or dynamic key, anti-CSRF,
 * checkDatabase) is decided again on every request by request/verify.c. Entries are shared by
 * the threads of a process through 16 shards, each with its own lock held only for a hash
 * lookup and a move to the front of its least-recently-used list; no global lock is taken on
 * a hit. Each entry is the token's flat copy (token/jwt_copy.h) lent read-only to requests and
 * freed when the last borrower's pool goes, even if it was evicted meanwhile.
 */
#ifndef ST_VCACHE_H
#define ST_VCACHE_H

#include "apr_pools.h"
#include "token/jwt.h"

typedef struct st_vcache_entry st_vcache_entry;

/* Make this process's cache with room for `entries` tokens (0: no cache; every call below is
 * then a no-op or a miss). Freed with pchild. */
apr_status_t st_vcache_child_init(apr_pool_t *pchild, int entries);

/*
 * The entry for exactly token[0..len) verified for `owner` (the JWKS cache of the vhost: two
 * cores never share entries), lent to pool p (released by p's cleanup); NULL on a miss. An
 * entry whose exp has passed is dropped and counts as a miss.
 */
st_vcache_entry *st_vcache_get(apr_pool_t *p, const void *owner, const char *token,
                               apr_size_t len);

/* The lent token (read-only; st_jwt_borrow gives a request its own view), the kid of the key
 * that verified it, and the JWKS generation it was verified (or last confirmed) with. */
const st_jwt *st_vcache_jwt(const st_vcache_entry *e);
const char *st_vcache_kid(const st_vcache_entry *e);
apr_uint32_t st_vcache_generation(const st_vcache_entry *e);
/* A later JWKS generation still lists the key. */
void st_vcache_set_generation(st_vcache_entry *e, apr_uint32_t generation);
/* The key left the JWKS: the entry goes (borrowers keep their copy until they end). */
void st_vcache_forget(st_vcache_entry *e);

/*
 * What a higher layer derived from the entry's token and wants to keep as long as the entry
 * (request/claims.c: the names and texts a hit publishes, so a hit does not work them out
 * again): one malloc'd block of `size` bytes, read-only once attached, freed with free() when
 * the entry goes. The first attachment stays: st_vcache_attach takes blob and returns it, or,
 * when the entry already has one, frees blob and returns that one. st_vcache_attachment is
 * NULL until then.
 */
const void *st_vcache_attachment(const st_vcache_entry *e);
/* p points into the entry's token copy (which lives as long as the entry, and so as long as
 * its attachment: an attachment may point there instead of copying). */
int st_vcache_holds(const st_vcache_entry *e, const void *p);
const void *st_vcache_attach(st_vcache_entry *e, void *blob, apr_size_t size);

/* Remember jwt, whose signature just verified for `owner` with key `kid` of JWKS generation
 * `generation`; the least recently used entry of its shard makes room. */
void st_vcache_put(const void *owner, const st_jwt *jwt, const char *kid, apr_uint32_t generation);

/* 1 when this process has a cache (SuperTokensVerifyCache is not Off and child_init made it). */
int st_vcache_enabled(void);

/* Entries held now, and their bytes (token copies and bookkeeping), summed over the shards;
 * for the tests and the bench report. */
void st_vcache_usage(int *entries, apr_size_t *bytes);

#endif

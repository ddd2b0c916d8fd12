/*
 * vcache.c: the verification cache (see vcache.h). Sharded by the token's hash; in each shard
 * a chained hash table and a least-recently-used list, guarded by the shard's lock. Entries
 * are malloc'd (a pool is not shared between threads) and reference-counted: the table holds
 * one reference, each borrowing request another, released by the request pool's cleanup.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/vcache.h"
#include "token/jwt_copy.h"

#include "apr_atomic.h"
#include "apr_general.h"
#include "apr_thread_mutex.h"

#define ST_VCACHE_SHARD_BITS 4
#define ST_VCACHE_SHARDS (1 << ST_VCACHE_SHARD_BITS)

struct st_vcache_entry {
    st_vcache_entry *chain;           /* next in its bucket */
    st_vcache_entry *newer, *older;   /* its shard's LRU list */
    apr_uint64_t hash;
    const void *owner;
    st_jwt *jwt;                      /* flat copy (jwt_copy.h) */
    const char *kid;                  /* stored after the entry, in its block */
    void *attachment;                 /* st_vcache_attach's; set once, under the shard's lock */
    apr_size_t bytes;                 /* entry + kid + flat copy + attachment */
    apr_size_t jwt_bytes;             /* the flat copy's */
    volatile apr_uint32_t generation;
    volatile apr_uint32_t refs;
    int in_table;                     /* guarded by the shard's lock */
};

typedef struct {
    apr_thread_mutex_t *lock;
    st_vcache_entry **buckets;
    apr_uint64_t mask;
    st_vcache_entry lru;              /* sentinel: lru.older is the newest, lru.newer the oldest */
    int count, capacity;
    apr_size_t bytes;
} st_shard;

typedef struct {
    apr_uint64_t seed;                /* random per process: bucket placement is not guessable */
    st_shard shards[ST_VCACHE_SHARDS];
} st_vcache;

static st_vcache *cache;              /* NULL: no cache in this process */

static apr_uint64_t mix(apr_uint64_t h, apr_uint64_t w)
{
    h = (h ^ w) * 0xff51afd7ed558ccdULL;
    return h ^ (h >> 32);
}

/* A token's last bytes (its signature's base64: distinct signed tokens differ there), its
 * length and the owner place it; hashing all 800-odd bytes cost more than the rest of a hit's
 * lookup. Equal hashes only cost a memcmp, as every byte is compared before a hit, and only
 * tokens whose signature verified are ever stored, so no client can fill one bucket. */
#define ST_VCACHE_HASHED_TAIL 64

static apr_uint64_t hash_token(const void *owner, const char *s, apr_size_t n)
{
    apr_uint64_t h = mix(cache->seed ^ (apr_uint64_t)(uintptr_t)owner, n), w;

    if (n > ST_VCACHE_HASHED_TAIL) {
        s += n - ST_VCACHE_HASHED_TAIL;
        n = ST_VCACHE_HASHED_TAIL;
    }

    for (; n >= 8; s += 8, n -= 8) {
        memcpy(&w, s, 8);
        h = mix(h, w);
    }
    w = 0;
    memcpy(&w, s, n);
    h = mix(h, w);
    return mix(h, 0x9e3779b97f4a7c15ULL);
}

static st_shard *shard_of(apr_uint64_t hash)
{
    return &cache->shards[hash >> (64 - ST_VCACHE_SHARD_BITS)];
}

static void free_entry(st_vcache_entry *e)
{
    free(e->attachment);
    st_jwt_copy_free(e->jwt);
    free(e);
}

static void unref(st_vcache_entry *e)
{
    if (apr_atomic_dec32(&e->refs) == 0)
        free_entry(e);
}

static apr_status_t release_borrowed(void *data)
{
    unref(data);
    return APR_SUCCESS;
}

static void lru_unlink(st_vcache_entry *e)
{
    e->newer->older = e->older;
    e->older->newer = e->newer;
}

static void lru_push_newest(st_shard *sh, st_vcache_entry *e)
{
    e->older = sh->lru.older;
    e->newer = &sh->lru;
    sh->lru.older->newer = e;
    sh->lru.older = e;
}

/* Out of the table (locked); the caller drops the table's reference after unlocking. */
static void table_remove_locked(st_shard *sh, st_vcache_entry *e)
{
    st_vcache_entry **link = &sh->buckets[e->hash & sh->mask];

    while (*link != e)
        link = &(*link)->chain;
    *link = e->chain;
    lru_unlink(e);
    e->in_table = 0;
    sh->count--;
    sh->bytes -= e->bytes;
}

static st_vcache_entry *find_locked(st_shard *sh, apr_uint64_t hash, const void *owner,
                                    const char *token, apr_size_t len)
{
    st_vcache_entry *e;

    for (e = sh->buckets[hash & sh->mask]; e; e = e->chain)
        if (e->hash == hash && e->owner == owner && e->jwt->token_len == len
            && memcmp(e->jwt->token, token, len) == 0)
            return e;
    return NULL;
}

st_vcache_entry *st_vcache_get(apr_pool_t *p, const void *owner, const char *token,
                               apr_size_t len)
{
    apr_uint64_t hash;
    st_shard *sh;
    st_vcache_entry *e;
    int expired = 0;

    if (cache == NULL || token == NULL)
        return NULL;
    hash = hash_token(owner, token, len);
    sh = shard_of(hash);
    apr_thread_mutex_lock(sh->lock);
    if ((e = find_locked(sh, hash, owner, token, len)) != NULL) {
        /* jose's exp <= now: a dead token only takes room (the full check then refuses it) */
        if ((expired = e->jwt->expiry_ms <= apr_time_as_msec(apr_time_now())))
            table_remove_locked(sh, e);
        else {
            lru_unlink(e);
            lru_push_newest(sh, e);
            apr_atomic_inc32(&e->refs);
        }
    }
    apr_thread_mutex_unlock(sh->lock);
    if (e == NULL)
        return NULL;
    if (expired) {
        unref(e);
        return NULL;
    }
    apr_pool_cleanup_register(p, e, release_borrowed, apr_pool_cleanup_null);
    return e;
}

const st_jwt *st_vcache_jwt(const st_vcache_entry *e)
{
    return e->jwt;
}

const char *st_vcache_kid(const st_vcache_entry *e)
{
    return e->kid;
}

apr_uint32_t st_vcache_generation(const st_vcache_entry *e)
{
    return apr_atomic_read32((volatile apr_uint32_t *)&e->generation);
}

void st_vcache_set_generation(st_vcache_entry *e, apr_uint32_t generation)
{
    apr_atomic_set32(&e->generation, generation);
}

int st_vcache_holds(const st_vcache_entry *e, const void *p)
{
    const char *c = p, *block = (const char *)e->jwt;
    return c >= block && c < block + e->jwt_bytes;
}

/* Lock-free readers: the acquire load pairs with the release store in st_vcache_attach, so a
 * reader that sees the pointer sees the block's contents too (on arm64 as on x86-64). */
const void *st_vcache_attachment(const st_vcache_entry *e)
{
    return __atomic_load_n(&e->attachment, __ATOMIC_ACQUIRE);
}

const void *st_vcache_attach(st_vcache_entry *e, void *blob, apr_size_t size)
{
    st_shard *sh = shard_of(e->hash);
    void *kept;

    apr_thread_mutex_lock(sh->lock);
    if ((kept = e->attachment) == NULL) {
        __atomic_store_n(&e->attachment, blob, __ATOMIC_RELEASE);
        kept = blob;
        e->bytes += size;
        if (e->in_table)
            sh->bytes += size;
    }
    apr_thread_mutex_unlock(sh->lock);
    if (kept != blob)
        free(blob);
    return kept;
}

void st_vcache_forget(st_vcache_entry *e)
{
    st_shard *sh;
    int was_in;

    if (cache == NULL)
        return;
    sh = shard_of(e->hash);
    apr_thread_mutex_lock(sh->lock);
    if ((was_in = e->in_table))
        table_remove_locked(sh, e);
    apr_thread_mutex_unlock(sh->lock);
    if (was_in)
        unref(e);
}

static st_vcache_entry *entry_make(const void *owner, const st_jwt *jwt, const char *kid,
                                   apr_uint32_t generation, apr_uint64_t hash)
{
    apr_size_t kid_len = kid ? strlen(kid) : 0, flat_size = 0;
    st_vcache_entry *e = malloc(sizeof(*e) + kid_len + 1);

    if (e == NULL)
        return NULL;
    memset(e, 0, sizeof(*e));
    if ((e->jwt = st_jwt_copy_flat(jwt, &flat_size)) == NULL) {
        free(e);
        return NULL;
    }
    memcpy((char *)(e + 1), kid ? kid : "", kid_len + 1);
    e->kid = (const char *)(e + 1);
    e->owner = owner;
    e->hash = hash;
    e->generation = generation;
    e->refs = 1;                      /* the table's */
    e->jwt_bytes = flat_size;
    e->bytes = sizeof(*e) + kid_len + 1 + flat_size;
    return e;
}

void st_vcache_put(const void *owner, const st_jwt *jwt, const char *kid, apr_uint32_t generation)
{
    apr_uint64_t hash;
    st_shard *sh;
    st_vcache_entry *e, *evicted = NULL;

    if (cache == NULL || jwt == NULL)
        return;
    hash = hash_token(owner, jwt->token, jwt->token_len);
    if ((e = entry_make(owner, jwt, kid, generation, hash)) == NULL)
        return;
    sh = shard_of(hash);
    apr_thread_mutex_lock(sh->lock);
    if (find_locked(sh, hash, owner, jwt->token, jwt->token_len) != NULL) {
        apr_thread_mutex_unlock(sh->lock);   /* another thread verified it meanwhile */
        free_entry(e);
        return;
    }
    if (sh->count >= sh->capacity && sh->lru.newer != &sh->lru) {
        evicted = sh->lru.newer;
        table_remove_locked(sh, evicted);
    }
    e->chain = sh->buckets[hash & sh->mask];
    sh->buckets[hash & sh->mask] = e;
    lru_push_newest(sh, e);
    e->in_table = 1;
    sh->count++;
    sh->bytes += e->bytes;
    apr_thread_mutex_unlock(sh->lock);
    if (evicted)
        unref(evicted);
}

int st_vcache_enabled(void)
{
    return cache != NULL;
}

void st_vcache_usage(int *entries, apr_size_t *bytes)
{
    int i;

    *entries = 0;
    *bytes = 0;
    for (i = 0; cache && i < ST_VCACHE_SHARDS; i++) {
        apr_thread_mutex_lock(cache->shards[i].lock);
        *entries += cache->shards[i].count;
        *bytes += cache->shards[i].bytes;
        apr_thread_mutex_unlock(cache->shards[i].lock);
    }
}

/* pchild's cleanup: every request has ended, so the table holds the last references. */
static apr_status_t vcache_free(void *unused)
{
    int i;
    (void)unused;

    for (i = 0; cache && i < ST_VCACHE_SHARDS; i++) {
        st_shard *sh = &cache->shards[i];
        while (sh->lru.newer != &sh->lru) {
            st_vcache_entry *e = sh->lru.newer;
            table_remove_locked(sh, e);
            unref(e);
        }
        free(sh->buckets);
    }
    free(cache);
    cache = NULL;
    return APR_SUCCESS;
}

static apr_status_t shard_init(apr_pool_t *pchild, st_shard *sh, int capacity)
{
    apr_uint64_t buckets = 1;

    while (buckets < (apr_uint64_t)capacity)
        buckets <<= 1;
    sh->capacity = capacity;
    sh->mask = buckets - 1;
    sh->lru.newer = sh->lru.older = &sh->lru;
    if ((sh->buckets = calloc(buckets, sizeof(*sh->buckets))) == NULL)
        return APR_ENOMEM;
    return apr_thread_mutex_create(&sh->lock, APR_THREAD_MUTEX_DEFAULT, pchild);
}

apr_status_t st_vcache_child_init(apr_pool_t *pchild, int entries)
{
    apr_status_t rv;
    int i;

    if (entries <= 0)
        return APR_SUCCESS;
    if ((cache = calloc(1, sizeof(*cache))) == NULL)
        return APR_ENOMEM;
    apr_pool_cleanup_register(pchild, NULL, vcache_free, apr_pool_cleanup_null);
    if ((rv = apr_generate_random_bytes((unsigned char *)&cache->seed, sizeof(cache->seed)))
        != APR_SUCCESS)
        return rv;
    for (i = 0; i < ST_VCACHE_SHARDS; i++)
        if ((rv = shard_init(pchild, &cache->shards[i],
                             (entries + ST_VCACHE_SHARDS - 1) / ST_VCACHE_SHARDS)) != APR_SUCCESS)
            return rv;
    return APR_SUCCESS;
}

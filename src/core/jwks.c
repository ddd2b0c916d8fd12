/*
 * jwks.c: per-process JWKS cache, one per SuperTokensConnectionURI (see jwks.h).
 *
 * Locking: `lock` guards every field of the cache and the sets' reference counts, and is
 * held only for pointer work. Only the cache's fetcher thread talks to the core: requests
 * never fetch, they ask for a fetch (fetch_pending) and, when they lack the kid, wait on
 * `changed` until that one fetch has ended. The fetcher gets the server_rec of the request
 * that asked (its timeouts) and a pool of its own: nothing of a request outlives it.
 */
#include "core/jwks.h"
#include "config/config.h"
#include "core/core.h"
#include "core/stats.h"

#include "http_log.h"
#include "apr_hash.h"
#include "apr_strings.h"
#include "apr_thread_cond.h"
#include "apr_thread_mutex.h"
#include "apr_thread_proc.h"

APLOG_USE_MODULE(supertokens);

struct st_jwks_set {
    apr_pool_t *pool;             /* owns the keys (EVP_PKEY freed by its cleanups) */
    apr_array_header_t *keys;     /* of st_jwk */
    int refs;                     /* the cache's own reference + one per holder */
    apr_uint32_t generation;      /* 1 for a cache's first set, then one more per fetched set */
};

typedef struct st_jwks_cache {
    apr_pool_t *pool;             /* parent of the sets' pools; allocator with a mutex, since
                                   * the fetcher creates sets and any thread may free one */
    apr_thread_mutex_t *lock;
    apr_thread_cond_t *changed;   /* broadcast: fetch wanted, fetch ended, process stopping */
    st_jwks_set *current;
    /* Written under `lock`, also read without it by st_jwks_still_trusts (atomic loads): */
    apr_time_t fetched_at;        /* when `current` was fetched */
    apr_uint32_t current_generation;  /* current->generation; 0 while there is no set */
    apr_time_t last_end;          /* end of the last fetch attempt, successful or not; 0 = none */
    int last_status;              /* HTTP status of the last failed fetch, 0 after a success */
    int fetch_pending;            /* a fetch is wanted or in flight; the fetcher clears it */
    apr_uint64_t attempts_ended;  /* a waiter waits for this to move once */
    server_rec *fetch_server;     /* whose core settings the pending fetch uses */
    apr_thread_t *fetcher;        /* started on the first fetch, joined at child exit */
    int stopping;
} st_jwks_cache;


/* Keys are shared only between vhosts that reach the core the same way: same URLs and the
 * same CA for https, so a vhost that would refuse the core's certificate never uses keys
 * another vhost fetched. */
static const char *cache_key(apr_pool_t *p, const st_server_conf *sc)
{
    return apr_pstrcat(p, sc->connection_uri, "\n", sc->core_ca_file ? sc->core_ca_file : "", NULL);
}

/* Pre-cleanup of pchild: runs before the core client's pools (subpools of pchild) go, so a
 * fetch in flight still has its connections; waits for it (at most one core timeout). */
static apr_status_t stop_fetcher(void *data)
{
    st_jwks_cache *c = data;
    apr_thread_t *t;
    apr_status_t rv;

    apr_thread_mutex_lock(c->lock);
    c->stopping = 1;
    t = c->fetcher;
    apr_thread_cond_broadcast(c->changed);
    apr_thread_mutex_unlock(c->lock);
    if (t)
        apr_thread_join(&rv, t);
    return APR_SUCCESS;
}

static st_jwks_cache *cache_create(apr_pool_t *pchild)
{
    st_jwks_cache *c = apr_pcalloc(pchild, sizeof(*c));
    apr_allocator_t *alloc;
    apr_thread_mutex_t *amutex;

    if (apr_allocator_create(&alloc) != APR_SUCCESS)
        return NULL;
    if (apr_pool_create_ex(&c->pool, pchild, NULL, alloc) != APR_SUCCESS) {
        apr_allocator_destroy(alloc);
        return NULL;
    }
    apr_allocator_owner_set(alloc, c->pool);
    apr_pool_tag(c->pool, "st_jwks_cache");
    if (apr_thread_mutex_create(&amutex, APR_THREAD_MUTEX_DEFAULT, c->pool) != APR_SUCCESS
        || apr_thread_mutex_create(&c->lock, APR_THREAD_MUTEX_DEFAULT, pchild) != APR_SUCCESS
        || apr_thread_cond_create(&c->changed, pchild) != APR_SUCCESS)
        return NULL;
    apr_allocator_mutex_set(alloc, amutex);
    apr_pool_pre_cleanup_register(pchild, c, stop_fetcher);
    return c;
}

apr_status_t st_jwks_child_init(apr_pool_t *pchild, server_rec *s)
{
    /* cache_key() -> st_jwks_cache: vhosts reaching the core the same way share one */
    apr_hash_t *caches = apr_hash_make(pchild);

    /* runs after the caches' subpools (and the key contexts that use the digest) are gone */
    apr_pool_cleanup_register(pchild, NULL, st_jwt_release_digest, apr_pool_cleanup_null);
    for (; s; s = s->next) {
        st_server_conf *sc = st_server_conf_get(s);
        st_jwks_cache *c;
        const char *key;
        if (sc->connection_uri == NULL)
            continue;
        key = cache_key(pchild, sc);
        if ((sc->jwks_cache = apr_hash_get(caches, key, APR_HASH_KEY_STRING)) != NULL)
            continue;
        if ((c = cache_create(pchild)) == NULL)
            return APR_EGENERAL;
        apr_hash_set(caches, key, APR_HASH_KEY_STRING, c);
        sc->jwks_cache = c;
    }
    return APR_SUCCESS;
}

static void set_unref_locked(st_jwks_set *set)
{
    if (set && --set->refs == 0)
        apr_pool_destroy(set->pool);
}

void st_jwks_release(st_jwks_set *set)
{
    /* the set remembers no cache; its pool's userdata holds the owning cache's mutex */
    apr_thread_mutex_t *lock = NULL;
    if (set == NULL)
        return;
    apr_pool_userdata_get((void **)&lock, "st-jwks-lock", set->pool);
    apr_thread_mutex_lock(lock);
    set_unref_locked(set);
    apr_thread_mutex_unlock(lock);
}

const apr_array_header_t *st_jwks_keys(const st_jwks_set *set)
{
    return set->keys;
}

static int set_has_kid(const st_jwks_set *set, const char *kid)
{
    return kid == NULL || st_jwks_find(set->keys, kid) != NULL;
}

/* The core(s) of s, for the log lines: the fetcher serves several vhosts' requests. */
static const char *core_of(server_rec *s)
{
    return st_server_conf_get(s)->connection_uri;
}

static void log_fetched(server_rec *s, const st_jwks_set *set)
{
    int i, fast = 0;
    for (i = 0; i < set->keys->nelts; i++)
        fast += APR_ARRAY_IDX(set->keys, i, st_jwk).fast != NULL;
    ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, APLOGNO(10023)
                 "fetched the core's JWKS: %d key(s), %d checked with AVX-512 IFMA, the rest "
                 "with OpenSSL (core %s)", set->keys->nelts, fast, core_of(s));
}

/* Fetch the JWKS from the core into a new set (the reply lives in tmp); NULL on failure
 * (logged, *fail_status set). Every attempt logs exactly one of AH10020-AH10023. */
static st_jwks_set *fetch_set_once(st_jwks_cache *c, apr_pool_t *tmp, server_rec *s,
                                   int *fail_status)
{
    st_core_reply reply;
    apr_pool_t *p;
    st_jwks_set *set;
    const char *err;

    if (st_core_get(tmp, s, "/.well-known/jwks.json", NULL, &reply) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, APLOGNO(10020)
                     "JWKS fetch from the core failed: %s (core %s)",
                     reply.error ? reply.error : "no reply", core_of(s));
        /* unreachable => 503; a core that refuses us (api key, CDI version) is a 500 */
        *fail_status = reply.unavailable ? HTTP_SERVICE_UNAVAILABLE : HTTP_INTERNAL_SERVER_ERROR;
        return NULL;
    }
    if (reply.status != 200) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, APLOGNO(10021)
                     "JWKS fetch from the core answered HTTP %d (core %s)", reply.status, core_of(s));
        *fail_status = HTTP_INTERNAL_SERVER_ERROR;
        return NULL;
    }
    apr_pool_create(&p, c->pool);
    set = apr_pcalloc(p, sizeof(*set));
    set->pool = p;
    if ((err = st_jwks_parse(p, reply.body, reply.body_len, &set->keys)) != NULL
        || set->keys->nelts == 0) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, APLOGNO(10022)
                     "the core's JWKS is unusable: %s (core %s)",
                     err ? err : "no RS256 signing key", core_of(s));
        apr_pool_destroy(p);
        *fail_status = HTTP_INTERNAL_SERVER_ERROR;
        return NULL;
    }
    apr_pool_userdata_setn(c->lock, "st-jwks-lock", NULL, p);
    set->refs = 1;   /* the cache's reference */
    log_fetched(s, set);
    return set;
}

/* One fetch, counted for server-status. */
static st_jwks_set *fetch_set(st_jwks_cache *c, apr_pool_t *tmp, server_rec *s, int *fail_status)
{
    st_jwks_set *set = fetch_set_once(c, tmp, s, fail_status);

    st_stats_inc(set ? ST_STAT_JWKS_OK : ST_STAT_JWKS_FAILED);
    return set;
}

/* Install the result of one attempt and wake its waiters. Returns 1 when a failed fetch
 * leaves the previous keys in use. */
static int fetch_ended_locked(st_jwks_cache *c, st_jwks_set *fresh, int fail_status)
{
    apr_time_t now = apr_time_now();
    int kept = 0;

    if (fresh) {
        fresh->generation = c->current_generation + 1;
        set_unref_locked(c->current);
        c->current = fresh;
        __atomic_store_n(&c->fetched_at, now, __ATOMIC_RELEASE);
        __atomic_store_n(&c->current_generation, fresh->generation, __ATOMIC_RELEASE);
        c->last_status = 0;
    }
    else {
        c->last_status = fail_status;   /* what requests without keys answer meanwhile */
        kept = c->current != NULL;
    }
    c->last_end = now;                  /* the cooldown counts from here */
    c->fetch_pending = 0;
    c->attempts_ended++;
    apr_thread_cond_broadcast(c->changed);
    return kept;
}

static void *APR_THREAD_FUNC fetcher_main(apr_thread_t *thd, void *data)
{
    st_jwks_cache *c = data;
    apr_pool_t *tmp;

    apr_pool_create(&tmp, apr_thread_pool_get(thd));
    apr_thread_mutex_lock(c->lock);
    for (;;) {
        server_rec *s;
        st_jwks_set *fresh;
        int fail_status = 0, kept;

        while (!c->fetch_pending && !c->stopping)
            apr_thread_cond_wait(c->changed, c->lock);
        if (c->stopping)
            break;
        s = c->fetch_server;
        apr_thread_mutex_unlock(c->lock);

        fresh = fetch_set(c, tmp, s, &fail_status);
        apr_pool_clear(tmp);

        apr_thread_mutex_lock(c->lock);
        kept = fetch_ended_locked(c, fresh, fail_status);
        if (kept) {
            apr_thread_mutex_unlock(c->lock);
            /* keep verifying with the keys we have rather than failing every request */
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, APLOGNO(10024)
                         "using the previously fetched JWKS while the core cannot be reached "
                         "(core %s)", core_of(s));
            apr_thread_mutex_lock(c->lock);
        }
    }
    apr_thread_mutex_unlock(c->lock);
    apr_thread_exit(thd, APR_SUCCESS);
    return NULL;
}

/*
 * Ask the fetcher for a fetch with s's settings, unless one is pending already or the last
 * attempt ended less than ST_JWKS_COOLDOWN ago. Starts the fetcher on first use. Returns 1
 * when a fetch is pending (asked for now or before).
 */
static int want_fetch_locked(st_jwks_cache *c, server_rec *s, apr_time_t now)
{
    apr_status_t rv;

    if (c->fetch_pending)
        return 1;
    if (c->stopping || (c->last_end && now - c->last_end < ST_JWKS_COOLDOWN))
        return 0;
    if (c->fetcher == NULL
        && (rv = apr_thread_create(&c->fetcher, NULL, fetcher_main, c, c->pool)) != APR_SUCCESS) {
        c->fetcher = NULL;
        c->last_end = now;   /* counts as a failed attempt: retried after the cooldown */
        c->last_status = HTTP_INTERNAL_SERVER_ERROR;
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, APLOGNO(10025)
                     "cannot start the thread that fetches the core's JWKS");
        return 0;
    }
    c->fetch_pending = 1;
    c->fetch_server = s;
    apr_thread_cond_broadcast(c->changed);
    return 1;
}

/* A set older than SuperTokensJWKSRefreshInterval is refetched in the background (requests
 * with its keys go on using it meanwhile). Returns 1 when a fetch is pending. */
static int refresh_if_stale_locked(st_jwks_cache *c, server_rec *s, apr_time_t now,
                                   apr_interval_time_t ttl)
{
    return c->current && now - c->fetched_at >= ttl && want_fetch_locked(c, s, now);
}

st_jwks_set *st_jwks_acquire(request_rec *r, const char *kid, int *fail_status)
{
    st_server_conf *sc = st_server_conf_get(r->server);
    st_jwks_cache *c = sc->jwks_cache;     /* found in child_init */
    apr_interval_time_t ttl = st_cfg_jwks_refresh_interval(sc);
    st_jwks_set *set;
    apr_time_t now;
    const char *waited_for = NULL;
    int refreshing = 0;

    *fail_status = 0;
    if (c == NULL) {
        *fail_status = HTTP_INTERNAL_SERVER_ERROR;
        return NULL;
    }

    apr_thread_mutex_lock(c->lock);
    now = apr_time_now();
    if (c->current && set_has_kid(c->current, kid)) {
        /* known kid: never wait, even for a stale set; the fetcher refreshes it meanwhile */
        refreshing = refresh_if_stale_locked(c, r->server, now, ttl);
    }
    else if (want_fetch_locked(c, r->server, now)) {
        /* no keys or an unknown kid: wait for the fetch pending now, and for that one only;
         * after it, even a failed one, use whatever keys there are */
        apr_uint64_t seen = c->attempts_ended;
        waited_for = c->current ? "unknown key id" : "no keys yet";
        while (c->attempts_ended == seen && !c->stopping)
            apr_thread_cond_wait(c->changed, c->lock);
    }
    set = c->current;
    if (set)
        set->refs++;
    else
        *fail_status = c->last_status ? c->last_status : HTTP_SERVICE_UNAVAILABLE;
    apr_thread_mutex_unlock(c->lock);

    if (refreshing)
        ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r, APLOGNO(10026)
                      "the JWKS is older than SuperTokensJWKSRefreshInterval: using it while it "
                      "is refetched");
    if (waited_for)
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, APLOGNO(10027)
                      "waited %" APR_TIME_T_FMT " ms for a JWKS fetch (%s)",
                      apr_time_as_msec(apr_time_now() - now), waited_for);
    return set;
}

apr_uint32_t st_jwks_generation(const st_jwks_set *set)
{
    return set->generation;
}

int st_jwks_still_trusts(request_rec *r, const char *kid, apr_uint32_t *generation)
{
    st_server_conf *sc = st_server_conf_get(r->server);
    st_jwks_cache *c = sc->jwks_cache;
    apr_interval_time_t ttl = st_cfg_jwks_refresh_interval(sc);
    apr_time_t now = apr_time_now();
    int trusted;

    if (c == NULL)
        return 0;
    /* the hot path: the set that verified the token is still the current one, and fresh */
    if (__atomic_load_n(&c->current_generation, __ATOMIC_ACQUIRE) == *generation
        && now - __atomic_load_n(&c->fetched_at, __ATOMIC_ACQUIRE) < ttl)
        return 1;

    apr_thread_mutex_lock(c->lock);
    refresh_if_stale_locked(c, r->server, now, ttl);   /* as st_jwks_acquire for a known kid */
    trusted = c->current != NULL
              && (c->current->generation == *generation || set_has_kid(c->current, kid));
    if (trusted)
        *generation = c->current->generation;
    apr_thread_mutex_unlock(c->lock);
    return trusted;
}

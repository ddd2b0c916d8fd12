/*
 * jwks.c: per-process JWKS cache, one per SuperTokensConnectionURI (see jwks.h).
 *
 * Locking: `lock` guards the pointer to the current set and its reference counts and is
 * held only for pointer work; `fetch_lock` makes one thread at a time talk to the core,
 * while the others keep verifying with the set they hold.
 */
#include "core/jwks.h"
#include "config/config.h"
#include "core/core.h"

#include "http_log.h"
#include "apr_hash.h"
#include "apr_strings.h"
#include "apr_thread_mutex.h"

APLOG_USE_MODULE(supertokens);

struct st_jwks_set {
    apr_pool_t *pool;             /* owns the keys (EVP_PKEY freed by its cleanups) */
    apr_array_header_t *keys;     /* of st_jwk */
    int refs;                     /* the cache's own reference + one per holder */
};

typedef struct st_jwks_cache {
    apr_pool_t *pool;             /* parent of the sets' pools */
    apr_thread_mutex_t *lock;
    apr_thread_mutex_t *fetch_lock;
    st_jwks_set *current;
    apr_time_t fetched_at;        /* when `current` was fetched */
    apr_time_t last_attempt;      /* last fetch attempt, successful or not */
    int last_status;              /* HTTP status of the last failed fetch, 0 after a success */
} st_jwks_cache;


/* Keys are shared only between vhosts that reach the core the same way: same URLs and the
 * same CA for https, so a vhost that would refuse the core's certificate never uses keys
 * another vhost fetched. */
static const char *cache_key(apr_pool_t *p, const st_server_conf *sc)
{
    return apr_pstrcat(p, sc->connection_uri, "\n", sc->core_ca_file ? sc->core_ca_file : "", NULL);
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
        c = apr_pcalloc(pchild, sizeof(*c));
        apr_pool_create(&c->pool, pchild);
        if (apr_thread_mutex_create(&c->lock, APR_THREAD_MUTEX_DEFAULT, pchild) != APR_SUCCESS
            || apr_thread_mutex_create(&c->fetch_lock, APR_THREAD_MUTEX_DEFAULT, pchild) != APR_SUCCESS)
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
    /* the set remembers no cache; every cache's lock is equivalent for this purpose only if
     * we find its owner, so the set keeps a pointer to its mutex in its pool userdata */
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

/* Fetch the JWKS from the core into a new set; NULL on failure (logged). */
static st_jwks_set *fetch_set(request_rec *r, st_jwks_cache *c, int *fail_status)
{
    st_core_reply reply;
    apr_pool_t *p;
    st_jwks_set *set;
    const char *err;

    if (st_core_get(r->pool, r->server, "/.well-known/jwks.json", NULL, &reply) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, APLOGNO(10020)
                      "JWKS fetch from the core failed: %s", reply.error ? reply.error : "no reply");
        /* unreachable => 503; a core that refuses us (api key, CDI version) is a 500 */
        *fail_status = reply.unavailable ? HTTP_SERVICE_UNAVAILABLE : HTTP_INTERNAL_SERVER_ERROR;
        return NULL;
    }
    if (reply.status != 200) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, APLOGNO(10021)
                      "JWKS fetch from the core answered HTTP %d", reply.status);
        *fail_status = HTTP_INTERNAL_SERVER_ERROR;
        return NULL;
    }
    apr_pool_create(&p, c->pool);
    set = apr_pcalloc(p, sizeof(*set));
    set->pool = p;
    if ((err = st_jwks_parse(p, reply.body, reply.body_len, &set->keys)) != NULL
        || set->keys->nelts == 0) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, APLOGNO(10022)
                      "the core's JWKS is unusable: %s", err ? err : "no RS256 signing key");
        apr_pool_destroy(p);
        *fail_status = HTTP_INTERNAL_SERVER_ERROR;
        return NULL;
    }
    apr_pool_userdata_setn(c->lock, "st-jwks-lock", NULL, p);
    set->refs = 1;   /* the cache's reference */
    {
        int i, fast = 0;
        for (i = 0; i < set->keys->nelts; i++)
            fast += APR_ARRAY_IDX(set->keys, i, st_jwk).fast != NULL;
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, APLOGNO(10023)
                      "fetched the core's JWKS: %d key(s), %d checked with AVX-512 IFMA, the rest "
                      "with OpenSSL", set->keys->nelts, fast);
    }
    return set;
}

st_jwks_set *st_jwks_acquire(request_rec *r, const char *kid, int *fail_status)
{
    st_server_conf *sc = st_server_conf_get(r->server);
    st_jwks_cache *c = sc->jwks_cache;     /* found in child_init */
    apr_interval_time_t ttl = st_cfg_jwks_refresh_interval(sc);
    st_jwks_set *set = NULL, *fresh;
    apr_time_t now = apr_time_now();

    *fail_status = 0;
    if (c == NULL) {
        *fail_status = HTTP_INTERNAL_SERVER_ERROR;
        return NULL;
    }

    /* fast path: a fresh set that knows the kid */
    apr_thread_mutex_lock(c->lock);
    if (c->current && now - c->fetched_at < ttl && set_has_kid(c->current, kid)) {
        set = c->current;
        set->refs++;
    }
    apr_thread_mutex_unlock(c->lock);
    if (set)
        return set;

    apr_thread_mutex_lock(c->fetch_lock);
    apr_thread_mutex_lock(c->lock);
    now = apr_time_now();
    /* another thread may have fetched while we waited */
    if (c->current && now - c->fetched_at < ttl && set_has_kid(c->current, kid)) {
        set = c->current;
        set->refs++;
        apr_thread_mutex_unlock(c->lock);
        apr_thread_mutex_unlock(c->fetch_lock);
        return set;
    }
    /* Missing, stale or without the kid: fetch, but at most once per cooldown, so bogus
     * kids or a dead core cost the core (and our threads) one attempt per cooldown. */
    if (c->last_attempt && now - c->last_attempt < ST_JWKS_COOLDOWN) {
        set = c->current;   /* may lack the kid: the caller answers try refresh token */
        if (set)
            set->refs++;
        else
            *fail_status = c->last_status ? c->last_status : HTTP_SERVICE_UNAVAILABLE;
        apr_thread_mutex_unlock(c->lock);
        apr_thread_mutex_unlock(c->fetch_lock);
        return set;
    }
    c->last_attempt = now;
    apr_thread_mutex_unlock(c->lock);

    fresh = fetch_set(r, c, fail_status);

    apr_thread_mutex_lock(c->lock);
    if (fresh) {
        set_unref_locked(c->current);
        c->current = fresh;
        c->fetched_at = apr_time_now();
        c->last_status = 0;
        *fail_status = 0;
    }
    else {
        c->last_status = *fail_status;   /* what throttled requests answer meanwhile */
        if (c->current) {
            /* keep verifying with the keys we have rather than failing every request */
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, APLOGNO(10024)
                          "using the previously fetched JWKS while the core cannot be reached");
            *fail_status = 0;
        }
    }
    if (c->current) {
        set = c->current;
        set->refs++;
    }
    apr_thread_mutex_unlock(c->lock);
    apr_thread_mutex_unlock(c->fetch_lock);
    return set;
}

/*
 * provider_cache.c: discovery documents and provider JWKS by URL (provider_cache.h).
 */
#include <stdlib.h>
#include <string.h>

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "apr_hash.h"
#include "apr_strings.h"
#include "apr_thread_mutex.h"

#include "config/config.h"
#include "core/outbound.h"
#include "core/provider_cache.h"

APLOG_USE_MODULE(supertokens);

typedef struct {
    char *body;                 /* malloc'ed; NULL before the first successful fetch */
    apr_size_t len;
    apr_time_t fetched_at;
    apr_time_t forced_at;       /* the last fetch asked for by an unknown key (refresh) */
} st_pdoc;

static apr_pool_t *pc_pool;
static apr_thread_mutex_t *pc_mutex;
static apr_hash_t *pc_docs;

static apr_status_t pc_cleanup(void *unused)
{
    apr_hash_index_t *hi;
    (void)unused;
    for (hi = pc_docs ? apr_hash_first(NULL, pc_docs) : NULL; hi; hi = apr_hash_next(hi)) {
        st_pdoc *d = apr_hash_this_val(hi);
        free(d->body);
    }
    pc_docs = NULL;
    pc_mutex = NULL;
    pc_pool = NULL;
    return APR_SUCCESS;
}

apr_status_t st_pcache_child_init(apr_pool_t *pchild)
{
    pc_pool = pchild;
    pc_docs = apr_hash_make(pchild);
    apr_pool_cleanup_register(pchild, NULL, pc_cleanup, apr_pool_cleanup_null);
    return apr_thread_mutex_create(&pc_mutex, APR_THREAD_MUTEX_DEFAULT, pchild);
}

/* The entry of key, made on first use (under pc_mutex); NULL when the table is full. */
static st_pdoc *entry_locked(const char *key)
{
    st_pdoc *d = apr_hash_get(pc_docs, key, APR_HASH_KEY_STRING);
    if (!d && apr_hash_count(pc_docs) < ST_PCACHE_MAX) {
        d = apr_pcalloc(pc_pool, sizeof(*d));
        apr_hash_set(pc_docs, apr_pstrdup(pc_pool, key), APR_HASH_KEY_STRING, d);
    }
    return d;
}

/* A document is shared only by virtual hosts that fetch it the same way (the same CA for
 * https, the same outgoing proxy): a vhost never uses one fetched under a trust it lacks. */
static const char *cache_key(apr_pool_t *p, server_rec *s, const char *url)
{
    const st_server_conf *sc = st_server_conf_get(s);
    const char *ca = strncasecmp(url, "https:", 6) == 0 && sc->provider_ca_file ? sc->provider_ca_file : "";
    return apr_psprintf(p, "%s\n%s\n%s:%u", url, ca, sc->proxy_host ? sc->proxy_host : "",
                        sc->proxy_host ? (unsigned)sc->proxy_port : 0u);
}

/* Fetch url now: the body in p, or NULL with *err. */
static const char *fetch(apr_pool_t *p, server_rec *s, const char *url, const char *what,
                         apr_size_t *len, const char **err)
{
    st_out_request req = { "GET", url, "Accept: application/json\r\n", NULL, 0, what };
    st_out_reply rep;

    if (st_out_call(p, s, &req, &rep) != APR_SUCCESS) {
        *err = rep.error;
        return NULL;
    }
    if (rep.status != 200) {
        *err = apr_psprintf(p, "HTTP %d", rep.status);
        return NULL;
    }
    *len = rep.body_len;
    return rep.body;
}

const char *st_pcache_get(apr_pool_t *p, server_rec *s, const char *url, const char *what, int refresh,
                          apr_size_t *len, const char **err)
{
    apr_time_t now = apr_time_now();
    const char *body = NULL, *fresh, *key = cache_key(p, s, url);
    st_pdoc *d;
    int want;

    *err = NULL;
    if (!pc_mutex) {
        *err = "the provider cache was not initialised";
        return NULL;
    }
    apr_thread_mutex_lock(pc_mutex);
    d = entry_locked(key);
    want = !d || !d->body || now - d->fetched_at >= ST_PCACHE_TTL
           || (refresh && now - d->forced_at >= ST_PCACHE_COOLDOWN);
    if (d && want && refresh)
        d->forced_at = now;    /* a flood of unknown kids costs one fetch per cooldown */
    if (d && d->body) {
        body = apr_pstrmemdup(p, d->body, d->len);
        *len = d->len;
    }
    apr_thread_mutex_unlock(pc_mutex);
    if (!want)
        return body;

    fresh = fetch(p, s, url, what, len, err);
    if (!fresh) {
        if (body)
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, APLOGNO(10603)
                         "%s: refetching %s failed (%s); using the copy fetched before", what,
                         ap_escape_logitem(p, st_out_log_url(p, url)), *err);
        else
            ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, APLOGNO(10604)
                         "%s: cannot fetch %s: %s", what, ap_escape_logitem(p, st_out_log_url(p, url)), *err);
        if (body)
            *err = NULL;
        return body;
    }
    if (d) {
        char *copy = malloc(*len + 1);
        if (copy) {
            memcpy(copy, fresh, *len);
            copy[*len] = '\0';
            apr_thread_mutex_lock(pc_mutex);
            free(d->body);
            d->body = copy;
            d->len = *len;
            d->fetched_at = now;
            apr_thread_mutex_unlock(pc_mutex);
        }
    }
    return fresh;
}

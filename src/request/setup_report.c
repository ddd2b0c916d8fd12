/*
 * setup_report.c: request-time reports of configuration mistakes, once per place and process
 * (see setup_report.h). A place is the virtual host and the directory of the file served (the
 * URL path when no file is), so a mistake in one .htaccess or one section is logged once per
 * child, not once per request; at most ST_REPORT_MAX places are remembered.
 */
#include "request/setup_report.h"

#include "http_core.h"
#include "http_log.h"
#include "apr_hash.h"
#include "apr_strings.h"
#include "apr_thread_mutex.h"

APLOG_USE_MODULE(supertokens);

#define ST_REPORT_MAX 256

static apr_pool_t *st_report_pool;
static apr_thread_mutex_t *st_report_mutex;
static apr_hash_t *st_reported;

static apr_status_t report_reset(void *data)
{
    (void)data;
    st_report_pool = NULL;
    st_report_mutex = NULL;
    st_reported = NULL;
    return APR_SUCCESS;
}

apr_status_t st_setup_report_child_init(apr_pool_t *pchild)
{
    apr_status_t rv = apr_thread_mutex_create(&st_report_mutex, APR_THREAD_MUTEX_DEFAULT, pchild);
    if (rv != APR_SUCCESS)
        return rv;
    st_report_pool = pchild;
    st_reported = apr_hash_make(pchild);
    apr_pool_cleanup_register(pchild, NULL, report_reset, apr_pool_cleanup_null);
    return APR_SUCCESS;
}

static const char *place_of(request_rec *r)
{
    const char *where = r->filename ? ap_make_dirstr_parent(r->pool, r->filename) : r->uri;
    return apr_psprintf(r->pool, "%s:%u %s", r->server->server_hostname ? r->server->server_hostname : "",
                        (unsigned)r->server->port, where ? where : "");
}

/* 1 the first time kind is reported for r's place in this process (and while there is room
 * to remember it), else 0. Without child_init (httpd -X before it ran): always 1. */
static int first_time(request_rec *r, const char *kind)
{
    const char *key = apr_pstrcat(r->pool, kind, " ", place_of(r), NULL);
    int first = 0;

    if (st_report_mutex == NULL)
        return 1;
    apr_thread_mutex_lock(st_report_mutex);
    if (apr_hash_get(st_reported, key, APR_HASH_KEY_STRING) == NULL
        && apr_hash_count(st_reported) < ST_REPORT_MAX) {
        const char *kept = apr_pstrdup(st_report_pool, key);
        apr_hash_set(st_reported, kept, APR_HASH_KEY_STRING, kept);
        first = 1;
    }
    apr_thread_mutex_unlock(st_report_mutex);
    return first;
}

void st_report_no_connection_uri(request_rec *r)
{
    if (!first_time(r, "uri"))
        return;
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, APLOGNO(10052)
                  "AuthType SuperTokens applies to %s, but its virtual host %s:%u has no "
                  "SuperTokensConnectionURI, so requests there get 500 (logged once per "
                  "directory and process)", ap_escape_logitem(r->pool, r->uri),
                  r->server->server_hostname ? r->server->server_hostname : "",
                  (unsigned)r->server->port);
}

void st_report_unauthenticated(request_rec *r)
{
    if (!first_time(r, "norequire"))
        return;
    ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, APLOGNO(10484)
                  "AuthType SuperTokens applies to %s, but no Require line there asks for a user "
                  "(an inherited Require all granted, for instance), so sessions are never "
                  "checked and REMOTE_USER is never set; add Require valid-user, or AuthType None "
                  "where public access is meant (logged once per directory and process)",
                  ap_escape_logitem(r->pool, r->uri));
}

/*
 * core.h: the client every module call to the SuperTokens core goes through.
 *
 * HTTP/1.1 over APR sockets (TLS with OpenSSL for https:// cores), a per-process pool of
 * keep-alive connections per core URL (created in child_init, like mod_proxy's workers),
 * failover over the ';'-separated SuperTokensConnectionURI list (protocol.md §3.2), CDI
 * version negotiation with GET /apiversion once per process and core URL, the api-key,
 * cdi-version and rid headers, JSON bodies.
 *
 * Usage from a request:
 *
 *     st_core_reply rep;
 *     if (st_core_post(r->pool, r->server, "/recipe/session/refresh", "session", body, &rep)
 *             != APR_SUCCESS)
 *         return rep.unavailable ? HTTP_SERVICE_UNAVAILABLE : HTTP_INTERNAL_SERVER_ERROR;
 *     if (rep.status != 200 || !rep.json) ... core error: rep.body holds its message
 *
 * Thread-safe (event/worker MPMs); all results are allocated from the caller's pool.
 */
#ifndef ST_CORE_H
#define ST_CORE_H

#include "httpd.h"
#include "apr_pools.h"
#include <jansson.h>

/* The only CDI version this module speaks (supertokens-node 24.0.3, protocol.md §3.1). */
#define ST_CDI_VERSION "5.4"

/* Default cap on a core reply's body. */
#define ST_CORE_MAX_BODY (1024 * 1024)

typedef struct {
    int status;                 /* HTTP status of the reply; 0 when none */
    const char *content_type;   /* may be NULL */
    const char *body;           /* NUL-terminated, may contain the text/html message */
    apr_size_t body_len;
    json_t *json;               /* parsed JSON body, pool-owned; NULL for text replies or invalid JSON */
    const char *error;          /* set when no usable reply: short text safe to log/return */
    int unavailable;            /* 1 = no core reachable / timeout / garbage => caller answers 503 */
} st_core_reply;

/* child_init hook: builds the connection pools (and TLS contexts) for every core URL of s and
 * all its virtual hosts; one pool per distinct URL. */
apr_status_t st_core_child_init(apr_pool_t *pchild, server_rec *s);

/*
 * One call to the core. method "GET"/"POST"/"PUT"/"DELETE"; path is the CDI path, begins with
 * '/', may include "?query" (the caller encodes it) and is appended to the URL's base path;
 * rid NULL or the calling recipe's id (sent only when the first or second path segment is
 * "recipe"); body NULL or a JSON value, sent as JSON.stringify would (st_json_dump) with
 * content-type application/json; ignored for GET; NULL sends "{}" for POST/PUT.
 * The I/O timeout bounds each attempt's whole exchange (sending the request and reading the
 * complete reply), the connect timeout the TCP connect and the TLS handshake.
 *
 * Returns APR_SUCCESS when a reply (any status, 2xx..5xx) was received: out->status, body,
 * content_type are set; out->json is the parsed body unless the reply is text/ * or is not
 * JSON (a 2xx reply that is not text/... and not valid JSON is treated as garbage, see below).
 * Otherwise returns an error status with out->error set, and out->unavailable = 1 when no
 * core could be reached, a timeout or an unusable (garbage, truncated, oversize) reply
 * happened, or every core answered 429/503 (then out->status holds that status): callers
 * answer 503. unavailable = 0 with an error means a configuration or protocol problem
 * (no SuperTokensConnectionURI, no common CDI version, /apiversion refused by the core,
 * invalid arguments): callers answer 500.
 */
apr_status_t st_core_call(apr_pool_t *p, server_rec *s, const char *method, const char *path,
                          const char *rid, const json_t *body, st_core_reply *out);
apr_status_t st_core_get(apr_pool_t *p, server_rec *s, const char *path, const char *rid,
                         st_core_reply *out);
apr_status_t st_core_post(apr_pool_t *p, server_rec *s, const char *path, const char *rid,
                          const json_t *body, st_core_reply *out);

/* The CDI version negotiated with the core(s) of s ("5.4"), or NULL when not (yet) known. */
const char *st_core_cdi_version(server_rec *s);

/* Pure helpers, exported for tests. */

/* 1 when the first or second segment of path is "recipe" (protocol.md §3.2). */
int st_core_path_wants_rid(const char *path);

/* The path with query values replaced by "***" (for logs): "/x?a=1&b=2" -> "/x?a=***&b=***". */
const char *st_core_log_path(apr_pool_t *p, const char *path);

/* Highest version present in both the core's "versions" array and ours (ST_CDI_VERSION);
 * NULL when none. */
const char *st_core_pick_cdi(apr_pool_t *p, const json_t *versions);

#endif

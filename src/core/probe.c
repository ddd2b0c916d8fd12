/*
 * probe.c: the start-up check of the configured cores (see probe.h). Run by the parent in
 * post_config (the second run: the first is httpd's dry run) and by `apachectl configtest`.
 */
#include "core/probe.h"
#include "core/core.h"
#include "core/conn.h"
#include "core/exchange.h"
#include "config/config.h"
#include "token/json_util.h"

#include "http_log.h"
#include "apr_hash.h"
#include "apr_strings.h"

APLOG_USE_MODULE(supertokens);

#define ST_PROBE_CONNECT_MAX apr_time_from_sec(2)
#define ST_PROBE_IO_MAX      apr_time_from_sec(3)

typedef enum {
    PROBE_OK,
    PROBE_UNREACHABLE,   /* no connection or no reply */
    PROBE_KEY,           /* HTTP 401: the API key is wrong or missing */
    PROBE_CDI,           /* no CDI 5.4 in the core's versions */
    PROBE_ODD            /* another answer: a wrong URL or base path, most likely */
} probe_result;

typedef struct {
    st_call cc;
    st_backend *be;
    const st_core_url *u;
    const char *api_key;
    const char *detail;      /* why, for the log line */
    int status;              /* of the reply that decided */
} probe_ctx;

static apr_interval_time_t at_most(apr_interval_time_t v, apr_interval_time_t max)
{
    return v > 0 && v < max ? v : max;
}

/* A GET on the probe's connection: the reply, or NULL with pc->detail set. */
static const st_http_response *probe_get(probe_ctx *pc, const char *path, int with_cdi)
{
    apr_pool_t *p = pc->cc.p;
    const char *req = apr_pstrcat(p, "GET ", pc->be->base_path, path, " HTTP/1.1\r\n",
                                  "Host: ", pc->be->host_header, "\r\n",
                                  pc->api_key ? "api-key: " : "", pc->api_key ? pc->api_key : "",
                                  pc->api_key ? "\r\n" : "",
                                  with_cdi ? "cdi-version: " ST_CDI_VERSION "\r\n" : "",
                                  "\r\n", NULL);
    st_xinfo xi = { 0, 0, NULL, NULL };

    if (st_exchange(&pc->cc, pc->be, req, strlen(req), 0, &xi) != AT_REPLY) {
        pc->detail = xi.err ? xi.err : "no reply";
        return NULL;
    }
    return st_http_parser_response(xi.hp);
}

/* The core's own words, short and on one line, for the log. */
static const char *message_of(apr_pool_t *p, const st_http_response *r)
{
    apr_size_t n = r->body_len > 120 ? 120 : r->body_len, i;
    char *m = apr_pstrmemdup(p, r->body, n);
    for (i = 0; i < n; i++)
        if ((unsigned char)m[i] < 0x20 || m[i] == 0x7f)
            m[i] = ' ';
    while (n && m[n - 1] == ' ')
        m[--n] = '\0';
    return m;
}

static probe_result refused(probe_ctx *pc, const st_http_response *r, const char *path)
{
    pc->status = r->status;
    pc->detail = apr_psprintf(pc->cc.p, "GET %s answered HTTP %d %s", path, r->status,
                              message_of(pc->cc.p, r));
    return r->status == 401 ? PROBE_KEY : PROBE_ODD;
}

static probe_result probe_one(probe_ctx *pc)
{
    const st_http_response *r;
    json_t *j;

    if (!(r = probe_get(pc, "/apiversion", 0)))
        return PROBE_UNREACHABLE;
    if (r->status != 200)
        return refused(pc, r, "/apiversion");
    j = st_json_parse(pc->cc.p, r->body, r->body_len, 0);
    if (!j || !json_is_array(json_object_get(j, "versions"))) {
        pc->detail = "GET /apiversion did not answer with the core's list of versions";
        return PROBE_ODD;
    }
    if (!st_core_pick_cdi(pc->cc.p, json_object_get(j, "versions"))) {
        pc->detail = apr_psprintf(pc->cc.p, "it offers %s",
                                  st_json_dump(pc->cc.p, json_object_get(j, "versions")));
        return PROBE_CDI;
    }
    /* the core may not guard /apiversion with the key; it always guards this */
    if (!(r = probe_get(pc, "/recipe/jwt/jwks", 1)))
        return PROBE_UNREACHABLE;
    if (r->status != 200)
        return refused(pc, r, "/recipe/jwt/jwks");
    return PROBE_OK;
}

/* One line per problem, naming what to change. */
static void probe_log(const probe_ctx *pc, server_rec *s, probe_result res, apr_time_t took)
{
    const char *url = pc->u->url;
    switch (res) {
    case PROBE_OK:
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, APLOGNO(10480)
                     "core check: the core at %s is reachable, accepts the API key and "
                     "speaks CDI " ST_CDI_VERSION " (%" APR_TIME_T_FMT " ms)", url,
                     apr_time_as_msec(took));
        break;
    case PROBE_UNREACHABLE:
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, APLOGNO(10476)
                     "core check: SuperTokensConnectionURI %s is not reachable: %s; "
                     "sessions cannot be checked until it is (start the core, or fix the URL)",
                     url, pc->detail);
        break;
    case PROBE_KEY:
        if (pc->api_key)
            ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, APLOGNO(10477)
                         "core check: SuperTokensAPIKey is refused by %s (%s): set it to one "
                         "of the core's API keys (api_keys in its config.yaml)", url, pc->detail);
        else
            ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, APLOGNO(10486)
                         "core check: the core at %s wants an API key (%s): set "
                         "SuperTokensAPIKey", url, pc->detail);
        break;
    case PROBE_CDI:
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, APLOGNO(10478)
                     "core check: the core at %s does not speak CDI " ST_CDI_VERSION
                     " (%s); use SuperTokens core 11.3 or newer", url, pc->detail);
        break;
    case PROBE_ODD:
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, APLOGNO(10479)
                     "core check: the core at %s answered unexpectedly (%s); is "
                     "SuperTokensConnectionURI the core's URL, with its base path?", url,
                     pc->detail);
        break;
    }
}

/* Checks u as s reaches it, in a pool of its own (its connection is closed with it). */
static int probe_url(apr_pool_t *ptemp, server_rec *s, const st_server_conf *sc,
                     const st_core_url *u)
{
    probe_ctx pc;
    apr_pool_t *p;
    apr_time_t start = apr_time_now();
    probe_result res = PROBE_UNREACHABLE;

    memset(&pc, 0, sizeof(pc));
    apr_pool_create(&p, ptemp);
    pc.cc.p = p;
    pc.cc.s = s;
    pc.cc.sc = sc;
    pc.cc.method = "GET";
    pc.cc.connect_timeout = at_most(st_cfg_core_connect_timeout(sc), ST_PROBE_CONNECT_MAX);
    pc.cc.io_timeout = at_most(st_cfg_core_io_timeout(sc), ST_PROBE_IO_MAX);
    pc.u = u;
    pc.api_key = sc->api_key;
    pc.be = st_backend_create(p, s, u, u->url, u->is_tls ? sc->core_ca_file : NULL);
    if (!pc.be)
        pc.detail = "cannot set up a connection";
    else if (pc.be->init_error)
        pc.detail = pc.be->init_error;
    else
        res = probe_one(&pc);
    probe_log(&pc, s, res, apr_time_now() - start);
    apr_pool_destroy(p);
    return res != PROBE_OK;
}

int st_core_probe(apr_pool_t *ptemp, server_rec *s)
{
    apr_hash_t *seen = apr_hash_make(ptemp);
    int problems = 0;

    for (; s; s = s->next) {
        const st_server_conf *sc = st_server_conf_get(s);
        int i;
        if (!sc || !sc->core_urls)
            continue;
        for (i = 0; i < sc->core_urls->nelts; i++) {
            const st_core_url *u = &APR_ARRAY_IDX(sc->core_urls, i, st_core_url);
            /* once per URL, key and CA: the key stays in memory, never in a log */
            const char *key = apr_pstrcat(ptemp, u->url, "\n", sc->api_key ? sc->api_key : "",
                                          "\n", sc->core_ca_file ? sc->core_ca_file : "", NULL);
            if (apr_hash_get(seen, key, APR_HASH_KEY_STRING))
                continue;
            apr_hash_set(seen, key, APR_HASH_KEY_STRING, key);
            problems += probe_url(ptemp, s, sc, u);
        }
    }
    return problems;
}

/*
 * claims.c: publishing the session to CGI/PHP (subprocess_env) and proxied apps
 * (headers_in), and scrubbing client-sent look-alikes on every request (see claims.h).
 */
#include "claims.h"
#include "config.h"
#include "json_util.h"

#include "http_log.h"
#include "apr_strings.h"
#include "apr_lib.h"

APLOG_USE_MODULE(supertokens);

/* Compare a header name with a prefix in environment form (case-insensitive, '-' == '_'). */
static int env_prefix_match(const char *name, const char *prefix)
{
    for (; *prefix; name++, prefix++) {
        char a = (*name == '-') ? '_' : apr_toupper(*name);
        char b = (*prefix == '-') ? '_' : apr_toupper(*prefix);
        if (*name == '\0' || a != b)
            return 0;
    }
    return 1;
}

typedef struct {
    request_rec *r;
    const char *claim_prefix;
    apr_array_header_t *doomed;
} scrub_ctx;

static int collect_spoofed(void *v, const char *name, const char *value)
{
    scrub_ctx *ctx = v;
    (void)value;
    if (env_prefix_match(name, ST_ENV_PREFIX) || env_prefix_match(name, ctx->claim_prefix))
        *(const char **)apr_array_push(ctx->doomed) = name;
    return 1;
}

void st_claims_scrub_request(request_rec *r)
{
    st_dir_conf *dc = st_dir_conf_get(r);
    scrub_ctx ctx;
    int i;

    ctx.r = r;
    ctx.claim_prefix = st_dcfg_claim_prefix(dc);
    ctx.doomed = apr_array_make(r->pool, 2, sizeof(const char *));
    apr_table_do(collect_spoofed, &ctx, r->headers_in, NULL);
    for (i = 0; i < ctx.doomed->nelts; i++) {
        const char *name = APR_ARRAY_IDX(ctx.doomed, i, const char *);
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, APLOGNO(10030)
                      "removed client-sent header %s (a name reserved for mod_supertokens)",
                      ap_escape_logitem(r->pool, name));
        apr_table_unset(r->headers_in, name);
    }
}

const char *st_claim_text(apr_pool_t *p, const json_t *payload, const char *name)
{
    const json_t *v = json_object_get(payload, name);
    if (v == NULL)
        return NULL;
    if (json_is_string(v))
        return apr_pstrmemdup(p, json_string_value(v), json_string_length(v));
    return st_json_dump(p, v);
}

/* Header values never carry control characters (no CR/LF injection, no NUL truncation). */
static int header_safe(const char *v)
{
    for (; *v; v++)
        if ((unsigned char)*v < 0x20 || *v == 0x7f)
            return 0;
    return 1;
}

static const char *header_name(apr_pool_t *p, const char *env_name)
{
    char *h = apr_pstrdup(p, env_name), *c;
    for (c = h; *c; c++)
        if (*c == '_')
            *c = '-';
    return h;
}

/* Environment names: letters, digits and '_' only. */
static const char *env_name(apr_pool_t *p, const char *prefix, const char *claim)
{
    char *n = apr_pstrcat(p, prefix, claim, NULL), *c;
    for (c = n + strlen(prefix); *c; c++)
        if (!apr_isalnum(*c))
            *c = '_';
    return n;
}

static void publish_one(request_rec *r, int how, const char *name, const char *value,
                        apr_size_t value_len)
{
    if (how & ST_PASS_ENV)
        apr_table_setn(r->subprocess_env, name, value);
    if (how & ST_PASS_HEADERS) {
        if (strlen(value) != value_len || !header_safe(value))
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, APLOGNO(10031)
                          "claim %s has control characters: not passed as a header",
                          ap_escape_logitem(r->pool, name));
        else
            apr_table_setn(r->headers_in, header_name(r->pool, name), value);
    }
}

void st_claims_publish(request_rec *r, const char *user_id, const char *session_handle,
                       const char *tenant_id, const json_t *payload, const char *payload_json)
{
    st_dir_conf *dc = st_dir_conf_get(r);
    int how = st_dcfg_pass_claims_as(dc);
    const char *prefix = st_dcfg_claim_prefix(dc);
    const char *key;
    json_t *value;
    const char *json;

    if (how == 0)
        return;
    publish_one(r, how, ST_ENV_PREFIX "USER_ID", user_id, strlen(user_id));
    publish_one(r, how, ST_ENV_PREFIX "SESSION_HANDLE", session_handle, strlen(session_handle));
    publish_one(r, how, ST_ENV_PREFIX "TENANT_ID", tenant_id, strlen(tenant_id));
    json = payload_json ? payload_json : st_json_dump(r->pool, payload);
    publish_one(r, how, ST_ENV_PREFIX "ACCESS_TOKEN_PAYLOAD", json, strlen(json));

    json_object_foreach((json_t *)payload, key, value) {
        const char *text;
        apr_size_t len;
        if (json_is_string(value)) {
            len = json_string_length(value);
            text = apr_pstrmemdup(r->pool, json_string_value(value), len);
        }
        else {
            text = st_json_dump(r->pool, value);
            len = strlen(text);
        }
        publish_one(r, how, env_name(r->pool, prefix, key), text, len);
    }
}

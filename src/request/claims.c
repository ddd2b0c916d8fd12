/*
 * claims.c: publishing the session to CGI/PHP (subprocess_env) and proxied apps
 * (headers_in), and scrubbing client-sent look-alikes on every request (see claims.h).
 */
#include "request/claims.h"
#include "config/config.h"
#include "token/json_util.h"

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
    const char *claim_prefix;              /* this location's */
    const apr_array_header_t *all;         /* every prefix of the configuration */
    apr_array_header_t *doomed;
} scrub_ctx;

static int reserved_name(const scrub_ctx *ctx, const char *name)
{
    int i;
    if (env_prefix_match(name, ST_ENV_PREFIX) || env_prefix_match(name, ctx->claim_prefix))
        return 1;
    for (i = 0; ctx->all && i < ctx->all->nelts; i++)
        if (env_prefix_match(name, APR_ARRAY_IDX(ctx->all, i, const char *)))
            return 1;
    return 0;
}

static int collect_reserved(void *v, const char *name, const char *value)
{
    scrub_ctx *ctx = v;
    (void)value;
    if (reserved_name(ctx, name))
        *(const char **)apr_array_push(ctx->doomed) = name;
    return 1;
}

/* Remove every header with a reserved name; returns their names. */
static apr_array_header_t *remove_reserved(request_rec *r)
{
    scrub_ctx ctx;
    int i;

    ctx.claim_prefix = st_dcfg_claim_prefix(st_dir_conf_get(r));
    ctx.all = st_cfg_claim_prefixes();
    ctx.doomed = apr_array_make(r->pool, 2, sizeof(const char *));
    apr_table_do(collect_reserved, &ctx, r->headers_in, NULL);
    for (i = 0; i < ctx.doomed->nelts; i++)
        apr_table_unset(r->headers_in, APR_ARRAY_IDX(ctx.doomed, i, const char *));
    return ctx.doomed;
}

void st_claims_scrub_request(request_rec *r)
{
    apr_array_header_t *gone = remove_reserved(r);
    int i;
    for (i = 0; i < gone->nelts; i++)
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, APLOGNO(10030)
                      "removed client-sent header %s (a name reserved for mod_supertokens)",
                      ap_escape_logitem(r->pool, APR_ARRAY_IDX(gone, i, const char *)));
}

void st_claims_scrub_quietly(request_rec *r)
{
    remove_reserved(r);
}

const st_js_object *st_claims_of(apr_pool_t *p, const st_jwt *jwt)
{
    static const st_js_object none = { NULL, 0 };
    const st_js_member *ud;
    st_js_object *o;

    if (jwt->version >= 3)
        return &jwt->claims;
    /* legacy tokens: the members of userData, when it is an object */
    ud = st_js_get(&jwt->claims, "userData");
    o = apr_pcalloc(p, sizeof(*o));
    if (!ud || ud->type != ST_JS_OBJECT
        || st_js_scan_object(p, ud->raw, ud->raw_len, ST_JS_ALLOW_NUL, o) != NULL)
        return &none;
    return o;
}

/* A claim as text: strings as they are; integers, booleans and null spelled as jansson writes
 * them; reals, arrays and objects through jansson's compact form (as st_json_dump). */
static const char *member_text(apr_pool_t *p, const st_js_member *m, apr_size_t *len)
{
    const char *text;
    json_t *v;

    switch (m->type) {
    case ST_JS_STRING:
        *len = m->str_len;
        return m->str;
    case ST_JS_NULL:
        text = "null";
        break;
    case ST_JS_TRUE:
        text = "true";
        break;
    case ST_JS_FALSE:
        text = "false";
        break;
    case ST_JS_NUMBER:
        if (m->is_int) {
            /* an integer literal is the decimal jansson prints, except -0 */
            text = (m->raw_len == 2 && m->raw[0] == '-' && m->raw[1] == '0')
                   ? "0" : apr_pstrmemdup(p, m->raw, m->raw_len);
            break;
        }
        /* fall through */
    default:
        v = st_json_parse(p, m->raw, m->raw_len, JSON_DECODE_ANY | JSON_ALLOW_NUL);
        text = v ? st_json_dump(p, v) : "";
        break;
    }
    *len = strlen(text);
    return text;
}

const char *st_claim_text(apr_pool_t *p, const st_jwt *jwt, const char *name)
{
    const st_js_member *m = st_js_get(st_claims_of(p, jwt), name);
    apr_size_t len;
    return m ? member_text(p, m, &len) : NULL;
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
    /* a C string would end at an embedded U+0000 ("alice\u0000admin" read as "alice"), so
     * such a value is left out rather than cut short */
    if ((how & ST_PASS_ENV) && strlen(value) != value_len)
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, APLOGNO(10032)
                      "claim %s holds U+0000: not passed as an environment variable",
                      ap_escape_logitem(r->pool, name));
    else if (how & ST_PASS_ENV)
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

void st_claims_publish(request_rec *r, const st_jwt *jwt)
{
    st_dir_conf *dc = st_dir_conf_get(r);
    int how = st_dcfg_pass_claims_as(dc);
    const char *prefix = st_dcfg_claim_prefix(dc);
    const st_js_object *claims;
    const char *json;
    int i;

    /* whatever an earlier request of this one (or a client, past the first scrub) put under
     * these names goes before the module sets its own */
    if (how & ST_PASS_HEADERS)
        st_claims_scrub_quietly(r);
    if (how == 0)
        return;
    publish_one(r, how, ST_ENV_PREFIX "USER_ID", jwt->user_id, strlen(jwt->user_id));
    publish_one(r, how, ST_ENV_PREFIX "SESSION_HANDLE", jwt->session_handle,
                strlen(jwt->session_handle));
    publish_one(r, how, ST_ENV_PREFIX "TENANT_ID", jwt->tenant_id, strlen(jwt->tenant_id));
    /* v3+: the payload text as the core wrote it; v2: userData, serialised */
    if (jwt->version >= 3)
        json = jwt->payload_json;
    else
        json = st_json_dump(r->pool, st_jwt_user_data(jwt));
    if (json)
        publish_one(r, how, ST_ENV_PREFIX "ACCESS_TOKEN_PAYLOAD", json, strlen(json));

    claims = st_claims_of(r->pool, jwt);
    for (i = 0; i < claims->n; i++) {
        const st_js_member *m = &claims->members[i];
        apr_size_t len;
        const char *text = member_text(r->pool, m, &len);
        publish_one(r, how, env_name(r->pool, prefix, m->key), text, len);
    }
}

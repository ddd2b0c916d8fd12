/*
 * claims.c: publishing the session to CGI/PHP (subprocess_env) and proxied apps
 * (headers_in), and scrubbing client-sent look-alikes on every request (see claims.h).
 */
#include "request/claims.h"
#include "config/config.h"
#include "token/json_util.h"
#include "core/vcache.h"
#include "token/flat_block.h"

#include "http_log.h"
#include "apr_strings.h"
#include "apr_lib.h"

#include <stdlib.h>
#include <string.h>

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

/*
 * What a token publishes, worked out once: the final variables and headers, and the names of
 * the values left out. A request applies it with apr_table_addn, which does not compare the
 * new name with every earlier one as apr_table_setn does (all these names share the 4-letter
 * key checksum apr's tables compare first, so 17 setn calls made some 90 strcasecmps). The
 * lists hold what those setn calls would have left: names in order of their first setting,
 * each with its last value, compared case-insensitively as apr's tables do.
 */
typedef struct {
    const char *name, *value;
    apr_size_t name_len;
} st_claim_pair;

typedef struct {
    st_claim_pair *pairs;
    int n, cap;
    const char **dropped;       /* names whose value was left out (logged per request) */
    int n_dropped, cap_dropped;
} st_claim_list;

typedef struct {
    const char *prefix;         /* the SuperTokensClaimPrefix it was made for */
    int how;                    /* the lists it holds (ST_PASS_ENV, ST_PASS_HEADERS) */
    st_claim_list env, hdr;
} st_claim_set;

static void list_upsert(apr_pool_t *p, st_claim_list *l, const char *name, const char *value)
{
    apr_size_t len = strlen(name);
    int i;
    for (i = 0; i < l->n; i++)
        if (l->pairs[i].name_len == len && strcasecmp(l->pairs[i].name, name) == 0) {
            l->pairs[i].value = value;
            return;
        }
    if (l->n == l->cap) {
        st_claim_pair *grown = apr_palloc(p, sizeof(*grown) * (l->cap = l->cap * 2 + 8));
        if (l->n)
            memcpy(grown, l->pairs, sizeof(*grown) * l->n);
        l->pairs = grown;
    }
    l->pairs[l->n].name = name;
    l->pairs[l->n].name_len = len;
    l->pairs[l->n++].value = value;
}

static void list_drop(apr_pool_t *p, st_claim_list *l, const char *name)
{
    if (l->n_dropped == l->cap_dropped) {
        const char **grown = apr_palloc(p, sizeof(*grown) * (l->cap_dropped = l->cap_dropped * 2 + 2));
        if (l->n_dropped)
            memcpy(grown, l->dropped, sizeof(*grown) * l->n_dropped);
        l->dropped = grown;
    }
    l->dropped[l->n_dropped++] = name;
}

static void set_add(apr_pool_t *p, st_claim_set *set, int how, const char *name,
                    const char *value, apr_size_t value_len)
{
    /* a C string would end at an embedded U+0000 ("alice\u0000admin" read as "alice"), so
     * such a value is left out rather than cut short */
    int whole = strlen(value) == value_len;
    if ((how & ST_PASS_ENV) && whole)
        list_upsert(p, &set->env, name, value);
    else if (how & ST_PASS_ENV)
        list_drop(p, &set->env, name);
    if ((how & ST_PASS_HEADERS) && whole && header_safe(value))
        list_upsert(p, &set->hdr, header_name(p, name), value);
    else if (how & ST_PASS_HEADERS)
        list_drop(p, &set->hdr, name);
}

/* The set for a location that passes claims `how` (ST_PASS_ENV, ST_PASS_HEADERS: the lists it
 * does not pass stay empty). */
static st_claim_set *set_make(apr_pool_t *p, const st_jwt *jwt, const char *prefix, int how)
{
    st_claim_set *set = apr_pcalloc(p, sizeof(*set));
    const st_js_object *claims;
    const char *json;
    int i;

    set->prefix = prefix;
    set->how = how;
    set_add(p, set, how, ST_ENV_PREFIX "USER_ID", jwt->user_id, strlen(jwt->user_id));
    set_add(p, set, how, ST_ENV_PREFIX "SESSION_HANDLE", jwt->session_handle,
            strlen(jwt->session_handle));
    set_add(p, set, how, ST_ENV_PREFIX "TENANT_ID", jwt->tenant_id, strlen(jwt->tenant_id));
    /* v3+: the payload text as the core wrote it; v2: userData, serialised */
    json = jwt->version >= 3 ? jwt->payload_json : st_json_dump(p, st_jwt_user_data(jwt));
    if (json)
        set_add(p, set, how, ST_ENV_PREFIX "ACCESS_TOKEN_PAYLOAD", json, strlen(json));
    claims = st_claims_of(p, jwt);
    for (i = 0; i < claims->n; i++) {
        const st_js_member *m = &claims->members[i];
        apr_size_t len;
        const char *text = member_text(p, m, &len);
        set_add(p, set, how, env_name(p, prefix, m->key), text, len);
    }
    return set;
}

/* ---- a set in one block (token/flat_block.h), kept with the verification cache's entry ---- */

/* A value: where it lies in the keeper's token copy (a string claim, the payload), that text. */
static const char *flat_value(st_flat *f, const st_vcache_entry *keeper, const char *v)
{
    return st_vcache_holds(keeper, v) ? v : st_flat_dup_str(f, v);
}

/* Where env_from holds the very same text as `value` (set_add gives both lists one pointer), -1
 * if nowhere: the header list's copy then points into the environment list's. */
static int shared_index(const st_claim_list *env_from, const char *value)
{
    int i;
    for (i = 0; env_from && i < env_from->n; i++)
        if (env_from->pairs[i].value == value)
            return i;
    return -1;
}

/* Copy `from` into f (to: its copy); env_from/env_to, when given, are the environment list and
 * its copy, whose texts the copy shares. */
static void list_copy(st_flat *f, const st_vcache_entry *keeper, st_claim_list *to,
                      const st_claim_list *from, const st_claim_list *env_from,
                      const st_claim_list *env_to)
{
    int i, j;
    to->n = to->cap = from->n;
    to->n_dropped = to->cap_dropped = from->n_dropped;
    to->pairs = st_flat_take(f, sizeof(*to->pairs) * from->n, sizeof(void *));
    to->dropped = st_flat_take(f, sizeof(*to->dropped) * from->n_dropped, sizeof(void *));
    for (i = 0; i < from->n; i++) {
        const char *name = st_flat_dup_str(f, from->pairs[i].name);
        const char *value = (j = shared_index(env_from, from->pairs[i].value)) >= 0
                            ? (env_to->pairs ? env_to->pairs[j].value : NULL)
                            : flat_value(f, keeper, from->pairs[i].value);
        if (to->pairs) {
            to->pairs[i].name = name;
            to->pairs[i].name_len = from->pairs[i].name_len;
            to->pairs[i].value = value;
        }
    }
    for (i = 0; i < from->n_dropped; i++) {
        const char *name = st_flat_dup_str(f, from->dropped[i]);
        if (to->dropped)
            to->dropped[i] = name;
    }
}

/* Copy set into f; while f measures, only count the bytes it would take. */
static st_claim_set *set_copy(st_flat *f, const st_vcache_entry *keeper, const st_claim_set *set)
{
    st_claim_set scratch, *to = st_flat_take(f, sizeof(*to), sizeof(void *));
    if (to == NULL)
        to = &scratch;
    to->prefix = st_flat_dup_str(f, set->prefix);
    to->how = set->how;
    list_copy(f, keeper, &to->env, &set->env, NULL, NULL);
    list_copy(f, keeper, &to->hdr, &set->hdr, &set->env, &to->env);
    return to == &scratch ? NULL : to;
}

/* set in one malloc'd block, kept by `keeper` (whose token copy it may point into). */
static st_claim_set *set_flatten(const st_claim_set *set, const st_vcache_entry *keeper,
                                 apr_size_t *size)
{
    st_flat f = { NULL, 0 };

    set_copy(&f, keeper, set);
    *size = f.used;
    if ((f.base = malloc(f.used)) == NULL)
        return NULL;
    f.used = 0;
    return set_copy(&f, keeper, set);
}

/* The set a cache hit publishes: the one kept with its entry, made and attached by the first
 * hit for what its location passes (so a site that passes only the environment keeps no header
 * list). NULL (work it out for this request) when jwt is not the entry's token (a claim refetch
 * replaced it), or the kept set was made for another SuperTokensClaimPrefix or lacks a list
 * this location passes (locations that differ). */
static const st_claim_set *cached_set(apr_pool_t *p, const st_jwt *jwt,
                                      st_vcache_entry *cached, const char *prefix, int how)
{
    const st_claim_set *set;
    st_claim_set *flat;
    apr_size_t size;

    if (cached == NULL || st_vcache_jwt(cached)->token != jwt->token)
        return NULL;
    if ((set = st_vcache_attachment(cached)) == NULL) {
        if ((flat = set_flatten(set_make(p, jwt, prefix, how), cached, &size)) == NULL)
            return NULL;
        set = st_vcache_attach(cached, flat, size);
    }
    return strcmp(set->prefix, prefix) == 0 && (set->how & how) == how ? set : NULL;
}

/* No variable of the module's yet (so addn leaves what setn would): the first publication
 * of a main request. Sub-requests and internal redirects, and SetEnvIf lines that use these
 * names, get setn, so apr_table_get (mod_headers' %{...}e, mod_rewrite's %{ENV:...}, SSI)
 * finds the module's value rather than an earlier one. */
static int env_free_of(const apr_table_t *env, const char *prefix)
{
    const apr_array_header_t *arr = apr_table_elts(env);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    int i;
    for (i = 0; i < arr->nelts; i++)
        if (e[i].key && (env_prefix_match(e[i].key, ST_ENV_PREFIX)
                         || env_prefix_match(e[i].key, prefix)))
            return 0;
    return 1;
}

static void set_publish(request_rec *r, int how, const st_claim_set *set)
{
    int i, fresh;

    if (how & ST_PASS_ENV) {
        for (i = 0; i < set->env.n_dropped; i++)
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, APLOGNO(10032)
                          "claim %s holds U+0000: not passed as an environment variable",
                          ap_escape_logitem(r->pool, set->env.dropped[i]));
        fresh = env_free_of(r->subprocess_env, set->prefix);
        for (i = 0; i < set->env.n; i++) {
            if (fresh)
                apr_table_addn(r->subprocess_env, set->env.pairs[i].name, set->env.pairs[i].value);
            else
                apr_table_setn(r->subprocess_env, set->env.pairs[i].name, set->env.pairs[i].value);
        }
    }
    if (how & ST_PASS_HEADERS) {
        for (i = 0; i < set->hdr.n_dropped; i++)
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, APLOGNO(10031)
                          "claim %s has control characters: not passed as a header",
                          ap_escape_logitem(r->pool, set->hdr.dropped[i]));
        /* st_claims_publish scrubbed every name of the module's from headers_in just before */
        for (i = 0; i < set->hdr.n; i++)
            apr_table_addn(r->headers_in, set->hdr.pairs[i].name, set->hdr.pairs[i].value);
    }
}

void st_claims_publish(request_rec *r, const st_jwt *jwt, st_vcache_entry *cached)
{
    st_dir_conf *dc = st_dir_conf_get(r);
    int how = st_dcfg_pass_claims_as(dc);
    const char *prefix = st_dcfg_claim_prefix(dc);
    const st_claim_set *set;

    /* whatever an earlier request of this one (or a client, past the first scrub) put under
     * these names goes before the module sets its own */
    if (how & ST_PASS_HEADERS)
        st_claims_scrub_quietly(r);
    if (how == 0)
        return;
    if ((set = cached_set(r->pool, jwt, cached, prefix, how)) == NULL)
        set = set_make(r->pool, jwt, prefix, how);
    set_publish(r, how, set);
}

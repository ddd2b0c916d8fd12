/*
 * expr.c: the SUPERTOKENS_CLAIM string and list functions of ap_expr (see expr.h).
 *
 * Which session: the one verified for the request (or its main/previous request). httpd
 * evaluates <If> conditions and server-context RewriteCond expressions before
 * authentication, so when nothing has been verified yet the token is verified here, the
 * full verifySession way (st_session_load, with the directory's anti-CSRF rule and its
 * SuperTokensCheckDatabase), once per request. That early look changes nothing in the answer: a replacement token the core may
 * hand out is left for authentication to send, and a refused token only means "no claims".
 * Requests that authentication already let through anonymously have no claims. After
 * authorization the session is the one a Require line may have refreshed (recipe_claims.c), so
 * later expressions (Header expr=, per-directory RewriteCond) see the refetched claims; this
 * early look never refetches (that needs a regenerated token only authentication may send).
 */
#include "request/expr.h"
#include "request/authz.h"
#include "config/config.h"
#include "request/verify.h"
#include "token/json_util.h"

#include "http_core.h"
#include "http_log.h"
#include "ap_expr.h"
#include "apr_strings.h"

APLOG_USE_MODULE(supertokens);

#define ST_EXPR_FUNC        "supertokens_claim"
#define ST_EXPR_LIST_MAX    1000        /* elements of a list result */
#define ST_ANONYMOUS_NOTE   "supertokens-anonymous"   /* set by verify.c */

static apr_size_t peek_note;   /* ap_register_request_note() slot, set once at startup */

typedef struct {
    const json_t *payload;     /* NULL: no session */
} peeked;

static const json_t *request_payload(request_rec *r)
{
    const st_session *s = st_session_get(r);
    const st_server_conf *sc;
    apr_table_t *out;
    void **slot;
    peeked *pk;
    st_session loaded;

    if (s)
        return st_session_payload(s);
    if (apr_table_get(r->notes, ST_ANONYMOUS_NOTE))
        return NULL;
    slot = ap_get_request_note(r, peek_note);
    if (slot == NULL)
        return NULL;
    if (*slot)
        return ((peeked *)*slot)->payload;
    *slot = pk = apr_pcalloc(r->pool, sizeof(*pk));
    sc = st_server_conf_get(r->server);
    if (sc->core_urls == NULL)
        return NULL;
    /* whatever st_session_load writes to the response is dropped: authentication will
     * verify again and answer for real */
    out = r->err_headers_out;
    r->err_headers_out = apr_table_copy(r->pool, out);
    if (st_session_load(r, st_dir_conf_get(r)->anti_csrf_check,
                        st_dcfg_check_database(st_dir_conf_get(r)), &loaded) == ST_SESSION_OK)
        pk->payload = st_session_payload(&loaded);
    r->err_headers_out = out;
    return pk->payload;
}

static const st_claim_path *path_of(ap_expr_eval_ctx_t *ctx, const void *data, const char *arg)
{
    const st_claim_path *path = data;
    if (path == NULL && (arg == NULL || st_claim_path_parse(ctx->p, arg, &path) != NULL))
        return NULL;
    return path;
}

static const char *value_text(apr_pool_t *p, const json_t *v)
{
    if (json_is_string(v))
        return apr_pstrmemdup(p, json_string_value(v), json_string_length(v));
    return st_json_dump(p, v);
}

static int first_visit(void *vctx, const json_t *v)
{
    *(const json_t **)vctx = v;
    return 1;
}

static const char *claim_string(ap_expr_eval_ctx_t *ctx, const void *data, const char *arg)
{
    const json_t *payload, *v = NULL;
    const st_claim_path *path;

    if (ctx->r == NULL || (payload = request_payload(ctx->r)) == NULL
        || (path = path_of(ctx, data, arg)) == NULL)
        return "";
    st_claim_path_visit(payload, path, first_visit, &v);
    return v ? value_text(ctx->p, v) : "";
}

typedef struct {
    apr_pool_t *p;
    apr_array_header_t *list;
} list_ctx;

static int list_visit(void *vctx, const json_t *v)
{
    list_ctx *c = vctx;
    size_t k, n = json_is_array(v) ? json_array_size(v) : 1;

    for (k = 0; k < n && c->list->nelts < ST_EXPR_LIST_MAX; k++)
        *(const char **)apr_array_push(c->list)
            = value_text(c->p, json_is_array(v) ? json_array_get(v, k) : v);
    return c->list->nelts >= ST_EXPR_LIST_MAX;
}

static apr_array_header_t *claim_list(ap_expr_eval_ctx_t *ctx, const void *data, const char *arg)
{
    const json_t *payload;
    const st_claim_path *path;
    list_ctx c;

    if (ctx->r == NULL || (payload = request_payload(ctx->r)) == NULL
        || (path = path_of(ctx, data, arg)) == NULL)
        return NULL;
    c.p = ctx->p;
    c.list = apr_array_make(ctx->p, 4, sizeof(const char *));
    st_claim_path_visit(payload, path, list_visit, &c);
    return c.list;
}

static int expr_lookup(ap_expr_lookup_parms *parms)
{
    const st_claim_path *path = NULL;
    const char *err;

    if ((parms->type != AP_EXPR_FUNC_STRING && parms->type != AP_EXPR_FUNC_LIST)
        || strcasecmp(parms->name, ST_EXPR_FUNC) != 0)
        return DECLINED;
    /* a constant argument is checked and split once, when the expression is parsed */
    if (parms->arg) {
        if ((err = st_claim_path_parse(parms->pool, parms->arg, &path)) != NULL) {
            *parms->err = apr_psprintf(parms->ptemp, "%s: %s", ST_EXPR_FUNC, err);
            return !OK;
        }
    }
    *parms->data = path;
    *parms->func = parms->type == AP_EXPR_FUNC_STRING ? (const void *)claim_string
                                                      : (const void *)claim_list;
    return OK;
}

void st_expr_register(apr_pool_t *p)
{
    (void)p;
    peek_note = ap_register_request_note();
    ap_hook_expr_lookup(expr_lookup, NULL, NULL, APR_HOOK_MIDDLE);
}

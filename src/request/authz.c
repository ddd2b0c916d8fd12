/*
 * authz.c: `Require supertokens-claim | supertokens-role | supertokens-permission |
 * supertokens-email-verified` over the verified access-token payload (see authz.h).
 *
 * The mod_authz_core way: each Require line is parsed once at config time into a req_line
 * (claim path, values, regexes compiled, polarity); the per-request check only evaluates,
 * after the role, permission and email-verified lines have had a stale st-role / st-perm /
 * st-ev refetched from the core as the SDK's validators do (recipe_claims.h). No user yet, or no session (anonymous request): AUTHZ_DENIED_NO_USER, so httpd asks for
 * authentication first and the answer is a 401, never a 403.
 *
 * Denials. httpd answers a denied authenticated user with 401 (403 only with
 * AuthzSendForbiddenOnFailure On); supertokens-node answers a failed claim validator with
 * 403 {"message":"invalid claim","claimValidationErrors":[...]} (protocol.md §1.8). When a
 * provider's result counts against the user (denied, or granted under `Require not` /
 * <RequireNone>), it records the SDK-shaped reason in the request's state and "arms" the
 * request: it sets the request's own custom responses (ap_custom_response's table) for 401
 * and 403, so ap_die neither shows the 401 page nor redirects to an ErrorDocument 401:
 *   - API calls (st_request_is_api_like()): the JSON body for 401 and 403;
 *   - browser navigations: for 401, what a 403 would show here (ErrorDocument 403, else
 *     httpd's own 403 page); 403 is left alone.
 * The SUPERTOKENS_AUTHZ_ERROR filter, added by insert_error_filter (or, when the 403
 * ErrorDocument is a local URL, by insert_filter on the ErrorDocument's request), then
 * turns the 401 into 403 and gives API answers the JSON content type. If authorization is
 * granted after all (another branch of a <RequireAny>), the type_checker hook, the first
 * hook after authorization, restores the custom responses.
 * An anonymous API call denied for want of a session gets the SDK's
 * 401 {"message":"unauthorised"} the same way; navigations keep httpd's 401 page.
 */
#include "request/authz.h"
#include "request/verify.h"
#include "request/recipe_claims.h"
#include "token/json_util.h"
#include "core/stats.h"

#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "mod_auth.h"
#include "mod_core.h"
#include "ap_provider.h"
#include "ap_regex.h"
#include "util_filter.h"
#include "apr_strings.h"
#include "apr_lib.h"

#include <math.h>

APLOG_USE_MODULE(supertokens);

#define ST_AUTHZ_FILTER        "SUPERTOKENS_AUTHZ_ERROR"
#define ST_MAX_ARRAY_ELEMENTS  1000    /* elements of one array claim looked at */
#define ST_MAX_REGEX_SUBJECT   8192    /* longer values never match a regex */
#define ST_MAX_REASONS         16      /* entries of claimValidationErrors */
#define ST_MAX_ACTUAL          16      /* values reached by a path, shown as actualValue */
#define ST_UNAUTHORISED_BODY   "{\"message\":\"unauthorised\"}"

/* ---------- claim paths ---------------------------------------------------------------- */

const char *st_claim_path_parse(apr_pool_t *p, const char *name, const st_claim_path **out)
{
    st_claim_path *cp;
    const char *c, *start;
    int n = 1, i = 0;

    if (name == NULL || *name == '\0')
        return "the claim name is empty";
    for (c = name; *c; c++) {
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            return "the claim name contains control characters";
        if (*c == '.')
            n++;
    }
    if (n > ST_CLAIM_MAX_SEGMENTS)
        return apr_psprintf(p, "the claim path '%s' has more than %d segments", name,
                            ST_CLAIM_MAX_SEGMENTS);
    cp = apr_pcalloc(p, sizeof(*cp));
    cp->name = apr_pstrdup(p, name);
    cp->nseg = n;
    cp->seg = apr_pcalloc(p, (apr_size_t)n * sizeof(*cp->seg));
    for (start = c = cp->name;; c++) {
        if (*c != '.' && *c != '\0')
            continue;
        if (c == start)
            return apr_psprintf(p, "the claim path '%s' has an empty segment", name);
        cp->seg[i++] = apr_pstrmemdup(p, start, (apr_size_t)(c - start));
        if (*c == '\0')
            break;
        start = c + 1;
    }
    *out = cp;
    return NULL;
}

typedef struct {
    st_claim_visit_fn *fn;
    void *ctx;
    int budget;
} path_walk;

/* Depth is bounded by twice the number of segments: an array is searched one level only
 * (arrays directly inside it are skipped). */
static int walk_node(path_walk *w, const json_t *node, const st_claim_path *path, int i)
{
    size_t k;
    int rv;

    if (w->budget-- <= 0)
        return 0;
    if (i == path->nseg)
        return w->fn(w->ctx, node);
    if (json_is_object(node)) {
        const json_t *child = json_object_get(node, path->seg[i]);
        return child ? walk_node(w, child, path, i + 1) : 0;
    }
    if (json_is_array(node)) {
        for (k = 0; k < json_array_size(node) && w->budget > 0; k++) {
            const json_t *e = json_array_get(node, k);
            if (!json_is_array(e) && (rv = walk_node(w, e, path, i)) != 0)
                return rv;
        }
    }
    return 0;
}

int st_claim_path_visit(const json_t *payload, const st_claim_path *path,
                        st_claim_visit_fn *fn, void *ctx)
{
    path_walk w;
    const json_t *whole;

    if (!json_is_object(payload) || path == NULL)
        return 0;
    if (path->nseg > 1 && (whole = json_object_get(payload, path->name)) != NULL)
        return fn(ctx, whole);
    w.fn = fn;
    w.ctx = ctx;
    w.budget = ST_CLAIM_MAX_VISITS;
    return walk_node(&w, payload, path, 0);
}

/* ---------- parsed Require lines ------------------------------------------------------- */

typedef enum { REQ_CLAIM, REQ_ROLE, REQ_PERMISSION, REQ_EMAIL_VERIFIED } req_kind;

/* One value of `Require supertokens-claim`. */
typedef struct {
    const char *written;     /* as written in the configuration (with the '~') */
    const char *text;        /* literal text, or the regex source */
    apr_size_t len;
    ap_regex_t *re;          /* "~regex", compiled at config time */
    int is_number;           /* the literal also reads as a number */
    double number;
} claim_value;

typedef struct {
    req_kind kind;
    int negated;                   /* under an odd number of `not` / <RequireNone> */
    const char *provider;          /* "supertokens-role", for the log */
    const char *id;                /* id in claimValidationErrors */
    const st_claim_path *path;     /* REQ_CLAIM */
    apr_array_header_t *values;    /* claim_value (REQ_CLAIM), const char * (role, permission) */
} req_line;

/*
 * Is this Require line's result inverted by the time mod_authz_core combines it? `Require
 * not ...` and each enclosing <RequireNone> invert it once (<RequireAll>/<RequireAny> are
 * monotonic). Only used to word the reason; the result itself is left to mod_authz_core.
 */
static int line_negated(cmd_parms *cmd)
{
    const ap_directive_t *d = cmd->directive;
    int neg = 0;

    if (d && d->directive && strcasecmp(d->directive, "Require") == 0 && d->args) {
        const char *args = d->args;
        if (strcasecmp(ap_getword_conf(cmd->temp_pool, &args), "not") == 0)
            neg = 1;
    }
    for (d = d ? d->parent : NULL; d; d = d->parent)
        if (d->directive && strcasecmp(d->directive, "<RequireNone") == 0)
            neg = !neg;
    return neg;
}

static const char *parse_claim_value(cmd_parms *cmd, const char *w, claim_value *cv)
{
    cv->written = w;
    if (*w == '~') {
        cv->text = w + 1;
        if (*cv->text == '\0')
            return "Require supertokens-claim: '~' must be followed by a regular expression";
        cv->re = ap_pregcomp(cmd->pool, cv->text, AP_REG_EXTENDED | AP_REG_NOSUB);
        if (cv->re == NULL)
            return apr_psprintf(cmd->pool, "Require supertokens-claim: cannot compile the "
                                "regular expression '%s'", cv->text);
        return NULL;
    }
    cv->text = w;
    cv->len = strlen(w);
    if (cv->len > 0 && !apr_isspace(*w)) {
        char *end;
        double d = strtod(w, &end);
        if (*end == '\0' && isfinite(d)) {
            cv->is_number = 1;
            cv->number = d;
        }
    }
    return NULL;
}

static const char *parse_line(cmd_parms *cmd, req_kind kind, const char *provider,
                              const char *line, const void **parsed)
{
    req_line *rl = apr_pcalloc(cmd->pool, sizeof(*rl));
    const char *w, *err;

    rl->kind = kind;
    rl->provider = provider;
    rl->negated = line_negated(cmd);
    if (kind == REQ_EMAIL_VERIFIED) {
        rl->id = "st-ev";
        if (*ap_getword_conf(cmd->temp_pool, &line) != '\0')
            return "Require supertokens-email-verified takes no arguments";
        *parsed = rl;
        return NULL;
    }
    if (kind == REQ_CLAIM) {
        w = ap_getword_conf(cmd->pool, &line);
        if ((err = st_claim_path_parse(cmd->pool, w, &rl->path)) != NULL)
            return apr_psprintf(cmd->pool, "Require supertokens-claim: %s (syntax: Require "
                                "supertokens-claim <name> <value>|~<regex>...)", err);
        rl->id = rl->path->name;
        rl->values = apr_array_make(cmd->pool, 2, sizeof(claim_value));
    }
    else {
        rl->id = kind == REQ_ROLE ? "st-role" : "st-perm";
        rl->values = apr_array_make(cmd->pool, 2, sizeof(const char *));
    }
    for (;;) {
        while (apr_isspace(*line))
            line++;
        if (*line == '\0')
            break;
        w = ap_getword_conf(cmd->pool, &line);
        if (kind == REQ_CLAIM) {
            claim_value *cv = apr_array_push(rl->values);
            memset(cv, 0, sizeof(*cv));
            if ((err = parse_claim_value(cmd, w, cv)) != NULL)
                return err;
        }
        else if (*w == '\0') {
            return apr_psprintf(cmd->pool, "Require %s: empty name", provider);
        }
        else {
            *(const char **)apr_array_push(rl->values) = w;
        }
    }
    if (rl->values->nelts == 0)
        return apr_psprintf(cmd->pool, "Require %s needs at least one %s", provider,
                            kind == REQ_CLAIM ? "value after the claim name"
                            : kind == REQ_ROLE ? "role" : "permission");
    *parsed = rl;
    return NULL;
}

static const char *parse_claim(cmd_parms *cmd, const char *line, const void **parsed)
{
    return parse_line(cmd, REQ_CLAIM, "supertokens-claim", line, parsed);
}

static const char *parse_role(cmd_parms *cmd, const char *line, const void **parsed)
{
    return parse_line(cmd, REQ_ROLE, "supertokens-role", line, parsed);
}

static const char *parse_permission(cmd_parms *cmd, const char *line, const void **parsed)
{
    return parse_line(cmd, REQ_PERMISSION, "supertokens-permission", line, parsed);
}

static const char *parse_email_verified(cmd_parms *cmd, const char *line, const void **parsed)
{
    return parse_line(cmd, REQ_EMAIL_VERIFIED, "supertokens-email-verified", line, parsed);
}

/* ---------- evaluation (token values are untrusted: any type, any size) ---------------- */

static int scalar_matches(apr_pool_t *p, const json_t *v, const claim_value *cv)
{
    const char *text;
    apr_size_t len;

    switch (json_typeof(v)) {
    case JSON_STRING:
        text = json_string_value(v);
        len = json_string_length(v);
        break;
    case JSON_INTEGER:
    case JSON_REAL:
        if (cv->re == NULL)
            return cv->is_number && json_number_value(v) == cv->number;
        text = st_json_dump(p, v);
        len = strlen(text);
        break;
    case JSON_TRUE:
        text = "true";
        len = 4;
        break;
    case JSON_FALSE:
        text = "false";
        len = 5;
        break;
    case JSON_NULL:
        text = "null";
        len = 4;
        break;
    default:
        return 0;   /* objects and nested arrays never match */
    }
    if (cv->re) {
        if (len > ST_MAX_REGEX_SUBJECT || strlen(text) != len)
            return 0;
        return ap_regexec(cv->re, text, 0, NULL, 0) == 0;
    }
    return len == cv->len && memcmp(text, cv->text, len) == 0;
}

typedef struct {
    apr_pool_t *p;
    const req_line *rl;
} claim_match_ctx;

/* A value reached by the path matches if it (or, for an array, one of its elements)
 * matches one of the configured values. */
static int claim_match_visit(void *vctx, const json_t *v)
{
    const claim_match_ctx *c = vctx;
    const claim_value *vals = (const claim_value *)c->rl->values->elts;
    size_t k, n = json_is_array(v) ? json_array_size(v) : 1;
    int i;

    if (n > ST_MAX_ARRAY_ELEMENTS)
        n = ST_MAX_ARRAY_ELEMENTS;
    for (k = 0; k < n; k++) {
        const json_t *e = json_is_array(v) ? json_array_get(v, k) : v;
        for (i = 0; i < c->rl->values->nelts; i++)
            if (scalar_matches(c->p, e, &vals[i]))
                return 1;
    }
    return 0;
}

/* The "v" of a SuperTokens claim object ({"v":...,"t":<ms>}); NULL when there is none. */
static const json_t *claim_v(const json_t *payload, const char *key)
{
    const json_t *c = json_object_get(payload, key);
    return json_is_object(c) ? json_object_get(c, "v") : NULL;
}

static int array_has_any(const json_t *arr, const apr_array_header_t *wanted)
{
    size_t k, n;
    int i;

    if (!json_is_array(arr))
        return 0;
    n = json_array_size(arr);
    if (n > ST_MAX_ARRAY_ELEMENTS)
        n = ST_MAX_ARRAY_ELEMENTS;
    for (k = 0; k < n; k++) {
        const json_t *e = json_array_get(arr, k);
        if (!json_is_string(e))
            continue;
        for (i = 0; i < wanted->nelts; i++) {
            const char *w = APR_ARRAY_IDX(wanted, i, const char *);
            if (json_string_length(e) == strlen(w) && memcmp(json_string_value(e), w, strlen(w)) == 0)
                return 1;
        }
    }
    return 0;
}

static int evaluate(request_rec *r, const req_line *rl, const json_t *payload)
{
    claim_match_ctx c;

    switch (rl->kind) {
    case REQ_ROLE:
    case REQ_PERMISSION:
        return array_has_any(claim_v(payload, rl->id), rl->values);
    case REQ_EMAIL_VERIFIED:
        return json_is_true(claim_v(payload, rl->id));
    default:
        c.p = r->pool;
        c.rl = rl;
        return st_claim_path_visit(payload, rl->path, claim_match_visit, &c);
    }
}

/* ---------- reasons, shaped like supertokens-node's claim validators ------------------- */

static json_t *reason_new(const char *message)
{
    json_t *o = json_object();
    json_object_set_new(o, "message", json_string(message));
    return o;
}

/* The configured values: one string, or an array of them. */
static json_t *expected_json(const req_line *rl)
{
    json_t *a;
    int i;

    if (rl->values->nelts == 1)
        return json_string_nocheck(rl->kind == REQ_CLAIM
                                   ? ((const claim_value *)rl->values->elts)[0].written
                                   : APR_ARRAY_IDX(rl->values, 0, const char *));
    a = json_array();
    for (i = 0; i < rl->values->nelts; i++)
        json_array_append_new(a, json_string_nocheck(
            rl->kind == REQ_CLAIM ? ((const claim_value *)rl->values->elts)[i].written
                                  : APR_ARRAY_IDX(rl->values, i, const char *)));
    return a;
}

static int collect_visit(void *vctx, const json_t *v)
{
    json_t *found = vctx;
    json_array_append(found, (json_t *)v);
    return json_array_size(found) >= ST_MAX_ACTUAL;
}

/*
 * st-role / st-perm: PrimitiveArrayClaim's includes, includesAny, excludes and excludesAll.
 * st-ev: BooleanClaim's isVerified (hasValue(true)). Custom claims: the same words, with
 * expectedValue / expectedOneOf (expectedNotValue / expectedNotOneOf under `not`).
 */
static json_t *reason_for(const req_line *rl, const json_t *payload)
{
    const json_t *actual;
    json_t *o, *found = NULL;
    int one = rl->values ? rl->values->nelts == 1 : 1;
    const char *key;

    switch (rl->kind) {
    case REQ_ROLE:
    case REQ_PERMISSION:
        actual = claim_v(payload, rl->id);
        key = rl->negated ? "expectedToNotInclude"
            : one ? "expectedToInclude" : "expectedToIncludeAtLeastOneOf";
        o = reason_new(actual ? "wrong value" : "value does not exist");
        json_object_set_new(o, key, expected_json(rl));
        break;
    case REQ_EMAIL_VERIFIED:
        actual = claim_v(payload, rl->id);
        o = reason_new(actual ? "wrong value" : "value does not exist");
        json_object_set_new(o, "expectedValue", json_boolean(!rl->negated));
        break;
    default:
        found = json_array();
        st_claim_path_visit(payload, rl->path, collect_visit, found);
        actual = json_array_size(found) == 1 ? json_array_get(found, 0)
               : json_array_size(found) > 1 ? found : NULL;
        key = rl->negated ? (one ? "expectedNotValue" : "expectedNotOneOf")
                          : (one ? "expectedValue" : "expectedOneOf");
        o = reason_new(actual ? "wrong value" : "value does not exist");
        json_object_set_new(o, key, expected_json(rl));
        break;
    }
    if (actual)
        json_object_set(o, "actualValue", (json_t *)actual);
    json_decref(found);
    return o;
}

/* ---------- per-request state and the error answer ------------------------------------- */

typedef struct {
    json_t *errors;          /* claimValidationErrors so far */
    int no_session;          /* a provider wanted a session and the request had none */
    int api;                 /* the request looks like an API call */
    int armed;               /* the request's custom 401/403 responses are ours */
    char *orig401, *orig403; /* the request's own custom responses before arming */
    char *page403;           /* what a 403 would show here (ErrorDocument 403), or NULL */
    int logged;              /* the refusal has its notice line */
} authz_state;

static apr_size_t state_note;   /* ap_register_request_note() slot, set once at startup */

static authz_state *state_get(request_rec *r, int create)
{
    void **slot = ap_get_request_note(r, state_note);
    authz_state *st;

    if (slot == NULL)
        return NULL;
    if (*slot != NULL || !create)
        return *slot;
    st = apr_pcalloc(r->pool, sizeof(*st));
    st->errors = json_array();
    st_json_pool_own(r->pool, st->errors);
    st->api = st_request_is_api_like(r);
    *slot = st;
    return st;
}

static char *invalid_claim_body(request_rec *r, const authz_state *st)
{
    json_t *o = json_object();
    char *body;

    json_object_set_new(o, "message", json_string("invalid claim"));
    json_object_set(o, "claimValidationErrors", st->errors);
    body = st_json_dump(r->pool, o);
    json_decref(o);
    return body;
}

/* httpd's own 403 page (ap_send_error_response), as a custom response text. Releases that
 * define DOCTYPE_HTML_4_01 also switched their error pages to it (PR 62989). */
#ifdef DOCTYPE_HTML_4_01
#define ST_ERROR_DOCTYPE DOCTYPE_HTML_4_01
#else
#define ST_ERROR_DOCTYPE DOCTYPE_HTML_2_0
#endif
static char *default_403_page(request_rec *r)
{
    return apr_pstrcat(r->pool, "\"" ST_ERROR_DOCTYPE
                       "<html><head>\n<title>403 Forbidden</title>\n</head><body>\n"
                       "<h1>Forbidden</h1>\n"
                       "<p>You don't have permission to access this resource.</p>\n",
                       ap_psignature("<hr>\n", r), "</body></html>\n", NULL);
}

static void arm(request_rec *r, authz_state *st)
{
    core_request_config *rc = ap_get_core_module_config(r->request_config);
    int i401 = ap_index_of_response(HTTP_UNAUTHORIZED);
    int i403 = ap_index_of_response(HTTP_FORBIDDEN);

    if (!st->armed) {
        st->page403 = ap_response_code_string(r, i403);
        if (rc->response_code_strings == NULL)
            rc->response_code_strings = apr_pcalloc(r->pool, sizeof(*rc->response_code_strings)
                                                             * RESPONSE_CODES);
        st->orig401 = rc->response_code_strings[i401];
        st->orig403 = rc->response_code_strings[i403];
        st->armed = 1;
    }
    if (json_array_size(st->errors) > 0) {
        if (st->api) {
            char *body = apr_pstrcat(r->pool, "\"", invalid_claim_body(r, st), NULL);
            rc->response_code_strings[i401] = body;
            rc->response_code_strings[i403] = body;
        }
        else {
            rc->response_code_strings[i401] = st->page403 ? st->page403 : default_403_page(r);
        }
    }
    else if (st->no_session && st->api) {
        rc->response_code_strings[i401] = "\"" ST_UNAUTHORISED_BODY;
    }
}

/* type_checker, first hook after authorization: it was granted, so nothing of ours applies. */
static int disarm(request_rec *r)
{
    authz_state *st = state_get(r, 0);

    if (st && st->armed) {
        core_request_config *rc = ap_get_core_module_config(r->request_config);
        rc->response_code_strings[ap_index_of_response(HTTP_UNAUTHORIZED)] = st->orig401;
        rc->response_code_strings[ap_index_of_response(HTTP_FORBIDDEN)] = st->orig403;
        st->armed = 0;
    }
    return DECLINED;
}

static void record(request_rec *r, const req_line *rl, const json_t *payload)
{
    authz_state *st = state_get(r, 1);
    json_t *e;

    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, APLOGNO(10200)
                  "the session's claim %s does not satisfy Require %s%s",
                  ap_escape_logitem(r->pool, rl->id), rl->negated ? "not " : "", rl->provider);
    if (st == NULL)
        return;
    if (json_array_size(st->errors) < ST_MAX_REASONS) {
        e = json_object();
        json_object_set_new(e, "id", json_string_nocheck(rl->id));
        json_object_set_new(e, "reason", reason_for(rl, payload));
        json_array_append_new(st->errors, e);
    }
    arm(r, st);
}

static authz_status check(request_rec *r, const char *line, const void *parsed)
{
    const req_line *rl = parsed;
    const st_session *s;
    const json_t *payload;
    const char *type;
    int match;
    (void)line;

    if (r->user == NULL)
        return AUTHZ_DENIED_NO_USER;    /* first pass, before authentication */
    s = st_session_get(r);
    payload = st_session_payload(s);
    if (s == NULL || !json_is_object(payload)) {
        /* anonymous (SuperTokensSessionRequired Off, OPTIONS) or another AuthType */
        type = ap_auth_type(r);
        if (type && strcasecmp(type, "SuperTokens") == 0) {
            authz_state *st = state_get(r, 1);
            if (st && !st->no_session) {
                st->no_session = 1;
                arm(r, st);
            }
        }
        return AUTHZ_DENIED_NO_USER;
    }
    /* the SDK validators' refetch of a stale st-role / st-perm / st-ev (recipe_claims.h) */
    if (rl->kind != REQ_CLAIM && s == st_session_of(r))
        payload = st_claims_keep_fresh(r, st_session_of(r), rl->kind == REQ_ROLE ? ST_CLAIM_ROLE
                                       : rl->kind == REQ_PERMISSION ? ST_CLAIM_PERM : ST_CLAIM_EV);
    match = evaluate(r, rl, payload);
    if (match == rl->negated)
        record(r, rl, payload);
    return match ? AUTHZ_GRANTED : AUTHZ_DENIED;
}

static void json_answer(request_rec *r)
{
    ap_set_content_type(r, "application/json; charset=utf-8");
    apr_table_setn(r->headers_out, "Cache-Control", "no-cache, no-store, must-revalidate");
}

/* Runs before the HTTP header filter: fixes status and content type of the error answer. */
static apr_status_t error_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    request_rec *r = f->r;
    const authz_state *st = f->ctx;

    if (json_array_size(st->errors) > 0) {
        if (r->status == HTTP_UNAUTHORIZED) {
            r->status = HTTP_FORBIDDEN;
            r->status_line = NULL;
            apr_table_unset(r->headers_out, "WWW-Authenticate");
            apr_table_unset(r->err_headers_out, "WWW-Authenticate");
        }
        if (st->api && r->status == HTTP_FORBIDDEN)
            json_answer(r);
    }
    else if (st->no_session && st->api && r->status == HTTP_UNAUTHORIZED) {
        json_answer(r);
    }
    ap_remove_output_filter(f);
    return ap_pass_brigade(f->next, bb);
}

/* One notice line per refused request (the per-line details are AH10200, at info): the
 * account by its user id and the claims that failed, as Apache's authz modules log
 * "Authorization of user ... failed". */
static void log_refused(request_rec *r, authz_state *st)
{
    const st_session *s = st_session_get(r);
    apr_array_header_t *ids = apr_array_make(r->pool, 4, sizeof(const char *));
    size_t i;

    if (st->logged || json_array_size(st->errors) == 0)
        return;
    st->logged = 1;
    st_stats_inc(ST_STAT_CLAIMS_REFUSED);
    for (i = 0; i < json_array_size(st->errors); i++)
        APR_ARRAY_PUSH(ids, const char *) =
            st_json_string(json_array_get(st->errors, i), "id");
    ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r, APLOGNO(10474)
                  "user \"%s\": SuperTokens claims refused for \"%s\": %s, from %s",
                  ap_escape_logitem(r->pool, s && s->jwt && s->jwt->user_id ? s->jwt->user_id : ""),
                  ap_escape_logitem(r->pool, r->uri),
                  ap_escape_logitem(r->pool, apr_array_pstrcat(r->pool, ids, ',')),
                  r->useragent_ip);
}

/* ap_send_error_response for an armed request. */
static void insert_error_filter(request_rec *r)
{
    authz_state *st = state_get(r, 0);

    if (st && st->armed && (r->status == HTTP_UNAUTHORIZED || r->status == HTTP_FORBIDDEN)) {
        log_refused(r, st);
        ap_add_output_filter(ST_AUTHZ_FILTER, st, r, r->connection);
    }
}

/* The ErrorDocument 403 (a local URL) shown for a denied navigation: ap_die redirected to
 * it with the 401 status of the denial. */
static void insert_redirect_filter(request_rec *r)
{
    authz_state *st;

    if (r->prev == NULL || r->main != NULL || r->prev->status != HTTP_UNAUTHORIZED)
        return;
    st = state_get(r->prev, 0);
    if (st == NULL || !st->armed || json_array_size(st->errors) == 0)
        return;
    log_refused(r->prev, st);
    apr_table_setn(r->subprocess_env, "REDIRECT_STATUS", "403");
    ap_add_output_filter(ST_AUTHZ_FILTER, st, r, r->connection);
}

static const authz_provider claim_provider = { check, parse_claim };
static const authz_provider role_provider = { check, parse_role };
static const authz_provider permission_provider = { check, parse_permission };
static const authz_provider email_verified_provider = { check, parse_email_verified };

void st_authz_register(apr_pool_t *p)
{
    state_note = ap_register_request_note();
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "supertokens-claim",
                              AUTHZ_PROVIDER_VERSION, &claim_provider, AP_AUTH_INTERNAL_PER_CONF);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "supertokens-role",
                              AUTHZ_PROVIDER_VERSION, &role_provider, AP_AUTH_INTERNAL_PER_CONF);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "supertokens-permission",
                              AUTHZ_PROVIDER_VERSION, &permission_provider,
                              AP_AUTH_INTERNAL_PER_CONF);
    ap_register_auth_provider(p, AUTHZ_PROVIDER_GROUP, "supertokens-email-verified",
                              AUTHZ_PROVIDER_VERSION, &email_verified_provider,
                              AP_AUTH_INTERNAL_PER_CONF);
    ap_register_output_filter(ST_AUTHZ_FILTER, error_filter, NULL, AP_FTYPE_CONTENT_SET);
    ap_hook_type_checker(disarm, NULL, NULL, APR_HOOK_REALLY_FIRST);
    ap_hook_insert_error_filter(insert_error_filter, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_insert_filter(insert_redirect_filter, NULL, NULL, APR_HOOK_MIDDLE);
}

/*
 * router.c: routing of the SuperTokens backend API (protocol.md §1.2) and the handler hook.
 * Other methods on the API paths fall through (as supertokens-node's middleware does),
 * except CORS preflights from the website, which cors.c answers.
 */
#include "api/api.h"
#include "config/config.h"
#include "request/cors.h"
#include "pages/login.h"
#include "request/tokens_out.h"
#include "request/verify.h"
#include "token/json_util.h"
#include "token/jwt.h"

#include "http_log.h"
#include "http_protocol.h"
#include "apr_strings.h"
#include "apr_lib.h"

APLOG_USE_MODULE(supertokens);

static const st_api_route st_routes[] = {
    { M_POST, "/session/refresh", ST_RECIPE_SESSION, st_api_refresh, 0 },
    { M_POST, "/signout", ST_RECIPE_SESSION, st_api_signout, 0 },
    /* apps without a JavaScript frontend: the navigation refresh and the sign-out page */
    { M_GET, "/session/refresh", ST_RECIPE_SESSION, st_api_refresh_navigation, 1 },
    { M_GET, "/signout", ST_RECIPE_SESSION, st_api_signout_page, 1 },
    { M_POST, "/signup", ST_RECIPE_EMAILPASSWORD, st_api_signup, 0 },
    { M_POST, "/signin", ST_RECIPE_EMAILPASSWORD, st_api_signin, 0 },
    { M_GET, "/emailpassword/email/exists", ST_RECIPE_EMAILPASSWORD, st_api_email_exists, 0 },
    { M_GET, "/signup/email/exists", ST_RECIPE_EMAILPASSWORD, st_api_email_exists, 0 },   /* old alias */
    { M_POST, "/user/password/reset/token", ST_RECIPE_EMAILPASSWORD, st_api_reset_token, 0 },
    { M_POST, "/user/password/reset", ST_RECIPE_EMAILPASSWORD, st_api_reset_password, 0 },
    { M_POST, "/user/email/verify/token", ST_RECIPE_EMAILVERIFICATION, st_api_ev_token, 0 },
    { M_POST, "/user/email/verify", ST_RECIPE_EMAILVERIFICATION, st_api_ev_verify, 0 },
    { M_GET, "/user/email/verify", ST_RECIPE_EMAILVERIFICATION, st_api_ev_is_verified, 0 },
    /* ThirdParty (issue 19) and multitenancy's login methods */
    { M_GET, "/authorisationurl", ST_RECIPE_THIRDPARTY, st_api_tp_authorisation_url, 0 },
    { M_POST, "/signinup", ST_RECIPE_THIRDPARTY, st_api_tp_signinup, 0 },
    { M_POST, "/callback/apple", ST_RECIPE_THIRDPARTY, st_api_tp_apple_callback, 0 },
    { M_GET, "/loginmethods", ST_RECIPE_SESSION, st_api_loginmethods, 0 },
    { M_POST, "/signinup/code", ST_RECIPE_PASSWORDLESS, st_api_pl_create_code, 0 },
    { M_POST, "/signinup/code/resend", ST_RECIPE_PASSWORDLESS, st_api_pl_resend_code, 0 },
    { M_POST, "/signinup/code/consume", ST_RECIPE_PASSWORDLESS, st_api_pl_consume_code, 0 },
    { M_GET, "/passwordless/email/exists", ST_RECIPE_PASSWORDLESS, st_api_pl_email_exists, 0 },
    { M_GET, "/passwordless/phonenumber/exists", ST_RECIPE_PASSWORDLESS, st_api_pl_phone_exists, 0 },
    /* old aliases; /signup/email/exists is EmailPassword's too: rid decides (find()) */
    { M_GET, "/signup/email/exists", ST_RECIPE_PASSWORDLESS, st_api_pl_email_exists, 0 },
    { M_GET, "/signup/phonenumber/exists", ST_RECIPE_PASSWORDLESS, st_api_pl_phone_exists, 0 },
    { 0, NULL, 0, NULL, 0 }
};

/* The request path below the API base path ("" when it is the base itself), or NULL when
 * r is not under it. Uses the path as sent (not decoded), like the SDK; one trailing '/' is
 * dropped, as NormalisedURLPath does. */
static const char *below_base(request_rec *r, const st_server_conf *sc)
{
    const char *base = st_cfg_api_base_path(sc);
    const char *path = r->parsed_uri.path;
    apr_size_t bl = strlen(base), pl;
    char *rest;

    if (path == NULL || strncmp(path, base, bl) != 0 || (path[bl] != '/' && path[bl] != '\0'))
        return NULL;
    rest = apr_pstrdup(r->pool, path + bl);
    pl = strlen(rest);
    if (pl > 1 && rest[pl - 1] == '/')
        rest[pl - 1] = '\0';
    return rest;
}

/* Split "/<tenant><path>" when tenant is a valid tenant id (st_tenant_id_valid). */
static int split_tenant(apr_pool_t *p, const char *rest, const char **tenant, const char **path)
{
    const char *t = rest + 1, *slash;
    if (rest[0] != '/' || (slash = strchr(t, '/')) == NULL
        || !st_tenant_id_valid(t, (apr_size_t)(slash - t)))
        return 0;
    *tenant = apr_pstrmemdup(p, t, (apr_size_t)(slash - t));
    *path = slash;
    return 1;
}

/* The recipe a rid header names (0: none the module serves), so that a path two recipes share
 * goes to that recipe first, as supertokens-node's middleware routes it. */
static int rid_recipe(const char *rid)
{
    if (rid && strcmp(rid, "passwordless") == 0)
        return ST_RECIPE_PASSWORDLESS;
    if (rid && strcmp(rid, "emailpassword") == 0)
        return ST_RECIPE_EMAILPASSWORD;
    return 0;
}

/* navigation: 1 when the request is a browser navigation (navigation-only routes match), -1
 * when any route of the path will do (CORS preflights). rid: the recipe tried first. */
static const st_api_route *find(const char *path, int method, int recipes, int navigation, int rid)
{
    const st_api_route *rt, *first = NULL;
    for (rt = st_routes; rt->path; rt++)
        if ((method < 0 || rt->method == method) && (recipes & rt->recipe) && strcmp(rt->path, path) == 0
            && (!rt->navigation_only || navigation != 0)) {
            if (rid == 0 || rt->recipe == rid)
                return rt;
            if (first == NULL)
                first = rt;
        }
    return first;
}

static const st_api_route *match(request_rec *r, int method, const char **tenant_out)
{
    const st_server_conf *sc = st_server_conf_get(r->server);
    const char *rest, *tenant, *path;
    const st_api_route *rt;
    int recipes, navigation, rid;

    if (sc->core_urls == NULL || (rest = below_base(r, sc)) == NULL)
        return NULL;
    recipes = st_cfg_recipes(sc);
    navigation = method < 0 ? -1 : !st_request_is_api_like(r);
    rid = rid_recipe(apr_table_get(r->headers_in, "rid"));
    /* exact matches win over a tenant reading of the same path */
    if ((rt = find(rest, method, recipes, navigation, rid)) != NULL) {
        if (tenant_out)
            *tenant_out = "public";
        return rt;
    }
    if (split_tenant(r->pool, rest, &tenant, &path) && (rt = find(path, method, recipes, navigation, rid)) != NULL) {
        if (tenant_out)
            *tenant_out = tenant;
        return rt;
    }
    return NULL;
}

int st_api_core_failed(request_rec *r, const st_core_reply *reply, const char *what)
{
    /* a core that refused the module (API key, CDI version) is not "unreachable": 500, as
     * supertokens-node answers any core error; 503 is kept for a core that cannot be reached
     * so clients and balancers see a temporary failure (README "Operations") */
    if (reply->unavailable) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, APLOGNO(10070)
                      "%s: the SuperTokens core is not reachable: %s", what,
                      reply->error ? reply->error : "no reply");
        return st_send_json(r, HTTP_SERVICE_UNAVAILABLE,
                            "{\"message\":\"the SuperTokens core is not reachable\"}");
    }
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, APLOGNO(10071)
                  "%s: the SuperTokens core answered HTTP %d%s", what, reply->status,
                  reply->error ? apr_pstrcat(r->pool, ": ", reply->error, NULL) : "");
    return st_send_json(r, HTTP_INTERNAL_SERVER_ERROR,
                        "{\"message\":\"the SuperTokens core answered with an error\"}");
}

int st_api_read_json(request_rec *r, json_t **out)
{
    apr_size_t len = 0, cap = 4096;
    char *buf = apr_palloc(r->pool, cap);
    int rc;

    *out = NULL;
    if ((rc = ap_setup_client_block(r, REQUEST_CHUNKED_DECHUNK)) != OK)
        return rc;
    if (ap_should_client_block(r)) {
        for (;;) {
            long n;
            if (len == cap) {
                char *bigger;
                if (cap >= ST_API_MAX_BODY) {
                    /* drain nothing more: the connection is closed after this answer */
                    r->connection->keepalive = AP_CONN_CLOSE;
                    return st_send_json(r, HTTP_REQUEST_ENTITY_TOO_LARGE,
                                        "{\"message\":\"request entity too large\"}");
                }
                bigger = apr_palloc(r->pool, cap * 2);
                memcpy(bigger, buf, len);
                buf = bigger;
                cap *= 2;
            }
            n = ap_get_client_block(r, buf + len, cap - len);
            if (n < 0)
                return HTTP_BAD_REQUEST;
            if (n == 0)
                break;
            len += (apr_size_t)n;
        }
    }
    /* an empty body reads as {} (supertokens-node's getJSONBody) */
    if (len == 0) {
        *out = json_object();
        st_json_pool_own(r->pool, *out);
        return OK;
    }
    *out = st_json_parse(r->pool, buf, len, 0);
    if (*out == NULL)
        return st_send_json(r, HTTP_BAD_REQUEST, "{\"message\":\"API input error: Please make sure to pass a "
                                                 "valid JSON input in the request body\"}");
    return OK;
}

const st_api_route *st_api_match(request_rec *r, const char **tenant_out)
{
    return match(r, r->method_number, tenant_out);
}

int st_api_serves(request_rec *r)
{
    return st_api_match(r, NULL) != NULL;
}

int st_api_path_match(request_rec *r)
{
    return match(r, -1, NULL) != NULL;
}

int st_api_handler(request_rec *r)
{
    st_api_call call;
    int rc;

    if (r->method_number == M_OPTIONS && st_api_path_match(r))
        return st_cors_preflight(r);
    if ((rc = st_login_page_handler(r)) != DECLINED)
        return rc;
    call.route = st_api_match(r, &call.tenant_id);
    if (call.route == NULL)
        return DECLINED;
    st_cors_actual(r);
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, APLOGNO(10060)
                  "serving the SuperTokens API %s (tenant %s)", call.route->path,
                  ap_escape_logitem(r->pool, call.tenant_id));
    rc = call.route->fn(r, &call);
    return rc == DONE ? OK : rc;   /* the route wrote its whole answer */
}

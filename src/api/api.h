/*
 * api.h: the SuperTokens backend API under SuperTokensAPIBasePath, served by the module
 * (protocol.md §1.2). A table of {method, path, recipe} routes; a request matches a route
 * at {B}<path> (tenant "public") or at {B}/<tenantId><path> with tenantId [a-zA-Z0-9-]+.
 */
#ifndef ST_API_H
#define ST_API_H

#include "httpd.h"
#include "core/core.h"
#include <jansson.h>

/* Request bodies above this are refused with 413 (express.json's default limit). */
#define ST_API_MAX_BODY (100 * 1024)

typedef struct st_api_route st_api_route;

/* What a route's function gets. */
typedef struct {
    const st_api_route *route;
    const char *tenant_id;       /* "public" unless the path carried a tenant segment */
} st_api_call;

typedef int (*st_api_fn)(request_rec *r, const st_api_call *call);

struct st_api_route {
    int method;                  /* M_POST, M_GET */
    const char *path;            /* after the base path, e.g. "/session/refresh" */
    int recipe;                  /* ST_RECIPE_* bit that must be enabled */
    st_api_fn fn;
    int navigation_only;         /* 1: only for browser navigations (not st_request_is_api_like) */
};

/* The route r asks for on this vhost, or NULL. tenant_out may be NULL. */
const st_api_route *st_api_match(request_rec *r, const char **tenant_out);

/* 1 when r is a route of the API (its method included): authentication lets it through
 * (registered with st_open_path_register). */
int st_api_serves(request_rec *r);

/* 1 when r's path is one of the API paths, whatever the method (for CORS preflights). */
int st_api_path_match(request_rec *r);

/* handler hook: runs before mod_proxy so the API also works under ProxyPass /. */
int st_api_handler(request_rec *r);

/* Answer for a failed core call: 503 when unreachable, 500 when it answered wrongly; the
 * client's tokens are never cleared. Logs why (never secrets). Returns DONE. */
int st_api_core_failed(request_rec *r, const st_core_reply *reply, const char *what);

/* Read r's body as JSON (empty = {}). OK with *out set, or an answer was sent (DONE) or an
 * HTTP status to return: 400 invalid JSON with the SDK's message, 413 over ST_API_MAX_BODY. */
int st_api_read_json(request_rec *r, json_t **out);

/* emailpassword.c */
int st_api_signup(request_rec *r, const st_api_call *call);
int st_api_signin(request_rec *r, const st_api_call *call);
int st_api_email_exists(request_rec *r, const st_api_call *call);
int st_api_reset_token(request_rec *r, const st_api_call *call);
int st_api_reset_password(request_rec *r, const st_api_call *call);

/* emailverification.c */
int st_api_ev_token(request_rec *r, const st_api_call *call);
int st_api_ev_verify(request_rec *r, const st_api_call *call);
int st_api_ev_is_verified(request_rec *r, const st_api_call *call);

/* thirdparty.c */
int st_api_tp_authorisation_url(request_rec *r, const st_api_call *call);
int st_api_tp_signinup(request_rec *r, const st_api_call *call);
int st_api_tp_apple_callback(request_rec *r, const st_api_call *call);
int st_api_loginmethods(request_rec *r, const st_api_call *call);
/* passwordless.c */
int st_api_pl_create_code(request_rec *r, const st_api_call *call);
int st_api_pl_resend_code(request_rec *r, const st_api_call *call);
int st_api_pl_consume_code(request_rec *r, const st_api_call *call);
int st_api_pl_email_exists(request_rec *r, const st_api_call *call);
int st_api_pl_phone_exists(request_rec *r, const st_api_call *call);

/* session.c */
/* Create a session at the core for recipe_user_id and write its tokens the way st-auth-mode
 * asks (headers when absent). email (may be NULL) becomes the access token's "email" claim
 * with SuperTokensEmailClaim On. OK, or DONE after an error answer was sent. */
int st_api_create_session(request_rec *r, const char *tenant_id, const char *recipe_user_id,
                          const char *email);
/* POST {B}/session/refresh; a navigation with ?redirectToPath= is a navigation refresh. */
int st_api_refresh(request_rec *r, const st_api_call *call);
/* GET or POST {B}/session/refresh?redirectToPath= from a browser navigation: rotate the
 * refresh cookie, then 303/307 back to the (validated) path, or 302 to sign in. */
int st_api_refresh_navigation(request_rec *r, const st_api_call *call);
/* POST {B}/signout: the FDI sign-out; from an HTML form (a navigation), the plain sign-out. */
int st_api_signout(request_rec *r, const st_api_call *call);
/* GET {B}/signout from a navigation: a page with a sign-out button. */
int st_api_signout_page(request_rec *r, const st_api_call *call);

#endif

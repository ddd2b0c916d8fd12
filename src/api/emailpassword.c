/*
 * emailpassword.c: the EmailPassword recipe's API (protocol.md §4, §3.4): sign-up,
 * sign-in, email exists, password-reset token and password reset. The forms, validators and
 * user object are form.c's; this file does the core calls, sessions and answers.
 */
#include "api/api.h"
#include "token/b64.h"
#include "config/config.h"
#include "core/core.h"
#include "api/form.h"
#include "token/json_util.h"
#include "api/delivery.h"
#include "request/tokens_out.h"
#include "core/stats.h"

#include "http_log.h"
#include "http_protocol.h"
#include "util_script.h"
#include "apr_strings.h"
#include "apr_lib.h"

APLOG_USE_MODULE(supertokens);

static int bad_input(request_rec *r, const char *message)
{
    json_t *o = json_pack("{s:s}", "message", message);
    st_json_pool_own(r->pool, o);
    return st_send_json(r, HTTP_BAD_REQUEST, st_json_dump(r->pool, o));
}

static int send_status(request_rec *r, const char *status)
{
    return st_send_json(r, HTTP_OK, apr_psprintf(r->pool, "{\"status\":\"%s\"}", status));
}

/* Read a form (form.c); OK with values filled, or the 400 / FIELD_ERROR answer was sent. */
static int read_form(request_rec *r, const json_t *body, const st_form *form, const char **values)
{
    const char *message;
    json_t *answer;
    switch (st_form_read(r->pool, body, form, values, &message, &answer)) {
    case ST_FORM_BAD_INPUT:
        return bad_input(r, message);
    case ST_FORM_FIELD_ERROR:
        return st_send_json(r, HTTP_OK, st_json_dump(r->pool, answer));
    default:
        return OK;
    }
}

/* The email of the user's login method recipe_user_id, as the core keeps it (normalised); NULL
 * when the user object has none. */
static const char *login_method_email(const json_t *user, const char *recipe_user_id)
{
    const json_t *methods = json_object_get(user, "loginMethods"), *m;
    size_t i;
    json_array_foreach(methods, i, m) {
        const char *id = st_json_string(m, "recipeUserId");
        if (id && strcmp(id, recipe_user_id) == 0)
            return st_json_string(m, "email");
    }
    return NULL;
}

/* Shared tail of sign-in and sign-up: a session for the user, then the OK body. form_email is
 * the form's (trimmed) email, used for the email claim when the user object has none. */
static int signed_in(request_rec *r, const st_api_call *call, const json_t *reply, const char *form_email)
{
    const json_t *user = json_object_get(reply, "user");
    const char *recipe_user_id = st_json_string(reply, "recipeUserId"), *email;
    json_t *body;
    int rc;

    if (!json_is_object(user) || !st_json_string(user, "id")) {
        st_core_reply bad = { 0 };
        bad.status = 200;
        bad.error = "the core's user object is missing";
        return st_api_core_failed(r, &bad, "sign-in");
    }
    if (recipe_user_id == NULL)
        recipe_user_id = st_json_string(user, "id");
    email = login_method_email(user, recipe_user_id);
    if ((rc = st_api_create_session(r, call->tenant_id, recipe_user_id, email ? email : form_email)) != OK)
        return rc;
    body = json_pack("{s:s,s:O}", "status", "OK", "user",
                     st_fdi_user(r->pool, user, st_fdi_wants_user_object(apr_table_get(r->headers_in, "fdi-version"))));
    st_json_pool_own(r->pool, body);
    return st_send_json(r, HTTP_OK, st_json_dump(r->pool, body));
}

/*
 * A failed sign-in, as Apache's auth modules log theirs ("user %s: authentication failure
 * for ..."), at notice, which httpd writes whatever the LogLevel: the fail2ban filter
 * (conf/fail2ban) reads exactly this line. The client address comes first, in the
 * [client ...] field httpd writes from r->useragent_ip (mod_remoteip's client behind a
 * proxy), and again at the end for custom ErrorLogFormats; the email is escaped and quoted,
 * so it cannot forge either. Never the password.
 */
static void log_sign_in_failed(request_rec *r, const st_api_call *call, const char *email)
{
    ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r, APLOGNO(10470)
                  "user \"%s\": SuperTokens sign-in failed for \"%s\" (tenant %s): wrong "
                  "credentials, from %s", ap_escape_logitem(r->pool, email),
                  ap_escape_logitem(r->pool, r->uri), ap_escape_logitem(r->pool, call->tenant_id),
                  r->useragent_ip);
}

/* Other account events worth an admin's eye (refused sign-ups, reset requests), same form. */
static void log_account_event(request_rec *r, const st_api_call *call, const char *email,
                              const char *what)
{
    ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r, APLOGNO(10471)
                  "user \"%s\": SuperTokens %s (tenant %s), from %s",
                  ap_escape_logitem(r->pool, email), what,
                  ap_escape_logitem(r->pool, call->tenant_id), r->useragent_ip);
}

/* SuperTokensSignUp Off, or an email outside SuperTokensSignUpEmailDomains: refused before the
 * core is asked, with the status supertokens-node's signUpPOST returns when sign-up is not
 * allowed; supertokens-web-js hands {status, reason} to the app and the prebuilt UI and the
 * built-in page show the reason. The same answer whether or not the account exists. */
static int sign_up_refused(request_rec *r, const st_api_call *call, const char *email)
{
    const st_server_conf *sc = st_server_conf_get(r->server);
    int off = !st_cfg_sign_up(sc);
    log_account_event(r, call, email, off ? "sign-up refused: SuperTokensSignUp Off"
                      : "sign-up refused: the email's domain is not in SuperTokensSignUpEmailDomains");
    st_stats_inc(ST_STAT_SIGNUP_REFUSED);
    return st_send_json(r, HTTP_OK, off
        ? "{\"status\":\"SIGN_UP_NOT_ALLOWED\",\"reason\":\"Sign-up is disabled. "
          "Please ask an administrator for an account.\"}"
        : "{\"status\":\"SIGN_UP_NOT_ALLOWED\",\"reason\":\"Sign-up is not open to this email "
          "address. Please use your organisation's email address or ask an administrator.\"}");
}

/* POST {B}[/{t}]/signup or /signin: both send {email, password} to the core. */
static int sign_in_or_up(request_rec *r, const st_api_call *call, int signup)
{
    const char *values[2];
    json_t *in, *body;
    st_core_reply reply;
    const char *status;
    int rc;

    if ((rc = st_api_read_json(r, &in)) != OK)
        return rc;
    if ((rc = read_form(r, in, signup ? &st_form_signup : &st_form_signin, values)) != OK)
        return rc;
    if (signup && !st_cfg_sign_up_allows(st_server_conf_get(r->server), values[1]))
        return sign_up_refused(r, call, values[1]);
    body = json_pack("{s:s,s:s}", "email", values[1], "password", values[0]);
    st_json_pool_own(r->pool, body);
    if (st_core_post(r->pool, r->server,
                     apr_pstrcat(r->pool, "/", call->tenant_id, signup ? "/recipe/signup" : "/recipe/signin", NULL),
                     "emailpassword", body, &reply) != APR_SUCCESS || reply.status != 200 || !reply.json)
        return st_api_core_failed(r, &reply, signup ? "sign-up" : "sign-in");
    status = st_json_string(reply.json, "status");
    if (status && !strcmp(status, "OK")) {
        st_stats_inc(signup ? ST_STAT_SIGNUP_OK : ST_STAT_SIGNIN_OK);
        return signed_in(r, call, reply.json, values[1]);
    }
    if (signup && status && !strcmp(status, "EMAIL_ALREADY_EXISTS_ERROR")) {
        log_account_event(r, call, values[1], "sign-up refused: the email already exists");
        st_stats_inc(ST_STAT_SIGNUP_REFUSED);
        return st_send_json(r, HTTP_OK, "{\"status\":\"FIELD_ERROR\",\"formFields\":[{\"id\":\"email\","
                                        "\"error\":\"This email already exists. Please sign in instead.\"}]}");
    }
    if (!signup && status && !strcmp(status, "WRONG_CREDENTIALS_ERROR")) {
        log_sign_in_failed(r, call, values[1]);
        st_stats_inc(ST_STAT_SIGNIN_WRONG);
        return send_status(r, "WRONG_CREDENTIALS_ERROR");
    }
    reply.error = "unexpected status";
    return st_api_core_failed(r, &reply, signup ? "sign-up" : "sign-in");
}

int st_api_signup(request_rec *r, const st_api_call *call)
{
    return sign_in_or_up(r, call, 1);
}

int st_api_signin(request_rec *r, const st_api_call *call)
{
    return sign_in_or_up(r, call, 0);
}

/*
 * The emailpassword login method for an email, from GET /{t}/users/by-accountinfo.
 * Returns OK with *recipe_user_id (NULL if none), or an answer was sent.
 */
static const char *by_accountinfo_path(apr_pool_t *p, const char *tenant, const char *email)
{
    return apr_pstrcat(p, "/", tenant, "/users/by-accountinfo?email=", st_uri_encode_component(p, email),
                       "&doUnionOfAccountInfo=false", NULL);
}

static int find_emailpassword_user(request_rec *r, const char *tenant, const char *email,
                                   const char **recipe_user_id)
{
    st_core_reply reply;

    *recipe_user_id = NULL;
    if (st_core_get(r->pool, r->server, by_accountinfo_path(r->pool, tenant, email), NULL, &reply)
            != APR_SUCCESS || reply.status != 200 || !reply.json)
        return st_api_core_failed(r, &reply, "user lookup");
    *recipe_user_id = st_ep_recipe_user_id(r->pool, reply.json, email);
    return OK;
}

int st_api_email_exists(request_rec *r, const st_api_call *call)
{
    apr_table_t *args = NULL;
    const char *email, *found;
    int rc;

    ap_args_to_table(r, &args);
    email = args ? apr_table_get(args, "email") : NULL;
    if (email == NULL)
        return bad_input(r, "Please provide the email as a GET param");
    if ((rc = find_emailpassword_user(r, call->tenant_id, email, &found)) != OK)
        return rc;
    return st_send_json(r, HTTP_OK, found ? "{\"status\":\"OK\",\"exists\":true}"
                                          : "{\"status\":\"OK\",\"exists\":false}");
}

/* A failed core call on a delivery thread: logged, nothing is sent. */
static int reset_core_failed(const st_delivery *d, const st_core_reply *reply, const char *what)
{
    ap_log_error(APLOG_MARK, APLOG_ERR, 0, d->server, APLOGNO(10302)
                 "password reset for %s (tenant %s): %s failed, no link sent: %s%s",
                 ap_escape_logitem(d->pool, d->recipient), ap_escape_logitem(d->pool, d->tenant), what,
                 reply->unavailable || reply->status == 0 ? "the SuperTokens core is not reachable"
                 : apr_psprintf(d->pool, "the SuperTokens core answered HTTP %d", reply->status),
                 reply->error ? apr_pstrcat(d->pool, ": ", reply->error, NULL) : "");
    return 0;
}

/*
 * Runs on a delivery thread (delivery.h): finds the user, has the core make a reset token and
 * builds the link {websiteDomain}{websiteBasePath}/reset-password?token=...&tenantId=...
 * Returns 0 (nothing to send) for an unknown email or a core failure.
 */
static int reset_link_prepare(st_delivery *d)
{
    const st_server_conf *sc = st_server_conf_get(d->server);
    const char *user_id, *token;
    st_core_reply reply;
    json_t *body;

    if (st_core_get(d->pool, d->server, by_accountinfo_path(d->pool, d->tenant, d->recipient), NULL, &reply)
            != APR_SUCCESS || reply.status != 200 || !reply.json)
        return reset_core_failed(d, &reply, "the user lookup");
    if ((user_id = st_ep_recipe_user_id(d->pool, reply.json, d->recipient)) == NULL) {
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, d->server, APLOGNO(10303)
                     "password reset for %s (tenant %s): no such EmailPassword user, no link sent",
                     ap_escape_logitem(d->pool, d->recipient), ap_escape_logitem(d->pool, d->tenant));
        return 0;
    }
    body = json_pack("{s:s,s:s}", "userId", user_id, "email", d->recipient);
    st_json_pool_own(d->pool, body);
    if (st_core_post(d->pool, d->server,
                     apr_pstrcat(d->pool, "/", d->tenant, "/recipe/user/password/reset/token", NULL),
                     "emailpassword", body, &reply) != APR_SUCCESS || reply.status != 200 || !reply.json)
        return reset_core_failed(d, &reply, "the reset token");
    if ((token = st_json_string(reply.json, "token")) == NULL) {
        reply.error = "no token in the reply";
        return reset_core_failed(d, &reply, "the reset token");
    }
    d->secret = st_uri_encode_component(d->pool, token);
    d->link = apr_pstrcat(d->pool, sc->website_domain, st_cfg_website_base_path(sc),
                          "/reset-password?token=", d->secret,
                          "&tenantId=", st_uri_encode_component(d->pool, d->tenant), NULL);
    return 1;
}

/*
 * POST {B}[/{t}]/user/password/reset/token. Only the form is checked here (its FIELD_ERROR
 * depends on the input, not on any account); the lookup, the token and the delivery are
 * queued, so every valid request gets the same {"status":"OK"} at once, whether the account
 * exists, the email was asked for a moment ago, the queue is full or the core is down.
 */
int st_api_reset_token(request_rec *r, const st_api_call *call)
{
    const char *email;
    json_t *in;
    int rc;

    if ((rc = st_api_read_json(r, &in)) != OK)
        return rc;
    if ((rc = read_form(r, in, &st_form_reset_token, &email)) != OK)
        return rc;
    log_account_event(r, call, email, "password-reset link requested");
    st_stats_inc(ST_STAT_RESET_REQUESTS);
    st_delivery_submit(r->server, ST_DELIVERY_PASSWORD_RESET, call->tenant_id, email, NULL, NULL,
                       reset_link_prepare);
    return send_status(r, "OK");
}

int st_api_reset_password(request_rec *r, const st_api_call *call)
{
    const char *password, *user_id;
    const json_t *token;
    json_t *in, *body;
    st_core_reply reply;
    int rc;

    if ((rc = st_api_read_json(r, &in)) != OK)
        return rc;
    if ((rc = read_form(r, in, &st_form_reset, &password)) != OK)
        return rc;
    token = json_object_get(in, "token");
    if (token == NULL)
        return bad_input(r, "Please provide the password reset token");
    if (!json_is_string(token))
        return bad_input(r, "The password reset token must be a string");

    body = json_pack("{s:O}", "token", token);
    st_json_pool_own(r->pool, body);
    if (st_core_post(r->pool, r->server,
                     apr_pstrcat(r->pool, "/", call->tenant_id, "/recipe/user/password/reset/token/consume", NULL),
                     "emailpassword", body, &reply) != APR_SUCCESS || reply.status != 200 || !reply.json)
        return st_api_core_failed(r, &reply, "password reset");
    user_id = st_json_string(reply.json, "userId");
    if (user_id == NULL || strcmp(st_json_string(reply.json, "status") ? st_json_string(reply.json, "status") : "", "OK"))
        return send_status(r, "RESET_PASSWORD_INVALID_TOKEN_ERROR");

    body = json_pack("{s:s,s:s}", "recipeUserId", user_id, "password", password);
    st_json_pool_own(r->pool, body);
    if (st_core_call(r->pool, r->server, "PUT", "/recipe/user", "emailpassword", body, &reply) != APR_SUCCESS
        || reply.status != 200 || !reply.json)
        return st_api_core_failed(r, &reply, "password update");
    if (st_json_string(reply.json, "status") && !strcmp(st_json_string(reply.json, "status"), "OK"))
        return send_status(r, "OK");
    return send_status(r, "RESET_PASSWORD_INVALID_TOKEN_ERROR");
}

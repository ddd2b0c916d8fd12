/*
 * api_emailpassword.c: the EmailPassword recipe's API (protocol.md §4, §3.4): sign-up,
 * sign-in, email exists, password-reset token and password reset, with supertokens-node's
 * input checks (400 {"message"}), default validators (200 FIELD_ERROR) and user object.
 */
#include "api.h"
#include "b64.h"
#include "config.h"
#include "core.h"
#include "json_util.h"
#include "reset_delivery.h"
#include "tokens_out.h"

#include "http_log.h"
#include "http_protocol.h"
#include "util_script.h"
#include "ap_regex.h"
#include "apr_strings.h"
#include "apr_lib.h"

APLOG_USE_MODULE(supertokens);

typedef const char *(*st_validator)(const char *value);

typedef struct {
    const char *id;
    st_validator validate;       /* NULL: any non-empty value */
} st_form_field;

/* The SDK's default email rule (protocol.md §4), compiled once per process. */
#define ST_EMAIL_RE "^(([^<>()\\[\\]\\\\.,;:\\s@\"]+(\\.[^<>()\\[\\]\\\\.,;:\\s@\"]+)*)|(\".+\"))@" \
                    "((\\[[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\])|" \
                    "(([a-zA-Z\\-0-9]+\\.)+[a-zA-Z]{2,}))$"
static ap_regex_t *email_re;

void st_api_emailpassword_init(apr_pool_t *p)
{
    /* no default flags: '.' must not match a newline, as in JavaScript */
    email_re = ap_pregcomp(p, ST_EMAIL_RE, AP_REG_NO_DEFAULT);
}

static const char *validate_email(const char *value)
{
    if (email_re == NULL || ap_regexec(email_re, value, 0, NULL, 0) != 0)
        return "Email is invalid";
    return NULL;
}

/* Length in UTF-16 code units, as JavaScript counts it. */
static apr_size_t js_length(const char *s)
{
    apr_size_t n = 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c & 0xC0) != 0x80)
            n += (c >= 0xF0) ? 2 : 1;   /* 4-byte sequences are surrogate pairs */
    }
    return n;
}

/* JS /^.*X+.*$/ fails when the string holds a line terminator ('.' does not match it). */
static int has_line_terminator(const char *s)
{
    return strpbrk(s, "\r\n") != NULL || strstr(s, "\xE2\x80\xA8") != NULL
        || strstr(s, "\xE2\x80\xA9") != NULL;
}

static const char *validate_password(const char *value)
{
    apr_size_t len = js_length(value);
    const char *c;
    int alpha = 0, digit = 0;
    if (len < 8)
        return "Password must contain at least 8 characters, including a number";
    if (len >= 100)
        return "Password's length must be lesser than 100 characters";
    for (c = value; *c; c++) {
        alpha |= apr_isalpha(*c) && (unsigned char)*c < 0x80;
        digit |= apr_isdigit(*c);
    }
    if (!alpha || has_line_terminator(value))
        return "Password must contain at least one alphabet";
    if (!digit)
        return "Password must contain at least one number";
    return NULL;
}

/* Configured field order: password before email, as the SDK's default sign-up form. */
static const st_form_field signup_fields[] = { { "password", validate_password }, { "email", validate_email } };
static const st_form_field signin_fields[] = { { "password", NULL }, { "email", validate_email } };
static const st_form_field reset_token_fields[] = { { "email", validate_email } };
static const st_form_field reset_fields[] = { { "password", validate_password } };
#define NFIELDS(a) ((int)(sizeof(a) / sizeof((a)[0])))

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

/*
 * supertokens-node's validateFormFieldsOrThrowError: syntax checks (400), email trimmed,
 * then each configured field in order (FIELD_ERROR). On OK, values[i] holds cfg[i]'s value.
 */
static int read_form(request_rec *r, const json_t *body, const st_form_field *cfg, int ncfg,
                     const char **values)
{
    const json_t *raw = json_is_object(body) ? json_object_get(body, "formFields") : NULL;
    json_t *errors;
    size_t i;
    int f;

    if (raw == NULL)
        return bad_input(r, "Missing input param: formFields");
    if (!json_is_array(raw))
        return bad_input(r, "formFields must be an array");
    for (i = 0; i < json_array_size(raw); i++) {
        const json_t *cur = json_array_get(raw, i);
        const json_t *id, *value;
        /* JavaScript's typeof [] is "object": arrays pass here and fail the next check */
        if (!json_is_object(cur) && !json_is_array(cur))
            return bad_input(r, "All elements of formFields must be an object");
        id = json_is_object(cur) ? json_object_get(cur, "id") : NULL;
        value = json_is_object(cur) ? json_object_get(cur, "value") : NULL;
        if (!json_is_string(id) || value == NULL)
            return bad_input(r, "All elements of formFields must contain an 'id' and 'value' field");
        if ((!strcmp(json_string_value(id), "email") || !strcmp(json_string_value(id), "password"))
            && !json_is_string(value))
            return bad_input(r, apr_pstrcat(r->pool, json_string_value(id), " value must be a string", NULL));
    }
    if (json_array_size(raw) > (size_t)ncfg)
        return bad_input(r, "Are you sending too many formFields?");

    errors = json_array();
    st_json_pool_own(r->pool, errors);
    for (f = 0; f < ncfg; f++) {
        const json_t *input = NULL, *value;
        const char *text = NULL, *err = NULL;
        for (i = 0; i < json_array_size(raw) && input == NULL; i++)
            if (!strcmp(json_string_value(json_object_get(json_array_get(raw, i), "id")), cfg[f].id))
                input = json_array_get(raw, i);
        value = input ? json_object_get(input, "value") : NULL;
        if (json_is_string(value)) {
            text = json_string_value(value);
            if (!strcmp(cfg[f].id, "email"))
                text = st_js_trim(r->pool, text, 0);
        }
        if (text == NULL || *text == '\0')
            err = "Field is not optional";
        else if (cfg[f].validate)
            err = cfg[f].validate(text);
        if (err)
            json_array_append_new(errors, json_pack("{s:s,s:s}", "error", err, "id", cfg[f].id));
        values[f] = text;
    }
    if (json_array_size(errors) > 0) {
        json_t *o = json_pack("{s:s,s:O}", "status", "FIELD_ERROR", "formFields", errors);
        st_json_pool_own(r->pool, o);
        return st_send_json(r, HTTP_OK, st_json_dump(r->pool, o));
    }
    return OK;
}

/* Highest fdi-version of the request (absent: latest); 1 when it wants the current user shape. */
static int wants_user_object(request_rec *r)
{
    const char *h = apr_table_get(r->headers_in, "fdi-version");
    char *list, *tok, *last;
    int best_major = -1, best_minor = -1;
    if (h == NULL)
        return 1;
    list = apr_pstrdup(r->pool, h);
    for (tok = apr_strtok(list, ",", &last); tok; tok = apr_strtok(NULL, ",", &last)) {
        int major = 0, minor = 0;
        if (sscanf(tok, " %d.%d", &major, &minor) < 1)
            continue;
        if (major > best_major || (major == best_major && minor > best_minor)) {
            best_major = major;
            best_minor = minor;
        }
    }
    /* §4: FDI >= 3.0, or 1.18-1.x, get the user object; older ones {id, timeJoined, email} */
    return best_major < 0 || best_major >= 3 || (best_major == 1 && best_minor >= 18);
}

static void copy_member(json_t *to, const json_t *from, const char *key)
{
    json_t *v = json_object_get(from, key);
    if (v)
        json_object_set(to, key, v);
}

/* The FDI user object from the core's user, in the SDK's key order (§4, §6.3). */
static json_t *fdi_user(request_rec *r, const json_t *user)
{
    json_t *out = json_object(), *methods = json_array();
    const json_t *lm = json_object_get(user, "loginMethods");
    size_t i;
    static const char *const top[] = { "id", "isPrimaryUser", "tenantIds", "emails", "phoneNumbers",
                                       "thirdParty", "webauthn" };
    static const char *const per[] = { "recipeId", "recipeUserId", "tenantIds", "email", "phoneNumber",
                                       "thirdParty", "webauthn", "timeJoined", "verified" };
    st_json_pool_own(r->pool, out);
    if (!wants_user_object(r)) {
        const json_t *emails = json_object_get(user, "emails");
        copy_member(out, user, "id");
        copy_member(out, user, "timeJoined");
        if (json_array_size(emails) > 0)
            json_object_set(out, "email", json_array_get(emails, 0));
        json_decref(methods);
        return out;
    }
    for (i = 0; i < sizeof(top) / sizeof(top[0]); i++)
        copy_member(out, user, top[i]);
    for (i = 0; i < json_array_size(lm); i++) {
        json_t *m = json_object();
        size_t k;
        for (k = 0; k < sizeof(per) / sizeof(per[0]); k++)
            copy_member(m, json_array_get(lm, i), per[k]);
        json_array_append_new(methods, m);
    }
    json_object_set_new(out, "loginMethods", methods);
    copy_member(out, user, "timeJoined");
    return out;
}

/* Shared tail of sign-in and sign-up: a session for the user, then the OK body. */
static int signed_in(request_rec *r, const st_api_call *call, const json_t *reply)
{
    const json_t *user = json_object_get(reply, "user");
    const char *recipe_user_id = st_json_string(reply, "recipeUserId");
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
    if ((rc = st_api_create_session(r, call->tenant_id, recipe_user_id)) != OK)
        return rc;
    body = json_pack("{s:s,s:O}", "status", "OK", "user", fdi_user(r, user));
    st_json_pool_own(r->pool, body);
    return st_send_json(r, HTTP_OK, st_json_dump(r->pool, body));
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
    if ((rc = read_form(r, in, signup ? signup_fields : signin_fields, 2, values)) != OK)
        return rc;
    body = json_pack("{s:s,s:s}", "email", values[1], "password", values[0]);
    st_json_pool_own(r->pool, body);
    if (st_core_post(r->pool, r->server,
                     apr_pstrcat(r->pool, "/", call->tenant_id, signup ? "/recipe/signup" : "/recipe/signin", NULL),
                     "emailpassword", body, &reply) != APR_SUCCESS || reply.status != 200 || !reply.json)
        return st_api_core_failed(r, &reply, signup ? "sign-up" : "sign-in");
    status = st_json_string(reply.json, "status");
    if (status && !strcmp(status, "OK"))
        return signed_in(r, call, reply.json);
    if (signup && status && !strcmp(status, "EMAIL_ALREADY_EXISTS_ERROR"))
        return st_send_json(r, HTTP_OK, "{\"status\":\"FIELD_ERROR\",\"formFields\":[{\"id\":\"email\","
                                        "\"error\":\"This email already exists. Please sign in instead.\"}]}");
    if (!signup && status && !strcmp(status, "WRONG_CREDENTIALS_ERROR"))
        return send_status(r, "WRONG_CREDENTIALS_ERROR");
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
static int find_emailpassword_user(request_rec *r, const char *tenant, const char *email,
                                   const char **recipe_user_id)
{
    st_core_reply reply;
    const json_t *users;
    const char *want = st_js_trim(r->pool, email, 0);
    size_t i, k;

    *recipe_user_id = NULL;
    if (st_core_get(r->pool, r->server,
                    apr_pstrcat(r->pool, "/", tenant, "/users/by-accountinfo?email=",
                                st_uri_encode_component(r->pool, email), "&doUnionOfAccountInfo=false", NULL),
                    NULL, &reply) != APR_SUCCESS || reply.status != 200 || !reply.json)
        return st_api_core_failed(r, &reply, "user lookup");
    users = json_object_get(reply.json, "users");
    for (i = 0; i < json_array_size(users); i++) {
        const json_t *lm = json_object_get(json_array_get(users, i), "loginMethods");
        for (k = 0; k < json_array_size(lm); k++) {
            const json_t *m = json_array_get(lm, k);
            const char *e = st_json_string(m, "email");
            if (st_json_string(m, "recipeId") && !strcmp(st_json_string(m, "recipeId"), "emailpassword")
                && e && !strcasecmp(e, want)) {
                *recipe_user_id = st_json_string(m, "recipeUserId");
                return OK;
            }
        }
    }
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

int st_api_reset_token(request_rec *r, const st_api_call *call)
{
    const st_server_conf *sc = st_server_conf_get(r->server);
    const char *email, *user_id, *token;
    json_t *in, *body;
    st_core_reply reply;
    int rc;

    if ((rc = st_api_read_json(r, &in)) != OK)
        return rc;
    if ((rc = read_form(r, in, reset_token_fields, 1, &email)) != OK)
        return rc;
    if ((rc = find_emailpassword_user(r, call->tenant_id, email, &user_id)) != OK)
        return rc;
    /* unknown emails get the same answer: no account enumeration */
    if (user_id == NULL)
        return send_status(r, "OK");
    body = json_pack("{s:s,s:s}", "userId", user_id, "email", email);
    st_json_pool_own(r->pool, body);
    if (st_core_post(r->pool, r->server,
                     apr_pstrcat(r->pool, "/", call->tenant_id, "/recipe/user/password/reset/token", NULL),
                     "emailpassword", body, &reply) != APR_SUCCESS || reply.status != 200 || !reply.json)
        return st_api_core_failed(r, &reply, "password reset token");
    token = st_json_string(reply.json, "token");
    if (token) {
        const char *link = apr_pstrcat(r->pool, sc->website_domain, st_cfg_website_base_path(sc),
                                       "/reset-password?token=", st_uri_encode_component(r->pool, token),
                                       "&tenantId=", st_uri_encode_component(r->pool, call->tenant_id), NULL);
        st_reset_deliver(r, email, link, token);
    }
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
    if ((rc = read_form(r, in, reset_fields, 1, &password)) != OK)
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

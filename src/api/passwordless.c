/*
 * passwordless.c: the Passwordless recipe's API as supertokens-node 24 serves it
 * (the .ts files of recipe/passwordless/api): POST {B}[/{t}]/signinup/code, .../code/resend and
 * .../code/consume, GET {B}[/{t}]/passwordless/email/exists and .../phonenumber/exists (and the
 * old /signup/... aliases). Bodies are read by passwordless_input.c, the codes live in the core,
 * the message goes out through delivery.c before the answer (as the SDK awaits its delivery),
 * and a consumed code ends in st_api_create_session like every other sign-in. Without account
 * linking (which the module does not do) the SDK's pre- and post-auth checks reduce to the
 * sign-up rules (SuperTokensSignUp, SuperTokensSignUpEmailDomains), applied here.
 */
#include "api/api.h"
#include "api/delivery.h"
#include "api/form.h"
#include "api/passwordless_input.h"
#include "config/config.h"
#include "core/core.h"
#include "core/stats.h"
#include "request/tokens_out.h"
#include "token/b64.h"
#include "token/json_util.h"

#include "http_log.h"
#include "http_protocol.h"
#include "util_script.h"
#include "apr_strings.h"

APLOG_USE_MODULE(supertokens);

/* The SDK's resend tries three times when the core says the (custom) code is taken. */
#define ST_PL_NEW_CODE_TRIES 3

static int answer(request_rec *r, int status, json_t *body)
{
    st_json_pool_own(r->pool, body);
    return st_send_json(r, status, st_json_dump(r->pool, body));
}

static int restart_flow(request_rec *r)
{
    return st_send_json(r, HTTP_OK, "{\"status\":\"RESTART_FLOW_ERROR\"}");
}

/* What a failed read of a body answers (passwordless_input.h). */
static int input_failed(request_rec *r, st_pl_input result, const char *message)
{
    if (result == ST_PL_INPUT_BAD)
        return answer(r, HTTP_BAD_REQUEST, json_pack("{s:s}", "message", message));
    if (result == ST_PL_INPUT_GENERAL_ERROR)
        return answer(r, HTTP_OK, json_pack("{s:s,s:s}", "status", "GENERAL_ERROR", "message", message));
    return restart_flow(r);
}

/* The account as Apache's auth modules log users; never a code or a link. */
static const char *who(request_rec *r, const char *email, const char *phone)
{
    return ap_escape_logitem(r->pool, email ? email : phone ? phone : "(unknown)");
}

/* Account events in the form of the other sign-ins' lines (README "Logs"); AH10650 is a failed
 * sign-in, which conf/fail2ban's filter counts like AH10470. */
static void log_wrong_code(request_rec *r, const st_api_call *call, const char *email, const char *phone,
                           const char *what)
{
    ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r, APLOGNO(10650)
                  "user \"%s\": SuperTokens sign-in failed for \"%s\" (tenant %s): %s, from %s",
                  who(r, email, phone), ap_escape_logitem(r->pool, r->uri),
                  ap_escape_logitem(r->pool, call->tenant_id), what, r->useragent_ip);
}

static void log_account_event(request_rec *r, const st_api_call *call, const char *email, const char *phone,
                              const char *what)
{
    ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r, APLOGNO(10651)
                  "user \"%s\": SuperTokens %s (tenant %s), from %s", who(r, email, phone), what,
                  ap_escape_logitem(r->pool, call->tenant_id), r->useragent_ip);
}

/* GET /{t}/users/by-accountinfo for an email or a phone number, as the SDK asks. */
static const char *accountinfo_path(apr_pool_t *p, const char *tenant, const char *email, const char *phone)
{
    return apr_pstrcat(p, "/", tenant, "/users/by-accountinfo?", email ? "email=" : "phoneNumber=",
                       st_uri_encode_component(p, email ? email : phone), "&doUnionOfAccountInfo=false", NULL);
}

static int lookup(request_rec *r, const char *tenant, const char *email, const char *phone, st_core_reply *reply)
{
    if (st_core_get(r->pool, r->server, accountinfo_path(r->pool, tenant, email, phone), NULL, reply)
            != APR_SUCCESS || reply->status != 200 || !reply->json)
        return st_api_core_failed(r, reply, "passwordless user lookup");
    return OK;
}

/* Whether the tenant has a passwordless user for the contact: OK with *user_id (NULL: none). */
static int find_user(request_rec *r, const char *tenant, const char *email, const char *phone, const char **user_id)
{
    st_core_reply reply;
    int rc;

    *user_id = NULL;
    if ((rc = lookup(r, tenant, email, phone, &reply)) != OK)
        return rc;
    *user_id = st_pl_recipe_user_id(r->pool, reply.json, email, phone);
    return OK;
}

/* A new user that the sign-up rules refuse: the SDK's status for a refused passwordless sign-in
 * or sign-up, with the reason the built-in page and the prebuilt UI show. Nothing is sent. */
static int sign_up_refused(request_rec *r, const st_api_call *call, const char *email, const char *phone)
{
    const st_server_conf *sc = st_server_conf_get(r->server);
    const char *reason, *why;

    if (!st_cfg_sign_up(sc)) {
        reason = "Sign-up is disabled. Please ask an administrator for an account.";
        why = "passwordless sign-up refused: SuperTokensSignUp Off";
    }
    else if (email) {
        reason = "Sign-up is not open to this email address. Please use your organisation's email address "
                 "or ask an administrator.";
        why = "passwordless sign-up refused: the email's domain is not in SuperTokensSignUpEmailDomains";
    }
    else {
        reason = "Sign-up is not open to phone numbers. Please use your organisation's email address or "
                 "ask an administrator.";
        why = "passwordless sign-up refused: SuperTokensSignUpEmailDomains allows emails only";
    }
    log_account_event(r, call, email, phone, why);
    st_stats_inc(ST_STAT_SIGNUP_REFUSED);
    return answer(r, HTTP_OK, json_pack("{s:s,s:s}", "status", "SIGN_IN_UP_NOT_ALLOWED", "reason", reason));
}

/* OK when the contact may sign in here (an existing user) or sign up; else the refusal is sent. */
static int may_sign_in_up(request_rec *r, const st_api_call *call, const char *email, const char *phone)
{
    const char *user_id;
    int rc;

    if ((rc = find_user(r, call->tenant_id, email, phone, &user_id)) != OK)
        return rc;
    if (user_id == NULL && !st_cfg_pl_sign_up_allows(st_server_conf_get(r->server), email, phone))
        return sign_up_refused(r, call, email, phone);
    return OK;
}

/* The SDK sends SMS for PHONE, and for EMAIL_OR_PHONE when the contact is a phone number. */
static st_delivery_kind kind_for(const char *phone)
{
    return phone ? ST_DELIVERY_PASSWORDLESS_SMS : ST_DELIVERY_PASSWORDLESS;
}

/* The SDK's GENERAL_ERROR shape, for a recipient the repeat limit turns away (delivery.h). */
static int too_many(request_rec *r)
{
    return answer(r, HTTP_OK, json_pack("{s:s,s:s}", "status", "GENERAL_ERROR", "message",
                                        "Too many sign-in messages were sent to this address in the last minute. "
                                        "Please wait a minute and try again."));
}

/*
 * Hand the link and/or code of a core createCode reply (as the flow type says) to the delivery,
 * and wait for it. OK, or an answer was sent: 500 when it failed, as supertokens-node answers
 * when its sendEmail/sendSms throws.
 */
static int deliver(request_rec *r, const st_api_call *call, const char *email, const char *phone,
                   const json_t *code)
{
    const st_server_conf *sc = st_server_conf_get(r->server);
    int flow = st_cfg_pl_flow(sc);
    const char *pre_auth = st_json_string(code, "preAuthSessionId"), *link_code = st_json_string(code, "linkCode");
    const char *input_code = st_json_string(code, "userInputCode");
    const json_t *lifetime = json_object_get(code, "codeLifetime");
    st_delivery d;

    memset(&d, 0, sizeof(d));
    d.pool = r->pool;
    d.server = r->server;
    d.kind = kind_for(phone);
    d.tenant = call->tenant_id;
    d.recipient = email ? email : phone;
    d.lifetime = json_is_integer(lifetime) ? (long)(json_integer_value(lifetime) / 1000) : 0;
    if (flow & ST_PL_FLOW_MAGIC_LINK) {
        d.secret = st_uri_encode_component(r->pool, link_code);
        d.link = st_pl_magic_link(r->pool, sc->website_domain, st_cfg_website_base_path(sc), pre_auth,
                                  call->tenant_id, link_code);
    }
    if (flow & ST_PL_FLOW_USER_INPUT_CODE)
        d.code = input_code;
    if (st_delivery_send_now(&d))
        return OK;
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, APLOGNO(10652)
                  "passwordless: the sign-in message for %s could not be delivered (see above); answering 500",
                  who(r, email, phone));
    return st_send_json(r, HTTP_INTERNAL_SERVER_ERROR,
                        "{\"message\":\"the sign-in message could not be delivered\"}");
}

/* 1 when a core createCode reply is OK and has what the answer and the message need. */
static int code_reply_ok(const json_t *reply)
{
    const char *status = st_json_string(reply, "status");
    return status && strcmp(status, "OK") == 0 && st_json_string(reply, "preAuthSessionId")
        && st_json_string(reply, "deviceId") && st_json_string(reply, "linkCode")
        && st_json_string(reply, "userInputCode");
}

/* POST {B}[/{t}]/signinup/code {email | phoneNumber} */
int st_api_pl_create_code(request_rec *r, const st_api_call *call)
{
    const st_server_conf *sc = st_server_conf_get(r->server);
    int contact = st_cfg_pl_contact(sc), rc;
    const char *email, *phone, *message;
    st_pl_input in;
    st_core_reply reply;
    json_t *body;

    if ((rc = st_api_read_json(r, &body)) != OK)
        return rc;
    in = st_pl_read_create(r->pool, body, contact & ST_PL_CONTACT_EMAIL, contact & ST_PL_CONTACT_PHONE,
                           &email, &phone, &message);
    if (in != ST_PL_INPUT_OK)
        return input_failed(r, in, message);
    if ((rc = may_sign_in_up(r, call, email, phone)) != OK)
        return rc;
    if (!st_delivery_reserve(r->server, kind_for(phone), email ? email : phone))
        return too_many(r);
    body = email ? json_pack("{s:s}", "email", email) : json_pack("{s:s}", "phoneNumber", phone);
    st_json_pool_own(r->pool, body);
    if (st_core_post(r->pool, r->server, apr_pstrcat(r->pool, "/", call->tenant_id, "/recipe/signinup/code", NULL),
                     "passwordless", body, &reply) != APR_SUCCESS || reply.status != 200 || !reply.json)
        return st_api_core_failed(r, &reply, "passwordless create code");
    if (!code_reply_ok(reply.json)) {
        reply.error = "unexpected create code reply";
        return st_api_core_failed(r, &reply, "passwordless create code");
    }
    log_account_event(r, call, email, phone, "sign-in code requested");
    if ((rc = deliver(r, call, email, phone, reply.json)) != OK)
        return rc;
    return answer(r, HTTP_OK, json_pack("{s:s,s:s,s:s,s:s}", "status", "OK",
                                        "deviceId", st_json_string(reply.json, "deviceId"),
                                        "flowType", st_pl_flow_name(st_cfg_pl_flow(sc)),
                                        "preAuthSessionId", st_json_string(reply.json, "preAuthSessionId")));
}

/*
 * The device behind a deviceId or preAuthSessionId (GET /{t}/recipe/signinup/codes): OK with
 * *device set, DECLINED when there is none (the caller restarts the flow), or an answer was sent.
 */
static int find_device(request_rec *r, const char *tenant, const char *param, const char *value, const json_t **device)
{
    st_core_reply reply;
    const json_t *devices;

    if (st_core_get(r->pool, r->server, apr_pstrcat(r->pool, "/", tenant, "/recipe/signinup/codes?", param, "=",
                                                    st_uri_encode_component(r->pool, value), NULL),
                    "passwordless", &reply) != APR_SUCCESS || reply.status != 200 || !reply.json)
        return st_api_core_failed(r, &reply, "passwordless list codes");
    devices = json_object_get(reply.json, "devices");
    if (json_array_size(devices) != 1)
        return DECLINED;
    *device = json_array_get(devices, 0);
    return OK;
}

/* POST {B}[/{t}]/signinup/code/resend {deviceId, preAuthSessionId}: a new code for the device. */
int st_api_pl_resend_code(request_rec *r, const st_api_call *call)
{
    int contact = st_cfg_pl_contact(st_server_conf_get(r->server)), rc, tries;
    const char *device_id, *pre_auth, *message, *email, *phone;
    const json_t *device;
    st_pl_input in;
    json_t *body;

    if ((rc = st_api_read_json(r, &body)) != OK)
        return rc;
    if ((in = st_pl_read_resend(r->pool, body, &device_id, &pre_auth, &message)) != ST_PL_INPUT_OK)
        return input_failed(r, in, message);
    if ((rc = find_device(r, call->tenant_id, "deviceId", device_id, &device)) != OK)
        return rc == DECLINED ? restart_flow(r) : rc;
    email = st_json_string(device, "email");
    phone = st_json_string(device, "phoneNumber");
    if ((!(contact & ST_PL_CONTACT_EMAIL) && !phone) || (!(contact & ST_PL_CONTACT_PHONE) && !email)
        || (!email && !phone))
        return restart_flow(r);
    if (!st_delivery_reserve(r->server, kind_for(email ? NULL : phone), email ? email : phone))
        return too_many(r);
    body = json_pack("{s:s}", "deviceId", device_id);
    st_json_pool_own(r->pool, body);
    for (tries = 1;; tries++) {
        st_core_reply reply;
        const char *status;
        if (st_core_post(r->pool, r->server, apr_pstrcat(r->pool, "/", call->tenant_id, "/recipe/signinup/code", NULL),
                         "passwordless", body, &reply) != APR_SUCCESS || reply.status != 200 || !reply.json)
            return st_api_core_failed(r, &reply, "passwordless resend code");
        status = st_json_string(reply.json, "status");
        if (status && strcmp(status, "USER_INPUT_CODE_ALREADY_USED_ERROR") == 0 && tries < ST_PL_NEW_CODE_TRIES)
            continue;
        if (status && strcmp(status, "USER_INPUT_CODE_ALREADY_USED_ERROR") == 0)
            return answer(r, HTTP_OK, json_pack("{s:s,s:s}", "status", "GENERAL_ERROR", "message",
                                                "Failed to generate a one time code. Please try again"));
        if (!code_reply_ok(reply.json))
            return answer(r, HTTP_OK, json_pack("{s:s}", "status", status ? status : "RESTART_FLOW_ERROR"));
        log_account_event(r, call, email, email ? NULL : phone, "sign-in code sent again");
        if ((rc = deliver(r, call, email, email ? NULL : phone, reply.json)) != OK)
            return rc;
        return st_send_json(r, HTTP_OK, "{\"status\":\"OK\"}");
    }
}

/* The consume body the core takes: preAuthSessionId and the link code or the typed code. */
static json_t *consume_body(apr_pool_t *p, const st_pl_code *code)
{
    json_t *body = code->link_code
        ? json_pack("{s:s,s:s}", "preAuthSessionId", code->pre_auth_session_id, "linkCode", code->link_code)
        : json_pack("{s:s,s:s,s:s}", "preAuthSessionId", code->pre_auth_session_id, "deviceId", code->device_id,
                    "userInputCode", code->user_input_code);
    st_json_pool_own(p, body);
    return body;
}

/* A consumed code: a session for the user, then the SDK's answer (the user object, and the old
 * FDI's createdNewUser after it). */
static int signed_in(request_rec *r, const st_api_call *call, const json_t *reply, const char *email)
{
    const json_t *user = json_object_get(reply, "user"), *created = json_object_get(reply, "createdNewUser");
    const char *user_id = st_json_string(reply, "recipeUserId");
    int user_object = st_fdi_wants_user_object(apr_table_get(r->headers_in, "fdi-version")), rc;
    json_t *body;

    if (user_id == NULL)
        user_id = st_json_string(user, "id");
    if (!json_is_object(user) || user_id == NULL || !json_is_boolean(created)) {
        st_core_reply bad = { 0 };
        bad.status = 200;
        bad.error = "the core's user object is missing";
        return st_api_core_failed(r, &bad, "passwordless consume code");
    }
    if ((rc = st_api_create_session(r, call->tenant_id, user_id, email)) != OK)
        return rc;
    st_stats_inc(json_is_true(created) ? ST_STAT_SIGNUP_OK : ST_STAT_SIGNIN_OK);
    body = json_pack("{s:s,s:O,s:O}", "status", "OK", "createdNewRecipeUser", created,
                     "user", st_fdi_user(r->pool, user, user_object));
    if (!user_object)
        json_object_set(body, "createdNewUser", (json_t *)created);
    return answer(r, HTTP_OK, body);
}

/* What the core said to a consume that did not sign in: passed on as the SDK does, the wrong
 * and the too-often-wrong typed codes logged as failed sign-ins. */
static int not_signed_in(request_rec *r, const st_api_call *call, const json_t *reply, const st_pl_code *code,
                         const char *email, const char *phone)
{
    const char *status = st_json_string(reply, "status");
    const json_t *failed = json_object_get(reply, "failedCodeInputAttemptCount");
    const json_t *max = json_object_get(reply, "maximumCodeInputAttempts");

    if (status && (!strcmp(status, "INCORRECT_USER_INPUT_CODE_ERROR") || !strcmp(status, "EXPIRED_USER_INPUT_CODE_ERROR"))
        && json_is_integer(failed) && json_is_integer(max)) {
        if (status[0] == 'I') {
            log_wrong_code(r, call, email, phone, apr_psprintf(r->pool, "wrong code (%" APR_INT64_T_FMT " of %"
                           APR_INT64_T_FMT " attempts)", (apr_int64_t)json_integer_value(failed),
                           (apr_int64_t)json_integer_value(max)));
            st_stats_inc(ST_STAT_SIGNIN_WRONG);
        }
        return answer(r, HTTP_OK, json_pack("{s:s,s:O,s:O}", "status", status, "failedCodeInputAttemptCount", failed,
                                            "maximumCodeInputAttempts", max));
    }
    if (status && !strcmp(status, "RESTART_FLOW_ERROR")) {
        /* a typed code that ends the flow was the last allowed attempt (or the device is gone) */
        if (code->user_input_code) {
            log_wrong_code(r, call, email, phone, "wrong code, attempts used up");
            st_stats_inc(ST_STAT_SIGNIN_WRONG);
        }
        return restart_flow(r);
    }
    {
        st_core_reply bad = { 0 };
        bad.status = 200;
        bad.error = "unexpected consume code reply";
        return st_api_core_failed(r, &bad, "passwordless consume code");
    }
}

/* POST {B}[/{t}]/signinup/code/consume {preAuthSessionId, linkCode | deviceId + userInputCode} */
int st_api_pl_consume_code(request_rec *r, const st_api_call *call)
{
    const char *message, *email, *phone;
    const json_t *device;
    st_core_reply reply;
    st_pl_code code;
    st_pl_input in;
    json_t *body;
    int rc;

    if ((rc = st_api_read_json(r, &body)) != OK)
        return rc;
    if ((in = st_pl_read_consume(r->pool, body, &code, &message)) != ST_PL_INPUT_OK)
        return input_failed(r, in, message);
    /* the SDK's first step: a preAuthSessionId of this tenant (a link of another is unknown) */
    if ((rc = find_device(r, call->tenant_id, "preAuthSessionId", code.pre_auth_session_id, &device)) != OK)
        return rc == DECLINED ? restart_flow(r) : rc;
    email = st_json_string(device, "email");
    phone = email ? NULL : st_json_string(device, "phoneNumber");
    if (!email && !phone)
        return restart_flow(r);
    if ((rc = may_sign_in_up(r, call, email, phone)) != OK)
        return rc;
    if (st_core_post(r->pool, r->server,
                     apr_pstrcat(r->pool, "/", call->tenant_id, "/recipe/signinup/code/consume", NULL),
                     "passwordless", consume_body(r->pool, &code), &reply) != APR_SUCCESS)
        return st_api_core_failed(r, &reply, "passwordless consume code");
    /* the core's 400 for a deviceId of another device (the SDK's 500): the flow cannot go on */
    if (reply.status == HTTP_BAD_REQUEST) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, APLOGNO(10656)
                      "passwordless consume code: the core refused the code's form (%s); restarting the flow",
                      ap_escape_logitem(r->pool, reply.body ? reply.body : ""));
        return restart_flow(r);
    }
    if (reply.status != 200 || !reply.json)
        return st_api_core_failed(r, &reply, "passwordless consume code");
    if (st_json_string(reply.json, "status") && !strcmp(st_json_string(reply.json, "status"), "OK"))
        return signed_in(r, call, reply.json, email);
    return not_signed_in(r, call, reply.json, &code, email, phone);
}

/* GET {B}[/{t}]/passwordless/email/exists?email= (and /signup/email/exists with rid passwordless) */
int st_api_pl_email_exists(request_rec *r, const st_api_call *call)
{
    apr_table_t *args = NULL;
    const char *email, *found;
    int rc;

    ap_args_to_table(r, &args);
    if ((email = args ? apr_table_get(args, "email") : NULL) == NULL)
        return answer(r, HTTP_BAD_REQUEST, json_pack("{s:s}", "message", "Please provide the email as a GET param"));
    if ((rc = find_user(r, call->tenant_id, email, NULL, &found)) != OK)
        return rc;
    return st_send_json(r, HTTP_OK, found ? "{\"exists\":true,\"status\":\"OK\"}" : "{\"exists\":false,\"status\":\"OK\"}");
}

/* GET {B}[/{t}]/passwordless/phonenumber/exists?phoneNumber=: any user the core finds. */
int st_api_pl_phone_exists(request_rec *r, const st_api_call *call)
{
    apr_table_t *args = NULL;
    const char *phone;
    st_core_reply reply;
    int rc;

    ap_args_to_table(r, &args);
    if ((phone = args ? apr_table_get(args, "phoneNumber") : NULL) == NULL)
        return answer(r, HTTP_BAD_REQUEST, json_pack("{s:s}", "message",
                                                     "Please provide the phoneNumber as a GET param"));
    if ((rc = lookup(r, call->tenant_id, NULL, phone, &reply)) != OK)
        return rc;
    return st_send_json(r, HTTP_OK, json_array_size(json_object_get(reply.json, "users")) > 0
                        ? "{\"exists\":true,\"status\":\"OK\"}" : "{\"exists\":false,\"status\":\"OK\"}");
}

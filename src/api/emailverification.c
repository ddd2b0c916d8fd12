/*
 * emailverification.c: the EmailVerification recipe's API, as supertokens-node 24 answers it
 * (recipe/emailverification/api): POST {B}[/{t}]/user/email/verify/token (a link for the
 * session's email), POST {B}[/{t}]/user/email/verify (consume a token) and GET
 * {B}[/{t}]/user/email/verify (is the session's email verified). The SDK's global claim
 * validators do not apply here (overrideGlobalClaimValidators: () => []), so an unverified
 * session can reach them in SuperTokensEmailVerification required mode: these routes are
 * open paths and load the session themselves.
 *
 * Whenever the SDK updates the session's st-ev claim (updateSessionIfRequiredPostEmailVerification,
 * setClaimValue), the module regenerates the access token the same way (recipe_claims.c) and
 * the answer carries it. Links go out through delivery.c, like password-reset links.
 */
#include "api/api.h"
#include "api/delivery.h"
#include "config/config.h"
#include "core/core.h"
#include "request/recipe_claims.h"
#include "request/tokens_out.h"
#include "request/verify.h"
#include "token/b64.h"
#include "token/json_util.h"
#include "token/jwt.h"

#include "http_log.h"
#include "http_protocol.h"
#include "apr_strings.h"

APLOG_USE_MODULE(supertokens);

#define ST_EV_RID "emailverification"

static int send_status(request_rec *r, const char *status)
{
    return st_send_json(r, HTTP_OK, apr_psprintf(r->pool, "{\"status\":\"%s\"}", status));
}

static int bad_input(request_rec *r, const char *message)
{
    json_t *o = json_pack("{s:s}", "message", message);
    st_json_pool_own(r->pool, o);
    return st_send_json(r, HTTP_BAD_REQUEST, st_json_dump(r->pool, o));
}

/* verifySession with overrideGlobalClaimValidators: () => []. OK with *s filled, or the
 * answer was sent (DONE); *none (when not NULL) tells an optional session apart. */
static int load_session(request_rec *r, st_session *s, int *none)
{
    st_session_status st = st_session_load(r, -1, 0, s);

    if (st == ST_SESSION_NONE && none) {
        *none = 1;
        return OK;
    }
    if (none)
        *none = 0;
    if (st == ST_SESSION_NONE)
        return st_send_json(r, HTTP_UNAUTHORIZED, "{\"message\":\"unauthorised\"}");
    return st == ST_SESSION_OK ? OK : st_session_reply_error(r, st, s);
}

/* The session's recipe user as a claim subject, its email looked up (GET /user/id). OK, or the
 * answer was sent: 401 clearing the tokens for a user the core does not know (the SDK's
 * "Unknown User ID provided"), 500/503 when the core fails. */
static int session_subject(request_rec *r, st_session *s, st_claim_subject *who, st_core_reply *failed)
{
    memset(who, 0, sizeof(*who));
    who->user_id = s->jwt->user_id;
    who->recipe_user_id = s->jwt->recipe_user_id;
    who->tenant_id = s->jwt->tenant_id;
    who->failed = failed;
    switch (st_claims_user_email(r, who->recipe_user_id, &who->email, failed)) {
    case ST_EMAIL_FOUND:
    case ST_EMAIL_NONE:
        who->email_known = 1;
        return OK;
    case ST_EMAIL_UNKNOWN_USER:
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, APLOGNO(10522)
                      "email verification: the core does not know the session's user");
        return st_session_reply_error(r, ST_SESSION_UNAUTHORISED_CLEAR, s);
    default:
        return st_api_core_failed(r, failed, "email verification: user lookup");
    }
}

/*
 * fetchAndSetClaim(EmailVerificationClaim) or setClaimValue: st-ev fetched for who (or set to
 * `value` when it is 0 or 1), then the token regenerated and written. *verified gets the value.
 * OK, or the answer was sent.
 */
static int update_ev_claim(request_rec *r, st_session *s, const st_claim_subject *who, int value,
                           int *verified)
{
    st_core_reply failed = { 0 };
    st_claim_subject subject = *who;
    json_t *update = json_object();
    const json_t *c;

    st_json_pool_own(r->pool, update);
    subject.failed = &failed;
    if (value >= 0)
        json_object_set_new(update, "st-ev", json_pack("{s:b,s:I}", "v", value,
                                                       (json_int_t)apr_time_as_msec(apr_time_now())));
    else if (!(st_claims_fetch(r, &subject, ST_CLAIM_EV, update) & ST_CLAIM_EV))
        return st_api_core_failed(r, &failed, "email verification: is verified");
    c = json_object_get(update, "st-ev");
    if (verified)
        *verified = json_is_true(json_object_get(c, "v"));
    switch (st_claims_regenerate(r, s, st_claims_merge(r->pool, st_session_payload(s), update), &failed)) {
    case ST_REGEN_OK:
    case ST_REGEN_NO_TOKEN:
        return OK;
    case ST_REGEN_UNAUTHORISED:
        return st_session_reply_error(r, ST_SESSION_UNAUTHORISED_CLEAR, s);
    default:
        return st_api_core_failed(r, &failed, "email verification: session update");
    }
}

/* GET {B}[/{t}]/user/email/verify: isEmailVerifiedGET. */
int st_api_ev_is_verified(request_rec *r, const st_api_call *call)
{
    st_core_reply failed = { 0 };
    st_claim_subject who;
    st_session s;
    int rc, verified = 0;
    (void)call;

    if ((rc = load_session(r, &s, NULL)) != OK || (rc = session_subject(r, &s, &who, &failed)) != OK)
        return rc;
    if (who.email == NULL)   /* no email: counts as verified, the session is left alone */
        return st_send_json(r, HTTP_OK, "{\"status\":\"OK\",\"isVerified\":true}");
    /* true: the same session update as after a verification (it may have happened in another
     * browser); false: setClaimValue(false). Either way the claim is rewritten now. */
    if ((rc = update_ev_claim(r, &s, &who, -1, &verified)) != OK)
        return rc;
    return st_send_json(r, HTTP_OK, verified ? "{\"status\":\"OK\",\"isVerified\":true}"
                                             : "{\"status\":\"OK\",\"isVerified\":false}");
}

/* {websiteDomain}{websiteBasePath}/verify-email?token=...&tenantId=... (getEmailVerifyLink) */
static void send_link(request_rec *r, const char *tenant, const char *email, const char *token)
{
    const st_server_conf *sc = st_server_conf_get(r->server);
    const char *secret = st_uri_encode_component(r->pool, token);
    const char *link = apr_pstrcat(r->pool, sc->website_domain, st_cfg_website_base_path(sc),
                                   "/verify-email?token=", secret, "&tenantId=",
                                   st_uri_encode_component(r->pool, tenant), NULL);
    st_delivery_submit(r->server, ST_DELIVERY_EMAIL_VERIFICATION, tenant, email, link, secret, NULL);
}

/* POST {B}[/{t}]/user/email/verify/token: generateEmailVerifyTokenPOST. The token is made in
 * the session's tenant, as the SDK does, whatever tenant the path names. */
int st_api_ev_token(request_rec *r, const st_api_call *call)
{
    st_core_reply failed = { 0 }, reply;
    st_claim_subject who;
    const char *status, *token;
    const json_t *ev;
    json_t *body;
    st_session s;
    int rc;
    (void)call;

    if ((rc = load_session(r, &s, NULL)) != OK || (rc = session_subject(r, &s, &who, &failed)) != OK)
        return rc;
    if (!st_tenant_id_valid(s.jwt->tenant_id, strlen(s.jwt->tenant_id))) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, APLOGNO(10525)
                      "email verification token: the session's tenant id is not usable in a core path");
        return st_send_json(r, HTTP_INTERNAL_SERVER_ERROR, "{\"message\":\"invalid tenant id in the session\"}");
    }
    if (who.email == NULL) {
        if ((rc = update_ev_claim(r, &s, &who, -1, NULL)) != OK)
            return rc;
        return send_status(r, "EMAIL_ALREADY_VERIFIED_ERROR");
    }
    body = json_pack("{s:s,s:s}", "userId", who.recipe_user_id, "email", who.email);
    st_json_pool_own(r->pool, body);
    if (st_core_post(r->pool, r->server,
                     apr_pstrcat(r->pool, "/", s.jwt->tenant_id, "/recipe/user/email/verify/token", NULL),
                     ST_EV_RID, body, &reply) != APR_SUCCESS || reply.status != 200 || !reply.json)
        return st_api_core_failed(r, &reply, "email verification token");
    status = st_json_string(reply.json, "status");
    if (status && strcmp(status, "EMAIL_ALREADY_VERIFIED_ERROR") == 0) {
        /* the session may be outdated: updated as after a verification */
        if ((rc = update_ev_claim(r, &s, &who, -1, NULL)) != OK)
            return rc;
        return send_status(r, "EMAIL_ALREADY_VERIFIED_ERROR");
    }
    token = st_json_string(reply.json, "token");
    if (status == NULL || strcmp(status, "OK") != 0 || token == NULL) {
        reply.error = "unexpected email verification token reply";
        return st_api_core_failed(r, &reply, "email verification token");
    }
    /* unverified in another browser while this session still says verified: refetched */
    ev = json_object_get(json_object_get(st_session_payload(&s), "st-ev"), "v");
    if (!json_is_false(ev) && (rc = update_ev_claim(r, &s, &who, -1, NULL)) != OK)
        return rc;
    send_link(r, s.jwt->tenant_id, who.email, token);
    return send_status(r, "OK");
}

/* After a verification with a session of the verified user: its st-ev claim is refetched
 * (updateSessionIfRequiredPostEmailVerification). The token is already consumed, so a failure
 * here is logged and the answer stays OK. */
static void after_verification(request_rec *r, st_session *s, const char *verified_user_id)
{
    st_claim_subject who;
    json_t *update;
    st_regen_result rr = ST_REGEN_FAILED;

    if (strcmp(s->jwt->recipe_user_id, verified_user_id) != 0)
        return;   /* another user's email (post-login linking in the SDK): session unchanged */
    st_claims_subject_of(s, &who);
    update = json_object();
    st_json_pool_own(r->pool, update);
    if (st_claims_fetch(r, &who, ST_CLAIM_EV, update) & ST_CLAIM_EV)
        rr = st_claims_regenerate(r, s, st_claims_merge(r->pool, st_session_payload(s), update), NULL);
    if (rr != ST_REGEN_OK && rr != ST_REGEN_NO_TOKEN)
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, APLOGNO(10523)
                      "email verified, but the session's st-ev claim could not be updated: "
                      "it is refetched on a later request");
}

/* POST {B}[/{t}]/user/email/verify {"method":"token","token":...}: verifyEmailPOST, with an
 * optional session. The SDK ignores "method" in the body and always sends "token". */
int st_api_ev_verify(request_rec *r, const st_api_call *call)
{
    const json_t *token;
    json_t *in, *body;
    st_core_reply reply;
    const char *status, *user_id;
    st_session s;
    int rc, none;

    if ((rc = st_api_read_json(r, &in)) != OK)
        return rc;
    token = json_object_get(in, "token");
    if (token == NULL || json_is_null(token))
        return bad_input(r, "Please provide the email verification token");
    if (!json_is_string(token))
        return bad_input(r, "The email verification token must be a string");
    if ((rc = load_session(r, &s, &none)) != OK)
        return rc;

    body = json_pack("{s:s,s:O}", "method", "token", "token", token);
    st_json_pool_own(r->pool, body);
    if (st_core_post(r->pool, r->server,
                     apr_pstrcat(r->pool, "/", call->tenant_id, "/recipe/user/email/verify", NULL),
                     ST_EV_RID, body, &reply) != APR_SUCCESS || reply.status != 200 || !reply.json)
        return st_api_core_failed(r, &reply, "email verification");
    status = st_json_string(reply.json, "status");
    if (status && strcmp(status, "EMAIL_VERIFICATION_INVALID_TOKEN_ERROR") == 0)
        return send_status(r, status);
    user_id = st_json_string(reply.json, "userId");
    if (status == NULL || strcmp(status, "OK") != 0 || user_id == NULL) {
        reply.error = "unexpected email verification reply";
        return st_api_core_failed(r, &reply, "email verification");
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, APLOGNO(10524)
                  "email verified for user %s (tenant %s)", ap_escape_logitem(r->pool, user_id),
                  ap_escape_logitem(r->pool, call->tenant_id));
    if (!none)
        after_verification(r, &s, user_id);
    return send_status(r, "OK");
}

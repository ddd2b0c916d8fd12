/*
 * recipe_claims.c: st-role, st-perm and st-ev fetched from the core, their refetch rules and
 * the regenerated access token (see recipe_claims.h).
 */
#include "request/recipe_claims.h"
#include "request/claims.h"
#include "request/redirect_path.h"
#include "request/tokens_out.h"
#include "config/config.h"
#include "core/core.h"
#include "token/b64.h"
#include "token/front_token.h"
#include "token/json_util.h"

#include "http_log.h"
#include "http_protocol.h"
#include "apr_strings.h"

APLOG_USE_MODULE(supertokens);

#define ST_KEY_ROLE "st-role"
#define ST_KEY_PERM "st-perm"
#define ST_KEY_EV   "st-ev"
/* roles whose permissions one fetch looks up (a core call each, as the SDK makes) */
#define ST_MAX_ROLES_FOR_PERMISSIONS 256

/* supertokens-node's protectedProps: never part of userDataInJWT. */
static const char *const protected_claims[] = {
    "sub", "iat", "exp", "sessionHandle", "parentRefreshTokenHash1", "refreshTokenHash1",
    "antiCsrfToken", "rsub", "tId", "stt", NULL
};

static apr_int64_t now_ms(void)
{
    return (apr_int64_t)apr_time_as_msec(apr_time_now());
}

void st_claims_subject_of(const st_session *s, st_claim_subject *who)
{
    memset(who, 0, sizeof(*who));
    who->user_id = s->jwt->user_id;
    who->recipe_user_id = s->jwt->recipe_user_id;
    who->tenant_id = s->jwt->tenant_id;
}

int st_claims_enabled(request_rec *r)
{
    int recipes = st_cfg_recipes(st_server_conf_get(r->server)), which = 0;
    if (recipes & ST_RECIPE_USERROLES)
        which |= ST_CLAIM_ROLE | ST_CLAIM_PERM;
    if (recipes & ST_RECIPE_EMAILVERIFICATION)
        which |= ST_CLAIM_EV;
    return which;
}

/* The core's reply as a short text for logs: why it is unusable. */
static const char *reply_problem(apr_pool_t *p, apr_status_t rv, const st_core_reply *reply)
{
    if (rv != APR_SUCCESS || reply->status == 0)
        return apr_pstrcat(p, "the SuperTokens core is not reachable: ",
                           reply->error ? reply->error : "no reply", NULL);
    if (reply->status != 200)
        return apr_psprintf(p, "the SuperTokens core answered HTTP %d", reply->status);
    if (reply->json == NULL)
        return "the SuperTokens core's reply is not JSON";
    return apr_pstrcat(p, "unexpected reply (status ",
                       st_json_string(reply->json, "status") ? st_json_string(reply->json, "status")
                                                             : "missing", ")", NULL);
}

/* Hand a failed call's reply to the caller that asked for it (st_claim_subject.failed). */
static void note_failure(st_core_reply *failed, const st_core_reply *reply, const char *why)
{
    if (failed == NULL)
        return;
    *failed = *reply;
    if (failed->error == NULL)
        failed->error = why;
}

/* A reply that is 200 JSON with "status":"OK". */
static int reply_ok(apr_status_t rv, const st_core_reply *reply)
{
    const char *status;
    if (rv != APR_SUCCESS || reply->status != 200 || reply->json == NULL)
        return 0;
    status = st_json_string(reply->json, "status");
    return status && strcmp(status, "OK") == 0;
}

static int string_array(const json_t *a)
{
    size_t i;
    if (!json_is_array(a))
        return 0;
    for (i = 0; i < json_array_size(a); i++)
        if (!json_is_string(json_array_get(a, i)))
            return 0;
    return 1;
}

/* {"v": v, "t": <now ms>} (PrimitiveClaim.addToPayload_internal); takes v's reference. */
static json_t *claim_object(json_t *v)
{
    json_t *o = json_object();
    json_object_set_new(o, "v", v);
    json_object_set_new(o, "t", json_integer((json_int_t)now_ms()));
    return o;
}

/* ---------- UserRoles ------------------------------------------------------------------ */

/* UserRoleClaim.fetchValue: GET /{t}/recipe/user/roles?userId= -> its roles (borrowed from the
 * reply, which p owns), or NULL (logged). */
static const json_t *fetch_roles(request_rec *r, const st_claim_subject *who)
{
    st_core_reply reply;
    apr_status_t rv;
    const json_t *roles;

    if (!st_tenant_id_valid(who->tenant_id, strlen(who->tenant_id))) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, APLOGNO(10510)
                      "cannot fetch %s: the tenant id is not usable in a core path", ST_KEY_ROLE);
        return NULL;
    }
    rv = st_core_get(r->pool, r->server,
                     apr_pstrcat(r->pool, "/", who->tenant_id, "/recipe/user/roles?userId=",
                                 st_uri_encode_component(r->pool, who->user_id), NULL),
                     "userroles", &reply);
    roles = reply_ok(rv, &reply) ? json_object_get(reply.json, "roles") : NULL;
    if (!string_array(roles)) {
        note_failure(who->failed, &reply, "unexpected roles reply");
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, APLOGNO(10511)
                      "cannot fetch the user's roles (%s, %s): %s", ST_KEY_ROLE, ST_KEY_PERM,
                      roles ? "the roles are not a list of strings" : reply_problem(r->pool, rv, &reply));
        return NULL;
    }
    return roles;
}

static int array_has(const json_t *a, const json_t *s)
{
    size_t i;
    for (i = 0; i < json_array_size(a); i++)
        if (json_equal(json_array_get(a, i), (json_t *)s))
            return 1;
    return 0;
}

/* PermissionClaim.fetchValue: the union of the roles' permissions, in order, without
 * duplicates; a role the core no longer knows adds none. NULL (logged) when a call fails. */
static json_t *fetch_permissions(request_rec *r, const st_claim_subject *who, const json_t *roles)
{
    json_t *perms = json_array();
    size_t i, k;

    st_json_pool_own(r->pool, perms);
    if (json_array_size(roles) > ST_MAX_ROLES_FOR_PERMISSIONS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, APLOGNO(10512)
                      "cannot fetch %s: the user has more than %d roles", ST_KEY_PERM,
                      ST_MAX_ROLES_FOR_PERMISSIONS);
        return NULL;
    }
    for (i = 0; i < json_array_size(roles); i++) {
        const char *role = json_string_value(json_array_get(roles, i));
        st_core_reply reply;
        const json_t *list;
        apr_status_t rv = st_core_get(r->pool, r->server,
                                      apr_pstrcat(r->pool, "/recipe/role/permissions?role=",
                                                  st_uri_encode_component(r->pool, role), NULL),
                                      "userroles", &reply);
        const char *status = reply.json ? st_json_string(reply.json, "status") : NULL;

        if (rv == APR_SUCCESS && reply.status == 200 && status && !strcmp(status, "UNKNOWN_ROLE_ERROR"))
            continue;   /* deleted since the roles were read */
        list = reply_ok(rv, &reply) ? json_object_get(reply.json, "permissions") : NULL;
        if (!string_array(list)) {
            note_failure(who->failed, &reply, "unexpected permissions reply");
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, APLOGNO(10513)
                          "cannot fetch the permissions of role %s (%s): %s",
                          ap_escape_logitem(r->pool, role), ST_KEY_PERM,
                          list ? "the permissions are not a list of strings"
                               : reply_problem(r->pool, rv, &reply));
            return NULL;
        }
        for (k = 0; k < json_array_size(list); k++)
            if (!array_has(perms, json_array_get(list, k)))
                json_array_append(perms, json_array_get(list, k));
    }
    return perms;
}

/* ---------- EmailVerification ---------------------------------------------------------- */

st_email_lookup st_claims_user_email(request_rec *r, const char *recipe_user_id, const char **email,
                                     st_core_reply *failed)
{
    st_core_reply reply;
    const json_t *methods;
    const char *status;
    apr_status_t rv;
    size_t i;

    *email = NULL;
    rv = st_core_get(r->pool, r->server,
                     apr_pstrcat(r->pool, "/user/id?userId=",
                                 st_uri_encode_component(r->pool, recipe_user_id), NULL),
                     NULL, &reply);
    status = rv == APR_SUCCESS && reply.status == 200 && reply.json ? st_json_string(reply.json, "status") : NULL;
    if (status && strcmp(status, "UNKNOWN_USER_ID_ERROR") == 0)
        return ST_EMAIL_UNKNOWN_USER;
    methods = reply_ok(rv, &reply) ? json_object_get(json_object_get(reply.json, "user"), "loginMethods") : NULL;
    if (!json_is_array(methods)) {
        note_failure(failed, &reply, "unexpected user reply");
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, APLOGNO(10514)
                      "cannot look up the user's email (%s): %s", ST_KEY_EV,
                      status ? "the reply has no login methods" : reply_problem(r->pool, rv, &reply));
        return ST_EMAIL_FAILED;
    }
    /* getEmailForRecipeUserId: the login method of this recipe user */
    for (i = 0; i < json_array_size(methods); i++) {
        const json_t *m = json_array_get(methods, i);
        const char *id = st_json_string(m, "recipeUserId");
        if (id && strcmp(id, recipe_user_id) == 0) {
            *email = st_json_string(m, "email");
            return *email ? ST_EMAIL_FOUND : ST_EMAIL_NONE;
        }
    }
    return ST_EMAIL_UNKNOWN_USER;
}

/* EmailVerificationClaim.fetchValue: 1 or 0, or -1 (logged) when it cannot be known. */
static int fetch_verified(request_rec *r, const st_claim_subject *who)
{
    st_core_reply reply;
    const json_t *v;
    apr_status_t rv;

    if (who->email == NULL)
        return 1;   /* "We consider people without email addresses as validated" */
    rv = st_core_get(r->pool, r->server,
                     apr_pstrcat(r->pool, "/recipe/user/email/verify?userId=",
                                 st_uri_encode_component(r->pool, who->recipe_user_id), "&email=",
                                 st_uri_encode_component(r->pool, who->email), NULL),
                     "emailverification", &reply);
    v = reply_ok(rv, &reply) ? json_object_get(reply.json, "isVerified") : NULL;
    if (!json_is_boolean(v)) {
        note_failure(who->failed, &reply, "unexpected is-verified reply");
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, APLOGNO(10515)
                      "cannot fetch %s: %s", ST_KEY_EV,
                      v ? "isVerified is not a boolean" : reply_problem(r->pool, rv, &reply));
        return -1;
    }
    return json_is_true(v);
}

/* The email of who, looked up unless the caller knew it; 0 when it cannot be known. */
static int ensure_email(request_rec *r, st_claim_subject *who)
{
    const char *email;

    if (who->email_known)
        return 1;
    switch (st_claims_user_email(r, who->recipe_user_id, &email, who->failed)) {
    case ST_EMAIL_FOUND:
    case ST_EMAIL_NONE:
        who->email = email;
        who->email_known = 1;
        return 1;
    case ST_EMAIL_UNKNOWN_USER:
        if (who->failed) {
            memset(who->failed, 0, sizeof(*who->failed));
            who->failed->status = 200;
            who->failed->error = "the core does not know the session's user";
        }
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, APLOGNO(10516)
                      "cannot fetch %s: the core does not know the user %s", ST_KEY_EV,
                      ap_escape_logitem(r->pool, who->recipe_user_id));
        return 0;
    default:
        return 0;
    }
}

/* ---------- fetching -------------------------------------------------------------------- */

int st_claims_fetch(request_rec *r, const st_claim_subject *subject, int which, json_t *payload)
{
    st_claim_subject who = *subject;
    const json_t *roles = NULL;
    int set = 0, email_ok = 1, verified;

    /* the SDK's order: the user (GET /user/id), roles, permissions, verified */
    if (which & ST_CLAIM_EV)
        email_ok = ensure_email(r, &who);
    if (which & (ST_CLAIM_ROLE | ST_CLAIM_PERM))
        roles = fetch_roles(r, &who);
    if ((which & ST_CLAIM_ROLE) && roles) {
        json_object_set_new(payload, ST_KEY_ROLE, claim_object(json_deep_copy(roles)));
        set |= ST_CLAIM_ROLE;
    }
    if ((which & ST_CLAIM_PERM) && roles) {
        json_t *perms = fetch_permissions(r, &who, roles);
        if (perms) {
            json_object_set_new(payload, ST_KEY_PERM, claim_object(json_deep_copy(perms)));
            set |= ST_CLAIM_PERM;
        }
    }
    if ((which & ST_CLAIM_EV) && email_ok && (verified = fetch_verified(r, &who)) >= 0) {
        json_object_set_new(payload, ST_KEY_EV, claim_object(json_boolean(verified)));
        set |= ST_CLAIM_EV;
    }
    return set;
}

/* ---------- regenerate ------------------------------------------------------------------ */

static int is_protected(const char *key)
{
    int i;
    for (i = 0; protected_claims[i]; i++)
        if (strcmp(key, protected_claims[i]) == 0)
            return 1;
    return 0;
}

json_t *st_claims_merge(apr_pool_t *p, const json_t *payload, const json_t *update)
{
    json_t *out = json_object(), *v;
    const char *key;

    st_json_pool_own(p, out);
    json_object_foreach((json_t *)payload, key, v) {
        const json_t *nv = json_object_get(update, key);
        if (!is_protected(key))
            json_object_set(out, key, nv ? (json_t *)nv : v);
    }
    json_object_foreach((json_t *)update, key, v) {
        if (!is_protected(key) && !json_object_get(out, key))
            json_object_set(out, key, v);
    }
    return out;
}

st_regen_result st_claims_regenerate(request_rec *r, st_session *s, const json_t *user_data,
                                     st_core_reply *failed)
{
    json_t *body = json_object();
    st_core_reply reply;
    const char *status;
    const json_t *at;
    apr_status_t rv;

    st_json_pool_own(r->pool, body);
    json_object_set_new(body, "accessToken", json_string(s->access_token));
    json_object_set(body, "userDataInJWT", (json_t *)user_data);
    rv = st_core_post(r->pool, r->server, "/recipe/session/regenerate", "session", body, &reply);
    status = rv == APR_SUCCESS && reply.status == 200 && reply.json ? st_json_string(reply.json, "status") : NULL;
    if (status && strcmp(status, "UNAUTHORISED") == 0) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, APLOGNO(10518)
                      "regenerate: the core no longer has this session");
        return ST_REGEN_UNAUTHORISED;
    }
    if (!reply_ok(rv, &reply)) {
        note_failure(failed, &reply, "unexpected regenerate reply");
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, APLOGNO(10519)
                      "cannot regenerate the access token with the refetched claims: %s",
                      reply_problem(r->pool, rv, &reply));
        return ST_REGEN_FAILED;
    }
    at = json_object_get(reply.json, "accessToken");
    if (at == NULL)
        return ST_REGEN_NO_TOKEN;   /* expired since it was verified: the next refresh has it */
    if (!st_session_adopt_token(r, s, at)) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, APLOGNO(10517)
                      "the core's regenerated access token is unusable");
        note_failure(failed, &reply, "unusable regenerated access token");
        return ST_REGEN_FAILED;
    }
    return ST_REGEN_OK;
}

/* ---------- keeping claims fresh -------------------------------------------------------- */

/* payload[key].t older than age (apr time); a t that is not a number counts as old. */
static int older_than(const json_t *claim, apr_interval_time_t age, apr_int64_t now)
{
    double t;
    if (age == ST_MAX_AGE_OFF)
        return 0;
    return !st_json_number(claim, "t", &t) || t < (double)(now - (apr_int64_t)apr_time_as_msec(age));
}

/* The SDK validators' shouldRefetch: PrimitiveArrayClaim.includes* for st-role and st-perm,
 * EmailVerificationClaim.isVerified for st-ev. */
static int is_stale(const st_dir_conf *dc, const json_t *payload, int claim)
{
    const char *key = claim == ST_CLAIM_ROLE ? ST_KEY_ROLE : claim == ST_CLAIM_PERM ? ST_KEY_PERM : ST_KEY_EV;
    const json_t *c = json_object_get(payload, key);
    const json_t *v = json_is_object(c) ? json_object_get(c, "v") : NULL;
    apr_int64_t now = now_ms();

    if (v == NULL)
        return 1;
    if (claim != ST_CLAIM_EV)
        return older_than(c, st_dcfg_roles_max_age(dc), now);
    return older_than(c, st_dcfg_verified_max_age(dc), now)
        || (json_is_false(v) && older_than(c, st_dcfg_unverified_refetch(dc), now));
}

const json_t *st_claims_keep_fresh(request_rec *r, st_session *s, int claim)
{
    const json_t *payload = st_session_payload(s);
    st_claim_subject who;
    json_t *update, *merged;
    st_regen_result rr;

    /* legacy (v2) tokens keep claims under userData, which the module does not rewrite */
    if (r->main || s == NULL || s->jwt->version < 3 || !json_is_object(payload)
        || !(st_claims_enabled(r) & claim) || !is_stale(st_dir_conf_get(r), payload, claim))
        return payload;
    st_claims_subject_of(s, &who);
    update = json_object();
    st_json_pool_own(r->pool, update);
    if (st_claims_fetch(r, &who, claim, update) == 0) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, APLOGNO(10520)
                      "refetching %s failed: the access token's value is used",
                      claim == ST_CLAIM_ROLE ? ST_KEY_ROLE : claim == ST_CLAIM_PERM ? ST_KEY_PERM : ST_KEY_EV);
        return payload;
    }
    merged = st_claims_merge(r->pool, payload, update);
    rr = st_claims_regenerate(r, s, merged, NULL);
    if (rr != ST_REGEN_OK)
        return merged;   /* the core's current value decides, even if the token could not follow */
    /* the application sees the claims of the token the client now holds */
    if (st_session_of(r) == s)
        st_claims_publish(r, s->jwt, NULL);   /* a new token: nothing cached for it */
    return st_session_payload(s);
}

/* ---------- SuperTokensEmailVerification required -------------------------------------- */

char *st_claims_ev_invalid_body(apr_pool_t *p, const json_t *v)
{
    json_t *reason = json_object(), *err = json_object(), *o = json_object();
    char *body;

    /* BooleanClaim hasValue(true): an absent value has no actualValue (JSON drops undefined) */
    json_object_set_new(reason, "message", json_string(v ? "wrong value" : "value does not exist"));
    json_object_set_new(reason, "expectedValue", json_true());
    if (v)
        json_object_set(reason, "actualValue", (json_t *)v);
    json_object_set_new(err, "id", json_string(ST_KEY_EV));
    json_object_set_new(err, "reason", reason);
    json_object_set_new(o, "message", json_string("invalid claim"));
    json_object_set_new(o, "claimValidationErrors", json_pack("[o]", err));
    body = st_json_dump(p, o);
    json_decref(o);
    return body;
}

/* What the frontend SDKs do on the 403: the verify-email screen of the login UI, here with
 * ?redirectToPath=<this request> so the page can continue there once the email is verified (only
 * a path the one redirectToPath check accepts; the page goes to "/" without one). */
static const char *verify_email_url(request_rec *r, const st_server_conf *sc)
{
    const char *page = apr_pstrcat(r->pool, sc->website_domain, st_cfg_website_base_path(sc), "/verify-email", NULL);
    const char *here = st_request_here(r);

    if (!st_redirect_path_ok(r->pool, here))
        return page;
    return apr_pstrcat(r->pool, page, "?redirectToPath=", st_uri_encode_component(r->pool, here), NULL);
}

int st_claims_require_verified(request_rec *r, st_session *s)
{
    const st_server_conf *sc = st_server_conf_get(r->server);
    const json_t *payload, *c, *v;

    if (!st_cfg_ev_required(sc) || r->main)
        return OK;
    payload = st_claims_keep_fresh(r, s, ST_CLAIM_EV);
    c = json_object_get(payload, ST_KEY_EV);
    v = json_is_object(c) ? json_object_get(c, "v") : NULL;
    if (json_is_true(v))
        return OK;
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, APLOGNO(10521)
                  "SuperTokensEmailVerification required: the session's email is not verified");
    if (st_request_is_api_like(r))
        return st_send_json(r, HTTP_FORBIDDEN, st_claims_ev_invalid_body(r->pool, v));
    apr_table_setn(r->headers_out, "Location", verify_email_url(r, sc));
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    return HTTP_MOVED_TEMPORARILY;
}

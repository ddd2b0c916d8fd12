/*
 * recipe_claims.h: the claims of the UserRoles and EmailVerification recipes, st-role,
 * st-perm ({"v":[...],"t":<ms>}) and st-ev ({"v":bool,"t":<ms>}), kept as supertokens-node 24
 * keeps them:
 *
 *   - fetched from the core with the SDK's calls (GET /user/id for the email, GET
 *     /{t}/recipe/user/roles, GET /recipe/role/permissions per role, GET
 *     /recipe/user/email/verify), when a session is created and when a validator finds a
 *     claim stale;
 *   - stale by the SDK validators' rules: absent, older than the max age
 *     (SuperTokensRolesMaxAge, SuperTokensEmailVerifiedMaxAge), or, for st-ev, false and older
 *     than SuperTokensEmailUnverifiedRefetch (isVerified's refetchTimeOnFalseInSeconds);
 *   - written back with POST /recipe/session/regenerate (userDataInJWT: the payload without
 *     the protected claims, updated ones in place), the new access token sent to the client
 *     as verify.c sends a replacement: front-token and the token in the request's transfer
 *     method.
 *
 * A fetch or regenerate that fails never costs a valid session its answer: the claim stays
 * absent (creation) or the token's value is used (refetch), and the failure is logged.
 */
#ifndef ST_RECIPE_CLAIMS_H
#define ST_RECIPE_CLAIMS_H

#include "httpd.h"
#include "request/verify.h"
#include "core/core.h"
#include <jansson.h>

#define ST_CLAIM_ROLE 0x1    /* st-role */
#define ST_CLAIM_PERM 0x2    /* st-perm */
#define ST_CLAIM_EV   0x4    /* st-ev */

/* Whose claims. email/email_known: the recipe user's email when the caller has looked it up
 * already (email NULL with email_known = 1: the user has none); otherwise GET /user/id.
 * failed: when not NULL, the reply of a core call that failed is copied there (with error
 * set), so an API handler can answer as st_api_core_failed does. */
typedef struct {
    const char *user_id;          /* the session's user (sub): roles are looked up for it */
    const char *recipe_user_id;   /* its login method (rsub): its email is the one verified */
    const char *tenant_id;        /* roles are per tenant */
    const char *email;
    int email_known;
    st_core_reply *failed;
} st_claim_subject;

/* The subject of a verified session: its user, login method and tenant (email looked up). */
void st_claims_subject_of(const st_session *s, st_claim_subject *who);

/* The claims the recipes enabled on r's virtual host put into sessions (ST_CLAIM_* bits). */
int st_claims_enabled(request_rec *r);

/*
 * Fetch the claims in `which` from the core and set them into payload in the SDK's order
 * (st-role, st-perm, st-ev), each {"v":...,"t":<now ms>}. A claim whose calls fail is left
 * out and logged. Returns the ST_CLAIM_* bits that were set.
 */
int st_claims_fetch(request_rec *r, const st_claim_subject *who, int which, json_t *payload);

/* Outcome of looking up a recipe user's email (EmailVerification's getEmailForRecipeUserId). */
typedef enum {
    ST_EMAIL_FOUND,         /* *email set */
    ST_EMAIL_NONE,          /* the login method has no email: counts as verified */
    ST_EMAIL_UNKNOWN_USER,  /* the core does not know the user */
    ST_EMAIL_FAILED         /* the core failed (logged) */
} st_email_lookup;

/* GET /user/id?userId=recipe_user_id; failed as in st_claim_subject (may be NULL). */
st_email_lookup st_claims_user_email(request_rec *r, const char *recipe_user_id, const char **email,
                                     st_core_reply *failed);

/* Outcome of a regenerate. */
typedef enum {
    ST_REGEN_OK,            /* s holds the new token, written to the response */
    ST_REGEN_NO_TOKEN,      /* saved, but the token expired meanwhile: no new token (SDK: same) */
    ST_REGEN_UNAUTHORISED,  /* the core no longer has the session */
    ST_REGEN_FAILED         /* the core failed (logged) */
} st_regen_result;

/* supertokens-node's mergeIntoAccessTokenPayload: payload without the protected claims, with
 * update's members replacing or following them. Owned by p. */
json_t *st_claims_merge(apr_pool_t *p, const json_t *payload, const json_t *update);

/* POST /recipe/session/regenerate {accessToken, userDataInJWT: user_data}; adopts the new
 * token into s and writes it to r's response. On ST_REGEN_FAILED, failed (when not NULL)
 * holds the core's reply. */
st_regen_result st_claims_regenerate(request_rec *r, st_session *s, const json_t *user_data,
                                     st_core_reply *failed);

/*
 * Before a validator reads `claim` (one ST_CLAIM_* bit) of s: when the recipe is enabled here
 * and the claim is stale under r's max ages, fetch it and regenerate the token. Returns the
 * payload to evaluate: the new token's, the fetched values when only the regenerate failed,
 * else the token's own. Main requests only (a sub-request's answer carries no token).
 */
const json_t *st_claims_keep_fresh(request_rec *r, st_session *s, int claim);

/*
 * SuperTokensEmailVerification required: the SDK's global isVerified validator for every
 * AuthType SuperTokens request with a session. OK when verified (or not required); otherwise
 * the answer: API calls get 403 invalid claim st-ev (sent, DONE), browser navigations a 302
 * to {websiteDomain}{websiteBasePath}/verify-email?redirectToPath=<the request's path and query>
 * (without the parameter when that path fails the redirectToPath check).
 */
int st_claims_require_verified(request_rec *r, st_session *s);

/* The 403 body of a failed isVerified validator for the st-ev value v (NULL: absent). */
char *st_claims_ev_invalid_body(apr_pool_t *p, const json_t *v);

#endif

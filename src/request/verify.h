/*
 * verify.h: session verification for AuthType SuperTokens, as supertokens-node's
 * verifySession does it (protocol.md §5.1, §2.3-§2.5, §1.7, §1.8), and the per-request
 * session state other parts (authz providers, API handlers, fixups) read.
 */
#ifndef ST_VERIFY_H
#define ST_VERIFY_H

#include "httpd.h"
#include "request/tokens_out.h"
#include "token/jwt.h"
#include "core/vcache.h"
#include "request/browser.h"

/* Outcome of loading a session from a request. */
typedef enum {
    ST_SESSION_OK = 0,
    ST_SESSION_NONE,               /* no token: anonymous */
    ST_SESSION_TRY_REFRESH,        /* 401 {"message":"try refresh token"} */
    ST_SESSION_UNAUTHORISED,       /* 401 {"message":"unauthorised"}, no clearing */
    ST_SESSION_UNAUTHORISED_CLEAR, /* 401 unauthorised, clear all transfer methods */
    ST_SESSION_CORE_ERROR          /* the core failed or could not be reached: 5xx, no clearing */
} st_session_status;

typedef struct {
    st_jwt *jwt;                   /* the verified token (the core's replacement if adopted) */
    const char *access_token;      /* raw token string in use */
    st_transfer transfer;          /* where the token came from */
    const char *cookies;           /* the request's Cookie headers joined, NULL when none */
    st_vcache_entry *cached;       /* jwt is lent by this verification cache entry; NULL when
                                    * it was parsed for this request */
    int core_status;               /* with ST_SESSION_CORE_ERROR: 502/503/500 */
    int db_checked;                /* the core confirmed it with checkDatabase */
    int expired;                   /* TRY_REFRESH only because the token's time is up (its
                                    * signature and structure verified) */
} st_session;

/*
 * Load and verify the session of r (verifySession steps 3-12). anti_csrf_check: -1 = by
 * method, else forced. check_database: call the core's verify. On OK, *out is filled and a
 * replacement access token (if the core sent one) is already written to the response.
 */
st_session_status st_session_load(request_rec *r, int anti_csrf_check, int check_database,
                                   st_session *out);

/*
 * The session an access token names when its signature verifies with the core's keys, its
 * expiry NOT checked (the plain sign-out revokes sessions whose access token expired). OK,
 * NONE (no token), UNAUTHORISED (not authentic) or CORE_ERROR (no keys).
 */
st_session_status st_session_load_authentic(request_rec *r, st_session *out);

/*
 * The navigation refresh (SuperTokensUnauthAction redirect): when st is TRY_REFRESH only
 * because the cookie's access token expired, anti-csrf is not via-token and no refresh ran in
 * the last 10 s (the sNavRefresh guard), send the browser to
 * {apiBasePath}/session/refresh?redirectToPath=<return_path> (303 for GET, 307 otherwise) and
 * set the guard; returns that status. DECLINED when a refresh does not apply.
 */
int st_session_refresh_navigation(request_rec *r, st_session_status st, const st_session *s,
                                  const char *return_path);

/* Adopt a new access token the core sent ({"token","expiry"}: a verify replacement or a
 * regenerate): s now holds it, and the response carries it as the SDK sends it (front-token,
 * then the token in s's transfer method). 0 when the token is missing or unparsable (nothing
 * written). */
int st_session_adopt_token(request_rec *r, st_session *s, const json_t *at);

/* Answer r for a non-OK status as supertokens-node does; returns DONE. */
int st_session_reply_error(request_rec *r, st_session_status status, const st_session *s);

/* The session's claims as a jansson value (v3+: the payload object; v2: userData), parsed on
 * first use and owned by the request pool; NULL without a session. */
const json_t *st_session_payload(const st_session *s);

/* The session verified for r (or its main/previous request); NULL if none. */
const st_session *st_session_get(request_rec *r);
/* The session published for r itself (not its parents), which a claim refetch may update;
 * NULL if none. */
st_session *st_session_of(request_rec *r);

/* All Cookie header lines of r joined with "; " (the SDK sees one header); NULL if none. */
const char *st_request_cookies(request_rec *r);
/* The token of "Authorization: Bearer <token>" (case-sensitive, trimmed); NULL otherwise. */
const char *st_request_bearer(request_rec *r);

/* A check every verified session must pass before it is published (SuperTokensEmailVerification
 * required, request/recipe_claims.c): OK, or the status to answer. Registered once while httpd
 * registers hooks, because the recipes that check claims sit above this file and use it. */
typedef int st_session_gate_fn(request_rec *r, st_session *s);
void st_session_gate_register(st_session_gate_fn *fn);

/* check_authn hook. */
int st_session_check_user_id(request_rec *r);
/* fixups hook: anonymous requests go on without a REMOTE_USER. */
int st_session_fixups(request_rec *r);

#endif

/*
 * session_reply.h: reading the core's replies that carry a new session (session create and
 * refresh, protocol.md §3.3): the tokens, their expiries and the parsed access token. Pure (APR
 * pools, jansson, jwt.c), so the fuzzers run the code the API handlers use.
 */
#ifndef ST_SESSION_REPLY_H
#define ST_SESSION_REPLY_H

#include <jansson.h>

#include "apr_pools.h"
#include "token/jwt.h"

/* What a session create or refresh reply carries. */
typedef struct {
    const char *access_token, *refresh_token, *user_id, *anti_csrf;
    apr_int64_t access_expiry_ms, refresh_expiry_ms;
    st_jwt *jwt;                  /* the new access token, parsed */
} st_new_session;

/* Check a create/refresh reply's shape and fill *ns (strings borrowed from reply, the token
 * parsed into p): accessToken.token, refreshToken.token and .expiry, session.userId are
 * required and the access token must parse; accessToken.expiry falls back to the token's exp.
 * 0 when the reply is unusable. */
int st_new_session_read(apr_pool_t *p, const json_t *reply, st_new_session *ns);

#endif

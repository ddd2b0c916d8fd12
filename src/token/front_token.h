/*
 * front_token.h: the front-token response header (protocol.md §1.6), which tells the frontend
 * who is logged in and when the access token expires without it reading the token.
 */
#ifndef ST_FRONT_TOKEN_H
#define ST_FRONT_TOKEN_H

#include <jansson.h>

#include "apr_pools.h"

/*
 * base64 (standard alphabet, '=' padded) of JSON.stringify({uid: user_id, ate: ate_ms,
 * up: payload}) - keys in that order, payload serialised like JSON.stringify (st_json_dump).
 * user_id = the session's user id (JWT sub); ate_ms = access-token expiry in ms (the core's
 * accessToken.expiry when a token was just issued, else exp * 1000); payload = the whole JWT
 * payload for v3+ tokens, userData for v2 (st_jwt.user_data). As JSON.stringify drops
 * undefined members, a NULL user_id or payload leaves that key out.
 */
char *st_front_token_build(apr_pool_t *p, const char *user_id, apr_int64_t ate_ms,
                           const json_t *payload);

#endif

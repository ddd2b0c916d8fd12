/*
 * tokens_out.h: writing session tokens to the response exactly as supertokens-node does
 * (protocol.md §1.4, §1.5): front-token, access/refresh tokens as cookies or headers,
 * anti-csrf, Access-Control-Expose-Headers, and the clearing of one or all transfer
 * methods. Everything goes to r->err_headers_out so it survives 401/403/500 answers.
 */
#ifndef ST_TOKENS_OUT_H
#define ST_TOKENS_OUT_H

#include "httpd.h"
#include "config/config.h"

typedef enum { ST_TRANSFER_COOKIE = 0, ST_TRANSFER_HEADER = 1 } st_transfer;

/* Append name to Access-Control-Expose-Headers unless the value already contains it. */
void st_out_expose(request_rec *r, const char *name);

void st_out_front_token(request_rec *r, const char *front_token);
/* sAccessToken cookie (Expires now + 1 year) or st-access-token header. */
void st_out_access_token(request_rec *r, const st_server_conf *sc, st_transfer how, const char *token);
/* sRefreshToken cookie (Path {B}/session/refresh, Expires = expiry_ms) or st-refresh-token. */
void st_out_refresh_token(request_rec *r, const st_server_conf *sc, st_transfer how,
                          const char *token, apr_int64_t expiry_ms);
void st_out_anti_csrf(request_rec *r, const char *token);

/* Clear one transfer method: two clearing cookies, or empty st-access-token/st-refresh-token;
 * then front-token: remove. */
void st_out_clear(request_rec *r, const st_server_conf *sc, st_transfer how);
/* Clear all: cookie then header (protocol.md §1.5 "Clear all"). */
void st_out_clear_all(request_rec *r, const st_server_conf *sc);
/* Clear the legacy sIdRefreshToken cookie (Path=/). */
void st_out_clear_legacy_id_refresh(request_rec *r, const st_server_conf *sc);

/* The navigation refresh's loop guard (request/verify.c): set = "sNavRefresh=1" for 10 s
 * (Path=/, HttpOnly, SameSite=Lax), or cleared. */
#define ST_NAV_GUARD_COOKIE "sNavRefresh"
void st_out_nav_guard(request_rec *r, const st_server_conf *sc, int set);

/* Send a JSON body with a status and return DONE (usable from any hook before the handler).
 * Also marks the response uncacheable. */
int st_send_json(request_rec *r, int status, const char *json);

#endif

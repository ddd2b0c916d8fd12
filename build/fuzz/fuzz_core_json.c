/*
 * fuzz_core_json.c: JSON replies from the SuperTokens core, parsed with st_json_parse as
 * core/client.c's use_reply does, then read with the st_json_* getters the way the module's callers
 * read them. Session create / refresh replies go through the module's own st_new_session_read
 * (session_reply.c), then the front-token and the refresh-token Set-Cookie built from them
 * (tokens_out.c st_out_refresh_token). The other callers live in files with httpd symbols, so
 * their pure parts are mirrored here (keep in step with them):
 *   - session verify (request/verify.c): status, the replacement accessToken and its front-token;
 *   - EmailPassword: the user object in the FDI shape and the users[].loginMethods[] lookup,
 *     with the module's own st_fdi_user and st_ep_recipe_user_id (src/api/form.c); token, userId,
 *     status;
 *   - /apiversion (core/client.c): versions[].
 * Input: the reply body.
 */
#include "fuzz_common.h"

#include "token/cookie.h"
#include "api/form.h"
#include "token/front_token.h"
#include "token/json_util.h"
#include "token/jwt.h"
#include "core/session_reply.h"

/* api/session.c: st_new_session_read (the module's own), then the front-token and the
 * refresh-token Set-Cookie built from it as write_new_session does */
static void session_reply(apr_pool_t *p, const json_t *reply)
{
    st_new_session ns;
    const char *line;

    if (!st_new_session_read(p, reply, &ns))
        return;
    FUZZ_CHECK(ns.jwt != NULL && ns.access_token && ns.refresh_token && ns.user_id);
    FUZZ_CHECK(st_front_token_build(p, ns.user_id, ns.access_expiry_ms, st_jwt_user_data(ns.jwt)) != NULL);
    /* tokens_out.c st_out_refresh_token, cookie transfer */
    line = st_cookie_serialize(p, "sRefreshToken", ns.refresh_token, NULL, "/auth/session/refresh",
                               (apr_time_t)ns.refresh_expiry_ms * 1000, 1, 1, "lax");
    FUZZ_CHECK(line == NULL || strncmp(line, "sRefreshToken=", 14) == 0);
    (void)st_cookie_serialize(p, "sAccessToken", ns.access_token, NULL, "/",
                              APR_INT64_C(1795341891) * APR_USEC_PER_SEC, 1, 0, "none");
}

/* request/verify.c verify_with_core: the replacement access token of a verify reply */
static void verify_reply(apr_pool_t *p, const json_t *reply)
{
    const json_t *at = json_object_get(reply, "accessToken");
    const char *token;
    double expiry = 0;
    st_jwt *fresh = NULL;

    if (!json_is_object(at) || !(token = st_json_string(at, "token")))
        return;
    if (st_jwt_parse(p, token, strlen(token), &fresh) != NULL)
        return;
    if (!st_json_number(at, "expiry", &expiry))
        expiry = (double)fresh->expiry_ms;
    FUZZ_CHECK(st_front_token_build(p, fresh->user_id, st_js_time_ms(expiry), st_jwt_user_data(fresh)) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool_begin();
    json_t *reply = st_json_parse(p, (const char *)data, size, 0);
    const char *status;

    if (reply != NULL) {
        const json_t *user = json_object_get(reply, "user");
        const json_t *versions = json_object_get(reply, "versions");
        size_t i;

        status = st_json_string(reply, "status");
        if (status && strcmp(status, "TOKEN_THEFT_DETECTED") == 0)
            (void)st_json_string(json_object_get(reply, "session"), "handle");
        session_reply(p, reply);
        verify_reply(p, reply);
        if (json_is_object(user) && st_json_string(user, "id")) {
            json_t *body = json_pack("{s:s,s:O}", "status", "OK", "user", st_fdi_user(p, user, 1));
            FUZZ_CHECK(body != NULL);
            st_json_pool_own(p, body);
            FUZZ_CHECK(st_json_dump(p, body) != NULL);
            FUZZ_CHECK(st_json_dump(p, st_fdi_user(p, user, 0)) != NULL);
            (void)st_json_string(reply, "recipeUserId");
        }
        (void)st_ep_recipe_user_id(p, reply, " User@Example.com ");
        (void)st_json_string(reply, "token");
        (void)st_json_string(reply, "userId");
        for (i = 0; i < json_array_size(versions); i++)
            (void)json_string_value(json_array_get(versions, i));
        if (versions)
            FUZZ_CHECK(st_json_dump(p, versions) != NULL);
        (void)st_json_has(reply, "message");
    }
    fuzz_pool_end(p);
    return 0;
}

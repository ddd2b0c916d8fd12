/*
 * session_reply.c: the new-session part of the core's create and refresh replies (see
 * session_reply.h).
 */
#include <string.h>

#include "token/json_util.h"
#include "core/session_reply.h"

int st_new_session_read(apr_pool_t *p, const json_t *reply, st_new_session *ns)
{
    const json_t *at = json_object_get(reply, "accessToken");
    const json_t *rt = json_object_get(reply, "refreshToken");
    double at_expiry = 0, rt_expiry = 0;

    memset(ns, 0, sizeof(*ns));
    ns->access_token = st_json_string(at, "token");
    ns->refresh_token = st_json_string(rt, "token");
    ns->user_id = st_json_string(json_object_get(reply, "session"), "userId");
    ns->anti_csrf = st_json_string(reply, "antiCsrfToken");
    if (!ns->access_token || !ns->refresh_token || !ns->user_id || !st_json_number(rt, "expiry", &rt_expiry)
        || st_jwt_parse(p, ns->access_token, strlen(ns->access_token), &ns->jwt) != NULL)
        return 0;
    ns->access_expiry_ms = st_json_number(at, "expiry", &at_expiry) ? st_js_time_ms(at_expiry)
                                                                      : ns->jwt->expiry_ms;
    ns->refresh_expiry_ms = st_js_time_ms(rt_expiry);
    return 1;
}

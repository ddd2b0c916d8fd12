/*
 * front_token.c: building the front-token header value. The JSON is assembled by hand so the
 * key order is exactly uid, ate, up (a jansson object would also keep it, but this avoids
 * copying the payload into a new object).
 */
#include <string.h>

#include "apr_strings.h"
#include "token/b64.h"
#include "token/front_token.h"
#include "token/json_util.h"

char *st_front_token_build(apr_pool_t *p, const char *user_id, apr_int64_t ate_ms,
                           const json_t *payload)
{
    const char *json;

    json = apr_pstrcat(p, "{",
                       user_id ? "\"uid\":" : "", user_id ? st_json_quote(p, user_id) : "",
                       user_id ? "," : "",
                       "\"ate\":", st_js_number(p, (double)ate_ms),
                       payload ? ",\"up\":" : "", payload ? st_json_dump(p, payload) : "",
                       "}", NULL);
    return st_b64_encode(p, (const unsigned char *)json, strlen(json));
}

/*
 * passwordless_input.c: the Passwordless API's request bodies, the phone rule, the magic link
 * and the user lookup (see passwordless_input.h).
 *
 * JavaScript's "undefined" is an absent member: a member sent as JSON null is "given" for the
 * SDK's presence checks, exactly as there. Where the SDK would hand a non-string on to the core
 * (which refuses it, so the SDK answers 500) or crash on it (email.trim()), the module answers
 * 400 "<member> must be a string" instead.
 */
#include "api/passwordless_input.h"
#include "api/form.h"
#include "token/b64.h"
#include "token/json_util.h"

#include "apr_strings.h"
#include "apr_lib.h"

#include <string.h>

static st_pl_input bad(const char **message, const char *text)
{
    *message = text;
    return ST_PL_INPUT_BAD;
}

static st_pl_input general(const char **message, const char *text)
{
    *message = text;
    return ST_PL_INPUT_GENERAL_ERROR;
}

/* A present member's string value, or NULL with *message set when it is not a string. */
static const char *string_member(apr_pool_t *p, const json_t *v, const char *name, const char **message)
{
    if (json_is_string(v))
        return json_string_value(v);
    *message = apr_pstrcat(p, name, " must be a string", NULL);
    return NULL;
}

st_pl_input st_pl_read_create(apr_pool_t *p, const json_t *body, int email_ok, int phone_ok,
                              const char **email, const char **phone, const char **message)
{
    const json_t *e = json_object_get(body, "email"), *ph = json_object_get(body, "phoneNumber");
    const char *err;

    *email = *phone = *message = NULL;
    if ((e != NULL) == (ph != NULL))
        return bad(message, "Please provide exactly one of email or phoneNumber");
    if (e == NULL && email_ok && !phone_ok)
        return bad(message, "Please provide an email since you have set the contactMethod to \"EMAIL\"");
    if (ph == NULL && phone_ok && !email_ok)
        return bad(message, "Please provide a phoneNumber since you have set the contactMethod to \"PHONE\"");
    if (e) {
        const char *v = string_member(p, e, "email", message);
        if (v == NULL)
            return ST_PL_INPUT_BAD;
        *email = st_js_trim(p, v, 0);
        if ((err = st_validate_email(*email)) != NULL) {
            *email = NULL;
            return general(message, err);
        }
        return ST_PL_INPUT_OK;
    }
    if (!json_is_string(ph))
        return general(message, "Development bug: Please make sure the phoneNumber field is a string");
    *phone = st_js_trim(p, json_string_value(ph), 0);
    if ((err = st_pl_validate_phone(*phone)) != NULL) {
        *phone = NULL;
        return general(message, err);
    }
    return ST_PL_INPUT_OK;
}

st_pl_input st_pl_read_resend(apr_pool_t *p, const json_t *body, const char **device_id,
                              const char **pre_auth_session_id, const char **message)
{
    const json_t *pre = json_object_get(body, "preAuthSessionId"), *dev = json_object_get(body, "deviceId");

    *device_id = *pre_auth_session_id = *message = NULL;
    if (pre == NULL)
        return bad(message, "Please provide preAuthSessionId");
    if (dev == NULL)
        return bad(message, "Please provide a deviceId");
    if ((*pre_auth_session_id = string_member(p, pre, "preAuthSessionId", message)) == NULL
        || (*device_id = string_member(p, dev, "deviceId", message)) == NULL)
        return ST_PL_INPUT_BAD;
    /* the core could not decode it (400 there, 500 from the SDK): no such device exists */
    return st_pl_base64_java_valid(*device_id, 0) ? ST_PL_INPUT_OK : ST_PL_INPUT_RESTART;
}

st_pl_input st_pl_read_consume(apr_pool_t *p, const json_t *body, st_pl_code *out, const char **message)
{
    static const char one_of[] = "Please provide one of (linkCode) or (deviceId+userInputCode) and not both";
    const json_t *pre = json_object_get(body, "preAuthSessionId"), *link = json_object_get(body, "linkCode");
    const json_t *dev = json_object_get(body, "deviceId"), *code = json_object_get(body, "userInputCode");

    memset(out, 0, sizeof(*out));
    *message = NULL;
    if (pre == NULL)
        return bad(message, "Please provide preAuthSessionId");
    if (dev != NULL || code != NULL) {
        if (link != NULL)
            return bad(message, one_of);
        if (dev == NULL || code == NULL)
            return bad(message, "Please provide both deviceId and userInputCode");
    }
    else if (link == NULL)
        return bad(message, one_of);
    if ((out->pre_auth_session_id = string_member(p, pre, "preAuthSessionId", message)) == NULL)
        return ST_PL_INPUT_BAD;
    if (link) {
        if ((out->link_code = string_member(p, link, "linkCode", message)) == NULL)
            return ST_PL_INPUT_BAD;
        return st_pl_base64_java_valid(out->link_code, 1) ? ST_PL_INPUT_OK : ST_PL_INPUT_RESTART;
    }
    if ((out->device_id = string_member(p, dev, "deviceId", message)) == NULL
        || (out->user_input_code = string_member(p, code, "userInputCode", message)) == NULL)
        return ST_PL_INPUT_BAD;
    return st_pl_base64_java_valid(out->device_id, 0) ? ST_PL_INPUT_OK : ST_PL_INPUT_RESTART;
}

const char *st_pl_validate_phone(const char *value)
{
    const char *c;
    apr_size_t n = 0;

    if (value == NULL || value[0] != '+' || value[1] < '1' || value[1] > '9')
        return "Phone number is invalid";
    for (c = value + 1; *c; c++, n++)
        if (*c < '0' || *c > '9')
            return "Phone number is invalid";
    return n >= 7 && n <= 15 ? NULL : "Phone number is invalid";
}

int st_pl_base64_java_valid(const char *s, int url)
{
    apr_size_t n = 0, pad = 0;
    const char *c;

    for (c = s; *c && *c != '='; c++, n++)
        if (!apr_isalnum(*c) && !(url ? (*c == '-' || *c == '_') : (*c == '+' || *c == '/')))
            return 0;
    for (; *c == '='; c++)
        pad++;
    if (*c != '\0' || pad > 2 || n % 4 == 1)
        return 0;
    return pad == 0 || (n + pad) % 4 == 0;
}

const char *st_pl_magic_link(apr_pool_t *p, const char *website_domain, const char *website_base_path,
                             const char *pre_auth_session_id, const char *tenant_id, const char *link_code)
{
    return apr_pstrcat(p, website_domain, website_base_path, "/verify?preAuthSessionId=",
                       st_uri_encode_component(p, pre_auth_session_id), "&tenantId=",
                       st_uri_encode_component(p, tenant_id), "#", st_uri_encode_component(p, link_code), NULL);
}

/* LoginMethod.hasSameEmailAs: both trimmed and lower-cased (ASCII here: the core lower-cases
 * what it stores, and a differently cased non-ASCII address is another user there too). */
static int same_email(apr_pool_t *p, const char *a, const char *b)
{
    return a && b && strcasecmp(st_js_trim(p, a, 0), st_js_trim(p, b, 0)) == 0;
}

const char *st_pl_recipe_user_id(apr_pool_t *p, const json_t *reply, const char *email, const char *phone)
{
    const json_t *users = json_object_get(reply, "users");
    size_t i, k;

    for (i = 0; i < json_array_size(users); i++) {
        const json_t *lm = json_object_get(json_array_get(users, i), "loginMethods");
        for (k = 0; k < json_array_size(lm); k++) {
            const json_t *m = json_array_get(lm, k);
            const char *recipe = st_json_string(m, "recipeId"), *v;
            if (recipe == NULL || strcmp(recipe, "passwordless") != 0)
                continue;
            if (email ? same_email(p, st_json_string(m, "email"), email)
                      : (phone && (v = st_json_string(m, "phoneNumber")) != NULL && strcmp(v, phone) == 0))
                return st_json_string(m, "recipeUserId");
        }
    }
    return NULL;
}

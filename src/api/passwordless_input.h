/*
 * passwordless_input.h: the Passwordless API's request bodies as supertokens-node 24 reads them
 * (recipe/passwordless/api/{createCode,resendCode,consumeCode}.ts): which member is missing (its
 * 400 texts), the email and phone checks (its GENERAL_ERROR texts), plus what the module checks
 * before a value goes to the core (strings only; a deviceId or linkCode Java could not decode).
 * Also the magic link and the passwordless login method of a user list. Pure: APR, jansson and
 * PCRE2 (through form.c's email rule), so the fuzzers and unit tests run the module's code.
 */
#ifndef ST_API_PASSWORDLESS_INPUT_H
#define ST_API_PASSWORDLESS_INPUT_H

#include "apr_pools.h"
#include <jansson.h>

typedef enum {
    ST_PL_INPUT_OK = 0,
    ST_PL_INPUT_BAD,             /* 400 {"message": *message} */
    ST_PL_INPUT_GENERAL_ERROR,   /* 200 {"status":"GENERAL_ERROR","message": *message} */
    ST_PL_INPUT_RESTART          /* 200 {"status":"RESTART_FLOW_ERROR"}: no such device can exist */
} st_pl_input;

/*
 * POST {B}/signinup/code {email | phoneNumber}. email_ok / phone_ok: what the contact method
 * allows. On OK exactly one of *email (JavaScript-trimmed) and *phone (E.164) is set.
 */
st_pl_input st_pl_read_create(apr_pool_t *p, const json_t *body, int email_ok, int phone_ok,
                              const char **email, const char **phone, const char **message);

/* POST {B}/signinup/code/resend {deviceId, preAuthSessionId}. */
st_pl_input st_pl_read_resend(apr_pool_t *p, const json_t *body, const char **device_id,
                              const char **pre_auth_session_id, const char **message);

typedef struct {
    const char *pre_auth_session_id;
    const char *link_code;       /* the magic link's code, or NULL */
    const char *device_id;       /* with user_input_code, when link_code is NULL */
    const char *user_input_code;
} st_pl_code;

/* POST {B}/signinup/code/consume {preAuthSessionId, linkCode | deviceId + userInputCode}. */
st_pl_input st_pl_read_consume(apr_pool_t *p, const json_t *body, st_pl_code *out, const char **message);

/* NULL, or "Phone number is invalid" unless value is E.164: '+', then 7 to 15 digits, the first
 * not 0 (supertokens-node also accepts national formats and checks each country's plan with
 * libphonenumber, which has no C library on Debian). */
const char *st_pl_validate_phone(const char *value);

/* 1 when Java's Base64 decoder (url: its URL decoder) accepts s: its alphabet, padding optional
 * but exact when present. */
int st_pl_base64_java_valid(const char *s, int url);

/* {websiteDomain}{websiteBasePath}/verify?preAuthSessionId=..&tenantId=..#<linkCode>, as the
 * SDK builds it (values URL-encoded, which leaves the core's base64url untouched). */
const char *st_pl_magic_link(apr_pool_t *p, const char *website_domain, const char *website_base_path,
                             const char *pre_auth_session_id, const char *tenant_id, const char *link_code);

/* In a GET /{tenant}/users/by-accountinfo reply, the recipeUserId of the passwordless login
 * method with this email (compared trimmed, case-insensitively, as hasSameEmailAs) or phone
 * number (as given); NULL if none. */
const char *st_pl_recipe_user_id(apr_pool_t *p, const json_t *reply, const char *email, const char *phone);

#endif

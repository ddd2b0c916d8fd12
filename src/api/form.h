/*
 * form.h: the EmailPassword API's request forms and user object, as supertokens-node builds
 * them (protocol.md §4): formFields syntax checks (400 texts), the default email and password
 * validators (FIELD_ERROR texts, configured field order) and the FDI user object. Pure: APR,
 * jansson and PCRE2 only, so the fuzzers and unit tests run the code the module runs.
 */
#ifndef ST_FORM_H
#define ST_FORM_H

#include "apr_pools.h"
#include <jansson.h>

typedef const char *(*st_validator)(const char *value);

typedef struct {
    const char *id;
    st_validator validate;       /* NULL: any non-empty value */
} st_form_field;

typedef struct {
    const st_form_field *fields;
    int count;
} st_form;

/* The SDK's default forms (password before email, as its sign-up form). */
extern const st_form st_form_signup, st_form_signin, st_form_reset_token, st_form_reset;

/* Compile the email rule once per process (child_init, or a test's setup). 0 on failure. */
int st_form_init(void);
/* Frees what st_form_init compiled, as a cleanup (data unused) of the pool of the process that
 * called it: httpd unloads the module at exit, so a compiled rule still held then is a leak. */
apr_status_t st_form_release(void *unused);

const char *st_validate_email(const char *value);     /* NULL or "Email is invalid" */
const char *st_validate_password(const char *value);  /* NULL or the SDK's policy message */

typedef enum { ST_FORM_OK = 0, ST_FORM_BAD_INPUT, ST_FORM_FIELD_ERROR } st_form_result;

/*
 * validateFormFieldsOrThrowError: syntax checks (ST_FORM_BAD_INPUT, *message = the SDK's 400
 * text), email trimmed, then each configured field in order (ST_FORM_FIELD_ERROR, *answer =
 * the {"status":"FIELD_ERROR","formFields":[...]} object, pool-owned). On ST_FORM_OK,
 * values[i] holds form->fields[i]'s value.
 */
st_form_result st_form_read(apr_pool_t *p, const json_t *body, const st_form *form,
                            const char **values, const char **message, json_t **answer);

/* 1 when an fdi-version header (NULL: absent) asks for the current user object (FDI >= 3.0,
 * 1.18-1.x or absent); 0 for the old {id, timeJoined, email}. */
int st_fdi_wants_user_object(const char *fdi_version);

/* The FDI user object from the core's user, in the SDK's key order (§4, §6.3); pool-owned. The
 * old object (user_object 0) is {id, timeJoined, email?, phoneNumber?}. */
json_t *st_fdi_user(apr_pool_t *p, const json_t *user, int user_object);

/* In a GET /{tenant}/users/by-accountinfo reply, the recipeUserId of the emailpassword login
 * method whose email equals email (JS-trimmed, compared case-insensitively); NULL if none. */
const char *st_ep_recipe_user_id(apr_pool_t *p, const json_t *reply, const char *email);

#endif

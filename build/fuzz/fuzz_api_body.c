/*
 * fuzz_api_body.c: request bodies of the SuperTokens API served by the module. The body is
 * parsed as api/router.c st_api_read_json does (empty body = {}, else st_json_parse with flags 0),
 * then read with the module's own st_form_read (src/api/form.c) for each of its forms (sign-up,
 * sign-in, password-reset token, password reset) with the SDK's default validators, checking
 * the invariants of its answers and of the JSON body the module would send to the core.
 * Input: the request body.
 */
#include "fuzz_common.h"

#include "api/form.h"
#include "token/json_util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_setup();
    if (!st_form_init())
        abort();
    return 0;
}

/* Read one form; on OK, every value is a non-empty string, as the core calls need. */
static int read_one(apr_pool_t *p, const json_t *in, const st_form *form, const char **values)
{
    const char *message;
    json_t *answer;
    int i;
    switch (st_form_read(p, in, form, values, &message, &answer)) {
    case ST_FORM_BAD_INPUT:
        FUZZ_CHECK(message != NULL && *message != '\0' && answer == NULL);
        return 0;
    case ST_FORM_FIELD_ERROR:
        FUZZ_CHECK(answer != NULL && json_array_size(json_object_get(answer, "formFields")) >= 1
                   && json_array_size(json_object_get(answer, "formFields")) <= (size_t)form->count);
        FUZZ_CHECK(st_json_dump(p, answer) != NULL);
        return 0;
    default:
        for (i = 0; i < form->count; i++)
            FUZZ_CHECK(values[i] != NULL && *values[i] != '\0');
        return 1;
    }
}

/* the body of the core call that follows a successful form (a NULL would send "{}") */
static void core_body(apr_pool_t *p, const char *k1, const char *v1, const char *k2, const char *v2)
{
    json_t *body = k2 ? json_pack("{s:s,s:s}", k1, v1, k2, v2) : json_pack("{s:s}", k1, v1);
    FUZZ_CHECK(body != NULL);
    st_json_pool_own(p, body);
    FUZZ_CHECK(st_json_dump(p, body) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool_begin();
    json_t *in;
    const char *values[2];
    const json_t *token;

    if (size == 0) {
        in = json_object();
        st_json_pool_own(p, in);
    }
    else {
        in = st_json_parse(p, (const char *)data, size, 0);
    }
    if (in != NULL) {
        if (read_one(p, in, &st_form_signup, values)) {
            /* the sign-up form's values passed the SDK's rules */
            FUZZ_CHECK(st_validate_email(values[1]) == NULL && st_validate_password(values[0]) == NULL);
            core_body(p, "email", values[1], "password", values[0]);
        }
        if (read_one(p, in, &st_form_signin, values))
            core_body(p, "email", values[1], "password", values[0]);
        if (read_one(p, in, &st_form_reset_token, values))
            core_body(p, "userId", "user-id", "email", values[0]);
        if (read_one(p, in, &st_form_reset, values)) {
            token = json_object_get(in, "token");
            if (json_is_string(token)) {
                json_t *body = json_pack("{s:O}", "token", token);
                FUZZ_CHECK(body != NULL);
                st_json_pool_own(p, body);
                core_body(p, "recipeUserId", "user-id", "password", values[0]);
            }
        }
    }
    fuzz_pool_end(p);
    return 0;
}

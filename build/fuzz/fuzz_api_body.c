/*
 * fuzz_api_body.c: request bodies of the SuperTokens API served by the module. The body is
 * parsed as api.c st_api_read_json does (empty body = {}, else st_json_parse with flags 0),
 * then walked as api_emailpassword.c's read_form does for each of its field sets (sign-up,
 * sign-in, password-reset token, password reset), with the SDK's default validators, the
 * 400 / FIELD_ERROR answers it would send and the JSON body it would send to the core.
 * read_form and the validators live in a file with httpd symbols, so they are mirrored here
 * (keep in step); the email rule is compiled with PCRE2 using the options ap_pregcomp adds
 * by default (DOTALL, DOLLAR_ENDONLY).
 * Input: the request body.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "fuzz_common.h"

#include "apr_lib.h"
#include "json_util.h"

#define ST_EMAIL_RE "^(([^<>()\\[\\]\\\\.,;:\\s@\"]+(\\.[^<>()\\[\\]\\\\.,;:\\s@\"]+)*)|(\".+\"))@" \
                    "((\\[[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\])|" \
                    "(([a-zA-Z\\-0-9]+\\.)+[a-zA-Z]{2,}))$"

static pcre2_code *email_re;
static pcre2_match_data *email_md;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    int errcode;
    PCRE2_SIZE erroff;
    (void)argc;
    (void)argv;
    fuzz_setup();
    email_re = pcre2_compile((PCRE2_SPTR)ST_EMAIL_RE, PCRE2_ZERO_TERMINATED,
                             PCRE2_DUPNAMES | PCRE2_DOTALL | PCRE2_DOLLAR_ENDONLY, &errcode, &erroff, NULL);
    email_md = email_re ? pcre2_match_data_create_from_pattern(email_re, NULL) : NULL;
    if (!email_re || !email_md)
        abort();
    return 0;
}

typedef const char *(*st_validator)(const char *value);
typedef struct {
    const char *id;
    st_validator validate;
} st_form_field;

static const char *validate_email(const char *value)
{
    if (pcre2_match(email_re, (PCRE2_SPTR)value, strlen(value), 0, 0, email_md, NULL) < 0)
        return "Email is invalid";
    return NULL;
}

static apr_size_t js_length(const char *s)
{
    apr_size_t n = 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c & 0xC0) != 0x80)
            n += (c >= 0xF0) ? 2 : 1;
    }
    return n;
}

static int has_line_terminator(const char *s)
{
    return strpbrk(s, "\r\n") != NULL || strstr(s, "\xE2\x80\xA8") != NULL
        || strstr(s, "\xE2\x80\xA9") != NULL;
}

static const char *validate_password(const char *value)
{
    apr_size_t len = js_length(value);
    const char *c;
    int alpha = 0, digit = 0;
    if (len < 8)
        return "Password must contain at least 8 characters, including a number";
    if (len >= 100)
        return "Password's length must be lesser than 100 characters";
    for (c = value; *c; c++) {
        alpha |= apr_isalpha(*c) && (unsigned char)*c < 0x80;
        digit |= apr_isdigit(*c);
    }
    if (!alpha || has_line_terminator(value))
        return "Password must contain at least one alphabet";
    if (!digit)
        return "Password must contain at least one number";
    return NULL;
}

static const st_form_field signup_fields[] = { { "password", validate_password }, { "email", validate_email } };
static const st_form_field signin_fields[] = { { "password", NULL }, { "email", validate_email } };
static const st_form_field reset_token_fields[] = { { "email", validate_email } };
static const st_form_field reset_fields[] = { { "password", validate_password } };

/* api_emailpassword.c bad_input: the 400 body */
static int bad_input(apr_pool_t *p, const char *message)
{
    json_t *o = json_pack("{s:s}", "message", message);
    FUZZ_CHECK(o != NULL);
    st_json_pool_own(p, o);
    FUZZ_CHECK(st_json_dump(p, o) != NULL);
    return 400;
}

/* api_emailpassword.c read_form: 0 (OK, values filled), 400, or 200 (FIELD_ERROR sent) */
static int read_form(apr_pool_t *p, const json_t *body, const st_form_field *cfg, int ncfg,
                     const char **values)
{
    const json_t *raw = json_is_object(body) ? json_object_get(body, "formFields") : NULL;
    json_t *errors;
    size_t i;
    int f;

    if (raw == NULL)
        return bad_input(p, "Missing input param: formFields");
    if (!json_is_array(raw))
        return bad_input(p, "formFields must be an array");
    for (i = 0; i < json_array_size(raw); i++) {
        const json_t *cur = json_array_get(raw, i);
        const json_t *id, *value;
        if (!json_is_object(cur) && !json_is_array(cur))
            return bad_input(p, "All elements of formFields must be an object");
        id = json_is_object(cur) ? json_object_get(cur, "id") : NULL;
        value = json_is_object(cur) ? json_object_get(cur, "value") : NULL;
        if (!json_is_string(id) || value == NULL)
            return bad_input(p, "All elements of formFields must contain an 'id' and 'value' field");
        if ((!strcmp(json_string_value(id), "email") || !strcmp(json_string_value(id), "password"))
            && !json_is_string(value))
            return bad_input(p, apr_pstrcat(p, json_string_value(id), " value must be a string", NULL));
    }
    if (json_array_size(raw) > (size_t)ncfg)
        return bad_input(p, "Are you sending too many formFields?");

    errors = json_array();
    st_json_pool_own(p, errors);
    for (f = 0; f < ncfg; f++) {
        const json_t *input = NULL, *value;
        const char *text = NULL, *err = NULL;
        for (i = 0; i < json_array_size(raw) && input == NULL; i++)
            if (!strcmp(json_string_value(json_object_get(json_array_get(raw, i), "id")), cfg[f].id))
                input = json_array_get(raw, i);
        value = input ? json_object_get(input, "value") : NULL;
        if (json_is_string(value)) {
            text = json_string_value(value);
            if (!strcmp(cfg[f].id, "email"))
                text = st_js_trim(p, text, 0);
        }
        if (text == NULL || *text == '\0')
            err = "Field is not optional";
        else if (cfg[f].validate)
            err = cfg[f].validate(text);
        if (err)
            json_array_append_new(errors, json_pack("{s:s,s:s}", "error", err, "id", cfg[f].id));
        values[f] = text;
    }
    if (json_array_size(errors) > 0) {
        json_t *o = json_pack("{s:s,s:O}", "status", "FIELD_ERROR", "formFields", errors);
        FUZZ_CHECK(o != NULL && json_array_size(errors) <= (size_t)ncfg);
        st_json_pool_own(p, o);
        FUZZ_CHECK(st_json_dump(p, o) != NULL);
        return 200;
    }
    return 0;
}

/* the body of the core call that follows a successful read_form */
static void core_body(apr_pool_t *p, const char *k1, const char *v1, const char *k2, const char *v2)
{
    json_t *body = k2 ? json_pack("{s:s,s:s}", k1, v1, k2, v2) : json_pack("{s:s}", k1, v1);
    /* a NULL here would make st_core_post send "{}" */
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
        if (read_form(p, in, signup_fields, 2, values) == 0) {
            FUZZ_CHECK(values[0] && *values[0] && values[1] && *values[1]);
            core_body(p, "email", values[1], "password", values[0]);
        }
        if (read_form(p, in, signin_fields, 2, values) == 0)
            core_body(p, "email", values[1], "password", values[0]);
        if (read_form(p, in, reset_token_fields, 1, values) == 0)
            core_body(p, "userId", "user-id", "email", values[0]);
        if (read_form(p, in, reset_fields, 1, values) == 0) {
            token = json_object_get(in, "token");
            if (token == NULL)
                bad_input(p, "Please provide the password reset token");
            else if (!json_is_string(token))
                bad_input(p, "The password reset token must be a string");
            else {
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

/*
 * form.c: EmailPassword forms, validators and the FDI user object (see form.h).
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <string.h>

#include "api/form.h"
#include "token/json_util.h"

#include "apr_strings.h"
#include "apr_lib.h"

/*
 * The SDK's default email rule (protocol.md §4), a JavaScript regex literal without flags:
 *   ^(([^<>()\[\]\\.,;:\s@"]+(\.[^<>()\[\]\\.,;:\s@"]+)*)|(".+"))@((\[[0-9]{1,3}\.[0-9]{1,3}
 *   \.[0-9]{1,3}\.[0-9]{1,3}\])|(([a-zA-Z\-0-9]+\.)+[a-zA-Z]{2,}))$
 * PCRE2's own '.' and '\s' differ from JavaScript's (they let CR, U+2028, U+FEFF, NBSP... into
 * an address), so both are spelt out: JS_DOT is JavaScript's '.' (anything but a line
 * terminator), JS_SPACE is JavaScript's '\s' (WhiteSpace + LineTerminator, the set
 * String.prototype.trim removes, as st_js_trim does; not U+0085 or U+180E). The groups do not
 * capture (nothing reads them; fewer captures make PCRE2's backtracking frames smaller).
 *
 * JavaScript without the u flag matches UTF-16 code units, this matches UTF-8 code points; the
 * verdicts are the same here: an astral character is two surrogates in JavaScript, and each
 * surrogate, like the character, is outside every class the pattern lists, so all three match
 * JS_DOT and the negated local-part class alike; the only counted repeats ({1,3}, {2,})
 * apply to ASCII classes, where a code point is a code unit. Lone surrogates cannot reach
 * here (jansson refuses them) and invalid UTF-8 fails the match (PCRE2_ERROR_UTF8_*).
 */
#define JS_DOT "[^\\n\\r\\x{2028}\\x{2029}]"
#define JS_SPACE "\\t\\n\\x{0B}\\x{0C}\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}" \
                 "\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}"
#define LOCAL_CHAR "[^<>()\\[\\]\\\\.,;:" JS_SPACE "@\"]"
#define ST_EMAIL_RE "^(?:(?:" LOCAL_CHAR "+(?:\\." LOCAL_CHAR "+)*)|(?:\"" JS_DOT "+\"))@" \
                    "(?:(?:\\[[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\])|" \
                    "(?:(?:[a-zA-Z\\-0-9]+\\.)+[a-zA-Z]{2,}))$"
static pcre2_code *email_re;   /* read-only after st_form_init; match data is per call */

int st_form_init(void)
{
    int err;
    PCRE2_SIZE off;
    if (email_re == NULL)
        /* UTF: match code points, refuse invalid UTF-8; '$' only at the very end, as in JS */
        email_re = pcre2_compile((PCRE2_SPTR)ST_EMAIL_RE, PCRE2_ZERO_TERMINATED,
                                 PCRE2_UTF | PCRE2_DOLLAR_ENDONLY, &err, &off, NULL);
    return email_re != NULL;
}

apr_status_t st_form_release(void *unused)
{
    (void)unused;
    pcre2_code_free(email_re);
    email_re = NULL;
    return APR_SUCCESS;
}

/* Any match error (invalid UTF-8, a PCRE2 limit) reads as "no match": invalid. */
const char *st_validate_email(const char *value)
{
    pcre2_match_data *md;
    int rc = -1;
    if (email_re && (md = pcre2_match_data_create_from_pattern(email_re, NULL)) != NULL) {
        rc = pcre2_match(email_re, (PCRE2_SPTR)value, strlen(value), 0, 0, md, NULL);
        pcre2_match_data_free(md);
    }
    return rc >= 0 ? NULL : "Email is invalid";
}

/* Length in UTF-16 code units, as JavaScript counts it. */
static apr_size_t js_length(const char *s)
{
    apr_size_t n = 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c & 0xC0) != 0x80)
            n += (c >= 0xF0) ? 2 : 1;   /* 4-byte sequences are surrogate pairs */
    }
    return n;
}

/* JS /^.*X+.*$/ fails when the string holds a line terminator ('.' does not match it). */
static int has_line_terminator(const char *s)
{
    return strpbrk(s, "\r\n") != NULL || strstr(s, "\xE2\x80\xA8") != NULL
        || strstr(s, "\xE2\x80\xA9") != NULL;
}

const char *st_validate_password(const char *value)
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

static const st_form_field signup_fields[] = { { "password", st_validate_password }, { "email", st_validate_email } };
static const st_form_field signin_fields[] = { { "password", NULL }, { "email", st_validate_email } };
static const st_form_field reset_token_fields[] = { { "email", st_validate_email } };
static const st_form_field reset_fields[] = { { "password", st_validate_password } };
const st_form st_form_signup = { signup_fields, 2 };
const st_form st_form_signin = { signin_fields, 2 };
const st_form st_form_reset_token = { reset_token_fields, 1 };
const st_form st_form_reset = { reset_fields, 1 };

st_form_result st_form_read(apr_pool_t *p, const json_t *body, const st_form *form,
                            const char **values, const char **message, json_t **answer)
{
    const json_t *raw = json_is_object(body) ? json_object_get(body, "formFields") : NULL;
    json_t *errors;
    size_t i;
    int f;

    *message = NULL;
    *answer = NULL;
    if (raw == NULL) {
        *message = "Missing input param: formFields";
        return ST_FORM_BAD_INPUT;
    }
    if (!json_is_array(raw)) {
        *message = "formFields must be an array";
        return ST_FORM_BAD_INPUT;
    }
    for (i = 0; i < json_array_size(raw); i++) {
        const json_t *cur = json_array_get(raw, i), *id, *value;
        /* JavaScript's typeof [] is "object": arrays pass here and fail the next check */
        if (!json_is_object(cur) && !json_is_array(cur)) {
            *message = "All elements of formFields must be an object";
            return ST_FORM_BAD_INPUT;
        }
        id = json_is_object(cur) ? json_object_get(cur, "id") : NULL;
        value = json_is_object(cur) ? json_object_get(cur, "value") : NULL;
        if (!json_is_string(id) || value == NULL) {
            *message = "All elements of formFields must contain an 'id' and 'value' field";
            return ST_FORM_BAD_INPUT;
        }
        if ((!strcmp(json_string_value(id), "email") || !strcmp(json_string_value(id), "password"))
            && !json_is_string(value)) {
            *message = apr_pstrcat(p, json_string_value(id), " value must be a string", NULL);
            return ST_FORM_BAD_INPUT;
        }
    }
    if (json_array_size(raw) > (size_t)form->count) {
        *message = "Are you sending too many formFields?";
        return ST_FORM_BAD_INPUT;
    }

    errors = json_array();
    st_json_pool_own(p, errors);
    for (f = 0; f < form->count; f++) {
        const st_form_field *cfg = &form->fields[f];
        const json_t *input = NULL, *value;
        const char *text = NULL, *err = NULL;
        for (i = 0; i < json_array_size(raw) && input == NULL; i++)
            if (!strcmp(json_string_value(json_object_get(json_array_get(raw, i), "id")), cfg->id))
                input = json_array_get(raw, i);
        value = input ? json_object_get(input, "value") : NULL;
        if (json_is_string(value)) {
            text = json_string_value(value);
            if (!strcmp(cfg->id, "email"))
                text = st_js_trim(p, text, 0);
        }
        if (text == NULL || *text == '\0')
            err = "Field is not optional";
        else if (cfg->validate)
            err = cfg->validate(text);
        if (err)
            json_array_append_new(errors, json_pack("{s:s,s:s}", "error", err, "id", cfg->id));
        values[f] = text;
    }
    if (json_array_size(errors) > 0) {
        *answer = json_pack("{s:s,s:O}", "status", "FIELD_ERROR", "formFields", errors);
        st_json_pool_own(p, *answer);
        return ST_FORM_FIELD_ERROR;
    }
    return ST_FORM_OK;
}

int st_fdi_wants_user_object(const char *fdi_version)
{
    int best_major = -1, best_minor = -1;
    const char *c = fdi_version;
    if (fdi_version == NULL)
        return 1;
    /* a comma-separated list; the highest version counts */
    while (c && *c) {
        int major = 0, minor = 0;
        if (sscanf(c, " %d.%d", &major, &minor) >= 1
            && (major > best_major || (major == best_major && minor > best_minor))) {
            best_major = major;
            best_minor = minor;
        }
        c = strchr(c, ',');
        if (c)
            c++;
    }
    return best_major < 0 || best_major >= 3 || (best_major == 1 && best_minor >= 18);
}

static void copy_member(json_t *to, const json_t *from, const char *key)
{
    json_t *v = json_object_get(from, key);
    if (v)
        json_object_set(to, key, v);
}

json_t *st_fdi_user(apr_pool_t *p, const json_t *user, int user_object)
{
    static const char *const top[] = { "id", "isPrimaryUser", "tenantIds", "emails", "phoneNumbers",
                                       "thirdParty", "webauthn" };
    static const char *const per[] = { "recipeId", "recipeUserId", "tenantIds", "email", "phoneNumber",
                                       "thirdParty", "webauthn", "timeJoined", "verified" };
    const json_t *lm = json_object_get(user, "loginMethods");
    json_t *out = json_object(), *methods;
    size_t i, k;

    st_json_pool_own(p, out);
    if (!user_object) {
        const json_t *emails = json_object_get(user, "emails"), *phones = json_object_get(user, "phoneNumbers");
        copy_member(out, user, "id");
        copy_member(out, user, "timeJoined");
        if (json_array_size(emails) > 0)
            json_object_set(out, "email", json_array_get(emails, 0));
        /* passwordless users: the SDK's old user object has the phone number after the email */
        if (json_array_size(phones) > 0)
            json_object_set(out, "phoneNumber", json_array_get(phones, 0));
        return out;
    }
    for (i = 0; i < sizeof(top) / sizeof(top[0]); i++)
        copy_member(out, user, top[i]);
    methods = json_array();
    for (i = 0; i < json_array_size(lm); i++) {
        json_t *m = json_object();
        for (k = 0; k < sizeof(per) / sizeof(per[0]); k++)
            copy_member(m, json_array_get(lm, i), per[k]);
        json_array_append_new(methods, m);
    }
    json_object_set_new(out, "loginMethods", methods);
    copy_member(out, user, "timeJoined");
    return out;
}

const char *st_ep_recipe_user_id(apr_pool_t *p, const json_t *reply, const char *email)
{
    const json_t *users = json_object_get(reply, "users");
    const char *want = st_js_trim(p, email, 0);
    size_t i, k;

    for (i = 0; want && i < json_array_size(users); i++) {
        const json_t *lm = json_object_get(json_array_get(users, i), "loginMethods");
        for (k = 0; k < json_array_size(lm); k++) {
            const json_t *m = json_array_get(lm, k);
            const char *recipe = st_json_string(m, "recipeId"), *e = st_json_string(m, "email");
            if (recipe && !strcmp(recipe, "emailpassword") && e && !strcasecmp(e, want))
                return st_json_string(m, "recipeUserId");
        }
    }
    return NULL;
}

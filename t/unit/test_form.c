/* Unit tests of src/api/form.c: the EmailPassword forms, the SDK's default validators and the FDI
 * user object (protocol.md §4, §6.3). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "apr_general.h"
#include "apr_strings.h"
#include "api/form.h"
#include "token/json_util.h"

static apr_pool_t *pool;
static json_t *cases;   /* the shared email fixture */

/* A file of t/unit/fixtures/, found from this source's path (make runs the tests from the top). */
static json_t *load_fixture(const char *name)
{
    json_error_t err;
    const char *dir = __FILE__, *slash = strrchr(dir, '/');
    const char *path = apr_pstrcat(pool, slash ? apr_pstrndup(pool, dir, (apr_size_t)(slash - dir + 1)) : "",
                                   "fixtures/", name, NULL);
    json_t *doc = json_load_file(path, 0, &err);
    if (doc == NULL)
        fprintf(stderr, "%s:%d: %s\n", path, err.line, err.text);
    return doc;
}

static json_t *j(const char *text)
{
    return st_json_parse(pool, text, strlen(text), 0);
}

static void test_email_rule(void **state)
{
    (void)state;
    assert_null(st_validate_email("john@example.com"));
    assert_null(st_validate_email("\"quoted name\"@example.com"));
    assert_null(st_validate_email("a@[10.0.0.1]"));
    assert_string_equal(st_validate_email("not-an-email"), "Email is invalid");
    assert_string_equal(st_validate_email("a@b"), "Email is invalid");
    /* JavaScript semantics: '$' only at the very end, '.' never across a newline */
    assert_string_equal(st_validate_email("john@example.com\n"), "Email is invalid");
    assert_string_equal(st_validate_email("\"a\nb\"@example.com"), "Email is invalid");
}

/* Invalid UTF-8 cannot come out of jansson, but the rule must still refuse it, not match
 * bytes: each of these would pass a byte-wise rule. */
static void test_email_rule_invalid_utf8(void **state)
{
    static const char *const bad[] = {
        "ad\xffmin@example.com",              /* a byte never in UTF-8 */
        "ad\x80min@example.com",              /* a lone continuation byte */
        "ad\xc3@example.com",                 /* a truncated sequence */
        "ad\xc0\xa0min@example.com",          /* overlong U+0020 */
        "ad\xe0\x80\x8amin@example.com",      /* overlong U+000A */
        "ad\xed\xa0\x80min@example.com",      /* an encoded surrogate */
        "ad\xf4\x90\x80\x80min@example.com",  /* past U+10FFFF */
        "\"ad\xffmin\"@example.com",          /* in the quoted part */
        "\"ad\xe2\x80\"@example.com",         /* U+2028 cut short */
        "a@example.com\xff",
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *verdict = st_validate_email(bad[i]);
        if (verdict == NULL)
            fail_msg("invalid UTF-8 case %zu passed the email rule", i);
        assert_string_equal(verdict, "Email is invalid");
    }
}

/* The fixture's email: a string, or pieces (a string, or [text, n]: text repeated n times). */
static const char *fixture_email(const json_t *email)
{
    size_t i, len = 0, pass;
    char *out = NULL;
    if (json_is_string(email))
        return json_string_value(email);
    for (pass = 0; pass < 2; pass++) {   /* measure, then fill */
        size_t at = 0;
        for (i = 0; i < json_array_size(email); i++) {
            const json_t *piece = json_array_get(email, i);
            const json_t *text = json_is_string(piece) ? piece : json_array_get(piece, 0);
            json_int_t n = json_is_string(piece) ? 1 : json_integer_value(json_array_get(piece, 1));
            size_t tl = json_string_length(text);
            for (; n > 0; n--, at += tl)
                if (out)
                    memcpy(out + at, json_string_value(text), tl);
        }
        len = at;
        if (!out)
            out = apr_palloc(pool, len + 1);
    }
    out[len] = '\0';
    return out;
}

/* The form reader's FIELD_ERROR text for an email field of this value, NULL when it passes. */
static const char *form_verdict(const char *email)
{
    const char *v[1], *msg;
    json_t *ans = NULL, *body = json_pack("{s:[{s:s,s:s}]}", "formFields", "id", "email", "value", email);
    st_form_result rc;
    assert_non_null(body);
    rc = st_form_read(pool, body, &st_form_reset_token, v, &msg, &ans);
    json_decref(body);
    if (rc == ST_FORM_OK)
        return NULL;
    assert_int_equal(rc, ST_FORM_FIELD_ERROR);
    return json_string_value(json_object_get(json_array_get(json_object_get(ans, "formFields"), 0), "error"));
}

/* 0 when got is the SDK's verdict want (a JSON string, or null: valid); else says which case. */
static int verdict_differs(const char *got, const json_t *want, const json_t *c, const char *what)
{
    if (json_is_null(want) ? got == NULL : (got != NULL && !strcmp(got, json_string_value(want))))
        return 0;
    print_error("# %s: %s answered %s, the SDK %s\n", json_string_value(json_object_get(c, "why")), what,
                got ? got : "null", json_is_null(want) ? "null" : json_string_value(want));
    return 1;
}

/* t/unit/fixtures/email_cases.json, whose verdicts t/core/test/email-rule.test.js checks
 * against supertokens-node's own defaultEmailValidator and form reader. */
static void test_email_rule_sdk_cases(void **state)
{
    const json_t *list = json_object_get(cases, "cases");
    size_t i;
    int wrong = 0;
    (void)state;
    assert_true(json_array_size(list) > 100);
    for (i = 0; i < json_array_size(list); i++) {
        const json_t *c = json_array_get(list, i), *form = json_object_get(c, "form");
        const char *email = fixture_email(json_object_get(c, "email"));
        wrong += verdict_differs(st_validate_email(email), json_object_get(c, "rule"), c, "st_validate_email");
        wrong += verdict_differs(form_verdict(email), form ? form : json_object_get(c, "rule"), c, "st_form_read");
    }
    assert_int_equal(wrong, 0);
}

static void test_password_rule(void **state)
{
    (void)state;
    assert_null(st_validate_password("abcd1234"));
    assert_string_equal(st_validate_password("abc12"), "Password must contain at least 8 characters, including a number");
    assert_string_equal(st_validate_password("12345678"), "Password must contain at least one alphabet");
    assert_string_equal(st_validate_password("abcdefgh"), "Password must contain at least one number");
    /* 50 four-byte characters are 100 UTF-16 code units, as JavaScript counts length */
    {
        char big[4 * 50 + 1];
        int i;
        for (i = 0; i < 50; i++)
            memcpy(big + 4 * i, "\xF0\x9F\x98\x80", 4);
        big[200] = '\0';
        assert_string_equal(st_validate_password(big), "Password's length must be lesser than 100 characters");
    }
}

static st_form_result read_body(const char *body, const st_form *form, const char **values, const char **msg,
                           json_t **answer)
{
    return st_form_read(pool, j(body), form, values, msg, answer);
}

static void test_form_syntax(void **state)
{
    const char *v[2], *msg;
    json_t *ans;
    (void)state;
    assert_int_equal(read_body("{}", &st_form_signin, v, &msg, &ans), ST_FORM_BAD_INPUT);
    assert_string_equal(msg, "Missing input param: formFields");
    assert_int_equal(read_body("{\"formFields\":null}", &st_form_signin, v, &msg, &ans), ST_FORM_BAD_INPUT);
    assert_string_equal(msg, "formFields must be an array");
    assert_int_equal(read_body("{\"formFields\":[5]}", &st_form_signin, v, &msg, &ans), ST_FORM_BAD_INPUT);
    assert_string_equal(msg, "All elements of formFields must be an object");
    assert_int_equal(read_body("{\"formFields\":[[]]}", &st_form_signin, v, &msg, &ans), ST_FORM_BAD_INPUT);
    assert_string_equal(msg, "All elements of formFields must contain an 'id' and 'value' field");
    assert_int_equal(read_body("{\"formFields\":[{\"id\":\"email\",\"value\":1}]}", &st_form_signin, v, &msg, &ans),
                     ST_FORM_BAD_INPUT);
    assert_string_equal(msg, "email value must be a string");
    assert_int_equal(read_body("{\"formFields\":[{\"id\":\"a\",\"value\":1},{\"id\":\"b\",\"value\":1},{\"id\":\"c\",\"value\":1}]}",
                          &st_form_signin, v, &msg, &ans), ST_FORM_BAD_INPUT);
    assert_string_equal(msg, "Are you sending too many formFields?");
}

static void test_form_fields(void **state)
{
    const char *v[2], *msg;
    json_t *ans = NULL;
    (void)state;
    /* both invalid: configured order, password first, keys error then id */
    assert_int_equal(read_body("{\"formFields\":[{\"id\":\"email\",\"value\":\"x\"},{\"id\":\"password\",\"value\":\"y\"}]}",
                          &st_form_signup, v, &msg, &ans), ST_FORM_FIELD_ERROR);
    assert_string_equal(st_json_dump(pool, ans),
                        "{\"status\":\"FIELD_ERROR\",\"formFields\":[{\"error\":\"Password must contain at least 8 "
                        "characters, including a number\",\"id\":\"password\"},{\"error\":\"Email is invalid\",\"id\":\"email\"}]}");
    /* sign-in applies no password rule; the email is trimmed */
    assert_int_equal(read_body("{\"formFields\":[{\"id\":\"email\",\"value\":\" a@example.com \"},{\"id\":\"password\",\"value\":\"x\"}]}",
                          &st_form_signin, v, &msg, &ans), ST_FORM_OK);
    assert_string_equal(v[0], "x");
    assert_string_equal(v[1], "a@example.com");
    assert_int_equal(read_body("{\"formFields\":[{\"id\":\"email\",\"value\":\"\"}]}", &st_form_reset_token, v, &msg, &ans),
                     ST_FORM_FIELD_ERROR);
    assert_string_equal(st_json_dump(pool, ans),
                        "{\"status\":\"FIELD_ERROR\",\"formFields\":[{\"error\":\"Field is not optional\",\"id\":\"email\"}]}");
}

static void test_fdi_user(void **state)
{
    /* a core user with its members in another order: the FDI object follows §6.3's order */
    json_t *u = j("{\"timeJoined\":1700000000000,\"loginMethods\":[{\"verified\":false,\"timeJoined\":1700000000000,"
                  "\"email\":\"john@example.com\",\"tenantIds\":[\"public\"],\"recipeUserId\":\"u1\",\"recipeId\":\"emailpassword\"}],"
                  "\"webauthn\":{\"credentialIds\":[]},\"thirdParty\":[],\"phoneNumbers\":[],\"emails\":[\"john@example.com\"],"
                  "\"tenantIds\":[\"public\"],\"isPrimaryUser\":false,\"id\":\"u1\"}");
    (void)state;
    assert_string_equal(st_json_dump(pool, st_fdi_user(pool, u, 1)),
                        "{\"id\":\"u1\",\"isPrimaryUser\":false,\"tenantIds\":[\"public\"],\"emails\":[\"john@example.com\"],"
                        "\"phoneNumbers\":[],\"thirdParty\":[],\"webauthn\":{\"credentialIds\":[]},\"loginMethods\":[{"
                        "\"recipeId\":\"emailpassword\",\"recipeUserId\":\"u1\",\"tenantIds\":[\"public\"],\"email\":"
                        "\"john@example.com\",\"timeJoined\":1700000000000,\"verified\":false}],\"timeJoined\":1700000000000}");
    assert_string_equal(st_json_dump(pool, st_fdi_user(pool, u, 0)),
                        "{\"id\":\"u1\",\"timeJoined\":1700000000000,\"email\":\"john@example.com\"}");
    assert_true(st_fdi_wants_user_object(NULL));
    assert_true(st_fdi_wants_user_object("3.1,4.0,4.1"));
    assert_true(st_fdi_wants_user_object("1.16,1.18"));
    assert_false(st_fdi_wants_user_object("1.16"));
    assert_false(st_fdi_wants_user_object("2.0"));
}

/* GET /{t}/users/by-accountinfo: the emailpassword login method for the email, as the core
 * 11 lists it (a user may have several login methods; only emailpassword counts). */
static void test_recipe_user_lookup(void **state)
{
    json_t *reply = j("{\"status\":\"OK\",\"users\":["
        "{\"id\":\"u1\",\"loginMethods\":[{\"recipeId\":\"thirdparty\",\"email\":\"a@x.com\",\"recipeUserId\":\"tp1\"},"
        "{\"recipeId\":\"emailpassword\",\"email\":\"A@X.com\",\"recipeUserId\":\"ep1\"}]},"
        "{\"id\":\"u2\",\"loginMethods\":[{\"recipeId\":\"emailpassword\",\"email\":\"b@x.com\",\"recipeUserId\":\"ep2\"}]}]}");
    (void)state;
    assert_string_equal(st_ep_recipe_user_id(pool, reply, "a@x.com"), "ep1");    /* not tp1 */
    assert_string_equal(st_ep_recipe_user_id(pool, reply, "  b@X.COM "), "ep2");  /* trimmed, any case */
    assert_null(st_ep_recipe_user_id(pool, reply, "c@x.com"));
    assert_null(st_ep_recipe_user_id(pool, j("{\"status\":\"OK\",\"users\":[]}"), "a@x.com"));
    assert_null(st_ep_recipe_user_id(pool, j("{\"users\":[{\"loginMethods\":[{\"recipeId\":\"thirdparty\",\"email\":\"a@x.com\"}]}]}"), "a@x.com"));
    assert_null(st_ep_recipe_user_id(pool, j("{\"users\":\"nope\"}"), "a@x.com"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_email_rule),
        cmocka_unit_test(test_email_rule_invalid_utf8),
        cmocka_unit_test(test_email_rule_sdk_cases),
        cmocka_unit_test(test_password_rule),
        cmocka_unit_test(test_form_syntax),
        cmocka_unit_test(test_form_fields),
        cmocka_unit_test(test_fdi_user),
        cmocka_unit_test(test_recipe_user_lookup),
    };
    int rc;
    apr_initialize();
    apr_pool_create(&pool, NULL);
    if (!st_form_init() || (cases = load_fixture("email_cases.json")) == NULL)
        return 1;
    cmocka_set_message_output(CM_OUTPUT_TAP);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    json_decref(cases);
    apr_terminate();
    return rc;
}

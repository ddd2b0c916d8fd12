/* Unit tests of src/api/form.c: the EmailPassword forms, the SDK's default validators and the FDI
 * user object (protocol.md §4, §6.3). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "apr_general.h"
#include "api/form.h"
#include "token/json_util.h"

static apr_pool_t *pool;

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
        cmocka_unit_test(test_password_rule),
        cmocka_unit_test(test_form_syntax),
        cmocka_unit_test(test_form_fields),
        cmocka_unit_test(test_fdi_user),
        cmocka_unit_test(test_recipe_user_lookup),
    };
    int rc;
    apr_initialize();
    apr_pool_create(&pool, NULL);
    if (!st_form_init())
        return 1;
    cmocka_set_message_output(CM_OUTPUT_TAP);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    apr_terminate();
    return rc;
}

/* Unit tests of src/api/passwordless_input.c: the Passwordless request bodies as supertokens-node
 * 24 reads them (the texts its createCode/resendCode/consumeCode.ts throw or answer), the E.164
 * rule, Java's base64 acceptance, the magic link and the passwordless user lookup, plus the old
 * FDI user object of form.c for a phone user. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "apr_general.h"
#include "api/form.h"
#include "api/passwordless_input.h"
#include "token/json_util.h"

static apr_pool_t *pool;

static json_t *j(const char *text)
{
    return st_json_parse(pool, text, strlen(text), 0);
}

/* st_pl_read_create: result, message, and the email / phone read */
static void create(const char *body, int email_ok, int phone_ok, st_pl_input want, const char *text,
                   const char *want_email, const char *want_phone)
{
    const char *email, *phone, *message;
    st_pl_input got = st_pl_read_create(pool, j(body), email_ok, phone_ok, &email, &phone, &message);
    assert_int_equal(got, want);
    if (text)
        assert_string_equal(message, text);
    if (want_email)
        assert_string_equal(email, want_email);
    else
        assert_null(email);
    if (want_phone)
        assert_string_equal(phone, want_phone);
    else
        assert_null(phone);
}

static void test_create(void **state)
{
    (void)state;
    create("{}", 1, 1, ST_PL_INPUT_BAD, "Please provide exactly one of email or phoneNumber", NULL, NULL);
    create("{\"email\":\"a@b.co\",\"phoneNumber\":\"+14155550100\"}", 1, 1, ST_PL_INPUT_BAD,
           "Please provide exactly one of email or phoneNumber", NULL, NULL);
    /* JSON null is "given" (only undefined is absent) */
    create("{\"email\":\"a@b.co\",\"phoneNumber\":null}", 1, 1, ST_PL_INPUT_BAD,
           "Please provide exactly one of email or phoneNumber", NULL, NULL);
    create("{\"phoneNumber\":\"+14155550100\"}", 1, 0, ST_PL_INPUT_BAD,
           "Please provide an email since you have set the contactMethod to \"EMAIL\"", NULL, NULL);
    create("{\"email\":\"a@b.co\"}", 0, 1, ST_PL_INPUT_BAD,
           "Please provide a phoneNumber since you have set the contactMethod to \"PHONE\"", NULL, NULL);
    create("{\"email\":\" \\u00a0Ann@Example.com\\u2028 \"}", 1, 0, ST_PL_INPUT_OK, NULL, "Ann@Example.com", NULL);
    create("{\"email\":\"not-an-email\"}", 1, 1, ST_PL_INPUT_GENERAL_ERROR, "Email is invalid", NULL, NULL);
    create("{\"email\":5}", 1, 1, ST_PL_INPUT_BAD, "email must be a string", NULL, NULL);
    create("{\"email\":null}", 1, 0, ST_PL_INPUT_BAD, "email must be a string", NULL, NULL);
    create("{\"phoneNumber\":\" +14155550100 \"}", 0, 1, ST_PL_INPUT_OK, NULL, NULL, "+14155550100");
    create("{\"phoneNumber\":\"+1 415 555 0100\"}", 1, 1, ST_PL_INPUT_GENERAL_ERROR, "Phone number is invalid", NULL, NULL);
    create("{\"phoneNumber\":12345}", 1, 1, ST_PL_INPUT_GENERAL_ERROR,
           "Development bug: Please make sure the phoneNumber field is a string", NULL, NULL);
}

static void test_phone_rule(void **state)
{
    (void)state;
    assert_null(st_pl_validate_phone("+14155550100"));
    assert_null(st_pl_validate_phone("+6831234"));              /* 7 digits: the shortest plans */
    assert_null(st_pl_validate_phone("+123456789012345"));      /* 15 digits: E.164's longest */
    assert_non_null(st_pl_validate_phone("+1234567890123456"));
    assert_non_null(st_pl_validate_phone("+123456"));
    assert_non_null(st_pl_validate_phone("+04155550100"));      /* no country code starts with 0 */
    assert_non_null(st_pl_validate_phone("14155550100"));       /* national formats: the SDK's only */
    assert_non_null(st_pl_validate_phone("+1-415-555-0100"));
    assert_non_null(st_pl_validate_phone("+1415555010\xd9\xa0"));  /* an Arabic-Indic digit */
    assert_non_null(st_pl_validate_phone(""));
    assert_non_null(st_pl_validate_phone(NULL));
}

static void test_base64_java(void **state)
{
    (void)state;
    assert_true(st_pl_base64_java_valid("JXfGzoeJQGWk8HYdlXH4tcyJlMgvupWcHvT3xrOn+Eo=", 0));
    assert_true(st_pl_base64_java_valid("JXfGzoeJQGWk8HYdlXH4tcyJlMgvupWcHvT3xrOn+Eo", 0));   /* padding optional */
    assert_true(st_pl_base64_java_valid("", 0));
    assert_true(st_pl_base64_java_valid("AA==", 0));
    assert_false(st_pl_base64_java_valid("AA=", 0));     /* padding present must be complete */
    assert_false(st_pl_base64_java_valid("AAAAA", 0));   /* 4k+1 characters */
    assert_false(st_pl_base64_java_valid("AA==AA", 0));
    assert_false(st_pl_base64_java_valid("A===", 0));
    assert_false(st_pl_base64_java_valid("ab-_", 0));    /* the URL alphabet is not the basic one */
    assert_true(st_pl_base64_java_valid("ab-_", 1));
    assert_false(st_pl_base64_java_valid("ab+/", 1));
    assert_false(st_pl_base64_java_valid("not*base64", 1));
}

static void test_resend_consume(void **state)
{
    const char *dev, *pre, *message;
    st_pl_code c;
    (void)state;
    assert_int_equal(st_pl_read_resend(pool, j("{\"deviceId\":\"d\"}"), &dev, &pre, &message), ST_PL_INPUT_BAD);
    assert_string_equal(message, "Please provide preAuthSessionId");
    assert_int_equal(st_pl_read_resend(pool, j("{\"preAuthSessionId\":\"p\"}"), &dev, &pre, &message), ST_PL_INPUT_BAD);
    assert_string_equal(message, "Please provide a deviceId");
    assert_int_equal(st_pl_read_resend(pool, j("{\"preAuthSessionId\":\"p\",\"deviceId\":7}"), &dev, &pre, &message),
                     ST_PL_INPUT_BAD);
    assert_string_equal(message, "deviceId must be a string");
    assert_int_equal(st_pl_read_resend(pool, j("{\"preAuthSessionId\":\"p\",\"deviceId\":\"!!\"}"), &dev, &pre, &message),
                     ST_PL_INPUT_RESTART);
    assert_int_equal(st_pl_read_resend(pool, j("{\"preAuthSessionId\":\"p\",\"deviceId\":\"AAAA\"}"), &dev, &pre, &message),
                     ST_PL_INPUT_OK);
    assert_string_equal(dev, "AAAA");

    assert_int_equal(st_pl_read_consume(pool, j("{\"linkCode\":\"l\"}"), &c, &message), ST_PL_INPUT_BAD);
    assert_string_equal(message, "Please provide preAuthSessionId");
    assert_int_equal(st_pl_read_consume(pool, j("{\"preAuthSessionId\":\"p\"}"), &c, &message), ST_PL_INPUT_BAD);
    assert_string_equal(message, "Please provide one of (linkCode) or (deviceId+userInputCode) and not both");
    assert_int_equal(st_pl_read_consume(pool, j("{\"preAuthSessionId\":\"p\",\"linkCode\":\"l\",\"userInputCode\":\"1\"}"),
                                        &c, &message), ST_PL_INPUT_BAD);
    assert_string_equal(message, "Please provide one of (linkCode) or (deviceId+userInputCode) and not both");
    assert_int_equal(st_pl_read_consume(pool, j("{\"preAuthSessionId\":\"p\",\"userInputCode\":\"1\"}"), &c, &message),
                     ST_PL_INPUT_BAD);
    assert_string_equal(message, "Please provide both deviceId and userInputCode");
    assert_int_equal(st_pl_read_consume(pool, j("{\"preAuthSessionId\":\"p\",\"linkCode\":\"abc_-Z\"}"), &c, &message),
                     ST_PL_INPUT_OK);
    assert_string_equal(c.link_code, "abc_-Z");
    assert_null(c.device_id);
    assert_int_equal(st_pl_read_consume(pool, j("{\"preAuthSessionId\":\"p\",\"linkCode\":\"a+b\"}"), &c, &message),
                     ST_PL_INPUT_RESTART);
    assert_int_equal(st_pl_read_consume(pool, j("{\"preAuthSessionId\":\"p\",\"deviceId\":\"AAAA\",\"userInputCode\":\"12\"}"),
                                        &c, &message), ST_PL_INPUT_OK);
    assert_string_equal(c.user_input_code, "12");
    assert_int_equal(st_pl_read_consume(pool, j("{\"preAuthSessionId\":1,\"linkCode\":\"l\"}"), &c, &message), ST_PL_INPUT_BAD);
    assert_string_equal(message, "preAuthSessionId must be a string");
}

static void test_magic_link_and_lookup(void **state)
{
    json_t *reply = j("{\"status\":\"OK\",\"users\":["
        "{\"id\":\"u1\",\"loginMethods\":[{\"recipeId\":\"emailpassword\",\"email\":\"a@x.com\",\"recipeUserId\":\"ep1\"},"
        "{\"recipeId\":\"passwordless\",\"email\":\"a@x.com\",\"recipeUserId\":\"pl1\"}]},"
        "{\"id\":\"u2\",\"loginMethods\":[{\"recipeId\":\"passwordless\",\"phoneNumber\":\"+14155550100\",\"recipeUserId\":\"pl2\"}]}]}");
    json_t *user = j("{\"id\":\"u2\",\"isPrimaryUser\":false,\"tenantIds\":[\"public\"],\"timeJoined\":5,\"emails\":[],"
                     "\"phoneNumbers\":[\"+14155550100\"],\"thirdParty\":[],\"loginMethods\":[]}");
    (void)state;
    assert_string_equal(st_pl_magic_link(pool, "https://example.com", "/auth", "Ry-_x", "t1", "Lk-_9"),
                        "https://example.com/auth/verify?preAuthSessionId=Ry-_x&tenantId=t1#Lk-_9");
    assert_string_equal(st_pl_recipe_user_id(pool, reply, " A@X.com ", NULL), "pl1");   /* not ep1 */
    assert_string_equal(st_pl_recipe_user_id(pool, reply, NULL, "+14155550100"), "pl2");
    assert_null(st_pl_recipe_user_id(pool, reply, "b@x.com", NULL));
    assert_null(st_pl_recipe_user_id(pool, reply, NULL, "+14155550101"));
    assert_null(st_pl_recipe_user_id(pool, j("{\"users\":7}"), "a@x.com", NULL));
    assert_string_equal(st_json_dump(pool, st_fdi_user(pool, user, 0)),
                        "{\"id\":\"u2\",\"timeJoined\":5,\"phoneNumber\":\"+14155550100\"}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create),
        cmocka_unit_test(test_phone_rule),
        cmocka_unit_test(test_base64_java),
        cmocka_unit_test(test_resend_consume),
        cmocka_unit_test(test_magic_link_and_lookup),
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

/*
 * test_bearer.c: the token of an Authorization header (protocol.md §1.3: supertokens-node takes
 * a value starting with "Bearer ", removes that prefix and trims the rest), and when the result
 * is the header's own bytes or a copy.
 */
#include "fixtures/test_util.h"
#include "token/bearer.h"

static void prefix_is_exact(void **state)
{
    apr_pool_t *p = *state;
    assert_null(st_bearer_token(p, NULL));
    assert_null(st_bearer_token(p, ""));
    assert_null(st_bearer_token(p, "bearer abc"));     /* case-sensitive, as the SDK's startsWith */
    assert_null(st_bearer_token(p, "Bearerabc"));
    assert_null(st_bearer_token(p, "Basic YWxpY2U6eA=="));
    assert_null(st_bearer_token(p, "Bearer "));
    assert_null(st_bearer_token(p, "Bearer  \t "));
    assert_string_equal(st_bearer_token(p, "Bearer abc"), "abc");
}

static void trimmed_on_both_ends(void **state)
{
    apr_pool_t *p = *state;
    assert_string_equal(st_bearer_token(p, "Bearer   abc"), "abc");
    assert_string_equal(st_bearer_token(p, "Bearer abc \t"), "abc");
    assert_string_equal(st_bearer_token(p, "Bearer \tab c\t "), "ab c");
}

/* The usual header (nothing after the token) is lent, not copied: a hit of the verification
 * cache would otherwise copy ~900 bytes per request. Trailing white space needs a copy, and
 * the header itself is never written to. */
static void lent_unless_something_trails(void **state)
{
    apr_pool_t *p = *state;
    const char *plain = "Bearer abc.def.ghi", *padded = "Bearer   abc.def.ghi";
    char trailing[] = "Bearer abc.def.ghi  ";
    const char *t;

    assert_ptr_equal(st_bearer_token(p, plain), plain + 7);
    assert_ptr_equal(st_bearer_token(p, padded), padded + 9);
    t = st_bearer_token(p, trailing);
    assert_string_equal(t, "abc.def.ghi");
    assert_true(t < trailing || t >= trailing + sizeof(trailing));
    assert_string_equal(trailing, "Bearer abc.def.ghi  ");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(prefix_is_exact, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(trimmed_on_both_ends, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(lent_unless_something_trails, pool_setup, pool_teardown),
    };
    return RUN_TAP("bearer", tests);
}

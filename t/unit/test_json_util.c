/*
 * test_json_util.c: st_json_dump must print what JavaScript's JSON.stringify(JSON.parse(x))
 * prints (expected strings produced by Node 20), plus parsing rules and JS trim.
 */
#include "fixtures/test_util.h"
#include "token/json_util.h"

static const char *roundtrip(apr_pool_t *p, const char *in)
{
    json_t *j = st_json_parse(p, in, strlen(in), JSON_DECODE_ANY);
    assert_non_null(j);
    return st_json_dump(p, j);
}

static void stringify_like_node(void **state)
{
    apr_pool_t *p = *state;
    assert_string_equal(roundtrip(p,
        "{\"b\":1,\"2\":2,\"1\":1,\"a\":1.0,\"c\":1e21,\"d\":0.000001,\"e\":1e-7,\"f\":\"\\u001f/\xc3\xa9\\u2028\","
        "\"g\":-0.0,\"h\":123456789012345678901234,\"i\":9007199254740993,\"j\":0.1,\"k\":1.5e300,"
        "\"l\":123e-20,\"4294967295\":1,\"4294967294\":2,\"01\":3,\"x\":[1,2.50,{\"z\":null,\"y\":true}]}"),
        "{\"1\":1,\"2\":2,\"4294967294\":2,\"b\":1,\"a\":1,\"c\":1e+21,\"d\":0.000001,\"e\":1e-7,"
        "\"f\":\"\\u001f/\xc3\xa9\xe2\x80\xa8\",\"g\":0,\"h\":1.2345678901234569e+23,\"i\":9007199254740992,"
        "\"j\":0.1,\"k\":1.5e+300,\"l\":1.23e-18,\"4294967295\":1,\"01\":3,\"x\":[1,2.5,{\"z\":null,\"y\":true}]}");
    assert_string_equal(roundtrip(p, " [ \"\\b\\f\\n\\r\\t\\\"\\\\\\/\" , false ] "),
                        "[\"\\b\\f\\n\\r\\t\\\"\\\\/\",false]");
    assert_string_equal(roundtrip(p, "{}"), "{}");
    assert_string_equal(roundtrip(p, "-12.5e-1"), "-1.25");
    assert_string_equal(roundtrip(p, "123456789012345680000"), "123456789012345680000");
    assert_null(st_json_dump(p, NULL));
    assert_string_equal(st_js_number(p, 1795345491000.0), "1795345491000");
    assert_string_equal(st_js_number(p, -1e-7), "-1e-7");
    assert_string_equal(st_json_quote(p, "a\x01"), "\"a\\u0001\"");
}

static void parse_rules(void **state)
{
    apr_pool_t *p = *state;
    double d = 0;
    json_t *j;

    assert_null(st_json_parse(p, "{\"a\":1,\"a\":2}", 13, 0));     /* duplicates */
    assert_null(st_json_parse(p, "\"s\"", 3, 0));                  /* non-container without flag */
    assert_null(st_json_parse(p, "{\"a\":\"\\u0000\"}", 13, 0));  /* NUL cannot live in a C string */
    assert_null(st_json_parse(p, NULL, 0, 0));
    j = st_json_parse(p, "{\"a\":\"x\",\"n\":2,\"z\":null,\"big\":1e400}", 36, 0);
    assert_null(j);   /* out-of-range real: jansson refuses (JSON.parse would give Infinity) */
    j = st_json_parse(p, "{\"a\":\"x\",\"n\":2,\"z\":null}", 24, 0);
    assert_non_null(j);
    assert_string_equal(st_json_string(j, "a"), "x");
    assert_null(st_json_string(j, "n"));
    assert_true(st_json_number(j, "n", &d));
    assert_true(d == 2.0);
    assert_false(st_json_number(j, "a", &d));
    assert_true(st_json_has(j, "z"));
    assert_false(st_json_has(j, "q"));
    assert_null(st_json_string(NULL, "a"));
    /* Integers beyond 64 bits are read as doubles, like JSON.parse. */
    j = st_json_parse(p, "{\"h\":123456789012345678901234}", 30, 0);
    assert_non_null(j);
    assert_string_equal(st_json_dump(p, j), "{\"h\":1.2345678901234569e+23}");
}

static void js_trim(void **state)
{
    apr_pool_t *p = *state;
    const char *s = "abc";
    assert_ptr_equal(st_js_trim(p, s, 0), s);
    assert_string_equal(st_js_trim(p, " \t\n\v\f\r\xc2\xa0\xe2\x80\xa8\xe3\x80\x80\xef\xbb\xbfx y\xe2\x80\x8a\xe1\x9a\x80 ", 0), "x y");
    assert_string_equal(st_js_trim(p, "\xe2\x80\x8b" "x", 0), "\xe2\x80\x8b" "x");  /* U+200B is not white space */
    assert_string_equal(st_js_trim(p, "\xa0 x\t\xa0", 1), "x");
    assert_string_equal(st_js_trim(p, "   ", 0), "");
    assert_null(st_js_trim(p, NULL, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(stringify_like_node, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(parse_rules, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(js_trim, pool_setup, pool_teardown),
    };
    return RUN_TAP("json_util", tests);
}

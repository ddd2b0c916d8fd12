/*
 * test_cookie.c: Cookie header lookup (npm cookie@0.7.2 parse semantics, the SDK's duplicate
 * count) and Set-Cookie serialisation, byte for byte against protocol.md §1.4 / §6.3.
 * Expected parse results were cross-checked with cookie@0.7.2 and supertokens-node 24.0.3.
 */
#include "fixtures/test_util.h"
#include "fixtures/protocol_vectors.h"
#include "token/cookie.h"

/* §6.3: iat 1795341891; sAccessToken expires iat + 365 days, sRefreshToken at the core's
 * expiry (iat + 100 days, printed as Tue, 02 Mar 2027 10:04:51 GMT). */
#define T_ACCESS_EXPIRES apr_time_from_sec(V63_IAT + 365LL * 86400)
#define T_REFRESH_EXPIRES apr_time_from_sec(V63_IAT + 100LL * 86400)

static void parse_first_occurrence_wins(void **state)
{
    apr_pool_t *p = *state;
    int n = -1;
    assert_string_equal(st_cookie_get(p, "a=1; sAccessToken=tok; sAccessToken=other", "sAccessToken", &n), "tok");
    assert_int_equal(n, 2);
    assert_string_equal(st_cookie_get(p, "a=1; sAccessToken=tok", "a", &n), "1");
    assert_int_equal(n, 1);
}

static void parse_absent(void **state)
{
    apr_pool_t *p = *state;
    int n = -1;
    assert_null(st_cookie_get(p, "a=1; b=2", "sAccessToken", &n));
    assert_int_equal(n, 0);
    assert_null(st_cookie_get(p, "sAccessTokenX=1; XsAccessToken=2", "sAccessToken", &n));
    assert_int_equal(n, 0);
    assert_null(st_cookie_get(p, NULL, "sAccessToken", &n));
    assert_int_equal(n, 0);
    assert_null(st_cookie_get(p, "a=1", NULL, NULL));
}

static void parse_quotes_stripped(void **state)
{
    apr_pool_t *p = *state;
    assert_string_equal(st_cookie_get(p, "x=\"quoted\"", "x", NULL), "quoted");
    assert_string_equal(st_cookie_get(p, "x= \"a b\" ", "x", NULL), "a b");
    assert_string_equal(st_cookie_get(p, "x=\"\"", "x", NULL), "");
    assert_string_equal(st_cookie_get(p, "x=\"", "x", NULL), "");        /* lone quote */
    assert_string_equal(st_cookie_get(p, "x=\"abc", "x", NULL), "\"abc"); /* unbalanced */
}

static void parse_percent_decoding(void **state)
{
    apr_pool_t *p = *state;
    /* §6.3: the cookie form of the refresh token reads back as the raw token. */
    assert_string_equal(st_cookie_get(p,
        "sAccessToken=abc; sRefreshToken=cmVmcmVzaA%2B%2Ftok1%3D.676b8bb84ce7267dd520deca4811c8f10a53e636352f06987f42fe425acedd80.V2",
        "sRefreshToken", NULL), V63_REFRESH_TOKEN);
    assert_string_equal(st_cookie_get(p, "x=%E2%82%AC", "x", NULL), "\xe2\x82\xac");
    /* decodeURIComponent would throw: the raw value is kept. */
    assert_string_equal(st_cookie_get(p, "x=a%zz", "x", NULL), "a%zz");
    assert_string_equal(st_cookie_get(p, "x=%C0%AF", "x", NULL), "%C0%AF");
    assert_string_equal(st_cookie_get(p, "x=%ED%A0%80", "x", NULL), "%ED%A0%80");
    /* '=' inside a value belongs to the value. */
    assert_string_equal(st_cookie_get(p, "x=a=b=c", "x", NULL), "a=b=c");
}

static void parse_trimming_and_pairs_without_equals(void **state)
{
    apr_pool_t *p = *state;
    int n = -1;
    assert_string_equal(st_cookie_get(p, "foo; bar; sAccessToken=v", "sAccessToken", &n), "v");
    assert_int_equal(n, 1);
    assert_string_equal(st_cookie_get(p, "  sAccessToken \t=  v  ;", "sAccessToken", &n), "v");
    /* The SDK's duplicate count does not trim before '=', so this name is not counted. */
    assert_int_equal(n, 0);
    /* ...but it counts a piece without '=' as a name. */
    assert_string_equal(st_cookie_get(p, "foo; sAccessToken; sAccessToken=v", "sAccessToken", &n), "v");
    assert_int_equal(n, 2);
    /* Names are percent-decoded for the count only; cookie.parse keys are not decoded. */
    assert_string_equal(st_cookie_get(p, "sAccess%54oken=x; sAccessToken=y", "sAccessToken", &n), "y");
    assert_int_equal(n, 2);
    assert_string_equal(st_cookie_get(p, "sAccessToken=1;sAccessToken%zz=2", "sAccessToken", &n), "1");
    assert_int_equal(n, 1);
    /* JS trim on header text also removes NBSP (0xA0) and other ASCII white space. */
    assert_string_equal(st_cookie_get(p, "\xa0sAccessToken=1;\tsAccessToken=2", "sAccessToken", &n), "2");
    assert_int_equal(n, 2);
    /* An empty name (=v) is a cookie too, but never the one asked for. */
    assert_string_equal(st_cookie_get(p, "=v; x=1", "x", &n), "1");
}

/* express's JSON cookies: "j:" + JSON string becomes that string; other JSON stays raw. */
static void parse_json_cookie(void **state)
{
    apr_pool_t *p = *state;
    assert_string_equal(st_cookie_get(p, "sAccessToken=j:%22abc%22", "sAccessToken", NULL), "abc");
    assert_string_equal(st_cookie_get(p, "sAccessToken=j:0", "sAccessToken", NULL), "j:0");
    assert_string_equal(st_cookie_get(p, "sAccessToken=j:%22%22", "sAccessToken", NULL), "j:\"\"");
    assert_string_equal(st_cookie_get(p, "sAccessToken=j:%7B%22a%22%3A1%7D", "sAccessToken", NULL), "j:{\"a\":1}");
}

static void parse_garbage(void **state)
{
    apr_pool_t *p = *state;
    static const char *const junk[] = { "", ";", ";;;", "=", "====", "x", "\"", "%", "; = ; ==; %%%" };
    size_t i;
    int n;
    for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
        n = -1;
        assert_null(st_cookie_get(p, junk[i], "sAccessToken", &n));
        assert_int_equal(n, 0);
    }
    assert_string_equal(st_cookie_get(p, "\x01\x02; sAccessToken=\x7f\xff", "sAccessToken", NULL), "\x7f\xff");
}

/* A multi-megabyte header of mostly separators, names without values and encoded names is
 * answered in one pass; the target at the very end is still found and counted. */
static void parse_huge_header_linear(void **state)
{
    apr_pool_t *p = *state;
    const apr_size_t reps = 200000;
    const char *unit = "x; %41%41%41%41%41%41%41%41%41%41%41%41=1;";
    apr_size_t ul = strlen(unit), i;
    char *h = apr_palloc(p, reps * ul + 64), *o = h;
    apr_time_t t0 = apr_time_now();
    int n = 0;

    for (i = 0; i < reps; i++, o += ul)
        memcpy(o, unit, ul);
    strcpy(o, " sAccessToken=last; sAccessToken=again");
    assert_string_equal(st_cookie_get(p, h, "sAccessToken", &n), "last");
    assert_int_equal(n, 2);
    /* ~9 MB: linear work finishes far below this; quadratic work would not. */
    assert_true(apr_time_now() - t0 < apr_time_from_sec(5));
}

/* §6.3: the sAccessToken Set-Cookie line, byte for byte. */
static void serialize_access_cookie(void **state)
{
    apr_pool_t *p = *state;
    assert_string_equal(st_cookie_serialize(p, "sAccessToken", V63_ACCESS_TOKEN, NULL, "/",
                                            T_ACCESS_EXPIRES, 1, 0, "lax"),
                        V63_SET_COOKIE_ACCESS);
}

/* §6.3: the sRefreshToken line, whose value is encodeURIComponent'ed (+ / = escaped). */
static void serialize_refresh_cookie(void **state)
{
    apr_pool_t *p = *state;
    assert_string_equal(st_cookie_serialize(p, "sRefreshToken", V63_REFRESH_TOKEN, NULL,
                                            "/auth/session/refresh", T_REFRESH_EXPIRES, 1, 0, "Lax"),
                        V63_SET_COOKIE_REFRESH);
}

/* §6.3 "Other observed exchanges": the clearing cookies. */
static void serialize_clearing_cookies(void **state)
{
    apr_pool_t *p = *state;
    assert_string_equal(st_cookie_serialize(p, "sAccessToken", "", NULL, "/", 0, 1, 0, "Lax"),
                        V63_CLEAR_ACCESS);
    assert_string_equal(st_cookie_serialize(p, "sRefreshToken", NULL, "", "/auth/session/refresh",
                                            0, 1, 0, "LAX"),
                        V63_CLEAR_REFRESH);
}

/* §1.4: Domain goes before Path; Secure before SameSite; SameSite=None. */
static void serialize_domain_secure_none(void **state)
{
    apr_pool_t *p = *state;
    assert_string_equal(st_cookie_serialize(p, "sRefreshToken", "a+b", ".example.com",
                                            "/auth/session/refresh", T_REFRESH_EXPIRES, 1, 1, "none"),
                        "sRefreshToken=a%2Bb; Domain=.example.com; Path=/auth/session/refresh; "
                        "Expires=Tue, 02 Mar 2027 10:04:51 GMT; HttpOnly; Secure; SameSite=None");
    assert_string_equal(st_cookie_serialize(p, "n", "v", NULL, NULL, 0, 0, 0, NULL),
                        "n=v; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
    assert_string_equal(st_cookie_serialize(p, "n", "v", NULL, "/", 0, 0, 0, "strict"),
                        "n=v; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; SameSite=Strict");
    /* Sub-second parts are dropped (Date.toUTCString shows whole seconds). */
    assert_string_equal(st_cookie_serialize(p, "n", "v", NULL, NULL, apr_time_from_sec(V63_IAT) + 999999,
                                            0, 0, NULL),
                        "n=v; Expires=Sun, 22 Nov 2026 10:04:51 GMT");
}

/* Input cookie.serialize throws on gives NULL. */
static void serialize_rejects_invalid(void **state)
{
    apr_pool_t *p = *state;
    assert_null(st_cookie_serialize(p, "bad name", "v", NULL, "/", 0, 1, 0, "Lax"));
    assert_null(st_cookie_serialize(p, "bad;name", "v", NULL, "/", 0, 1, 0, "Lax"));
    assert_null(st_cookie_serialize(p, "", "v", NULL, "/", 0, 1, 0, "Lax"));
    assert_null(st_cookie_serialize(p, "n", "v", "-bad.com", "/", 0, 1, 0, "Lax"));
    assert_null(st_cookie_serialize(p, "n", "v", "bad..com", "/", 0, 1, 0, "Lax"));
    assert_null(st_cookie_serialize(p, "n", "v", "example.com.", "/", 0, 1, 0, "Lax"));
    assert_null(st_cookie_serialize(p, "n", "v", "exa_mple.com", "/", 0, 1, 0, "Lax"));
    assert_null(st_cookie_serialize(p, "n", "v", NULL, "/a;b", 0, 1, 0, "Lax"));
    assert_null(st_cookie_serialize(p, "n", "v", NULL, "/a\nb", 0, 1, 0, "Lax"));
    assert_null(st_cookie_serialize(p, "n", "v", NULL, "/", 0, 1, 0, "sometimes"));
    assert_non_null(st_cookie_serialize(p, "n", "v", "localhost", "/", 0, 1, 0, "Lax"));
}

/* Without occurrences the count (which decodes every piece's name) is skipped: the value is
 * the same, including for names that only a decoded piece would match. */
static void lookup_without_count_same_value(void **state)
{
    apr_pool_t *p = *state;
    static const char *const headers[] = {
        "sAccessToken=tok", "a=1; sIdRefreshToken=x", "a=1;\t sIdRefreshToken =x", "sIdRefreshTokenX=1",
        "a=1; b=sIdRefreshToken", "%73IdRefreshToken=1", "a=1;sIdRefreshToken", "", ";;", "a=\"sIdRefreshToken=1\"",
    };
    static const char *const expected[] = { NULL, "x", "x", NULL, NULL, NULL, NULL, NULL, NULL, NULL };
    size_t i;

    for (i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
        int n = -1;
        const char *counted = st_cookie_get(p, headers[i], "sIdRefreshToken", &n);
        const char *plain = st_cookie_get(p, headers[i], "sIdRefreshToken", NULL);
        if (expected[i] == NULL) {
            assert_null(counted);
            assert_null(plain);
        }
        else {
            assert_string_equal(counted, expected[i]);
            assert_string_equal(plain, expected[i]);
        }
    }
}

/* A value that ends the header, unquoted and without '%', is the header's own bytes (a cache
 * hit copied the ~900-byte token otherwise); every other value is a copy, the header intact. */
static void value_lent_only_at_the_end(void **state)
{
    apr_pool_t *p = *state;
    const char *last = "a=1; sAccessToken=abc.def";
    char middle[] = "sAccessToken=abc.def; a=1", quoted[] = "sAccessToken=\"abc\"", spaced[] = "sAccessToken=abc ";
    const char *v;

    assert_ptr_equal(st_cookie_get(p, last, "sAccessToken", NULL), last + 18);
    v = st_cookie_get(p, middle, "sAccessToken", NULL);
    assert_string_equal(v, "abc.def");
    assert_true(v < middle || v >= middle + sizeof(middle));
    v = st_cookie_get(p, quoted, "sAccessToken", NULL);
    assert_string_equal(v, "abc");
    assert_true(v < quoted || v >= quoted + sizeof(quoted));
    assert_string_equal(st_cookie_get(p, spaced, "sAccessToken", NULL), "abc");
    assert_string_equal(middle, "sAccessToken=abc.def; a=1");
    assert_string_equal(quoted, "sAccessToken=\"abc\"");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(parse_first_occurrence_wins, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(parse_absent, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(parse_quotes_stripped, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(parse_percent_decoding, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(parse_trimming_and_pairs_without_equals, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(parse_json_cookie, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(parse_garbage, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(parse_huge_header_linear, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(serialize_access_cookie, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(serialize_refresh_cookie, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(serialize_clearing_cookies, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(serialize_domain_secure_none, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(serialize_rejects_invalid, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(lookup_without_count_same_value, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(value_lent_only_at_the_end, pool_setup, pool_teardown),
    };
    return RUN_TAP("cookie", tests);
}

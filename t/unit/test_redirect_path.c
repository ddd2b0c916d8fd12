/*
 * test_redirect_path.c: the redirectToPath check (src/request/redirect_path.c) used before
 * every redirect the module sends a browser to on a client's say-so: what stays on the site,
 * and the ways out of it (protocol-relative, backslashes, control characters, encoded forms,
 * dot segments, absolute URLs, length).
 */
#include "fixtures/test_util.h"
#include "request/redirect_path.h"

static void accepts_paths_on_the_site(void **state)
{
    apr_pool_t *p = *state;
    static const char *const good[] = {
        "/", "/php/server.php", "/a/b/c.html?x=1&y=%2F&z=//not-a-host#frag", "/app/?next=/x",
        "/%E2%82%AC", "/a%20b", "/a/...b/.c/", "/a/b/", "/x#//y",
    };
    apr_size_t i;
    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        if (!st_redirect_path_ok(p, good[i]))
            fail_msg("refused %s", good[i]);
    }
}

static void refuses_ways_off_the_site(void **state)
{
    apr_pool_t *p = *state;
    static const char *const bad[] = {
        "", "x", "page.html", "//evil.example", "//evil.example/x", "/\\evil.example",
        "\\\\evil.example", "https://evil.example/", "http:/evil.example", "javascript:alert(1)",
        " /x", "/x y", "/x\ty", "/x\r\nSet-Cookie: a=b", "/x\x7f", "/caf\xc3\xa9",
        "/a\\b", "/?q=%5C",  /* no backslash anywhere, raw or decoded */
        /* encoded forms, decoded once */
        "/%2F%2Fevil.example", "/%2fevil.example", "/%5Cevil.example", "/%5cevil", "/a%5Cb",
        "/%0d%0aSet-Cookie:%20a=b", "/%00", "/x%7f", "/%09",
        "%2F%2Fevil.example", "%2Fx",
        /* invalid escapes */
        "/%", "/%2", "/%zz", "/%2g",
        /* dot segments: "/..//evil" resolves to the path "//evil" */
        "/..//evil.example", "/./..//evil.example", "/a/../b", "/a/./b", "/..", "/.", "/a/..",
        "/%2e%2e//evil.example", "/%2E/x", "/.%2e/x", "/a/..?x=1", "/a/.#f",
    };
    apr_size_t i;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (st_redirect_path_ok(p, bad[i]))
            fail_msg("accepted %s", bad[i]);
    }
    assert_false(st_redirect_path_ok(p, NULL));
}

static void query_and_fragment_are_not_path_segments(void **state)
{
    apr_pool_t *p = *state;
    /* after '?' or '#', dots and slashes are data */
    assert_true(st_redirect_path_ok(p, "/a?b=/../c"));
    assert_true(st_redirect_path_ok(p, "/a#/./x"));
    /* a decoded '?' ends the decoded path, but the raw path is checked whole */
    assert_false(st_redirect_path_ok(p, "/a%3F/../x"));
    assert_true(st_redirect_path_ok(p, "/a%3F/b"));
}

static void length_is_bounded(void **state)
{
    apr_pool_t *p = *state;
    char *v = apr_palloc(p, ST_REDIRECT_PATH_MAX + 2);
    memset(v, 'a', ST_REDIRECT_PATH_MAX + 1);
    v[0] = '/';
    v[ST_REDIRECT_PATH_MAX] = '\0';
    assert_true(st_redirect_path_ok(p, v));
    v[ST_REDIRECT_PATH_MAX] = 'a';
    v[ST_REDIRECT_PATH_MAX + 1] = '\0';
    assert_false(st_redirect_path_ok(p, v));
}

static void fallback_when_refused(void **state)
{
    apr_pool_t *p = *state;
    assert_string_equal(st_redirect_path(p, "/ok", "/default"), "/ok");
    assert_string_equal(st_redirect_path(p, "//evil.example", "/default"), "/default");
    assert_string_equal(st_redirect_path(p, NULL, "/default"), "/default");
    assert_null(st_redirect_path(p, "/%zz", NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(accepts_paths_on_the_site, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(refuses_ways_off_the_site, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(query_and_fragment_are_not_path_segments, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(length_is_bounded, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(fallback_when_refused, pool_setup, pool_teardown),
    };
    return RUN_TAP("redirect_path", tests);
}

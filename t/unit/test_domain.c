/* Unit tests of src/config/domain.c: origin and cookie-domain normalisation as supertokens-node
 * does it, and the registrable-domain rule behind the SameSite default (protocol.md §1.4). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "apr_general.h"
#include "config/domain.h"

static apr_pool_t *pool;

static const char *origin(const char *in)
{
    const char *out = NULL;
    const char *err = st_origin_normalise(pool, in, &out);
    return err ? NULL : out;
}

static void test_origin_normalise(void **state)
{
    (void)state;
    assert_string_equal(origin("HTTPS://Api.Example.COM"), "https://api.example.com");
    assert_string_equal(origin("https://api.example.com:443/some/path"), "https://api.example.com");
    assert_string_equal(origin("http://localhost:3001"), "http://localhost:3001");
    assert_string_equal(origin("http://localhost:80"), "http://localhost");
    /* bare hosts: localhost/IP are http, others https */
    assert_string_equal(origin("localhost:3000"), "http://localhost:3000");
    assert_string_equal(origin("127.0.0.1:8080"), "http://127.0.0.1:8080");
    assert_string_equal(origin("example.com"), "https://example.com");
    assert_null(origin("/auth"));
    assert_null(origin("http://exa mple.com?x=1"));
    assert_null(origin("https://example.com:99999999"));
}

static const char *cookie_domain(const char *in)
{
    const char *out = NULL;
    return st_cookie_domain_normalise(pool, in, &out) ? NULL : out;
}

static void test_cookie_domain(void **state)
{
    (void)state;
    assert_string_equal(cookie_domain(".Example.COM"), ".example.com");
    assert_string_equal(cookie_domain("example.com"), "example.com");
    assert_string_equal(cookie_domain(".localhost"), "localhost");
    assert_string_equal(cookie_domain("https://api.example.com/x"), "api.example.com");
    assert_string_equal(cookie_domain("127.0.0.1"), "127.0.0.1");
    /* values every Set-Cookie would refuse are config errors (npm cookie's domain rule) */
    assert_null(cookie_domain("a_b.example.com"));
    assert_null(cookie_domain("a..b"));
    assert_null(cookie_domain("-a-.example.com"));
    assert_null(cookie_domain("https://.//"));
}

static void test_registrable_domain(void **state)
{
    (void)state;
    assert_string_equal(st_registrable_domain(pool, "api.example.com", ST_PSL_FILE), "example.com");
    assert_string_equal(st_registrable_domain(pool, "a.b.example.co.uk", ST_PSL_FILE), "example.co.uk");
    /* private suffixes count, as tldts is used with allowPrivateDomains */
    assert_string_equal(st_registrable_domain(pool, "app1.github.io", ST_PSL_FILE), "app1.github.io");
    assert_string_equal(st_registrable_domain(pool, "localhost", ST_PSL_FILE), "localhost");
    assert_string_equal(st_registrable_domain(pool, "10.0.0.1", ST_PSL_FILE), "localhost");
    assert_null(st_registrable_domain(pool, "co.uk", ST_PSL_FILE));
}

static void test_same_site_default(void **state)
{
    (void)state;
    /* protocol.md §1.4: localhost pair ⇒ Lax; cross-site https pair ⇒ None */
    assert_true(st_domains_same_site("http://localhost:3001", "http://localhost:3000"));
    assert_false(st_domains_same_site("https://api.example.com", "https://example.org"));
    assert_true(st_domains_same_site("https://api.example.com", "https://www.example.com"));
    /* a scheme difference alone makes it cross-site */
    assert_false(st_domains_same_site("http://api.example.com", "https://example.com"));
    /* two github.io sites are different registrable domains */
    assert_false(st_domains_same_site("https://a.github.io", "https://b.github.io"));
    assert_true(st_domain_is_local("http://127.0.0.1:8529"));
    assert_false(st_domain_is_local("https://example.com"));
}

/* SuperTokensSignUpEmailDomains: exact domains, or ".x" for x and its subdomains, any case */
static void test_email_domain_listed(void **state)
{
    apr_array_header_t *d = apr_array_make(pool, 2, sizeof(const char *));
    (void)state;
    APR_ARRAY_PUSH(d, const char *) = "example.com";
    APR_ARRAY_PUSH(d, const char *) = ".corp.example.org";
    assert_true(st_email_domain_listed(d, "a@example.com"));
    assert_true(st_email_domain_listed(d, "A@EXAMPLE.COM"));
    assert_true(st_email_domain_listed(d, "\"a@b\"@example.com"));     /* the last '@' counts */
    assert_true(st_email_domain_listed(d, "a@corp.example.org"));
    assert_true(st_email_domain_listed(d, "a@eu.corp.example.org"));
    assert_false(st_email_domain_listed(d, "a@sub.example.com"));       /* no leading dot: exact */
    assert_false(st_email_domain_listed(d, "a@notexample.com"));
    assert_false(st_email_domain_listed(d, "a@example.com.evil.test"));
    assert_false(st_email_domain_listed(d, "a@xcorp.example.org"));
    assert_false(st_email_domain_listed(d, "a@example.co"));
    assert_false(st_email_domain_listed(d, "a@"));
    assert_false(st_email_domain_listed(d, "example.com"));
    assert_false(st_email_domain_listed(d, NULL));
    assert_false(st_email_domain_listed(NULL, "a@example.com"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_origin_normalise),
        cmocka_unit_test(test_cookie_domain),
        cmocka_unit_test(test_registrable_domain),
        cmocka_unit_test(test_same_site_default),
        cmocka_unit_test(test_email_domain_listed),
    };
    int rc;
    apr_initialize();
    apr_pool_create(&pool, NULL);
    cmocka_set_message_output(CM_OUTPUT_TAP);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    apr_terminate();
    return rc;
}

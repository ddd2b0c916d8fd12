/*
 * test_wycheproof.c: Project Wycheproof's RSASSA-PKCS1-v1_5 SHA-256 vectors (2048, 3072 and
 * 4096-bit keys; t/unit/fixtures/wycheproof/) against every RS256 path of the module. Each key
 * group's JWK goes through st_jwks_parse, as a key from the core's JWKS would; each vector is
 * then checked with OpenSSL through the prepared context (st_jwt_verify_rs256_prepared), with
 * OpenSSL's one-shot EVP_DigestVerify (st_jwt_verify_rs256), and with the AVX-512 IFMA path
 * (st_jwt_verify_rs256_ifma) wherever the key got one (2048 bits, a CPU with IFMA).
 *
 * Verdicts: "valid" must verify and "invalid" must not. "acceptable" vectors are decided by
 * their flags: the only one here is MissingNull (a DigestInfo without its NULL parameters, a
 * legacy encoding), which the module refuses, as OpenSSL (and so jose in Node) does: only the
 * one DER encoding of RFC 8017 is a valid signature. An acceptable vector with any other flag
 * fails the test, so that a new flag gets a decision.
 */
#include "fixtures/test_util.h"

#include <jansson.h>

#include "token/jwk.h"
#include "token/jwt.h"
#include "token/rsa_ifma.h"

enum { PATH_PREPARED, PATH_ONESHOT, PATH_IFMA, NPATHS };
static const char *const path_names[NPATHS] = {
    "OpenSSL (prepared context)", "OpenSSL (EVP_DigestVerify)", "AVX-512 IFMA"
};

typedef struct {
    long vectors, valid, invalid, acceptable;
    long checked[NPATHS], passed[NPATHS];
    long groups, ifma_groups;
} counts;

/* The fixture directory: beside this source (make and the cross build run from the top). */
static const char *fixture(apr_pool_t *p, const char *name)
{
    const char *dir = getenv("ST_WYCHEPROOF_DIR");
    if (dir == NULL) {
        const char *slash = strrchr(__FILE__, '/');
        dir = apr_pstrcat(p, slash ? apr_pstrndup(p, __FILE__, (apr_size_t)(slash - __FILE__)) : ".",
                          "/fixtures/wycheproof", NULL);
    }
    return apr_pstrcat(p, dir, "/", name, NULL);
}

static unsigned char *unhex(apr_pool_t *p, const char *hex, apr_size_t *len)
{
    apr_size_t n = strlen(hex) / 2, i;
    unsigned char *out = apr_palloc(p, n + 1);

    assert_int_equal(strlen(hex) % 2, 0);
    for (i = 0; i < n; i++) {
        unsigned int b;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &b), 1);
        out[i] = (unsigned char)b;
    }
    *len = n;
    return out;
}

/* The group's key as the module imports a JWKS key (its kid replaced by a dynamic one). */
static const st_jwk *import_group_key(apr_pool_t *p, const json_t *group)
{
    json_t *jwk = json_deep_copy(json_object_get(group, "keyJwk")), *doc;
    apr_array_header_t *keys = NULL;
    char *text;

    assert_non_null(jwk);
    assert_int_equal(json_object_set_new(jwk, "kid", json_string("d-wycheproof")), 0);
    doc = json_pack("{s:[o]}", "keys", jwk);
    assert_non_null(doc);
    text = json_dumps(doc, JSON_COMPACT);
    assert_non_null(text);
    assert_null(st_jwks_parse(p, text, strlen(text), &keys));
    free(text);
    json_decref(doc);
    assert_int_equal(keys->nelts, 1);
    return &APR_ARRAY_IDX(keys, 0, st_jwk);
}

/* What the module must answer: 1 verify, 0 refuse. */
static int expected_verdict(const json_t *test, counts *c)
{
    const char *result = json_string_value(json_object_get(test, "result"));
    const json_t *flags = json_object_get(test, "flags");
    size_t i;

    assert_non_null(result);
    if (strcmp(result, "valid") == 0) {
        c->valid++;
        return 1;
    }
    if (strcmp(result, "invalid") == 0) {
        c->invalid++;
        return 0;
    }
    assert_string_equal(result, "acceptable");
    c->acceptable++;
    for (i = 0; i < json_array_size(flags); i++) {
        const char *f = json_string_value(json_array_get(flags, i));
        if (f == NULL || strcmp(f, "MissingNull") != 0)
            fail_msg("tcId %lld: acceptable with flag %s: no decision for it",
                     (long long)json_integer_value(json_object_get(test, "tcId")), f ? f : "?");
    }
    return 0;
}

static void check_path(counts *c, int path, int got, int want, const json_t *test)
{
    c->checked[path]++;
    if (got == want)
        c->passed[path]++;
    else
        print_message("# %s: tcId %lld (%s) %s, expected %s\n", path_names[path],
                      (long long)json_integer_value(json_object_get(test, "tcId")),
                      json_string_value(json_object_get(test, "comment")),
                      got ? "verified" : "refused", want ? "verified" : "refused");
}

static void run_group(apr_pool_t *p, const json_t *group, counts *c)
{
    const st_jwk *k = import_group_key(p, group);
    const json_t *tests = json_object_get(group, "tests");
    size_t i;

    c->groups++;
    c->ifma_groups += k->fast != NULL;
    assert_non_null(k->verify_ctx);
    for (i = 0; i < json_array_size(tests); i++) {
        const json_t *t = json_array_get(tests, i);
        int want = expected_verdict(t, c);
        st_jwt jwt;

        memset(&jwt, 0, sizeof(jwt));
        jwt.alg_rs256 = 1;
        jwt.signing_input = (const char *)unhex(p, json_string_value(json_object_get(t, "msg")),
                                                &jwt.signing_input_len);
        jwt.signature = unhex(p, json_string_value(json_object_get(t, "sig")), &jwt.signature_len);
        c->vectors++;
        check_path(c, PATH_PREPARED, st_jwt_verify_rs256_prepared(&jwt, k->verify_ctx), want, t);
        check_path(c, PATH_ONESHOT, st_jwt_verify_rs256(&jwt, k->key), want, t);
        if (k->fast)
            check_path(c, PATH_IFMA, st_jwt_verify_rs256_ifma(&jwt, k->fast), want, t);
    }
}

static void run_file(apr_pool_t *p, const char *name, int bits)
{
    json_error_t err;
    json_t *doc = json_load_file(fixture(p, name), 0, &err);
    const json_t *groups;
    counts c;
    size_t i;
    int path;

    if (doc == NULL)
        fail_msg("%s: %s (line %d)", fixture(p, name), err.text, err.line);
    memset(&c, 0, sizeof(c));
    assert_string_equal(json_string_value(json_object_get(doc, "algorithm")), "RSASSA-PKCS1-v1_5");
    groups = json_object_get(doc, "testGroups");
    for (i = 0; i < json_array_size(groups); i++) {
        const json_t *g = json_array_get(groups, i);
        assert_int_equal(json_integer_value(json_object_get(g, "keySize")), bits);
        assert_string_equal(json_string_value(json_object_get(g, "sha")), "SHA-256");
        run_group(p, g, &c);
    }
    assert_int_equal(c.vectors, json_integer_value(json_object_get(doc, "numberOfTests")));
    json_decref(doc);

    print_message("# %s: %ld vectors in %ld key groups: %ld valid, %ld invalid, %ld acceptable "
                  "(MissingNull, refused)\n", name, c.vectors, c.groups, c.valid, c.invalid, c.acceptable);
    for (path = 0; path < NPATHS; path++)
        if (c.checked[path])
            print_message("#   %-27s %ld of %ld passed\n", path_names[path], c.passed[path], c.checked[path]);
    if (bits == 2048 && c.ifma_groups == 0) {
        /* on stderr too, which prove shows: a path that was not tested must not look tested */
        const char *why = !ST_RSA_IFMA_BUILT ? "not built for this CPU architecture (x86-64 only)"
                                              : "this CPU/OS has no AVX-512 IFMA";
        print_message("#   %-27s NOT RUN: %s\n", path_names[PATH_IFMA], why);
        fprintf(stderr, "test_wycheproof: the AVX-512 IFMA path was NOT RUN: %s\n", why);
    }
    for (path = 0; path < NPATHS; path++)
        assert_int_equal(c.passed[path], c.checked[path]);
    assert_int_equal(c.checked[PATH_PREPARED], c.vectors);
    assert_int_equal(c.checked[PATH_ONESHOT], c.vectors);
    assert_true(c.valid > 0 && c.invalid > 0);
    if (bits == 2048 && st_rsa_ifma_available())
        assert_int_equal(c.checked[PATH_IFMA], c.vectors);   /* every 2048-bit key took the path */
}

static void wycheproof_2048(void **state)
{
    run_file(*state, "rsa_signature_2048_sha256_test.json", 2048);
}

static void wycheproof_3072(void **state)
{
    run_file(*state, "rsa_signature_3072_sha256_test.json", 3072);
}

static void wycheproof_4096(void **state)
{
    run_file(*state, "rsa_signature_4096_sha256_test.json", 4096);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(wycheproof_2048, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(wycheproof_3072, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(wycheproof_4096, pool_setup, pool_teardown),
    };
    return RUN_TAP("wycheproof", tests);
}

/*
 * test_json_scan.c: st_js_scan_object must accept exactly what st_json_parse (jansson) accepts,
 * with both flag values, and index the same members: type, decoded key and string, number and
 * is_int as jansson's tree has them; raw spans and st_js_compact re-parse to equal values.
 * A table of edge cases (with the expected verdict, to pin down jansson's behaviour too),
 * generated cases (depth, big objects, long numbers) and random mutations of seed texts.
 */
#include <math.h>
#include <stdio.h>

#include "fixtures/test_util.h"
#include "fixtures/protocol_vectors.h"
#include "token/json_scan.h"
#include "token/json_util.h"

/* A realistic v5 access-token payload (SuperTokens core 9 / supertokens-node 20). */
#define V5_PAYLOAD \
    "{\"iat\":1763800000,\"exp\":1763803600,\"sub\":\"8f3e2b1c-3c1b-4c1e-9a52-2f4b1d6c7e8a\"," \
    "\"tId\":\"public\",\"rsub\":\"8f3e2b1c-3c1b-4c1e-9a52-2f4b1d6c7e8a\"," \
    "\"sessionHandle\":\"3c0e6a2b-5d2c-4b8e-8f1a-1b2c3d4e5f60\"," \
    "\"refreshTokenHash1\":\"0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0\"," \
    "\"parentRefreshTokenHash1\":null,\"antiCsrfToken\":null,\"iss\":\"http://localhost:8090/auth\"," \
    "\"st-role\":{\"v\":[\"admin\"],\"t\":1763800000},\"email\":\"user@example.com\"}"

static json_t *reparse(apr_pool_t *p, const char *t, size_t n, size_t jflags, int retry)
{
    json_error_t e;
    json_t *v = json_loadb(t, n, jflags | JSON_DECODE_ANY | JSON_REJECT_DUPLICATES
                           | (retry ? JSON_DECODE_INT_AS_REAL : 0), &e);
    st_json_pool_own(p, v);
    return v;
}

static int has_ws_outside_strings(const char *s)
{
    int in = 0;
    for (; *s; s++) {
        if (in && *s == '\\')
            s++;
        else if (*s == '"')
            in = !in;
        else if (!in && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
            return 1;
    }
    return 0;
}

/* NULL when the scanner and st_json_parse agree on t[0..n) under sflags, else what differs.
 * *verdict: 'O' object accepted, 'A' array accepted, 'N' refused. */
static const char *disagreement(apr_pool_t *p, const char *t, size_t n, int sflags, char *verdict)
{
    size_t jflags = (sflags & ST_JS_ALLOW_NUL) ? JSON_ALLOW_NUL : 0;
    json_t *j = st_json_parse(p, t, n, jflags), *first, *v;
    st_js_object o = { (st_js_member *)1, -1 };
    const char *err = st_js_scan_object(p, t, n, sflags, &o), *key;
    json_error_t e;
    int retry, i = 0;

    *verdict = !j ? 'N' : json_is_array(j) ? 'A' : 'O';
    if (err && (o.n != 0 || o.members != NULL))
        return "error without clearing *out";
    if (!j)
        return err ? NULL : "scanner accepts what jansson refuses";
    if (json_is_array(j))
        return err && strcmp(err, "not an object") == 0 ? NULL : "array top level not reported";
    if (err)
        return "scanner refuses an object jansson accepts";
    first = json_loadb(t, n, jflags | JSON_REJECT_DUPLICATES, &e);
    retry = first == NULL;      /* st_json_parse needed its JSON_DECODE_INT_AS_REAL retry */
    json_decref(first);
    if ((size_t)o.n != json_object_size(j) || (o.n == 0) != (o.members == NULL))
        return "member count";
    json_object_foreach(j, key, v) {
        const st_js_member *m = &o.members[i++];
        const char *c;
        json_t *back;

        if (m->key_len != strlen(key) || memcmp(m->key, key, m->key_len) != 0 || m->key[m->key_len])
            return "key (or member order)";
        if (st_js_get(&o, key) != m)
            return "st_js_get";
        switch (json_typeof(v)) {
        case JSON_OBJECT: if (m->type != ST_JS_OBJECT) return "type"; break;
        case JSON_ARRAY: if (m->type != ST_JS_ARRAY) return "type"; break;
        case JSON_TRUE: if (m->type != ST_JS_TRUE) return "type"; break;
        case JSON_FALSE: if (m->type != ST_JS_FALSE) return "type"; break;
        case JSON_NULL: if (m->type != ST_JS_NULL) return "type"; break;
        case JSON_STRING:
            if (m->type != ST_JS_STRING || !m->str || m->str_len != json_string_length(v)
                || memcmp(m->str, json_string_value(v), m->str_len) != 0 || m->str[m->str_len])
                return "string value";
            break;
        case JSON_INTEGER:
        case JSON_REAL:
            if (m->type != ST_JS_NUMBER || m->num != json_number_value(v)
                || !!signbit(m->num) != !!signbit(json_number_value(v)))
                return "number value";
            if (m->is_int != json_is_integer(v))
                return "is_int";
            break;
        }
        if (m->type != ST_JS_STRING && m->str)
            return "str set on a non-string";
        if (!m->raw || m->raw_len == 0 || m->raw[0] == ' ' || m->raw[m->raw_len - 1] == ' ')
            return "raw span bounds";
        back = reparse(p, m->raw, m->raw_len, jflags, retry);
        if (!back || !json_equal(back, v))
            return "raw span does not re-parse to the member";
        c = st_js_compact(p, m->raw, m->raw_len);
        if (!c || strlen(c) > m->raw_len || has_ws_outside_strings(c))
            return "compact text";
        back = reparse(p, c, strlen(c), jflags, retry);
        if (!back || !json_equal(back, v))
            return "compact text does not re-parse to the member";
    }
    if (st_js_get(&o, "no such key \x01") != NULL)
        return "st_js_get of an absent key";
    return NULL;
}

static void hexdump(const char *t, size_t n)
{
    size_t i;
    for (i = 0; i < n && i < 400; i++)
        print_message(i + 1 < n && i % 40 != 39 ? "%02x" : "%02x\n", (unsigned char)t[i]);
    if (n == 0)
        print_message("(empty)\n");
}

/* Both flag values; returns the verdicts as two chars (0: flags 0, 1: ST_JS_ALLOW_NUL). */
static void check_both(apr_pool_t *p, const char *t, size_t n, char verdict[2], const char *label)
{
    int f;
    for (f = 0; f < 2; f++) {
        const char *why = disagreement(p, t, n, f ? ST_JS_ALLOW_NUL : 0, &verdict[f]);
        if (why) {
            print_message("# %s (flags %d): %s; input (%zu bytes):\n", label, f, why, n);
            hexdump(t, n);
            fail_msg("scanner and jansson disagree: %s", why);
        }
    }
}

typedef struct {
    const char *t;
    size_t n;
    char expect;   /* O/A: object/array accepted, N: refused, U/V: object/array only with ALLOW_NUL */
} table_case;
#define C(s, e) { s, sizeof(s) - 1, e }

static const table_case table[] = {
    /* structure, whitespace, top level */
    C("{}", 'O'), C("[]", 'A'), C("", 'N'), C(" ", 'N'), C(" \t\r\n", 'N'), C("{ }", 'O'),
    C(" \t\r\n{}\n\r\t ", 'O'), C("{\"a\":1}", 'O'), C("{ \"a\" : 1 , \"b\" : [ 1 , 2 ] }", 'O'),
    C("{\"a\":1,}", 'N'), C("{,}", 'N'), C("{\"a\"}", 'N'), C("{\"a\":}", 'N'), C("{\"a\" 1}", 'N'),
    C("{\"a\":1 \"b\":2}", 'N'), C("{a:1}", 'N'), C("{'a':1}", 'N'), C("{\"a\":1}}", 'N'),
    C("{\"a\":1]", 'N'), C("[1}", 'N'), C("{", 'N'), C("[", 'N'), C("}", 'N'), C("]", 'N'),
    C("{\"a\":1", 'N'), C("{\"a\":[1,2,3],\"b\":{\"c\":{}}}", 'O'), C("[1,]", 'N'), C("[,1]", 'N'),
    C("[1 2]", 'N'), C("[[],[]]", 'A'), C("{\"a\":[]}", 'O'), C("{\"\":0}", 'O'), C("{\"a\"::1}", 'N'),
    C("{\"a\":1,,\"b\":2}", 'N'), C("{1:1}", 'N'), C("{null:1}", 'N'), C("[\"a\":1]", 'N'),
    C("1", 'N'), C("\"s\"", 'N'), C("true", 'N'), C("null", 'N'), C("-1", 'N'), C("{\"a\":\v1}", 'N'),
    C("{}x", 'N'), C("{} {}", 'N'), C("{}[]", 'N'), C("{}\0", 'N'), C("{} \0", 'N'), C("\0{}", 'N'),
    C("{}\x01", 'N'), C("{}\xc3\xa9", 'N'), C("{}\xff", 'N'), C("{}\v", 'N'), C("{}\f", 'N'),
    C("\f{}", 'N'), C("{}\xc2\xa0", 'N'), C("\xef\xbb\xbf{}", 'N'), C("{}//", 'N'), C("{}/**/", 'N'),
    /* literals */
    C("[true,false,null]", 'A'), C("[tru]", 'N'), C("[True]", 'N'), C("[nul]", 'N'), C("[truex]", 'N'),
    C("[true1]", 'N'), C("[nulll]", 'N'), C("[falsetrue]", 'N'), C("{\"a\":true}", 'O'),
    C("{\"a\":t}", 'N'), C("[NaN]", 'N'), C("[Infinity]", 'N'), C("[-Infinity]", 'N'),
    C("[undefined]", 'N'), C("{\"a\":nul", 'N'), C("{\"a\":tr", 'N'), C("{\"a\":false", 'N'),
    /* jansson loses one NUL byte right after a number or literal (see json_scan.c) */
    C("[1\0]", 'A'), C("[true\0]", 'A'), C("[null\0,1]", 'A'), C("{\"a\":1\0}", 'O'),
    C("{\"a\":false\0,\"b\":2}", 'O'), C("[1\0\0]", 'N'), C("[1 \0]", 'N'), C("[\"a\"\0]", 'N'),
    C("[1.5\0]", 'A'), C("[1e5\0]", 'A'), C("[-0\0]", 'A'), C("[[]\0]", 'N'), C("{\"a\":{}\0}", 'N'),
    C("{\"a\"\0:1}", 'N'), C("[\0]", 'N'), C("[1,\0 2]", 'N'), C("{\"a\":1\0", 'N'),
    C("{\"a\":1\0 }", 'O'), C("{\"a\":[1\0,{\"b\":null\0}]}", 'O'), C("[1\0 2]", 'N'), C("[-\0 1]", 'N'),
    /* escapes */
    C("{\"a\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}", 'O'), C("{\"a\":\"\\x\"}", 'N'), C("{\"a\":\"\\'\"}", 'N'),
    C("{\"a\":\"\\u00e9\"}", 'O'), C("{\"a\":\"\\u00E9\"}", 'O'), C("{\"a\":\"\\u00g9\"}", 'N'),
    C("{\"a\":\"\\u00e\"}", 'N'), C("{\"a\":\"\\u\"}", 'N'), C("{\"a\":\"\\U00e9\"}", 'N'),
    C("{\"a\":\"\\ud83d\\ude00\"}", 'O'), C("{\"a\":\"\\uD83D\\uDE00\"}", 'O'), C("{\"a\":\"\\ud83d\"}", 'N'),
    C("{\"a\":\"\\ud83dx\"}", 'N'), C("{\"a\":\"\\ud83d\\n\"}", 'N'), C("{\"a\":\"\\ud83d\\u0041\"}", 'N'),
    C("{\"a\":\"\\ud83d\\ud83d\"}", 'N'), C("{\"a\":\"\\udc00\"}", 'N'), C("{\"a\":\"\\udc00\\ud83d\"}", 'N'),
    C("{\"a\":\"\\ude00\\ud83d\\ude00\"}", 'N'), C("{\"a\":\"\\udbff\\udfff\"}", 'O'),
    C("{\"a\":\"\\ud800\\udc00\"}", 'O'), C("{\"a\":\"\\ud83d\\ude0\"}", 'N'),
    C("{\"a\":\"\\ud83d\\ude00\\ude00\"}", 'N'), C("{\"a\":\"\\uffff\\ufffe\\ufeff\"}", 'O'),
    C("{\"a\":\"\\u0800\\u07ff\\u0080\\u007f\"}", 'O'), C("{\"a\":\"\\u0001\\u001f\"}", 'O'),
    C("{\"a\":\"x\\\\u0000\"}", 'O'), C("{\"a\":\"\\\\\"}", 'O'), C("{\"a\":\"\\\"}", 'N'),
    C("{\"a\":\"\\", 'N'), C("{\"a\":\"\\u12", 'N'), C("{\"a\":\"\\ud83d\\u", 'N'),
    C("{\"a\":\"\\ud83d\\", 'N'), C("{\"a\":\"\\ud83d", 'N'), C("{\"a\":\"abc}", 'N'),
    /* \u0000: values only, and only with JSON_ALLOW_NUL */
    C("{\"a\":\"\\u0000\"}", 'U'), C("{\"a\":\"x\\u0000y\"}", 'U'), C("{\"a\":[\"\\u0000\"]}", 'U'),
    C("[\"\\u0000\"]", 'V'), C("{\"\\u0000\":1}", 'N'), C("{\"a\\u0000\":1}", 'N'),
    C("{\"a\":{\"\\u0000\":1}}", 'N'), C("{\"a\":\"\\u0000\",\"a\":1}", 'N'),
    /* raw control bytes in strings */
    C("{\"a\":\"\0\"}", 'N'), C("{\"a\":\"\x01\"}", 'N'), C("{\"a\":\"\x1f\"}", 'N'), C("{\"a\":\"\n\"}", 'N'),
    C("{\"a\":\"\t\"}", 'N'), C("{\"a\":\"\x7f\"}", 'O'), C("{\"a\":\" \"}", 'O'), C("{\"a\\n\x01\":1}", 'N'),
    /* UTF-8 */
    C("{\"a\":\"\xc3\xa9\"}", 'O'), C("{\"a\":\"\xe2\x82\xac\"}", 'O'), C("{\"a\":\"\xf0\x9f\x98\x80\"}", 'O'),
    C("{\"a\":\"\xc0\x80\"}", 'N'), C("{\"a\":\"\xc1\xbf\"}", 'N'), C("{\"a\":\"\xc2\x80\"}", 'O'),
    C("{\"a\":\"\xdf\xbf\"}", 'O'), C("{\"a\":\"\xe0\x80\x80\"}", 'N'), C("{\"a\":\"\xe0\x9f\xbf\"}", 'N'),
    C("{\"a\":\"\xe0\xa0\x80\"}", 'O'), C("{\"a\":\"\xed\x9f\xbf\"}", 'O'), C("{\"a\":\"\xed\xa0\x80\"}", 'N'),
    C("{\"a\":\"\xed\xbf\xbf\"}", 'N'), C("{\"a\":\"\xee\x80\x80\"}", 'O'), C("{\"a\":\"\xef\xbf\xbf\"}", 'O'),
    C("{\"a\":\"\xf0\x80\x80\x80\"}", 'N'), C("{\"a\":\"\xf0\x8f\xbf\xbf\"}", 'N'),
    C("{\"a\":\"\xf0\x90\x80\x80\"}", 'O'), C("{\"a\":\"\xf4\x8f\xbf\xbf\"}", 'O'),
    C("{\"a\":\"\xf4\x90\x80\x80\"}", 'N'), C("{\"a\":\"\xf5\x80\x80\x80\"}", 'N'),
    C("{\"a\":\"\xf8\x88\x80\x80\x80\"}", 'N'), C("{\"a\":\"\xff\"}", 'N'), C("{\"a\":\"\xfe\"}", 'N'),
    C("{\"a\":\"\x80\"}", 'N'), C("{\"a\":\"\xbf\"}", 'N'), C("{\"a\":\"\xc3\"}", 'N'),
    C("{\"a\":\"\xc3\xc3\xa9\"}", 'N'), C("{\"a\":\"\xe2\x82\"}", 'N'), C("{\"a\":\"\xf0\x9f\x98\"}", 'N'),
    C("{\"a\":\"\xc3", 'N'), C("{\"a\":\"\xf0\x9f", 'N'), C("{\"\xc3\xa9\":1}", 'O'), C("{\"\xc3\":1}", 'N'),
    C("{\"a\":1,\"\xed\xa0\x80\":1}", 'N'), C("{\"a\":\"\xc3\xa9\\n\xc3\xa9\"}", 'O'),
    C("{\"a\":\"\\n\xc0\x80\"}", 'N'), C("{\"a\":\"\\n\xf4\x90\x80\x80\"}", 'N'), C("{\"a\":\"\\n\x7f\"}", 'O'),
    /* duplicate keys, compared after unescaping, in every object */
    C("{\"a\":1,\"a\":2}", 'N'), C("{\"a\":1,\"\\u0061\":2}", 'N'), C("{\"a\":1,\"b\":2,\"a\":3}", 'N'),
    C("{\"a\":1,\"A\":2}", 'O'), C("{\"a\":{\"b\":1,\"b\":2}}", 'N'), C("[{\"b\":1,\"b\":2}]", 'N'),
    C("[{\"b\":1},{\"b\":2}]", 'A'), C("{\"a\":{\"a\":1},\"b\":{\"a\":1}}", 'O'),
    C("{\"a\":{\"x\":1},\"a\":2}", 'N'), C("{\"\\u00e9\":1,\"\xc3\xa9\":2}", 'N'),
    C("{\"\\ud83d\\ude00\":1,\"\xf0\x9f\x98\x80\":2}", 'N'), C("{\"\\/\":1,\"/\":2}", 'N'),
    C("{\"ab\":1,\"a\":2,\"abc\":3}", 'O'), C("{\"\":1,\"\":2}", 'N'), C("{\"a\":{\"b\":{}},\"b\":1}", 'O'),
    C("{\"a\\n\":1,\"a\\u000a\":2}", 'N'), C("{\"x\":[{\"k\":1,\"l\":{\"k\":2}},{\"k\":3}],\"k\":4}", 'O'),
    /* numbers */
    C("[0]", 'A'), C("[-0]", 'A'), C("{\"n\":-0}", 'O'), C("{\"n\":0.0}", 'O'), C("{\"n\":-0.0}", 'O'),
    C("{\"n\":01}", 'N'), C("{\"n\":-01}", 'N'), C("{\"n\":00}", 'N'), C("{\"n\":1.}", 'N'),
    C("{\"n\":.5}", 'N'), C("{\"n\":+1}", 'N'), C("{\"n\":-}", 'N'), C("{\"n\":- 1}", 'N'),
    C("{\"n\":--1}", 'N'), C("{\"n\":1e}", 'N'), C("{\"n\":1e+}", 'N'), C("{\"n\":1e-}", 'N'),
    C("{\"n\":1E5}", 'O'), C("{\"n\":1e+5}", 'O'), C("{\"n\":1e-5}", 'O'), C("{\"n\":1.5e3}", 'O'),
    C("{\"n\":0e0}", 'O'), C("{\"n\":0.e1}", 'N'), C("{\"n\":1.e1}", 'N'), C("{\"n\":1e1.5}", 'N'),
    C("{\"n\":0x10}", 'N'), C("{\"n\":1_000}", 'N'), C("{\"n\":1e400}", 'N'), C("{\"n\":-1e400}", 'N'),
    C("{\"n\":1e-400}", 'O'), C("{\"n\":-1e-400}", 'O'), C("{\"n\":4.9e-324}", 'O'), C("{\"n\":2e-324}", 'O'),
    C("{\"n\":1.7976931348623157e308}", 'O'), C("{\"n\":1.7976931348623159e308}", 'N'),
    C("{\"n\":1.797693134862315807e308}", 'O'), C("{\"n\":0e99999}", 'O'), C("{\"n\":1e-99999999999}", 'O'),
    C("{\"n\":9223372036854775807}", 'O'), C("{\"n\":-9223372036854775808}", 'O'),
    C("{\"n\":9223372036854775808}", 'O'), C("{\"n\":-9223372036854775809}", 'O'),
    C("{\"n\":18446744073709551616}", 'O'), C("{\"n\":99999999999999999999}", 'O'),
    C("{\"n\":1,\"m\":9223372036854775808}", 'O'), C("{\"n\":-0,\"m\":[9223372036854775808]}", 'O'),
    C("{\"n\":9223372036854775808,\"m\":1e400}", 'N'), C("{\"n\":1e400,\"m\":9223372036854775808}", 'N'),
    C("{\"n\":9223372036854775808,\"n\":1}", 'N'), C("{\"n\":123456789012345678}", 'O'),
    C("{\"n\":1000000000000000000}", 'O'), C("{\"n\":9007199254740993}", 'O'), C("{\"n\":0.1}", 'O'),
    C("{\"n\":1.0000000000000002}", 'O'), C("{\"n\":2.2250738585072011e-308}", 'O'),
    C("{\"n\":100000000000000000000000000000e-30}", 'O'), C("{\"n\":1", 'N'), C("{\"n\":-", 'N'),
    C("{\"n\":1.", 'N'), C("{\"n\":1e", 'N'), C("[1,-2,3.5e-1,-0.0e+0]", 'A'), C("{\"n\":1x}", 'N'),
    C("{\"n\":1true}", 'N'), C("{\"n\":1\"a\"}", 'N'), C("{\"n\":1-2}", 'N'), C("{\"n\":1e5e5}", 'N'),
    C("{\"n\":1.5.5}", 'N'), C("{\"n\":1E+0}", 'O'), C("{\"n\":-1.5E-0}", 'O'), C("{\"n\":\xef\xbc\x91}", 'N'),
    /* real tokens */
    C(V5_PAYLOAD, 'O'), C("{\"kid\":\"d-1700000000000\",\"typ\":\"JWT\",\"version\":\"5\",\"alg\":\"RS256\"}", 'O'),
    C("{\"sessionHandle\":\"eb7f0d55-6807-441d-9a61-3ea3b26fb5d0\",\"userId\":\"6fb4ddce\","
      "\"refreshTokenHash1\":\"c904\",\"parentRefreshTokenHash1\":null,\"userData\":{},"
      "\"antiCsrfToken\":null,\"expiryTime\":1683207164365,\"timeCreated\":1683203564365}", 'O'),
};

static void table_agrees(void **state)
{
    apr_pool_t *p = *state;
    size_t i, n = sizeof(table) / sizeof(table[0]);
    char label[32];

    for (i = 0; i < n; i++) {
        const table_case *c = &table[i];
        char v[2], e0, e1;
        snprintf(label, sizeof(label), "table[%zu]", i);
        check_both(p, c->t, c->n, v, label);
        e0 = c->expect == 'U' || c->expect == 'V' ? 'N' : c->expect;
        e1 = c->expect == 'U' ? 'O' : c->expect == 'V' ? 'A' : c->expect;
        if (v[0] != e0 || v[1] != e1) {
            print_message("# table[%zu]: jansson gave %c/%c, the table expects %c\n", i, v[0], v[1], c->expect);
            hexdump(c->t, c->n);
            fail();
        }
    }
    print_message("# %zu table inputs agree (both flag values)\n", n);
}

/* The real v5 token's header and payload, and the scanner's view of the brief's payload. */
static void v5_members(void **state)
{
    apr_pool_t *p = *state;
    const char *tok = V63_ACCESS_TOKEN, *dot1 = strchr(tok, '.'), *dot2 = strchr(dot1 + 1, '.');
    apr_size_t hl, pl;
    const unsigned char *h = st_b64_decode(p, tok, (apr_size_t)(dot1 - tok), &hl);
    const unsigned char *pj = st_b64_decode(p, dot1 + 1, (apr_size_t)(dot2 - dot1 - 1), &pl);
    const st_js_member *m;
    st_js_object o;
    char v[2];

    assert_non_null(h);
    assert_non_null(pj);
    check_both(p, (const char *)h, hl, v, "v63 header");
    check_both(p, (const char *)pj, pl, v, "v63 payload");
    assert_int_equal(v[0], 'O');

    assert_null(st_js_scan_object(p, V5_PAYLOAD, strlen(V5_PAYLOAD), ST_JS_ALLOW_NUL, &o));
    assert_int_equal(o.n, 12);
    m = st_js_get(&o, "exp");
    assert_non_null(m);
    assert_true(m->type == ST_JS_NUMBER && m->is_int && m->num == 1763803600.0);
    m = st_js_get(&o, "st-role");
    assert_true(m && m->type == ST_JS_OBJECT);
    assert_int_equal(m->raw_len, strlen("{\"v\":[\"admin\"],\"t\":1763800000}"));
    assert_memory_equal(m->raw, "{\"v\":[\"admin\"],\"t\":1763800000}", m->raw_len);
    m = st_js_get(&o, "antiCsrfToken");
    assert_true(m && m->type == ST_JS_NULL && m->str == NULL);
    assert_string_equal(st_js_get(&o, "tId")->str, "public");
    assert_null(st_js_get(&o, "ex"));
    assert_null(st_js_get(NULL, "exp"));
}

static void compact_and_errors(void **state)
{
    apr_pool_t *p = *state;
    static const char t[] = "{\"a\" : [ 1 , \"x \\\" ]\" , { \"k\" : null\0 } ] ,\"b\":\t\"s \\\\\" }";
    size_t n = sizeof(t) - 1;
    st_js_object o;

    assert_null(st_js_scan_object(p, t, n, 0, &o));
    assert_int_equal(o.n, 2);
    assert_string_equal(st_js_compact(p, o.members[0].raw, o.members[0].raw_len),
                        "[1,\"x \\\" ]\",{\"k\":null}]");
    assert_string_equal(st_js_compact(p, o.members[1].raw, o.members[1].raw_len), "\"s \\\\\"");
    assert_string_equal(o.members[1].str, "s \\");
    assert_null(st_js_compact(p, NULL, 0));
    assert_string_equal(st_js_scan_object(p, "[1]", 3, 0, &o), "not an object");
    assert_null(o.members);
    assert_non_null(st_js_scan_object(p, NULL, 0, 0, &o));
    assert_non_null(st_js_scan_object(p, "{\"a\":1,\"a\":1}", strlen("{\"a\":1,\"a\":1}"), 0, &o));
    assert_int_equal(o.n, 0);
    /* integers beyond int64 make every number of the text a real (jansson's retry) */
    assert_null(st_js_scan_object(p, "{\"i\":-0,\"j\":7,\"b\":[1e2,18446744073709551616]}",
                                    strlen("{\"i\":-0,\"j\":7,\"b\":[1e2,18446744073709551616]}"), 0, &o));
    assert_true(!o.members[0].is_int && signbit(o.members[0].num) && o.members[0].num == 0);
    assert_true(!o.members[1].is_int && o.members[1].num == 7);
    assert_null(st_js_scan_object(p, "{\"i\":-0,\"j\":7}", strlen("{\"i\":-0,\"j\":7}"), 0, &o));
    assert_true(o.members[0].is_int && !signbit(o.members[0].num) && o.members[1].is_int);
}

static char *repeat(apr_pool_t *p, const char *pre, const char *open, int k, const char *mid,
                    const char *close, const char *post)
{
    size_t lo = strlen(open), lc = strlen(close);
    char *s = apr_palloc(p, strlen(pre) + (lo + lc) * (size_t)k + strlen(mid) + strlen(post) + 1), *w = s;
    int i;
    w = stpcpy(w, pre);
    for (i = 0; i < k; i++)
        w = stpcpy(w, open);
    w = stpcpy(w, mid);
    for (i = 0; i < k; i++)
        w = stpcpy(w, close);
    stpcpy(w, post);
    return s;
}

/* Generated inputs: nesting around jansson's limit, big objects, long numbers and strings. */
static void generated_agree(void **state)
{
    apr_pool_t *p = *state;
    static const char *mids[] = { "", "1", "\"s\"", "{}", "[]", "{\"k\":1}" };
    char v[2], *s;
    int k, m, count = 0;

    for (k = 2044; k <= 2050; k++)
        for (m = 0; m < 6; m++) {
            s = repeat(p, "{\"a\":", "[", k, mids[m], "]", "}");
            check_both(p, s, strlen(s), v, "nested arrays in an object");
            s = repeat(p, "", "[", k, mids[m], "]", "");
            check_both(p, s, strlen(s), v, "nested arrays");
            s = repeat(p, "", "{\"x\":", k, mids[m][0] ? mids[m] : "0", "}", "");
            check_both(p, s, strlen(s), v, "nested objects");
            s = repeat(p, "{\"a\":", "[{\"b\":", k / 2, mids[m][0] ? mids[m] : "0", "}]", "}");
            check_both(p, s, strlen(s), v, "alternating");
            count += 4;
        }
    /* pin down where the limit is: 2047 arrays in an object hold an empty innermost array but
     * no scalar inside it (jansson counts scalars as levels too) */
    s = repeat(p, "{\"a\":", "[", 2047, "", "]", "}");
    check_both(p, s, strlen(s), v, "2047");
    assert_int_equal(v[0], 'O');
    s = repeat(p, "{\"a\":", "[", 2047, "1", "]", "}");
    check_both(p, s, strlen(s), v, "2047+1");
    assert_int_equal(v[0], 'N');
    s = repeat(p, "{\"a\":", "[", 2048, "", "]", "}");
    check_both(p, s, strlen(s), v, "2048");
    assert_int_equal(v[0], 'N');
    s = repeat(p, "{\"a\":", "[", 2049, "", "]", "}");
    check_both(p, s, strlen(s), v, "2049");
    assert_int_equal(v[0], 'N');

    for (m = 0; m < 4; m++) {          /* objects past the quadratic duplicate check */
        for (k = 1; k <= 300; k += (k < 40 ? 1 : 37)) {
            int i;
            s = apr_pstrdup(p, m == 3 ? "{\"o\":{" : "{");
            for (i = 0; i < k; i++)
                s = apr_psprintf(p, "%s%s\"%s%d\":%d", s, i ? "," : "", m == 1 && i % 2 ? "\\u006b" : "k", i, i);
            if (m >= 2)
                s = apr_psprintf(p, "%s,\"k%d\":0", s, k / 2);      /* a duplicate */
            s = apr_pstrcat(p, s, m == 3 ? "}}" : "}", NULL);
            check_both(p, s, strlen(s), v, "big object");
            count++;
        }
    }
    for (k = 300; k <= 320; k++) {      /* integer literals around DBL_MAX */
        char *d = apr_palloc(p, (apr_size_t)k + 1);
        memset(d, '9', (size_t)k);
        d[k] = '\0';
        s = apr_psprintf(p, "{\"n\":%s,\"m\":1}", d);
        check_both(p, s, strlen(s), v, "long integer");
        d[0] = '1';
        memset(d + 1, '0', (size_t)k - 1);
        s = apr_psprintf(p, "[-%s]", d);
        check_both(p, s, strlen(s), v, "long negative integer");
        count += 2;
    }
    s = "{\"n\":179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878171540458953514382464234321326889464182768467546703537516986049910576551282076245490090389328944075868508455133942304583236903222948165808559332123348274797826204144723168738177180919299881250404026184124858368}";   /* DBL_MAX exactly */
    check_both(p, s, strlen(s), v, "DBL_MAX");
    assert_int_equal(v[0], 'O');
    {
        s = apr_pstrdup(p, "{\"s\":\"");
        for (k = 0; k < 500; k++)
            s = apr_pstrcat(p, s, k % 3 ? "\\u00e9x" : "\xf0\x9f\x98\x80\\ud83d\\ude00\\n", NULL);
        s = apr_pstrcat(p, s, "\"}", NULL);
        check_both(p, s, strlen(s), v, "long string");
        assert_int_equal(v[0], 'O');
    }
    print_message("# %d generated inputs agree\n", count + 6);
}

/* xorshift64*: reproducible without libc's rand */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545f4914f6cdd1dULL) >> 32) % n;
}

static void random_mutations_agree(void **state)
{
    static const char *seeds[] = {
        V5_PAYLOAD,
        "{\"kid\":\"d-1700000000000\",\"typ\":\"JWT\",\"version\":\"5\",\"alg\":\"RS256\"}",
        ("{\"s\":\"a\\u00e9\\ud83d\\ude00\\n\\\"\\\\\\/ \\u0000x\",\"n\":-0,\"r\":1.5e-3,"
        "\"b\":[true,false,null,{\"k\":[1,2,{\"z\":\"\"}]}],\"big\":9223372036854775807,\"e\":{},"
        "\"\xc3\xa9\":\"\xc3\xa9\xf0\x9f\x98\x80\xed\x9f\xbf\",\"t\":[], \"f\" : 0.5E+2 }"),
        ("{\"sessionHandle\":\"eb7f0d55\",\"userData\":{\"a\":[1,{\"b\":null}],\"x\":\"y\"},"
        "\"expiryTime\":1683207164365,\"lmrt\":1683203564365}"),
        "[{\"a\":[1,{\"b\":null}],\"a2\":\"x\"},-12.5e-1,\"\\u0041\"]",
    };
    static const char interesting[] = "{}[]:,\"\\ 0123456789-+.eEtfnulrsaxu\t\n\r\x7f\x80\xbf\xc0\xc1\xc2\xc3"
                                      "\xdf\xe0\xed\xef\xf0\xf4\xf5\xff\x01\x1f";
    apr_pool_t *p = *state, *sub;
    int iter, accepted[2] = { 0, 0 }, total = 20000;
    char buf[1024], label[40];

    for (iter = 0; iter < total; iter++) {
        const char *seed = seeds[rnd(sizeof(seeds) / sizeof(seeds[0]))];
        size_t n = strlen(seed), pos, k;
        int ops = rnd(2) ? 1 : 2 + (int)rnd(3), op;
        char v[2];

        memcpy(buf, seed, n);
        while (ops--) {
            pos = n ? rnd((uint32_t)n + 1) : 0;
            op = (int)rnd(7);
            if (op == 0 && pos < n) {                   /* replace a byte */
                buf[pos] = rnd(3) ? interesting[rnd(sizeof(interesting))] : (char)rnd(256);
            } else if (op == 1 && pos < n) {            /* flip a bit */
                buf[pos] ^= (char)(1 << rnd(8));
            } else if (op == 2 && n < sizeof(buf) - 1) {    /* insert */
                memmove(buf + pos + 1, buf + pos, n - pos);
                buf[pos] = interesting[rnd(sizeof(interesting))];
                n++;
            } else if (op == 3 && pos < n) {            /* delete 1-3 bytes */
                k = 1 + rnd(3);
                if (k > n - pos)
                    k = n - pos;
                memmove(buf + pos, buf + pos + k, n - pos - k);
                n -= k;
            } else if (op == 4) {                       /* truncate */
                n = pos;
            } else if (op == 5 && pos < n) {            /* duplicate a span */
                k = 1 + rnd(24);
                if (k > n - pos)
                    k = n - pos;
                if (n + k < sizeof(buf)) {
                    memmove(buf + pos + k, buf + pos, n - pos);
                    n += k;
                }
            } else if (pos < n && n + 1 < sizeof(buf)) {    /* a NUL after a token */
                memmove(buf + pos + 1, buf + pos, n - pos);
                buf[pos] = '\0';
                n++;
            }
        }
        apr_pool_create(&sub, p);
        snprintf(label, sizeof(label), "mutation %d", iter);
        check_both(sub, buf, n, v, label);
        accepted[0] += v[0] != 'N';
        accepted[1] += v[1] != 'N';
        apr_pool_destroy(sub);
    }
    print_message("# %d random mutations agree; accepted %d (flags 0) and %d (ALLOW_NUL)\n",
                  total, accepted[0], accepted[1]);
    assert_true(accepted[0] > total / 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(table_agrees, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(v5_members, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(compact_and_errors, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(generated_agree, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(random_mutations_agree, pool_setup, pool_teardown),
    };
    return RUN_TAP("json_scan", tests);
}

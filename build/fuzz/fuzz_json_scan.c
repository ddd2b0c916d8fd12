/*
 * fuzz_json_scan.c: the request path's JSON scanner (st_js_scan_object, json_scan.c) against
 * its reference, st_json_parse (jansson), for both flag values the module uses (0 for the JWT
 * header, ST_JS_ALLOW_NUL / JSON_ALLOW_NUL for the payload). They must agree on acceptance
 * (a valid array top level is "not an object" for the scanner), and for an accepted object on
 * every member, in order: decoded key, type, decoded string (bytes and length), number
 * (json_number_value, sign of zero included) and is_int (json_is_integer); each raw span and
 * its st_js_compact form must re-parse to a value json_equal to jansson's member.
 * Input: the JSON text.
 */
#include "fuzz_common.h"

#include <math.h>

#include "token/json_scan.h"
#include "token/json_util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_setup();
    return 0;
}

static json_t *reparse(apr_pool_t *p, const char *t, size_t n, size_t jflags, int retry)
{
    json_error_t e;
    json_t *v = json_loadb(t, n, jflags | JSON_DECODE_ANY | JSON_REJECT_DUPLICATES
                           | (retry ? JSON_DECODE_INT_AS_REAL : 0), &e);
    st_json_pool_own(p, v);
    return v;
}

static int type_matches(const json_t *v, st_js_type t)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return t == ST_JS_OBJECT;
    case JSON_ARRAY: return t == ST_JS_ARRAY;
    case JSON_STRING: return t == ST_JS_STRING;
    case JSON_INTEGER:
    case JSON_REAL: return t == ST_JS_NUMBER;
    case JSON_TRUE: return t == ST_JS_TRUE;
    case JSON_FALSE: return t == ST_JS_FALSE;
    default: return t == ST_JS_NULL;
    }
}

static void check(apr_pool_t *p, const char *t, size_t n, int sflags)
{
    size_t jflags = (sflags & ST_JS_ALLOW_NUL) ? JSON_ALLOW_NUL : 0;
    json_t *j = st_json_parse(p, t, n, jflags), *first, *v;
    st_js_object o;
    const char *err = st_js_scan_object(p, t, n, sflags, &o), *key;
    json_error_t e;
    int retry, i = 0;

    if (err)
        FUZZ_CHECK(o.n == 0 && o.members == NULL);
    if (!j) {
        FUZZ_CHECK(err != NULL);
        return;
    }
    if (json_is_array(j)) {
        FUZZ_CHECK(err != NULL && strcmp(err, "not an object") == 0);
        return;
    }
    FUZZ_CHECK(err == NULL);
    /* did st_json_parse need its JSON_DECODE_INT_AS_REAL retry? */
    first = json_loadb(t, n, jflags | JSON_REJECT_DUPLICATES, &e);
    retry = first == NULL;
    json_decref(first);
    FUZZ_CHECK((size_t)o.n == json_object_size(j));
    json_object_foreach(j, key, v) {
        const st_js_member *m = &o.members[i++];
        const char *c;

        FUZZ_CHECK(m->key_len == strlen(key) && memcmp(m->key, key, m->key_len) == 0
                   && m->key[m->key_len] == '\0');
        FUZZ_CHECK(st_js_get(&o, key) == m);
        FUZZ_CHECK(type_matches(v, m->type));
        if (json_is_string(v))
            FUZZ_CHECK(m->str && m->str_len == json_string_length(v)
                       && memcmp(m->str, json_string_value(v), m->str_len) == 0
                       && m->str[m->str_len] == '\0');
        else
            FUZZ_CHECK(m->str == NULL);
        if (json_is_number(v)) {
            FUZZ_CHECK(m->num == json_number_value(v)
                       && !!signbit(m->num) == !!signbit(json_number_value(v)));
            FUZZ_CHECK(m->is_int == json_is_integer(v));
        }
        FUZZ_CHECK(m->raw && m->raw_len > 0);
        FUZZ_CHECK(json_equal(reparse(p, m->raw, m->raw_len, jflags, retry), v));
        c = st_js_compact(p, m->raw, m->raw_len);
        FUZZ_CHECK(c && strlen(c) <= m->raw_len);
        FUZZ_CHECK(json_equal(reparse(p, c, strlen(c), jflags, retry), v));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool_begin();

    check(p, (const char *)data, size, 0);
    check(p, (const char *)data, size, ST_JS_ALLOW_NUL);
    fuzz_pool_end(p);
    return 0;
}

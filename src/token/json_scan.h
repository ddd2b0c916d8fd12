/*
 * json_scan.h: the strict, allocation-light JSON scanner of the request path (JWT header and
 * payload). It accepts exactly what st_json_parse (jansson 2.14 json_loadb with
 * JSON_REJECT_DUPLICATES, and the JSON_DECODE_INT_AS_REAL retry) accepts, and indexes the
 * members of the top-level object without building a jansson tree. Pure: APR pools and libc.
 */
#ifndef ST_JSON_SCAN_H
#define ST_JSON_SCAN_H

#include "apr_pools.h"

typedef enum {
    ST_JS_NULL, ST_JS_FALSE, ST_JS_TRUE, ST_JS_NUMBER, ST_JS_STRING, ST_JS_ARRAY, ST_JS_OBJECT
} st_js_type;

/* One member of the top-level object. Every pointer is into pool memory of the scan. */
typedef struct {
    const char *key;      /* decoded key, NUL-terminated (never contains NUL: jansson refuses it) */
    apr_size_t key_len;
    st_js_type type;
    const char *raw;      /* the value's exact bytes as in the input (a pool copy; not terminated) */
    apr_size_t raw_len;
    const char *str;      /* ST_JS_STRING: decoded UTF-8, NUL-terminated; may hold NUL bytes when */
    apr_size_t str_len;   /*   ST_JS_ALLOW_NUL was given. NULL for other types. */
    double num;           /* ST_JS_NUMBER: json_number_value of jansson's value (see is_int) */
    int is_int;           /* ST_JS_NUMBER: jansson makes a json_integer: no '.', 'e' or 'E', and
                           * every integer literal of the whole text fits int64 (one that does
                           * not makes st_json_parse re-read the text with every number real) */
} st_js_member;

typedef struct {
    st_js_member *members;  /* in text order; NULL when n is 0 */
    int n;
} st_js_object;

/* Flag: a string value may contain \u0000 (jansson's JSON_ALLOW_NUL); keys never may. */
#define ST_JS_ALLOW_NUL 1

/*
 * Validate text[0..len) as st_json_parse(p, text, len, flags') would, where flags' is
 * JSON_ALLOW_NUL if flags has ST_JS_ALLOW_NUL, else 0. When the text is valid and its top level
 * is an object, fills *out (members in text order) and returns NULL. Otherwise returns a short
 * static error text (never input bytes) and sets *out to no members; a valid array top level
 * gives "not an object" (callers want objects). Nested arrays and objects are validated
 * (grammar, UTF-8, escapes, NUL rules, duplicate keys, jansson's depth limit of 2048 values)
 * but only their raw span is kept. Numbers are read like jansson: integers by strtoll's rules,
 * the rest with strtod, which assumes the C locale's '.' (httpd runs in the C locale). One
 * jansson quirk is kept on purpose: a single NUL byte right after a number or literal is
 * skipped. text need not be NUL-terminated and is not referenced after the call.
 */
const char *st_js_scan_object(apr_pool_t *p, const char *text, apr_size_t len, int flags,
                              st_js_object *out);

/* The member named key (keys are unique), or NULL if o has none (o may be NULL). */
const st_js_member *st_js_get(const st_js_object *o, const char *key);

/* A NUL-terminated pool copy of a member's raw span without insignificant whitespace (nor the
 * NUL byte jansson skips after a number or literal); strings are copied unchanged, escapes
 * included. For raw spans from st_js_scan_object; NULL if raw is NULL. */
const char *st_js_compact(apr_pool_t *p, const char *raw, apr_size_t raw_len);

#endif

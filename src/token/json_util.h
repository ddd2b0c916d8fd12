/*
 * json_util.h: jansson glue with APR pool ownership and JavaScript-compatible output.
 *
 * supertokens-node builds every JSON text it sends with JSON.stringify, and the front-token
 * (protocol.md §1.6) is byte-compared by tests, so st_json_dump reproduces JSON.stringify
 * rather than jansson's own dumper (key order, number format, escapes).
 */
#ifndef ST_JSON_UTIL_H
#define ST_JSON_UTIL_H

#include <jansson.h>
#include "apr_pools.h"

/*
 * Parse len bytes of JSON. flags are jansson decode flags (e.g. JSON_DECODE_ANY to accept a
 * non-container top level); JSON_REJECT_DUPLICATES is always added, because two values for one
 * claim name would let a token mean different things to different readers.
 * An integer too large for json_int_t does not fail the parse (JSON.parse accepts it): the
 * document is re-read with JSON_DECODE_INT_AS_REAL, so such numbers become reals.
 * The result is owned by p (json_decref runs when p is cleared). Returns NULL on any error;
 * jansson's error text is deliberately not exposed because it quotes the input.
 */
json_t *st_json_parse(apr_pool_t *p, const char *buf, apr_size_t len, size_t flags);

/* Tie j's reference to p: json_decref(j) runs as a cleanup of p. j may be NULL (no-op). */
void st_json_pool_own(apr_pool_t *p, json_t *j);

/*
 * Serialise like JavaScript's JSON.stringify(value): no whitespace, object keys in insertion
 * order except that array-index-like keys ("0", "17", ...) come first in ascending order,
 * numbers formatted as JS doubles (1.0 -> 1, 1e21 -> 1e+21, -0 -> 0), '/' and non-ASCII
 * emitted raw, control characters as \b \f \n \r \t or \u00xx (lower-case hex).
 * Returns a NUL-terminated pool string, or NULL if j is NULL.
 */
char *st_json_dump(apr_pool_t *p, const json_t *j);

/* JSON string literal for s (with the quotes), escaped like JSON.stringify. */
char *st_json_quote(apr_pool_t *p, const char *s);

/* JavaScript Number.prototype.toString() of v (shortest round-trip digits); "null" for NaN/Inf
 * as JSON.stringify would print. */
char *st_js_number(apr_pool_t *p, double v);

/* A JavaScript time value in ms from a JSON number (e.g. a core reply's "expiry"), as an
 * integer: NaN gives 0, values beyond the range of a Date (+-8.64e15 ms) are clamped to it,
 * the rest truncated toward zero. Never undefined behaviour, and safe to multiply by 1000. */
apr_int64_t st_js_time_ms(double v);

/* Getters on an object; all return "absent" when obj is NULL or not an object. */
const char *st_json_string(const json_t *obj, const char *key);   /* NULL unless a string */
int st_json_number(const json_t *obj, const char *key, double *out); /* 1 if a number (int or real) */
int st_json_has(const json_t *obj, const char *key);               /* 1 if present, even null */

/*
 * JavaScript String.prototype.trim(). With latin1 != 0 the input is treated as Node treats
 * HTTP header text (each byte one character), so the whitespace set is 09-0D, 20 and A0;
 * otherwise it is UTF-8 and all of JS's WhiteSpace/LineTerminator code points are removed.
 * Returns a pool copy (s itself if nothing was trimmed), NULL if s is NULL.
 */
const char *st_js_trim(apr_pool_t *p, const char *s, int latin1);

#endif

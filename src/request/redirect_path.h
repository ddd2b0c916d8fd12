/*
 * redirect_path.h: the one check of a redirectToPath value (or any other "where to go next"
 * a client names) before the module sends a browser there: the navigation refresh, the plain
 * sign-out and the sign-in page's redirect of a signed-in user. Pure (APR only), unit-tested
 * in t/unit/test_redirect_path.c.
 */
#ifndef ST_REDIRECT_PATH_H
#define ST_REDIRECT_PATH_H

#include "apr_pools.h"

/* Longer values are refused (a path the module built itself is far shorter). */
#define ST_REDIRECT_PATH_MAX 2048

/*
 * 1 when value is a path on this site that is safe to put in a Location header as it is:
 * printable ASCII without spaces, 1..ST_REDIRECT_PATH_MAX bytes, starting with one '/' (not
 * "//" or "/\"), no backslash, no "." or ".." path segment; and the same after decoding its
 * %XX escapes once (so "/%2F%2Fevil", "/%5Cevil", "/%0d%0a..." and "/%2e%2e/" are refused),
 * where an invalid escape is refused too. 0 otherwise (NULL included).
 */
int st_redirect_path_ok(apr_pool_t *p, const char *value);

/* value when st_redirect_path_ok, else fallback. */
const char *st_redirect_path(apr_pool_t *p, const char *value, const char *fallback);

#endif

/*
 * cookie.h: reading one cookie out of a Cookie request header and writing Set-Cookie values,
 * byte-compatible with what supertokens-node does through the npm "cookie" package 0.7.2
 * (protocol.md §1.3, §1.4).
 */
#ifndef ST_COOKIE_H
#define ST_COOKIE_H

#include "apr_pools.h"
#include "apr_time.h"

/*
 * The value of cookie `name` in the Cookie header value `header`, as supertokens-node's express
 * adapter sees it:
 *   - cookie.parse: the header is split on ';'; pieces without '=' are skipped; name and value
 *     are trimmed of spaces and tabs; the FIRST piece with this exact name wins; one pair of
 *     surrounding double quotes is removed; if the value contains '%' it is decodeURIComponent'ed,
 *     and kept raw when that would throw (or would yield a NUL byte);
 *   - then express's JSON-cookie rule: a value "j:<json>" whose JSON is a non-empty string
 *     becomes that string.
 * Returns NULL when the name is absent (or header/name is NULL).
 *
 * occurrences (may be NULL) receives how many times the name appears, counted the way
 * supertokens-node's hasMultipleCookiesForTokenType does: for every ';'-piece, trimmed (JS trim
 * on header text), the part before the first '=' (the whole piece if there is none),
 * decodeURIComponent'ed when possible. A count > 1 for sAccessToken means TRY_REFRESH_TOKEN.
 *
 * One linear pass over the header; memory used is bounded by the header length.
 */
const char *st_cookie_get(apr_pool_t *p, const char *header, const char *name, int *occurrences);

/*
 * A Set-Cookie value as cookie.serialize(name, value, {domain, path, expires, httpOnly, secure,
 * sameSite}) writes it:
 *   name=<encodeURIComponent(raw_value)>; Domain=d; Path=p; Expires=<IMF-fixdate>; HttpOnly; Secure; SameSite=Lax
 * domain/path NULL or "" are omitted; expires is always written (GMT, whole seconds, floored;
 * clamped to the range of a JavaScript Date, +-8.64e15 ms);
 * same_site is matched case-insensitively against lax/strict/none and written capitalised,
 * NULL or "" omits it. Returns NULL for input cookie.serialize would throw on: a name that
 * is not an RFC 7230 token, an invalid domain, a path with ';' or control characters, or an
 * unknown same_site. raw_value NULL is treated as "" (a clearing cookie).
 */
char *st_cookie_serialize(apr_pool_t *p, const char *name, const char *raw_value,
                          const char *domain, const char *path, apr_time_t expires,
                          int http_only, int secure, const char *same_site);

/* 1 when s is a Domain value cookie.serialize accepts (npm cookie's domainValueRegExp:
 * optional leading '.', LDH labels of 1..63 characters not starting or ending with '-'). */
int st_cookie_domain_valid(const char *s);

#endif

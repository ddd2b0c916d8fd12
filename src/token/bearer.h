/*
 * bearer.h: the access token of an "Authorization: Bearer <token>" header value, as
 * supertokens-node reads it (protocol.md §1.3). Pure: no httpd symbols (unit tests, fuzzing).
 */
#ifndef ST_BEARER_H
#define ST_BEARER_H

#include "apr_pools.h"

/*
 * The token of an Authorization header value: the value must start with "Bearer " exactly
 * (case-sensitive, one space), the rest is trimmed of white space (isspace) on both ends.
 * Returns a pointer into header when nothing trails the token, else a copy in p; NULL when
 * header is NULL, lacks the prefix or the token is empty.
 */
const char *st_bearer_token(apr_pool_t *p, const char *header);

#endif

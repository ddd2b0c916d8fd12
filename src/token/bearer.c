/*
 * bearer.c: the token of an "Authorization: Bearer <token>" header value (see bearer.h).
 */
#include <string.h>

#include "apr_lib.h"
#include "apr_strings.h"
#include "token/bearer.h"

const char *st_bearer_token(apr_pool_t *p, const char *header)
{
    const char *start, *end;

    if (header == NULL || strncmp(header, "Bearer ", 7) != 0)
        return NULL;
    for (start = header + 7; apr_isspace(*start); start++)
        ;
    for (end = start + strlen(start); end > start && apr_isspace(end[-1]); end--)
        ;
    if (end == start)
        return NULL;
    /* nothing trails the token (the usual case): the header's own bytes, which live as long
     * as the request; a copy only to cut trailing white space */
    return *end == '\0' ? start : apr_pstrmemdup(p, start, (apr_size_t)(end - start));
}

/*
 * open_paths.c: the matchers of the paths the module's own handlers serve (see open_paths.h).
 */
#include "request/open_paths.h"

#define ST_MAX_OPEN_PATH_FNS 8

/* written only while httpd registers hooks (single-threaded), read-only afterwards */
static st_open_path_fn *matchers[ST_MAX_OPEN_PATH_FNS];
static int n_matchers;

void st_open_path_register(st_open_path_fn *fn)
{
    int i;
    for (i = 0; i < n_matchers; i++)
        if (matchers[i] == fn)
            return;
    if (n_matchers < ST_MAX_OPEN_PATH_FNS)
        matchers[n_matchers++] = fn;
}

int st_open_path(request_rec *r)
{
    int i;
    for (i = 0; i < n_matchers; i++)
        if (matchers[i](r))
            return 1;
    return 0;
}

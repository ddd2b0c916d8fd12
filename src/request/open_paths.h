/*
 * open_paths.h: requests that authentication lets through without a session because one of
 * the module's own handlers serves them (the backend API's routes, the built-in pages), even
 * under a protected "/".
 *
 * The layers that own those paths sit above this one (api/, pages/), so they register a
 * matcher at start-up (mod_supertokens.c) and verification asks st_open_path(): the rule
 * lives below both, and no include runs back up.
 */
#ifndef ST_REQUEST_OPEN_PATHS_H
#define ST_REQUEST_OPEN_PATHS_H

#include "httpd.h"

/* 1 when a handler of the module will answer r itself. */
typedef int st_open_path_fn(request_rec *r);

/* Register a matcher (register_hooks; registering the same one again is a no-op). */
void st_open_path_register(st_open_path_fn *fn);

/* 1 when any registered matcher claims r. */
int st_open_path(request_rec *r);

#endif

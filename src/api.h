/*
 * api.h: the SuperTokens backend API under SuperTokensAPIBasePath, served by the module
 * (protocol.md §1.2). A table of {method, path, recipe} routes; a request matches a route
 * at {B}<path> (tenant "public") or at {B}/<tenantId><path> with tenantId [a-zA-Z0-9-]+.
 */
#ifndef ST_API_H
#define ST_API_H

#include "httpd.h"

typedef struct st_api_route st_api_route;

/* What a route's function gets. */
typedef struct {
    const st_api_route *route;
    const char *tenant_id;       /* "public" unless the path carried a tenant segment */
} st_api_call;

typedef int (*st_api_fn)(request_rec *r, const st_api_call *call);

struct st_api_route {
    int method;                  /* M_POST, M_GET */
    const char *path;            /* after the base path, e.g. "/session/refresh" */
    int recipe;                  /* ST_RECIPE_* bit that must be enabled */
    st_api_fn fn;
};

/* The route r asks for on this vhost, or NULL. tenant_out may be NULL. */
const st_api_route *st_api_match(request_rec *r, const char **tenant_out);

/* 1 when r's path is one of the API paths, whatever the method (for CORS preflights). */
int st_api_path_match(request_rec *r);

/* handler hook: runs before mod_proxy so the API also works under ProxyPass /. */
int st_api_handler(request_rec *r);

/* api_session.c */
int st_api_refresh(request_rec *r, const st_api_call *call);
int st_api_signout(request_rec *r, const st_api_call *call);

#endif

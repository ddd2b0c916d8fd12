/*
 * cors.h: CORS for the website origin (SuperTokensWebsiteDomain) on the API and on protected
 * locations, so a frontend on another origin can call them with credentials. Requests from
 * any other origin get no CORS grant. supertokens-node leaves this to the app (the cors
 * package); these are the headers such an app sends (protocol.md §1.9).
 */
#ifndef ST_CORS_H
#define ST_CORS_H

#include "httpd.h"

/* The request's Origin when it is the configured website origin, else NULL. */
const char *st_cors_allowed_origin(request_rec *r);

/* Answer an OPTIONS preflight from the website origin (204 + Access-Control-Allow-*) and
 * return DONE; DECLINED when r is not such a preflight. */
int st_cors_preflight(request_rec *r);

/* Add Access-Control-Allow-Origin/-Credentials (and Vary: Origin) to r's response when r
 * comes from the website origin. */
void st_cors_actual(request_rec *r);

#endif

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

/* 1 when r is a CORS preflight: OPTIONS with Origin and Access-Control-Request-Method. */
int st_cors_is_preflight(request_rec *r);

/* Answer a CORS preflight and return DONE: 204 with Access-Control-Allow-* for the website
 * origin, 204 without a grant for any other; DECLINED when r is not a preflight. */
int st_cors_preflight(request_rec *r);

/* Add Access-Control-Allow-Origin/-Credentials (and Vary: Origin) to r's response when r
 * comes from the website origin. */
void st_cors_actual(request_rec *r);

#endif

/*
 * browser.h: what kind of client sent a request (an API call or a browser navigation) and where
 * a browser is sent to sign in. Used by verification, the claim checks, the API and the pages.
 */
#ifndef ST_BROWSER_H
#define ST_BROWSER_H

#include "httpd.h"

/* 1 when r is an API call rather than a browser navigation (XHR, fetch with Sec-Fetch-Mode
 * other than navigate or Sec-Fetch-Dest other than document, Accept asking for JSON or for
 * neither HTML nor XHTML): such requests get JSON answers, never redirects or HTML pages. */
int st_request_is_api_like(request_rec *r);

/* The request's own path and query, as sent ("/" without a path): where a redirect brings the
 * browser back to. */
const char *st_request_here(request_rec *r);

/* The sign-in page, {websiteDomain}{websiteBasePath}, with ?redirectToPath=<return_path>
 * (URL-encoded) unless return_path is NULL: built from configuration only. */
const char *st_request_login_url(request_rec *r, const char *return_path);
/* 302 to st_request_login_url; Cache-Control: no-store. Returns the status. */
int st_request_redirect_to_login(request_rec *r, const char *return_path);

#endif

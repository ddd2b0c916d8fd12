/*
 * login.h: the built-in sign-in page (SuperTokensLoginPage On) at the website base path.
 */
#ifndef ST_PAGES_LOGIN_H
#define ST_PAGES_LOGIN_H

#include "httpd.h"

/* Serve the page for GET {websiteBasePath}[/] or {websiteBasePath}/reset-password; DECLINED
 * for anything else. */
int st_login_page_handler(request_rec *r);

/* 1 when r asks for the built-in page (it must stay reachable without a session). */
int st_login_page_match(request_rec *r);

#endif

/*
 * login.h: the built-in pages for apps without a JavaScript frontend. With SuperTokensLoginPage
 * On: sign-in / sign-up at SuperTokensWebsiteBasePath and {websiteBasePath}/reset-password
 * (a reset request without a token, a new password with one); with the emailverification recipe,
 * {websiteBasePath}/verify-email ("check your inbox" without a token, the delivered link's
 * landing page with one); with the passwordless recipe, its forms on the sign-in page and
 * {websiteBasePath}/verify (the magic link's landing page); with the thirdparty recipe,
 * {websiteBasePath}/callback/<thirdPartyId>. On every vhost serving the API:
 * the sign-out page at GET {apiBasePath}/signout (routed by api/router.c).
 * Layout: login.c (which page), page.c (shared head, headers, script helpers), signin.c,
 * reset.c, verify_email.c, signout.c, passwordless.c, tp_callback.c.
 */
#ifndef ST_PAGES_LOGIN_H
#define ST_PAGES_LOGIN_H

#include "httpd.h"

/* Serve the page for GET {websiteBasePath}[/], {websiteBasePath}/reset-password,
 * {websiteBasePath}/verify-email, (passwordless) {websiteBasePath}/verify or (thirdparty)
 * {websiteBasePath}/callback/<id>; DECLINED for anything else. */
int st_login_page_handler(request_rec *r);

/* 1 when r asks for the built-in page (it must stay reachable without a session). */
int st_login_page_match(request_rec *r);

/* The pages themselves; OK, or an HTTP status (the sign-in page redirects a signed-in user). */
int st_page_signin(request_rec *r);
int st_page_reset(request_rec *r);
int st_page_verify_email(request_rec *r);
int st_page_signout(request_rec *r);
/* {websiteBasePath}/callback/<thirdPartyId>: the provider sends the browser back here
 * (tp_callback.c). */
int st_page_tp_callback(request_rec *r);
/* The "Continue with ..." buttons' markup and script for the sign-in page (tp_callback.c). */
extern const char st_page_tp_buttons_html[];
extern const char st_page_tp_buttons_script[];
/* {websiteBasePath}/verify: the magic link's landing page (passwordless.c). */
int st_page_pl_verify(request_rec *r);

#endif

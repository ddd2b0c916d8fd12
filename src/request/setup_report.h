/*
 * setup_report.h: configuration mistakes only a request can show, logged once per place and
 * process (README "Operations"). The start-up checks (config/sections.c) catch what the
 * configuration files show; these catch the rest: .htaccess files, and a Require inherited
 * from elsewhere that lets requests through without authentication.
 */
#ifndef ST_REQUEST_SETUP_REPORT_H
#define ST_REQUEST_SETUP_REPORT_H

#include "httpd.h"

/* child_init: the per-process set of places already reported. */
apr_status_t st_setup_report_child_init(apr_pool_t *pchild);

/* AuthType SuperTokens on a virtual host without SuperTokensConnectionURI (error level). */
void st_report_no_connection_uri(request_rec *r);

/* fixups: AuthType SuperTokens applies to r but authentication never ran, because no Require
 * line asks for a user (warn level). */
void st_report_unauthenticated(request_rec *r);

#endif

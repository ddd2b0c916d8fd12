/*
 * sections.h: start-up checks of the sections that use AuthType SuperTokens (README
 * "Operations: what configtest catches").
 *
 * AuthType is mod_authn_core's directive, so the module never sees it while the configuration
 * is read; these checks walk the parsed configuration tree (ap_conftree, as mod_info does)
 * in check_config, so `apachectl configtest` runs them too. .htaccess files are read only by
 * requests: request/setup_report.c reports what they get wrong.
 */
#ifndef ST_CONFIG_SECTIONS_H
#define ST_CONFIG_SECTIONS_H

#include "httpd.h"

/*
 * Every AuthType SuperTokens of the configuration files: returns the error text (naming
 * SuperTokensConnectionURI, the file and line) of the first one some virtual host it applies to
 * cannot serve, or NULL. With warn, a section with AuthType SuperTokens and no Require line in
 * it or in the sections around it gets a warning (logged here, not an error): check_config
 * asks for them under configtest only, post_config otherwise, so they reach the error log
 * once per start (check_config runs before the logs are open).
 */
const char *st_config_check_sections(apr_pool_t *p, server_rec *main_server, int warn);

#endif

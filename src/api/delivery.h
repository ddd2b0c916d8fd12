/*
 * delivery.h: delivering password-reset links. supertokens-node's default posts them to
 * a SuperTokens cloud service, which we cannot do; instead the link goes to the error log at
 * notice level with the token hidden (SuperTokensPasswordResetDelivery log, the default), in
 * full (log-full), or to the program named by SuperTokensPasswordResetCommand, which reads
 * "<email>\n<link>\n" on its standard input (never on its command line).
 */
#ifndef ST_API_DELIVERY_H
#define ST_API_DELIVERY_H

#include "httpd.h"

void st_reset_deliver(request_rec *r, const char *email, const char *link, const char *token);

#endif

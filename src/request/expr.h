/*
 * expr.h: the session's claims in httpd expressions (ap_expr): <If>, <ElseIf>,
 * `Require expr`, mod_rewrite's `RewriteCond expr`, SetEnvIfExpr and mod_headers'
 * `expr=` conditions and values.
 *
 *   %{SUPERTOKENS_CLAIM:<path>}  or  supertokens_claim('<path>')
 *       the claim as text: a string as it is, anything else as compact JSON; "" if the
 *       request has no session or the claim does not exist.
 *   '<value>' -in supertokens_claim('<path>')
 *       true if the claim is that string, or an array holding it (each element as text).
 *
 * <path> is a claim name or a dotted path as in `Require supertokens-claim` (authz.h).
 */
#ifndef ST_EXPR_H
#define ST_EXPR_H

#include "httpd.h"

/* Register the expr_lookup hook (from register_hooks). */
void st_expr_register(apr_pool_t *p);

#endif

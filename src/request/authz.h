/*
 * authz.h: authorization from the verified session's claims.
 *
 * Owns: the mod_authz_core providers `Require supertokens-claim`, `supertokens-role`,
 * `supertokens-permission` and `supertokens-email-verified` (parsed once at config time,
 * evaluated per request over the access-token payload), the SDK's 403 invalid-claim answer
 * for denied API calls (protocol.md §1.8), and the claim paths ("a.b.c") that the providers
 * and the ap_expr functions (expr.c) share.
 */
#ifndef ST_AUTHZ_H
#define ST_AUTHZ_H

#include "httpd.h"
#include <jansson.h>

/* Bounds on work done over untrusted token values. */
#define ST_CLAIM_MAX_SEGMENTS   32     /* segments of a claim path */
#define ST_CLAIM_MAX_VISITS     4096   /* payload nodes one evaluation may look at */

/* A claim name as written in the configuration: "st-role", "org.tier", "https://x/roles". */
typedef struct {
    const char *name;        /* as written */
    int nseg;                /* 1 when the name has no '.' */
    const char **seg;        /* the name split at '.' */
} st_claim_path;

/* Parse a claim path; returns an error text or NULL. Empty names and empty segments
 * ("a..b", ".a", "a.") are refused. */
const char *st_claim_path_parse(apr_pool_t *p, const char *name, const st_claim_path **out);

/*
 * Call fn for every value the path reaches in payload and stop at the first non-zero
 * return, which is returned (0 if fn never returned non-zero or nothing was reached).
 * A top-level claim whose name is the whole path (dots included) wins; otherwise the path
 * is walked through objects, and an array met before the last segment is searched element
 * by element. At most ST_CLAIM_MAX_VISITS nodes are looked at.
 */
typedef int st_claim_visit_fn(void *ctx, const json_t *value);
int st_claim_path_visit(const json_t *payload, const st_claim_path *path,
                        st_claim_visit_fn *fn, void *ctx);

/* Register the providers, the hooks and the error filter (from register_hooks). */
void st_authz_register(apr_pool_t *p);

#endif

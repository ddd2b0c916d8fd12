/*
 * page.h: what the built-in pages share (page.c): the security headers (CSP with a
 * per-response nonce, frame-ancestors 'none' and X-Frame-Options DENY, no-store, nosniff,
 * no-referrer), the HTML head with the built-in style and SuperTokensPageStylesheet, the
 * application name (escaped), and the script every page starts with. Internal to pages/.
 */
#ifndef ST_PAGES_PAGE_H
#define ST_PAGES_PAGE_H

#include "httpd.h"
#include "config/config.h"

typedef struct {
    request_rec *r;
    const st_server_conf *sc;
    const char *nonce;            /* hex, fresh for this response */
} st_page;

/*
 * Set the page's headers and write up to the opening of <main>: the title ("<title> - <app>"),
 * the style, and the application name above the heading. form_action: an origin the page's
 * form may post or be redirected to besides 'self' (NULL: none). OK, or an HTTP status.
 * Nothing is written for HEAD (r->header_only); the st_page_* writers then do nothing.
 */
int st_page_begin(st_page *pg, request_rec *r, const char *title, const char *form_action);

/* Write raw HTML (the caller's own constant markup). */
void st_page_html(st_page *pg, const char *html);

/* Write text, escaped for HTML content and attribute values. */
void st_page_text(st_page *pg, const char *text);

/*
 * Close <main> and write the page script under the nonce: "var cfg=<cfg_json>;", the shared
 * helpers (below), then script. cfg_json is built by the caller from configuration only.
 * Shared helpers: $(id); q (URLSearchParams of the query); safeTarget(path) (path when it is a
 * same-origin path, else '/'); target([p]) (safeTarget of p, by default of redirectToPath); tenant() ('' or '/<tenantId>' when valid); fieldError(id, msg)
 * (sets st-<id>-error and aria-invalid); say(id, msg) (fills a message region); post(path, body)
 * (fetch of the API, JSON in and out, resolving to {code, body}); busy(on).
 */
void st_page_end(st_page *pg, const char *cfg_json, const char *script);

/* The configuration the pages' scripts start from, as a JSON object text: api (API base path),
 * base (website base path). Paths are validated plain paths, safe inside a script. */
const char *st_page_cfg(st_page *pg, const char *extra_members);

/* passwordless.c: its parts of the sign-in page (signin.c). st_page_pl_switch closes the
 * password part with a "Sign in without a password" button; st_page_pl_forms writes the
 * email / phone form and the code form (hidden behind the password form when with_password);
 * st_page_pl_cfg is the cfg member "pl" they read; st_page_pl_script drives them. */
extern const char st_page_pl_switch[];
void st_page_pl_forms(st_page *pg, int with_password);
const char *st_page_pl_cfg(st_page *pg, int with_password);
extern const char st_page_pl_script[];

#endif

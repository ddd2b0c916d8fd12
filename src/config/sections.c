/*
 * sections.c: the AuthType SuperTokens checks over the parsed configuration (sections.h).
 *
 * Where an AuthType SuperTokens applies:
 *   - inside <VirtualHost>: that virtual host (found by the file and line that defined it);
 *   - outside, in a <Directory path> (or <Files> within one): the servers (main or virtual)
 *     whose DocumentRoot lies under path (an Alias into it is not seen);
 *   - outside, in a regex <Directory>/<Files>: where it cannot be told, so only a
 *     configuration with no SuperTokensConnectionURI at all is refused;
 *   - outside, anywhere else (<Location>, <If>, <Proxy>, server level): every virtual host.
 * Each of those needs SuperTokensConnectionURI (set there or inherited from the main server).
 */
#include "config/sections.h"
#include "config/config.h"

#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "util_cfgtree.h"
#include "apr_strings.h"

APLOG_USE_MODULE(supertokens);

typedef struct {
    apr_pool_t *p;
    server_rec *main_server;
    int warn;                     /* log the missing-Require warnings */
    const char *error;            /* the first refusal */
} walk_ctx;

static int is_directive(const ap_directive_t *d, const char *name)
{
    return d->directive && strcasecmp(d->directive, name) == 0;
}

/* A section's first argument without quotes and the closing '>' ("<Directory "/x">" -> /x). */
static const char *section_arg(apr_pool_t *p, const ap_directive_t *d)
{
    const char *args = d->args ? d->args : "";
    char *w = ap_getword_conf(p, &args);
    apr_size_t n = strlen(w);

    if (n && w[n - 1] == '>')
        w[n - 1] = '\0';
    return w;
}

static int is_authtype_supertokens(apr_pool_t *p, const ap_directive_t *d)
{
    const char *args = d->args ? d->args : "";
    return is_directive(d, "AuthType") && strcasecmp(ap_getword_conf(p, &args), "SuperTokens") == 0;
}

static int is_require(const ap_directive_t *d)
{
    return is_directive(d, "Require") || is_directive(d, "<RequireAll")
        || is_directive(d, "<RequireAny") || is_directive(d, "<RequireNone");
}

static int has_uri(server_rec *s)
{
    return st_server_conf_get(s)->core_urls != NULL;
}

/* The server_rec a <VirtualHost> node made (core records the file and line it began on). */
static server_rec *vhost_of(const walk_ctx *w, const ap_directive_t *vh)
{
    server_rec *s;
    for (s = w->main_server->next; s; s = s->next)
        if (s->defn_name && vh->filename && strcmp(s->defn_name, vh->filename) == 0
            && s->defn_line_number == (unsigned)vh->line_num)
            return s;
    return NULL;
}

/* The outermost section around d below the top level (NULL at server level). */
static const ap_directive_t *outermost_section(const ap_directive_t *d)
{
    const ap_directive_t *top = NULL;
    for (d = d->parent; d; d = d->parent)
        top = d;
    return top;
}

/* dir is root or a parent of path ("/var/www" of "/var/www/html"). */
static int path_under(const char *path, const char *dir)
{
    apr_size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    return path && strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/' || n == 1);
}

static const char *refuse(const walk_ctx *w, const ap_directive_t *at, const server_rec *s)
{
    return apr_psprintf(w->p, "AuthType SuperTokens (%s:%d) applies to the virtual host %s "
                        "(%s:%u), which has no SuperTokensConnectionURI: set "
                        "SuperTokensConnectionURI there (with SuperTokensAPIDomain and "
                        "SuperTokensWebsiteDomain), or move the section into a virtual host "
                        "that has it", at->filename, at->line_num, st_config_vhost_name(w->p, s),
                        s->defn_name ? s->defn_name : "main configuration", s->defn_line_number);
}

/* An AuthType SuperTokens outside every <VirtualHost>. */
static const char *check_main_level(const walk_ctx *w, const ap_directive_t *at)
{
    const ap_directive_t *top = outermost_section(at);
    int plain_dir = top && is_directive(top, "<Directory")
                    && strcmp(section_arg(w->p, top), "~") != 0;
    int regex_dir = top && !plain_dir && (is_directive(top, "<Directory") || is_directive(top, "<DirectoryMatch")
                                          || is_directive(top, "<Files") || is_directive(top, "<FilesMatch"));
    const char *dir = plain_dir ? section_arg(w->p, top) : NULL;
    server_rec *s, *any_with = NULL;

    for (s = w->main_server; s; s = s->next)
        if (has_uri(s))
            any_with = s;
    for (s = w->main_server; s; s = s->next) {
        if (has_uri(s))
            continue;
        if (plain_dir) {
            core_server_config *core = ap_get_core_module_config(s->module_config);
            if (!path_under(core->ap_document_root, dir))
                continue;
        }
        else if (regex_dir && any_with) {
            continue;
        }
        return refuse(w, at, s);
    }
    return NULL;
}

static int list_has_require(const ap_directive_t *d)
{
    for (; d; d = d->next)
        if (is_require(d) || (d->first_child && list_has_require(d->first_child)))
            return 1;
    return 0;
}

/* A Require in the section holding the AuthType (nested <Files>, <If>, <Limit> included) or
 * directly in a section around it, up to the server level. A Require for the same path in
 * another section is not seen: the request-time check (setup_report.c) covers the rest. */
static int require_applies(const ap_directive_t *at)
{
    const ap_directive_t *sec = at->parent, *d;

    if (sec && !is_directive(sec, "<VirtualHost") && list_has_require(sec->first_child))
        return 1;
    for (;; sec = sec->parent) {
        for (d = sec ? sec->first_child : ap_conftree; d; d = d->next)
            if (is_require(d))
                return 1;
        if (!sec)
            return 0;
    }
}

static void check_authtype(walk_ctx *w, const ap_directive_t *at, const ap_directive_t *vh)
{
    const char *err = NULL;

    if (vh) {
        server_rec *s = vhost_of(w, vh);
        if (s && !has_uri(s))
            err = refuse(w, at, s);
    }
    else {
        err = check_main_level(w, at);
    }
    if (err && !w->error)
        w->error = err;
    if (w->warn && !require_applies(at))
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, w->main_server, APLOGNO(10482)
                     "AuthType SuperTokens (%s:%d) has no Require line in its section: whatever "
                     "Require it inherits decides alone (Require all granted leaves it public, "
                     "without REMOTE_USER even for signed-in users); add Require valid-user",
                     at->filename, at->line_num);
}

static void walk(walk_ctx *w, const ap_directive_t *d, const ap_directive_t *vh)
{
    for (; d; d = d->next) {
        if (is_authtype_supertokens(w->p, d))
            check_authtype(w, d, vh);
        if (d->first_child)
            walk(w, d->first_child, is_directive(d, "<VirtualHost") ? d : vh);
    }
}

const char *st_config_check_sections(apr_pool_t *p, server_rec *main_server, int warn)
{
    walk_ctx w = { p, main_server, warn, NULL };

    walk(&w, ap_conftree, NULL);
    return w.error;
}

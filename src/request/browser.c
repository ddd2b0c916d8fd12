/*
 * browser.c: what kind of client sent a request and where a browser is sent: API calls told
 * apart from navigations, the request's own path, the sign-in page's URL and the redirect to
 * it (see browser.h).
 */
#include "request/browser.h"
#include "config/config.h"
#include "token/b64.h"

#include "http_protocol.h"
#include "apr_strings.h"

/*
 * Can this request follow a redirect to a login page and back? Like mod_auth_openidc's
 * auth-capable check: XHR, fetch (Sec-Fetch-Mode other than navigate, Sec-Fetch-Dest other
 * than document), an Accept asking for JSON or not for HTML are API calls.
 */
int st_request_is_api_like(request_rec *r)
{
    const char *xrw = apr_table_get(r->headers_in, "X-Requested-With");
    const char *mode = apr_table_get(r->headers_in, "Sec-Fetch-Mode");
    const char *dest = apr_table_get(r->headers_in, "Sec-Fetch-Dest");
    const char *accept = apr_table_get(r->headers_in, "Accept");

    if (xrw && strcasecmp(xrw, "XMLHttpRequest") == 0)
        return 1;
    if ((mode && strcasecmp(mode, "navigate") != 0) || (dest && strcasecmp(dest, "document") != 0))
        return 1;
    if (accept == NULL || ap_strcasestr(accept, "application/json") != NULL)
        return 1;
    return ap_strcasestr(accept, "text/html") == NULL && ap_strcasestr(accept, "application/xhtml+xml") == NULL;
}

const char *st_request_login_url(request_rec *r, const char *return_path)
{
    const st_server_conf *sc = st_server_conf_get(r->server);
    const char *login = apr_pstrcat(r->pool, sc->website_domain, st_cfg_website_base_path(sc), NULL);
    return return_path == NULL ? login
        : apr_pstrcat(r->pool, login, "?redirectToPath=", st_uri_encode_component(r->pool, return_path), NULL);
}

int st_request_redirect_to_login(request_rec *r, const char *return_path)
{
    apr_table_setn(r->headers_out, "Location", st_request_login_url(r, return_path));
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    return HTTP_MOVED_TEMPORARILY;
}

const char *st_request_here(request_rec *r)
{
    const char *here = r->args ? apr_pstrcat(r->pool, r->parsed_uri.path, "?", r->args, NULL)
                               : r->parsed_uri.path;
    return here ? here : "/";
}

/*
 * cors.c: CORS answers for the website origin (see cors.h).
 */
#include "request/cors.h"
#include "config/config.h"

#include "http_protocol.h"
#include "apr_strings.h"

/* supertokens.getAllCORSHeaders() for session + emailpassword, plus content-type (§1.9). */
#define ST_CORS_ALLOW_HEADERS "rid, fdi-version, anti-csrf, authorization, st-auth-mode, content-type"
#define ST_CORS_ALLOW_METHODS "GET, HEAD, PUT, PATCH, POST, DELETE"

const char *st_cors_allowed_origin(request_rec *r)
{
    const st_server_conf *sc = st_server_conf_get(r->server);
    const char *origin = apr_table_get(r->headers_in, "Origin");
    /* exact string comparison with the normalised configured origin: no suffix or prefix
     * matching, so evil-example.com never passes for example.com */
    if (origin == NULL || sc->website_domain == NULL || strcasecmp(origin, sc->website_domain) != 0)
        return NULL;
    return sc->website_domain;
}

void st_cors_actual(request_rec *r)
{
    const char *origin = st_cors_allowed_origin(r);
    apr_table_mergen(r->err_headers_out, "Vary", "Origin");
    if (origin == NULL)
        return;
    apr_table_setn(r->err_headers_out, "Access-Control-Allow-Origin", origin);
    apr_table_setn(r->err_headers_out, "Access-Control-Allow-Credentials", "true");
}

int st_cors_is_preflight(request_rec *r)
{
    return r->method_number == M_OPTIONS && apr_table_get(r->headers_in, "Origin") != NULL
        && apr_table_get(r->headers_in, "Access-Control-Request-Method") != NULL;
}

int st_cors_preflight(request_rec *r)
{
    if (!st_cors_is_preflight(r))
        return DECLINED;
    /* Answered here whatever the origin, and the request ends: a preflight carries no
     * session, so letting it go on would run the protected handler anonymously. Other
     * origins get the same 204 without a grant, which the browser reads as a refusal. */
    if (st_cors_allowed_origin(r) != NULL) {
        st_cors_actual(r);
        apr_table_setn(r->err_headers_out, "Access-Control-Allow-Methods", ST_CORS_ALLOW_METHODS);
        apr_table_setn(r->err_headers_out, "Access-Control-Allow-Headers", ST_CORS_ALLOW_HEADERS);
        apr_table_setn(r->err_headers_out, "Access-Control-Max-Age", "600");
    }
    else
        apr_table_mergen(r->err_headers_out, "Vary", "Origin");
    r->status = HTTP_NO_CONTENT;   /* no body, and so no Content-Length (RFC 9110) */
    ap_finalize_request_protocol(r);
    return DONE;
}

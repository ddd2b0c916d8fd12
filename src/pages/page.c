/*
 * page.c: the shared parts of the built-in pages (page.h). Nothing from the request is ever
 * written into a page: the scripts read the query themselves and put it in the DOM with
 * textContent or as form values; the only server-side text is configuration (the app name,
 * escaped; the base paths, validated at config time).
 */
#include "pages/page.h"

#include "http_protocol.h"
#include "apr_strings.h"
#include "apr_general.h"

static const char page_style[] =
    "*{box-sizing:border-box}"
    "body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;background:#f3f4f6;"
    "color:#111827;display:flex;justify-content:center;padding:8vh 1em}"
    "main{background:#fff;padding:2em 2.25em;border-radius:10px;box-shadow:0 1px 3px #0002,0 8px 24px #0001;"
    "width:100%;max-width:24em}"
    ".st-app{margin:0;color:#4b5563;font-size:.95em}"
    "h1{font-size:1.5em;margin:.1em 0 .8em}"
    "p{margin:.5em 0}"
    "label{display:block;font-weight:600;margin-top:1em}"
    "input{display:block;width:100%;padding:.6em .7em;margin-top:.35em;border:1px solid #6b7280;"
    "border-radius:6px;font:inherit}"
    "input[aria-invalid=true]{border-color:#b91c1c}"
    ":focus-visible{outline:3px solid #2563eb;outline-offset:2px}"
    ".st-err{color:#b91c1c;font-size:.9em;min-height:1.35em;margin-top:.25em}"
    ".st-msg:not(:empty){border-radius:6px;padding:.7em .9em;margin-bottom:1em}"
    ".st-msg.st-bad:not(:empty){background:#fef2f2;border:1px solid #fecaca;color:#991b1b}"
    ".st-msg.st-good:not(:empty){background:#f0fdf4;border:1px solid #bbf7d0;color:#166534}"
    "button{font:inherit;cursor:pointer}"
    ".st-primary{display:block;width:100%;margin-top:1.5em;padding:.7em;border:0;border-radius:6px;"
    "background:#1d4ed8;color:#fff;font-weight:600}"
    ".st-primary:hover{background:#1e40af}.st-primary[disabled]{background:#6b7280;cursor:wait}"
    "a.st-primary{text-align:center;text-decoration:none}"
    ".st-link{background:none;border:0;padding:0;color:#1d4ed8;text-decoration:underline}"
    "a{color:#1d4ed8}"
    ".st-row{margin-top:1.25em;font-size:.95em;text-align:center}"
    "[hidden]{display:none!important}"
    ".st-provider{display:block;width:100%;margin-top:.6em;padding:.65em;border:1px solid #6b7280;border-radius:6px;"
    "background:#fff;color:#111827;font-weight:600}.st-provider:hover{background:#f3f4f6}"
    ".st-or{text-align:center;color:#6b7280;margin:1em 0 0}";

/* The helpers every page script starts with (page.h). target([p]) only follows p (by default redirectToPath)
 * when it is a path on this site (safeTarget): '/x', not '//host' or '/\host', no control
 * characters or backslashes; then resolved as the browser would and kept only if the origin is
 * ours (so '/..//evil.com' cannot turn into '//evil.com'). */
static const char page_helpers[] =
    "var q=new URLSearchParams(location.search);\n"
    "function $(i){return document.getElementById(i);}\n"
    "function safeTarget(p){var u;"
    " if(!p||p.charAt(0)!=='/'||p.charAt(1)==='/'||/[\\u0000-\\u001f\\u007f\\\\]/.test(p))return '/';"
    " try{u=new URL(p,location.origin);}catch(e){return '/';}"
    " if(u.origin!==location.origin)return '/';"
    " return u.href;}\n"
    "function target(p){return safeTarget(p===undefined?q.get('redirectToPath'):p);}\n"
    "function tenant(){var t=q.get('tenantId');"
    " return (t&&t!=='public'&&/^[A-Za-z0-9-]+$/.test(t)&&!/^appid-/i.test(t))?'/'+t:'';}\n"
    "function fieldError(id,msg){var e=$('st-'+id+'-error'),i=$('st-'+id);"
    " if(e)e.textContent=msg||'';if(i){if(msg)i.setAttribute('aria-invalid','true');else i.removeAttribute('aria-invalid');}}\n"
    "function say(id,msg){var e=$(id);if(e)e.textContent=msg||'';}\n"
    "function busy(on){var b=$('st-submit');if(b){b.disabled=on;b.setAttribute('aria-busy',on?'true':'false');}}\n"
    "function post(path,body,extra){var h={'content-type':'application/json','rid':'emailpassword','fdi-version':'4.0'},k;"
    " for(k in extra||{})h[k]=extra[k];"
    " return fetch(cfg.api+path,{method:'POST',credentials:'same-origin',headers:h,body:JSON.stringify(body)})"
    "  .then(function(r){return r.json().catch(function(){return {};}).then(function(b){return {code:r.status,body:b};});});}\n"
    "var SOMETHING_WRONG='Something went wrong. Please try again.';\n";

static const char *new_nonce(apr_pool_t *p)
{
    unsigned char raw[16];
    char *hex = apr_palloc(p, 33);
    int i;
    if (apr_generate_random_bytes(raw, sizeof(raw)) != APR_SUCCESS)
        return NULL;
    for (i = 0; i < 16; i++)
        apr_snprintf(hex + 2 * i, 3, "%02x", raw[i]);
    return hex;
}

static void set_headers(st_page *pg, const char *form_action)
{
    request_rec *r = pg->r;
    ap_set_content_type(r, "text/html; charset=utf-8");
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
    apr_table_setn(r->headers_out, "Referrer-Policy", "no-referrer");
    apr_table_setn(r->headers_out, "X-Frame-Options", "DENY");
    /* img/font from this origin so a SuperTokensPageStylesheet may show a logo */
    apr_table_setn(r->headers_out, "Content-Security-Policy",
                   apr_psprintf(r->pool, "default-src 'none'; script-src 'nonce-%s'; style-src 'nonce-%s'; "
                                "img-src 'self' data:; font-src 'self'; connect-src 'self'; "
                                "form-action 'self'%s%s; frame-ancestors 'none'; base-uri 'none'",
                                pg->nonce, pg->nonce, form_action ? " " : "", form_action ? form_action : ""));
}

int st_page_begin(st_page *pg, request_rec *r, const char *title, const char *form_action)
{
    const char *app;
    pg->r = r;
    pg->sc = st_server_conf_get(r->server);
    if ((pg->nonce = new_nonce(r->pool)) == NULL)
        return HTTP_INTERNAL_SERVER_ERROR;
    set_headers(pg, form_action);
    if (r->header_only)
        return OK;
    app = pg->sc->app_name;
    ap_rputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
             "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>", r);
    st_page_text(pg, title);
    if (app) {
        ap_rputs(" - ", r);
        st_page_text(pg, app);
    }
    ap_rprintf(r, "</title><style nonce=\"%s\">%s</style>", pg->nonce, page_style);
    if (pg->sc->page_css)
        ap_rprintf(r, "<style nonce=\"%s\">%s</style>", pg->nonce, pg->sc->page_css);
    ap_rputs("</head><body>\n<main>", r);
    if (app) {
        ap_rputs("<p class=\"st-app\">", r);
        st_page_text(pg, app);
        ap_rputs("</p>", r);
    }
    return OK;
}

void st_page_html(st_page *pg, const char *html)
{
    if (!pg->r->header_only)
        ap_rputs(html, pg->r);
}

void st_page_text(st_page *pg, const char *text)
{
    if (!pg->r->header_only)
        ap_rputs(ap_escape_html(pg->r->pool, text), pg->r);
}

const char *st_page_cfg(st_page *pg, const char *extra_members)
{
    return apr_psprintf(pg->r->pool, "{\"api\":\"%s\",\"base\":\"%s\"%s%s}", st_cfg_api_base_path(pg->sc),
                        st_cfg_website_base_path(pg->sc), extra_members ? "," : "",
                        extra_members ? extra_members : "");
}

void st_page_end(st_page *pg, const char *cfg_json, const char *script)
{
    if (pg->r->header_only)
        return;
    ap_rprintf(pg->r, "</main>\n<script nonce=\"%s\">(function(){\n\"use strict\";\nvar cfg=%s;\n%s%s})();</script>"
               "</body></html>\n", pg->nonce, cfg_json, page_helpers, script);
}

/*
 * login.c: the built-in sign-in / sign-up page (SuperTokensLoginPage On) served at
 * SuperTokensWebsiteBasePath on the API's virtual host, for apps without a SuperTokens
 * frontend. Plain HTML and a small inline script (no CDN) that calls the EmailPassword API
 * with fetch, shows field errors, and returns to ?redirectToPath= only when it is a
 * same-site relative path. Also serves {websiteBasePath}/reset-password?token=... for the
 * links password-reset delivery sends.
 */
#include "pages/login.h"
#include "config/config.h"

#include "http_protocol.h"
#include "apr_strings.h"
#include "apr_general.h"

static const char page_head[] =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    "<title>Sign in</title><style nonce=\"%s\">"
    "body{font-family:system-ui,sans-serif;background:#f5f5f5;display:flex;justify-content:center;padding-top:10vh}"
    "form{background:#fff;padding:2em;border-radius:8px;box-shadow:0 1px 4px #0002;width:20em}"
    "label{display:block;margin-top:1em}input{width:100%%;box-sizing:border-box;padding:.5em;margin-top:.3em}"
    ".err{color:#b00020;font-size:.9em;min-height:1.2em}button{margin-top:1.5em;padding:.6em 1.2em}"
    "</style></head><body>\n";

static const char login_form[] =
    "<form id=\"st-form\" novalidate><h1 id=\"st-title\">Sign in</h1>"
    "<div class=\"err\" id=\"st-general\" role=\"alert\"></div>"
    "<label>Email<input id=\"st-email\" name=\"email\" type=\"email\" autocomplete=\"username\"></label>"
    "<div class=\"err\" id=\"st-email-error\"></div>"
    "<label>Password<input id=\"st-password\" name=\"password\" type=\"password\" autocomplete=\"current-password\"></label>"
    "<div class=\"err\" id=\"st-password-error\"></div>"
    "<button id=\"st-submit\" type=\"submit\">Sign in</button> "
    "<button id=\"st-toggle\" type=\"button\">Create an account instead</button></form>\n";

static const char reset_form[] =
    "<form id=\"st-form\" novalidate><h1>Choose a new password</h1>"
    "<div class=\"err\" id=\"st-general\" role=\"alert\"></div>"
    "<label>New password<input id=\"st-password\" name=\"password\" type=\"password\" autocomplete=\"new-password\"></label>"
    "<div class=\"err\" id=\"st-password-error\"></div>"
    "<button id=\"st-submit\" type=\"submit\">Change password</button></form>\n";

/* %s: nonce, then the API base path as a JSON string. */
static const char login_script[] =
    "<script nonce=\"%s\">(function(){\n"
    "var api=%s, signup=false, q=new URLSearchParams(location.search);\n"
    "function $(i){return document.getElementById(i);}\n"
    /* only paths on this site: '/x' but not '//host' or '/\\host', no control characters or
     * backslashes; then resolved as the browser would and kept only if the origin is ours
     * (so '/..//evil.com' cannot turn into '//evil.com') */
    "function target(){var p=q.get('redirectToPath'),u;"
    " if(!p||p.charAt(0)!=='/'||p.charAt(1)==='/'||/[\\u0000-\\u001f\\u007f\\\\]/.test(p))return '/';"
    " try{u=new URL(p,location.origin);}catch(e){return '/';}"
    " if(u.origin!==location.origin)return '/';"
    " return u.href;}\n"
    "function clear(){['st-general','st-email-error','st-password-error'].forEach(function(i){$(i).textContent='';});}\n"
    "$('st-toggle').onclick=function(){signup=!signup;clear();"
    " $('st-title').textContent=signup?'Sign up':'Sign in';$('st-submit').textContent=signup?'Sign up':'Sign in';"
    " this.textContent=signup?'Sign in instead':'Create an account instead';"
    " $('st-password').setAttribute('autocomplete',signup?'new-password':'current-password');};\n"
    "$('st-form').onsubmit=function(e){e.preventDefault();clear();\n"
    " fetch(api+(signup?'/signup':'/signin'),{method:'POST',credentials:'same-origin',"
    "headers:{'content-type':'application/json','rid':'emailpassword','st-auth-mode':'cookie','fdi-version':'4.0'},"
    "body:JSON.stringify({formFields:[{id:'email',value:$('st-email').value},{id:'password',value:$('st-password').value}]})})\n"
    " .then(function(r){return r.json().then(function(b){return {code:r.status,body:b};});})\n"
    " .then(function(res){var b=res.body;\n"
    "  if(res.code===200&&b.status==='OK'){location.assign(target());return;}\n"
    "  if(b.status==='FIELD_ERROR'){b.formFields.forEach(function(f){var el=$('st-'+f.id+'-error');if(el)el.textContent=f.error;});return;}\n"
    "  if(b.status==='WRONG_CREDENTIALS_ERROR'){$('st-general').textContent='Incorrect email and password combination';return;}\n"
    "  $('st-general').textContent=b.reason||b.message||'Something went wrong. Please try again.';})\n"
    " .catch(function(){$('st-general').textContent='Something went wrong. Please try again.';});};\n"
    "})();</script></body></html>\n";

static const char reset_script[] =
    "<script nonce=\"%s\">(function(){\n"
    "var api=%s, q=new URLSearchParams(location.search);\n"
    "function $(i){return document.getElementById(i);}\n"
    "$('st-form').onsubmit=function(e){e.preventDefault();$('st-general').textContent='';$('st-password-error').textContent='';\n"
    " var t=q.get('tenantId'), path=(t&&t!=='public'&&/^[A-Za-z0-9-]+$/.test(t)&&!/^appid-/i.test(t))?'/'+t:'';\n"
    " fetch(api+path+'/user/password/reset',{method:'POST',credentials:'same-origin',"
    "headers:{'content-type':'application/json','rid':'emailpassword','fdi-version':'4.0'},"
    "body:JSON.stringify({method:'token',token:q.get('token')||'',formFields:[{id:'password',value:$('st-password').value}]})})\n"
    " .then(function(r){return r.json();}).then(function(b){\n"
    "  if(b.status==='OK'){$('st-general').textContent='Your password was changed. You can sign in now.';return;}\n"
    "  if(b.status==='FIELD_ERROR'){$('st-password-error').textContent=b.formFields[0].error;return;}\n"
    "  $('st-general').textContent=b.status==='RESET_PASSWORD_INVALID_TOKEN_ERROR'?'This link has expired or was already used.':(b.message||'Something went wrong.');})\n"
    " .catch(function(){$('st-general').textContent='Something went wrong. Please try again.';});};\n"
    "})();</script></body></html>\n";

/* The page's path relative to the website base path: "" (login), "/reset-password", or NULL. */
static const char *page_of(request_rec *r, const st_server_conf *sc)
{
    const char *base = st_cfg_website_base_path(sc), *path = r->parsed_uri.path;
    apr_size_t bl = strlen(base);
    if (path == NULL || strncmp(path, base, bl) != 0)
        return NULL;
    path += bl;
    if (*path == '\0' || strcmp(path, "/") == 0)
        return "";
    if (strcmp(path, "/reset-password") == 0 || strcmp(path, "/reset-password/") == 0)
        return "/reset-password";
    return NULL;
}

int st_login_page_match(request_rec *r)
{
    const st_server_conf *sc = st_server_conf_get(r->server);
    return sc->core_urls != NULL && st_cfg_login_page(sc) && r->method_number == M_GET
        && page_of(r, sc) != NULL;
}

int st_login_page_handler(request_rec *r)
{
    const st_server_conf *sc = st_server_conf_get(r->server);
    const char *page, *nonce, *api;
    unsigned char raw[16];
    char hex[33];
    int i, reset;

    if (sc->core_urls == NULL || !st_cfg_login_page(sc) || (page = page_of(r, sc)) == NULL)
        return DECLINED;
    if (r->method_number != M_GET)
        return DECLINED;
    reset = (*page != '\0');
    if (apr_generate_random_bytes(raw, sizeof(raw)) != APR_SUCCESS)
        return HTTP_INTERNAL_SERVER_ERROR;
    for (i = 0; i < 16; i++)
        apr_snprintf(hex + 2 * i, 3, "%02x", raw[i]);
    nonce = hex;
    /* the base path is a validated plain path (no quotes or backslashes), so this is a safe
     * JavaScript string literal */
    api = apr_pstrcat(r->pool, "\"", st_cfg_api_base_path(sc), "\"", NULL);

    ap_set_content_type(r, "text/html; charset=utf-8");
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
    apr_table_setn(r->headers_out, "Referrer-Policy", "no-referrer");
    apr_table_setn(r->headers_out, "Content-Security-Policy",
                   apr_psprintf(r->pool, "default-src 'none'; script-src 'nonce-%s'; style-src 'nonce-%s'; "
                                "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
                                nonce, nonce));
    if (r->header_only)
        return OK;
    ap_rprintf(r, page_head, nonce);
    ap_rputs(reset ? reset_form : login_form, r);
    ap_rprintf(r, reset ? reset_script : login_script, nonce, api);
    return OK;
}

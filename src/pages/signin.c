/*
 * signin.c: the built-in sign-in / sign-up page at SuperTokensWebsiteBasePath. The script
 * calls the EmailPassword API with fetch, shows field errors, the API's refusal reason
 * (SIGN_UP_NOT_ALLOWED) and a wrong password, and returns to ?redirectToPath= (a same-site path)
 * once signed in. "Create an account" is left out when SuperTokensSignUp is Off. A user who is
 * already signed in is sent straight on (signin_or_redirect). With the passwordless recipe the
 * page offers its forms too (passwordless.c): instead of the password form when emailpassword
 * is not in SuperTokensRecipes, behind a "sign in with a code" switch when it is. With the
 * thirdparty recipe the providers' buttons follow; with neither emailpassword nor passwordless
 * they are the whole page.
 */
#include "pages/login.h"
#include "pages/page.h"
#include "request/verify.h"
#include "request/redirect_path.h"

#include "http_protocol.h"
#include "util_script.h"
#include "apr_strings.h"

static const char form_top[] =
    "<div id=\"st-ep\"><form id=\"st-form\" novalidate>"
    "<div class=\"st-msg st-bad\" id=\"st-general\" role=\"alert\"></div>"
    "<label for=\"st-email\">Email</label>"
    "<input id=\"st-email\" name=\"email\" type=\"email\" autocomplete=\"username\" required "
    "aria-describedby=\"st-email-error\">"
    "<div class=\"st-err\" id=\"st-email-error\"></div>"
    "<label for=\"st-password\">Password</label>"
    "<input id=\"st-password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required "
    "aria-describedby=\"st-password-error\">"
    "<div class=\"st-err\" id=\"st-password-error\"></div>"
    "<button id=\"st-submit\" class=\"st-primary\" type=\"submit\">Sign in</button></form>"
    "<p class=\"st-row\"><a id=\"st-forgot\" href=\"";

static const char form_signup_switch[] =
    "<p class=\"st-row\"><span id=\"st-switch-text\">No account yet?</span> "
    "<button id=\"st-toggle\" class=\"st-link\" type=\"button\">Create an account</button></p>";

static const char signin_script[] =
    "var signup=false;\n"
    "function clearAll(){say('st-general','');fieldError('email','');fieldError('password','');}\n"
    "if($('st-toggle'))$('st-toggle').onclick=function(){signup=!signup;clearAll();"
    " $('st-title').textContent=signup?'Sign up':'Sign in';$('st-submit').textContent=signup?'Sign up':'Sign in';"
    " $('st-switch-text').textContent=signup?'Already have an account?':'No account yet?';"
    " this.textContent=signup?'Sign in instead':'Create an account';"
    " $('st-forgot').hidden=signup;"
    " $('st-password').setAttribute('autocomplete',signup?'new-password':'current-password');"
    " document.title=document.title.replace(/^Sign (in|up)/,signup?'Sign up':'Sign in');$('st-email').focus();};\n"
    "$('st-form').onsubmit=function(e){e.preventDefault();clearAll();busy(true);\n"
    " post(signup?'/signup':'/signin',{formFields:[{id:'email',value:$('st-email').value},"
    "{id:'password',value:$('st-password').value}]},{'st-auth-mode':'cookie'})\n"
    " .then(function(res){var b=res.body,first=null;busy(false);\n"
    "  if(res.code===200&&b.status==='OK'){location.assign(target());return;}\n"
    "  if(b.status==='FIELD_ERROR'){(b.formFields||[]).forEach(function(f){fieldError(f.id,f.error);"
    "if(!first&&$('st-'+f.id))first=$('st-'+f.id);});if(first)first.focus();return;}\n"
    "  if(b.status==='WRONG_CREDENTIALS_ERROR'){say('st-general','Incorrect email and password combination');"
    "$('st-password').focus();return;}\n"
    /* SIGN_UP_NOT_ALLOWED carries a reason meant for the user (the prebuilt UI shows it too) */
    "  say('st-general',b.reason||b.message||SOMETHING_WRONG);})\n"
    " .catch(function(){busy(false);say('st-general',SOMETHING_WRONG);});};\n"
    "$('st-email').focus();\n";

/* A signed-in user is sent on to redirectToPath (validated; "/" otherwise) instead of seeing
 * the form; one whose access token expired goes there through the navigation refresh, so only a
 * failed refresh shows the form. Returns the redirect status, or DECLINED to show the page. */
static int redirect_if_signed_in(request_rec *r)
{
    apr_table_t *args = NULL;
    const char *target;
    st_session s;
    st_session_status st = st_session_load(r, 0, 0, &s);

    if (st != ST_SESSION_OK && st != ST_SESSION_TRY_REFRESH)
        return DECLINED;
    ap_args_to_table(r, &args);
    target = st_redirect_path(r->pool, args ? apr_table_get(args, "redirectToPath") : NULL, "/");
    if (st == ST_SESSION_TRY_REFRESH)
        return st_session_refresh_navigation(r, st, &s, target);
    apr_table_setn(r->headers_out, "Location", target);
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    return HTTP_MOVED_TEMPORARILY;
}

/* Without the emailpassword recipe: only the providers' buttons (no form that would post to an
 * API this host does not serve). */
static int providers_only(st_page *pg)
{
    st_page_html(pg, "<h1 id=\"st-title\">Sign in</h1>");
    st_page_html(pg, st_page_tp_buttons_html);
    st_page_end(pg, st_page_cfg(pg, "\"signUp\":false"), st_page_tp_buttons_script);
    return OK;
}

int st_page_signin(request_rec *r)
{
    st_page pg;
    int rc, sign_up, recipes, ep, pl, tp;

    if ((rc = redirect_if_signed_in(r)) != DECLINED)
        return rc;
    if ((rc = st_page_begin(&pg, r, "Sign in", NULL)) != OK)
        return rc;
    sign_up = st_cfg_sign_up(pg.sc);
    recipes = st_cfg_recipes(pg.sc);
    pl = (recipes & ST_RECIPE_PASSWORDLESS) != 0;
    tp = (recipes & ST_RECIPE_THIRDPARTY) != 0;
    ep = (recipes & ST_RECIPE_EMAILPASSWORD) != 0 || (!pl && !tp);
    if (!ep && !pl)
        return providers_only(&pg);
    st_page_html(&pg, "<h1 id=\"st-title\">Sign in</h1>");
    if (ep) {
        st_page_html(&pg, form_top);
        st_page_text(&pg, apr_pstrcat(r->pool, st_cfg_website_base_path(pg.sc), "/reset-password", NULL));
        st_page_html(&pg, "\">Forgot password?</a></p>");
        if (sign_up)
            st_page_html(&pg, form_signup_switch);
        st_page_html(&pg, pl ? st_page_pl_switch : "</div>");
    }
    if (pl)
        st_page_pl_forms(&pg, ep);
    if (tp)
        st_page_html(&pg, st_page_tp_buttons_html);
    st_page_end(&pg, st_page_cfg(&pg, apr_pstrcat(r->pool, sign_up ? "\"signUp\":true" : "\"signUp\":false",
                                                  pl ? "," : "", pl ? st_page_pl_cfg(&pg, ep) : "", NULL)),
                apr_pstrcat(r->pool, ep ? signin_script : "", pl ? st_page_pl_script : "",
                            tp ? st_page_tp_buttons_script : "", NULL));
    return OK;
}

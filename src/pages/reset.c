/*
 * reset.c: the built-in password-reset pages at {websiteBasePath}/reset-password.
 *   - without ?token= (the sign-in page's "Forgot password?"): an email form that calls
 *     POST {B}[/tenant]/user/password/reset/token and then always shows the same neutral
 *     message, whether or not the account exists (the API answers OK either way);
 *   - with ?token= (the delivered link): a new-password form; success is shown as success
 *     with a link to sign in, an used or expired link offers to ask for a new one.
 * Only the presence of the token decides which form is sent; its value is read by the script.
 */
#include "pages/login.h"
#include "pages/page.h"

#include "util_script.h"
#include "apr_strings.h"

static const char request_form[] =
    "<h1>Reset your password</h1>"
    "<div class=\"st-msg st-good\" id=\"st-done\" role=\"status\"></div>"
    "<form id=\"st-form\" novalidate>"
    "<p id=\"st-intro\">Enter the email address of your account and we will send you a link to choose "
    "a new password.</p>"
    "<div class=\"st-msg st-bad\" id=\"st-general\" role=\"alert\"></div>"
    "<label for=\"st-email\">Email</label>"
    "<input id=\"st-email\" name=\"email\" type=\"email\" autocomplete=\"username\" required "
    "aria-describedby=\"st-email-error\">"
    "<div class=\"st-err\" id=\"st-email-error\"></div>"
    "<button id=\"st-submit\" class=\"st-primary\" type=\"submit\">Email me a link</button></form>";

static const char new_password_form[] =
    "<h1 id=\"st-title\">Choose a new password</h1>"
    "<div class=\"st-msg st-good\" id=\"st-done\" role=\"status\"></div>"
    "<form id=\"st-form\" novalidate>"
    "<div class=\"st-msg st-bad\" id=\"st-general\" role=\"alert\"></div>"
    "<label for=\"st-password\">New password</label>"
    "<input id=\"st-password\" name=\"password\" type=\"password\" autocomplete=\"new-password\" required "
    "aria-describedby=\"st-password-error\">"
    "<div class=\"st-err\" id=\"st-password-error\"></div>"
    "<button id=\"st-submit\" class=\"st-primary\" type=\"submit\">Change password</button></form>"
    "<p class=\"st-row\" id=\"st-again\" hidden><a href=\"";

static const char back_to_sign_in[] = "<p class=\"st-row\"><a id=\"st-signin\" href=\"";

/* The neutral answer: the same text for every address the form accepts. */
static const char request_script[] =
    "$('st-form').onsubmit=function(e){e.preventDefault();say('st-general','');fieldError('email','');busy(true);\n"
    " post(tenant()+'/user/password/reset/token',{formFields:[{id:'email',value:$('st-email').value}]})\n"
    " .then(function(res){var b=res.body;busy(false);\n"
    "  if(b.status==='FIELD_ERROR'){fieldError('email',b.formFields[0].error);$('st-email').focus();return;}\n"
    "  if(res.code!==200){say('st-general',b.message||SOMETHING_WRONG);return;}\n"
    "  $('st-form').hidden=true;\n"
    "  say('st-done','If an account exists for this email address, a link to reset its password is on its way. "
    "Please check your inbox.');$('st-signin').focus();})\n"
    " .catch(function(){busy(false);say('st-general',SOMETHING_WRONG);});};\n"
    "$('st-email').focus();\n";

static const char new_password_script[] =
    "$('st-form').onsubmit=function(e){e.preventDefault();say('st-general','');fieldError('password','');busy(true);\n"
    " post(tenant()+'/user/password/reset',{method:'token',token:q.get('token')||'',"
    "formFields:[{id:'password',value:$('st-password').value}]})\n"
    " .then(function(res){var b=res.body;busy(false);\n"
    "  if(res.code===200&&b.status==='OK'){$('st-form').hidden=true;$('st-title').textContent='Password changed';"
    "say('st-done','Your password was changed. You can sign in with it now.');$('st-signin').focus();return;}\n"
    "  if(b.status==='FIELD_ERROR'){fieldError('password',b.formFields[0].error);$('st-password').focus();return;}\n"
    "  if(b.status==='RESET_PASSWORD_INVALID_TOKEN_ERROR'){say('st-general','This link has expired or was already used.');"
    "$('st-again').hidden=false;return;}\n"
    "  say('st-general',b.message||SOMETHING_WRONG);})\n"
    " .catch(function(){busy(false);say('st-general',SOMETHING_WRONG);});};\n"
    "$('st-password').focus();\n";

int st_page_reset(request_rec *r)
{
    apr_table_t *args = NULL;
    const char *base;
    st_page pg;
    int rc, with_token;

    ap_args_to_table(r, &args);
    with_token = args && apr_table_get(args, "token") != NULL;
    if ((rc = st_page_begin(&pg, r, with_token ? "Choose a new password" : "Reset your password", NULL)) != OK)
        return rc;
    base = st_cfg_website_base_path(pg.sc);
    if (with_token) {
        st_page_html(&pg, new_password_form);
        st_page_text(&pg, apr_pstrcat(r->pool, base, "/reset-password", NULL));
        st_page_html(&pg, "\">Ask for a new link</a></p>");
    }
    else
        st_page_html(&pg, request_form);
    st_page_html(&pg, back_to_sign_in);
    st_page_text(&pg, *base ? base : "/");
    st_page_html(&pg, with_token ? "\">Sign in</a></p>" : "\">Back to sign in</a></p>");
    st_page_end(&pg, st_page_cfg(&pg, NULL), with_token ? new_password_script : request_script);
    return OK;
}

/*
 * passwordless.c: the built-in pages' Passwordless parts (SuperTokensRecipes ... passwordless):
 *   - on the sign-in page (signin.c): the email / phone form, then "check your inbox / enter the
 *     code" with "Send again" and "Use another ..."; what it asks for and says follows
 *     SuperTokensPasswordlessContactMethod and SuperTokensPasswordlessFlowType;
 *   - the magic link's landing page, {websiteBasePath}/verify?preAuthSessionId=..&tenantId=..#<code>:
 *     it consumes the link and continues to the redirectToPath the sign-in page was given. In
 *     the browser that asked for the link (the sign-in page keeps its preAuthSessionId in
 *     localStorage) that happens at once; elsewhere (another device, or a link someone else
 *     sent) only after a "Continue" click, so a link cannot sign a visitor in unawares.
 * The link's code is read from the fragment, which browsers never send, and removed from the
 * address bar before anything else happens.
 */
#include "pages/login.h"
#include "pages/page.h"

#include "apr_strings.h"

const char st_page_pl_switch[] =
    "<p class=\"st-row\"><button id=\"st-pl-switch\" class=\"st-link\" type=\"button\">"
    "Sign in without a password</button></p></div>";

/* What the contact field is called, its input type and autocomplete token. */
static void contact_field(int contact, const char **label, const char **type, const char **autocomplete,
                          const char **other)
{
    if (contact == ST_PL_CONTACT_PHONE) {
        *label = "Phone number";
        *type = "tel";
        *autocomplete = "tel";
        *other = "Use another phone number";
    }
    else if (contact == ST_PL_CONTACT_EMAIL_OR_PHONE) {
        *label = "Email or phone number";
        *type = "text";
        *autocomplete = "username";
        *other = "Use another email or phone number";
    }
    else {
        *label = "Email";
        *type = "email";
        *autocomplete = "email";
        *other = "Use another email address";
    }
}

void st_page_pl_forms(st_page *pg, int with_password)
{
    const char *label, *type, *autocomplete, *other;
    int flow = st_cfg_pl_flow(pg->sc);

    contact_field(st_cfg_pl_contact(pg->sc), &label, &type, &autocomplete, &other);
    st_page_html(pg, with_password ? "<div id=\"st-pl\" hidden>" : "<div id=\"st-pl\">");
    st_page_html(pg, "<form id=\"st-pl-form\" novalidate>"
                     "<div class=\"st-msg st-bad\" id=\"st-pl-general\" role=\"alert\"></div>"
                     "<label for=\"st-contact\">");
    st_page_text(pg, label);
    st_page_html(pg, apr_psprintf(pg->r->pool, "</label><input id=\"st-contact\" name=\"contact\" type=\"%s\" "
                                  "autocomplete=\"%s\" required aria-describedby=\"st-contact-error\">",
                                  type, autocomplete));
    st_page_html(pg, "<div class=\"st-err\" id=\"st-contact-error\"></div>"
                     "<button id=\"st-pl-submit\" class=\"st-primary\" type=\"submit\">Continue</button></form>"
                     "<form id=\"st-code-form\" novalidate hidden>"
                     "<div class=\"st-msg st-good\" id=\"st-sent\" role=\"status\"></div>"
                     "<div class=\"st-msg st-bad\" id=\"st-code-general\" role=\"alert\"></div>");
    if (flow & ST_PL_FLOW_USER_INPUT_CODE)
        st_page_html(pg, "<label for=\"st-code\">Code</label>"
                         "<input id=\"st-code\" name=\"code\" type=\"text\" inputmode=\"numeric\" "
                         "autocomplete=\"one-time-code\" required aria-describedby=\"st-code-error\">"
                         "<div class=\"st-err\" id=\"st-code-error\"></div>"
                         "<button id=\"st-code-submit\" class=\"st-primary\" type=\"submit\">Sign in</button>");
    st_page_html(pg, "<p class=\"st-row\">Nothing arrived? <button id=\"st-resend\" class=\"st-link\" type=\"button\">"
                     "Send again</button></p><p class=\"st-row\"><button id=\"st-restart\" class=\"st-link\" type=\"button\">");
    st_page_text(pg, other);
    st_page_html(pg, "</button></p></form>");
    if (with_password)
        st_page_html(pg, "<p class=\"st-row\"><button id=\"st-ep-switch\" class=\"st-link\" type=\"button\">"
                         "Sign in with a password</button></p>");
    st_page_html(pg, "</div>");
}

const char *st_page_pl_cfg(st_page *pg, int with_password)
{
    /* constant names from the configuration: nothing of the request */
    return apr_psprintf(pg->r->pool, "\"pl\":{\"contact\":\"%s\",\"flow\":\"%s\",\"ep\":%s}",
                        st_pl_contact_name(st_cfg_pl_contact(pg->sc)), st_pl_flow_name(st_cfg_pl_flow(pg->sc)),
                        with_password ? "true" : "false");
}

/* The sign-in page's Passwordless script. Phone numbers lose spaces and hyphens (the API takes
 * E.164 only); the sent-to address is shown with textContent. */
const char st_page_pl_script[] =
    "var pl={};\n"
    "function plBusy(id,on){var b=$(id);if(b){b.disabled=on;b.setAttribute('aria-busy',on?'true':'false');}}\n"
    "function plPost(path,body){return post(tenant()+path,body,{'rid':'passwordless','st-auth-mode':'cookie'});}\n"
    "function plShow(code){$('st-pl-form').hidden=code;$('st-code-form').hidden=!code;}\n"
    "function plStart(msg){plShow(false);say('st-pl-general',msg);$('st-contact').focus();}\n"
    "function plContact(v){v=v.trim();"
    " if(cfg.pl.contact==='PHONE'||(cfg.pl.contact==='EMAIL_OR_PHONE'&&v.indexOf('@')<0))return {phoneNumber:v.replace(/[\\s-]/g,'')};"
    " return {email:v};}\n"
    "function plSent(again){var f=cfg.pl.flow,w=f==='MAGIC_LINK'?'sign-in link':f==='USER_INPUT_CODE'?'code':'sign-in link and a code';"
    " say('st-sent','We sent '+(again?'a new ':'a ')+w+' to '+pl.to+'. '+(f==='MAGIC_LINK'?'Open the link on this device to sign in.'"
    ":f==='USER_INPUT_CODE'?'Enter the code below.':'Open the link, or enter the code below.'));}\n"
    "function plKeep(pre){try{var r=q.get('redirectToPath');if(pre)localStorage.setItem('st-pl-pre',pre);else localStorage.removeItem('st-pl-pre');"
    " if(r&&pre)localStorage.setItem('st-pl-redirect',r);else localStorage.removeItem('st-pl-redirect');}catch(x){}}\n"
    "function plFailed(res,where){var b=res.body;"
    " if(b.status==='RESTART_FLOW_ERROR'){plStart('That sign-in attempt has ended. Please start again.');return;}"
    " say(where,b.reason||b.message||SOMETHING_WRONG);}\n"
    "$('st-pl-form').onsubmit=function(e){e.preventDefault();say('st-pl-general','');fieldError('contact','');\n"
    " var v=$('st-contact').value,body;if(!v.trim()){fieldError('contact','Field is not optional');$('st-contact').focus();return;}\n"
    " body=plContact(v);plBusy('st-pl-submit',true);\n"
    " plPost('/signinup/code',body).then(function(res){var b=res.body;plBusy('st-pl-submit',false);\n"
    "  if(res.code===200&&b.status==='OK'){pl={deviceId:b.deviceId,preAuthSessionId:b.preAuthSessionId,to:body.email||body.phoneNumber};"
    "plKeep(b.preAuthSessionId);plShow(true);say('st-code-general','');plSent(false);"
    "if($('st-code')){$('st-code').value='';fieldError('code','');$('st-code').focus();}else $('st-resend').focus();return;}\n"
    "  if(res.code===200&&b.status==='GENERAL_ERROR'){fieldError('contact',b.message);$('st-contact').focus();return;}\n"
    "  plFailed(res,'st-pl-general');})\n"
    " .catch(function(){plBusy('st-pl-submit',false);say('st-pl-general',SOMETHING_WRONG);});};\n"
    "$('st-code-form').onsubmit=function(e){e.preventDefault();if(!$('st-code'))return;say('st-code-general','');fieldError('code','');\n"
    " var code=$('st-code').value.trim();if(!code){fieldError('code','Field is not optional');$('st-code').focus();return;}\n"
    " plBusy('st-code-submit',true);\n"
    " plPost('/signinup/code/consume',{preAuthSessionId:pl.preAuthSessionId,deviceId:pl.deviceId,userInputCode:code})"
    ".then(function(res){var b=res.body,left;plBusy('st-code-submit',false);\n"
    "  if(res.code===200&&b.status==='OK'){plKeep(null);location.assign(target());return;}\n"
    "  if(b.status==='INCORRECT_USER_INPUT_CODE_ERROR'){left=b.maximumCodeInputAttempts-b.failedCodeInputAttemptCount;"
    "fieldError('code','Incorrect code. '+left+(left===1?' attempt':' attempts')+' left.');$('st-code').select();$('st-code').focus();return;}\n"
    "  if(b.status==='EXPIRED_USER_INPUT_CODE_ERROR'){fieldError('code','This code has expired. Send a new one.');$('st-resend').focus();return;}\n"
    "  plFailed(res,'st-code-general');})\n"
    " .catch(function(){plBusy('st-code-submit',false);say('st-code-general',SOMETHING_WRONG);});};\n"
    "$('st-resend').onclick=function(){say('st-code-general','');plBusy('st-resend',true);\n"
    " plPost('/signinup/code/resend',{deviceId:pl.deviceId,preAuthSessionId:pl.preAuthSessionId}).then(function(res){plBusy('st-resend',false);\n"
    "  if(res.code===200&&res.body.status==='OK'){plSent(true);if($('st-code')){fieldError('code','');$('st-code').focus();}return;}\n"
    "  plFailed(res,'st-code-general');})\n"
    " .catch(function(){plBusy('st-resend',false);say('st-code-general',SOMETHING_WRONG);});};\n"
    "$('st-restart').onclick=function(){plKeep(null);plStart('');};\n"
    "if($('st-pl-switch'))$('st-pl-switch').onclick=function(){$('st-ep').hidden=true;$('st-pl').hidden=false;"
    "$('st-title').textContent='Sign in';if($('st-email').value)$('st-contact').value=$('st-email').value;plStart('');};\n"
    "if($('st-ep-switch'))$('st-ep-switch').onclick=function(){$('st-pl').hidden=true;$('st-ep').hidden=false;$('st-email').focus();};\n"
    "if(!cfg.pl.ep)$('st-contact').focus();\n";

static const char verify_html[] =
    "<h1 id=\"st-title\">Signing you in&hellip;</h1>"
    "<div class=\"st-msg st-bad\" id=\"st-general\" role=\"alert\"></div>"
    "<div id=\"st-confirm\" hidden><p>You opened a sign-in link. Continue to sign in on this device.</p>"
    "<button id=\"st-submit\" class=\"st-primary\" type=\"button\">Continue</button></div>"
    "<p class=\"st-row\" id=\"st-again\" hidden><a id=\"st-signin\" href=\"";

/* The landing page's script: the code from the fragment (then gone from the address bar), the
 * preAuthSessionId and tenant from the query; at once in the browser that asked for the link. */
static const char verify_script[] =
    "var pre=q.get('preAuthSessionId')||'',code=location.hash.replace(/^#/,''),mine=null,back=null;\n"
    "try{history.replaceState(null,'',location.pathname+location.search);}catch(e){}\n"
    "try{mine=localStorage.getItem('st-pl-pre');back=localStorage.getItem('st-pl-redirect');}catch(e){}\n"
    "function failed(msg){$('st-title').textContent='Could not sign you in';$('st-confirm').hidden=true;"
    "$('st-again').hidden=false;say('st-general',msg);$('st-signin').focus();}\n"
    "function go(){busy(true);say('st-general','');\n"
    " post(tenant()+'/signinup/code/consume',{preAuthSessionId:pre,linkCode:code},{'rid':'passwordless','st-auth-mode':'cookie'})\n"
    " .then(function(res){var b=res.body;busy(false);\n"
    "  if(res.code===200&&b.status==='OK'){try{localStorage.removeItem('st-pl-pre');localStorage.removeItem('st-pl-redirect');}catch(e){}"
    "location.replace(q.get('redirectToPath')?target():safeTarget(back));return;}\n"
    "  if(b.status==='RESTART_FLOW_ERROR'){failed('This link has expired or was already used. Please ask for a new one.');return;}\n"
    "  failed(b.reason||b.message||SOMETHING_WRONG);})\n"
    " .catch(function(){busy(false);failed(SOMETHING_WRONG);});}\n"
    "if(!pre||!code)failed('This sign-in link is incomplete. Please copy the whole link from the message, or ask for a new one.');\n"
    "else if(mine===pre)go();\n"
    "else{$('st-title').textContent='Sign in';$('st-confirm').hidden=false;$('st-submit').onclick=go;$('st-submit').focus();}\n";

int st_page_pl_verify(request_rec *r)
{
    const char *base;
    st_page pg;
    int rc;

    if ((rc = st_page_begin(&pg, r, "Sign in", NULL)) != OK)
        return rc;
    base = st_cfg_website_base_path(pg.sc);
    st_page_html(&pg, verify_html);
    st_page_text(&pg, *base ? base : "/");
    st_page_html(&pg, "\">Back to sign in</a></p>");
    st_page_end(&pg, st_page_cfg(&pg, NULL), verify_script);
    return OK;
}

/*
 * verify_email.c: the built-in email verification pages at {websiteBasePath}/verify-email, where
 * SuperTokensEmailVerification required sends browser navigations of an unverified session
 * (with ?redirectToPath=<the page asked for>) and where the delivered links point.
 *   - without ?token= ("check your inbox"): for the signed-in user only (a visitor without a
 *     session signs in first and comes back). The script asks for a link at once, as the prebuilt
 *     UI does (POST {B}/user/email/verify/token; the delivery queue sends at most one a minute),
 *     offers to send it again, and checks GET {B}/user/email/verify every few seconds and on a
 *     button: once verified (or EMAIL_ALREADY_VERIFIED_ERROR) it continues to redirectToPath.
 *     It remembers redirectToPath in localStorage so the link, opened in another tab, continues
 *     there too.
 *   - with ?token= (the delivered link): POST {B}[/<tenantId>]/user/email/verify; "email verified"
 *     and a Continue link, or a clear message for a used or expired link with the way to a new
 *     one. No session is needed (the token is the proof); with one, the API updates its st-ev.
 * Nothing account-specific is shown: not even the address, which the session does not carry.
 */
#include "pages/login.h"
#include "pages/page.h"
#include "request/verify.h"

#include "http_protocol.h"
#include "util_script.h"
#include "apr_strings.h"

static const char inbox_body[] =
    "<h1 id=\"st-title\">Check your inbox</h1>"
    "<div class=\"st-msg st-good\" id=\"st-done\" role=\"status\"></div>"
    "<div class=\"st-msg st-bad\" id=\"st-general\" role=\"alert\"></div>"
    "<p id=\"st-intro\">We sent a link to the email address of your account. Open it to confirm the "
    "address; this page goes on by itself once that is done.</p>"
    "<button id=\"st-submit\" class=\"st-primary\" type=\"button\">I have verified my email</button>"
    "<p class=\"st-row\"><span>No email?</span> "
    "<button id=\"st-resend\" class=\"st-link\" type=\"button\">Send the link again</button></p>"
    "<p class=\"st-row\"><a id=\"st-signout\" href=\"";

static const char landing_body[] =
    "<h1 id=\"st-title\">Verifying your email address</h1>"
    "<div class=\"st-msg st-good\" id=\"st-done\" role=\"status\"></div>"
    "<div class=\"st-msg st-bad\" id=\"st-general\" role=\"alert\"></div>"
    "<p id=\"st-wait\">One moment, please.</p>"
    "<p id=\"st-next\" hidden><a id=\"st-continue\" class=\"st-primary\" href=\"/\">Continue</a></p>"
    "<p class=\"st-row\" id=\"st-again\" hidden><a id=\"st-again-link\" href=\"";

/* Shared by both: the API calls with the session's cookies (omit: without them) and where to
 * go next. KEY holds the redirectToPath of the "check your inbox" page for the link's tab. */
static const char common_script[] =
    "var KEY='st-verify-email-next';\n"
    "function call(method,path,body,omit){return fetch(cfg.api+path,{method:method,"
    "credentials:omit?'omit':'same-origin',headers:{'content-type':'application/json',"
    "'rid':'emailverification','fdi-version':'4.0'},body:body===undefined?undefined:JSON.stringify(body)})"
    " .then(function(r){return r.json().catch(function(){return {};}).then(function(b){return {code:r.status,body:b};});});}\n"
    "function saved(){try{return localStorage.getItem(KEY);}catch(e){return null;}}\n"
    "function remember(p){try{if(p&&target(p)!=='/')localStorage.setItem(KEY,p);}catch(e){}}\n"
    "function forget(){try{localStorage.removeItem(KEY);}catch(e){}}\n";

static const char inbox_script[] =
    "var next=q.get('redirectToPath'),polls=0,done=false;remember(next);\n"
    "function go(){if(done)return;done=true;forget();location.assign(target(next||''));}\n"
    /* the session is gone (signed out in another tab, or expired for good): sign in, come back */
    "function signIn(){location.assign(cfg.base+'?redirectToPath='+encodeURIComponent(location.pathname+location.search));}\n"
    "function send(again){say('st-general','');if(again)say('st-done','');$('st-resend').disabled=true;\n"
    " return call('POST','/user/email/verify/token',{}).then(function(res){var b=res.body;$('st-resend').disabled=false;\n"
    "  if(res.code===401)return signIn();\n"
    "  if(res.code===200&&b.status==='EMAIL_ALREADY_VERIFIED_ERROR')return go();\n"
    "  if(res.code!==200||b.status!=='OK'){say('st-general',b.message||SOMETHING_WRONG);return;}\n"
    "  if(again)say('st-done','We sent the link again (at most one email a minute). Please check your inbox.');})\n"
    " .catch(function(){$('st-resend').disabled=false;say('st-general',SOMETHING_WRONG);});}\n"
    /* asked: the answer is shown; polled: only a change of state acts */
    "function check(asked){if(asked){busy(true);say('st-general','');say('st-done','');}\n"
    " return call('GET','/user/email/verify').then(function(res){var b=res.body;if(asked)busy(false);\n"
    "  if(res.code===401)return signIn();\n"
    "  if(res.code===200&&b.isVerified===true)return go();\n"
    "  if(!asked)return;\n"
    "  if(res.code===200&&b.status==='OK'){say('st-general','Your email address is not verified yet. "
    "Please open the link we sent you.');return;}\n"
    "  say('st-general',b.message||SOMETHING_WRONG);})\n"
    " .catch(function(){if(asked){busy(false);say('st-general',SOMETHING_WRONG);}});}\n"
    /* every 5 s for two minutes, then every 30 s for half an hour; and when the tab is shown */
    "function poll(){if(done||polls>84)return;setTimeout(function(){polls++;"
    "if(document.visibilityState!=='hidden')check(false);poll();},polls<24?5000:30000);}\n"
    "document.addEventListener('visibilitychange',function(){if(document.visibilityState==='visible')check(false);});\n"
    "$('st-submit').onclick=function(){check(true);};\n"
    "$('st-resend').onclick=function(){send(true);};\n"
    "send(false);poll();$('st-submit').focus();\n";

static const char landing_script[] =
    "var next=q.get('redirectToPath')||saved()||'',again=cfg.base+'/verify-email';\n"
    "if(target(next)!=='/')again+='?redirectToPath='+encodeURIComponent(next);\n"
    "$('st-again-link').href=again;\n"
    "function show(title,ok,msg){$('st-wait').hidden=true;$('st-title').textContent=title;"
    "var i=document.title.indexOf(' - ');document.title=title+(i<0?'':document.title.slice(i));\n"
    " say(ok?'st-done':'st-general',msg);\n"
    " if(ok){forget();$('st-continue').href=target(next);$('st-next').hidden=false;$('st-continue').focus();}\n"
    " else{$('st-again').hidden=false;$('st-again-link').focus();}}\n"
    /* a session the API refuses (401) must not stop the verification, which needs none */
    "function verify(omit){return call('POST',tenant()+'/user/email/verify',{method:'token',token:q.get('token')||''},omit)"
    ".then(function(res){if(res.code===401&&!omit)return verify(true);return res;});}\n"
    "verify(false).then(function(res){var b=res.body;\n"
    " if(res.code===200&&b.status==='OK')return show('Email verified',true,'Your email address is verified. Thank you!');\n"
    " if(res.code===200&&b.status==='EMAIL_VERIFICATION_INVALID_TOKEN_ERROR')return show('This link does not work',false,"
    "'This link has expired or was already used. Ask for a new one below.');\n"
    " show('Something went wrong',false,b.message||SOMETHING_WRONG);})\n"
    ".catch(function(){show('Something went wrong',false,SOMETHING_WRONG);});\n";

/*
 * The "check your inbox" page is the signed-in user's: a visitor without a session signs in first
 * and comes back here; an expired access token goes through the navigation refresh first. The
 * link's landing page needs no session, but an expired one is refreshed first so that the
 * verification can update its st-ev. DECLINED: serve the page; else the status to answer.
 */
static int session_first(request_rec *r, int with_token)
{
    st_session s;
    st_session_status st;
    int rc;

    memset(&s, 0, sizeof(s));
    st = st_session_load(r, 0, 0, &s);
    if (st == ST_SESSION_OK)
        return DECLINED;
    if ((rc = st_session_refresh_navigation(r, st, &s, st_request_here(r))) != DECLINED)
        return rc;
    if (with_token)
        return DECLINED;
    if (st == ST_SESSION_CORE_ERROR)
        return s.core_status ? s.core_status : HTTP_SERVICE_UNAVAILABLE;
    return st_request_redirect_to_login(r, st_request_here(r));
}

int st_page_verify_email(request_rec *r)
{
    apr_table_t *args = NULL;
    const st_server_conf *sc = st_server_conf_get(r->server);
    st_page pg;
    int rc, with_token;

    ap_args_to_table(r, &args);
    with_token = args && apr_table_get(args, "token") != NULL;
    if ((rc = session_first(r, with_token)) != DECLINED)
        return rc;
    if ((rc = st_page_begin(&pg, r, with_token ? "Verify your email" : "Check your inbox", NULL)) != OK)
        return rc;
    if (with_token) {
        st_page_html(&pg, landing_body);
        st_page_text(&pg, apr_pstrcat(r->pool, st_cfg_website_base_path(sc), "/verify-email", NULL));
        st_page_html(&pg, "\">Send me a new link</a></p>");
    }
    else {
        st_page_html(&pg, inbox_body);
        st_page_text(&pg, apr_pstrcat(r->pool, st_cfg_api_base_path(sc), "/signout", NULL));
        st_page_html(&pg, "\">Sign out</a></p>");
    }
    st_page_end(&pg, st_page_cfg(&pg, NULL),
                apr_pstrcat(r->pool, common_script, with_token ? landing_script : inbox_script, NULL));
    return OK;
}

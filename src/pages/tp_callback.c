/*
 * tp_callback.c: third-party sign-in on the built-in pages (issue 19). The sign-in page shows
 * "Continue with <name>" for each provider GET {api}[/{t}]/loginmethods lists; a click asks
 * {api}/authorisationurl with {websiteDomain}{websiteBasePath}/callback/<id> as the redirect URI
 * (the prebuilt UI's path, so one redirect URI serves both UIs), keeps a fresh random state,
 * the PKCE verifier and redirectToPath in sessionStorage (as supertokens-web-js keeps them),
 * and goes to the provider with the state. The provider returns the browser to
 * {websiteBasePath}/callback/<id>, whose script refuses a state that is not the one it sent
 * (missing, different, expired or for another provider), then POSTs {api}/signinup and goes on
 * to redirectToPath. Nothing from the request is written into the pages by the server.
 */
#include "pages/login.h"
#include "pages/page.h"

#include "http_protocol.h"
#include "apr_strings.h"

const char st_page_tp_buttons_html[] =
    "<div id=\"st-providers\" class=\"st-providers\"></div>"
    "<div class=\"st-msg st-bad\" id=\"st-tp-error\" role=\"alert\"></div>";

/* Added to the sign-in page's script (page.c's helpers are in scope). */
const char st_page_tp_buttons_script[] =
    "function tpStart(p){var st=Array.from(crypto.getRandomValues(new Uint8Array(16)),function(b){return ('0'+b.toString(16)).slice(-2);}).join(''),"
    " cb=location.origin+cfg.base+'/callback/'+encodeURIComponent(p.id);say('st-tp-error','');\n"
    " fetch(cfg.api+tenant()+'/authorisationurl?thirdPartyId='+encodeURIComponent(p.id)+'&redirectURIOnProviderDashboard='+encodeURIComponent(cb),"
    "{credentials:'same-origin',headers:{'rid':'thirdparty','fdi-version':'4.0'}})\n"
    " .then(function(r){return r.json();}).then(function(b){if(b.status!=='OK')throw 0;\n"
    "  sessionStorage.setItem('supertokens-oauth-state-2',JSON.stringify({stateForAuthProvider:st,thirdPartyId:p.id,"
    "tenantId:tenant().slice(1)||'public',expiresAt:Date.now()+600000,redirectURIOnProviderDashboard:cb,"
    "pkceCodeVerifier:b.pkceCodeVerifier,redirectToPath:target()}));\n"
    "  var u=new URL(b.urlWithQueryParams);u.searchParams.set('state',st);location.assign(u.toString());})\n"
    " .catch(function(){say('st-tp-error',SOMETHING_WRONG);});}\n"
    "fetch(cfg.api+tenant()+'/loginmethods',{credentials:'same-origin',headers:{'fdi-version':'4.0'}})"
    ".then(function(r){return r.json();}).then(function(b){var box=$('st-providers');\n"
    " var list=(b.thirdParty&&b.thirdParty.enabled&&b.thirdParty.providers)||[];\n"
    " if(list.length&&$('st-form')){var or=document.createElement('p');or.className='st-or';or.textContent='or';box.appendChild(or);}\n"
    " list.forEach(function(p){var btn=document.createElement('button');"
    "btn.type='button';btn.className='st-provider';btn.id='st-provider-'+p.id;btn.textContent='Continue with '+(p.name||p.id);"
    "btn.onclick=function(){tpStart(p);};box.appendChild(btn);});})"
    ".catch(function(){});\n";

static const char callback_html[] =
    "<h1 id=\"st-title\">Signing in</h1>"
    "<p id=\"st-wait\">Please wait…</p>"
    "<div class=\"st-msg st-bad\" id=\"st-general\" role=\"alert\"></div>"
    "<p class=\"st-row\"><a id=\"st-back\" hidden href=\"";

/* The provider's return: the state check the frontend SDKs do, then sign-in-up. */
static const char callback_script[] =
    "var saved=null,id=decodeURIComponent(location.pathname.split('/').pop());\n"
    "try{saved=JSON.parse(sessionStorage.getItem('supertokens-oauth-state-2'));}catch(e){}\n"
    "sessionStorage.removeItem('supertokens-oauth-state-2');\n"
    "function fail(msg){$('st-wait').hidden=true;$('st-title').textContent='Sign-in failed';say('st-general',msg);$('st-back').hidden=false;}\n"
    "var params={};q.forEach(function(v,k){params[k]=v;});\n"
    "if(!saved||!q.get('state')||saved.stateForAuthProvider!==q.get('state')||saved.thirdPartyId!==id||saved.expiresAt<Date.now()){\n"
    " fail('The sign-in could not be completed (its state does not match). Please try again.');}\n"
    "else if(q.get('error')){fail('The provider did not sign you in. Please try again.');}\n"
    "else{var info={redirectURIOnProviderDashboard:saved.redirectURIOnProviderDashboard,redirectURIQueryParams:params};\n"
    " if(saved.pkceCodeVerifier)info.pkceCodeVerifier=saved.pkceCodeVerifier;\n"
    " post((saved.tenantId&&saved.tenantId!=='public'?'/'+saved.tenantId:'')+'/signinup',{thirdPartyId:id,redirectURIInfo:info},"
    "{'rid':'thirdparty','st-auth-mode':'cookie'})\n"
    " .then(function(res){var b=res.body;\n"
    "  if(res.code===200&&b.status==='OK'){var t=saved.redirectToPath||'/';"
    "location.replace(t.charAt(0)==='/'||t.indexOf(location.origin+'/')===0?t:'/');return;}\n"
    "  if(b.status==='NO_EMAIL_GIVEN_BY_PROVIDER'){fail('The provider did not give an email address for your account.');return;}\n"
    "  fail(b.reason||b.message||SOMETHING_WRONG);})\n"
    " .catch(function(){fail(SOMETHING_WRONG);});}\n";

int st_page_tp_callback(request_rec *r)
{
    st_page pg;
    int rc;

    if ((rc = st_page_begin(&pg, r, "Signing in", NULL)) != OK)
        return rc;
    st_page_html(&pg, callback_html);
    st_page_text(&pg, st_cfg_website_base_path(pg.sc));
    st_page_html(&pg, "\">Back to sign in</a></p>");
    st_page_end(&pg, st_page_cfg(&pg, NULL), callback_script);
    return OK;
}

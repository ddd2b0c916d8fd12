/*
 * signout.c: GET {apiBasePath}/signout from a browser navigation: a page with one button that
 * posts the plain sign-out form (api/session.c) for users who follow a "Sign out" link. The
 * script copies ?redirectToPath= into the form as it is; the server validates it.
 */
#include "pages/login.h"
#include "pages/page.h"

#include "apr_strings.h"

static const char signout_form[] =
    "<h1>Sign out</h1><p>Do you want to sign out?</p>"
    "<form id=\"st-form\" method=\"post\" action=\"";

static const char signout_form_end[] =
    "\"><input type=\"hidden\" id=\"st-return\" name=\"redirectToPath\" value=\"\">"
    "<button id=\"st-submit\" class=\"st-primary\" type=\"submit\">Sign out</button></form>";

static const char signout_script[] =
    "var p=q.get('redirectToPath');if(p)$('st-return').value=p;else $('st-return').remove();\n"
    "$('st-submit').focus();\n";

int st_page_signout(request_rec *r)
{
    st_page pg;
    int rc;
    const st_server_conf *sc = st_server_conf_get(r->server);

    /* the sign-out lands on the sign-in page by default, which may be the website's origin */
    if ((rc = st_page_begin(&pg, r, "Sign out", sc->website_domain)) != OK)
        return rc;
    st_page_html(&pg, signout_form);
    st_page_text(&pg, apr_pstrcat(r->pool, st_cfg_api_base_path(sc), "/signout", NULL));
    st_page_html(&pg, signout_form_end);
    st_page_end(&pg, st_page_cfg(&pg, NULL), signout_script);
    return OK;
}

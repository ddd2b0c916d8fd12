/*
 * login.c: which built-in page a request asks for (SuperTokensLoginPage On): sign-in / sign-up
 * at SuperTokensWebsiteBasePath (signin.c), the password-reset pages at
 * {websiteBasePath}/reset-password (reset.c, with the emailpassword recipe), the email verification pages at
 * {websiteBasePath}/verify-email (verify_email.c), with the passwordless recipe the magic
 * link's landing page at {websiteBasePath}/verify (passwordless.c), with the thirdparty recipe
 * the provider's return at {websiteBasePath}/callback/<id> (tp_callback.c). Every one is an
 * open path (st_login_page_match, registered in mod_supertokens.c), so
 * SuperTokensEmailVerification required never sends the verify-email page to itself. Served on the API's virtual host by
 * the API's handler, for GET (and HEAD) only.
 */
#include "pages/login.h"
#include "config/config.h"

#include "http_protocol.h"

/* The page's path relative to the website base path: "" (sign-in), "/reset-password",
 * "/verify-email" (with the emailverification recipe), "/verify" (passwordless), "/callback"
 * (thirdparty), or NULL. */
static const char *page_of(request_rec *r, const st_server_conf *sc)
{
    const char *base = st_cfg_website_base_path(sc), *path = r->parsed_uri.path;
    apr_size_t bl = strlen(base);
    if (path == NULL || strncmp(path, base, bl) != 0)
        return NULL;
    path += bl;
    if (*path == '\0' || strcmp(path, "/") == 0)
        return "";
    if ((strcmp(path, "/reset-password") == 0 || strcmp(path, "/reset-password/") == 0)
        && (st_cfg_recipes(sc) & ST_RECIPE_EMAILPASSWORD))
        return "/reset-password";
    if ((st_cfg_recipes(sc) & ST_RECIPE_EMAILVERIFICATION)
        && (strcmp(path, "/verify-email") == 0 || strcmp(path, "/verify-email/") == 0))
        return "/verify-email";
    /* the provider's return (ThirdParty), the prebuilt UI's path: {base}/callback/<thirdPartyId> */
    if (strncmp(path, "/callback/", 10) == 0 && path[10] && !strchr(path + 10, '/')
        && (st_cfg_recipes(sc) & ST_RECIPE_THIRDPARTY))
        return "/callback";
    if ((st_cfg_recipes(sc) & ST_RECIPE_PASSWORDLESS) && (strcmp(path, "/verify") == 0 || strcmp(path, "/verify/") == 0))
        return "/verify";
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
    const char *page;

    if (sc->core_urls == NULL || !st_cfg_login_page(sc) || r->method_number != M_GET
        || (page = page_of(r, sc)) == NULL)
        return DECLINED;
    if (*page == '\0')
        return st_page_signin(r);
    if (strcmp(page, "/callback") == 0)
        return st_page_tp_callback(r);
    if (strcmp(page, "/verify") == 0)
        return st_page_pl_verify(r);
    return strcmp(page, "/reset-password") == 0 ? st_page_reset(r) : st_page_verify_email(r);
}

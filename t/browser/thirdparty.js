#!/usr/bin/env node
// t/browser/thirdparty.js: the browser tests of the ThirdParty recipe (issue 19), run by
// t/19_thirdparty_browser.t. Debian's Chromium driven by playwright-core against a real OpenID
// Connect provider (npm's oidc-provider with its development login and consent screens,
// t/oidc/server.mjs) and the GitHub-style stand-in of t/idp/idp.js.
//
//   node t/browser/thirdparty.js --page URL --only URL --site URL --sdk URL --oidc URL --idp URL \
//       --core URL --api-key KEY --logs DIR --shots DIR
//
// --page: the tp_page vhost (built-in pages, a protected PHP page); --only: tp_only (the
// thirdparty recipe without emailpassword); --site/--sdk: a website
// using supertokens-web-js and its API on another origin; --oidc: the provider's issuer;
// --core: the core double behind both vhosts. Prints one JSON object per line (t/browser/lib.js):
// {"ok":bool,"name":...,"diag":...} per check, {"note":...}, {"done":true,"ms":...} at the end.
//
// Scenarios:
//   oidc      a protected PHP page -> the sign-in page -> "Continue with Acme SSO" -> the
//             provider's login and consent screens -> the callback page -> the PHP page with
//             REMOTE_USER = the user the core made for the provider's sub; the authorisation
//             request had PKCE (which the provider requires), a nonce and the state.
//   again     the same user signs in again in a fresh browser: the same REMOTE_USER.
//   state     the provider's redirect (with a good code) opened in another browser, which never
//             started a sign-in: refused by the callback page's state check, no /signinup
//             call, no session; the browser that started it then signs in with the same code.
//   cancel    "[ Cancel ]" on the provider's screen: the callback page says the provider did not
//             sign the user in, no /signinup call.
//   github    "Continue with Github" through the GitHub-style login (no ID token, the user and
//             emails APIs) to the PHP page.
//   only      a host with the thirdparty recipe only: the sign-in page is the provider's button
//             (no email form, no reset-password page), which leads to the PHP page.
//   sdk       supertokens-web-js's thirdparty recipe on another origin:
//             getAuthorisationURLWithQueryParamsAndSetState -> the provider -> signInAndUp on
//             the website's callback page -> a credentialed fetch of the PHP page on the API
//             origin gives REMOTE_USER.
"use strict";
const lib = require("./lib");
const { check, is, waitText, shot, newPage, cookie, providerLogin } = lib;

const opt = lib.args("--page URL --only URL --site URL --sdk URL --oidc URL --idp URL --core URL --api-key KEY --logs DIR --shots DIR");
const APP = "/php/server.php";
const CALLBACK = opt.page + "/auth/callback/node-oidc";

// every POST of a page to <origin>/auth/signinup
function signinups(page, origin) {
    const seen = [];
    page.on("request", (r) => { if (r.method() === "POST" && r.url() === origin + "/auth/signinup") seen.push(r.url()); });
    return seen;
}

// The core's user for a provider's user id, or null
async function coreUser(thirdPartyId, thirdPartyUserId) {
    const users = await lib.coreUsers(`thirdPartyId=${encodeURIComponent(thirdPartyId)}&thirdPartyUserId=${encodeURIComponent(thirdPartyUserId)}`);
    return users.length === 1 ? users[0] : null;
}

async function providerEvents() {
    const r = await fetch(opt.oidc + "/__ctl/events");
    return (await r.json()).events.map((e) => e.name + (e.error ? ":" + e.error : ""));
}

async function pageEnv(page) {
    const text = await page.textContent("body");
    try { return JSON.parse(text); } catch (e) { return { unparsed: text.slice(0, 300) }; }
}

// From the built-in sign-in page (reached by a navigation to the PHP page) to the provider's
// login screen: the authorisation request's query.
async function toProvider(page, tag, buttonId, providerUrl, screenshot) {
    await page.goto(opt.page + APP);
    const u = new URL(page.url());
    check(u.origin === opt.page && u.pathname === "/auth" && u.searchParams.get("redirectToPath") === APP,
          `${tag}: the protected PHP page sends a new visitor to the sign-in page`, page.url());
    const btn = page.locator("#" + buttonId);
    await btn.waitFor({ timeout: 5000 });
    if (screenshot) await shot(page, "sign-in-providers", true); // the whole page: taller than 600 pixels
    const [req] = await Promise.all([
        page.waitForRequest((r) => r.url().startsWith(providerUrl + "?") && r.isNavigationRequest(), { timeout: 10000 }),
        btn.click(),
    ]);
    return new URL(req.url()).searchParams;
}

async function scenarioOidc(browser, notes) {
    const { context, page } = await newPage(browser, notes, "oidc");
    await fetch(opt.oidc + "/__ctl/reset", { method: "POST" });
    const posts = signinups(page, opt.page);
    let callbackUrl = null;
    page.on("request", (r) => { if (r.url().startsWith(CALLBACK + "?")) callbackUrl = new URL(r.url()); });

    await page.goto(opt.page + APP);
    await page.locator("#st-provider-node-oidc").waitFor({ timeout: 5000 }).catch(() => {});
    is(await page.textContent("#st-provider-node-oidc").catch(() => null), "Continue with Acme SSO",
       'oidc: the sign-in page shows "Continue with Acme SSO" (name= of the provider)');
    is(await page.textContent("#st-provider-github").catch(() => null), "Continue with Github",
       'oidc: ... and "Continue with Github" (the built-in\'s name)');
    const q = await toProvider(page, "oidc", "st-provider-node-oidc", opt.oidc + "/auth", true);
    is(q.get("client_id"), "apache-oidc", "oidc: the authorisation request names the client");
    is(q.get("redirect_uri"), CALLBACK, "oidc: ... with {websiteDomain}{websiteBasePath}/callback/node-oidc as redirect_uri");
    is(q.get("scope"), "openid email profile", "oidc: ... the configured scope");
    is(q.get("code_challenge_method"), "S256", "oidc: ... PKCE S256 (the provider requires it)");
    check(/^[A-Za-z0-9_-]{43}$/.test(q.get("code_challenge") || ""), "oidc: ... a code_challenge", q.get("code_challenge"));
    check(/^[A-Za-z0-9_-]{43}$/.test(q.get("nonce") || ""), "oidc: ... a nonce", q.get("nonce"));
    check(/^[0-9a-f]{32}$/.test(q.get("state") || ""), "oidc: ... a fresh random state", q.get("state"));

    await providerLogin(page, "alice", "oidc", true);
    await page.click("button[type=submit]");
    await page.waitForURL(opt.page + APP, { timeout: 10000 }).catch(() => {});
    is(page.url(), opt.page + APP, "oidc: after the provider's consent the browser is back on the PHP page");
    check(callbackUrl && callbackUrl.searchParams.get("code") && callbackUrl.searchParams.get("state") === q.get("state"),
          "oidc: ... by way of the callback page, with a code and the state sent", callbackUrl && callbackUrl.pathname);
    is(posts.length, 1, "oidc: the callback page called POST /auth/signinup once");
    const env = await pageEnv(page);
    const user = await coreUser("node-oidc", "alice");
    check(user && user.emails && user.emails[0] === "alice@example.com",
          "oidc: the core has a user for the provider's sub alice, with the email from the userinfo endpoint", JSON.stringify(user));
    check(user && env.REMOTE_USER === user.id, "oidc: PHP sees REMOTE_USER = that user's id",
          `REMOTE_USER ${JSON.stringify(env.REMOTE_USER)}, user ${JSON.stringify(user && user.id)}`);
    check(await cookie(context, "sAccessToken"), "oidc: the browser holds the session cookie");
    const ev = await providerEvents();
    check(ev.includes("authorization.success") && ev.includes("grant.success") && !ev.some((e) => /error/.test(e)),
          "oidc: the provider issued the code and exchanged it (with the PKCE verifier) without an error", ev.join(", "));
    await context.close();
    return user && user.id;
}

// A second sign-in of the same provider user, in a fresh browser; the callback page is caught
// while it signs in (the /signinup reply held back for the screenshot).
async function scenarioAgain(browser, notes, firstId) {
    const { context, page } = await newPage(browser, notes, "again");
    let held = false;
    await page.route(opt.page + "/auth/signinup", async (route) => {
        held = true;
        await page.waitForSelector("#st-wait", { timeout: 5000 }).catch(() => {});
        await shot(page, "thirdparty-callback");
        await route.continue();
    });
    await toProvider(page, "again", "st-provider-node-oidc", opt.oidc + "/auth", false);
    await providerLogin(page, "alice", "again", false);
    await page.click("button[type=submit]");
    await page.waitForURL(opt.page + APP, { timeout: 10000 }).catch(() => {});
    check(held, "again: the callback page signed in (its \"Signing in\" state captured)");
    const env = await pageEnv(page);
    check(firstId && env.REMOTE_USER === firstId, "again: signing in again gives the same REMOTE_USER",
          `${JSON.stringify(env.REMOTE_USER)} vs ${JSON.stringify(firstId)}`);
    await context.close();
}

async function scenarioState(browser, notes, firstId) {
    // the browser that starts the sign-in; its return from the provider is stopped and kept:
    // the consent's POST is answered here, following the provider's redirects (the browser's
    // cookies) up to the callback URL (route() sees no redirect hops, so not the return itself)
    const { context: starter, page } = await newPage(browser, notes, "state");
    let stopped = null;
    const consentPost = (u) => u.href.startsWith(opt.oidc + "/interaction/");
    await toProvider(page, "state", "st-provider-node-oidc", opt.oidc + "/auth", false);
    await providerLogin(page, "alice", "state", false);
    await page.route(consentPost, async (route) => {
        if (route.request().method() !== "POST") return route.continue();
        let resp = await route.fetch({ maxRedirects: 0 });
        let loc = resp.headers()["location"];
        for (let i = 0; i < 5 && loc && !loc.startsWith(CALLBACK + "?"); i++) {
            resp = await starter.request.get(new URL(loc, opt.oidc).href, { maxRedirects: 0 });
            loc = resp.headers()["location"];
        }
        if (loc && loc.startsWith(CALLBACK + "?")) stopped = loc;
        return route.fulfill({ status: 200, contentType: "text/plain", body: "stopped before the callback page" });
    });
    await Promise.all([page.waitForLoadState("load"), page.click("button[type=submit]")]);
    await page.waitForFunction(() => document.body && /stopped/.test(document.body.textContent), null, { timeout: 10000 }).catch(() => {});
    check(stopped && new URL(stopped).searchParams.get("code"), "state: the provider's redirect with a code was caught", stopped);

    // another browser (a victim lured to the link): the state is not one it sent
    const { context: other, page: victim } = await newPage(browser, notes, "state (other browser)");
    const posts = signinups(victim, opt.page);
    await victim.goto(stopped);
    await waitText(victim, "#st-general");
    is(await victim.textContent("#st-title"), "Sign-in failed", "state: in another browser the callback page refuses the return");
    is(await victim.textContent("#st-general"), "The sign-in could not be completed (its state does not match). Please try again.",
       "state: ... saying the state does not match");
    is(posts.length, 0, "state: ... without calling POST /auth/signinup (the code is not used)");
    is(await cookie(other, "sAccessToken"), null, "state: ... and without a session");
    await shot(victim, "thirdparty-callback-state");
    await other.close();

    // the browser that started it: the same code still signs it in
    await page.unroute(consentPost);
    await page.goto(stopped);
    await page.waitForURL(opt.page + APP, { timeout: 10000 }).catch(() => {});
    const env = await pageEnv(page);
    check(firstId && env.REMOTE_USER === firstId, "state: the browser that started the sign-in completes it with the same code",
          `${page.url()} ${JSON.stringify(env.REMOTE_USER)}`);
    await starter.close();
}

async function scenarioCancel(browser, notes) {
    const { context, page } = await newPage(browser, notes, "cancel");
    const posts = signinups(page, opt.page);
    await toProvider(page, "cancel", "st-provider-node-oidc", opt.oidc + "/auth", false);
    await page.waitForURL((u) => u.href.startsWith(opt.oidc + "/interaction/"), { timeout: 10000 });
    await page.click("text=[ Cancel ]");
    await page.waitForURL((u) => u.href.startsWith(CALLBACK + "?"), { timeout: 10000 }).catch(() => {});
    is(new URL(page.url()).searchParams.get("error"), "access_denied", "cancel: the provider returns error=access_denied");
    await waitText(page, "#st-general");
    is(await page.textContent("#st-general"), "The provider did not sign you in. Please try again.", "cancel: the callback page says so");
    is(await page.isVisible("#st-back"), true, 'cancel: ... with "Back to sign in"');
    is(posts.length, 0, "cancel: ... and no POST /auth/signinup");
    await shot(page, "thirdparty-callback-error");
    await context.close();
}

async function scenarioGithub(browser, notes) {
    const { context, page } = await newPage(browser, notes, "github");
    const q = await toProvider(page, "github", "st-provider-github", opt.idp + "/gh/login/oauth/authorize", false).catch((e) => { notes.push(String(e)); return new URLSearchParams(); });
    is(q.get("scope"), "read:user user:email", "github: the authorisation request has the built-in's scope");
    check(!q.has("code_challenge") && !q.has("nonce"), "github: ... no PKCE and no nonce (OAuth 2.0 with a secret)", q.toString());
    await page.waitForSelector("#idp-user", { timeout: 10000 });
    await shot(page, "thirdparty-github-login");
    await page.fill("#idp-user", "alice");
    await page.click("#idp-submit");
    await page.waitForURL(opt.page + APP, { timeout: 10000 }).catch(() => {});
    is(page.url(), opt.page + APP, "github: back on the PHP page");
    const env = await pageEnv(page);
    const user = await coreUser("github", "1001");
    check(user && env.REMOTE_USER === user.id, "github: REMOTE_USER = the core's user for GitHub's user id 1001",
          `${JSON.stringify(env.REMOTE_USER)} vs ${JSON.stringify(user)}`);
    await context.close();
}

async function scenarioOnly(browser, notes) {
    const { context, page } = await newPage(browser, notes, "only");
    await page.goto(opt.only + APP);
    const u = new URL(page.url());
    check(u.pathname === "/auth" && u.searchParams.get("redirectToPath") === APP, "only: the PHP page sends a visitor to the sign-in page", page.url());
    const btn = page.locator("#st-provider-oidc-local");
    await btn.waitFor({ timeout: 5000 }).catch(() => {});
    is(await btn.textContent().catch(() => null), "Continue with Local IdP", "only: the page offers the provider");
    is(await page.locator("#st-form, #st-email, #st-forgot, #st-toggle").count(), 0,
       "only: ... and no email form, forgot-password link or sign-up switch (no emailpassword recipe)");
    is(await page.locator(".st-or").count(), 0, 'only: ... and no "or" before the buttons');
    await shot(page, "sign-in-providers-only");
    const reset = await context.request.get(opt.only + "/auth/reset-password", { headers: { accept: "text/html" } });
    is(reset.status(), 404, "only: no reset-password page");
    await btn.click();
    await page.waitForSelector("#idp-user", { timeout: 10000 });
    await page.fill("#idp-user", "alice");
    await page.click("#idp-submit");
    await page.waitForURL(opt.only + APP, { timeout: 10000 }).catch(() => {});
    const env = await pageEnv(page);
    const user = await coreUser("oidc-local", "alice-sub");
    check(user && env.REMOTE_USER === user.id, "only: signed in through the button, REMOTE_USER on the PHP page",
          `${page.url()} ${JSON.stringify(env.REMOTE_USER)} vs ${JSON.stringify(user && user.id)}`);
    await context.close();
}

async function scenarioSdk(browser, notes) {
    const { context, page } = await newPage(browser, notes, "sdk");
    await page.goto(opt.site + "/thirdparty.html");
    await page.evaluate(() => window.stReady);
    const [req] = await Promise.all([
        page.waitForRequest((r) => r.url().startsWith(opt.oidc + "/auth?") && r.isNavigationRequest(), { timeout: 10000 }),
        page.evaluate(() => { window.stTp.start("node-oidc").catch((e) => { window.stStartError = e.message; }); return true; }),
    ]);
    const q = new URL(req.url()).searchParams;
    is(q.get("redirect_uri"), opt.site + "/callback/node-oidc", "sdk: getAuthorisationURLWithQueryParamsAndSetState: the website's callback as redirect_uri");
    is(q.get("code_challenge_method"), "S256", "sdk: ... PKCE from the API");
    check(q.get("state"), "sdk: ... the SDK's state");
    await providerLogin(page, "bea", "sdk", false);
    await page.click("button[type=submit]");
    await page.waitForURL((u) => u.href.startsWith(opt.site + "/callback/node-oidc?"), { timeout: 10000 }).catch(() => {});
    const done = await page.evaluate(() => window.stDone).catch((e) => ({ error: String(e) }));
    is(done && done.status, "OK", "sdk: signInAndUp on the website's callback page: OK") || notes.push(JSON.stringify(done));
    const tp = done && done.user && done.user.thirdParty;
    check(tp && tp.length === 1 && tp[0].id === "node-oidc" && tp[0].userId === "bea",
          "sdk: ... the user of the provider's sub bea", JSON.stringify(tp));
    check(done && done.user && done.user.emails && done.user.emails[0] === "bea@example.com", "sdk: ... with the provider's email");
    is(done && done.createdNewRecipeUser, true, "sdk: ... a new user");
    const s = await page.evaluate(() => window.stTp.session());
    check(s.exists && done.user && s.userId === done.user.id, "sdk: doesSessionExist / getUserId: the user", JSON.stringify(s));
    const r = await page.evaluate(() => window.stTp.callProtected());
    is(r.status, 200, "sdk: the protected PHP page on the API origin: 200 (credentialed CORS fetch)") || notes.push(r.text);
    check(done.user && r.remoteUser === done.user.id, "sdk: PHP sees REMOTE_USER = the user", JSON.stringify(r));
    await context.close();
}

let firstId = null;
// tp-config.js: the tp_site vhost's /config.js
lib.run({ site: { file: "tp-config.js", recipe: "thirdparty", apiDomain: opt.sdk } }, [
    ["oidc", async (browser, notes) => { firstId = await scenarioOidc(browser, notes); }],
    ["again", (browser, notes) => scenarioAgain(browser, notes, firstId)],
    ["state", (browser, notes) => scenarioState(browser, notes, firstId)],
    ["cancel", scenarioCancel],
    ["github", scenarioGithub],
    ["only", scenarioOnly],
    ["sdk", scenarioSdk],
]);

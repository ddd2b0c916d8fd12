#!/usr/bin/env node
// t/browser/plain.js: the browser tests of apps without a JavaScript frontend (issue 15), run by
// t/15_plain_browser.t. Debian's Chromium driven by playwright-core, against a php-fpm page
// (/php/form.php) of the "plain" vhost, whose core double issues 2-second access tokens.
//
//   node t/browser/plain.js --plain URL --nosignup URL --domains URL --website URL --logs DIR --shots DIR
//
// Prints one JSON object per line (t/browser/lib.js): {"ok":bool,"name":...,"diag":...} per check,
// {"note":...}, and {"done":true,"ms":...} at the end. --shots: where the pages' screenshots
// (800x600 PNG) go; the README shows copies of them (docs/screenshots).
//
// Scenarios:
//   refresh   sign up on the built-in page, wait past expiry, navigate: the same page, signed in,
//             no sign-in page seen, the refresh token rotated; then a form POST after expiry
//             reaches PHP with its fields intact; the first refresh token is then token theft.
//   sign-out  the README's sign-out form with an expired access token: cookies gone, landing
//             on redirectToPath, the session revoked in the core (its refresh token refused).
//   cross-site  a form on another origin posting to the sign-out: 403, still signed in.
//   forgot    "Forgot password?" -> the request form -> the neutral message -> the delivered
//             link -> a new password -> success -> sign in with it.
//   sign-up   SuperTokensSignUp Off: no "Create an account", supertokens-web-js gets
//             SIGN_UP_NOT_ALLOWED with the reason shown; SuperTokensSignUpEmailDomains:
//             a@evil.test refused with the reason on the page, a@example.com signed up.
//   sign-out page  GET /auth/signout and its button.
"use strict";
const fs = require("fs");
const path = require("path");
const lib = require("./lib");
const { check, is, sleep, uniqueEmail, waitFor, waitText, focused, shot, newPage, submitLogin } = lib;

const opt = lib.args("--plain URL --nosignup URL --domains URL --website URL --logs DIR --shots DIR");
const TOKEN_LIFETIME_MS = 2000; // --access-token-validity 2 of the ST_CORE_SHORT_PORT double
const PASSWORD = "plain-pass1";
const NEW_PASSWORD = "plain-pass2";
const P = opt.plain;
const APP = "/php/form.php";
const DELIVERY = path.join(opt.logs, "reset-delivery-plain.txt");
const expire = () => sleep(TOKEN_LIFETIME_MS + 700);

// a cookie of the test host, whatever its Path; cookies ignore ports, so each scenario has a
// context of its own
const cookie = (context, name) => lib.cookie(context, name, P);

// the FDI refresh with a given refresh token, as the SDK would send it (from Node, not the browser)
async function fdiRefresh(refreshToken) {
    const r = await fetch(P + "/auth/session/refresh", { method: "POST", headers: { rid: "session", cookie: "sRefreshToken=" + refreshToken } });
    return { status: r.status, body: await r.text() };
}

// Every document the page loads (main frame), to prove no sign-in page was shown on the way.
function documents(page) {
    const seen = [];
    page.on("request", (req) => {
        if (req.isNavigationRequest() && req.frame() === page.mainFrame()) seen.push(`${req.method()} ${req.url()}`);
    });
    return seen;
}

// "METHOD path status" of each step of a navigation's redirect chain, oldest first
async function chain(response) {
    const steps = [];
    for (let req = response.request(); req; req = req.redirectedFrom()) {
        const resp = await req.response();
        steps.unshift(`${req.method()} ${new URL(req.url()).pathname} ${resp ? resp.status() : "-"}`);
    }
    return steps;
}

async function who(page) {
    return { user: await page.textContent("#user"), method: await page.textContent("#method"), post: await page.textContent("#post") };
}

async function signInThroughPage(browser, notes, tag, email, password, signUp) {
    const { context, page } = await newPage(browser, notes, tag);
    await page.goto(P + APP);
    const u = new URL(page.url());
    check(u.pathname === "/auth" && u.searchParams.get("redirectToPath") === APP, `${tag}: a navigation without a session lands on the sign-in page`, page.url());
    if (signUp) await page.click("#st-toggle");
    const resp = await submitLogin(page, email, password, signUp ? "/auth/signup" : "/auth/signin");
    is(resp.status(), 200, `${tag}: ${signUp ? "sign-up" : "sign-in"} answered 200`);
    await page.waitForURL(P + APP, { timeout: 5000 }).catch(() => {});
    is(page.url(), P + APP, `${tag}: back on ${APP}`);
    return { context, page };
}

async function scenarioRefresh(browser, notes) {
    const email = uniqueEmail("plain");
    const { context, page } = await newPage(browser, notes, "refresh");
    const seen = documents(page);

    await page.goto(P + APP);
    const u = new URL(page.url());
    check(u.pathname === "/auth" && u.searchParams.get("redirectToPath") === APP, "refresh: the app sends a new visitor to the sign-in page", page.url());
    is(await page.title(), "Sign in - Acme Intranet & <Tools>", "refresh: the page title carries SuperTokensAppName");
    await shot(page, "sign-in");
    await page.click("#st-toggle");
    is(await page.textContent("#st-title"), "Sign up", 'refresh: "Create an account" switches to sign-up');
    await submitLogin(page, email, "short", "/auth/signup");
    await waitText(page, "#st-password-error");
    is(await focused(page), "st-password", "refresh: a field error moves the focus to the field");
    is(await page.getAttribute("#st-password", "aria-invalid"), "true", "refresh: ... and marks it aria-invalid");
    await shot(page, "sign-up-field-error");
    await submitLogin(page, email, PASSWORD, "/auth/signup");
    await page.waitForURL(P + APP, { timeout: 5000 }).catch(() => {});
    let w = await who(page);
    is(w.user, email, "refresh: signed up and back on the PHP page, REMOTE_USER = the email (SuperTokensEmailClaim)");
    const firstRefresh = await cookie(context, "sRefreshToken");
    check(firstRefresh, "refresh: the browser holds a refresh cookie");

    // GET navigation after expiry
    await expire();
    seen.length = 0;
    let nav = await page.goto(P + APP + "?x=1");
    is(page.url(), P + APP + "?x=1", "refresh: navigating after the access token expired reaches the same page");
    w = await who(page);
    is(w.user, email, "refresh: ... signed in, no typing");
    is((await chain(nav)).join(" > "), `GET ${APP} 303 > GET /auth/session/refresh 303 > GET ${APP} 200`,
       "refresh: ... through one redirect to the refresh and one back");
    check(!seen.some((s) => /\/auth(\?|$)/.test(s.split(" ")[1].replace(P, ""))), "refresh: ... and no sign-in page was loaded", seen.join("\n"));
    const secondRefresh = await cookie(context, "sRefreshToken");
    check(secondRefresh && secondRefresh !== firstRefresh, "refresh: the refresh token rotated");

    // form POST after expiry: the body reaches PHP intact
    const title = "Grüße & <b>bold</b> 100% = \"quoted\" 'single' ☃";
    const body = "a=b&c=d; e?f#g +plus+ %41 \\back\\slash";
    await page.fill("#title", title);
    await page.fill("#body", body);
    await expire();
    seen.length = 0;
    [nav] = await Promise.all([page.waitForNavigation(), page.click("#save")]);
    w = await who(page);
    is(w.method, "POST", "form POST after expiry: PHP got a POST");
    let posted = {};
    try { posted = JSON.parse(w.post); } catch (e) { notes.push("posted: " + w.post); }
    is(posted.title, title, "form POST after expiry: the title field reached PHP intact");
    is(posted.body, body, "form POST after expiry: the body field reached PHP intact");
    is(w.user, email, "form POST after expiry: signed in as the user");
    is((await chain(nav)).join(" > "), `POST ${APP} 307 > POST /auth/session/refresh 307 > POST ${APP} 200`,
       "form POST after expiry: the POST went to the refresh and back, method and body kept (307)");
    check(!seen.some((s) => /\/auth(\?|$)/.test(s.split(" ")[1].replace(P, ""))), "form POST after expiry: no sign-in page", seen.join("\n"));
    check((await cookie(context, "sRefreshToken")) !== secondRefresh, "form POST after expiry: rotated again");

    // the rotation was real: the first refresh token is now a stolen one
    const theft = await fdiRefresh(firstRefresh);
    check(theft.status === 401 && theft.body === '{"message":"token theft detected"}',
          "refresh: the refresh token from before the navigation refresh is now token theft", JSON.stringify(theft));
    await context.close();
    return email;
}

async function scenarioSignOut(browser, notes, email) {
    const { context, page } = await signInThroughPage(browser, notes, "sign-out", email, PASSWORD, false);
    is((await who(page)).user, email, "sign-out: signed in again");
    await expire();
    const refresh = await cookie(context, "sRefreshToken");
    const [nav] = await Promise.all([page.waitForNavigation(), page.click("#signout")]);
    is(page.url(), P + "/public/index.html", "sign-out: the README's form (access token expired) lands on redirectToPath");
    is((await chain(nav))[0], "POST /auth/signout 303", "sign-out: ... through a POST to /auth/signout (303)");
    is(await cookie(context, "sAccessToken"), null, "sign-out: the access cookie is gone");
    is(await cookie(context, "sRefreshToken"), null, "sign-out: the refresh cookie is gone");
    const r = await fdiRefresh(refresh);
    check(r.status === 401 && r.body === '{"message":"unauthorised"}', "sign-out: the session is revoked in the core (its refresh token is refused)", JSON.stringify(r));
    await page.goto(P + APP);
    is(new URL(page.url()).pathname, "/auth", "sign-out: the app asks to sign in again");
    await context.close();
}

async function scenarioCrossSite(browser, notes, email) {
    const { context, page } = await signInThroughPage(browser, notes, "cross-site", email, PASSWORD, false);
    await page.goto(opt.website + "/index.html");
    let origin = null;
    page.on("request", (req) => { if (req.url().startsWith(P + "/auth/signout")) origin = req.headers()["origin"]; });
    const [resp] = await Promise.all([
        page.waitForNavigation(),
        page.evaluate((action) => {
            const f = document.createElement("form");
            f.method = "post";
            f.action = action;
            document.body.appendChild(f);
            f.submit();
        }, P + "/auth/signout?redirectToPath=/public/index.html"),
    ]);
    is(origin, opt.website, "cross-site: the browser sent the other origin's Origin header");
    is(resp && resp.status(), 403, "cross-site: a form on another origin posting to /auth/signout gets 403");
    check(await cookie(context, "sRefreshToken"), "cross-site: the cookies are still there");
    await page.goto(P + APP);
    is((await who(page)).user, email, "cross-site: the user is still signed in");
    await context.close();
}

// the reset link delivered since a time ("email\nlink\n" in DELIVERY), or null
function deliveredSince(since) {
    try {
        if (fs.statSync(DELIVERY).mtimeMs < since) return null;
        const lines = fs.readFileSync(DELIVERY, "utf8").split("\n");
        return lines[1] ? { email: lines[0], link: lines[1] } : null;
    } catch (e) { return null; /* not yet */ }
}

async function scenarioForgot(browser, notes, email) {
    const { context, page } = await newPage(browser, notes, "forgot");
    await page.goto(P + APP);
    await Promise.all([page.waitForNavigation(), page.click("#st-forgot")]);
    is(new URL(page.url()).pathname, "/auth/reset-password", 'forgot: "Forgot password?" opens the reset page');
    is(await page.textContent("h1"), "Reset your password", "forgot: without a token it is the request form");
    await shot(page, "forgot-password");

    // an unknown address first: the same neutral message
    await page.fill("#st-email", uniqueEmail("nobody"));
    await page.click("#st-submit");
    await waitText(page, "#st-done");
    const neutral = await page.textContent("#st-done");
    await page.reload();
    fs.rmSync(DELIVERY, { force: true });
    const since = Date.now() - 1000;
    await page.fill("#st-email", email);
    await page.click("#st-submit");
    await waitText(page, "#st-done");
    const shown = await page.textContent("#st-done");
    check(/If an account exists for this email address/.test(shown), "forgot: a neutral message", shown);
    is(shown, neutral, "forgot: the same message for an unknown address");
    is(await page.getAttribute("#st-done", "role"), "status", "forgot: announced as a status");
    await shot(page, "forgot-password-sent");

    const d = await waitFor(() => deliveredSince(since));
    check(d && d.email === email && d.link.startsWith(P + "/auth/reset-password?token="), "forgot: the link was delivered to the user's address",
          JSON.stringify(d));
    if (!d) return context.close();
    await page.goto(d.link);
    is(await page.textContent("h1"), "Choose a new password", "forgot: the delivered link opens the new-password form");
    await shot(page, "reset-password");
    await page.fill("#st-password", "weak");
    await page.click("#st-submit");
    await waitText(page, "#st-password-error");
    is(await page.textContent("#st-password-error"), "Password must contain at least 8 characters, including a number", "forgot: a weak new password shows the field error");
    await page.fill("#st-password", NEW_PASSWORD);
    await page.click("#st-submit");
    await waitText(page, "#st-done");
    is(await page.textContent("#st-done"), "Your password was changed. You can sign in with it now.", "forgot: success is shown as success");
    is(await page.textContent("h1"), "Password changed", "forgot: ... under a heading that says so");
    check(await page.isHidden("#st-form") && !(await page.textContent("#st-general")), "forgot: ... not as an error, and the form is gone");
    await shot(page, "reset-password-done");
    await Promise.all([page.waitForNavigation(), page.click("#st-signin")]);
    is(new URL(page.url()).pathname, "/auth", "forgot: the link goes to the sign-in page");
    let resp = await submitLogin(page, email, PASSWORD, "/auth/signin");
    await waitText(page, "#st-general");
    is(await page.textContent("#st-general"), "Incorrect email and password combination", "forgot: the old password no longer works");
    resp = await submitLogin(page, email, NEW_PASSWORD, "/auth/signin");
    is(resp.status(), 200, "forgot: signing in with the new password");
    await page.waitForURL((url) => !url.pathname.startsWith("/auth"), { timeout: 5000 }).catch(() => {});
    await page.goto(P + APP);
    is((await who(page)).user, email, "forgot: signed in with the new password");
    // the sign-in page of a signed-in user: straight on
    await page.goto(P + "/auth?redirectToPath=" + encodeURIComponent(APP + "?again=1"));
    is(page.url(), P + APP + "?again=1", "a signed-in user opening the sign-in page goes straight to redirectToPath");
    await context.close();
}

async function scenarioSignUp(browser, notes) {
    const { context, page } = await newPage(browser, notes, "sign-up");

    await page.goto(opt.nosignup + "/auth");
    is(await page.locator("#st-toggle").count(), 0, 'sign-up off: the sign-in page has no "Create an account"');
    await shot(page, "sign-in-sign-up-off");
    await page.goto(opt.nosignup + "/site/sdk-signup.html");
    await page.evaluate(() => window.stReady);
    const res = await page.evaluate(([e, p]) => window.stSignUp(e, p), [uniqueEmail("off"), PASSWORD]);
    is(res.status, "SIGN_UP_NOT_ALLOWED", "sign-up off: supertokens-web-js's signUp returns SIGN_UP_NOT_ALLOWED");
    is(await page.textContent("#message"), "Sign-up is disabled. Please ask an administrator for an account.",
       "sign-up off: ... with the reason an app (and the prebuilt UI) shows");

    await page.goto(opt.domains + "/auth");
    await page.click("#st-toggle");
    let resp = await submitLogin(page, uniqueEmail("a", "evil.test"), PASSWORD, "/auth/signup");
    await waitText(page, "#st-general");
    is(await page.textContent("#st-general"), "Sign-up is not open to this email address. Please use your organisation's email address or ask an administrator.",
       "sign-up domains: a@evil.test is refused with the reason on the page");
    is(await page.getAttribute("#st-general", "role"), "alert", "sign-up domains: ... announced (role=alert)");
    await shot(page, "sign-up-refused");
    resp = await submitLogin(page, uniqueEmail("a"), PASSWORD, "/auth/signup");
    await page.waitForURL((url) => url.pathname === "/", { timeout: 5000 }).catch(() => {});
    check(resp.status() === 200 && new URL(page.url()).pathname === "/", "sign-up domains: a@example.com is accepted (signed up, sent on)", page.url());
    await context.close();
}

async function scenarioSignOutPage(browser, notes) {
    const { context, page } = await newPage(browser, notes, "sign-out page");
    await page.goto(P + "/auth/signout?redirectToPath=" + encodeURIComponent("/public/index.html"));
    is(await page.textContent("h1"), "Sign out", "sign-out page: GET /auth/signout shows the page");
    is(await focused(page), "st-submit", "sign-out page: the button has the focus");
    await shot(page, "sign-out");
    await Promise.all([page.waitForNavigation(), page.click("#st-submit")]);
    is(page.url(), P + "/public/index.html", "sign-out page: its button signs out and lands on redirectToPath");
    await context.close();
}

let email = null;
lib.run({ site: { recipe: "emailpassword", apiDomain: opt.website } }, [
    ["refresh", async (browser, notes) => { email = await scenarioRefresh(browser, notes); }],
    ["sign-out", (browser, notes) => scenarioSignOut(browser, notes, email)],
    ["cross-site", (browser, notes) => scenarioCrossSite(browser, notes, email)],
    ["forgot", (browser, notes) => scenarioForgot(browser, notes, email)],
    ["sign-up", scenarioSignUp],
    ["sign-out page", scenarioSignOutPage],
]);

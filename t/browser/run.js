#!/usr/bin/env node
// t/browser/run.js: the browser tests of mod_supertokens, run by t/09_browser.t against the
// test httpd. Debian's Chromium (/usr/bin/chromium, never a downloaded browser) driven by
// playwright-core.
//
//   node t/browser/run.js --website http://localhost:P --api http://localhost:P \
//       --login http://localhost:P --core http://127.0.0.1:P --api-key KEY --logs t/logs
//
// --core/--api-key: the core behind the login vhost, asked for the id of the user with the
// email typed into the login page.
//
// Prints one JSON object per line (t/browser/lib.js): {"ok":bool,"name":...,"diag":...} for each
// check, and at the end {"done":true,"ms":...}. Exits 0 even when a check fails (the .t file
// counts them); non-zero only when it could not run at all.
//
// Scenario 1 (website origin != API origin, supertokens-web-js, 2-second access tokens):
//   sign up with the SDK, call the protected PHP page on the API origin, wait past the token
//   lifetime, call again (the SDK refreshes transparently), sign out, call again (401).
// Scenario 2 (the built-in login page, SuperTokensUnauthAction redirect):
//   a plain navigation to a protected page lands on the login page, sign up there, come back
//   to the page showing the user; then a fresh browser signs in with the same credentials
//   (after a wrong password).
"use strict";
const path = require("path");
const lib = require("./lib");
const { check, is, sleep, uniqueEmail, newPage, cookie, waitText } = lib;

const opt = lib.args("--website URL --api URL --login URL --core URL --api-key KEY --logs DIR");
const TOKEN_LIFETIME_MS = 2000; // --access-token-validity 2 of the ST_CORE_SHORT_PORT double
const PASSWORD = "browser-pass1";

async function scenarioSdk(browser, notes) {
    const { context, page } = await newPage(browser, notes, "sdk", {});
    // statuses of POST /auth/session/refresh; the SDK tries one when it first loads without
    // knowing whether a session exists (401 then: no refresh token), so only those after the
    // sign-up count
    let refreshes = [];
    page.on("response", (r) => {
        if (r.request().method() === "POST" && r.url() === opt.api + "/auth/session/refresh") refreshes.push(r.status());
    });

    await page.goto(opt.website + "/index.html");
    await page.evaluate(() => window.stReady);
    check(true, "sdk: website loaded and supertokens-web-js initialised");

    const email = uniqueEmail("sdk");
    const su = await page.evaluate(([e, p]) => window.stTest.signUp(e, p), [email, PASSWORD]);
    is(su.status, "OK", "sdk: sign-up with supertokens-web-js from the website origin: status OK");
    refreshes = [];
    const s = await page.evaluate(() => window.stTest.session());
    check(s.exists && s.userId === su.userId && !!su.userId, "sdk: doesSessionExist and getUserId give the new user",
          JSON.stringify({ session: s, signUp: su }));
    const at1 = await cookie(context, "sAccessToken", opt.api);
    check(at1, "sdk: sAccessToken cookie set for the API origin");

    let r = await page.evaluate(() => window.stTest.callProtected());
    is(r.status, 200, "sdk: protected PHP page on the API origin: 200 (credentialed CORS fetch)") || notes.push(r.text);
    is(r.remoteUser, su.userId, "sdk: PHP sees REMOTE_USER = the new user's id");
    is(refreshes.join(","), "", "sdk: no refresh while the access token is fresh");

    await sleep(TOKEN_LIFETIME_MS + 600);
    // the old token is really expired: the module answers it with 401 try refresh token
    const direct = await fetch(opt.api + "/php/server.php", { headers: { cookie: "sAccessToken=" + at1 } });
    const directBody = await direct.text();
    check(direct.status === 401 && /try refresh token/.test(directBody),
          "sdk: after the 2-second lifetime the old access token gets 401 try refresh token",
          `${direct.status} ${directBody}`);

    r = await page.evaluate(() => window.stTest.callProtected());
    is(r.status, 200, "sdk: same call after the lifetime: 200 (the SDK refreshed transparently)") || notes.push(r.text);
    is(r.remoteUser, su.userId, "sdk: REMOTE_USER still the user after the refresh");
    is(refreshes.join(","), "200", "sdk: the SDK called POST /auth/session/refresh once, answered 200");
    const at2 = await cookie(context, "sAccessToken", opt.api);
    check(at2 && at2 !== at1, "sdk: the access token cookie changed");

    const still = await page.evaluate(() => window.stTest.signOut());
    is(still, false, "sdk: signOut: doesSessionExist is false");
    is(await cookie(context, "sAccessToken", opt.api), null, "sdk: sign-out cleared the access token cookie");
    r = await page.evaluate(() => window.stTest.callProtected());
    is(r.status, 401, "sdk: protected PHP page after sign-out: 401") || notes.push(r.text);
    is(refreshes.join(","), "200", "sdk: no refresh attempted after sign-out");
    await context.close();
}

// The user id the core knows for an email (the login page itself navigates away as soon as
// the API answers, so the browser cannot hand us the response body reliably).
async function coreUserId(email) {
    const r = await fetch(`${opt.core}/users/by-accountinfo?email=${encodeURIComponent(email)}&doUnionOfAccountInfo=false`,
                          { headers: { "api-key": opt["api-key"], "cdi-version": "5.4" } });
    const b = await r.json().catch(() => ({}));
    return b.users && b.users.length === 1 ? b.users[0].id : null;
}

// The built-in login page: a plain navigation to the protected page, the form, the way back.
async function loginPage(browser, notes, { signUp, email, screenshot }) {
    const tag = signUp ? "login page sign-up" : "login page sign-in";
    const { context, page } = await newPage(browser, notes, tag, {});
    const target = opt.login + "/php/server.php";

    const nav = await page.goto(target);
    const first = nav && nav.request().redirectedFrom();
    check(first && first.url() === target, `${tag}: plain navigation to /php/server.php was redirected`,
          `final ${page.url()}`);
    const u = new URL(page.url());
    check(u.origin === opt.login && u.pathname === "/auth" && u.searchParams.get("redirectToPath") === "/php/server.php",
          `${tag}: landed on the login page /auth?redirectToPath=/php/server.php`, page.url());
    is(nav && nav.status(), 200, `${tag}: login page answers 200`);
    is(await page.textContent("#st-title"), "Sign in", `${tag}: the page shows the sign-in form`);
    if (screenshot) await page.screenshot({ path: path.join(opt.logs, "browser-login-page.png") });

    const submit = (password, apiPath) => lib.submitLogin(page, email, password, apiPath);
    let resp;
    if (signUp) {
        await page.click("#st-toggle");
        is(await page.textContent("#st-title"), "Sign up", `${tag}: "Create an account instead" switches to sign-up`);
        // a password the default validator refuses: the field error is shown, no navigation
        await submit("short", "/auth/signup");
        await waitText(page, "#st-password-error");
        is(await page.textContent("#st-password-error"), "Password must contain at least 8 characters, including a number",
           `${tag}: a weak password shows the API's field error`);
        if (screenshot) await page.screenshot({ path: path.join(opt.logs, "browser-login-page-field-error.png") });
        resp = await submit(PASSWORD, "/auth/signup");
    } else {
        await submit("wrong-password1", "/auth/signin");
        await waitText(page, "#st-general");
        is(await page.textContent("#st-general"), "Incorrect email and password combination",
           `${tag}: a wrong password shows "Incorrect email and password combination"`);
        resp = await submit(PASSWORD, "/auth/signin");
    }
    is(resp.status(), 200, `${tag}: the API answered 200`);

    await page.waitForURL(target, { timeout: 5000 }).catch(() => {});
    is(page.url(), target, `${tag}: the browser came back to /php/server.php`);
    const text = await page.textContent("body");
    let env = {};
    try { env = JSON.parse(text); } catch (e) { notes.push(`${tag}: page text ${text.slice(0, 300)}`); }
    const userId = await coreUserId(email);
    check(userId && env.REMOTE_USER === userId, `${tag}: the page shows REMOTE_USER = the id of the user with that email`,
          `REMOTE_USER ${JSON.stringify(env.REMOTE_USER)}, user ${JSON.stringify(userId)}`);
    await context.close();
    return env.REMOTE_USER;
}

// The login page's redirectToPath never leaves the site: sign in from the page with hostile
// values and check where the browser lands. '/..//evil.example/x' resolves to the path
// '//evil.example/x', which a naive check turned into a protocol-relative URL.
async function redirectTargets(browser, notes) {
    const email = uniqueEmail("target");
    const su = await fetch(opt.login + "/auth/signup", {
        method: "POST", headers: { "content-type": "application/json", rid: "emailpassword" },
        body: JSON.stringify({ formFields: [{ id: "email", value: email }, { id: "password", value: PASSWORD }] }),
    }).then((r) => r.json());
    is(su.status, "OK", "redirect targets: a user to sign in with");
    const hostile = ["/..//evil.example/x", "/./..//evil.example", "//evil.example/x", "/\\evil.example",
                     "https://evil.example/", "/%0d//evil.example", "/x\u0000//evil.example"];
    for (const value of hostile) {
        const { context, page } = await newPage(browser, notes, "redirect targets", {});
        await page.goto(opt.login + "/auth?redirectToPath=" + encodeURIComponent(value));
        await page.fill("#st-email", email);
        await page.fill("#st-password", PASSWORD);
        await Promise.all([page.waitForNavigation({ timeout: 5000 }).catch(() => {}), page.click("#st-submit")]);
        const landed = new URL(page.url());
        is(landed.origin, opt.login, `redirect targets: redirectToPath=${JSON.stringify(value)} stays on the site`);
        await context.close();
    }
}

lib.run({ site: { recipe: "emailpassword", apiDomain: opt.api } }, [
    ["sdk", scenarioSdk],
    ["login page", async (browser, notes) => {
        const email = uniqueEmail("login");
        const id = await loginPage(browser, notes, { signUp: true, email, screenshot: true });
        const again = await loginPage(browser, notes, { signUp: false, email });
        check(id && again === id, "login page sign-in: the same user as at sign-up", `${again} vs ${id}`);
    }],
    ["redirect targets", redirectTargets],
]);

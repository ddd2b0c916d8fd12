#!/usr/bin/env node
// t/browser/prebuilt.js: the official prebuilt UI against Apache, run by t/20_prebuilt_ui.t.
// Debian's Chromium (playwright-core) on a React website built on supertokens-auth-react
// (t/prebuilt/app.jsx, bundled here with esbuild into <logs>/browser/pb-app.js), whose API origin
// is an Apache vhost with the module (EmailPassword, required EmailVerification and ThirdParty
// with the real OpenID Connect provider of t/oidc/server.mjs; Passwordless on a second pair of
// vhosts). Nothing in the website knows it talks to Apache.
//
//   node t/browser/prebuilt.js --site URL --api URL --pl-site URL --pl-api URL --oidc URL \
//       --core URL --api-key KEY --logs DIR --shots DIR
//
// --site/--api: the website with EmailPassword, ThirdParty and required EmailVerification, and
// its API; --pl-site/--pl-api: the same website signing in with Passwordless, and its API.
//
// Prints one JSON object per line (t/browser/lib.js). Scenarios:
//   signup    the website's home page sends a new visitor to the prebuilt sign-in page (email,
//             password and "Continue with Acme SSO"); "Sign Up", the email checked on leaving
//             the field (GET /auth/emailpassword/email/exists), the form sent; the session's
//             st-ev claim sends the user to the prebuilt verify-email screen (the PHP page: 403
//             with the claim's error), the link it had sent opened: verified, then the home page
//             with the user id, and the API origin's PHP page sees REMOTE_USER = that user.
//   exists    the same email on the sign-up form in a fresh browser: the prebuilt UI's "This email
//             already exists" under the field, from the module's answer.
//   wrong     a wrong password: the prebuilt UI's "Incorrect email and password combination".
//   signin    the right password in a fresh browser: the same user, REMOTE_USER on the PHP page.
//   oidc      "Continue with Acme SSO" -> the provider's login and consent -> the prebuilt UI's
//             callback route -> the verify-email screen (the provider's ID token has no
//             email_verified, whose absence wins over the userinfo's as in supertokens-node) ->
//             the link -> the home page; the core's user for the provider's sub is the session's
//             user and REMOTE_USER.
//   signout   the home page's sign-out (the SDK's POST /auth/signout): the cookies go, the PHP
//             page answers 401, and the home page sends the browser to the sign-in page again.
//   reset     "Forgot password?", "Email me", the delivered link, "Change your password": the old
//             password refused, the new one signs in as the same user.
//   pl-code   the Passwordless website: an email, the prebuilt "Enter OTP" screen, the delivered
//             six-digit code typed: a new user on the home page, REMOTE_USER on the PHP page.
//   pl-link   the same email again; the delivered magic link opened on another device: "Click the
//             button below to log in on this device", CONTINUE: signed in there as that user.
"use strict";
const path = require("path");
const { execFileSync } = require("child_process");
const fs = require("fs");
const lib = require("./lib");
const { check, is, shot, newPage, cookie, uniqueEmail, coreUsers, providerLogin } = lib;
// what t/bin/capture-{verify,reset,passwordless}-prebuilt appended for an address, newest last
const verifyLinks = (mail) => lib.deliveries("verify-delivery-prebuilt.txt", mail, 1).map((m) => m[0]);
const resetLinks = (mail) => lib.deliveries("reset-delivery-prebuilt.txt", mail, 1).map((m) => m[0]);
const plMessages = (mail) => lib.deliveries("passwordless-prebuilt.txt", mail, 3).map((m) => ({ link: m[0], code: m[1] }));

const opt = lib.args("--site URL --api URL --pl-site URL --pl-api URL --oidc URL --core URL --api-key KEY --logs DIR --shots DIR");
const PASSWORD = "prebuilt-pass-1";
const NEW_PASSWORD = "prebuilt-pass-2";
const email = uniqueEmail("prebuilt");
let userId = null;

// the website's /app.js and /config.js (t/conf/prebuilt_ui.conf.in)
function buildSite() {
    const dir = path.join(opt.logs, "browser");
    fs.mkdirSync(dir, { recursive: true });
    // an earlier run's messages
    for (const f of ["verify-delivery-prebuilt.txt", "reset-delivery-prebuilt.txt", "passwordless-prebuilt.txt"])
        fs.rmSync(path.join(opt.logs, f), { force: true });
    fs.rmSync(path.join(dir, "pb-app.js"), { force: true }); // so the check after the build sees this build's
    execFileSync(process.execPath, [path.join(__dirname, "..", "prebuilt", "build.js"), path.join(dir, "pb-app.js")],
                 { stdio: ["ignore", "ignore", "inherit"] });
    fs.writeFileSync(path.join(dir, "pb-config.js"),
                     "window.ST_PREBUILT = " + JSON.stringify({ apiDomain: opt.api, websiteDomain: opt.site }) + ";\n");
    fs.writeFileSync(path.join(dir, "pb-pl-config.js"), "window.ST_PREBUILT = "
                     + JSON.stringify({ apiDomain: opt["pl-api"], websiteDomain: opt["pl-site"], passwordless: true }) + ";\n");
}

// The prebuilt verify-email screen the session's st-ev claim led to, then the link the screen had
// sent to mail, opened as a mail client would in the same browser, and the success screen's
// CONTINUE: the home page's {url, userId, remoteUser}.
async function verifyByLink(page, mail, tag) {
    await page.waitForURL((u) => u.pathname === "/auth/verify-email", { timeout: 10000 }).catch(() => {});
    const title = page.getByText("Verify your email!");
    await title.waitFor({ timeout: 10000 }).catch(() => {});
    check(new URL(page.url()).pathname === "/auth/verify-email" && await title.isVisible(),
          `${tag}: the session's st-ev claim sends the user to the prebuilt "Verify your email!" screen`, page.url());
    const link = await lib.waitFor(() => verifyLinks(mail).pop());
    check(link && link.startsWith(opt.site + "/auth/verify-email?token="),
          `${tag}: the screen's POST /auth/user/email/verify/token delivered a link to the website's /auth/verify-email`, link);
    if (link) await page.goto(link);
    // opened without a session the screen asks for a click first (link scanners)
    if (await page.getByText("Please click on the button below to verify your email address").isVisible().catch(() => false))
        await page.getByText("CONTINUE", { exact: true }).click();
    const done = page.getByText("Email verification successful!");
    await done.waitFor({ timeout: 10000 }).catch(() => {});
    check(await done.isVisible(), `${tag}: the link: "Email verification successful!"`);
    await page.getByText("CONTINUE", { exact: true }).click({ timeout: 5000 }).catch(() => {});
    return home(page);
}

// every request of a page to the API origin's /auth, as "METHOD /path"
function apiCalls(page) {
    const seen = [];
    page.on("request", (r) => {
        const u = new URL(r.url());
        if (u.origin === opt.api && u.pathname.startsWith("/auth/")) seen.push(`${r.method()} ${u.pathname}`);
    });
    return seen;
}

// the home page once the prebuilt UI let the browser in: the user id and what PHP saw
async function home(page, site) {
    await page.waitForURL((site || opt.site) + "/", { timeout: 10000 }).catch(() => {});
    await page.waitForFunction(() => {
        const e = document.getElementById("remote-user");
        return e && e.textContent !== "";
    }, null, { timeout: 10000 }).catch(() => {});
    return {
        url: page.url(),
        userId: await page.textContent("#user-id").catch(() => null),
        remoteUser: await page.textContent("#remote-user").catch(() => null),
    };
}

// the prebuilt sign-in page, reached as a visitor without a session reaches it
async function signInPage(page, tag) {
    await page.goto(opt.site + "/");
    // the prebuilt UI's redirect goes to "/auth/"
    const isSignIn = (u) => u.origin === opt.site && /^\/auth\/?$/.test(u.pathname);
    await page.waitForURL(isSignIn, { timeout: 10000 }).catch(() => {});
    check(isSignIn(new URL(page.url())), `${tag}: SessionAuth sends a visitor without a session to the sign-in page`, page.url());
    await page.locator("input[name=email]").waitFor({ timeout: 10000 });
}

async function fill(page, mail, password) {
    await page.fill("input[name=email]", mail);
    await page.fill("input[name=password]", password);
}

// the prebuilt sign-in form filled and sent from the page it is on: the home page it leads to
async function signIn(page, password) {
    await fill(page, email, password);
    await page.click("button[type=submit]");
    return home(page);
}

async function scenarioSignup(browser, notes) {
    const { context, page } = await newPage(browser, notes, "signup");
    const calls = apiCalls(page);
    await signInPage(page, "signup");
    check(await page.getByText("Continue with Acme SSO").isVisible(),
          'signup: the prebuilt sign-in page shows "Continue with Acme SSO" beside the email form');
    await shot(page, "prebuilt-sign-in", true);
    await page.getByText("Sign Up", { exact: true }).click();
    await page.locator("button[type=submit]", { hasText: /sign up/i }).waitFor({ timeout: 5000 });
    const [exists] = await Promise.all([
        page.waitForResponse((r) => r.url().startsWith(opt.api + "/auth/emailpassword/email/exists?"), { timeout: 10000 }),
        (async () => { await page.fill("input[name=email]", email); await page.locator("input[name=password]").focus(); })(),
    ]);
    is(JSON.stringify(await exists.json()), '{"status":"OK","exists":false}',
       "signup: leaving the email field asks GET /auth/emailpassword/email/exists: not taken");
    await page.fill("input[name=password]", PASSWORD);
    const [resp] = await Promise.all([
        page.waitForResponse((r) => r.url() === opt.api + "/auth/signup" && r.request().method() === "POST"),
        page.click("button[type=submit]"),
    ]);
    // the body is checked at the core: the prebuilt UI may leave the page before it is read
    is(resp.status(), 200, "signup: the prebuilt UI's POST /auth/signup: 200");
    const users = await coreUsers("email=" + encodeURIComponent(email));
    userId = users.length === 1 ? users[0].id : null;
    check(userId, "signup: ... the core has the new user", JSON.stringify(users));
    check(await cookie(context, "sAccessToken", opt.api), "signup: the browser holds the access token cookie");

    // required email verification: the PHP page refuses the unverified session until the link
    await page.waitForURL((u) => u.pathname === "/auth/verify-email", { timeout: 10000 }).catch(() => {});
    await shot(page, "prebuilt-verify-email");
    const blocked = await page.evaluate((u) => fetch(u, { credentials: "include" }).then(async (r) => ({ status: r.status, body: await r.text() })),
                                        opt.api + "/php/server.php");
    check(blocked.status === 403 && /"id":"st-ev"/.test(blocked.body),
          "signup: until then the PHP page answers 403 with the st-ev claim's validation error", JSON.stringify(blocked));
    const h = await verifyByLink(page, email, "signup");
    check(userId && h.userId === userId, "signup: CONTINUE: the home page shows the new user", `${h.url} ${h.userId} vs ${userId}`);
    is(h.remoteUser, userId, "signup: the API origin's PHP page sees REMOTE_USER = that user");
    // SessionAuth tries a refresh before it sends a visitor away (401 without a refresh token);
    // after the sign-up the new session needs none
    const after = calls.slice(calls.indexOf("POST /auth/signup") + 1);
    check(calls.includes("POST /auth/signup") && !after.includes("POST /auth/session/refresh"),
          "signup: the new session works without a refresh", calls.join(", "));
    await shot(page, "prebuilt-home");
    await context.close();
}

async function scenarioExists(browser, notes) {
    const { context, page } = await newPage(browser, notes, "exists");
    await signInPage(page, "exists");
    await page.getByText("Sign Up", { exact: true }).click();
    await page.locator("button[type=submit]", { hasText: /sign up/i }).waitFor({ timeout: 5000 });
    await page.fill("input[name=email]", email);
    await page.locator("input[name=password]").focus();
    const msg = page.getByText("This email already exists. Please sign in instead");
    await msg.waitFor({ timeout: 10000 }).catch(() => {});
    check(await msg.isVisible(), 'exists: the taken email: "This email already exists. Please sign in instead"');
    await context.close();
}

async function scenarioWrong(browser, notes) {
    const { context, page } = await newPage(browser, notes, "wrong");
    await signInPage(page, "wrong");
    await fill(page, email, "not-the-password-1");
    const [resp] = await Promise.all([
        page.waitForResponse((r) => r.url() === opt.api + "/auth/signin" && r.request().method() === "POST"),
        page.click("button[type=submit]"),
    ]);
    is((await resp.json().catch(() => ({}))).status, "WRONG_CREDENTIALS_ERROR", "wrong: POST /auth/signin: WRONG_CREDENTIALS_ERROR");
    const msg = page.getByText("Incorrect email and password combination");
    await msg.waitFor({ timeout: 5000 }).catch(() => {});
    check(await msg.isVisible(), 'wrong: the prebuilt UI says "Incorrect email and password combination"');
    is(await cookie(context, "sAccessToken", opt.api), null, "wrong: no session cookie");
    await context.close();
}

async function scenarioSignin(browser, notes) {
    const { context, page } = await newPage(browser, notes, "signin");
    await signInPage(page, "signin");
    const h = await signIn(page, PASSWORD);
    check(userId && h.userId === userId, "signin: the right password: the home page with the same user", `${h.url} ${h.userId}`);
    is(h.remoteUser, userId, "signin: REMOTE_USER on the PHP page");
    await context.close();
}

async function scenarioOidc(browser, notes) {
    const { context, page } = await newPage(browser, notes, "oidc");
    const calls = apiCalls(page);
    await signInPage(page, "oidc");
    const [req] = await Promise.all([
        page.waitForRequest((r) => r.url().startsWith(opt.oidc + "/auth?") && r.isNavigationRequest(), { timeout: 10000 }),
        page.getByText("Continue with Acme SSO").click(),
    ]);
    const q = new URL(req.url()).searchParams;
    is(q.get("redirect_uri"), opt.site + "/auth/callback/node-oidc",
       "oidc: GET /auth/authorisationurl gave the prebuilt UI's callback route as redirect_uri");
    is(q.get("code_challenge_method"), "S256", "oidc: ... with PKCE");
    await providerLogin(page, "carol", "oidc", false);
    await page.click("button[type=submit]");
    // the provider's userinfo says email_verified, its ID token says nothing, and the ID token's
    // value wins (supertokens-node's getSupertokensUserInfoResultFromRawUserInfo): unverified
    const h = await verifyByLink(page, "carol@example.com", "oidc");
    const users = await coreUsers("thirdPartyId=node-oidc&thirdPartyUserId=carol");
    const user = users.length === 1 ? users[0] : null;
    check(user && user.emails && user.emails[0] === "carol@example.com",
          "oidc: the core has a user for the provider's sub carol, with the provider's email", JSON.stringify(user));
    const ev = user ? await fetch(`${opt.core}/public/recipe/user/email/verify?userId=${user.id}&email=carol%40example.com`,
                                  { headers: { "api-key": opt["api-key"], "cdi-version": "5.4" } }).then((r) => r.json()).catch(() => ({})) : {};
    is(ev.isVerified, true, "oidc: the core has the email verified");
    check(user && h.userId === user.id, "oidc: back on the home page as that user", `${h.url} ${h.userId}`);
    is(h.remoteUser, user && user.id, "oidc: REMOTE_USER on the PHP page");
    check(calls.includes("POST /auth/signinup"), "oidc: the callback route called POST /auth/signinup", calls.join(", "));
    await context.close();
}

async function scenarioSignout(browser, notes) {
    const { context, page } = await newPage(browser, notes, "signout");
    await signInPage(page, "signout");
    const h = await signIn(page, PASSWORD);
    is(h.remoteUser, userId, "signout: signed in first");
    const [resp] = await Promise.all([
        page.waitForResponse((r) => r.url() === opt.api + "/auth/signout" && r.request().method() === "POST"),
        page.click("#sign-out"),
    ]);
    is(resp.status(), 200, "signout: the SDK's POST /auth/signout: 200");
    await page.waitForURL((u) => u.pathname === "/auth", { timeout: 10000 }).catch(() => {});
    is(new URL(page.url()).pathname, "/auth", "signout: the browser is on the sign-in page again");
    is(await cookie(context, "sAccessToken", opt.api), null, "signout: the access token cookie is gone");
    const status = await page.evaluate((u) => fetch(u, { credentials: "include" }).then((r) => r.status), opt.api + "/php/server.php");
    is(status, 401, "signout: the PHP page now answers 401");
    await context.close();
}

// "Forgot password?" on the prebuilt sign-in page, the delivered link, a new password; the old
// one refused, the new one signs in as the same user
async function scenarioReset(browser, notes) {
    const { context, page } = await newPage(browser, notes, "reset");
    await signInPage(page, "reset");
    await page.getByText("Forgot password?").click();
    await page.getByText("Reset your password").waitFor({ timeout: 5000 }).catch(() => {});
    await page.fill("input[name=email]", email);
    const [sent] = await Promise.all([
        page.waitForResponse((r) => r.url() === opt.api + "/auth/user/password/reset/token" && r.request().method() === "POST"),
        page.getByText("Email me").click(),
    ]);
    is(sent.status(), 200, 'reset: "Email me": POST /auth/user/password/reset/token: 200');
    const link = await lib.waitFor(() => resetLinks(email).pop());
    check(link && link.startsWith(opt.site + "/auth/reset-password?token="),
          "reset: a link to the website's /auth/reset-password was delivered to the user's address", link);
    if (link) await page.goto(link);
    await page.getByText("Change your password").waitFor({ timeout: 10000 }).catch(() => {});
    await page.fill("input[name=password]", NEW_PASSWORD);
    await page.fill("input[name=confirm-password]", NEW_PASSWORD);
    const [changed] = await Promise.all([
        page.waitForResponse((r) => r.url() === opt.api + "/auth/user/password/reset" && r.request().method() === "POST"),
        page.getByText("CHANGE PASSWORD").click(),
    ]);
    is(changed.status(), 200, 'reset: "CHANGE PASSWORD": POST /auth/user/password/reset: 200');
    const success = page.getByText("Your password has been updated successfully");
    await success.waitFor({ timeout: 10000 }).catch(() => {});
    check(await success.isVisible(), 'reset: the prebuilt UI says "Your password has been updated successfully"');
    const old = await fetch(opt.api + "/auth/signin", {
        method: "POST", headers: { "content-type": "application/json", rid: "emailpassword" },
        body: JSON.stringify({ formFields: [{ id: "email", value: email }, { id: "password", value: PASSWORD }] }),
    }).then((r) => r.json()).catch((e) => ({ error: String(e) }));
    is(old.status, "WRONG_CREDENTIALS_ERROR", "reset: the old password no longer signs in");
    await page.getByText("SIGN IN", { exact: true }).click();
    await page.locator("input[name=email]").waitFor({ timeout: 10000 }).catch(() => {});
    const h = await signIn(page, NEW_PASSWORD);
    check(userId && h.userId === userId && h.remoteUser === userId, "reset: the new password signs in as the same user",
          `${h.url} ${h.userId} ${h.remoteUser} vs ${userId}`);
    await context.close();
}

// The passwordless website's sign-in page: the email sent with CONTINUE, the answer of
// POST /auth/signinup/code and the message delivered for it
async function plStart(page, mail, tag) {
    await page.goto(opt["pl-site"] + "/");
    await page.waitForURL((u) => /^\/auth\/?$/.test(u.pathname), { timeout: 10000 }).catch(() => {});
    await page.locator("input[name=email]").waitFor({ timeout: 10000 });
    const before = plMessages(mail).length;
    await page.fill("input[name=email]", mail);
    const [resp] = await Promise.all([
        page.waitForResponse((r) => r.url() === opt["pl-api"] + "/auth/signinup/code" && r.request().method() === "POST"),
        page.click("button[type=submit]"),
    ]);
    const body = await resp.json().catch(() => ({}));
    is(`${body.status} ${body.flowType}`, "OK USER_INPUT_CODE_AND_MAGIC_LINK",
       `${tag}: the prebuilt form's POST /auth/signinup/code: OK, a code and a link`);
    const otp = page.getByText("Enter OTP");
    await otp.waitFor({ timeout: 10000 }).catch(() => {});
    check(await otp.isVisible(), `${tag}: the prebuilt UI asks for the code ("Enter OTP")`);
    const msg = await lib.waitFor(() => plMessages(mail).length > before && plMessages(mail).pop());
    check(msg && /^\d{6}$/.test(msg.code) && msg.link.startsWith(opt["pl-site"] + "/auth/verify?preAuthSessionId="),
          `${tag}: the message delivered: a six-digit code and a link to the website's /auth/verify`, JSON.stringify(msg));
    return msg || {};
}

async function scenarioPlCode(browser, notes) {
    const { context, page } = await newPage(browser, notes, "pl-code");
    const msg = await plStart(page, plEmail, "pl-code");
    await shot(page, "prebuilt-passwordless-otp");
    await page.fill("input[name=userInputCode]", msg.code || "000000");
    const [resp] = await Promise.all([
        page.waitForResponse((r) => r.url() === opt["pl-api"] + "/auth/signinup/code/consume" && r.request().method() === "POST"),
        page.click("button[type=submit]"),
    ]);
    // (the answer's body is gone by the time it could be read: the prebuilt UI leaves the page
    // at once, so what it said is checked at the core and on the home page)
    is(resp.status(), 200, "pl-code: the code typed: POST /auth/signinup/code/consume: 200");
    const users = await coreUsers("email=" + encodeURIComponent(plEmail));
    plUserId = users.length === 1 ? users[0].id : null;
    check(plUserId, "pl-code: ... the core has one passwordless user for the email", JSON.stringify(users));
    const h = await home(page, opt["pl-site"]);
    check(plUserId && h.userId === plUserId, "pl-code: the home page shows the core's passwordless user", `${h.url} ${h.userId} vs ${plUserId}`);
    is(h.remoteUser, plUserId, "pl-code: REMOTE_USER on the API origin's PHP page");
    await context.close();
}

// the link opened on another device (a browser that did not ask for it)
async function scenarioPlLink(browser, notes) {
    const { context, page } = await newPage(browser, notes, "pl-link");
    const msg = await plStart(page, plEmail, "pl-link");
    const other = await newPage(browser, notes, "pl-link other device");
    if (msg.link) await other.page.goto(msg.link);
    const ask = other.page.getByText("Click the button below to log in on this device");
    await ask.waitFor({ timeout: 10000 }).catch(() => {});
    check(await ask.isVisible(), 'pl-link: on another device the link asks "Click the button below to log in on this device"');
    const [resp] = await Promise.all([
        other.page.waitForResponse((r) => r.url() === opt["pl-api"] + "/auth/signinup/code/consume" && r.request().method() === "POST"),
        other.page.getByText("CONTINUE", { exact: true }).click(),
    ]);
    is(resp.status(), 200, "pl-link: CONTINUE: POST /auth/signinup/code/consume with the link code: 200");
    const users = await coreUsers("email=" + encodeURIComponent(plEmail));
    check(users.length === 1 && users[0].id === plUserId, "pl-link: ... no second user for the email", JSON.stringify(users));
    const h = await home(other.page, opt["pl-site"]);
    check(plUserId && h.userId === plUserId, "pl-link: the other device is signed in as that user", `${h.url} ${h.userId}`);
    is(h.remoteUser, plUserId, "pl-link: REMOTE_USER on the PHP page");
    await other.context.close();
    await context.close();
}

const plEmail = uniqueEmail("prebuilt-pl");
let plUserId = null;

lib.run({ home: "browser-prebuilt" }, [
    ["build", async () => { buildSite(); check(fs.existsSync(path.join(opt.logs, "browser", "pb-app.js")), "the website bundled with esbuild"); }],
    ["signup", scenarioSignup],
    ["exists", scenarioExists],
    ["wrong", scenarioWrong],
    ["signin", scenarioSignin],
    ["oidc", scenarioOidc],
    ["signout", scenarioSignout],
    ["reset", scenarioReset],
    ["pl-code", scenarioPlCode],
    ["pl-link", scenarioPlLink],
]);

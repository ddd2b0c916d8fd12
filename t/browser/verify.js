#!/usr/bin/env node
// t/browser/verify.js: the browser test of the built-in verify-email page (issue 16), run by
// t/17_verify_email_browser.t. Debian's Chromium driven by playwright-core, against the php-fpm
// page /php/form.php of the "verify_page" vhost (SuperTokensEmailVerification required, the
// built-in pages, links handed to t/bin/capture-verify-page; t/conf/verify_page.conf.in).
//
//   node t/browser/verify.js --page URL --logs DIR --shots DIR
//
// Prints one JSON object per line (t/browser/lib.js): {"ok":bool,"name":...,"diag":...} per check,
// {"note":...}, and {"done":true,"ms":...} at the end. --shots: where the pages' screenshots
// (800x600 PNG) go; the README shows copies of them (docs/screenshots).
//
// Scenarios:
//   verify      sign up through the built-in page on the way to the PHP page; required mode sends
//               the browser to "check your inbox" (redirectToPath kept), which asks for the link
//               at once; "I have verified my email" says not yet; "Send the link again" works;
//               the delivered link opened in a second tab verifies the email and continues to the
//               PHP page, signed in with st-ev true; the first tab notices by itself and continues
//               there too; the used link shows the error and its "Send me a new link" continues
//               (the email is verified already).
//   elsewhere   the link opened in a browser without a session (another device): verified; signing
//               in afterwards goes straight to the PHP page.
"use strict";
const fs = require("fs");
const path = require("path");
const lib = require("./lib");
const { check, is, uniqueEmail, waitFor, focused, shot, newPage } = lib;

const opt = lib.args("--page URL --logs DIR --shots DIR");
const PASSWORD = "verify-pass1";
const P = opt.page;
const APP = "/php/form.php";
const VERIFY = "/auth/verify-email";
const ERROR_LOG = path.join(opt.logs, "error_log");

// the st-ev claim of the browser's access token (the cookie holds the JWT)
async function stEv(context) {
    const c = await lib.cookie(context, "sAccessToken", P);
    if (!c) return undefined;
    const payload = JSON.parse(Buffer.from(decodeURIComponent(c).split(".")[1], "base64url").toString());
    return payload["st-ev"] ? payload["st-ev"].v : null;
}

// the links t/bin/capture-verify-page was given for email (it appends "email\nlink\n")
const linksFor = (email) => lib.deliveries("verify-delivery-page.txt", email, 1).map((m) => m[0]);
const logHas = (re) => { try { return re.test(fs.readFileSync(ERROR_LOG, "utf8")); } catch (e) { return false; } };
const textOf = (page, sel) => page.textContent(sel).then((t) => (t || "").trim());
const waitText = (page, sel) => lib.waitText(page, sel, 8000);

async function signUpThroughPage(page, email) {
    await page.goto(P + APP);
    const u = new URL(page.url());
    check(u.pathname === "/auth" && u.searchParams.get("redirectToPath") === APP, "verify: a new visitor is sent to the sign-in page", page.url());
    await page.click("#st-toggle");
    const resp = await lib.submitLogin(page, email, PASSWORD, "/auth/signup");
    is(resp.status(), 200, "verify: signed up through the built-in page");
}

async function scenarioVerify(browser, notes) {
    const email = uniqueEmail("verify");
    const { context, page } = await newPage(browser, notes, "verify");

    await signUpThroughPage(page, email);
    await page.waitForURL((url) => url.pathname === VERIFY, { timeout: 8000 }).catch(() => {});
    const u = new URL(page.url());
    is(u.pathname, VERIFY, "verify: on the way to the PHP page, required mode sends the new user to the verify-email page");
    is(u.searchParams.get("redirectToPath"), APP, "verify: ... with redirectToPath = the PHP page");
    is(await textOf(page, "h1"), "Check your inbox", 'verify: ... which says "Check your inbox"');
    is(await page.title(), "Check your inbox - Acme Intranet & <Tools>", "verify: ... titled with SuperTokensAppName");
    is(await focused(page), "st-submit", "verify: ... the focus on its main button");
    const first = await waitFor(() => linksFor(email)[0]);
    check(first && first.startsWith(P + VERIFY + "?token=") && first.endsWith("&tenantId=public"),
          "verify: the page asked for a link at once, and it was delivered to the user's address", first);
    is(await stEv(context), false, "verify: the session's st-ev is false");
    await shot(page, "verify-email");

    // the button-driven check before the link is opened
    await page.click("#st-submit");
    await waitText(page, "#st-general");
    is(await textOf(page, "#st-general"), "Your email address is not verified yet. Please open the link we sent you.",
       '"I have verified my email" before verifying: says not yet');
    is(await page.getAttribute("#st-general", "role"), "alert", "... as an alert");
    is(new URL(page.url()).pathname, VERIFY, "... and stays");
    await shot(page, "verify-email-not-yet");

    // resend: the API is called with the session; the delivery queue sends at most one link a
    // minute per process, so the second link either arrives or is held back (AH10086, logged)
    const [resend] = await Promise.all([
        page.waitForResponse((x) => x.url() === P + "/auth/user/email/verify/token" && x.request().method() === "POST"),
        page.click("#st-resend"),
    ]);
    is(`${resend.status()} ${await resend.text()}`, '200 {"status":"OK"}', '"Send the link again": POST /auth/user/email/verify/token answered OK');
    await waitText(page, "#st-done");
    is(await textOf(page, "#st-done"), "We sent the link again (at most one email a minute). Please check your inbox.",
       "... and the page says so");
    is(await page.getAttribute("#st-done", "role"), "status", "... as a status");
    const held = new RegExp(`AH10086: email verification link for ${email.replace(/[.+]/g, "\\$&")}: one was queued`);
    check(await waitFor(() => linksFor(email).length >= 2 || logHas(held)),
          "... it reached the delivery (a second link, or held back by the once-a-minute limit)", JSON.stringify(linksFor(email)));
    await shot(page, "verify-email-resent");

    // the link, opened in another tab as a mail client would
    const tab = await context.newPage();
    lib.watch(tab, "verify link", notes);
    await tab.goto(first);
    await tab.waitForFunction(() => document.getElementById("st-title").textContent !== "Verifying your email address", null, { timeout: 8000 }).catch(() => {});
    is(await textOf(tab, "h1"), "Email verified", "the delivered link: the page consumes it: Email verified");
    is(await textOf(tab, "#st-done"), "Your email address is verified. Thank you!", "... said as a status");
    is(await tab.title(), "Email verified - Acme Intranet & <Tools>", "... and in the title");
    is(await focused(tab), "st-continue", "... the focus on Continue");
    is(await stEv(context), true, "... the session's st-ev is now true");
    await shot(tab, "verify-email-done");
    await Promise.all([tab.waitForNavigation(), tab.click("#st-continue")]);
    is(tab.url(), P + APP, "... Continue goes to the page the user was on the way to (remembered by the first tab)");
    is(await textOf(tab, "#user"), email, "... signed in (REMOTE_USER = the email), the email verified");

    // the first tab checks every few seconds and continues by itself
    await page.waitForURL(P + APP, { timeout: 9000 }).catch(() => {});
    is(page.url(), P + APP, "the first tab notices the verification by itself and continues to redirectToPath");
    is(await textOf(page, "#user"), email, "... signed in");

    // the used link
    await tab.goto(first);
    await waitText(tab, "#st-general");
    is(await textOf(tab, "h1"), "This link does not work", "the used link: the page says the link does not work");
    is(await textOf(tab, "#st-general"), "This link has expired or was already used. Ask for a new one below.", "... why, as an alert");
    check(await tab.isVisible("#st-again-link") && await tab.isHidden("#st-next"), "... offers a new link, no Continue");
    is(await focused(tab), "st-again-link", "... with the focus on it");
    await shot(tab, "verify-email-used-link");
    await Promise.all([tab.waitForNavigation(), tab.click("#st-again-link")]);
    await tab.waitForURL((url) => url.pathname !== VERIFY, { timeout: 8000 }).catch(() => {});
    is(new URL(tab.url()).pathname, "/", '... "Send me a new link" for an email verified already continues (to the site root here)');
    await context.close();
}

async function scenarioElsewhere(browser, notes) {
    // a user signed up and sent a link from Node; the link opened in a browser without a session
    const email = uniqueEmail("elsewhere");
    const r = await fetch(P + "/auth/signup", { method: "POST", headers: { "content-type": "application/json", rid: "emailpassword", "st-auth-mode": "cookie" },
        body: JSON.stringify({ formFields: [{ id: "email", value: email }, { id: "password", value: PASSWORD }] }) });
    const access = (r.headers.getSetCookie().find((c) => c.startsWith("sAccessToken=")) || "").split(";")[0];
    const t = await fetch(P + "/auth/user/email/verify/token", { method: "POST", headers: { rid: "emailverification", cookie: access } });
    is(await t.text(), '{"status":"OK"}', "elsewhere: a link requested for a new user");
    const link = await waitFor(() => linksFor(email)[0]);
    check(link, "elsewhere: ... delivered");
    const { context, page } = await newPage(browser, notes, "elsewhere");
    await page.goto(link);
    await waitText(page, "#st-done");
    is(await textOf(page, "h1"), "Email verified", "elsewhere: the link opened without a session verifies the email");
    await Promise.all([page.waitForNavigation(), page.click("#st-continue")]);
    is(page.url(), P + "/", "elsewhere: ... Continue goes to the site root (nowhere else was asked for)");
    await page.goto(P + APP);
    await page.fill("#st-email", email);
    await page.fill("#st-password", PASSWORD);
    await Promise.all([page.waitForURL(P + APP, { timeout: 8000 }).catch(() => {}), page.click("#st-submit")]);
    is(page.url(), P + APP, "elsewhere: signing in afterwards goes straight to the PHP page (no verify-email page)");
    is(await stEv(context), true, "elsewhere: ... with st-ev true");
    await context.close();
}

lib.run({ home: "browser-verify" }, [["verify", scenarioVerify], ["elsewhere", scenarioElsewhere]]);

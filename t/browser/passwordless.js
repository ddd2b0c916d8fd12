#!/usr/bin/env node
// t/browser/passwordless.js: the browser tests of Passwordless sign-in (issue 20), run by
// t/18_passwordless_browser.t. Debian's Chromium driven by playwright-core.
//
//   node t/browser/passwordless.js --pl URL --link URL --website URL --sdk URL --logs DIR --shots DIR
//
// --pl: the vhost with email and password and passwordless (email or phone, link and code),
// messages captured in <logs>/passwordless-email.txt; --link: passwordless only, magic links;
// --website / --sdk: supertokens-web-js on the website origin, its API on the sdk origin.
// Prints one JSON object per line (t/browser/lib.js): {"ok":bool,"name":...,"diag":...} per check,
// {"note":...}, and {"done":true,"ms":...} at the end.
//
// Scenarios:
//   link      a protected PHP page -> the sign-in page -> "Sign in without a password" -> an
//             email -> "check your inbox" -> the delivered magic link, opened in the same
//             browser -> signed in on the PHP page (REMOTE_USER = the email); the same link in
//             another browser asks first, then says it was used.
//   code      the same with the typed code, after one wrong code (the field error, the count).
//   other device  a fresh link opened in another browser: "Continue", then signed in there.
//   only      SuperTokensRecipes session passwordless: the page has no password field.
//   sdk       supertokens-web-js from another origin: createCode, a wrong code, resendCode, the
//             right code, a session the protected PHP page accepts, doesEmailExist, sign-out.
"use strict";
const lib = require("./lib");
const { check, is, sleep, uniqueEmail, waitFor, waitText, focused, shot, newPage } = lib;

const opt = lib.args("--pl URL --link URL --website URL --sdk URL --logs DIR --shots DIR");
const P = opt.pl;
const APP = "/php/server.php";

// The newest message the email command got for an address: {to, link, code, lifetime}, or null
function newestMessage(to) {
    const m = lib.deliveries("passwordless-email.txt", to, 3).pop();
    return m ? { to, link: m[0], code: m[1], lifetime: m[2] } : null;
}
const delivered = (to) => waitFor(() => newestMessage(to));

// What /php/server.php shows (its JSON), or null on another page
async function phpSees(page) {
    try { return JSON.parse(await page.textContent("body")); } catch (e) { return null; }
}

// A protected page, the sign-in page, "Sign in without a password", an email: the code form.
async function askForCode(page, tag, email, shots) {
    await page.goto(P + APP);
    const u = new URL(page.url());
    check(u.pathname === "/auth" && u.searchParams.get("redirectToPath") === APP, `${tag}: the PHP page sends a new visitor to the sign-in page`, page.url());
    if (shots) await shot(page, "sign-in-with-passwordless");
    check(await page.isVisible("#st-password") && !(await page.isVisible("#st-contact")), `${tag}: the password form comes first`);
    await page.click("#st-pl-switch");
    check(await page.isVisible("#st-contact") && !(await page.isVisible("#st-password")), `${tag}: "Sign in without a password" shows the passwordless form`);
    is(await focused(page), "st-contact", `${tag}: ... with the focus on its field`);
    is(await page.textContent('label[for="st-contact"]'), "Email or phone number", `${tag}: ... asking for what SuperTokensPasswordlessContactMethod allows`);
    if (shots) {
        await page.fill("#st-contact", "not-an-address");
        await page.click("#st-pl-submit");
        await waitText(page, "#st-contact-error");
        is(await page.textContent("#st-contact-error"), "Phone number is invalid", `${tag}: a malformed address shows the API's field error`);
        await shot(page, "passwordless-invalid");
    }
    await page.fill("#st-contact", email);
    const [resp] = await Promise.all([
        page.waitForResponse((x) => x.url() === P + "/auth/signinup/code" && x.request().method() === "POST"),
        page.click("#st-pl-submit"),
    ]);
    is(resp.status(), 200, `${tag}: POST /auth/signinup/code answered 200`);
    await page.waitForSelector("#st-code-form", { state: "visible", timeout: 5000 }).catch(() => {});
    is(await page.textContent("#st-sent"), `We sent a sign-in link and a code to ${email}. Open the link, or enter the code below.`,
       `${tag}: "check your inbox / enter the code"`);
    is(await focused(page), "st-code", `${tag}: ... with the focus on the code`);
    if (shots) await shot(page, "passwordless-sent");
    return delivered(email);
}

async function scenarioLink(browser, notes) {
    const email = uniqueEmail("link");
    const { context, page } = await newPage(browser, notes, "link");
    const m = await askForCode(page, "link", email, true);
    check(m && m.link.startsWith(P + "/auth/verify?preAuthSessionId="), "link: the magic link was delivered", JSON.stringify(m));
    if (!m) return context.close();
    await page.goto(m.link);
    await page.waitForURL(P + APP, { timeout: 5000 }).catch(() => {});
    is(page.url(), P + APP, "link: the link, opened in the same browser, signs in and continues to redirectToPath");
    const seen = await phpSees(page);
    is(seen && seen.REMOTE_USER, email, "link: the protected PHP page sees the user (REMOTE_USER = the email)");

    // the same link in another browser: asked first, then refused (it was used)
    const other = await newPage(browser, notes, "link again");
    await other.page.goto(m.link);
    is(await other.page.textContent("#st-title"), "Sign in", "link again: in another browser the link asks before signing in");
    is(new URL(other.page.url()).hash, "", "link again: the code is gone from the address bar");
    await shot(other.page, "passwordless-verify-confirm");
    await other.page.click("#st-submit");
    await waitText(other.page, "#st-general");
    is(await other.page.textContent("#st-general"), "This link has expired or was already used. Please ask for a new one.",
       "link again: a used link says so");
    check((await other.context.cookies()).every((c) => c.name !== "sAccessToken"), "link again: no session");
    await shot(other.page, "passwordless-link-used");
    await other.context.close();
    await context.close();
}

async function scenarioCode(browser, notes) {
    const email = uniqueEmail("code");
    const { context, page } = await newPage(browser, notes, "code");
    const m = await askForCode(page, "code", email, false);
    check(m && /^\d{6}$/.test(m.code), "code: the code was delivered", JSON.stringify(m));
    if (!m) return context.close();
    await page.fill("#st-code", m.code === "000000" ? "111111" : "000000");
    await page.click("#st-code-submit");
    await waitText(page, "#st-code-error");
    is(await page.textContent("#st-code-error"), "Incorrect code. 4 attempts left.", "code: a wrong code shows the field error with the attempts left");
    is(await page.getAttribute("#st-code", "aria-invalid"), "true", "code: ... and marks the field");
    await shot(page, "passwordless-wrong-code");
    await page.fill("#st-code", m.code);
    await page.click("#st-code-submit");
    await page.waitForURL(P + APP, { timeout: 5000 }).catch(() => {});
    is(page.url(), P + APP, "code: the right code signs in and continues to redirectToPath");
    const seen = await phpSees(page);
    is(seen && seen.REMOTE_USER, email, "code: the protected PHP page sees the user");
    // signed in: the sign-in page sends the user straight on
    await page.goto(P + "/auth?redirectToPath=" + encodeURIComponent(APP + "?again=1"));
    is(page.url(), P + APP + "?again=1", "code: a signed-in user opening the sign-in page goes straight on");
    await context.close();
}

async function scenarioOtherDevice(browser, notes) {
    const email = uniqueEmail("device");
    const first = await newPage(browser, notes, "other device");
    const m = await askForCode(first.page, "other device", email, false);
    await first.context.close();
    if (!m) return check(false, "other device: a link was delivered");
    const { context, page } = await newPage(browser, notes, "other device 2");
    await page.goto(m.link);
    is(await page.isVisible("#st-submit"), true, "other device: the link asks to continue");
    await page.click("#st-submit");
    await page.waitForURL(P + "/", { timeout: 5000 }).catch(() => {});
    is(page.url(), P + "/", "other device: Continue signs in (and goes to /: the redirectToPath stayed in the first browser)");
    check((await context.cookies()).some((c) => c.name === "sAccessToken"), "other device: with a session there");
    await page.goto(P + APP);
    const seen = await phpSees(page);
    is(seen && seen.REMOTE_USER, email, "other device: the PHP page sees the user");
    await context.close();
}

async function scenarioOnly(browser, notes) {
    const { context, page } = await newPage(browser, notes, "only");
    await page.goto(opt.link + "/auth");
    is(await page.locator("#st-password").count(), 0, "only: SuperTokensRecipes session passwordless: no password field");
    is(await page.textContent('label[for="st-contact"]'), "Email", "only: the email field (contactMethod EMAIL)");
    is(await focused(page), "st-contact", "only: ... has the focus");
    await shot(page, "passwordless-sign-in");
    await page.fill("#st-contact", uniqueEmail("only"));
    await page.click("#st-pl-submit");
    await page.waitForSelector("#st-code-form", { state: "visible", timeout: 5000 }).catch(() => {});
    is(await page.locator("#st-code").count(), 0, "only: flowType MAGIC_LINK: no code field");
    check(/^We sent a sign-in link to .*\. Open the link on this device to sign in\.$/.test(await page.textContent("#st-sent")),
          "only: ... and the page says to open the link", await page.textContent("#st-sent"));
    await page.click("#st-resend");
    await page.waitForFunction(() => /a new sign-in link/.test(document.getElementById("st-sent").textContent), null, { timeout: 5000 }).catch(() => {});
    check(/^We sent a new sign-in link to /.test(await page.textContent("#st-sent")), '"Send again" sends a new link and says so');
    await shot(page, "passwordless-link-sent");
    await context.close();
}

async function scenarioSdk(browser, notes) {
    const email = uniqueEmail("sdk");
    const { context, page } = await newPage(browser, notes, "sdk");
    await page.goto(opt.website + "/passwordless.html");
    await page.evaluate(() => window.stReady);
    let r = await page.evaluate((e) => window.stPl.exists(e), email);
    is(JSON.stringify(r), '{"status":"OK","doesExist":false}', "sdk: doesEmailExist of a new address: false");
    r = await page.evaluate((e) => window.stPl.createCode(e), email);
    is(r.status, "OK", "sdk: createCode from another origin: OK");
    is(r.flowType, "USER_INPUT_CODE", "sdk: ... flowType USER_INPUT_CODE");
    const m = await delivered(email);
    check(m && /^\d{6}$/.test(m.code) && m.link === "", "sdk: the code was delivered (no link in this flow)", JSON.stringify(m));
    if (!m) return context.close();
    r = await page.evaluate((c) => window.stPl.consume(c), m.code === "000000" ? "111111" : "000000");
    is(JSON.stringify([r.status, r.failed, r.max]), '["INCORRECT_USER_INPUT_CODE_ERROR",1,5]', "sdk: a wrong code: INCORRECT_USER_INPUT_CODE_ERROR 1 of 5");
    r = await page.evaluate(() => window.stPl.resend());
    is(r.status, "OK", "sdk: resendCode: OK");
    let m2 = m;
    for (let i = 0; i < 50 && m2.code === m.code; i++) { await sleep(100); m2 = await delivered(email); }
    check(m2.code !== m.code || m2 !== m, "sdk: a new code was delivered");
    r = await page.evaluate((c) => window.stPl.consume(c), m2.code);
    is(r.status, "OK", "sdk: the new code: consumeCode OK");
    is(r.createdNewRecipeUser, true, "sdk: ... a new user");
    is(JSON.stringify(r.emails), JSON.stringify([email]), "sdk: ... with the email");
    const s = await page.evaluate(() => window.stPl.session());
    check(s.exists && s.userId === r.userId, "sdk: the SDK has the session", JSON.stringify(s));
    const p = await page.evaluate(() => window.stPl.callProtected());
    check(p.status === 200 && p.remoteUser === r.userId, "sdk: the protected PHP page on the API origin accepts it (REMOTE_USER = the user id)", JSON.stringify(p));
    r = await page.evaluate((e) => window.stPl.exists(e), email);
    is(r.doesExist, true, "sdk: doesEmailExist: true now");
    is(await page.evaluate(() => window.stPl.signOut()), false, "sdk: signOut ends the session");
    const after = await page.evaluate(() => window.stPl.callProtected());
    is(after.status, 401, "sdk: the PHP page then answers 401");
    await context.close();
}

lib.run({ site: { recipe: "passwordless", apiDomain: opt.sdk } }, [
    ["link", scenarioLink], ["code", scenarioCode], ["other device", scenarioOtherDevice], ["only", scenarioOnly], ["sdk", scenarioSdk],
]);

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
// Prints one JSON object per line: {"ok":bool,"name":...,"diag":...} for each check, and at
// the end {"done":true,"ms":...}. Exits 0 even when a check fails (the .t file counts them);
// non-zero only when it could not run at all.
//
// Scenario 1 (website origin != API origin, supertokens-web-js, 2-second access tokens):
//   sign up with the SDK, call the protected PHP page on the API origin, wait past the token
//   lifetime, call again (the SDK refreshes transparently), sign out, call again (401).
// Scenario 2 (the built-in login page, SuperTokensUnauthAction redirect):
//   a plain navigation to a protected page lands on the login page, sign up there, come back
//   to the page showing the user; then a fresh browser signs in with the same credentials
//   (after a wrong password).
"use strict";
const fs = require("fs");
const path = require("path");

function args() {
    const a = {}, v = process.argv.slice(2);
    for (let i = 0; i < v.length; i += 2) {
        if (!v[i].startsWith("--") || v[i + 1] === undefined) throw new Error("usage: run.js --website URL --api URL --login URL --core URL --api-key KEY --logs DIR");
        a[v[i].slice(2)] = v[i + 1];
    }
    for (const k of ["website", "api", "login", "core", "api-key", "logs"]) if (!a[k]) throw new Error("missing --" + k);
    return a;
}

const opt = args();
const started = Date.now();
const CHROMIUM = process.env.ST_CHROMIUM || "/usr/bin/chromium";
const TOKEN_LIFETIME_MS = 2000; // --access-token-validity 2 of the ST_CORE_SHORT_PORT double
const PASSWORD = "browser-pass1";

function out(o) { process.stdout.write(JSON.stringify(o) + "\n"); }
let failures = 0;
function check(ok, name, diag) { if (!ok) failures++; out({ ok: !!ok, name, diag: ok ? undefined : diag }); return !!ok; }
function is(got, want, name) { return check(got === want, name, `got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`); }
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const uniqueEmail = (tag) => `${tag}-${Date.now()}-${Math.floor(Math.random() * 1e9)}@example.com`;

// /config.js of the website vhost (Alias to <logs>/browser/config.js): the API origin and the
// SDK's bundle files in load order (their names carry content hashes).
function writeSiteConfig(dir) {
    const bundleDir = path.join(__dirname, "node_modules", "supertokens-web-js", "bundle");
    const files = fs.readdirSync(bundleDir);
    const bundles = ["website", "supertokens", "session", "emailpassword"].map((name) => {
        const f = files.find((x) => x.startsWith(name + ".") && x.endsWith(".js"));
        if (!f) throw new Error(`no ${name}.*.js in ${bundleDir}`);
        return f;
    });
    fs.writeFileSync(path.join(dir, "config.js"),
        "window.ST_SITE = " + JSON.stringify({ apiDomain: opt.api, bundles }) + ";\n");
}

async function accessToken(context, origin) {
    const c = (await context.cookies(origin)).find((x) => x.name === "sAccessToken");
    return c ? c.value : null;
}

// Each page's console errors and failed requests, reported with the first failed check.
function watch(page, tag, notes) {
    page.on("console", (m) => {
        // browsers ask every origin for /favicon.ico; the test servers have none
        if (m.type() === "error" && !(m.location().url || "").endsWith("/favicon.ico")) notes.push(`${tag} console: ${m.text()}`);
    });
    page.on("pageerror", (e) => notes.push(`${tag} page error: ${e.message}`));
    page.on("requestfailed", (r) => notes.push(`${tag} request failed: ${r.method()} ${r.url()} ${r.failure() && r.failure().errorText}`));
}

async function scenarioSdk(browser, notes) {
    const context = await browser.newContext();
    const page = await context.newPage();
    watch(page, "sdk", notes);
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
    const at1 = await accessToken(context, opt.api);
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
    const at2 = await accessToken(context, opt.api);
    check(at2 && at2 !== at1, "sdk: the access token cookie changed");

    const still = await page.evaluate(() => window.stTest.signOut());
    is(still, false, "sdk: signOut: doesSessionExist is false");
    is(await accessToken(context, opt.api), null, "sdk: sign-out cleared the access token cookie");
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
    const context = await browser.newContext();
    const page = await context.newPage();
    watch(page, tag, notes);
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

    const submit = async (password, apiPath) => {
        await page.fill("#st-email", email);
        await page.fill("#st-password", password);
        const [resp] = await Promise.all([
            page.waitForResponse((x) => x.url() === opt.login + apiPath && x.request().method() === "POST"),
            page.click("#st-submit"),
        ]);
        return resp;
    };
    let resp;
    if (signUp) {
        await page.click("#st-toggle");
        is(await page.textContent("#st-title"), "Sign up", `${tag}: "Create an account instead" switches to sign-up`);
        // a password the default validator refuses: the field error is shown, no navigation
        await submit("short", "/auth/signup");
        await page.waitForFunction(() => document.getElementById("st-password-error").textContent !== "", null, { timeout: 5000 })
            .catch(() => {});
        is(await page.textContent("#st-password-error"), "Password must contain at least 8 characters, including a number",
           `${tag}: a weak password shows the API's field error`);
        if (screenshot) await page.screenshot({ path: path.join(opt.logs, "browser-login-page-field-error.png") });
        resp = await submit(PASSWORD, "/auth/signup");
    } else {
        await submit("wrong-password1", "/auth/signin");
        await page.waitForFunction(() => document.getElementById("st-general").textContent !== "", null, { timeout: 5000 })
            .catch(() => {});
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
        const context = await browser.newContext();
        const page = await context.newPage();
        watch(page, "redirect targets", notes);
        await page.goto(opt.login + "/auth?redirectToPath=" + encodeURIComponent(value));
        await page.fill("#st-email", email);
        await page.fill("#st-password", PASSWORD);
        await Promise.all([page.waitForNavigation({ timeout: 5000 }).catch(() => {}), page.click("#st-submit")]);
        const landed = new URL(page.url());
        is(landed.origin, opt.login, `redirect targets: redirectToPath=${JSON.stringify(value)} stays on the site`);
        await context.close();
    }
}

async function main() {
    let chromium;
    try {
        ({ chromium } = require("playwright-core"));
    } catch (e) {
        throw new Error("playwright-core is not installed in t/browser (run build/install-deps): " + e.message);
    }
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found (Debian package chromium; run build/install-deps)`);

    const dir = path.join(opt.logs, "browser");
    const home = path.join(dir, "home");
    fs.mkdirSync(home, { recursive: true });
    writeSiteConfig(dir);

    // Playwright gives the browser a fresh temporary profile (user-data-dir) of its own; HOME
    // and the XDG directories point at t/logs so the test user needs no home directory.
    const browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        timeout: 30000,
        args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        env: { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, ".config"),
               XDG_CACHE_HOME: path.join(home, ".cache") },
    });
    try {
        for (const [name, fn] of [
            ["sdk", (notes) => scenarioSdk(browser, notes)],
            ["login page", async (notes) => {
                const email = uniqueEmail("login");
                const id = await loginPage(browser, notes, { signUp: true, email, screenshot: true });
                const again = await loginPage(browser, notes, { signUp: false, email });
                check(id && again === id, "login page sign-in: the same user as at sign-up", `${again} vs ${id}`);
            }],
            ["redirect targets", (notes) => redirectTargets(browser, notes)],
        ]) {
            const notes = [];
            const t0 = Date.now(), failed = failures;
            try {
                await fn(notes);
            } catch (e) {
                check(false, `${name}: scenario ran to the end`, e.stack || String(e));
            }
            // the browser's console errors and failed requests, shown when a check failed (the
            // SDK's expected 401s are console errors too)
            out({ note: `${name}: ${Date.now() - t0} ms`,
                  diag: failures > failed && notes.length ? notes.join("\n") : undefined });
        }
    } finally {
        await browser.close();
    }
    out({ done: true, ms: Date.now() - started });
}

main().catch((e) => {
    process.stderr.write("run.js: " + (e.stack || e) + "\n");
    process.exit(2);
});

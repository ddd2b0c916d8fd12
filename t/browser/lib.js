// t/browser/lib.js: what the browser test runners (run.js, plain.js, verify.js, passwordless.js,
// thirdparty.js) share: their options, the checks they print, Debian's Chromium (/usr/bin/chromium,
// never a downloaded browser) launched through playwright-core, and the loop over their scenarios.
//
// A runner prints one JSON object per line, which its .t file reads (t/lib/STBrowser.pm):
// {"ok":bool,"name":...,"diag":...} per check; {"note":...,"diag":...} after each scenario (diag:
// the pages' console errors and failed requests, only when a check of that scenario failed); and
// {"done":true,"ms":...} at the end. It exits 0 even when a check fails (the .t file counts them);
// 2 when it could not run at all.
"use strict";
const fs = require("fs");
const path = require("path");

const CHROMIUM = process.env.ST_CHROMIUM || "/usr/bin/chromium";
const SCRIPT = path.basename(process.argv[1]);
const started = Date.now();
const opt = {};
let failures = 0;

// args("--website URL --logs DIR"): the command line's options, every one in usage required
function args(usage) {
    const v = process.argv.slice(2);
    for (let i = 0; i < v.length; i += 2) {
        if (!v[i].startsWith("--") || v[i + 1] === undefined) throw new Error(`usage: ${SCRIPT} ${usage}`);
        opt[v[i].slice(2)] = v[i + 1];
    }
    for (const [, k] of usage.matchAll(/--(\S+)/g)) if (!opt[k]) throw new Error("missing --" + k);
    return opt;
}

function out(o) { process.stdout.write(JSON.stringify(o) + "\n"); }
function check(ok, name, diag) { if (!ok) failures++; out({ ok: !!ok, name, diag: ok ? undefined : diag }); return !!ok; }
function is(got, want, name) { return check(got === want, name, `got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`); }
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const uniqueEmail = (tag, domain) => `${tag}-${Date.now()}-${Math.floor(Math.random() * 1e9)}@${domain || "example.com"}`;

// probe() every 100 ms until it gives something or ms (default 10 s) have passed: its last value
async function waitFor(probe, ms) {
    const end = Date.now() + (ms || 10000);
    for (;;) {
        const v = await probe();
        if (v || Date.now() > end) return v;
        await sleep(100);
    }
}

// Until the element's text is not empty; no error if it stays empty (the check after says what is there).
const waitText = (page, sel, ms) =>
    page.waitForFunction((s) => document.querySelector(s).textContent !== "", sel, { timeout: ms || 5000 }).catch(() => {});
// the id of the element that has the focus
const focused = (page) => page.evaluate(() => document.activeElement && document.activeElement.id);

// <--shots>/<name>.png; fullPage: the whole page, not only the viewport
async function shot(page, name, fullPage) {
    await page.screenshot({ path: path.join(opt.shots, name + ".png"), fullPage: !!fullPage });
}

// A page's console errors and failed requests, into notes (shown with a failed check).
function watch(page, tag, notes) {
    page.on("console", (m) => {
        // browsers ask every origin for /favicon.ico; the test servers have none
        if (m.type() === "error" && !(m.location().url || "").endsWith("/favicon.ico")) notes.push(`${tag} console: ${m.text()}`);
    });
    page.on("pageerror", (e) => notes.push(`${tag} page error: ${e.message}`));
    page.on("requestfailed", (r) => notes.push(`${tag} request failed: ${r.method()} ${r.url()} ${r.failure() && r.failure().errorText}`));
}

// A fresh browser context (cookies of its own) and a watched page in it; 800x600 unless
// contextOptions say otherwise (the README's screenshots are that size).
async function newPage(browser, notes, tag, contextOptions) {
    const context = await browser.newContext(contextOptions || { viewport: { width: 800, height: 600 } });
    const page = await context.newPage();
    watch(page, tag, notes);
    return { context, page };
}

// A cookie's value, or null; with url, only a cookie of its host (any path: context.cookies(url)
// would also filter by path, and the refresh cookie's Path is /auth/session/refresh).
async function cookie(context, name, url) {
    const host = url && new URL(url).hostname;
    const c = (await context.cookies()).find((x) => x.name === name && (!host || x.domain === host));
    return c ? c.value : null;
}

// Email and password into the built-in sign-in page, submitted: the response of the POST to
// apiPath (/auth/signin or /auth/signup) on the page's origin.
async function submitLogin(page, email, password, apiPath) {
    await page.fill("#st-email", email);
    await page.fill("#st-password", password);
    const [resp] = await Promise.all([
        page.waitForResponse((x) => x.url().startsWith(new URL(page.url()).origin + apiPath) && x.request().method() === "POST"),
        page.click("#st-submit"),
    ]);
    return resp;
}

// What a delivery command of t/bin appended to <logs>/<file> for one recipient: each message
// is the recipient's line and `fields` lines after it; the messages' fields, oldest first.
function deliveries(file, to, fields) {
    let lines = [];
    try { lines = fs.readFileSync(path.join(opt.logs, file), "utf8").split("\n"); } catch (e) { return []; }
    const out = [];
    for (let i = 0; i + fields < lines.length; i += fields + 1)
        if (lines[i] === to) out.push(lines.slice(i + 1, i + 1 + fields));
    return out;
}

// The core's users (--core, --api-key) matching a users/by-accountinfo query ("email=..." or
// "thirdPartyId=...&thirdPartyUserId=...")
async function coreUsers(query) {
    const r = await fetch(`${opt.core}/public/users/by-accountinfo?${query}&doUnionOfAccountInfo=false`,
                          { headers: { "api-key": opt["api-key"], "cdi-version": "5.4" } });
    const b = await r.json().catch(() => ({}));
    return b.users || [];
}

// oidc-provider's development screens (--oidc, t/oidc/server.mjs): any login and password, then
// its consent screen, left for the caller to confirm; shots: screenshots of both
async function providerLogin(page, login, tag, shots) {
    await page.waitForURL((u) => u.href.startsWith(opt.oidc + "/interaction/"), { timeout: 10000 });
    check(await page.locator("input[name=login]").isVisible(), `${tag}: the provider's own login screen is shown`, page.url());
    if (shots) await shot(page, "thirdparty-provider-login");
    await page.fill("input[name=login]", login);
    await page.fill("input[name=password]", "any password");
    await page.click("button[type=submit]");
    await page.waitForSelector("input[name=prompt][value=consent]", { state: "attached", timeout: 10000 });
    if (shots) await shot(page, "thirdparty-provider-consent");
}

// <logs>/browser/<file> (a website vhost's /config.js): window.ST_SITE = {apiDomain, bundles},
// bundles being the SDK's files for the recipe, in load order (their names carry content hashes).
function writeSiteConfig({ file, recipe, apiDomain }) {
    const bundleDir = path.join(__dirname, "node_modules", "supertokens-web-js", "bundle");
    const files = fs.readdirSync(bundleDir);
    const bundles = ["website", "supertokens", "session", recipe].map((name) => {
        const f = files.find((x) => x.startsWith(name + ".") && x.endsWith(".js"));
        if (!f) throw new Error(`no ${name}.*.js in ${bundleDir}`);
        return f;
    });
    const dir = path.join(opt.logs, "browser");
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, file || "config.js"), "window.ST_SITE = " + JSON.stringify({ apiDomain, bundles }) + ";\n");
}

async function launch(home) {
    let chromium;
    try {
        ({ chromium } = require("playwright-core"));
    } catch (e) {
        throw new Error("playwright-core is not installed in t/browser (run build/install-deps): " + e.message);
    }
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found (Debian package chromium; run build/install-deps)`);
    fs.mkdirSync(home, { recursive: true });
    if (opt.shots) fs.mkdirSync(opt.shots, { recursive: true });
    // Playwright gives the browser a fresh temporary profile (user-data-dir) of its own; HOME
    // and the XDG directories point at t/logs so the test user needs no home directory.
    return chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        timeout: 30000,
        args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        env: { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, ".config"), XDG_CACHE_HOME: path.join(home, ".cache") },
    });
}

// Each [name, fn(browser, notes)] in turn; a throw fails that scenario's last check, not the rest.
async function runScenarios(browser, scenarios) {
    for (const [name, fn] of scenarios) {
        const notes = [];
        const t0 = Date.now(), failed = failures;
        try {
            await fn(browser, notes);
        } catch (e) {
            check(false, `${name}: scenario ran to the end`, e.stack || String(e));
        }
        // the browser's console errors and failed requests, shown when a check failed (the
        // SDK's expected 401s are console errors too)
        out({ note: `${name}: ${Date.now() - t0} ms`, diag: failures > failed && notes.length ? notes.join("\n") : undefined });
    }
}

// The runner's main: launches Chromium (HOME in <logs>/<home>), writes the website's config
// (site: the arguments of writeSiteConfig), runs the scenarios, prints {"done":true}.
function run({ home, site }, scenarios) {
    (async () => {
        const browser = await launch(path.join(opt.logs, home || "browser", "home"));
        try {
            if (site) writeSiteConfig(site);
            await runScenarios(browser, scenarios);
        } finally {
            await browser.close();
        }
        out({ done: true, ms: Date.now() - started });
    })().catch((e) => {
        process.stderr.write(`${SCRIPT}: ${e.stack || e}\n`);
        process.exit(2);
    });
}

module.exports = {
    args, out, check, is, sleep, uniqueEmail, waitFor, waitText, focused, shot, watch, newPage, cookie,
    submitLogin, deliveries, coreUsers, providerLogin, run,
};

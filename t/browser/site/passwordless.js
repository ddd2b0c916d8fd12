// t/browser/site/passwordless.html: supertokens-web-js's Passwordless recipe on the website
// origin, talking to mod_supertokens on another origin (window.ST_SITE.plApiDomain). The test
// (t/browser/passwordless.js) calls window.stPl's actions with page.evaluate; each returns what
// the SDK returned. window.stReady resolves once the SDK is ready.
(function () {
    "use strict";
    var site = window.ST_SITE;

    function log(msg) {
        var el = document.getElementById("log");
        if (el) el.textContent += msg + "\n";
    }

    function load(src) {
        return new Promise(function (resolve, reject) {
            var s = document.createElement("script");
            s.src = src;
            s.async = false; // keep the bundles in order: website, supertokens, recipes
            s.onload = resolve;
            s.onerror = function () { reject(new Error("cannot load " + src)); };
            document.head.appendChild(s);
        });
    }

    window.stReady = Promise.all(site.bundles.map(function (b) { return load("/webjs/" + b); }))
        .then(function () {
            supertokens.init({
                appInfo: { appName: "passwordless browser test", apiDomain: site.plApiDomain, apiBasePath: "/auth" },
                recipeList: [supertokensSession.init(), supertokensPasswordless.init()],
            });
            log("SDK ready, API " + site.plApiDomain);
        });

    window.stPl = {
        exists: async function (email) {
            var res = await supertokensPasswordless.doesEmailExist({ email: email });
            return { status: res.status, doesExist: res.doesExist };
        },
        createCode: async function (email) {
            var res = await supertokensPasswordless.createCode({ email: email });
            log("createCode: " + res.status);
            return { status: res.status, flowType: res.flowType, reason: res.reason, message: res.message };
        },
        resend: async function () {
            var res = await supertokensPasswordless.resendCode();
            log("resendCode: " + res.status);
            return { status: res.status };
        },
        consume: async function (code) {
            var res = await supertokensPasswordless.consumeCode({ userInputCode: code });
            log("consumeCode: " + res.status);
            return { status: res.status, createdNewRecipeUser: res.createdNewRecipeUser,
                     userId: res.user && res.user.id, emails: res.user && res.user.emails,
                     failed: res.failedCodeInputAttemptCount, max: res.maximumCodeInputAttempts };
        },
        session: async function () {
            var exists = await supertokensSession.doesSessionExist();
            return { exists: exists, userId: exists ? await supertokensSession.getUserId() : null };
        },
        callProtected: async function () {
            var r = await fetch(site.plApiDomain + "/php/server.php", { credentials: "include" });
            var text = await r.text(), body = null;
            try { body = JSON.parse(text); } catch (e) { /* not JSON */ }
            return { status: r.status, remoteUser: body && body.REMOTE_USER, text: text.slice(0, 300) };
        },
        signOut: async function () {
            await supertokensSession.signOut();
            return await supertokensSession.doesSessionExist();
        },
    };
})();

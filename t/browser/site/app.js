// The website of the browser tests: loads the supertokens-web-js bundles (names from
// /config.js), initialises the SDK against the API origin and exposes a few actions for
// t/browser/run.js to call with page.evaluate. window.stReady resolves once the SDK is ready.
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
                appInfo: { appName: "mod_supertokens browser test", apiDomain: site.apiDomain, apiBasePath: "/auth" },
                recipeList: [supertokensSession.init(), supertokensEmailPassword.init()],
            });
            log("SDK ready, API " + site.apiDomain);
        });

    // The protected PHP page on the API origin; the SDK intercepts this fetch (it goes to
    // apiDomain), adds its headers and refreshes the session on 401 "try refresh token".
    async function callProtected() {
        var r = await fetch(site.apiDomain + "/php/server.php", { credentials: "include" });
        var text = await r.text(), body = null;
        try { body = JSON.parse(text); } catch (e) { /* not JSON */ }
        log("GET /php/server.php: " + r.status);
        return { status: r.status, remoteUser: body && body.REMOTE_USER, text: text.slice(0, 300) };
    }

    window.stTest = {
        signUp: async function (email, password) {
            var res = await supertokensEmailPassword.signUp({
                formFields: [{ id: "email", value: email }, { id: "password", value: password }],
            });
            log("sign-up: " + res.status);
            return { status: res.status, userId: res.user && res.user.id };
        },
        session: async function () {
            var exists = await supertokensSession.doesSessionExist();
            return { exists: exists, userId: exists ? await supertokensSession.getUserId() : null };
        },
        callProtected: callProtected,
        signOut: async function () {
            await supertokensSession.signOut();
            log("signed out");
            return await supertokensSession.doesSessionExist();
        },
    };
})();

// t/browser/site/sdk.js: what the website pages of the browser tests share (index.html,
// passwordless.html, thirdparty.html, sdk-signup.html; each loads this, then its own script):
// loading the supertokens-web-js bundles named in /config.js (window.ST_SITE.bundles, written
// by the runner in t/browser; the names carry content hashes), initialising the SDK, and the
// session calls the pages' tests make the same way.
(function () {
    "use strict";

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

    window.stSdk = {
        log: log,
        // Resolves once the SDK is initialised with the session recipe and window[recipe] (the
        // global its bundle defines, e.g. "supertokensEmailPassword").
        init: function (appName, apiDomain, recipe) {
            return Promise.all(window.ST_SITE.bundles.map(function (b) { return load("/webjs/" + b); }))
                .then(function () {
                    supertokens.init({
                        appInfo: { appName: appName, apiDomain: apiDomain, apiBasePath: "/auth" },
                        recipeList: [supertokensSession.init(), window[recipe].init()],
                    });
                    log("SDK ready, API " + apiDomain);
                });
        },
        session: async function () {
            var exists = await supertokensSession.doesSessionExist();
            return { exists: exists, userId: exists ? await supertokensSession.getUserId() : null };
        },
        // The protected PHP page on the API origin; the SDK intercepts this fetch (it goes to
        // apiDomain), adds its headers and refreshes the session on 401 "try refresh token".
        callProtected: async function (apiDomain) {
            var r = await fetch(apiDomain + "/php/server.php", { credentials: "include" });
            var text = await r.text(), body = null;
            try { body = JSON.parse(text); } catch (e) { /* not JSON */ }
            log("GET /php/server.php: " + r.status);
            return { status: r.status, remoteUser: body && body.REMOTE_USER, text: text.slice(0, 300) };
        },
        // Signs out; resolves to doesSessionExist afterwards.
        signOut: async function () {
            await supertokensSession.signOut();
            log("signed out");
            return await supertokensSession.doesSessionExist();
        },
    };
})();

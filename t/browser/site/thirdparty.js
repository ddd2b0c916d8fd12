// t/browser/site/thirdparty.html: supertokens-web-js's thirdparty recipe on a website whose
// origin is not the API's (the tp_site vhost; the API is tp_sdk). window.stTp.start(id) gets
// the provider's URL with getAuthorisationURLWithQueryParamsAndSetState (the frontend
// redirect URI is this origin's /callback/<id>) and goes there; on /callback/<id> the page
// calls signInAndUp (which checks the state it saved) and keeps the result in window.stDone.
// window.stTp.callProtected() fetches the protected PHP page on the API origin.
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
            s.async = false;
            s.onload = resolve;
            s.onerror = function () { reject(new Error("cannot load " + src)); };
            document.head.appendChild(s);
        });
    }

    window.stReady = Promise.all(site.bundles.map(function (b) { return load("/webjs/" + b); }))
        .then(function () {
            supertokens.init({
                appInfo: { appName: "mod_supertokens third-party test", apiDomain: site.apiDomain, apiBasePath: "/auth" },
                recipeList: [supertokensSession.init(), supertokensThirdParty.init()],
            });
            log("SDK ready, API " + site.apiDomain);
        });

    // On the provider's return: signInAndUp, whatever it gives or throws.
    window.stDone = location.pathname.indexOf("/callback/") === 0
        ? window.stReady.then(function () { return supertokensThirdParty.signInAndUp(); })
            .then(function (res) {
                log("signInAndUp: " + res.status);
                return { status: res.status, user: res.user, createdNewRecipeUser: res.createdNewRecipeUser };
            }, function (e) {
                log("signInAndUp threw: " + e.message);
                return { error: String(e.message) };
            })
        : null;

    window.stTp = {
        start: async function (id) {
            var url = await supertokensThirdParty.getAuthorisationURLWithQueryParamsAndSetState({
                thirdPartyId: id,
                frontendRedirectURI: location.origin + "/callback/" + encodeURIComponent(id),
            });
            log("to the provider: " + url.split("?")[0]);
            location.assign(url);
            return url;
        },
        session: async function () {
            var exists = await supertokensSession.doesSessionExist();
            return { exists: exists, userId: exists ? await supertokensSession.getUserId() : null };
        },
        callProtected: async function () {
            var r = await fetch(site.apiDomain + "/php/server.php", { credentials: "include" });
            var text = await r.text(), body = null;
            try { body = JSON.parse(text); } catch (e) { /* not JSON */ }
            return { status: r.status, remoteUser: body && body.REMOTE_USER, text: text.slice(0, 300) };
        },
    };
})();

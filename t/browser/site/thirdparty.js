// t/browser/site/thirdparty.html: supertokens-web-js's thirdparty recipe on a website whose
// origin is not the API's (the tp_site vhost; the API is tp_sdk; the SDK is loaded by
// t/browser/site/sdk.js). window.stTp.start(id) gets the provider's URL with
// getAuthorisationURLWithQueryParamsAndSetState (the frontend redirect URI is this origin's
// /callback/<id>) and goes there; on /callback/<id> the page calls signInAndUp (which checks
// the state it saved) and keeps the result in window.stDone.
// window.stTp.callProtected() fetches the protected PHP page on the API origin.
(function () {
    "use strict";
    var site = window.ST_SITE, sdk = window.stSdk;

    window.stReady = sdk.init("mod_supertokens third-party test", site.apiDomain, "supertokensThirdParty");

    // On the provider's return: signInAndUp, whatever it gives or throws.
    window.stDone = location.pathname.indexOf("/callback/") === 0
        ? window.stReady.then(function () { return supertokensThirdParty.signInAndUp(); })
            .then(function (res) {
                sdk.log("signInAndUp: " + res.status);
                return { status: res.status, user: res.user, createdNewRecipeUser: res.createdNewRecipeUser };
            }, function (e) {
                sdk.log("signInAndUp threw: " + e.message);
                return { error: String(e.message) };
            })
        : null;

    window.stTp = {
        start: async function (id) {
            var url = await supertokensThirdParty.getAuthorisationURLWithQueryParamsAndSetState({
                thirdPartyId: id,
                frontendRedirectURI: location.origin + "/callback/" + encodeURIComponent(id),
            });
            sdk.log("to the provider: " + url.split("?")[0]);
            location.assign(url);
            return url;
        },
        session: sdk.session,
        callProtected: function () { return sdk.callProtected(site.apiDomain); },
    };
})();

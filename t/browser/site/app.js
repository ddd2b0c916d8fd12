// The website of the browser tests (index.html): supertokens-web-js with the emailpassword
// recipe against the API origin (t/browser/site/sdk.js loads and initialises it), and a few
// actions for t/browser/run.js to call with page.evaluate. window.stReady resolves once the
// SDK is ready.
(function () {
    "use strict";
    var site = window.ST_SITE, sdk = window.stSdk;

    window.stReady = sdk.init("mod_supertokens browser test", site.apiDomain, "supertokensEmailPassword");

    window.stTest = {
        signUp: async function (email, password) {
            var res = await supertokensEmailPassword.signUp({
                formFields: [{ id: "email", value: email }, { id: "password", value: password }],
            });
            sdk.log("sign-up: " + res.status);
            return { status: res.status, userId: res.user && res.user.id };
        },
        session: sdk.session,
        callProtected: function () { return sdk.callProtected(site.apiDomain); },
        signOut: sdk.signOut,
    };
})();

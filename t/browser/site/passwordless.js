// t/browser/site/passwordless.html: supertokens-web-js's Passwordless recipe on the website
// origin, talking to mod_supertokens on another origin (window.ST_SITE.apiDomain; the SDK is
// loaded by t/browser/site/sdk.js). The test (t/browser/passwordless.js) calls window.stPl's
// actions with page.evaluate; each returns what the SDK returned. window.stReady resolves once
// the SDK is ready.
(function () {
    "use strict";
    var site = window.ST_SITE, sdk = window.stSdk;

    window.stReady = sdk.init("passwordless browser test", site.apiDomain, "supertokensPasswordless");

    window.stPl = {
        exists: async function (email) {
            var res = await supertokensPasswordless.doesEmailExist({ email: email });
            return { status: res.status, doesExist: res.doesExist };
        },
        createCode: async function (email) {
            var res = await supertokensPasswordless.createCode({ email: email });
            sdk.log("createCode: " + res.status);
            return { status: res.status, flowType: res.flowType, reason: res.reason, message: res.message };
        },
        resend: async function () {
            var res = await supertokensPasswordless.resendCode();
            sdk.log("resendCode: " + res.status);
            return { status: res.status };
        },
        consume: async function (code) {
            var res = await supertokensPasswordless.consumeCode({ userInputCode: code });
            sdk.log("consumeCode: " + res.status);
            return { status: res.status, createdNewRecipeUser: res.createdNewRecipeUser,
                     userId: res.user && res.user.id, emails: res.user && res.user.emails,
                     failed: res.failedCodeInputAttemptCount, max: res.maximumCodeInputAttempts };
        },
        session: sdk.session,
        callProtected: function () { return sdk.callProtected(site.apiDomain); },
        signOut: sdk.signOut,
    };
})();

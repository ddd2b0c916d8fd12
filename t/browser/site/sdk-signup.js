// t/browser/site/sdk-signup.html: supertokens-web-js on the origin that serves it (the
// plain_nosignup vhost, SuperTokensSignUp Off). window.stSignUp(email, password) calls the SDK's
// signUp and shows what an app shows for each status: the SDK's SIGN_UP_NOT_ALLOWED carries a
// reason meant for the user (the prebuilt UI displays it as the form's error).
(function () {
    "use strict";
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
    window.stReady = Promise.all(window.ST_SITE.bundles.map(function (b) { return load("/webjs/" + b); }))
        .then(function () {
            supertokens.init({
                appInfo: { appName: "sign-up off", apiDomain: location.origin, apiBasePath: "/auth" },
                recipeList: [supertokensSession.init(), supertokensEmailPassword.init()],
            });
        });
    window.stSignUp = async function (email, password) {
        var res = await supertokensEmailPassword.signUp({
            formFields: [{ id: "email", value: email }, { id: "password", value: password }],
        });
        var shown = res.status === "SIGN_UP_NOT_ALLOWED" ? res.reason
            : res.status === "FIELD_ERROR" ? res.formFields.map(function (f) { return f.error; }).join(" ")
            : res.status;
        document.getElementById("message").textContent = shown;
        return { status: res.status, reason: res.reason, shown: shown };
    };
})();

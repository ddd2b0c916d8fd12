// t/browser/site/sdk-signup.html: supertokens-web-js (loaded by t/browser/site/sdk.js) on the
// origin that serves it (the plain_nosignup vhost, SuperTokensSignUp Off).
// window.stSignUp(email, password) calls the SDK's signUp and shows what an app shows for each
// status: the SDK's SIGN_UP_NOT_ALLOWED carries a reason meant for the user (the prebuilt UI
// displays it as the form's error).
(function () {
    "use strict";
    window.stReady = window.stSdk.init("sign-up off", location.origin, "supertokensEmailPassword");
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

// t/prebuilt/app.jsx: a website built on the official prebuilt UI (supertokens-auth-react) as
// SuperTokens' React quick-start writes one, against an Apache API origin instead of a Node
// backend: the EmailPassword and ThirdParty sign-in page at /auth, the provider's callback at
// /auth/callback/<id>, required email verification (/auth/verify-email, the link's target), or
// Passwordless (codes and magic links, /auth/verify), and a home page behind SessionAuth that
// fetches the API origin's
// protected PHP page (credentials included, as the SDK sends them) and shows REMOTE_USER.
// window.ST_PREBUILT (the vhost's /config.js, written by t/browser/prebuilt.js) gives the
// origins. Bundled by build.js with esbuild when t/20_prebuilt_ui.t runs.
import React, { useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import SuperTokens, { SuperTokensWrapper } from "supertokens-auth-react";
import EmailPassword from "supertokens-auth-react/recipe/emailpassword";
import ThirdParty from "supertokens-auth-react/recipe/thirdparty";
import EmailVerification from "supertokens-auth-react/recipe/emailverification";
import Passwordless from "supertokens-auth-react/recipe/passwordless";
import Session, { SessionAuth, signOut, useSessionContext } from "supertokens-auth-react/recipe/session";
import { EmailPasswordPreBuiltUI } from "supertokens-auth-react/recipe/emailpassword/prebuiltui";
import { ThirdPartyPreBuiltUI } from "supertokens-auth-react/recipe/thirdparty/prebuiltui";
import { EmailVerificationPreBuiltUI } from "supertokens-auth-react/recipe/emailverification/prebuiltui";
import { PasswordlessPreBuiltUI } from "supertokens-auth-react/recipe/passwordless/prebuiltui";
import { canHandleRoute, getRoutingComponent } from "supertokens-auth-react/ui";

const cfg = window.ST_PREBUILT;
// cfg.passwordless: the website signs in with magic links and codes by email instead
const PREBUILT = cfg.passwordless ? [PasswordlessPreBuiltUI]
    : [EmailPasswordPreBuiltUI, ThirdPartyPreBuiltUI, EmailVerificationPreBuiltUI];
const RECIPES = cfg.passwordless ? [Passwordless.init({ contactMethod: "EMAIL" })] : [
    EmailPassword.init(),
    ThirdParty.init({ signInAndUpFeature: { providers: [{ id: "node-oidc", name: "Acme SSO" }] } }),
    EmailVerification.init({ mode: "REQUIRED" }),
];

SuperTokens.init({
    appInfo: {
        appName: "Acme Intranet",
        apiDomain: cfg.apiDomain,
        websiteDomain: cfg.websiteDomain,
        apiBasePath: "/auth",
        websiteBasePath: "/auth",
    },
    recipeList: [...RECIPES, Session.init()],
});

function Home() {
    const session = useSessionContext();
    const [php, setPhp] = useState(null);
    useEffect(() => {
        fetch(cfg.apiDomain + "/php/server.php", { credentials: "include" })
            .then(async (r) => setPhp({ status: r.status, env: r.status === 200 ? await r.json() : null }))
            .catch((e) => setPhp({ status: 0, error: String(e) }));
    }, []);
    if (session.loading) return null;
    return (
        <main>
            <h1>Acme Intranet</h1>
            <p>User id: <span id="user-id">{session.userId}</span></p>
            <p>REMOTE_USER on the API origin: <span id="remote-user">{php ? (php.env ? php.env.REMOTE_USER : "HTTP " + php.status) : ""}</span></p>
            <button id="sign-out" onClick={async () => { await signOut(); window.location.href = "/auth"; }}>Sign out</button>
        </main>
    );
}

function App() {
    if (canHandleRoute(PREBUILT)) return getRoutingComponent(PREBUILT);
    return (
        <SessionAuth>
            <Home />
        </SessionAuth>
    );
}

createRoot(document.getElementById("root")).render(
    <SuperTokensWrapper>
        <App />
    </SuperTokensWrapper>
);

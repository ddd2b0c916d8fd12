'use strict';
// Owns: the supertokens-node 24.0.3 + express 4 application used by the fidelity suites,
// loaded from t/core/sdk/node_modules (installed by build/run-core-tests), plus a raw HTTP
// client for driving it. Each fidelity test file runs in its own process, so each may call
// supertokens.init once with its own options.

const http = require('http');
const path = require('path');

const SDK_DIR = path.join(__dirname, '..', 'sdk', 'node_modules');

function sdkRequire(name) {
  try {
    return require(path.join(SDK_DIR, name));
  } catch (e) {
    throw new Error(`cannot load ${name} from ${SDK_DIR}: run build/run-core-tests (it installs t/core/sdk). ${e.message}`);
  }
}

// Starts express + the SDK against coreUrl. sessionOpts go to Session.init. With
// extra.rolesAndEv, UserRoles.init() and EmailVerification.init({mode: "OPTIONAL"}) join the
// recipe list; the verification e-mails the SDK would send are captured in app.emails. With
// extra.passwordless ({contactMethod, flowType}), Passwordless.init joins too: its e-mails go
// to app.emails, its text messages to app.sms, and both throw while app.deliveryFails is set.
async function startSdkApp(coreUrl, sessionOpts = {}, extra = {}) {
  const supertokens = sdkRequire('supertokens-node');
  const Session = sdkRequire('supertokens-node/recipe/session');
  const EmailPassword = sdkRequire('supertokens-node/recipe/emailpassword');
  const { middleware, errorHandler } = sdkRequire('supertokens-node/framework/express');
  const { verifySession } = sdkRequire('supertokens-node/recipe/session/framework/express');
  const express = sdkRequire('express');
  const version = sdkRequire('supertokens-node/lib/build/version').version;

  const server = http.createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const port = server.address().port;
  const emails = [];
  const sms = [];
  const state = { deliveryFails: false };
  const recipeList = [EmailPassword.init(), Session.init(sessionOpts)];
  if (extra.passwordless) recipeList.push(passwordlessRecipe(extra.passwordless, emails, sms, state));
  if (extra.rolesAndEv) {
    recipeList.push(sdkRequire('supertokens-node/recipe/userroles').init());
    recipeList.push(sdkRequire('supertokens-node/recipe/emailverification').init({ mode: 'OPTIONAL',
      emailDelivery: { override: (orig) => ({ ...orig, sendEmail: async (input) => { emails.push(input); } }) } }));
  }
  // extra.thirdPartyProviders: ThirdParty.init with these providers (and EmailVerification, so
  // the provider's verified flag can be checked); Multitenancy is always on in the SDK
  if (extra.thirdPartyProviders) {
    recipeList.push(sdkRequire('supertokens-node/recipe/thirdparty').init({
      signInAndUpFeature: { providers: extra.thirdPartyProviders } }));
    recipeList.push(sdkRequire('supertokens-node/recipe/emailverification').init({ mode: 'OPTIONAL' }));
  }
  supertokens.init({
    framework: 'express',
    supertokens: { connectionURI: coreUrl },
    appInfo: { appName: 'fidelity', apiDomain: `http://localhost:${port}`, websiteDomain: 'http://localhost:3000',
      apiBasePath: '/auth' },
    recipeList,
  });
  const app = express();
  app.use(middleware());
  const show = (req, res) => res.json({ userId: req.session.getUserId(), handle: req.session.getHandle(),
    tenantId: req.session.getTenantId() });
  app.get('/protected', verifySession(), show);
  app.post('/protected', verifySession(), show);
  app.get('/protected-db', verifySession({ checkDatabase: true }), show);
  if (extra.rolesAndEv) addClaimRoutes(app, verifySession, show);
  app.use(errorHandler());
  // Anything else is a bug in the double or the test: make it visible.
  app.use((err, req, res, next) => { // eslint-disable-line no-unused-vars
    res.status(500).json({ unexpected: String(err && err.message) });
  });
  server.on('request', app);
  return {
    port, version, emails, sms,
    set deliveryFails(v) { state.deliveryFails = v; },
    close: () => new Promise((r) => { server.close(() => r()); server.closeAllConnections(); }),
  };
}

// Passwordless.init with deliveries captured (a delivery that throws is the SDK's sending failure).
function passwordlessRecipe(config, emails, sms, state) {
  const keep = (list) => async (input) => {
    if (state.deliveryFails) throw new Error('delivery failed (test)');
    list.push(input);
  };
  return sdkRequire('supertokens-node/recipe/passwordless').init({ ...config,
    emailDelivery: { override: (orig) => ({ ...orig, sendEmail: keep(emails) }) },
    smsDelivery: { override: (orig) => ({ ...orig, sendSms: keep(sms) }) } });
}

// Routes whose claim validators always refetch the claim from the core (and, when the value
// changed, have the SDK regenerate the access token through the core). A maxAge of 0 would do
// the same but fails as "expired" whenever a millisecond passes between fetch and check.
function addClaimRoutes(app, verifySession, show) {
  const { UserRoleClaim, PermissionClaim } = sdkRequire('supertokens-node/recipe/userroles');
  const { EmailVerificationClaim } = sdkRequire('supertokens-node/recipe/emailverification');
  const needs = (validator) => verifySession({
    overrideGlobalClaimValidators: (g) => [...g, { ...validator, shouldRefetch: () => true }] });
  app.get('/need-role', needs(UserRoleClaim.validators.includes('admin')), show);
  app.get('/need-perm', needs(PermissionClaim.validators.includes('write')), show);
  app.get('/need-verified', needs(EmailVerificationClaim.validators.isVerified()), show);
}

// One request to the app: returns {status, headers, raw: [[name, value]...], text, json, cookies}.
function call(port, method, p, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const h = { ...headers };
    let data;
    if (body !== undefined) {
      data = JSON.stringify(body);
      h['content-type'] = 'application/json';
      h['content-length'] = Buffer.byteLength(data);
    }
    const req = http.request({ host: '127.0.0.1', port, method, path: p, headers: h, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const raw = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) raw.push([res.rawHeaders[i].toLowerCase(), res.rawHeaders[i + 1]]);
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, raw, text, json, cookies: res.headers['set-cookie'] || [] });
      });
    });
    req.on('error', reject);
    if (data !== undefined) req.write(data);
    req.end();
  });
}

module.exports = { startSdkApp, call, sdkRequire };

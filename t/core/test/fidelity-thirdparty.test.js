'use strict';
// Fidelity suite for ThirdParty: supertokens-node 24.0.3 with ThirdParty.init (a custom OAuth
// provider whose user-info endpoint is a small local server) runs against the double: the FDI
// sign-in-up with oAuthTokens, the core calls it makes and their order, the recipe functions
// (manuallyCreateOrUpdateUser: new user, same user, email change, verified flag), and the
// tenant's providers stored in the core (Multitenancy.createOrUpdateThirdPartyConfig) as
// GET /auth/loginmethods and getProvider merge them.

const http = require('http');
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startDouble, request, UUID_RE } = require('./helpers');
const { startSdkApp, call, sdkRequire } = require('./sdkapp');

// GET /userinfo: who the bearer token names ("tok-<n>" => user n); "noemail" has no email.
function startUserInfo() {
  const server = http.createServer((req, res) => {
    const token = (req.headers.authorization || '').replace(/^Bearer /, '');
    const m = /^tok-(\w+)$/.exec(token);
    res.setHeader('content-type', 'application/json');
    if (!m) { res.statusCode = 401; res.end('{"error":"invalid_token"}'); return; }
    const body = m[1] === 'noemail' ? { sub: 'noemail' } : { sub: `u-${m[1]}`, email: `User.${m[1]}@Example.com `,
      email_verified: m[1] !== 'unverified' };
    res.end(JSON.stringify(body));
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}

describe('supertokens-node 24.0.3 ThirdParty against the core double', () => {
  let core;
  let app;
  let info;
  let ThirdParty;
  let Multitenancy;
  let EV;
  const ctl = (name, body) => request(core.port, body === undefined ? 'GET' : 'POST', `/__test/${name}`, { body });
  const coreCalls = async () => (await ctl('requests')).json.requests.filter((q) => q.path !== '/.well-known/jwks.json')
    .map((q) => `${q.method} ${q.path}${q.rawQuery ? `?${q.rawQuery}` : ''}`);
  const signinup = (token, headers = {}) => call(app.port, 'POST', '/auth/signinup', {
    body: { thirdPartyId: 'custom', oAuthTokens: { access_token: token } },
    headers: { rid: 'thirdparty', 'st-auth-mode': 'cookie', ...headers } });

  before(async () => {
    core = await startDouble();
    info = await startUserInfo();
    const userInfoEndpoint = `http://127.0.0.1:${info.address().port}/userinfo`;
    app = await startSdkApp(core.base, {}, { thirdPartyProviders: [{ config: { thirdPartyId: 'custom', name: 'Custom',
      clients: [{ clientId: 'cid', clientSecret: 'secret' }], authorizationEndpoint: 'https://idp.example/auth',
      tokenEndpoint: 'https://idp.example/token', userInfoEndpoint } }] });
    ThirdParty = sdkRequire('supertokens-node/recipe/thirdparty');
    Multitenancy = sdkRequire('supertokens-node/recipe/multitenancy');
    EV = sdkRequire('supertokens-node/recipe/emailverification');
  });
  after(async () => {
    if (app) await app.close();
    if (info) info.close();
    if (core) await core.stop();
  });

  it('signs up through POST /auth/signinup with oAuthTokens, then signs the same user in', async () => {
    await ctl('reset', { all: true });
    const r = await signinup('tok-1');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status, 'OK');
    assert.equal(r.json.createdNewRecipeUser, true);
    const u = r.json.user;
    assert.match(u.id, UUID_RE);
    assert.deepEqual(u.emails, ['user.1@example.com']);
    assert.deepEqual(u.thirdParty, [{ id: 'custom', userId: 'u-1' }]);
    // the SDK's default userInfoMap reads emailVerified from the ID token last: without an ID
    // token the user-info API's email_verified: true ends up false (the module does the same)
    assert.deepEqual(u.loginMethods.map((m) => [m.recipeId, m.email, m.verified, m.thirdParty]),
      [['thirdparty', 'user.1@example.com', false, { id: 'custom', userId: 'u-1' }]]);
    assert.ok(r.cookies.some((c) => c.startsWith('sAccessToken=')), 'a session was made');
    const calls = await coreCalls();
    assert.ok(calls.includes('POST /public/recipe/signinup'), calls.join('\n'));
    assert.ok(calls.includes('GET /public/users/by-accountinfo?thirdPartyId=custom&thirdPartyUserId=u-1&doUnionOfAccountInfo=false')
      || calls.some((c) => c.startsWith('GET /public/users/by-accountinfo?') && c.includes('thirdPartyUserId=u-1')), calls.join('\n'));
    const body = JSON.parse((await ctl('last-request?path=/public/recipe/signinup')).json.body);
    assert.deepEqual(body, { thirdPartyId: 'custom', thirdPartyUserId: 'u-1',
      email: { id: 'User.1@Example.com ', isVerified: false } });
    assert.deepEqual(calls.filter((c) => !c.startsWith('GET /public/users/by-accountinfo') && !c.startsWith('GET /apiversion')), [
      'GET /public/recipe/multitenancy/tenant/v2', 'POST /public/recipe/signinup', 'GET /user/id?userId=' + u.id,
      `GET /recipe/user/email/verify?userId=${u.id}&email=user.1%40example.com`, 'POST /public/recipe/session']);

    const again = await signinup('tok-1');
    assert.equal(again.json.status, 'OK');
    assert.equal(again.json.createdNewRecipeUser, false);
    assert.equal(again.json.user.id, u.id);
  });

  it('answers NO_EMAIL_GIVEN_BY_PROVIDER without calling the core for a user', async () => {
    await ctl('reset', {});
    const r = await signinup('tok-noemail');
    assert.deepEqual(r.json, { status: 'NO_EMAIL_GIVEN_BY_PROVIDER' });
    assert.ok(!(await coreCalls()).includes('POST /public/recipe/signinup'));
  });

  it('the recipe function: a new user, the same user, an email change, the verified flag', async () => {
    await ctl('reset', { all: true });
    const a = await ThirdParty.manuallyCreateOrUpdateUser('public', 'google', 'g-1', 'Ann@Example.com', false);
    assert.equal(a.status, 'OK');
    assert.equal(a.createdNewRecipeUser, true);
    assert.equal(a.user.loginMethods[0].email, 'ann@example.com');
    assert.equal(a.user.loginMethods[0].verified, false);
    const b = await ThirdParty.manuallyCreateOrUpdateUser('public', 'google', 'g-1', 'ann2@example.com', true);
    assert.equal(b.createdNewRecipeUser, false);
    assert.equal(b.user.id, a.user.id);
    assert.equal(b.user.loginMethods[0].email, 'ann2@example.com');
    assert.equal(b.user.loginMethods[0].verified, true);
    assert.equal(await EV.isEmailVerified(b.recipeUserId, 'ann2@example.com'), true);
    // another tenant is another user
    const c = await ThirdParty.manuallyCreateOrUpdateUser('t1', 'google', 'g-1', 'ann@example.com', false);
    assert.notEqual(c.user.id, a.user.id);
    assert.deepEqual(c.user.tenantIds, ['t1']);
  });

  it('providers stored in the core for a tenant: loginmethods and sign-in-up use them', async () => {
    await ctl('reset', { all: true });
    const created = await Multitenancy.createOrUpdateThirdPartyConfig('t2', { thirdPartyId: 'custom', name: 'From core',
      clients: [{ clientId: 'core-cid', clientSecret: 's2' }] });
    assert.equal(created.status, 'OK');
    assert.equal(created.createdNew, true);
    const t = (await request(core.port, 'GET', '/t2/recipe/multitenancy/tenant/v2', { headers: { 'cdi-version': '5.4' } })).json;
    assert.equal(t.thirdParty.providers[0].thirdPartyId, 'custom');
    assert.deepEqual(t.thirdParty.providers[0].clients[0].clientId, 'core-cid');
    const lm = await call(app.port, 'GET', '/auth/t2/loginmethods');
    assert.deepEqual(lm.json.thirdParty, { enabled: true, providers: [{ id: 'custom', name: 'From core' }] });
    const pub = await call(app.port, 'GET', '/auth/loginmethods');
    assert.deepEqual(pub.json.thirdParty.providers, [{ id: 'custom', name: 'Custom' }]);
    // the authorisation URL carries the core's client id (core config wins over the static one)
    const au = await call(app.port, 'GET', '/auth/t2/authorisationurl?thirdPartyId=custom&redirectURIOnProviderDashboard='
      + encodeURIComponent('http://localhost:3000/auth/callback/custom'));
    assert.equal(au.json.status, 'OK');
    assert.equal(new URL(au.json.urlWithQueryParams).searchParams.get('client_id'), 'core-cid');
    const removed = await Multitenancy.deleteThirdPartyConfig('t2', 'custom');
    assert.equal(removed.didConfigExist, true);
  });
});

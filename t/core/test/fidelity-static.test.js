'use strict';
// Fidelity suite, static signing keys (protocol.md §2.2, §2.3 step 7, §3.3): supertokens-node
// 24.0.3 with useDynamicAccessTokenSigningKey: false against the core double. The SDK asks the
// core for static-key sessions on create and refresh, verifies s-<uuid> tokens against the JWKS,
// and refuses a d- token; mod_supertokens' SuperTokensAccessTokenSigningKey static copies this.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startDouble, request, cdi, decodeJwt, verifyWithJwks, UUID_RE } = require('./helpers');
const { startSdkApp, call } = require('./sdkapp');

const EP = { rid: 'emailpassword' };
const form = (email, password) => ({ formFields: [{ id: 'email', value: email }, { id: 'password', value: password }] });
const STATIC_KID = new RegExp(`^s-${UUID_RE.source.slice(1, -1)}$`);

describe('supertokens-node 24.0.3 with useDynamicAccessTokenSigningKey false against the core double', () => {
  let core;
  let app;
  const s = {};
  const lastCore = async (p) => (await request(core.port, 'GET', `/__test/last-request?path=${p}`)).json.json;
  const jwks = async () => (await request(core.port, 'GET', '/.well-known/jwks.json')).json;
  const bearer = (token) => ({ authorization: `Bearer ${token}` });

  before(async () => {
    core = await startDouble();
    app = await startSdkApp(core.base, { useDynamicAccessTokenSigningKey: false });
  });
  after(async () => {
    if (app) await app.close();
    if (core) await core.stop();
  });

  it('sign-up: the core is asked for a static key and signs with s-<uuid>', async () => {
    const r = await call(app.port, 'POST', '/auth/signup', { headers: EP, body: form('static@example.com', 'abcd1234') });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status, 'OK', r.text);
    assert.equal((await lastCore('/public/recipe/session')).useDynamicSigningKey, false, 'createNewSession sends false');
    s.access = r.headers['st-access-token'];
    s.refresh = r.headers['st-refresh-token'];
    assert.ok(s.access && s.refresh, 'header-mode tokens (no st-auth-mode)');
    const { header } = decodeJwt(s.access);
    assert.match(header.kid, STATIC_KID);
    s.kid = header.kid;
  });

  it('the JWKS lists the static key, and the token verifies against it', async () => {
    const set = await jwks();
    const key = set.keys.find((k) => k.kid === s.kid);
    assert.ok(key, `JWKS lists ${s.kid}: ${set.keys.map((k) => k.kid).join(', ')}`);
    assert.deepEqual([key.kty, key.alg, key.use], ['RSA', 'RS256', 'sig']);
    assert.ok(set.keys.some((k) => k.kid.startsWith('d-')), 'the dynamic keys stay listed too');
    assert.ok(verifyWithJwks(s.access, set));
  });

  it('getSession (verifySession) accepts the static-key token', async () => {
    const r = await call(app.port, 'GET', '/protected', { headers: bearer(s.access) });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.userId, decodeJwt(s.access).payload.sub);
  });

  it('refresh asks for a static key again and the new token keeps it', async () => {
    const r = await call(app.port, 'POST', '/auth/session/refresh', { headers: { rid: 'session', ...bearer(s.refresh) } });
    assert.equal(r.status, 200, r.text);
    const sent = await lastCore('/recipe/session/refresh');
    assert.equal(sent.useDynamicSigningKey, false, 'refreshSession sends false');
    assert.equal(sent.refreshToken, s.refresh);
    s.access2 = r.headers['st-access-token'];
    assert.equal(decodeJwt(s.access2).header.kid, s.kid, 'the one static key signs again');
    assert.ok(decodeJwt(s.access2).payload.parentRefreshTokenHash1, 'a refreshed token, first use goes to the core');
  });

  it('the refreshed token verifies; the core verify it triggers hands back a static-key token', async () => {
    const r = await call(app.port, 'GET', '/protected', { headers: bearer(s.access2) });
    assert.equal(r.status, 200, r.text);
    const adopted = r.headers['st-access-token'];
    assert.ok(adopted, 'promoted token sent back');
    assert.equal(decodeJwt(adopted).header.kid, s.kid);
    assert.equal((await call(app.port, 'GET', '/protected', { headers: bearer(adopted) })).status, 200);
  });

  it('a dynamic-key token of the same core is refused with try refresh token (§2.3 step 7)', async () => {
    const user = decodeJwt(s.access).payload.sub;
    const created = (await cdi(core.port, 'POST', '/public/recipe/session', { userId: user,
      userDataInJWT: {}, userDataInDatabase: {}, useDynamicSigningKey: true, enableAntiCsrf: false })).json;
    const dynamic = created.accessToken.token;
    assert.match(decodeJwt(dynamic).header.kid, /^d-\d+$/);
    assert.ok(verifyWithJwks(dynamic, await jwks()), 'authentic: only its key kind is wrong');
    const r = await call(app.port, 'GET', '/protected', { headers: bearer(dynamic) });
    assert.equal(r.status, 401);
    assert.equal(r.text, '{"message":"try refresh token"}');
  });
});

'use strict';
// Fidelity suite, anti-CSRF VIA_TOKEN (protocol.md §1.7): supertokens-node 24.0.3 asks the core
// double for anti-CSRF tokens, sends them in the anti-csrf header, and the double's verify and
// refresh checks decide the SDK's answers. Expected values from protocol.md §1.5, §1.7, §1.8.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startDouble, request, sha256, decodeJwt, UUID_RE } = require('./helpers');
const { startSdkApp, call } = require('./sdkapp');

const EP = { rid: 'emailpassword' };
const form = (email, password) => ({ formFields: [{ id: 'email', value: email }, { id: 'password', value: password }] });
const TOKEN_HEADERS = ['front-token', 'access-control-expose-headers', 'set-cookie', 'st-access-token', 'st-refresh-token', 'anti-csrf'];
const names = (r) => r.raw.map(([n]) => n).filter((n) => TOKEN_HEADERS.includes(n));
const cookieOf = (r, name) => {
  const line = r.cookies.find((c) => c.startsWith(`${name}=`));
  return line && decodeURIComponent(line.slice(name.length + 1).split(';')[0]);
};

describe('supertokens-node 24.0.3 with antiCsrf VIA_TOKEN against the core double', () => {
  let core;
  let app;
  const s = {};
  const post = (p, headers, body) => call(app.port, 'POST', p, { headers, body });
  const lastCore = async (p) => (await request(core.port, 'GET', `/__test/last-request?path=${p}`)).json.json;

  before(async () => {
    core = await startDouble();
    app = await startSdkApp(core.base, { antiCsrf: 'VIA_TOKEN' });
    const r = await post('/auth/signup', EP, form('csrf@example.com', 'abcd1234'));
    assert.equal(r.json.status, 'OK', r.text);
  });
  after(async () => {
    if (app) await app.close();
    if (core) await core.stop();
  });

  it('cookie-mode sign in: anti-csrf header = JWT claim, exposed', async () => {
    const r = await post('/auth/signin', { ...EP, 'st-auth-mode': 'cookie' }, form('csrf@example.com', 'abcd1234'));
    assert.equal(r.status, 200, r.text);
    assert.equal((await lastCore('/public/recipe/session')).enableAntiCsrf, true);
    assert.deepEqual(names(r), ['front-token', 'access-control-expose-headers', 'set-cookie', 'set-cookie', 'anti-csrf']);
    assert.equal(r.headers['access-control-expose-headers'], 'front-token, anti-csrf');
    assert.match(r.headers['anti-csrf'], UUID_RE);
    s.access = cookieOf(r, 'sAccessToken');
    s.refresh = cookieOf(r, 'sRefreshToken');
    s.csrf = r.headers['anti-csrf'];
    assert.equal(decodeJwt(s.access).payload.antiCsrfToken, s.csrf);
  });

  it('POST needs the anti-csrf header; GET does not', async () => {
    const cookie = `sAccessToken=${s.access}`;
    const no = await post('/protected', { cookie });
    assert.equal(no.status, 401);
    assert.equal(no.text, '{"message":"try refresh token"}');
    const bad = await post('/protected', { cookie, 'anti-csrf': 'not-it' });
    assert.equal(bad.status, 401);
    const ok = await post('/protected', { cookie, 'anti-csrf': s.csrf });
    assert.equal(ok.status, 200, ok.text);
    assert.equal((await call(app.port, 'GET', '/protected', { headers: { cookie } })).status, 200);
  });

  it('refresh: the core checks the header against the refresh token', async () => {
    const cookie = `sRefreshToken=${encodeURIComponent(s.refresh)}`;
    const no = await post('/auth/session/refresh', { rid: 'session', cookie });
    assert.equal(no.status, 401);
    assert.equal(no.text, '{"message":"unauthorised"}');
    assert.equal(no.headers['front-token'], 'remove', 'core UNAUTHORISED clears the session');
    const ok = await post('/auth/session/refresh', { rid: 'session', cookie, 'anti-csrf': s.csrf });
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(await lastCore('/recipe/session/refresh'),
      { refreshToken: s.refresh, antiCsrfToken: s.csrf, enableAntiCsrf: true, useDynamicSigningKey: true });
    assert.match(ok.headers['anti-csrf'], UUID_RE);
    assert.notEqual(ok.headers['anti-csrf'], s.csrf);
    const access = cookieOf(ok, 'sAccessToken');
    assert.equal(decodeJwt(access).payload.antiCsrfToken, ok.headers['anti-csrf']);
    assert.equal(decodeJwt(access).payload.parentRefreshTokenHash1, sha256(s.refresh));
    s.access2 = access;
    s.csrf2 = ok.headers['anti-csrf'];
  });

  it('first use of the refreshed token: core verify with anti-CSRF, anti-csrf echoed', async () => {
    const r = await post('/protected', { cookie: `sAccessToken=${s.access2}`, 'anti-csrf': s.csrf2 });
    assert.equal(r.status, 200, r.text);
    const v = await lastCore('/recipe/session/verify');
    assert.deepEqual(v, { accessToken: s.access2, antiCsrfToken: s.csrf2, doAntiCsrfCheck: true, enableAntiCsrf: true,
      checkDatabase: false });
    assert.equal(r.headers['anti-csrf'], s.csrf2);
    const promoted = cookieOf(r, 'sAccessToken');
    assert.equal(decodeJwt(promoted).payload.parentRefreshTokenHash1, null);
    assert.equal(decodeJwt(promoted).payload.antiCsrfToken, s.csrf2);
  });

  it('header mode never uses anti-CSRF', async () => {
    const r = await post('/auth/signin', { ...EP, 'st-auth-mode': 'header' }, form('csrf@example.com', 'abcd1234'));
    assert.equal(r.status, 200);
    assert.equal((await lastCore('/public/recipe/session')).enableAntiCsrf, false);
    assert.equal(r.headers['anti-csrf'], undefined);
    assert.equal(decodeJwt(r.headers['st-access-token']).payload.antiCsrfToken, null);
    const p = await post('/protected', { authorization: `Bearer ${r.headers['st-access-token']}` });
    assert.equal(p.status, 200);
  });
});

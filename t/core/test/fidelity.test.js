'use strict';
// Fidelity suite: the official supertokens-node 24.0.3 SDK (express 4) runs against the core
// double and is driven with raw HTTP. Every assertion is about what the SDK answers (status,
// body, Set-Cookie attributes, front-token, st-*-token headers); expected values come from
// protocol.md §1.4, §1.5, §1.6, §1.8, §1.10, §1.11, §4 and §6.3 — if the double strays from
// the real core, the SDK's output changes and these fail.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startDouble, request, sha256, decodeJwt, verifyWithJwks, sleep } = require('./helpers');
const { startSdkApp, call } = require('./sdkapp');

const EPOCH = 'Thu, 01 Jan 1970 00:00:00 GMT';
const CLEAR_ACCESS = `sAccessToken=; Path=/; Expires=${EPOCH}; HttpOnly; SameSite=Lax`;
const CLEAR_REFRESH = `sRefreshToken=; Path=/auth/session/refresh; Expires=${EPOCH}; HttpOnly; SameSite=Lax`;
const ACCESS_RE = /^sAccessToken=([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+); Path=\/; Expires=([^;]+); HttpOnly; SameSite=Lax$/;
const REFRESH_RE = /^sRefreshToken=([^;]+); Path=\/auth\/session\/refresh; Expires=([^;]+); HttpOnly; SameSite=Lax$/;
const RAW_RT_RE = /^[A-Za-z0-9+/]+=*\.[0-9a-f]{64}\.V2$/;
// §4: FDI user for FDI >= 3.0 / no fdi-version.
const FDI_USER_KEYS = ['id', 'isPrimaryUser', 'tenantIds', 'emails', 'phoneNumbers', 'thirdParty', 'webauthn', 'loginMethods', 'timeJoined'];
const FDI_LM_KEYS = ['recipeId', 'recipeUserId', 'tenantIds', 'email', 'timeJoined', 'verified'];
// §6.3: the body the SDK produced against the recording core (values differ, structure must not).
const REF_BODY = {"status":"OK","user":{"id":"fa7a0841-b533-4478-9553-0fde890c3483","isPrimaryUser":false,"tenantIds":["public"],"emails":["john@example.com"],"phoneNumbers":[],"thirdParty":[],"webauthn":{"credentialIds":[]},"loginMethods":[{"recipeId":"emailpassword","recipeUserId":"fa7a0841-b533-4478-9553-0fde890c3483","tenantIds":["public"],"email":"john@example.com","timeJoined":1700000000000,"verified":false}],"timeJoined":1700000000000}}; // eslint-disable-line

const form = (email, password) => ({ formFields: [{ id: 'email', value: email }, { id: 'password', value: password }] });
const EP = { rid: 'emailpassword' };
const header = (r, name) => r.raw.filter(([n]) => n === name).map(([, v]) => v);
const names = (r) => r.raw.map(([n]) => n).filter((n) => ['front-token', 'access-control-expose-headers',
  'set-cookie', 'st-access-token', 'st-refresh-token', 'anti-csrf'].includes(n));
// §1.6: base64(JSON {"uid","ate","up"}) rebuilt from the access token itself.
const frontTokenFor = (jwt) => {
  const p = decodeJwt(jwt).payload;
  return Buffer.from(JSON.stringify({ uid: p.sub, ate: p.exp * 1000, up: p })).toString('base64');
};
const near = (dateString, expectedMs, what) => {
  const got = Date.parse(dateString);
  assert.ok(Math.abs(got - expectedMs) < 10000, `${what}: ${dateString} vs ${new Date(expectedMs).toUTCString()}`);
};
function shapeOf(v) {
  if (Array.isArray(v)) return v.map(shapeOf);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shapeOf(x)]));
  return typeof v;
}

// Checks a cookie-mode session-creating response; returns {access, refresh (raw), payload}.
function expectCookieTokens(r, jwks) {
  assert.deepEqual(names(r), ['front-token', 'access-control-expose-headers', 'set-cookie', 'set-cookie'], 'emission order §1.5');
  assert.equal(r.headers['access-control-expose-headers'], 'front-token');
  assert.equal(r.headers['st-access-token'], undefined);
  const a = ACCESS_RE.exec(r.cookies[0]);
  const f = REFRESH_RE.exec(r.cookies[1]);
  assert.ok(a, `access cookie: ${r.cookies[0]}`);
  assert.ok(f, `refresh cookie: ${r.cookies[1]}`);
  near(a[2], Date.now() + 31536000000, 'sAccessToken Expires = now + 1 year');
  near(f[2], Date.now() + 144000 * 60000, 'sRefreshToken Expires = refresh expiry (100 days)');
  const refresh = decodeURIComponent(f[1]);
  assert.match(refresh, RAW_RT_RE);
  assert.equal(f[1], encodeURIComponent(refresh), 'cookie value is encodeURIComponent of the token');
  const payload = decodeJwt(a[1]).payload;
  assert.equal(payload.refreshTokenHash1, sha256(refresh));
  assert.equal(r.headers['front-token'], frontTokenFor(a[1]));
  assert.equal(verifyWithJwks(a[1], jwks), true);
  return { access: a[1], refresh, payload };
}

function expectHeaderTokens(r, jwks) {
  assert.deepEqual(names(r), ['front-token', 'access-control-expose-headers', 'st-access-token', 'st-refresh-token']);
  assert.equal(r.headers['access-control-expose-headers'], 'front-token, st-access-token, st-refresh-token');
  assert.deepEqual(r.cookies, []);
  const access = r.headers['st-access-token'];
  const refresh = r.headers['st-refresh-token'];
  assert.match(refresh, RAW_RT_RE, 'raw, not URL-encoded');
  const payload = decodeJwt(access).payload;
  assert.equal(payload.refreshTokenHash1, sha256(refresh));
  assert.equal(r.headers['front-token'], frontTokenFor(access));
  assert.equal(verifyWithJwks(access, jwks), true);
  return { access, refresh, payload };
}

// "clear all" (§1.5, §6.3 refresh-without-tokens exchange), in order.
function expectClearAll(r, message) {
  assert.equal(r.status, 401);
  assert.equal(r.text, JSON.stringify({ message }));
  assert.deepEqual(r.raw.filter(([n]) => names({ raw: [[n]] }).length), [
    ['set-cookie', CLEAR_ACCESS], ['set-cookie', CLEAR_REFRESH], ['front-token', 'remove'],
    ['access-control-expose-headers', 'front-token, st-access-token, st-refresh-token'],
    ['st-access-token', ''], ['st-refresh-token', ''],
  ]);
}

describe('supertokens-node 24.0.3 against the core double', () => {
  let core;
  let app;
  let jwks;
  const s = {}; // state carried between steps
  const get = (p, headers) => call(app.port, 'GET', p, { headers });
  const post = (p, body, headers) => call(app.port, 'POST', p, { body, headers });
  const cookieHeader = (access, refresh) => [access && `sAccessToken=${access}`,
    refresh && `sRefreshToken=${encodeURIComponent(refresh)}`].filter(Boolean).join('; ');
  const refreshJwks = async () => { jwks = (await request(core.port, 'GET', '/.well-known/jwks.json')).json; };

  before(async () => {
    core = await startDouble();
    app = await startSdkApp(core.base);
    await refreshJwks();
  });
  after(async () => {
    if (app) await app.close();
    if (core) await core.stop();
  });

  it('uses the pinned SDK', () => assert.equal(app.version, '24.0.3'));

  it('sign up (cookie mode): user body, cookies, front-token', async () => {
    const r = await post('/auth/signup', form(' John@Example.com ', 'abcd1234'), { ...EP, 'st-auth-mode': 'cookie' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(r.json.status, 'OK');
    assert.deepEqual(Object.keys(r.json.user), FDI_USER_KEYS);
    assert.deepEqual(Object.keys(r.json.user.loginMethods[0]), FDI_LM_KEYS);
    assert.deepEqual(shapeOf(r.json), shapeOf(REF_BODY), 'same structure as the §6.3 body');
    assert.deepEqual(r.json.user.emails, ['john@example.com'], 'core lower-cases and trims');
    assert.equal(r.json.user.loginMethods[0].email, 'john@example.com');
    s.user = r.json.user;
    const t = expectCookieTokens(r, jwks);
    assert.equal(t.payload.sub, s.user.id);
    assert.equal(t.payload.rsub, s.user.id);
    assert.equal(t.payload.tId, 'public');
    assert.equal(t.payload.iss, `http://localhost:${app.port}/auth`);
    assert.equal(t.payload.parentRefreshTokenHash1, null);
    assert.equal(t.payload.antiCsrfToken, null);
  });

  it('sign up again with the same email => FIELD_ERROR', async () => {
    const r = await post('/auth/signup', form('john@example.com', 'abcd1234'), EP);
    assert.equal(r.status, 200);
    assert.equal(r.text, '{"status":"FIELD_ERROR","formFields":[{"id":"email","error":"This email already exists. Please sign in instead."}]}');
    assert.deepEqual(r.cookies, []);
  });

  it('sign in with a wrong password or unknown email => WRONG_CREDENTIALS_ERROR', async () => {
    for (const f of [form('john@example.com', 'wrongpass1'), form('nobody@example.com', 'abcd1234')]) {
      const r = await post('/auth/signin', f, { ...EP, 'st-auth-mode': 'cookie' });
      assert.equal(r.status, 200);
      assert.equal(r.text, '{"status":"WRONG_CREDENTIALS_ERROR"}');
      assert.equal(r.headers['front-token'], undefined);
      assert.deepEqual(r.cookies, []);
    }
  });

  it('sign in (cookie mode)', async () => {
    const r = await post('/auth/signin', form('John@Example.com', 'abcd1234'), { ...EP, 'st-auth-mode': 'cookie' });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { status: 'OK', user: s.user });
    s.cookie = expectCookieTokens(r, jwks);
    s.rt0 = s.cookie.refresh;
  });

  it('sign in (header mode, and no st-auth-mode => header)', async () => {
    const r = await post('/auth/signin', form('john@example.com', 'abcd1234'), { ...EP, 'st-auth-mode': 'header' });
    assert.equal(r.status, 200, r.text);
    s.hdr = expectHeaderTokens(r, jwks);
    assert.equal(s.hdr.payload.sub, s.user.id);
    const d = await post('/auth/signin', form('john@example.com', 'abcd1234'), EP);
    expectHeaderTokens(d, jwks);
  });

  it('verifySession: cookie and Bearer tokens => 200; no token => 401 unauthorised, nothing cleared', async () => {
    const c = await get('/protected', { cookie: cookieHeader(s.cookie.access) });
    assert.equal(c.status, 200, c.text);
    assert.deepEqual(c.json, { userId: s.user.id, handle: s.cookie.payload.sessionHandle, tenantId: 'public' });
    assert.deepEqual(names(c), [], 'no token changes for a settled token');
    const h = await get('/protected', { authorization: `Bearer ${s.hdr.access}` });
    assert.equal(h.status, 200);
    assert.equal(h.json.handle, s.hdr.payload.sessionHandle);
    const n = await get('/protected');
    assert.equal(n.status, 401);
    assert.equal(n.text, '{"message":"unauthorised"}');
    assert.deepEqual(names(n), []);
  });

  it('refresh (cookie mode) => 200 {}, rotated tokens', async () => {
    await request(core.port, 'POST', '/__test/reset', { body: {} });
    const r = await post('/auth/session/refresh', undefined, { rid: 'session', cookie: cookieHeader(null, s.rt0) });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, '{}');
    const t = expectCookieTokens(r, jwks);
    assert.notEqual(t.refresh, s.rt0);
    assert.equal(t.payload.sessionHandle, s.cookie.payload.sessionHandle);
    assert.equal(t.payload.parentRefreshTokenHash1, sha256(s.rt0));
    s.rt1 = t.refresh;
    s.at1 = t.access;
    const seen = (await request(core.port, 'GET', '/__test/last-request?path=/recipe/session/refresh')).json;
    assert.deepEqual(seen.json, { refreshToken: s.rt0, enableAntiCsrf: false, useDynamicSigningKey: true }, '§6.3 request shape');
  });

  it('first use of the refreshed token: core verify promotes it, SDK sends the new token', async () => {
    const r = await get('/protected', { cookie: cookieHeader(s.at1) });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(names(r), ['front-token', 'access-control-expose-headers', 'set-cookie']);
    const a = ACCESS_RE.exec(r.cookies[0]);
    assert.ok(a, r.cookies[0]);
    const p = decodeJwt(a[1]).payload;
    assert.equal(p.parentRefreshTokenHash1, null);
    assert.equal(p.refreshTokenHash1, sha256(s.rt1));
    assert.equal(r.headers['front-token'], frontTokenFor(a[1]));
    const seen = (await request(core.port, 'GET', '/__test/last-request?path=/recipe/session/verify')).json;
    assert.deepEqual(Object.keys(seen.json), ['accessToken', 'doAntiCsrfCheck', 'enableAntiCsrf', 'checkDatabase']);
    s.at1b = a[1];
  });

  it('second refresh => 200', async () => {
    const r = await post('/auth/session/refresh', undefined, { rid: 'session', cookie: cookieHeader(null, s.rt1) });
    assert.equal(r.status, 200, r.text);
    const t = expectCookieTokens(r, jwks);
    s.rt2 = t.refresh;
    s.at2 = t.access;
  });

  it('reuse of an old refresh token => 401 token theft detected, session revoked', async () => {
    const r = await post('/auth/session/refresh', undefined, { rid: 'session', cookie: cookieHeader(null, s.rt0) });
    expectClearAll(r, 'token theft detected');
    const rm = (await request(core.port, 'GET', '/__test/last-request?path=/recipe/session/remove')).json;
    assert.deepEqual(rm.json, { sessionHandles: [s.cookie.payload.sessionHandle] }, 'the SDK revoked the session');
    // The session is gone: refresh and database-checked verify both fail with clearing.
    expectClearAll(await post('/auth/session/refresh', undefined, { rid: 'session', cookie: cookieHeader(null, s.rt2) }), 'unauthorised');
    expectClearAll(await get('/protected-db', { cookie: cookieHeader(s.at1b) }), 'unauthorised');
  });

  it('refresh without tokens => 401 unauthorised, clear all (§6.3)', async () => {
    expectClearAll(await post('/auth/session/refresh', undefined, { rid: 'session' }), 'unauthorised');
  });

  it('refresh (header mode) => 200 {}, tokens in headers', async () => {
    const r = await post('/auth/session/refresh', undefined, { rid: 'session', authorization: `Bearer ${s.hdr.refresh}` });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, '{}');
    const t = expectHeaderTokens(r, jwks);
    assert.equal(t.payload.parentRefreshTokenHash1, sha256(s.hdr.refresh));
    s.hdr2 = t;
    const v = await get('/protected', { authorization: `Bearer ${t.access}` });
    assert.equal(v.status, 200);
    assert.deepEqual(names(v), ['front-token', 'access-control-expose-headers', 'st-access-token'], 'promoted token in header');
    assert.equal(v.headers['access-control-expose-headers'], 'front-token, st-access-token');
    s.hdr2.promoted = v.headers['st-access-token'];
    assert.equal(decodeJwt(s.hdr2.promoted).payload.parentRefreshTokenHash1, null);
  });

  it('sign out (cookie mode) => 200 {"status":"OK"}, cookies cleared', async () => {
    const si = await post('/auth/signin', form('john@example.com', 'abcd1234'), { ...EP, 'st-auth-mode': 'cookie' });
    const t = expectCookieTokens(si, jwks);
    const r = await post('/auth/signout', undefined, { rid: 'session', cookie: cookieHeader(t.access) });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, '{"status":"OK"}');
    assert.deepEqual(r.raw.filter(([n]) => names({ raw: [[n]] }).length), [
      ['set-cookie', CLEAR_ACCESS], ['set-cookie', CLEAR_REFRESH], ['front-token', 'remove'],
      ['access-control-expose-headers', 'front-token']]);
    expectClearAll(await post('/auth/session/refresh', undefined, { rid: 'session', cookie: cookieHeader(null, t.refresh) }), 'unauthorised');
    const again = await post('/auth/signout', undefined, { rid: 'session' });
    assert.equal(again.status, 401);
    assert.equal(again.text, '{"message":"unauthorised"}');
  });

  it('sign out (header mode) => empty st-*-token headers, front-token: remove', async () => {
    // s.hdr2.promoted: the settled token (no parentRefreshTokenHash1), so the SDK makes no core verify call
    // and issues no replacement token before signing out.
    const r = await post('/auth/signout', undefined, { rid: 'session', authorization: `Bearer ${s.hdr2.promoted}` });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, '{"status":"OK"}');
    assert.deepEqual(r.cookies, []);
    assert.equal(r.headers['st-access-token'], '');
    assert.equal(r.headers['st-refresh-token'], '');
    assert.equal(r.headers['front-token'], 'remove');
    assert.equal(r.headers['access-control-expose-headers'], 'st-access-token, st-refresh-token, front-token');
    expectClearAll(await post('/auth/session/refresh', undefined, { rid: 'session', authorization: `Bearer ${s.hdr2.refresh}` }),
      'unauthorised');
  });

  it('expired access token => 401 try refresh token; refresh then works', async () => {
    await request(core.port, 'POST', '/__test/config', { body: { accessTokenValidity: 1 } });
    try {
      const si = await post('/auth/signin', form('john@example.com', 'abcd1234'), { ...EP, 'st-auth-mode': 'cookie' });
      const t = expectCookieTokens(si, jwks);
      assert.equal(t.payload.exp - t.payload.iat, 1);
      await sleep(Math.max(0, t.payload.exp * 1000 - Date.now()) + 50);
      const r = await get('/protected', { cookie: cookieHeader(t.access) });
      assert.equal(r.status, 401);
      assert.equal(r.text, '{"message":"try refresh token"}');
      assert.deepEqual(names(r), [], 'try refresh token never clears');
      const rf = await post('/auth/session/refresh', undefined, { rid: 'session', cookie: cookieHeader(null, t.refresh) });
      assert.equal(rf.status, 200);
      const t2 = expectCookieTokens(rf, jwks);
      assert.equal((await get('/protected', { cookie: cookieHeader(t2.access) })).status, 200);
    } finally {
      await request(core.port, 'POST', '/__test/config', { body: { accessTokenValidity: 3600 } });
    }
  });

  it('signing key rotation: SDK picks up the new kid; dropped keys => try refresh token', async () => {
    const old = expectCookieTokens(await post('/auth/signin', form('john@example.com', 'abcd1234'), { ...EP, 'st-auth-mode': 'cookie' }), jwks);
    const rot = (await request(core.port, 'POST', '/__test/rotate-keys', { body: {} })).json;
    await refreshJwks();
    await sleep(600); // jose refetches an unknown kid only after its 500 ms cooldown
    const fresh = expectCookieTokens(await post('/auth/signin', form('john@example.com', 'abcd1234'), { ...EP, 'st-auth-mode': 'cookie' }), jwks);
    assert.equal(decodeJwt(fresh.access).header.kid, rot.kid);
    assert.equal((await get('/protected', { cookie: cookieHeader(fresh.access) })).status, 200);
    assert.equal((await get('/protected', { cookie: cookieHeader(old.access) })).status, 200, 'old key still valid');
    // Drop the old keys: the SDK's cached JWKS still passes the old token locally, but a
    // database-checked verify goes to the core, which no longer knows the kid.
    await request(core.port, 'POST', '/__test/rotate-keys', { body: { dropOld: true } });
    await refreshJwks();
    const r = await get('/protected-db', { cookie: cookieHeader(old.access) });
    assert.equal(r.status, 401);
    assert.equal(r.text, '{"message":"try refresh token"}');
    assert.deepEqual(names(r), []);
  });

  it('tenant in the API path: session in tenant1', async () => {
    await sleep(600); // new kid since the last step: let jose's 500 ms refetch cooldown pass
    const su = await post('/auth/tenant1/signup', form('t1@example.com', 'abcd1234'), { ...EP, 'st-auth-mode': 'cookie' });
    assert.equal(su.status, 200, su.text);
    assert.deepEqual(su.json.user.tenantIds, ['tenant1']);
    const t = expectCookieTokens(su, jwks);
    assert.equal(t.payload.tId, 'tenant1');
    assert.match(t.payload.sessionHandle, /_tenant1$/);
    const v = await get('/protected-db', { cookie: cookieHeader(t.access) });
    assert.equal(v.status, 200);
    assert.equal(v.json.tenantId, 'tenant1');
    assert.equal((await post('/auth/signin', form('t1@example.com', 'abcd1234'), EP)).json.status, 'WRONG_CREDENTIALS_ERROR',
      'not a user of the public tenant');
  });
});

'use strict';
// Direct checks of the double's session/token shapes against protocol.md §2.1, §2.2, §3.3
// and the real token captured in §6.3. Expected values come from protocol.md; token
// signatures are checked with Node crypto only.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startDouble, request, cdi, sha256, decodeJwt, verifyWithJwks, UUID_RE, sleep } = require('./helpers');

// protocol.md §6.3: sAccessToken issued through supertokens-node 24.0.3 (header/payload key order reference).
const REAL_V5 = 'eyJraWQiOiJkLTE3MDAwMDAwMDAwMDAiLCJ0eXAiOiJKV1QiLCJ2ZXJzaW9uIjoiNSIsImFsZyI6IlJTMjU2In0.eyJpYXQiOjE3OTUzNDE4OTEsImV4cCI6MTc5NTM0NTQ5MSwic3ViIjoiZmE3YTA4NDEtYjUzMy00NDc4LTk1NTMtMGZkZTg5MGMzNDgzIiwidElkIjoicHVibGljIiwicnN1YiI6ImZhN2EwODQxLWI1MzMtNDQ3OC05NTUzLTBmZGU4OTBjMzQ4MyIsInNlc3Npb25IYW5kbGUiOiJiNWExYzZlMC0wYjZjLTRhMGEtOWE0ZS0wMDAwMDAwMDAwMDEiLCJyZWZyZXNoVG9rZW5IYXNoMSI6IjA4OWQ1YTQ0NzZhMzRmNTdmZjcwZWE4MzA0OWUzOGZlODYwY2I0NTAzNGQ1MGRkMGYwYWFlNWM2Y2RiNGI3YTEiLCJwYXJlbnRSZWZyZXNoVG9rZW5IYXNoMSI6bnVsbCwiYW50aUNzcmZUb2tlbiI6bnVsbCwiaXNzIjoiaHR0cDovL2xvY2FsaG9zdDozMDAxL2F1dGgifQ.AOFgwo4eGdIr2Yo2YVjrroMe-jpvOu7hE_Ro-3azrqV2Qad057AS_nBF1AeyNkgYHTTIWl5UUxa-msLbBqoYgZzxw16cQaxfLO6V3LDtMFt5ZuS7MIHIvn9Via9Fb6iUbBxpPrLtID3YlDpsAtGfDbTqcJxpqOD5t0Cth0nlIpC_2TYvzPlkzI5rBkN9uayrZpeNQ_yKzMZA5jQKB1BSDVIxWAgBvA_oqbPSNdMsjGhDfK6GSEYOX6CuHwQEEayQaTUe7TyQK6_PugBUaVZfJpD25C3kzeEfFS248Oc1BRrDgM_HnJRMoct3LSfHgAZXGrJ1CGNXB94GIy97h4MVBw';

const V5_KEYS = ['iat', 'exp', 'sub', 'tId', 'rsub', 'sessionHandle', 'refreshTokenHash1', 'parentRefreshTokenHash1', 'antiCsrfToken'];
const RT_RE = /^[A-Za-z0-9+/]+=*\.[0-9a-f]{64}\.V2$/;

describe('core double: sessions and tokens (protocol.md §2, §3.3)', () => {
  let core;
  let port;
  let jwks;
  before(async () => {
    core = await startDouble();
    port = core.port;
    jwks = (await request(port, 'GET', '/.well-known/jwks.json')).json;
  });
  after(() => core.stop());

  const create = (userId, extra = {}, tenant = 'public') => cdi(port, 'POST', `/${tenant}/recipe/session`, {
    userId, userDataInJWT: { iss: 'http://localhost:3001/auth' }, userDataInDatabase: {}, useDynamicSigningKey: true,
    enableAntiCsrf: false, ...extra });
  const verify = (accessToken, extra = {}) => cdi(port, 'POST', '/recipe/session/verify', {
    accessToken, doAntiCsrfCheck: false, enableAntiCsrf: false, checkDatabase: false, ...extra });
  const refresh = (refreshToken, extra = {}) => cdi(port, 'POST', '/recipe/session/refresh', {
    refreshToken, enableAntiCsrf: false, useDynamicSigningKey: true, ...extra });

  it('create: response keys, order and types (§3.3)', async () => {
    const r = await create('user-1');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json; charset=UTF-8');
    assert.ok(r.text.endsWith('}\n'), 'JSON replies end with a newline');
    const b = r.json;
    assert.deepEqual(Object.keys(b), ['session', 'accessToken', 'refreshToken', 'status']); // no antiCsrfToken key
    assert.equal(b.status, 'OK');
    assert.deepEqual(Object.keys(b.session), ['handle', 'userId', 'recipeUserId', 'userDataInJWT', 'tenantId']);
    assert.match(b.session.handle, UUID_RE);
    assert.equal(b.session.userId, 'user-1');
    assert.equal(b.session.recipeUserId, 'user-1');
    assert.equal(b.session.tenantId, 'public');
    assert.deepEqual(b.session.userDataInJWT, { iss: 'http://localhost:3001/auth' });
    for (const t of [b.accessToken, b.refreshToken]) assert.deepEqual(Object.keys(t), ['token', 'expiry', 'createdTime']);
    const rt = b.refreshToken;
    assert.match(rt.token, RT_RE);
    assert.equal(rt.expiry - rt.createdTime, 144000 * 60 * 1000, 'refresh validity default 100 days');
  });

  it('v5 access token: header/payload bytes, nulls, hashes, expiry (§2.1)', async () => {
    const b = (await create('user-2', { userDataInJWT: { zeta: 1, alpha: 'a', iss: 'http://localhost:3001/auth', 'st-ev': { v: false } } })).json;
    const t = decodeJwt(b.accessToken.token);
    assert.match(t.header.kid, /^d-\d{13}$/);
    assert.equal(t.headerText, `{"kid":"${t.header.kid}","typ":"JWT","version":"5","alg":"RS256"}`);
    assert.deepEqual(Object.keys(t.payload), [...V5_KEYS, 'zeta', 'alpha', 'iss', 'st-ev']);
    assert.ok(t.payloadText.includes('"parentRefreshTokenHash1":null,"antiCsrfToken":null,'), 'explicit nulls');
    assert.equal(t.payload.sub, 'user-2');
    assert.equal(t.payload.rsub, 'user-2');
    assert.equal(t.payload.tId, 'public');
    assert.equal(t.payload.sessionHandle, b.session.handle);
    assert.equal(t.payload.refreshTokenHash1, sha256(b.refreshToken.token));
    assert.ok(Number.isInteger(t.payload.iat) && Number.isInteger(t.payload.exp));
    assert.equal(t.payload.exp - t.payload.iat, 3600);
    assert.equal(b.accessToken.expiry, t.payload.exp * 1000);
    assert.equal(b.accessToken.createdTime, t.payload.iat * 1000);
    assert.ok(Math.abs(t.payload.iat * 1000 - Date.now()) < 5000);
    for (const part of [t.h, t.p, t.s]) assert.match(part, /^[A-Za-z0-9_-]+$/, 'base64url without padding');
    assert.equal(Buffer.from(t.s, 'base64url').length, 256, 'RS256 with a 2048-bit key');
  });

  it('same header and payload key sequence as the real token in §6.3', async () => {
    const real = decodeJwt(REAL_V5);
    const ours = decodeJwt((await create('user-3')).json.accessToken.token);
    assert.deepEqual(Object.keys(ours.header), Object.keys(real.header));
    assert.deepEqual(Object.keys(ours.payload), Object.keys(real.payload));
    assert.equal(ours.header.version, real.header.version);
  });

  it('signature verifies with the JWKS key (Node crypto), tampering breaks it', async () => {
    const tok = (await create('user-4')).json.accessToken.token;
    assert.equal(verifyWithJwks(tok, jwks), true);
    const t = decodeJwt(tok);
    const forged = `${t.h}.${Buffer.from(t.payloadText.replace('user-4', 'user-5')).toString('base64url')}.${t.s}`;
    assert.equal(verifyWithJwks(forged, jwks), false);
    const v = (await verify(forged)).json;
    assert.equal(v.status, 'TRY_REFRESH_TOKEN');
  });

  it('JWKS: key shape, dynamic first then static, Cache-Control; deprecated path adds status (§2.2)', async () => {
    const r = await request(port, 'GET', '/.well-known/jwks.json');
    assert.match(r.headers['cache-control'], /^max-age=\d+, must-revalidate$/);
    assert.deepEqual(Object.keys(r.json), ['keys']);
    assert.ok(r.json.keys.length >= 2);
    for (const k of r.json.keys) {
      assert.deepEqual(Object.keys(k), ['kty', 'kid', 'n', 'e', 'alg', 'use']);
      assert.equal(k.kty, 'RSA'); assert.equal(k.e, 'AQAB'); assert.equal(k.alg, 'RS256'); assert.equal(k.use, 'sig');
      assert.equal(Buffer.from(k.n, 'base64url').length, 256);
    }
    const kinds = r.json.keys.map((k) => k.kid[0]);
    assert.deepEqual(kinds, [...kinds].sort(), 'd- keys before s- keys');
    assert.match(r.json.keys[r.json.keys.length - 1].kid, /^s-[0-9a-f-]{36}$/);
    const dep = await cdi(port, 'GET', '/recipe/jwt/jwks');
    assert.deepEqual(Object.keys(dep.json), ['keys', 'status']);
    assert.equal(dep.json.status, 'OK');
    assert.deepEqual(dep.json.keys, r.json.keys);
  });

  it('useDynamicSigningKey false signs with the static s-<uuid> key', async () => {
    const b = (await create('user-6', { useDynamicSigningKey: false })).json;
    const t = decodeJwt(b.accessToken.token);
    assert.match(t.header.kid, /^s-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(verifyWithJwks(b.accessToken.token, jwks), true);
    // refresh keeps the session's choice unless told otherwise; refresh with true moves to a dynamic key
    const r = (await refresh(b.refreshToken.token, { useDynamicSigningKey: false })).json;
    assert.match(decodeJwt(r.accessToken.token).header.kid, /^s-/);
    const r2 = (await refresh(r.refreshToken.token)).json;
    assert.match(decodeJwt(r2.accessToken.token).header.kid, /^d-/);
  });

  it('enableAntiCsrf: antiCsrfToken UUID before status and inside the JWT', async () => {
    const b = (await create('user-7', { enableAntiCsrf: true })).json;
    assert.deepEqual(Object.keys(b), ['session', 'accessToken', 'refreshToken', 'antiCsrfToken', 'status']);
    assert.match(b.antiCsrfToken, UUID_RE);
    assert.equal(decodeJwt(b.accessToken.token).payload.antiCsrfToken, b.antiCsrfToken);
    // verify: checked only when both flags are on
    const tok = b.accessToken.token;
    assert.equal((await verify(tok, { doAntiCsrfCheck: true, enableAntiCsrf: true, antiCsrfToken: 'nope' })).json.message, 'anti-csrf check failed');
    assert.equal((await verify(tok, { doAntiCsrfCheck: true, enableAntiCsrf: true })).json.status, 'TRY_REFRESH_TOKEN');
    assert.equal((await verify(tok, { doAntiCsrfCheck: true, enableAntiCsrf: true, antiCsrfToken: b.antiCsrfToken })).json.status, 'OK');
    assert.equal((await verify(tok, { doAntiCsrfCheck: true, enableAntiCsrf: false, antiCsrfToken: 'x' })).json.status, 'OK');
    // refresh compares the header value with the one inside the refresh token
    const bad = (await refresh(b.refreshToken.token, { enableAntiCsrf: true })).json;
    assert.deepEqual(bad, { status: 'UNAUTHORISED', message: 'Anti CSRF token missing, or not matching' });
    const ok = (await refresh(b.refreshToken.token, { enableAntiCsrf: true, antiCsrfToken: b.antiCsrfToken })).json;
    assert.equal(ok.status, 'OK');
    assert.match(ok.antiCsrfToken, UUID_RE);
    assert.notEqual(ok.antiCsrfToken, b.antiCsrfToken);
    assert.equal(decodeJwt(ok.accessToken.token).payload.antiCsrfToken, ok.antiCsrfToken);
  });

  it('non-public tenant: handle gets _<tenantId>, tId and session.tenantId follow', async () => {
    const b = (await create('user-8', {}, 'tenant1')).json;
    assert.match(b.session.handle, /^[0-9a-f-]{36}_tenant1$/);
    assert.equal(b.session.tenantId, 'tenant1');
    assert.equal(decodeJwt(b.accessToken.token).payload.tId, 'tenant1');
    const r = (await refresh(b.refreshToken.token)).json;
    assert.equal(r.session.tenantId, 'tenant1');
  });

  it('refresh tokens: <std base64>.<sha256 hex>.V2, with + / = showing up', async () => {
    const tokens = [];
    for (const id of ['a', 'bb', 'ccc', 'dddd', 'e'.repeat(5), 'f'.repeat(6)]) {
      const b = (await create(id)).json;
      tokens.push(b.refreshToken.token, (await refresh(b.refreshToken.token)).json.refreshToken.token);
    }
    for (const t of tokens) assert.match(t, RT_RE);
    const first = tokens.map((t) => t.split('.')[0]);
    assert.ok(first.some((s) => /[+/]/.test(s)), 'some token contains + or /');
    assert.ok(first.some((s) => s.endsWith('=')), 'some token has = padding');
    assert.ok(first.some((s) => !s.endsWith('=')), 'padding is not constant');
  });

  it('verify: no core work for a settled token; checkDatabase sees removal', async () => {
    const b = (await create('user-9')).json;
    const v = await verify(b.accessToken.token);
    assert.equal(v.text, `${JSON.stringify({ session: b.session, status: 'OK' })}\n`);
    assert.equal((await verify(b.accessToken.token, { checkDatabase: true })).json.status, 'OK');
    await cdi(port, 'POST', '/recipe/session/remove', { sessionHandles: [b.session.handle] });
    assert.equal((await verify(b.accessToken.token)).json.status, 'OK', 'without checkDatabase the core does not look');
    assert.deepEqual((await verify(b.accessToken.token, { checkDatabase: true })).json,
      { status: 'UNAUTHORISED', message: 'Either the session has ended or has been blacklisted' });
  });

  it('verify: expired, unknown kid, malformed => TRY_REFRESH_TOKEN', async () => {
    const b = (await create('user-10')).json;
    const payload = { ...decodeJwt(b.accessToken.token).payload, exp: Math.floor(Date.now() / 1000) - 1 };
    const expired = (await request(port, 'POST', '/__test/sign', { body: { payload } })).json.token;
    assert.deepEqual((await verify(expired)).json, { status: 'TRY_REFRESH_TOKEN', message: 'Access token expired' });
    const foreign = (await request(port, 'POST', '/__test/sign', { body: { payload: decodeJwt(b.accessToken.token).payload, key: 'foreign' } })).json.token;
    assert.deepEqual((await verify(foreign)).json, { status: 'TRY_REFRESH_TOKEN', message: 'Key not found' });
    assert.equal((await verify('not-a-jwt')).json.status, 'TRY_REFRESH_TOKEN');
  });

  it('refresh: rotation, promotion on verify, and the token theft rule (§3.3 notes)', async () => {
    const s = (await create('user-11')).json;
    const rt0 = s.refreshToken.token;
    const r1 = (await refresh(rt0)).json;
    assert.deepEqual(Object.keys(r1), ['session', 'accessToken', 'refreshToken', 'status']);
    const at1 = decodeJwt(r1.accessToken.token).payload;
    assert.equal(at1.parentRefreshTokenHash1, sha256(rt0));
    assert.equal(at1.refreshTokenHash1, sha256(r1.refreshToken.token));
    assert.equal(at1.sessionHandle, s.session.handle);

    // RT0 is still the session's current token until RT1 is used: refreshing with it again is fine.
    const r1b = (await refresh(rt0)).json;
    assert.equal(r1b.status, 'OK');

    // First use of AT1 promotes RT1 and yields a token without parentRefreshTokenHash1.
    const v = (await verify(r1.accessToken.token)).json;
    assert.deepEqual(Object.keys(v), ['session', 'accessToken', 'status']);
    const promoted = decodeJwt(v.accessToken.token);
    assert.equal(promoted.payload.parentRefreshTokenHash1, null);
    assert.equal(promoted.payload.refreshTokenHash1, at1.refreshTokenHash1);
    assert.deepEqual(Object.keys(promoted.payload), [...V5_KEYS, 'iss']);
    assert.equal(v.accessToken.expiry, promoted.payload.exp * 1000);

    // Now RT1 is current: RT0 and the sibling RT1' are stale => theft, with the exact shape.
    const theft = await refresh(rt0);
    assert.equal(theft.text, `${JSON.stringify({ status: 'TOKEN_THEFT_DETECTED',
      session: { handle: s.session.handle, userId: 'user-11', recipeUserId: 'user-11' } })}\n`);
    assert.equal((await refresh(r1b.refreshToken.token)).json.status, 'TOKEN_THEFT_DETECTED');

    // RT1 (current) rotates; using its child RT2 promotes RT2 without a verify.
    const r2 = (await refresh(r1.refreshToken.token)).json;
    assert.equal(r2.status, 'OK');
    const r3 = (await refresh(r2.refreshToken.token)).json;
    assert.equal(r3.status, 'OK');
    assert.equal((await refresh(r1.refreshToken.token)).json.status, 'TOKEN_THEFT_DETECTED');

    // After the SDK revokes the session, refresh is UNAUTHORISED.
    await cdi(port, 'POST', '/recipe/session/remove', { sessionHandles: [s.session.handle] });
    assert.deepEqual((await refresh(r3.refreshToken.token)).json,
      { status: 'UNAUTHORISED', message: 'Session missing in db or has expired' });
    assert.equal((await refresh('garbage.token.V2')).json.status, 'UNAUTHORISED');
  });

  it('refresh of an expired session is UNAUTHORISED', async () => {
    const s = (await create('user-12')).json;
    await request(port, 'POST', '/__test/session-expire', { body: { sessionHandle: s.session.handle, mode: 'expire' } });
    assert.equal((await refresh(s.refreshToken.token)).json.status, 'UNAUTHORISED');
  });

  it('session info, sessions of a user, data, regenerate, remove', async () => {
    const s = (await create('user-13', { userDataInDatabase: { k: 'v' } })).json;
    const h = s.session.handle;
    const info = (await cdi(port, 'GET', `/recipe/session?sessionHandle=${h}`)).json;
    assert.deepEqual(Object.keys(info), ['sessionHandle', 'userId', 'recipeUserId', 'userDataInDatabase', 'expiry',
      'userDataInJWT', 'timeCreated', 'status', 'tenantId']);
    assert.deepEqual(info.userDataInDatabase, { k: 'v' });
    assert.equal(info.expiry, s.refreshToken.expiry);
    assert.deepEqual((await cdi(port, 'GET', '/recipe/session?sessionHandle=nope')).json,
      { status: 'UNAUTHORISED', message: 'Session does not exist.' });

    const s2 = (await create('user-13')).json;
    const list = (await cdi(port, 'GET', '/public/recipe/session/user?userId=user-13&fetchSessionsForAllLinkedAccounts=true')).json;
    assert.deepEqual(Object.keys(list), ['status', 'sessionHandles']);
    assert.deepEqual([...list.sessionHandles].sort(), [h, s2.session.handle].sort());

    assert.deepEqual((await cdi(port, 'PUT', '/recipe/session/data', { sessionHandle: h, userDataInDatabase: { n: 2 } })).json, { status: 'OK' });
    assert.deepEqual((await cdi(port, 'GET', `/recipe/session?sessionHandle=${h}`)).json.userDataInDatabase, { n: 2 });

    const regen = (await cdi(port, 'POST', '/recipe/session/regenerate', { accessToken: s.accessToken.token, userDataInJWT: { iss: 'x', role: 'admin' } })).json;
    assert.deepEqual(Object.keys(regen), ['session', 'accessToken', 'status']);
    const rt = decodeJwt(regen.accessToken.token).payload;
    assert.equal(rt.role, 'admin');
    assert.equal(rt.exp, decodeJwt(s.accessToken.token).payload.exp, 'regenerate keeps the expiry');
    // The old token now differs from the stored payload: a checkDatabase verify hands out a new one.
    const v = (await verify(s.accessToken.token, { checkDatabase: true })).json;
    assert.equal(decodeJwt(v.accessToken.token).payload.role, 'admin');

    assert.equal((await cdi(port, 'POST', '/recipe/session/remove', { userId: 'x', sessionHandles: [h] })).status, 400);
    const rm = await cdi(port, 'POST', '/public/recipe/session/remove', { userId: 'user-13', revokeAcrossAllTenants: true, revokeSessionsForLinkedAccounts: true });
    assert.deepEqual(Object.keys(rm.json), ['status', 'sessionHandlesRevoked']);
    assert.deepEqual([...rm.json.sessionHandlesRevoked].sort(), [h, s2.session.handle].sort());
    assert.deepEqual((await cdi(port, 'POST', '/recipe/session/remove', { sessionHandles: [h] })).json,
      { status: 'OK', sessionHandlesRevoked: [] });
  });

  it('regenerate as SessionRegenerateAPI: shapes, kept payload, errors, expired token, tenant sessions', async () => {
    const regen = (body) => cdi(port, 'POST', '/recipe/session/regenerate', body);
    const s = (await create('user-16', { userDataInJWT: { iss: 'i', 'st-role': { v: [], t: 1 } } })).json;
    const at = s.accessToken.token;
    const r = await regen({ accessToken: at, userDataInJWT: { iss: 'i', 'st-role': { v: ['admin'], t: 2 } } });
    assert.ok(r.text.startsWith(`{"session":{"handle":"${s.session.handle}","userId":"user-16","recipeUserId":"user-16",`
      + '"userDataInJWT":{"iss":"i","st-role":{"v":["admin"],"t":2}},"tenantId":"public"},"accessToken":{"token":"'), r.text);
    assert.deepEqual(Object.keys(r.json.accessToken), ['token', 'expiry', 'createdTime']);
    assert.ok(r.text.endsWith('},"status":"OK"}\n'));
    const p = decodeJwt(r.json.accessToken.token).payload;
    assert.deepEqual(p['st-role'], { v: ['admin'], t: 2 });
    assert.equal(p.refreshTokenHash1, decodeJwt(at).payload.refreshTokenHash1);
    // No userDataInJWT: the stored payload is used again.
    const keep = (await regen({ accessToken: at })).json;
    assert.deepEqual(decodeJwt(keep.accessToken.token).payload['st-role'], { v: ['admin'], t: 2 });
    // Gson gives JsonNull for an explicit null, which parseJsonObjectOrThrowError refuses.
    const n = await regen({ accessToken: at, userDataInJWT: null });
    assert.equal(n.status, 400);
    assert.equal(n.text, "Field name 'userDataInJWT' is invalid in JSON input\n");
    const prot = await regen({ accessToken: at, userDataInJWT: { rsub: 'x' } });
    assert.equal(prot.status, 400);
    assert.equal(prot.text, 'The user payload contains protected field\n');
    // A token the core cannot even pre-parse is a ServletException(JWTException) => 500 with its toString().
    for (const bad of ['not-a-jwt', 'a.b', `${decodeJwt(at).h}x.${decodeJwt(at).p}.${decodeJwt(at).s}`]) {
      const m = await regen({ accessToken: bad, userDataInJWT: {} });
      assert.equal(m.status, 500, bad);
      assert.equal(m.headers['content-type'], 'text/html; charset=UTF-8');
      assert.match(m.text, /^io\.supertokens\.session\.jwt\.JWT\$JWTException: (Invalid JWT|JWT header [a-z -]+)\n$/);
    }
    const t1 = (await create('user-16', {}, 't1')).json;
    const r1 = (await regen({ accessToken: t1.accessToken.token, userDataInJWT: { x: 1 } })).json;
    assert.equal(r1.session.tenantId, 't1');
    assert.equal(decodeJwt(r1.accessToken.token).payload.x, 1);
    await cdi(port, 'POST', '/recipe/session/remove', { sessionHandles: [s.session.handle] });
    assert.equal((await regen({ accessToken: at, userDataInJWT: {} })).text,
      '{"status":"UNAUTHORISED","message":"Session does not exist."}\n');
  });

  it('regenerate with an expired access token: payload stored, no accessToken key', async () => {
    await request(port, 'POST', '/__test/config', { body: { accessTokenValidity: 1 } });
    try {
      const s = (await create('user-17')).json;
      await sleep(Math.max(0, s.accessToken.expiry - Date.now()) + 50);
      const r = (await cdi(port, 'POST', '/recipe/session/regenerate', { accessToken: s.accessToken.token,
        userDataInJWT: { y: 2 } })).json;
      assert.deepEqual(Object.keys(r), ['session', 'status']);
      assert.deepEqual(r.session.userDataInJWT, { y: 2 });
      const info = (await cdi(port, 'GET', `/recipe/session?sessionHandle=${s.session.handle}`)).json;
      assert.deepEqual(info.userDataInJWT, { y: 2 });
    } finally {
      await request(port, 'POST', '/__test/config', { body: { accessTokenValidity: 3600 } });
    }
  });

  it('protected claim in userDataInJWT => 400 text/html', async () => {
    const r = await create('user-14', { userDataInJWT: { sub: 'evil' } });
    assert.equal(r.status, 400);
    assert.equal(r.headers['content-type'], 'text/html; charset=UTF-8');
    assert.equal(r.text, 'The user payload contains protected field\n');
  });

  it('key rotation: new key signs, old tokens still verify; dropOld removes them', async () => {
    const before = (await create('user-15')).json.accessToken.token;
    const rot = (await request(port, 'POST', '/__test/rotate-keys', { body: {} })).json;
    assert.match(rot.kid, /^d-\d{13}$/);
    const keys = (await request(port, 'GET', '/.well-known/jwks.json')).json.keys;
    assert.equal(keys[0].kid, rot.kid, 'newest dynamic key first');
    assert.ok(keys.some((k) => k.kid === decodeJwt(before).header.kid), 'old key still published');
    const after = (await create('user-15')).json.accessToken.token;
    assert.equal(decodeJwt(after).header.kid, rot.kid);
    assert.equal(verifyWithJwks(after, { keys }), true);
    assert.equal((await verify(before)).json.status, 'OK');
    await request(port, 'POST', '/__test/rotate-keys', { body: { dropOld: true } });
    assert.deepEqual((await verify(before)).json, { status: 'TRY_REFRESH_TOKEN', message: 'Key not found' });
  });
});

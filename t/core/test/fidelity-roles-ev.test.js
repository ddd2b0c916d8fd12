'use strict';
// Fidelity suite for UserRoles and EmailVerification: supertokens-node 24.0.3 with
// UserRoles.init() and EmailVerification.init({mode: "OPTIONAL"}) runs against the double.
// (a) the recipe functions are called directly and their return values asserted (they are what
// the SDK makes of the core's replies); (b) the SDK's HTTP side is driven with raw HTTP: claims in
// new sessions, claim refetch through the core, and the email verification FDI routes. The SDK
// rejects replies it does not understand, so a double that strays from the core fails here.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startDouble, request, decodeJwt, sleep } = require('./helpers');
const { startSdkApp, call, sdkRequire } = require('./sdkapp');

const form = (email, password) => ({ formFields: [{ id: 'email', value: email }, { id: 'password', value: password }] });
const EP = { rid: 'emailpassword', 'st-auth-mode': 'cookie' };
const EVH = { rid: 'emailverification' };
const ACCESS_RE = /^sAccessToken=([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+);/;
const accessFrom = (r) => {
  const c = (r.cookies || []).map((x) => ACCESS_RE.exec(x)).find(Boolean);
  return c ? c[1] : null;
};
const claimNear = (claim, what) => {
  assert.deepEqual(Object.keys(claim), ['v', 't'], what);
  assert.ok(Number.isInteger(claim.t) && Math.abs(claim.t - Date.now()) < 10000, `${what}: t is ms now`);
};

describe('supertokens-node 24.0.3 UserRoles + EmailVerification against the core double', () => {
  let core;
  let app;
  let UserRoles;
  let EV;
  let supertokens;
  const s = {};
  const ctl = (name, body) => request(core.port, body === undefined ? 'GET' : 'POST', `/__test/${name}`, { body });
  // Core calls since the last reset, without the SDK's JWKS fetches (their timing is jose's business).
  const coreCalls = async () => (await ctl('requests')).json.requests.filter((q) => q.path !== '/.well-known/jwks.json')
    .map((q) => `${q.method} ${q.path}${q.rawQuery ? `?${q.rawQuery}` : ''}`);
  const lastCall = async (p) => (await ctl(`last-request?path=${encodeURIComponent(p)}`)).json;
  // The JWT payload the core keeps for the session of an access token (GET /recipe/session).
  const storedClaim = async (access, key) => {
    const handle = decodeJwt(access).payload.sessionHandle;
    const info = await request(core.port, 'GET', `/recipe/session?sessionHandle=${handle}`, { headers: { 'cdi-version': '5.4' } });
    return info.json.userDataInJWT[key].v;
  };
  const get = (p, access, headers = {}) => call(app.port, 'GET', p, { headers: { cookie: `sAccessToken=${access}`, ...headers } });
  const post = (p, body, access, headers = {}) => call(app.port, 'POST', p, { body,
    headers: { ...(access ? { cookie: `sAccessToken=${access}` } : {}), ...headers } });

  before(async () => {
    core = await startDouble();
    app = await startSdkApp(core.base, {}, { rolesAndEv: true });
    UserRoles = sdkRequire('supertokens-node/recipe/userroles');
    EV = sdkRequire('supertokens-node/recipe/emailverification');
    supertokens = sdkRequire('supertokens-node');
  });
  after(async () => {
    if (app) await app.close();
    if (core) await core.stop();
  });

  it('uses the pinned SDK', () => assert.equal(app.version, '24.0.3'));

  it('UserRoles: create roles, permissions, roles with a permission, all roles', async () => {
    assert.deepEqual(await UserRoles.createNewRoleOrAddPermissions('admin', ['read', 'write']), { status: 'OK', createdNewRole: true });
    const seen = await lastCall('/recipe/role');
    assert.equal(seen.method, 'PUT');
    assert.equal(seen.headers.rid, 'userroles');
    assert.deepEqual(seen.json, { role: 'admin', permissions: ['read', 'write'] });
    assert.deepEqual(await UserRoles.createNewRoleOrAddPermissions('admin', ['delete']), { status: 'OK', createdNewRole: false });
    assert.deepEqual(await UserRoles.createNewRoleOrAddPermissions('viewer', []), { status: 'OK', createdNewRole: true });
    assert.deepEqual(await UserRoles.getPermissionsForRole('admin'), { status: 'OK', permissions: ['read', 'write', 'delete'] });
    assert.deepEqual(await UserRoles.getPermissionsForRole('ghost'), { status: 'UNKNOWN_ROLE_ERROR' });
    assert.deepEqual(await UserRoles.getRolesThatHavePermission('write'), { status: 'OK', roles: ['admin'] });
    assert.deepEqual(await UserRoles.getRolesThatHavePermission('fly'), { status: 'OK', roles: [] });
    assert.deepEqual(await UserRoles.getAllRoles(), { status: 'OK', roles: ['admin', 'viewer'] });
    assert.deepEqual(await UserRoles.removePermissionsFromRole('admin', ['delete']), { status: 'OK' });
    assert.deepEqual(await UserRoles.removePermissionsFromRole('ghost', ['x']), { status: 'UNKNOWN_ROLE_ERROR' });
    assert.deepEqual(await UserRoles.getPermissionsForRole('admin'), { status: 'OK', permissions: ['read', 'write'] });
  });

  it('sign-up: the new session carries st-role, st-perm and st-ev claims fetched from the core', async () => {
    await ctl('reset', {});
    const r = await post('/auth/signup', form('ann@example.com', 'abcd1234'), null, EP);
    assert.equal(r.status, 200, r.text);
    s.user = r.json.user;
    s.rid = supertokens.convertToRecipeUserId(s.user.id);
    assert.equal(s.user.loginMethods[0].verified, false);
    s.at0 = accessFrom(r);
    const p = decodeJwt(s.at0).payload;
    assert.deepEqual(Object.keys(p).slice(9), ['iss', 'st-role', 'st-perm', 'st-ev']);
    for (const k of ['st-role', 'st-perm', 'st-ev']) claimNear(p[k], k);
    assert.deepEqual(p['st-role'].v, []);
    assert.deepEqual(p['st-perm'].v, []);
    assert.equal(p['st-ev'].v, false);
    const calls = await coreCalls();
    const id = s.user.id;
    const i = calls.indexOf(`GET /public/recipe/user/roles?userId=${id}`);
    assert.ok(i > 0, calls.join('\n'));
    assert.deepEqual(calls.slice(i), [`GET /public/recipe/user/roles?userId=${id}`,
      `GET /recipe/user/email/verify?userId=${id}&email=ann%40example.com`, 'POST /public/recipe/session']);
    assert.equal((await lastCall('/recipe/user/email/verify')).headers.rid, 'emailverification');
    assert.equal((await lastCall('/public/recipe/user/roles')).headers.rid, 'userroles');
    const created = (await lastCall('/public/recipe/session')).json;
    assert.deepEqual(Object.keys(created.userDataInJWT), ['iss', 'st-role', 'st-perm', 'st-ev']);
  });

  it('UserRoles: add, list, users with a role, per tenant', async () => {
    const id = s.user.id;
    assert.deepEqual(await UserRoles.addRoleToUser('public', id, 'admin'), { status: 'OK', didUserAlreadyHaveRole: false });
    assert.deepEqual(await UserRoles.addRoleToUser('public', id, 'admin'), { status: 'OK', didUserAlreadyHaveRole: true });
    assert.deepEqual(await UserRoles.addRoleToUser('public', id, 'ghost'), { status: 'UNKNOWN_ROLE_ERROR' });
    assert.deepEqual(await UserRoles.addRoleToUser('tenant1', 'someone', 'viewer'), { status: 'OK', didUserAlreadyHaveRole: false });
    assert.deepEqual(await UserRoles.getRolesForUser('public', id), { status: 'OK', roles: ['admin'] });
    assert.deepEqual(await UserRoles.getRolesForUser('tenant1', id), { status: 'OK', roles: [] });
    assert.deepEqual(await UserRoles.getUsersThatHaveRole('public', 'admin'), { status: 'OK', users: [id] });
    assert.deepEqual(await UserRoles.getUsersThatHaveRole('tenant1', 'viewer'), { status: 'OK', users: ['someone'] });
    assert.deepEqual(await UserRoles.getUsersThatHaveRole('public', 'ghost'), { status: 'UNKNOWN_ROLE_ERROR' });
    const seen = await lastCall('/public/recipe/role/users');
    assert.equal(seen.rawQuery, 'role=ghost');
  });

  it('sign-in after adding a role: st-role and st-perm hold the role and its permissions', async () => {
    await ctl('reset', {});
    const r = await post('/auth/signin', form('ann@example.com', 'abcd1234'), null, EP);
    assert.equal(r.status, 200, r.text);
    const p = decodeJwt(accessFrom(r)).payload;
    assert.deepEqual(p['st-role'].v, ['admin']);
    assert.deepEqual(p['st-perm'].v, ['read', 'write']);
    assert.equal(p['st-ev'].v, false);
    const calls = await coreCalls();
    assert.ok(calls.includes('GET /recipe/role/permissions?role=admin'), calls.join('\n'));
  });

  it('claim refetch: an old session gets the role from the core and a regenerated token', async () => {
    await ctl('reset', {});
    const r = await get('/need-role', s.at0);
    assert.equal(r.status, 200, r.text);
    const at = accessFrom(r);
    assert.ok(at, 'the SDK sent a new access token');
    const old = decodeJwt(s.at0).payload;
    const p = decodeJwt(at).payload;
    assert.deepEqual(p['st-role'].v, ['admin']);
    claimNear(p['st-role'], 'refetched st-role');
    assert.equal(p.sessionHandle, old.sessionHandle);
    assert.equal(p.exp, old.exp, 'regenerate keeps the expiry');
    assert.deepEqual(p['st-perm'], old['st-perm'], 'only the validated claim is refetched');
    assert.deepEqual(await coreCalls(), [`GET /public/recipe/user/roles?userId=${s.user.id}`, 'POST /recipe/session/regenerate']);
    const regen = (await lastCall('/recipe/session/regenerate')).json;
    assert.deepEqual(Object.keys(regen), ['accessToken', 'userDataInJWT']);
    assert.equal(regen.accessToken, s.at0);
    assert.deepEqual(Object.keys(regen.userDataInJWT), ['iss', 'st-role', 'st-perm', 'st-ev']);
    assert.deepEqual(regen.userDataInJWT['st-role'].v, ['admin']);

    await ctl('reset', {});
    const perm = await get('/need-perm', at);
    assert.equal(perm.status, 200, perm.text);
    assert.deepEqual(decodeJwt(accessFrom(perm)).payload['st-perm'].v, ['read', 'write']);
    assert.deepEqual(await coreCalls(), [`GET /public/recipe/user/roles?userId=${s.user.id}`,
      'GET /recipe/role/permissions?role=admin', 'POST /recipe/session/regenerate']);
    s.at1 = accessFrom(perm);
  });

  it('role removed in the core => refetch finds it gone, 403 invalid claim', async () => {
    const id = s.user.id;
    assert.deepEqual(await UserRoles.removeUserRole('public', id, 'viewer'), { status: 'OK', didUserHaveRole: false });
    assert.deepEqual(await UserRoles.removeUserRole('public', id, 'ghost'), { status: 'UNKNOWN_ROLE_ERROR' });
    assert.deepEqual(await UserRoles.removeUserRole('public', id, 'admin'), { status: 'OK', didUserHaveRole: true });
    await ctl('reset', {});
    const r = await get('/need-role', s.at1);
    assert.equal(r.status, 403);
    assert.equal(r.text, '{"message":"invalid claim","claimValidationErrors":[{"id":"st-role","reason":'
      + '{"message":"wrong value","expectedToInclude":"admin","actualValue":[]}}]}');
    assert.equal(accessFrom(r), null, 'the SDK sends no token with a 403');
    assert.deepEqual(await coreCalls(), [`GET /public/recipe/user/roles?userId=${id}`, 'POST /recipe/session/regenerate'],
      'but it saved the refetched value in the core');
    assert.deepEqual(await storedClaim(s.at1, 'st-role'), []);
    assert.deepEqual(await UserRoles.addRoleToUser('public', id, 'admin'), { status: 'OK', didUserAlreadyHaveRole: false });
  });

  it('deleteRole removes the role from its users', async () => {
    assert.deepEqual(await UserRoles.addRoleToUser('public', s.user.id, 'viewer'), { status: 'OK', didUserAlreadyHaveRole: false });
    assert.deepEqual(await UserRoles.deleteRole('viewer'), { status: 'OK', didRoleExist: true });
    assert.deepEqual(await UserRoles.deleteRole('viewer'), { status: 'OK', didRoleExist: false });
    assert.deepEqual(await UserRoles.getRolesForUser('public', s.user.id), { status: 'OK', roles: ['admin'] });
    assert.deepEqual(await UserRoles.getRolesForUser('tenant1', 'someone'), { status: 'OK', roles: [] });
    assert.deepEqual(await UserRoles.getAllRoles(), { status: 'OK', roles: ['admin'] });
  });

  it('EmailVerification recipe functions: create token, verify, is verified, already verified, unverify', async () => {
    const { rid } = s;
    assert.equal(await EV.isEmailVerified(rid), false);
    const t = await EV.createEmailVerificationToken('public', rid);
    assert.deepEqual(Object.keys(t), ['status', 'token']);
    assert.equal(t.status, 'OK');
    assert.match(t.token, /^[A-Za-z0-9_-]{128}$/);
    assert.deepEqual((await lastCall('/public/recipe/user/email/verify/token')).json, { userId: s.user.id, email: 'ann@example.com' });
    assert.deepEqual(await EV.verifyEmailUsingToken('tenant1', t.token), { status: 'EMAIL_VERIFICATION_INVALID_TOKEN_ERROR' },
      'a token is only good in its tenant');
    const v = await EV.verifyEmailUsingToken('public', t.token);
    assert.equal(v.status, 'OK');
    assert.equal(v.user.email, 'ann@example.com');
    assert.equal(v.user.recipeUserId.getAsString(), s.user.id);
    assert.deepEqual(await EV.verifyEmailUsingToken('public', t.token), { status: 'EMAIL_VERIFICATION_INVALID_TOKEN_ERROR' });
    assert.equal(await EV.isEmailVerified(rid), true);
    assert.equal(await EV.isEmailVerified(rid, 'other@example.com'), false);
    assert.deepEqual(await EV.createEmailVerificationToken('public', rid), { status: 'EMAIL_ALREADY_VERIFIED_ERROR' });
    assert.equal((await supertokens.getUser(s.user.id)).loginMethods[0].verified, true);
    assert.deepEqual(await EV.unverifyEmail(rid), { status: 'OK' });
    assert.equal(await EV.isEmailVerified(rid), false);
    assert.equal((await supertokens.getUser(s.user.id)).loginMethods[0].verified, false);
  });

  it('EmailVerification: revoked and expired tokens are invalid', async () => {
    const { rid } = s;
    const t = await EV.createEmailVerificationToken('public', rid);
    assert.deepEqual(await EV.revokeEmailVerificationTokens('public', rid), { status: 'OK' });
    assert.deepEqual((await lastCall('/public/recipe/user/email/verify/token/remove')).json,
      { userId: s.user.id, email: 'ann@example.com' });
    assert.deepEqual(await EV.verifyEmailUsingToken('public', t.token), { status: 'EMAIL_VERIFICATION_INVALID_TOKEN_ERROR' });
    await ctl('config', { emailVerificationTokenLifetime: 20 });
    try {
      const e = await EV.createEmailVerificationToken('public', rid);
      await sleep(50);
      assert.deepEqual(await EV.verifyEmailUsingToken('public', e.token), { status: 'EMAIL_VERIFICATION_INVALID_TOKEN_ERROR' });
    } finally {
      await ctl('reset', {});
    }
    assert.equal(await EV.isEmailVerified(rid), false);
  });

  it('FDI: GET /auth/user/email/verify => isVerified false; POST .../verify/token sends the link', async () => {
    const si = await post('/auth/signin', form('ann@example.com', 'abcd1234'), null, EP);
    s.at = accessFrom(si);
    assert.equal(decodeJwt(s.at).payload['st-ev'].v, false);
    const g = await get('/auth/user/email/verify', s.at, EVH);
    assert.equal(g.status, 200, g.text);
    assert.equal(g.text, '{"status":"OK","isVerified":false}');
    s.at = accessFrom(g) || s.at;
    await ctl('reset', {});
    const r = await post('/auth/user/email/verify/token', undefined, s.at, EVH);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, '{"status":"OK"}');
    assert.equal(app.emails.length, 1);
    const mail = app.emails[0];
    assert.equal(mail.type, 'EMAIL_VERIFICATION');
    assert.equal(mail.user.email, 'ann@example.com');
    assert.equal(mail.tenantId, 'public');
    const link = new URL(mail.emailVerifyLink);
    assert.equal(`${link.origin}${link.pathname}`, 'http://localhost:3000/auth/verify-email');
    assert.deepEqual([...link.searchParams.keys()], ['token', 'tenantId']);
    assert.match(link.searchParams.get('token'), /^[A-Za-z0-9_-]{128}$/);
    assert.equal(link.searchParams.get('tenantId'), 'public');
    s.token = link.searchParams.get('token');
    assert.deepEqual(await coreCalls(), [`GET /user/id?userId=${s.user.id}`, 'POST /public/recipe/user/email/verify/token']);
  });

  it('FDI: POST /auth/user/email/verify: bad token, then the token (session claim updated), then reuse', async () => {
    const bad = await post('/auth/user/email/verify', { method: 'token', token: 'bogus' }, null, EVH);
    assert.equal(bad.status, 200);
    assert.equal(bad.text, '{"status":"EMAIL_VERIFICATION_INVALID_TOKEN_ERROR"}');
    const r = await post('/auth/user/email/verify', { method: 'token', token: s.token }, s.at, EVH);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, '{"status":"OK"}');
    const at = accessFrom(r);
    assert.ok(at, 'the session got a new access token');
    assert.equal(decodeJwt(at).payload['st-ev'].v, true);
    claimNear(decodeJwt(at).payload['st-ev'], 'st-ev');
    s.at = at;
    const again = await post('/auth/user/email/verify', { method: 'token', token: s.token }, null, EVH);
    assert.equal(again.text, '{"status":"EMAIL_VERIFICATION_INVALID_TOKEN_ERROR"}');
  });

  it('FDI: verified => GET says true, token route says already verified, claim validator passes, user shows it', async () => {
    const g = await get('/auth/user/email/verify', s.at, EVH);
    assert.equal(g.status, 200);
    assert.equal(g.text, '{"status":"OK","isVerified":true}');
    const before = app.emails.length;
    const t = await post('/auth/user/email/verify/token', undefined, s.at, EVH);
    assert.equal(t.status, 200);
    assert.equal(t.text, '{"status":"EMAIL_ALREADY_VERIFIED_ERROR"}');
    assert.equal(app.emails.length, before, 'no e-mail sent');
    const v = await get('/need-verified', s.at);
    assert.equal(v.status, 200, v.text);
    const si = await post('/auth/signin', form('ann@example.com', 'abcd1234'), null, EP);
    assert.equal(si.json.user.loginMethods[0].verified, true);
    assert.equal(decodeJwt(accessFrom(si)).payload['st-ev'].v, true);
  });

  it('FDI: unverified in the core => claim refetch turns st-ev false, validator says 403', async () => {
    assert.deepEqual(await EV.unverifyEmail(s.rid), { status: 'OK' });
    const v = await get('/need-verified', s.at);
    assert.equal(v.status, 403);
    assert.equal(v.text, '{"message":"invalid claim","claimValidationErrors":[{"id":"st-ev","reason":'
      + '{"message":"wrong value","expectedValue":true,"actualValue":false}}]}');
    assert.equal(await storedClaim(s.at, 'st-ev'), false);
    const g = await get('/auth/user/email/verify', s.at, EVH);
    assert.equal(g.text, '{"status":"OK","isVerified":false}');
  });

  it('getUsersOldestFirst / getUsersNewestFirst: the SDK pages through GET /{t}/users', async () => {
    await post('/auth/signup', form('bea@example.com', 'abcd1234'), null, EP);
    await post('/auth/signup', form('cid@example.com', 'abcd1234'), null, EP);
    await ctl('reset', {});
    const first = await supertokens.getUsersOldestFirst({ tenantId: 'public', limit: 2 });
    assert.equal(first.users.length, 2);
    assert.equal(first.users[0].emails[0], 'ann@example.com');
    assert.equal(typeof first.nextPaginationToken, 'string');
    assert.equal(first.users[0].loginMethods[0].recipeUserId.getAsString(), s.user.id);
    const seen = await lastCall('/public/users');
    assert.equal(seen.method, 'GET');
    assert.deepEqual(seen.query, { limit: '2', timeJoinedOrder: 'ASC' });
    const rest = await supertokens.getUsersOldestFirst({ tenantId: 'public', limit: 2, paginationToken: first.nextPaginationToken });
    assert.deepEqual(rest.users.map((u) => u.emails[0]), ['cid@example.com']);
    assert.equal(rest.nextPaginationToken, undefined);
    const newest = await supertokens.getUsersNewestFirst({ tenantId: 'public' });
    assert.deepEqual(newest.users.map((u) => u.emails[0]), ['cid@example.com', 'bea@example.com', 'ann@example.com']);
  });
});

'use strict';
// The double's EmailPassword and user endpoints against protocol.md §3.4: the core <user>
// object (CDI >= 5.3), email normalisation, sign-up/sign-in results, password reset tokens,
// user updates, lookups by id and account info, tenant config.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startDouble, cdi, UUID_RE } = require('./helpers');

const USER_KEYS = ['id', 'isPrimaryUser', 'tenantIds', 'timeJoined', 'emails', 'phoneNumbers', 'thirdParty', 'webauthn', 'loginMethods'];
const LM_KEYS = ['tenantIds', 'recipeUserId', 'verified', 'timeJoined', 'recipeId', 'email'];

describe('core double: EmailPassword and users (protocol.md §3.4)', () => {
  let core;
  let port;
  let john;
  before(async () => {
    core = await startDouble();
    port = core.port;
  });
  after(() => core.stop());
  const ep = (method, p, body, extra) => cdi(port, method, p, body, { rid: 'emailpassword', ...extra });

  it('sign up: <user> shape, key order, email lower-cased and trimmed', async () => {
    const r = await ep('POST', '/public/recipe/signup', { email: '  John@Example.COM ', password: 'abcd1234' });
    assert.equal(r.status, 200);
    assert.ok(r.text.endsWith('\n'));
    const b = r.json;
    assert.deepEqual(Object.keys(b), ['status', 'user', 'recipeUserId']);
    assert.equal(b.status, 'OK');
    const u = b.user;
    assert.deepEqual(Object.keys(u), USER_KEYS);
    assert.match(u.id, UUID_RE);
    assert.equal(b.recipeUserId, u.id);
    assert.equal(u.isPrimaryUser, false);
    assert.deepEqual(u.tenantIds, ['public']);
    assert.deepEqual(u.emails, ['john@example.com']);
    assert.deepEqual(u.phoneNumbers, []);
    assert.deepEqual(u.thirdParty, []);
    assert.deepEqual(u.webauthn, { credentialIds: [] });
    assert.ok(Math.abs(u.timeJoined - Date.now()) < 5000);
    assert.equal(u.loginMethods.length, 1);
    assert.deepEqual(Object.keys(u.loginMethods[0]), LM_KEYS);
    assert.deepEqual(u.loginMethods[0], { tenantIds: ['public'], recipeUserId: u.id, verified: false,
      timeJoined: u.timeJoined, recipeId: 'emailpassword', email: 'john@example.com' });
    john = u;
  });

  it('sign up: duplicate email (any case) => EMAIL_ALREADY_EXISTS_ERROR; other tenant is separate', async () => {
    const r = await ep('POST', '/public/recipe/signup', { email: 'JOHN@example.com', password: 'other123' });
    assert.equal(r.text, '{"status":"EMAIL_ALREADY_EXISTS_ERROR"}\n');
    const t = (await ep('POST', '/tenant1/recipe/signup', { email: 'john@example.com', password: 'abcd1234' })).json;
    assert.equal(t.status, 'OK');
    assert.deepEqual(t.user.tenantIds, ['tenant1']);
    assert.notEqual(t.user.id, john.id);
  });

  it('sign up: empty password => 400, missing field => 400 (text/html)', async () => {
    const r = await ep('POST', '/public/recipe/signup', { email: 'x@example.com', password: '' });
    assert.equal(r.status, 400);
    assert.equal(r.headers['content-type'], 'text/html; charset=UTF-8');
    assert.equal(r.text, 'Password cannot be an empty string\n');
    const m = await ep('POST', '/public/recipe/signup', { password: 'abc' });
    assert.equal(m.status, 400);
    assert.equal(m.text, "Field name 'email' is invalid in JSON input\n");
  });

  it('sign in: OK with the same user, WRONG_CREDENTIALS_ERROR otherwise', async () => {
    const ok = (await ep('POST', '/public/recipe/signin', { email: 'John@Example.com', password: 'abcd1234' })).json;
    assert.deepEqual(ok, { status: 'OK', user: john, recipeUserId: john.id });
    for (const body of [{ email: 'john@example.com', password: 'wrong' }, { email: 'nobody@example.com', password: 'abcd1234' }]) {
      assert.equal((await ep('POST', '/public/recipe/signin', body)).text, '{"status":"WRONG_CREDENTIALS_ERROR"}\n');
    }
    // tenant2 has no such user
    assert.equal((await ep('POST', '/tenant2/recipe/signin', { email: 'john@example.com', password: 'abcd1234' })).json.status,
      'WRONG_CREDENTIALS_ERROR');
  });

  it('GET /user/id and /{t}/users/by-accountinfo', async () => {
    assert.deepEqual((await cdi(port, 'GET', `/user/id?userId=${john.id}`)).json, { status: 'OK', user: john });
    assert.deepEqual((await cdi(port, 'GET', '/user/id?userId=nope')).json, { status: 'UNKNOWN_USER_ID_ERROR' });
    const q = (s) => cdi(port, 'GET', `/public/users/by-accountinfo?${s}`);
    assert.deepEqual((await q('email=JOHN%40example.com&doUnionOfAccountInfo=true')).json, { status: 'OK', users: [john] });
    assert.deepEqual((await q('email=john%40example.com&doUnionOfAccountInfo=false')).json, { status: 'OK', users: [john] });
    assert.deepEqual((await q('email=nobody%40example.com&doUnionOfAccountInfo=false')).json, { status: 'OK', users: [] });
    assert.equal((await q('email=john%40example.com')).text, "Field name 'doUnionOfAccountInfo' is missing in GET request\n");
    assert.equal((await q('email=john%40example.com&doUnionOfAccountInfo=maybe')).status, 400);
    const t1 = (await cdi(port, 'GET', '/tenant1/users/by-accountinfo?email=john%40example.com&doUnionOfAccountInfo=true')).json;
    assert.equal(t1.users.length, 1);
    assert.notEqual(t1.users[0].id, john.id);
  });

  it('password reset token: create, consume once, then invalid', async () => {
    const a = (await ep('POST', '/public/recipe/user/password/reset/token', { userId: john.id, email: john.emails[0] })).json;
    assert.deepEqual(Object.keys(a), ['status', 'token']);
    assert.match(a.token, /^[A-Za-z0-9]{40,}$/);
    const b = (await ep('POST', '/public/recipe/user/password/reset/token', { userId: john.id, email: john.emails[0] })).json;
    const c = (await ep('POST', '/public/recipe/user/password/reset/token/consume', { token: a.token })).json;
    assert.deepEqual(c, { status: 'OK', userId: john.id, email: 'john@example.com' });
    for (const token of [a.token, b.token, 'bogus']) {
      assert.deepEqual((await ep('POST', '/public/recipe/user/password/reset/token/consume', { token })).json,
        { status: 'RESET_PASSWORD_INVALID_TOKEN_ERROR' }, 'consuming removes all of the user\'s tokens');
    }
    assert.deepEqual((await ep('POST', '/public/recipe/user/password/reset/token', { userId: 'nope', email: 'a@b.c' })).json,
      { status: 'UNKNOWN_USER_ID_ERROR' });
  });

  it('PUT /recipe/user: new password and email; conflicts and unknown users', async () => {
    assert.deepEqual((await ep('PUT', '/recipe/user', { recipeUserId: john.id, password: 'newpass99' })).json, { status: 'OK' });
    assert.equal((await ep('POST', '/public/recipe/signin', { email: 'john@example.com', password: 'abcd1234' })).json.status, 'WRONG_CREDENTIALS_ERROR');
    assert.equal((await ep('POST', '/public/recipe/signin', { email: 'john@example.com', password: 'newpass99' })).json.status, 'OK');
    await ep('POST', '/public/recipe/signup', { email: 'jane@example.com', password: 'abcd1234' });
    assert.deepEqual((await ep('PUT', '/recipe/user', { recipeUserId: john.id, email: 'Jane@Example.com' })).json, { status: 'EMAIL_ALREADY_EXISTS_ERROR' });
    assert.deepEqual((await ep('PUT', '/recipe/user', { recipeUserId: john.id, email: ' John2@Example.com' })).json, { status: 'OK' });
    assert.deepEqual((await cdi(port, 'GET', `/user/id?userId=${john.id}`)).json.user.emails, ['john2@example.com']);
    assert.deepEqual((await ep('PUT', '/recipe/user', { recipeUserId: 'nope', password: 'x' })).json, { status: 'UNKNOWN_USER_ID_ERROR' });
    const r = await ep('PUT', '/recipe/user', { recipeUserId: john.id });
    assert.equal(r.status, 400);
    assert.equal(r.text, 'You have to provide either email or password.\n');
  });

  it('tenant config v2 for the sign-in flow', async () => {
    const r = await cdi(port, 'GET', '/public/recipe/multitenancy/tenant/v2', undefined, { rid: 'multitenancy' });
    assert.equal(r.text, '{"tenantId":"public","thirdParty":{"providers":[]},"coreConfig":{},"status":"OK"}\n');
  });

  it('older CDI gets the older <user> shape', async () => {
    const r = (await ep('POST', '/public/recipe/signup', { email: 'old@example.com', password: 'abcd1234' }, { 'cdi-version': '3.0' })).json;
    assert.deepEqual(Object.keys(r), ['status', 'user']);
    assert.deepEqual(Object.keys(r.user), ['id', 'timeJoined', 'tenantIds', 'email']);
    const n = (await ep('POST', '/public/recipe/signup', { email: 'new@example.com', password: 'abcd1234' }, { 'cdi-version': '5.2' })).json;
    assert.ok(!('webauthn' in n.user), 'webauthn only from CDI 5.3');
  });

  it('GET /{t}/users: the tenant\'s users oldest first, pages with nextPaginationToken, DESC, email search', async () => {
    const all = (await cdi(port, 'GET', '/users')).json;
    assert.deepEqual(Object.keys(all), ['status', 'users']);
    assert.equal(all.status, 'OK');
    const times = all.users.map((u) => u.timeJoined);
    assert.deepEqual(times, [...times].sort((a, b) => a - b));
    assert.ok(all.users.every((u) => u.tenantIds.includes('public')));
    assert.deepEqual(Object.keys(all.users[0]), USER_KEYS);
    assert.ok(all.users.length >= 4);
    const p1 = (await cdi(port, 'GET', '/public/users?limit=2')).json;
    assert.deepEqual(Object.keys(p1), ['status', 'users', 'nextPaginationToken']);
    assert.deepEqual(p1.users, all.users.slice(0, 2));
    const third = all.users[2];
    assert.equal(Buffer.from(p1.nextPaginationToken, 'base64').toString(), `${third.id};${third.timeJoined}`);
    const p2 = (await cdi(port, 'GET', `/users?limit=2&paginationToken=${encodeURIComponent(p1.nextPaginationToken)}`)).json;
    assert.deepEqual(p2.users, all.users.slice(2, 4));
    const desc = (await cdi(port, 'GET', '/users?timeJoinedOrder=DESC')).json.users.map((u) => u.timeJoined);
    assert.deepEqual(desc, [...times].reverse());
    assert.deepEqual((await cdi(port, 'GET', '/tenant1/users')).json.users.map((u) => u.tenantIds), [['tenant1']]);
    const found = (await cdi(port, 'GET', '/users?email=JANE')).json.users;
    assert.deepEqual(found.map((u) => u.emails[0]), ['jane@example.com']);
    assert.deepEqual((await cdi(port, 'GET', '/users?includeRecipeIds=thirdparty')).json.users, []);
    const old = (await cdi(port, 'GET', '/users?limit=1', undefined, { 'cdi-version': '3.0' })).json;
    assert.deepEqual(Object.keys(old.users[0]), ['recipeId', 'user']);
  });

  it('GET /users: input errors with the core\'s texts', async () => {
    const cases = [['limit=0', 'limit must a positive integer with min value 1'], ['limit=501', 'max limit allowed is 500'],
      ['limit=ten', "Field name 'limit' must be an int in the GET request"],
      ['timeJoinedOrder=asc', 'timeJoinedOrder can be either ASC OR DESC'],
      ['includeRecipeIds=magic', 'Unknown recipe ID: magic'], ['paginationToken=bm90YXRva2Vu', 'invalid pagination token']];
    for (const [q, msg] of cases) {
      const r = await cdi(port, 'GET', `/users?${q}`);
      assert.equal(r.status, 400, q);
      assert.equal(r.text, `${msg}\n`, q);
    }
  });
});

'use strict';
// The double's UserRoles and EmailVerification APIs, byte for byte: reply texts (key order as
// the core's Gson objects are built in webserver/api/userroles/*.java and
// webserver/api/emailverification/*.java), input errors, app-wide vs tenant data, tokens, and
// loginMethods[].verified in the core <user>.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startDouble, request, cdi, sleep } = require('./helpers');

const FORBIDDEN = 'Only public tenantId can call this app specific API\n';
const TOKEN_RE = /^[A-Za-z0-9_-]{128}$/;

describe('core double: UserRoles', () => {
  let core;
  let port;
  before(async () => { core = await startDouble(); port = core.port; });
  after(() => core.stop());
  const ur = (method, p, body, extra) => cdi(port, method, p, body, { rid: 'userroles', ...extra });
  const text = async (method, p, body, extra) => (await ur(method, p, body, extra)).text;

  it('PUT /recipe/role: createdNewRole, names trimmed, permissions merged', async () => {
    const r = await ur('PUT', '/recipe/role', { role: ' admin ', permissions: ['read', ' write '] });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json; charset=UTF-8');
    assert.equal(r.text, '{"status":"OK","createdNewRole":true}\n');
    assert.equal(await text('PUT', '/recipe/role', { role: 'admin', permissions: ['read', 'delete'] }),
      '{"status":"OK","createdNewRole":false}\n');
    assert.equal(await text('PUT', '/public/recipe/role', { role: 'viewer' }), '{"status":"OK","createdNewRole":true}\n',
      'permissions may be left out; /public/ is the app itself');
    assert.equal(await text('GET', '/recipe/role/permissions?role=admin'),
      '{"permissions":["read","write","delete"],"status":"OK"}\n');
    assert.equal(await text('GET', '/recipe/role/permissions?role=%20viewer'), '{"permissions":[],"status":"OK"}\n');
    assert.equal(await text('GET', '/recipe/role/permissions?role=nobody'), '{"status":"UNKNOWN_ROLE_ERROR"}\n');
  });

  it('role APIs: input errors are text/html 400s with the core\'s words', async () => {
    const cases = [
      ['PUT', '/recipe/role', { permissions: [] }, "Field name 'role' is invalid in JSON input"],
      ['PUT', '/recipe/role', { role: 5 }, "Field name 'role' is invalid in JSON input"],
      ['PUT', '/recipe/role', { role: ' \t' }, "Field name 'role' cannot be an empty String"],
      ['PUT', '/recipe/role', { role: 'x', permissions: 'read' }, "Field name 'permissions' is invalid in JSON input"],
      ['PUT', '/recipe/role', { role: 'x', permissions: null }, "Field name 'permissions' is invalid in JSON input"],
      ['PUT', '/recipe/role', { role: 'x', permissions: ['a', 1] }, "Field name 'permissions' is invalid in JSON input"],
      ['PUT', '/recipe/role', { role: 'x', permissions: ['a', ' '] }, "Field name 'permissions' cannot contain an empty string"],
      ['POST', '/recipe/role/remove', { role: '' }, "Field name 'role' cannot be an empty String"],
      ['GET', '/recipe/role/permissions', undefined, "Field name 'role' is missing in GET request"],
      ['GET', '/recipe/role/permissions?role=', undefined, "Field name 'role' cannot be an empty String"],
      ['GET', '/recipe/permission/roles', undefined, "Field name 'permission' is missing in GET request"],
      ['GET', '/recipe/permission/roles?permission=%20', undefined, "Field name 'permission' cannot be an empty String"],
      ['POST', '/recipe/role/permissions/remove', { role: ' ' }, "Field name 'role' cannot be an empty String"],
      ['PUT', '/public/recipe/user/role', { role: 'admin' }, "Field name 'userId' is invalid in JSON input"],
      ['PUT', '/public/recipe/user/role', { userId: 'u', role: '' }, "Field name 'role' cannot be an empty String"],
      ['POST', '/public/recipe/user/role/remove', { userId: 'u' }, "Field name 'role' is invalid in JSON input"],
      ['GET', '/public/recipe/user/roles', undefined, "Field name 'userId' is missing in GET request"],
      ['GET', '/public/recipe/role/users?role=', undefined, "Field name 'role' cannot be an empty String"],
      ['PUT', '/recipe/role', 'not json', 'Invalid Json Input'],
    ];
    for (const [method, p, body, message] of cases) {
      const r = await ur(method, p, body);
      assert.equal(r.status, 400, `${method} ${p} ${JSON.stringify(body)}`);
      assert.equal(r.headers['content-type'], 'text/html; charset=UTF-8');
      assert.equal(r.text, `${message}\n`, `${method} ${p} ${JSON.stringify(body)}`);
    }
    assert.equal(await text('GET', '/recipe/roles'), '{"roles":["admin","viewer"],"status":"OK"}\n', 'nothing was created');
  });

  it('app-wide role APIs refuse a tenant (CDI >= 5.0, after input checks); older CDIs allow it', async () => {
    for (const [method, p, body] of [['PUT', '/t1/recipe/role', { role: 'x' }], ['POST', '/t1/recipe/role/remove', { role: 'x' }],
      ['GET', '/t1/recipe/role/permissions?role=admin'], ['POST', '/t1/recipe/role/permissions/remove', { role: 'admin' }],
      ['GET', '/t1/recipe/permission/roles?permission=read'], ['GET', '/t1/recipe/roles']]) {
      const r = await ur(method, p, body);
      assert.equal(r.status, 403, `${method} ${p}`);
      assert.equal(r.text, FORBIDDEN);
    }
    assert.equal((await ur('PUT', '/t1/recipe/role', { role: '' })).status, 400, 'input is checked first');
    assert.equal(await text('GET', '/t1/recipe/roles', undefined, { 'cdi-version': '4.0' }),
      '{"roles":["admin","viewer"],"status":"OK"}\n');
  });

  it('user roles are per tenant; roles with a permission; users with a role', async () => {
    assert.equal(await text('PUT', '/public/recipe/user/role', { userId: 'u1', role: 'admin' }),
      '{"status":"OK","didUserAlreadyHaveRole":false}\n');
    assert.equal(await text('PUT', '/public/recipe/user/role', { userId: 'u1', role: ' admin' }),
      '{"status":"OK","didUserAlreadyHaveRole":true}\n');
    assert.equal(await text('PUT', '/recipe/user/role', { userId: 'u1', role: 'viewer' }),
      '{"status":"OK","didUserAlreadyHaveRole":false}\n', 'no tenant in the path = public');
    assert.equal(await text('PUT', '/public/recipe/user/role', { userId: 'u1', role: 'ghost' }), '{"status":"UNKNOWN_ROLE_ERROR"}\n');
    assert.equal(await text('PUT', '/t1/recipe/user/role', { userId: 'u2', role: 'admin' }),
      '{"status":"OK","didUserAlreadyHaveRole":false}\n', 'roles are app-wide, so tenants can hand them out');
    assert.equal(await text('GET', '/public/recipe/user/roles?userId=u1'), '{"roles":["admin","viewer"],"status":"OK"}\n');
    assert.equal(await text('GET', '/t1/recipe/user/roles?userId=u1'), '{"roles":[],"status":"OK"}\n');
    assert.equal(await text('GET', '/public/recipe/user/roles?userId=nobody'), '{"roles":[],"status":"OK"}\n');
    assert.equal(await text('GET', '/public/recipe/role/users?role=admin'), '{"users":["u1"],"status":"OK"}\n');
    assert.equal(await text('GET', '/t1/recipe/role/users?role=admin'), '{"users":["u2"],"status":"OK"}\n');
    assert.equal(await text('GET', '/public/recipe/role/users?role=ghost'), '{"status":"UNKNOWN_ROLE_ERROR"}\n');
    assert.equal(await text('GET', '/recipe/permission/roles?permission=read'), '{"roles":["admin"],"status":"OK"}\n');
    assert.equal(await text('GET', '/recipe/permission/roles?permission=nothing'), '{"roles":[],"status":"OK"}\n');
  });

  it('remove a user\'s role, permissions, a role (from every tenant)', async () => {
    assert.equal(await text('POST', '/public/recipe/user/role/remove', { userId: 'u1', role: 'viewer' }),
      '{"status":"OK","didUserHaveRole":true}\n');
    assert.equal(await text('POST', '/public/recipe/user/role/remove', { userId: 'u1', role: 'viewer' }),
      '{"status":"OK","didUserHaveRole":false}\n');
    assert.equal(await text('POST', '/public/recipe/user/role/remove', { userId: 'u1', role: 'ghost' }),
      '{"status":"UNKNOWN_ROLE_ERROR"}\n');
    assert.equal(await text('POST', '/recipe/role/permissions/remove', { role: 'admin', permissions: ['delete', 'nope'] }),
      '{"status":"OK"}\n');
    assert.equal(await text('GET', '/recipe/role/permissions?role=admin'), '{"permissions":["read","write"],"status":"OK"}\n');
    assert.equal(await text('POST', '/recipe/role/permissions/remove', { role: 'admin' }), '{"status":"OK"}\n', 'no list = all');
    assert.equal(await text('GET', '/recipe/role/permissions?role=admin'), '{"permissions":[],"status":"OK"}\n');
    assert.equal(await text('POST', '/recipe/role/permissions/remove', { role: 'ghost', permissions: [] }),
      '{"status":"UNKNOWN_ROLE_ERROR"}\n');
    assert.equal(await text('POST', '/recipe/role/remove', { role: 'admin' }), '{"status":"OK","didRoleExist":true}\n');
    assert.equal(await text('POST', '/recipe/role/remove', { role: 'admin' }), '{"status":"OK","didRoleExist":false}\n');
    assert.equal(await text('GET', '/public/recipe/user/roles?userId=u1'), '{"roles":[],"status":"OK"}\n');
    assert.equal(await text('GET', '/t1/recipe/user/roles?userId=u2'), '{"roles":[],"status":"OK"}\n');
    assert.equal(await text('GET', '/recipe/roles'), '{"roles":["viewer"],"status":"OK"}\n');
  });

  it('apps have their own roles; reset {"all":true} drops them', async () => {
    assert.equal(await text('GET', '/appid-a1/recipe/roles'), '{"roles":[],"status":"OK"}\n');
    await ur('PUT', '/appid-a1/recipe/role', { role: 'a1-role' });
    assert.equal(await text('GET', '/appid-a1/public/recipe/roles'), '{"roles":["a1-role"],"status":"OK"}\n');
    assert.equal(await text('GET', '/recipe/roles'), '{"roles":["viewer"],"status":"OK"}\n');
    await request(port, 'POST', '/__test/reset', { body: { all: true } });
    assert.equal(await text('GET', '/recipe/roles'), '{"roles":[],"status":"OK"}\n');
  });
});

describe('core double: EmailVerification', () => {
  let core;
  let port;
  before(async () => { core = await startDouble(); port = core.port; });
  after(() => core.stop());
  const ev = (method, p, body, extra) => cdi(port, method, p, body, { rid: 'emailverification', ...extra });
  const text = async (method, p, body, extra) => (await ev(method, p, body, extra)).text;
  const token = async (userId, email, tenant = 'public') => {
    const r = await ev('POST', `/${tenant}/recipe/user/email/verify/token`, { userId, email });
    assert.deepEqual(Object.keys(r.json), ['status', 'token']);
    assert.equal(r.json.status, 'OK');
    assert.match(r.json.token, TOKEN_RE);
    return r.json.token;
  };
  const verify = (t, tenant = 'public') => text('POST', `/${tenant}/recipe/user/email/verify`, { method: 'token', token: t });
  const isVerified = (userId, email) => text('GET',
    `/recipe/user/email/verify?userId=${encodeURIComponent(userId)}&email=${encodeURIComponent(email)}`);

  it('token lifetime: 1 day by default, visible in /__test/config', async () => {
    assert.equal((await request(port, 'GET', '/__test/config')).json.emailVerificationTokenLifetime, 86400000);
  });

  it('create token, verify (email normalised), is verified, already verified', async () => {
    assert.equal(await isVerified('u1', 'a@example.com'), '{"status":"OK","isVerified":false}\n');
    const t = await token('u1', ' A@Example.com ');
    assert.notEqual(await token('u1', 'a@example.com'), t, 'every call makes a new token');
    assert.equal(await verify(t), '{"status":"OK","userId":"u1","email":"a@example.com"}\n');
    assert.equal(await isVerified('u1', 'a@example.com'), '{"status":"OK","isVerified":true}\n');
    assert.equal(await isVerified('u1', 'A@example.com'), '{"status":"OK","isVerified":false}\n',
      'the GET does not normalise the email');
    assert.equal(await isVerified('u2', 'a@example.com'), '{"status":"OK","isVerified":false}\n');
    assert.equal(await text('POST', '/public/recipe/user/email/verify/token', { userId: 'u1', email: 'A@EXAMPLE.COM' }),
      '{"status":"EMAIL_ALREADY_VERIFIED_ERROR"}\n');
    assert.equal(await text('POST', '/t1/recipe/user/email/verify/token', { userId: 'u1', email: 'a@example.com' }),
      '{"status":"EMAIL_ALREADY_VERIFIED_ERROR"}\n', 'verification is app-wide');
  });

  it('verify consumes every token of that user+email+tenant; bogus and reused tokens are invalid', async () => {
    const a = await token('u3', 'c@example.com');
    const b = await token('u3', 'c@example.com');
    const other = await token('u3', 'd@example.com');
    assert.equal(await verify(a), '{"status":"OK","userId":"u3","email":"c@example.com"}\n');
    for (const t of [a, b, 'bogus']) assert.equal(await verify(t), '{"status":"EMAIL_VERIFICATION_INVALID_TOKEN_ERROR"}\n');
    assert.equal(await verify(other), '{"status":"OK","userId":"u3","email":"d@example.com"}\n', 'another email keeps its token');
  });

  it('tokens belong to their tenant: elsewhere invalid, and not consumed there', async () => {
    const t = await token('u4', 'e@example.com', 't1');
    assert.equal(await verify(t), '{"status":"EMAIL_VERIFICATION_INVALID_TOKEN_ERROR"}\n');
    assert.equal(await verify(t, 't2'), '{"status":"EMAIL_VERIFICATION_INVALID_TOKEN_ERROR"}\n');
    assert.equal(await verify(t, 't1'), '{"status":"OK","userId":"u4","email":"e@example.com"}\n');
  });

  it('revoke tokens (per tenant), unverify (app-wide)', async () => {
    const t = await token('u5', 'f@example.com');
    const t1 = await token('u5', 'f@example.com', 't1');
    assert.equal(await text('POST', '/public/recipe/user/email/verify/token/remove', { userId: 'u5', email: 'F@example.com' }),
      '{"status":"OK"}\n');
    assert.equal(await verify(t), '{"status":"EMAIL_VERIFICATION_INVALID_TOKEN_ERROR"}\n');
    assert.equal(await verify(t1, 't1'), '{"status":"OK","userId":"u5","email":"f@example.com"}\n');
    assert.equal(await text('POST', '/recipe/user/email/verify/remove', { userId: 'u5', email: ' F@Example.com' }), '{"status":"OK"}\n');
    assert.equal(await isVerified('u5', 'f@example.com'), '{"status":"OK","isVerified":false}\n');
    assert.equal(await text('POST', '/recipe/user/email/verify/remove', { userId: 'u5', email: 'f@example.com' }), '{"status":"OK"}\n',
      'unverifying twice is fine');
  });

  it('expired tokens are invalid (and consumed); the lifetime is a live setting', async () => {
    await request(port, 'POST', '/__test/config', { body: { emailVerificationTokenLifetime: 30 } });
    try {
      const t = await token('u6', 'g@example.com');
      const fresh = await token('u6', 'h@example.com');
      await sleep(60);
      assert.equal(await verify(t), '{"status":"EMAIL_VERIFICATION_INVALID_TOKEN_ERROR"}\n');
      assert.equal(await isVerified('u6', 'g@example.com'), '{"status":"OK","isVerified":false}\n');
      await request(port, 'POST', '/__test/reset', { body: {} });
      assert.equal((await request(port, 'GET', '/__test/config')).json.emailVerificationTokenLifetime, 86400000);
      assert.equal(await verify(fresh), '{"status":"EMAIL_VERIFICATION_INVALID_TOKEN_ERROR"}\n', 'expiry is fixed at creation');
    } finally {
      await request(port, 'POST', '/__test/reset', { body: {} });
    }
  });

  it('input errors, unsupported method, app-wide APIs refuse a tenant', async () => {
    const cases = [
      ['POST', '/public/recipe/user/email/verify/token', { email: 'a@b.c' }, 400, "Field name 'userId' is invalid in JSON input"],
      ['POST', '/public/recipe/user/email/verify/token', { userId: 'u' }, 400, "Field name 'email' is invalid in JSON input"],
      ['POST', '/public/recipe/user/email/verify', { token: 'x' }, 400, "Field name 'method' is invalid in JSON input"],
      ['POST', '/public/recipe/user/email/verify', { method: 'token' }, 400, "Field name 'token' is invalid in JSON input"],
      ['POST', '/public/recipe/user/email/verify', { method: 'otp', token: 'x' }, 400, 'Unsupported method for email verification'],
      ['GET', '/recipe/user/email/verify?userId=u', undefined, 400, "Field name 'email' is missing in GET request"],
      ['GET', '/recipe/user/email/verify?email=a', undefined, 400, "Field name 'userId' is missing in GET request"],
      ['POST', '/public/recipe/user/email/verify/token/remove', { userId: 'u' }, 400, "Field name 'email' is invalid in JSON input"],
      ['POST', '/recipe/user/email/verify/remove', { email: 'a@b.c' }, 400, "Field name 'userId' is invalid in JSON input"],
      ['GET', '/t1/recipe/user/email/verify?userId=u&email=a', undefined, 403, FORBIDDEN.trim()],
      ['POST', '/t1/recipe/user/email/verify/remove', { userId: 'u', email: 'a@b.c' }, 403, FORBIDDEN.trim()],
    ];
    for (const [method, p, body, status, message] of cases) {
      const r = await ev(method, p, body);
      assert.equal(r.status, status, `${method} ${p}`);
      assert.equal(r.text, `${message}\n`, `${method} ${p}`);
    }
  });

  it('loginMethods[].verified in the core <user> follows the verification state of its email', async () => {
    const su = (await cdi(port, 'POST', '/public/recipe/signup', { email: 'v@example.com', password: 'abcd1234' },
      { rid: 'emailpassword' })).json;
    const id = su.user.id;
    const lm = async () => (await cdi(port, 'GET', `/user/id?userId=${id}`)).json.user.loginMethods[0];
    assert.equal(su.user.loginMethods[0].verified, false);
    assert.equal(await verify(await token(id, 'v@example.com')), `{"status":"OK","userId":"${id}","email":"v@example.com"}\n`);
    assert.equal((await lm()).verified, true);
    const si = (await cdi(port, 'POST', '/public/recipe/signin', { email: 'v@example.com', password: 'abcd1234' },
      { rid: 'emailpassword' })).json;
    assert.equal(si.user.loginMethods[0].verified, true);
    const byEmail = (await cdi(port, 'GET', '/public/users/by-accountinfo?email=v%40example.com&doUnionOfAccountInfo=true')).json;
    assert.equal(byEmail.users[0].loginMethods[0].verified, true);
    // A new email is a new (userId, email) pair: not verified; the old pair stays verified.
    await cdi(port, 'PUT', '/recipe/user', { recipeUserId: id, email: 'w@example.com' }, { rid: 'emailpassword' });
    assert.equal((await lm()).verified, false);
    assert.equal(await isVerified(id, 'v@example.com'), '{"status":"OK","isVerified":true}\n');
    await cdi(port, 'PUT', '/recipe/user', { recipeUserId: id, email: 'v@example.com' }, { rid: 'emailpassword' });
    assert.equal((await lm()).verified, true);
    await ev('POST', '/recipe/user/email/verify/remove', { userId: id, email: 'v@example.com' });
    assert.equal((await lm()).verified, false);
  });
});

describe('core double: EmailVerification token lifetime flag and env', () => {
  it('--email-verification-token-lifetime and ST_CORE_EMAIL_VERIFICATION_TOKEN_LIFETIME', async () => {
    for (const [args, env] of [[['--email-verification-token-lifetime', '1234'], {}],
      [[], { ST_CORE_EMAIL_VERIFICATION_TOKEN_LIFETIME: '1234' }]]) {
      const core = await startDouble(args, env);
      try {
        assert.equal((await request(core.port, 'GET', '/__test/config')).json.emailVerificationTokenLifetime, 1234);
      } finally {
        await core.stop();
      }
    }
  });
});

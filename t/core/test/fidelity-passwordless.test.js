'use strict';
// Fidelity suite for Passwordless: supertokens-node 24.0.3 with
// Passwordless.init({contactMethod: "EMAIL_OR_PHONE", flowType: "USER_INPUT_CODE_AND_MAGIC_LINK"})
// and EmailVerification runs against the double. (a) The recipe functions are called directly and
// their return values asserted; (b) the FDI routes are driven with raw HTTP: create, resend and
// consume a code (magic link and typed code, wrong and expired codes, too many attempts, another
// tenant), the exists routes, the input errors and a delivery that fails. The answers seen here
// are what mod_supertokens must give (t/18_passwordless.t asserts the same values).

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startDouble, request, decodeJwt } = require('./helpers');
const { startSdkApp, call, sdkRequire } = require('./sdkapp');

const PL = { rid: 'passwordless', 'st-auth-mode': 'cookie' };
const ACCESS_RE = /^sAccessToken=([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+);/;
const accessFrom = (r) => {
  const c = (r.cookies || []).map((x) => ACCESS_RE.exec(x)).find(Boolean);
  return c ? c[1] : null;
};

describe('supertokens-node 24.0.3 Passwordless against the core double', () => {
  let core;
  let app;
  let Passwordless;
  const ctl = (name, body) => request(core.port, body === undefined ? 'GET' : 'POST', `/__test/${name}`, { body });
  const coreCalls = async () => (await ctl('requests')).json.requests.filter((q) => q.path !== '/.well-known/jwks.json')
    .map((q) => `${q.method} ${q.path}${q.rawQuery ? `?${q.rawQuery}` : ''}`);
  const post = (p, body, headers = PL) => call(app.port, 'POST', p, { body, headers });
  const get = (p) => call(app.port, 'GET', p, { headers: { rid: 'passwordless' } });
  const lastEmail = () => app.emails[app.emails.length - 1];
  // POST /auth/signinup/code for an email; the code and link the SDK handed to its delivery
  const start = async (email, tenant = '') => {
    const r = await post(`/auth${tenant}/signinup/code`, { email });
    assert.equal(r.status, 200, r.text);
    const mail = lastEmail();
    return { ...r.json, mail, linkCode: mail.urlWithLinkCode.split('#')[1], code: mail.userInputCode };
  };

  before(async () => {
    core = await startDouble();
    app = await startSdkApp(core.base, {}, {
      passwordless: { contactMethod: 'EMAIL_OR_PHONE', flowType: 'USER_INPUT_CODE_AND_MAGIC_LINK' } });
    Passwordless = sdkRequire('supertokens-node/recipe/passwordless');
  });
  after(async () => {
    if (app) await app.close();
    if (core) await core.stop();
  });

  it('recipe functions: createCode, list, createNewCodeForDevice, checkCode, consumeCode, revoke', async () => {
    const c = await Passwordless.createCode({ email: 'Fn@Example.com', tenantId: 'public' });
    assert.equal(c.status, 'OK');
    assert.deepEqual(Object.keys(c).sort(), ['codeId', 'codeLifetime', 'deviceId', 'linkCode', 'preAuthSessionId', 'status',
      'timeCreated', 'userInputCode']);
    const byEmail = await Passwordless.listCodesByEmail({ email: 'fn@example.com', tenantId: 'public' });
    assert.deepEqual(byEmail, [{ preAuthSessionId: c.preAuthSessionId, failedCodeInputAttemptCount: 0, email: 'fn@example.com',
      codes: [{ codeId: c.codeId, timeCreated: c.timeCreated, codeLifetime: 900000 }] }]);
    assert.deepEqual(await Passwordless.listCodesByDeviceId({ deviceId: c.deviceId, tenantId: 'public' }), byEmail[0]);
    assert.deepEqual(await Passwordless.listCodesByPreAuthSessionId({ preAuthSessionId: c.preAuthSessionId, tenantId: 'public' }),
      byEmail[0]);
    assert.equal(await Passwordless.listCodesByPreAuthSessionId({ preAuthSessionId: 'nope', tenantId: 'public' }), undefined);
    const n = await Passwordless.createNewCodeForDevice({ deviceId: c.deviceId, userInputCode: '424242', tenantId: 'public' });
    assert.equal(n.status, 'OK');
    assert.deepEqual(await Passwordless.createNewCodeForDevice({ deviceId: c.deviceId, userInputCode: '424242', tenantId: 'public' }),
      { status: 'USER_INPUT_CODE_ALREADY_USED_ERROR' });
    assert.deepEqual(await Passwordless.createNewCodeForDevice({ deviceId: 'AAAA', tenantId: 'public' }),
      { status: 'RESTART_FLOW_ERROR' });
    const wrong = await Passwordless.checkCode({ preAuthSessionId: c.preAuthSessionId, deviceId: c.deviceId,
      userInputCode: 'nope', tenantId: 'public' });
    assert.deepEqual(wrong, { status: 'INCORRECT_USER_INPUT_CODE_ERROR', failedCodeInputAttemptCount: 1, maximumCodeInputAttempts: 5 });
    assert.deepEqual(await Passwordless.revokeCode({ codeId: c.codeId, tenantId: 'public' }), { status: 'OK' });
    const ok = await Passwordless.consumeCode({ preAuthSessionId: c.preAuthSessionId, deviceId: c.deviceId,
      userInputCode: '424242', tenantId: 'public' });
    assert.equal(ok.status, 'OK');
    assert.equal(ok.createdNewRecipeUser, true);
    assert.deepEqual(ok.consumedDevice, { preAuthSessionId: c.preAuthSessionId, failedCodeInputAttemptCount: 1,
      email: 'fn@example.com' });
    assert.equal(ok.recipeUserId.getAsString(), ok.user.id);
    assert.deepEqual(ok.user.loginMethods.map((m) => [m.recipeId, m.email, m.phoneNumber, m.verified]),
      [['passwordless', 'fn@example.com', undefined, true]]);
    // revokeAllCodes by email, revokeCode by preAuthSessionId
    await Passwordless.createCode({ email: 'fn@example.com', tenantId: 'public' });
    assert.deepEqual(await Passwordless.revokeAllCodes({ email: 'fn@example.com', tenantId: 'public' }), { status: 'OK' });
    assert.deepEqual(await Passwordless.listCodesByEmail({ email: 'fn@example.com', tenantId: 'public' }), []);
    const p = await Passwordless.createCode({ phoneNumber: '+14155550100', tenantId: 'public' });
    assert.equal((await Passwordless.listCodesByPhoneNumber({ phoneNumber: '+14155550100', tenantId: 'public' })).length, 1);
    assert.deepEqual(await Passwordless.revokeCode({ preAuthSessionId: p.preAuthSessionId, tenantId: 'public' }), { status: 'OK' });
    assert.deepEqual(await Passwordless.listCodesByPhoneNumber({ phoneNumber: '+14155550100', tenantId: 'public' }), []);
    // signInUp: create + consume in one, the same user
    const again = await Passwordless.signInUp({ email: 'fn@example.com', tenantId: 'public' });
    assert.equal(again.status, 'OK');
    assert.equal(again.createdNewRecipeUser, false);
    assert.equal(again.user.id, ok.user.id);
  });

  it('POST /auth/signinup/code: the answer, the delivered link and code, the core calls', async () => {
    await ctl('reset', {});
    const r = await post('/auth/signinup/code', { email: ' Ann@Example.com ' });
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.json), ['status', 'deviceId', 'flowType', 'preAuthSessionId']);
    assert.equal(r.json.flowType, 'USER_INPUT_CODE_AND_MAGIC_LINK');
    const mail = lastEmail();
    assert.equal(mail.type, 'PASSWORDLESS_LOGIN');
    assert.equal(mail.email, 'Ann@Example.com', 'the trimmed email as typed goes to the delivery');
    assert.equal(mail.codeLifetime, 900000);
    assert.equal(mail.preAuthSessionId, r.json.preAuthSessionId);
    assert.match(mail.userInputCode, /^[0-9]{6}$/);
    assert.match(mail.urlWithLinkCode, new RegExp(`^http://localhost:3000/auth/verify\\?preAuthSessionId=${r.json.preAuthSessionId}`
      + '&tenantId=public#[A-Za-z0-9_-]{43}$'));
    assert.deepEqual(await coreCalls(), [
      'GET /public/users/by-accountinfo?email=Ann%40Example.com&doUnionOfAccountInfo=false',
      'GET /public/recipe/multitenancy/tenant/v2',
      'GET /public/users/by-accountinfo?email=Ann%40Example.com&doUnionOfAccountInfo=true',
      'POST /public/recipe/signinup/code',
    ]);
    const seen = (await ctl('last-request?path=/public/recipe/signinup/code')).json;
    assert.deepEqual(seen.json, { email: 'Ann@Example.com', shouldTryLinkingWithSessionUser: false });
  });

  it('consume: a wrong code, then the magic link signs up with a session; the link cannot be reused', async () => {
    const s = await start('bea@example.com');
    const wrong = await post('/auth/signinup/code/consume', { preAuthSessionId: s.preAuthSessionId, deviceId: s.deviceId,
      userInputCode: s.code === '000000' ? '111111' : '000000' });
    assert.equal(wrong.status, 200);
    assert.equal(wrong.text, '{"status":"INCORRECT_USER_INPUT_CODE_ERROR","failedCodeInputAttemptCount":1,"maximumCodeInputAttempts":5}');
    await ctl('reset', {});
    const ok = await post('/auth/signinup/code/consume', { preAuthSessionId: s.preAuthSessionId, linkCode: s.linkCode });
    assert.equal(ok.status, 200);
    assert.deepEqual(Object.keys(ok.json), ['status', 'createdNewRecipeUser', 'user']);
    assert.equal(ok.json.createdNewRecipeUser, true);
    const u = ok.json.user;
    assert.deepEqual(Object.keys(u), ['id', 'isPrimaryUser', 'tenantIds', 'emails', 'phoneNumbers', 'thirdParty', 'webauthn',
      'loginMethods', 'timeJoined']);
    assert.deepEqual(u.loginMethods, [{ recipeId: 'passwordless', recipeUserId: u.id, tenantIds: ['public'],
      email: 'bea@example.com', timeJoined: u.timeJoined, verified: true }]);
    const access = accessFrom(ok);
    assert.ok(access, 'a session in cookies');
    assert.equal(decodeJwt(access).payload.sub, u.id);
    assert.deepEqual(await coreCalls(), [
      `GET /public/recipe/signinup/codes?preAuthSessionId=${s.preAuthSessionId}`,
      'GET /public/users/by-accountinfo?email=bea%40example.com&doUnionOfAccountInfo=true',
      'GET /public/recipe/multitenancy/tenant/v2',
      'POST /public/recipe/signinup/code/consume',
      `GET /user/id?userId=${u.id}`,
      'POST /public/recipe/session',
    ]);
    const again = await post('/auth/signinup/code/consume', { preAuthSessionId: s.preAuthSessionId, linkCode: s.linkCode });
    assert.equal(again.text, '{"status":"RESTART_FLOW_ERROR"}');
    assert.equal(accessFrom(again), null);
  });

  it('sign-in with a typed code after a resend: the same user, createdNewRecipeUser false', async () => {
    const first = await post('/auth/signinup/code', { email: 'bea@example.com' });
    const firstMail = lastEmail();
    const resent = await post('/auth/signinup/code/resend', { deviceId: first.json.deviceId,
      preAuthSessionId: first.json.preAuthSessionId });
    assert.equal(resent.text, '{"status":"OK"}');
    const mail = lastEmail();
    assert.notEqual(mail, firstMail);
    assert.equal(mail.preAuthSessionId, first.json.preAuthSessionId);
    const ok = await post('/auth/signinup/code/consume', { preAuthSessionId: first.json.preAuthSessionId,
      deviceId: first.json.deviceId, userInputCode: mail.userInputCode });
    assert.equal(ok.json.status, 'OK');
    assert.equal(ok.json.createdNewRecipeUser, false);
    assert.deepEqual(ok.json.user.emails, ['bea@example.com']);
    // old frontends (FDI 1.17) get the flat user and createdNewUser after it
    const s = await start('bea@example.com');
    const old = await call(app.port, 'POST', '/auth/signinup/code/consume', { body: { preAuthSessionId: s.preAuthSessionId,
      linkCode: s.linkCode }, headers: { ...PL, 'fdi-version': '1.17' } });
    assert.deepEqual(Object.keys(old.json), ['status', 'createdNewRecipeUser', 'user', 'createdNewUser']);
    assert.deepEqual(Object.keys(old.json.user), ['id', 'timeJoined', 'email']);
  });

  it('too many attempts, an expired code, a link of another tenant', async () => {
    const s = await start('cal@example.com');
    const ids = { preAuthSessionId: s.preAuthSessionId, deviceId: s.deviceId };
    const wrong = s.code === '999999' ? '888888' : '999999';
    for (let n = 1; n <= 4; n++) {
      const r = await post('/auth/signinup/code/consume', { ...ids, userInputCode: wrong });
      assert.equal(r.json.failedCodeInputAttemptCount, n);
    }
    const fifth = await post('/auth/signinup/code/consume', { ...ids, userInputCode: wrong });
    assert.equal(fifth.text, '{"status":"RESTART_FLOW_ERROR"}');
    const resend = await post('/auth/signinup/code/resend', ids);
    assert.equal(resend.text, '{"status":"RESTART_FLOW_ERROR"}');

    const e = await start('cal@example.com');
    await ctl('config', { passwordlessCodeLifetime: 1 });
    await new Promise((r) => setTimeout(r, 5));
    const expired = await post('/auth/signinup/code/consume', { preAuthSessionId: e.preAuthSessionId, deviceId: e.deviceId,
      userInputCode: e.code });
    assert.equal(expired.text, '{"status":"EXPIRED_USER_INPUT_CODE_ERROR","failedCodeInputAttemptCount":1,"maximumCodeInputAttempts":5}');
    await ctl('reset', {});

    const t = await start('cal@example.com', '/t1');
    assert.match(t.mail.urlWithLinkCode, /&tenantId=t1#/);
    const elsewhere = await post('/auth/signinup/code/consume', { preAuthSessionId: t.preAuthSessionId, linkCode: t.linkCode });
    assert.equal(elsewhere.text, '{"status":"RESTART_FLOW_ERROR"}');
    const home = await post('/auth/t1/signinup/code/consume', { preAuthSessionId: t.preAuthSessionId, linkCode: t.linkCode });
    assert.equal(home.json.status, 'OK');
    assert.deepEqual(home.json.user.tenantIds, ['t1']);
  });

  it('phone numbers: the SMS, E.164 from libphonenumber, the exists routes', async () => {
    const r = await post('/auth/signinup/code', { phoneNumber: '+1 415-555-0199' });
    assert.equal(r.json.status, 'OK');
    const sms = app.sms[app.sms.length - 1];
    assert.equal(sms.phoneNumber, '+14155550199');
    const ok = await post('/auth/signinup/code/consume', { preAuthSessionId: r.json.preAuthSessionId, deviceId: r.json.deviceId,
      userInputCode: sms.userInputCode });
    assert.deepEqual(ok.json.user.phoneNumbers, ['+14155550199']);
    assert.deepEqual(ok.json.user.loginMethods[0].verified, true);
    assert.equal((await get('/auth/passwordless/phonenumber/exists?phoneNumber=%2B14155550199')).text, '{"exists":true,"status":"OK"}');
    assert.equal((await get('/auth/passwordless/phonenumber/exists?phoneNumber=%2B14155550100')).text, '{"exists":false,"status":"OK"}');
    assert.equal((await get('/auth/passwordless/email/exists?email=bea%40example.com')).text, '{"exists":true,"status":"OK"}');
    assert.equal((await get('/auth/passwordless/email/exists?email=nobody%40example.com')).text, '{"exists":false,"status":"OK"}');
    // an EmailPassword account is not a passwordless one
    await call(app.port, 'POST', '/auth/signup', { headers: { rid: 'emailpassword' },
      body: { formFields: [{ id: 'email', value: 'ep@example.com' }, { id: 'password', value: 'pass1234' }] } });
    assert.equal((await get('/auth/passwordless/email/exists?email=ep%40example.com')).text, '{"exists":false,"status":"OK"}');
    assert.equal((await get('/auth/t1/passwordless/email/exists?email=bea%40example.com')).text, '{"exists":false,"status":"OK"}');
  });

  it('input errors: the SDK texts and statuses', async () => {
    const cases = [
      ['/auth/signinup/code', {}, 400, '{"message":"Please provide exactly one of email or phoneNumber"}'],
      ['/auth/signinup/code', { email: 'a@b.co', phoneNumber: '+14155550100' }, 400,
        '{"message":"Please provide exactly one of email or phoneNumber"}'],
      ['/auth/signinup/code', { email: 'not-an-email' }, 200, '{"status":"GENERAL_ERROR","message":"Email is invalid"}'],
      ['/auth/signinup/code', { phoneNumber: '12345' }, 200, '{"status":"GENERAL_ERROR","message":"Phone number is invalid"}'],
      ['/auth/signinup/code', { phoneNumber: 12345 }, 200,
        '{"status":"GENERAL_ERROR","message":"Development bug: Please make sure the phoneNumber field is a string"}'],
      ['/auth/signinup/code/resend', { deviceId: 'd' }, 400, '{"message":"Please provide preAuthSessionId"}'],
      ['/auth/signinup/code/resend', { preAuthSessionId: 'p' }, 400, '{"message":"Please provide a deviceId"}'],
      ['/auth/signinup/code/consume', { linkCode: 'l' }, 400, '{"message":"Please provide preAuthSessionId"}'],
      ['/auth/signinup/code/consume', { preAuthSessionId: 'p' }, 400,
        '{"message":"Please provide one of (linkCode) or (deviceId+userInputCode) and not both"}'],
      ['/auth/signinup/code/consume', { preAuthSessionId: 'p', linkCode: 'l', deviceId: 'd' }, 400,
        '{"message":"Please provide one of (linkCode) or (deviceId+userInputCode) and not both"}'],
      ['/auth/signinup/code/consume', { preAuthSessionId: 'p', deviceId: 'd' }, 400,
        '{"message":"Please provide both deviceId and userInputCode"}'],
      ['/auth/signinup/code/consume', { preAuthSessionId: 'unknown', linkCode: 'l' }, 200, '{"status":"RESTART_FLOW_ERROR"}'],
      ['/auth/signinup/code/resend', { preAuthSessionId: 'p', deviceId: 'AAAA' }, 200, '{"status":"RESTART_FLOW_ERROR"}'],
    ];
    for (const [p, body, status, text] of cases) {
      const r = await post(p, body);
      assert.equal(r.status, status, `${p} ${JSON.stringify(body)}: ${r.text}`);
      assert.equal(r.text, text, `${p} ${JSON.stringify(body)}`);
    }
    assert.equal((await get('/auth/passwordless/email/exists')).text, '{"message":"Please provide the email as a GET param"}');
    assert.equal((await get('/auth/passwordless/phonenumber/exists')).text,
      '{"message":"Please provide the phoneNumber as a GET param"}');
    // the SDK itself fails (500, through the app's error handler) on a non-string email and on a
    // deviceId the core cannot decode; mod_supertokens answers those with a 400 / RESTART_FLOW_ERROR
    assert.equal((await post('/auth/signinup/code', { email: 5 })).status, 500);
    const s = await start('dot@example.com');
    assert.equal((await post('/auth/signinup/code/consume', { preAuthSessionId: s.preAuthSessionId, deviceId: '!!',
      userInputCode: '1' })).status, 500);
  });

  it('a delivery that fails: the SDK answers 500 after the code was made', async () => {
    app.deliveryFails = true;
    try {
      const r = await post('/auth/signinup/code', { email: 'fail@example.com' });
      assert.equal(r.status, 500);
      assert.deepEqual(r.json, { unexpected: 'delivery failed (test)' });
    } finally {
      app.deliveryFails = false;
    }
    const left = await Passwordless.listCodesByEmail({ email: 'fail@example.com', tenantId: 'public' });
    assert.equal(left.length, 1, 'the core made the code before the delivery failed');
  });
});

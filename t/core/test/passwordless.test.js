'use strict';
// The double's Passwordless APIs, asserted byte for byte against the core's Java sources
// (webserver/api/passwordless/*.java, passwordless/Passwordless.java): the createCode reply and
// its cryptographic relations (preAuthSessionId = SHA-256(deviceId), linkCode = HMAC of the
// code keyed with the device and a salt the client never sees), attempt counting, expiry,
// consumption, listing and removal, tenants, the user shapes and the input errors.

const { describe, it, before, after, beforeEach } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('crypto');
const { startDouble, request, cdi, UUID_RE } = require('./helpers');

const PL = { rid: 'passwordless' };

describe('core double: Passwordless', () => {
  let core;
  const api = (method, p, body, cdiVersion = '5.4') => cdi(core.port, method, p, body, { ...PL, 'cdi-version': cdiVersion });
  const ctl = (name, body) => request(core.port, 'POST', `/__test/${name}`, { body });
  const create = async (body, tenant = 'public') => (await api('POST', `/${tenant}/recipe/signinup/code`, body)).json;
  const consume = (body, tenant = 'public', v) => api('POST', `/${tenant}/recipe/signinup/code/consume`, body, v);

  before(async () => { core = await startDouble(); });
  after(async () => { if (core) await core.stop(); });
  beforeEach(async () => { await ctl('reset', { all: true }); });

  it('createCode: the reply, in the core key order, and how its parts relate', async () => {
    const r = await api('POST', '/public/recipe/signinup/code', { email: '  Ann@Example.COM ' });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json; charset=UTF-8');
    const c = r.json;
    assert.deepEqual(Object.keys(c), ['status', 'preAuthSessionId', 'codeId', 'deviceId', 'userInputCode', 'linkCode',
      'timeCreated', 'codeLifetime']);
    assert.equal(c.status, 'OK');
    assert.match(c.codeId, UUID_RE);
    assert.match(c.userInputCode, /^[0-9]{6}$/);
    assert.equal(c.codeLifetime, 900000);
    assert.ok(Math.abs(c.timeCreated - Date.now()) < 5000);
    // deviceId: 32 bytes in standard base64 (with padding); preAuthSessionId: their SHA-256 in
    // base64url without padding; linkCode: 32 bytes (an HMAC-SHA256) in base64url without padding
    const deviceBytes = Buffer.from(c.deviceId, 'base64');
    assert.equal(deviceBytes.length, 32);
    assert.equal(deviceBytes.toString('base64'), c.deviceId);
    assert.equal(c.preAuthSessionId, crypto.createHash('sha256').update(deviceBytes).digest('base64url'));
    assert.match(c.linkCode, /^[A-Za-z0-9_-]{43}$/);
    // the salt stays in the core: the linkCode is not an HMAC keyed with the deviceId alone
    assert.notEqual(c.linkCode, crypto.createHmac('sha256', deviceBytes).update(c.userInputCode).digest('base64url'));
    const list = await api('GET', '/public/recipe/signinup/codes?email=ANN@example.com');
    assert.deepEqual(list.json, { status: 'OK', devices: [{ preAuthSessionId: c.preAuthSessionId,
      failedCodeInputAttemptCount: 0, email: 'ann@example.com',
      codes: [{ codeId: c.codeId, timeCreated: c.timeCreated, codeLifetime: 900000 }] }] });
  });

  it('consume with the user input code: sign-up, the <user> shape, the email verified, the device gone', async () => {
    const c = await create({ email: 'bob@example.com' });
    const wrong = await consume({ preAuthSessionId: c.preAuthSessionId, deviceId: c.deviceId,
      userInputCode: c.userInputCode === '000000' ? '111111' : '000000' });
    assert.equal(wrong.text, '{"status":"INCORRECT_USER_INPUT_CODE_ERROR","failedCodeInputAttemptCount":1,"maximumCodeInputAttempts":5}\n');
    const ok = await consume({ preAuthSessionId: c.preAuthSessionId, deviceId: c.deviceId, userInputCode: c.userInputCode });
    const u = ok.json.user;
    assert.deepEqual(Object.keys(ok.json), ['status', 'createdNewUser', 'user', 'recipeUserId', 'consumedDevice']);
    assert.equal(ok.json.createdNewUser, true);
    assert.equal(ok.json.recipeUserId, u.id);
    assert.deepEqual(ok.json.consumedDevice, { preAuthSessionId: c.preAuthSessionId, failedCodeInputAttemptCount: 1,
      email: 'bob@example.com' });
    assert.deepEqual(Object.keys(u), ['id', 'isPrimaryUser', 'tenantIds', 'timeJoined', 'emails', 'phoneNumbers',
      'thirdParty', 'webauthn', 'loginMethods']);
    assert.deepEqual(u.emails, ['bob@example.com']);
    assert.deepEqual(u.phoneNumbers, []);
    assert.deepEqual(u.loginMethods, [{ tenantIds: ['public'], recipeUserId: u.id, verified: true,
      timeJoined: u.timeJoined, recipeId: 'passwordless', email: 'bob@example.com' }]);
    const ev = await cdi(core.port, 'GET', `/recipe/user/email/verify?userId=${u.id}&email=bob@example.com`);
    assert.equal(ev.json.isVerified, true);
    const gone = await api('GET', `/public/recipe/signinup/codes?preAuthSessionId=${c.preAuthSessionId}`);
    assert.deepEqual(gone.json, { status: 'OK', devices: [] });
    // a second sign-in is the same user
    const c2 = await create({ email: 'BOB@example.com' });
    const again = await consume({ preAuthSessionId: c2.preAuthSessionId, linkCode: c2.linkCode });
    assert.equal(again.json.createdNewUser, false);
    assert.equal(again.json.user.id, u.id);
    const byId = await cdi(core.port, 'GET', `/user/id?userId=${u.id}`);
    assert.deepEqual(byId.json.user, u);
  });

  it('a used, wrong-tenant or garbled link code restarts the flow; a consumed device takes its siblings along', async () => {
    const a = await create({ email: 'cy@example.com' });
    const b = await create({ email: 'cy@example.com' });
    assert.equal((await consume({ preAuthSessionId: a.preAuthSessionId, linkCode: a.linkCode }, 't1')).text,
      '{"status":"RESTART_FLOW_ERROR"}\n');
    assert.equal((await consume({ preAuthSessionId: a.preAuthSessionId, linkCode: a.linkCode })).json.status, 'OK');
    assert.equal((await consume({ preAuthSessionId: a.preAuthSessionId, linkCode: a.linkCode })).json.status,
      'RESTART_FLOW_ERROR');
    // every device of the same email went with the consumed one
    assert.equal((await consume({ preAuthSessionId: b.preAuthSessionId, linkCode: b.linkCode })).json.status,
      'RESTART_FLOW_ERROR');
    const bad = await consume({ preAuthSessionId: a.preAuthSessionId, linkCode: 'not*base64' });
    assert.equal(bad.status, 400);
    assert.equal(bad.text, 'Input encoding error in linkCode\n');
  });

  it('attempts: the fifth wrong code removes the device; the count survives a resend', async () => {
    const c = await create({ email: 'dee@example.com' });
    const wrong = c.userInputCode === '999999' ? '888888' : '999999';
    const ids = { preAuthSessionId: c.preAuthSessionId, deviceId: c.deviceId };
    for (let n = 1; n <= 3; n++) {
      const r = await consume({ ...ids, userInputCode: wrong });
      assert.deepEqual(r.json, { status: 'INCORRECT_USER_INPUT_CODE_ERROR', failedCodeInputAttemptCount: n,
        maximumCodeInputAttempts: 5 });
    }
    const resent = await create({ deviceId: c.deviceId });
    assert.equal(resent.preAuthSessionId, c.preAuthSessionId);
    assert.equal(resent.deviceId, c.deviceId);
    assert.notEqual(resent.codeId, c.codeId);
    assert.equal((await consume({ ...ids, userInputCode: wrong })).json.failedCodeInputAttemptCount, 4);
    assert.deepEqual((await consume({ ...ids, userInputCode: wrong })).json, { status: 'RESTART_FLOW_ERROR' });
    assert.deepEqual((await consume({ ...ids, userInputCode: resent.userInputCode })).json, { status: 'RESTART_FLOW_ERROR' });
    assert.deepEqual((await create({ deviceId: c.deviceId })), { status: 'RESTART_FLOW_ERROR' });
  });

  it('expiry: an expired user input code counts as a failed attempt, an expired link restarts', async () => {
    const c = await create({ email: 'eve@example.com' });
    await ctl('config', { passwordlessCodeLifetime: 1 });
    await new Promise((r) => setTimeout(r, 5));
    const r = await consume({ preAuthSessionId: c.preAuthSessionId, deviceId: c.deviceId, userInputCode: c.userInputCode });
    assert.deepEqual(r.json, { status: 'EXPIRED_USER_INPUT_CODE_ERROR', failedCodeInputAttemptCount: 1,
      maximumCodeInputAttempts: 5 });
    assert.deepEqual((await consume({ preAuthSessionId: c.preAuthSessionId, linkCode: c.linkCode })).json,
      { status: 'RESTART_FLOW_ERROR' });
    const list = await api('GET', `/public/recipe/signinup/codes?deviceId=${encodeURIComponent(c.deviceId)}`);
    assert.equal(list.json.devices[0].codes[0].codeLifetime, 1);
    assert.equal(list.json.devices[0].failedCodeInputAttemptCount, 1);
  });

  it('phone numbers: normalised to E.164, a user without an email counts as verified', async () => {
    const c = await create({ phoneNumber: ' +1 (650) 555-0123 ' });
    const ok = await consume({ preAuthSessionId: c.preAuthSessionId, linkCode: c.linkCode });
    const u = ok.json.user;
    assert.deepEqual(u.emails, []);
    assert.deepEqual(u.phoneNumbers, ['+16505550123']);
    assert.deepEqual(u.loginMethods[0], { tenantIds: ['public'], recipeUserId: u.id, verified: true,
      timeJoined: u.timeJoined, recipeId: 'passwordless', phoneNumber: '+16505550123' });
    assert.deepEqual(ok.json.consumedDevice, { preAuthSessionId: c.preAuthSessionId, failedCodeInputAttemptCount: 0,
      phoneNumber: '+16505550123' });
    const found = await cdi(core.port, 'GET', '/public/users/by-accountinfo?phoneNumber=%2B16505550123&doUnionOfAccountInfo=false');
    assert.deepEqual(found.json.users.map((x) => x.id), [u.id]);
  });

  it('check does not consume; wrong codes still count', async () => {
    const c = await create({ email: 'fay@example.com' });
    const r = await api('POST', '/public/recipe/signinup/code/check', { preAuthSessionId: c.preAuthSessionId, linkCode: c.linkCode });
    assert.equal(r.text, `{"status":"OK","consumedDevice":{"preAuthSessionId":"${c.preAuthSessionId}",`
      + '"failedCodeInputAttemptCount":0,"email":"fay@example.com"}}\n');
    assert.equal((await api('POST', '/public/recipe/signinup/code/check', { preAuthSessionId: c.preAuthSessionId,
      deviceId: c.deviceId, userInputCode: 'x' })).json.failedCodeInputAttemptCount, 1);
    assert.equal((await consume({ preAuthSessionId: c.preAuthSessionId, linkCode: c.linkCode })).json.status, 'OK');
  });

  it('remove a code, a device, every device of a contact', async () => {
    const a = await create({ email: 'gus@example.com' });
    const a2 = await create({ deviceId: a.deviceId });
    const rm = (body) => api('POST', '/public/recipe/signinup/code/remove', body);
    assert.equal((await rm({ codeId: a.codeId })).text, '{"status":"OK"}\n');
    let list = await api('GET', `/public/recipe/signinup/codes?preAuthSessionId=${a.preAuthSessionId}`);
    assert.deepEqual(list.json.devices[0].codes.map((x) => x.codeId), [a2.codeId]);
    await rm({ codeId: a2.codeId }); // the last code takes the device along
    list = await api('GET', `/public/recipe/signinup/codes?preAuthSessionId=${a.preAuthSessionId}`);
    assert.deepEqual(list.json.devices, []);
    const b = await create({ email: 'gus@example.com' });
    assert.equal((await rm({ preAuthSessionId: b.preAuthSessionId })).json.status, 'OK');
    assert.deepEqual((await api('GET', '/public/recipe/signinup/codes?email=gus@example.com')).json.devices, []);
    await create({ email: 'gus@example.com' });
    await create({ email: 'gus@example.com' });
    await create({ phoneNumber: '+441234567890' });
    assert.equal((await api('POST', '/public/recipe/signinup/codes/remove', { email: 'GUS@example.com' })).json.status, 'OK');
    assert.deepEqual((await api('GET', '/public/recipe/signinup/codes?email=gus@example.com')).json.devices, []);
    assert.equal((await api('GET', '/public/recipe/signinup/codes?phoneNumber=%2B441234567890')).json.devices.length, 1);
    // CDI < 5.0: only codeId, and it is required
    assert.equal((await api('POST', '/public/recipe/signinup/code/remove', { preAuthSessionId: b.preAuthSessionId }, '4.0')).text,
      "Field name 'codeId' is invalid in JSON input\n");
  });

  it('input errors, with the core texts', async () => {
    const cases = [
      ['POST', '/public/recipe/signinup/code', {}, 'Please provide exactly one of email, phoneNumber or deviceId'],
      ['POST', '/public/recipe/signinup/code', { email: 'a@b.c', phoneNumber: '+1234567' },
        'Please provide exactly one of email, phoneNumber or deviceId'],
      ['POST', '/public/recipe/signinup/code', { email: null }, "Field name 'email' is invalid in JSON input"],
      ['POST', '/public/recipe/signinup/code', { phoneNumber: 5 }, "Field name 'phoneNumber' is invalid in JSON input"],
      ['POST', '/public/recipe/signinup/code', { email: 'a@b.c', userInputCode: '' }, 'userInputCode cannot be an empty string.'],
      ['POST', '/public/recipe/signinup/code', { deviceId: '!!' }, 'Input encoding error in deviceId'],
      ['POST', '/public/recipe/signinup/code/consume', { linkCode: 'x' }, "Field name 'preAuthSessionId' is invalid in JSON input"],
      ['POST', '/public/recipe/signinup/code/consume', { preAuthSessionId: 'p' },
        'Please provide exactly one of linkCode or deviceId+userInputCode'],
      ['POST', '/public/recipe/signinup/code/consume', { preAuthSessionId: 'p', linkCode: 'x', deviceId: 'd' },
        'Please provide exactly one of linkCode or deviceId+userInputCode'],
      ['POST', '/public/recipe/signinup/code/consume', { preAuthSessionId: 'p', deviceId: 'd' },
        'Please provide exactly one of linkCode or deviceId+userInputCode'],
      ['GET', '/public/recipe/signinup/codes', undefined,
        'Please provide exactly one of email, phoneNumber, deviceId or preAuthSessionId'],
      ['GET', '/public/recipe/signinup/codes?email=a&preAuthSessionId=b', undefined,
        'Please provide exactly one of email, phoneNumber, deviceId or preAuthSessionId'],
      ['POST', '/public/recipe/signinup/code/remove', {}, "Please provide either 'codeId' or 'preAuthSessionId'"],
      ['POST', '/public/recipe/signinup/code/remove', { codeId: 'a', preAuthSessionId: 'b' },
        "Please provide only one of 'codeId' or 'preAuthSessionId'"],
      ['POST', '/public/recipe/signinup/codes/remove', {}, 'Please provide exactly one of email or phoneNumber'],
    ];
    for (const [method, p, body, text] of cases) {
      const r = await api(method, p, body);
      assert.equal(r.status, 400, `${method} ${p} ${JSON.stringify(body)}`);
      assert.equal(r.text, `${text}\n`, `${method} ${p} ${JSON.stringify(body)}`);
    }
    // a deviceId that is base64 but not this preAuthSessionId's
    const c = await create({ email: 'hal@example.com' });
    const other = await create({ email: 'ida@example.com' });
    const r = await consume({ preAuthSessionId: c.preAuthSessionId, deviceId: other.deviceId, userInputCode: other.userInputCode });
    assert.equal(r.status, 400);
    assert.equal(r.text, "preAuthSessionId and deviceId doesn't match\n");
  });

  it('tenants: codes and users are per tenant; older CDI shapes', async () => {
    const c = await create({ email: 'jo@example.com' }, 't1');
    assert.deepEqual((await api('GET', `/public/recipe/signinup/codes?preAuthSessionId=${c.preAuthSessionId}`)).json.devices, []);
    const ok = await consume({ preAuthSessionId: c.preAuthSessionId, linkCode: c.linkCode }, 't1', '3.0');
    assert.deepEqual(Object.keys(ok.json), ['status', 'createdNewUser', 'user']);
    assert.deepEqual(Object.keys(ok.json.user), ['id', 'timeJoined', 'tenantIds', 'email']);
    assert.deepEqual(ok.json.user.tenantIds, ['t1']);
    const p = await create({ email: 'jo@example.com' });
    const again = await consume({ preAuthSessionId: p.preAuthSessionId, linkCode: p.linkCode }, 'public', '4.0');
    assert.equal(again.json.createdNewUser, true, 'the same email in another tenant is another user');
    assert.deepEqual(Object.keys(again.json), ['status', 'createdNewUser', 'user', 'recipeUserId']);
    // an EmailPassword account with the same email is another recipe's user
    const ep = await cdi(core.port, 'POST', '/public/recipe/signup', { email: 'jo@example.com', password: 'pw123456' });
    assert.equal(ep.json.status, 'OK');
    assert.notEqual(ep.json.user.id, again.json.user.id);
  });
});

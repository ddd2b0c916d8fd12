'use strict';
// Owns: the Passwordless recipe of the core double (webserver/api/passwordless/*.java,
// passwordless/Passwordless.java and its Passwordless{DeviceId,LinkCode,...} classes):
// devices and their codes (per tenant), creating, checking and consuming codes with the
// core's attempt counting and expiry, listing and removing them, and passwordless users
// (kept in the users table, whose <user> JSON users.js writes).
//
// A device is what one createCode without deviceId starts: 32 random bytes (deviceId, sent as
// standard base64), their SHA-256 (preAuthSessionId, base64url without padding) and 32 random
// bytes of link-code salt. Each code of a device has a userInputCode (6 digits unless given)
// and linkCode = HMAC-SHA256(key = deviceId bytes || salt, userInputCode) in base64url; the core
// keeps only SHA-256(linkCode), so a linkCode cannot be computed from the deviceId alone.

const crypto = require('crypto');
const { bad, json, parseJsonObject, query, gte } = require('./input');
const { normaliseEmail, normalisePhone, userJson } = require('./users');

const invalid = (name) => bad(`Field name '${name}' is invalid in JSON input`);

// InputParser.parseStringOrThrowError: absent is null when nullable; JSON null or a non-string
// is always invalid (Gson's JsonNull is "present").
function strField(input, name, nullable) {
  if (!(name in input)) {
    if (nullable) return null;
    throw invalid(name);
  }
  if (typeof input[name] !== 'string') throw invalid(name);
  return input[name];
}

// Java's Base64.getDecoder() / getUrlDecoder(): its alphabet only, padding optional but exact
// when present; anything else is an IllegalArgumentException (the APIs' "Input encoding error").
function decodeBase64(s, url, what) {
  const m = (url ? /^([A-Za-z0-9_-]*)(={0,2})$/ : /^([A-Za-z0-9+/]*)(={0,2})$/).exec(s);
  const n = m ? m[1].length : 0;
  if (!m || n % 4 === 1 || (m[2].length > 0 && (n + m[2].length) % 4 !== 0)) {
    throw bad(`Input encoding error in ${what}`);
  }
  return Buffer.from(m[1], url ? 'base64url' : 'base64');
}

const b64url = (buf) => buf.toString('base64url');
const sha256 = (buf) => crypto.createHash('sha256').update(buf).digest();

function sixDigits() {
  let s = '';
  for (let i = 0; i < 6; i++) s += String(crypto.randomInt(10));
  return s;
}

// PasswordlessDeviceId.getLinkCode: HMAC-SHA256 keyed with deviceId || salt over the code.
function linkCodeOf(deviceIdBytes, salt, userInputCode) {
  return crypto.createHmac('sha256', Buffer.concat([deviceIdBytes, salt])).update(userInputCode, 'utf8').digest();
}

class RestartFlow extends Error {}
class CodeError extends Error {
  constructor(status, failed, max) { super(status); this.status = status; this.failed = failed; this.max = max; }
}

class PasswordlessApi {
  constructor(store, settings, ev) {
    this.store = store;
    this.settings = settings;
    this.ev = ev;
  }

  devices(appId) { return this.store.app(appId).plDevices; }

  device(appId, tenantId, hash) {
    const d = this.devices(appId).get(hash);
    return d && d.tenantId === tenantId ? d : null;
  }

  lifetime() { return this.settings().passwordlessCodeLifetime; }

  maxAttempts() { return this.settings().passwordlessMaxCodeInputAttempts; }

  expired(code) { return code.createdAt < Date.now() - this.lifetime(); }

  // A new code for device (its deviceId bytes given); null when its linkCode is already used.
  addCode(device, deviceIdBytes, userInputCode) {
    const code = userInputCode ?? sixDigits();
    const linkCode = linkCodeOf(deviceIdBytes, device.salt, code);
    const linkCodeHash = b64url(sha256(linkCode));
    if (device.codes.some((c) => c.linkCodeHash === linkCodeHash)) return null;
    const c = { id: crypto.randomUUID(), linkCodeHash, createdAt: Date.now() };
    device.codes.push(c);
    return { status: 'OK', preAuthSessionId: device.hash, codeId: c.id, deviceId: deviceIdBytes.toString('base64'),
      userInputCode: code, linkCode: b64url(linkCode), timeCreated: c.createdAt, codeLifetime: this.lifetime() };
  }

  // POST /{t}/recipe/signinup/code {email | phoneNumber | deviceId, userInputCode?}
  createCode(req) {
    const input = parseJsonObject(req.body);
    const email = 'email' in input ? normaliseEmail(strField(input, 'email', false)) : null;
    const phoneNumber = normalisePhone(strField(input, 'phoneNumber', true));
    const deviceId = strField(input, 'deviceId', true);
    if ([email, phoneNumber, deviceId].filter((v) => v !== null).length !== 1) {
      throw bad('Please provide exactly one of email, phoneNumber or deviceId');
    }
    const userInputCode = strField(input, 'userInputCode', true);
    if (userInputCode === '') throw bad('userInputCode cannot be an empty string.');
    if (deviceId === null) {
      const bytes = crypto.randomBytes(32);
      const device = { tenantId: req.tenantId, hash: b64url(sha256(bytes)), email, phoneNumber,
        salt: crypto.randomBytes(32), failedAttempts: 0, codes: [] };
      this.devices(req.appId).set(device.hash, device);
      return json(this.addCode(device, bytes, userInputCode));
    }
    const bytes = decodeBase64(deviceId, false, 'deviceId');
    const device = this.device(req.appId, req.tenantId, b64url(sha256(bytes)));
    if (!device) return json({ status: 'RESTART_FLOW_ERROR' });
    for (;;) {
      const out = this.addCode(device, bytes, userInputCode);
      if (out) return json(out);
      // the same code twice for a device: only a caller-chosen code can repeat for sure
      if (userInputCode !== null) return json({ status: 'USER_INPUT_CODE_ALREADY_USED_ERROR' });
    }
  }

  // Passwordless.checkCodeAndReturnDevice: the device whose code this is, or RestartFlow /
  // CodeError / a 400. A wrong or expired userInputCode counts against the device, which goes
  // once the count would reach the maximum; consuming removes every device of the contact.
  checkCode(req, input, consume) {
    const { appId, tenantId } = req;
    let deviceHash;
    let linkCodeHash;
    if (input.linkCode !== null) {
      linkCodeHash = b64url(sha256(decodeBase64(input.linkCode, true, 'linkCode')));
      const owner = [...this.devices(appId).values()].find((d) => d.tenantId === tenantId
        && d.codes.some((c) => c.linkCodeHash === linkCodeHash && !this.expired(c)));
      if (!owner) throw new RestartFlow();
      deviceHash = owner.hash;
    } else {
      const bytes = decodeBase64(input.deviceId, false, 'deviceId');
      deviceHash = b64url(sha256(bytes));
      const d = this.device(appId, tenantId, deviceHash);
      if (!d) throw new RestartFlow();
      linkCodeHash = b64url(sha256(linkCodeOf(bytes, d.salt, input.userInputCode)));
    }
    if (deviceHash !== input.preAuthSessionId.replace(/=/g, '')) {
      throw bad("preAuthSessionId and deviceId doesn't match");
    }
    const device = this.device(appId, tenantId, deviceHash);
    if (!device) throw new RestartFlow();
    const max = this.maxAttempts();
    if (device.failedAttempts >= max) {
      this.devices(appId).delete(device.hash);
      throw new RestartFlow();
    }
    const code = device.codes.find((c) => c.linkCodeHash === linkCodeHash);
    if (!code || this.expired(code)) {
      if (input.deviceId === null) throw new RestartFlow();
      if (device.failedAttempts + 1 >= max) {
        this.devices(appId).delete(device.hash);
        throw new RestartFlow();
      }
      device.failedAttempts += 1;
      throw new CodeError(code ? 'EXPIRED_USER_INPUT_CODE_ERROR' : 'INCORRECT_USER_INPUT_CODE_ERROR',
        device.failedAttempts, max);
    }
    const seen = { ...device };
    if (consume) this.removeDevicesOf(appId, tenantId, device.email, device.phoneNumber);
    return seen;
  }

  removeDevicesOf(appId, tenantId, email, phoneNumber) {
    for (const [k, d] of this.devices(appId)) {
      if (d.tenantId === tenantId && (email !== null ? d.email === email : d.phoneNumber === phoneNumber)) {
        this.devices(appId).delete(k);
      }
    }
  }

  // ConsumeCodeAPI / CheckCodeAPI input: preAuthSessionId and linkCode | deviceId + userInputCode.
  static codeInput(body) {
    const input = parseJsonObject(body);
    const preAuthSessionId = strField(input, 'preAuthSessionId', false);
    const one = 'Please provide exactly one of linkCode or deviceId+userInputCode';
    if ('linkCode' in input) {
      if ('userInputCode' in input || 'deviceId' in input) throw bad(one);
      return { preAuthSessionId, linkCode: strField(input, 'linkCode', false), deviceId: null, userInputCode: null };
    }
    if (!('userInputCode' in input && 'deviceId' in input)) throw bad(one);
    return { preAuthSessionId, linkCode: null, deviceId: strField(input, 'deviceId', false),
      userInputCode: strField(input, 'userInputCode', false) };
  }

  static codeFailure(e) {
    if (e instanceof RestartFlow) return json({ status: 'RESTART_FLOW_ERROR' });
    if (e instanceof CodeError) {
      return json({ status: e.status, failedCodeInputAttemptCount: e.failed, maximumCodeInputAttempts: e.max });
    }
    throw e;
  }

  static deviceJson(d) {
    const out = { preAuthSessionId: d.hash, failedCodeInputAttemptCount: d.failedAttempts };
    if (d.email !== null) out.email = d.email;
    if (d.phoneNumber !== null) out.phoneNumber = d.phoneNumber;
    return out;
  }

  // POST /{t}/recipe/signinup/code/check: checkCode without consuming anything.
  check(req) {
    const input = PasswordlessApi.codeInput(req.body);
    try {
      const d = this.checkCode(req, input, false);
      return json({ status: 'OK', consumedDevice: PasswordlessApi.deviceJson(d) });
    } catch (e) {
      return PasswordlessApi.codeFailure(e);
    }
  }

  // The passwordless user of the tenant with the device's email or phone number.
  userOf(appId, tenantId, d) {
    for (const u of this.store.app(appId).users.values()) {
      if (u.recipeId === 'passwordless' && u.tenantIds.includes(tenantId)
        && (d.email !== null ? u.email === d.email : u.phoneNumber === d.phoneNumber)) return u;
    }
    return null;
  }

  // POST /{t}/recipe/signinup/code/consume: signs the contact in, or up (a new user); from CDI
  // 4.0 a consumed email code also marks the email verified.
  consume(req) {
    const input = PasswordlessApi.codeInput(req.body);
    let d;
    try {
      d = this.checkCode(req, input, true);
    } catch (e) {
      return PasswordlessApi.codeFailure(e);
    }
    let u = this.userOf(req.appId, req.tenantId, d);
    const created = u === null;
    if (created) {
      u = { id: crypto.randomUUID(), recipeId: 'passwordless', email: d.email, phoneNumber: d.phoneNumber,
        timeJoined: Date.now(), tenantIds: [req.tenantId] };
      this.store.app(req.appId).users.set(u.id, u);
    }
    if (gte(req.cdi, '4.0') && d.email !== null) this.ev.setVerified(req.appId, u.id, d.email, true);
    const verified = d.email === null || this.store.isEmailVerified(req.appId, u.id, d.email);
    const out = { status: 'OK', createdNewUser: created, user: userJson(u, req.cdi, verified) };
    if (gte(req.cdi, '4.0')) out.recipeUserId = u.id;
    if (gte(req.cdi, '5.0')) out.consumedDevice = PasswordlessApi.deviceJson(d);
    return json(out);
  }

  // GET /{t}/recipe/signinup/codes?email= | phoneNumber= | deviceId= | preAuthSessionId=
  listCodes(req) {
    const email = query(req.query, 'email', true);
    const phoneNumber = normalisePhone(query(req.query, 'phoneNumber', true));
    const deviceId = query(req.query, 'deviceId', true);
    const hash = query(req.query, 'preAuthSessionId', true);
    if ([email, phoneNumber, deviceId, hash].filter((v) => v !== null).length !== 1) {
      throw bad('Please provide exactly one of email, phoneNumber, deviceId or preAuthSessionId');
    }
    let list;
    if (deviceId !== null || hash !== null) {
      const h = hash ?? b64url(sha256(decodeBase64(deviceId, false, 'deviceId')));
      const d = this.device(req.appId, req.tenantId, h);
      list = d ? [d] : [];
    } else {
      const want = email !== null ? normaliseEmail(email) : null;
      list = [...this.devices(req.appId).values()].filter((d) => d.tenantId === req.tenantId
        && (want !== null ? d.email === want : d.phoneNumber === phoneNumber));
    }
    const lifetime = this.lifetime();
    return json({ status: 'OK', devices: list.map((d) => ({ ...PasswordlessApi.deviceJson(d),
      codes: d.codes.map((c) => ({ codeId: c.id, timeCreated: c.createdAt, codeLifetime: lifetime })) })) });
  }

  // POST /{t}/recipe/signinup/code/remove {codeId} | (CDI >= 5.0) {preAuthSessionId}: a device
  // whose only code goes, goes with it.
  removeCode(req) {
    const input = parseJsonObject(req.body);
    const v5 = gte(req.cdi, '5.0');
    const codeId = strField(input, 'codeId', v5);
    const hash = v5 ? strField(input, 'preAuthSessionId', true) : null;
    if (codeId === null && hash === null) throw bad("Please provide either 'codeId' or 'preAuthSessionId'");
    if (codeId !== null && hash !== null) throw bad("Please provide only one of 'codeId' or 'preAuthSessionId'");
    const devices = this.devices(req.appId);
    if (hash !== null) {
      if (this.device(req.appId, req.tenantId, hash)) devices.delete(hash);
      return json({ status: 'OK' });
    }
    for (const d of devices.values()) {
      const i = d.codes.findIndex((c) => c.id === codeId);
      if (d.tenantId !== req.tenantId || i < 0) continue;
      if (d.codes.length === 1) devices.delete(d.hash);
      else d.codes.splice(i, 1);
      break;
    }
    return json({ status: 'OK' });
  }

  // POST /{t}/recipe/signinup/codes/remove {email | phoneNumber}
  removeCodes(req) {
    const input = parseJsonObject(req.body);
    const email = strField(input, 'email', true);
    const phoneNumber = normalisePhone(strField(input, 'phoneNumber', true));
    if ((email === null) === (phoneNumber === null)) throw bad('Please provide exactly one of email or phoneNumber');
    this.removeDevicesOf(req.appId, req.tenantId, email !== null ? normaliseEmail(email) : null, phoneNumber);
    return json({ status: 'OK' });
  }
}

module.exports = { PasswordlessApi, decodeBase64 };

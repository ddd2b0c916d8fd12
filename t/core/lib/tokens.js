'use strict';
// Owns: minting and reading the two session tokens exactly as core 11.x does for CDI <= 5.4.
//  * access tokens v2..v5 (AccessToken.java): header {"kid","typ","version","alg"}, payload
//    iat, exp, sub, tId, rsub, sessionHandle, refreshTokenHash1, parentRefreshTokenHash1,
//    antiCsrfToken, then the custom claims in the order given; explicit nulls from v3 on.
//  * refresh tokens (RefreshToken.java): "<AES-GCM payload, std base64>.<sha256 hex nonce>.V2".

const crypto = require('crypto');
const jwt = require('./jwt');
const { gte } = require('./input');

const sha256 = (s) => crypto.createHash('sha256').update(String(s)).digest('hex');

class TryRefresh extends Error {}
class Unauthorised extends Error {}
class PayloadError extends Error {}

const PROTECTED = {
  2: ['sessionHandle', 'userId', 'refreshTokenHash1', 'userData', 'expiryTime', 'timeCreated'],
  3: ['sub', 'exp', 'iat', 'sessionHandle', 'refreshTokenHash1', 'parentRefreshTokenHash1', 'antiCsrfToken'],
};
PROTECTED[1] = PROTECTED[2];
PROTECTED[4] = [...PROTECTED[3], 'tId'];
PROTECTED[5] = [...PROTECTED[4], 'rsub'];

function versionForCdi(cdi) {
  if (gte(cdi, '4.0')) return 5;
  if (gte(cdi, '3.0')) return 4;
  if (gte(cdi, '2.21')) return 3;
  return 2;
}

class Tokens {
  // settings() -> live config; keys: KeyRing.
  constructor(keys, settings) {
    this.keys = keys;
    this.settings = settings;
    this.refreshKey = crypto.randomBytes(32); // per process, like the core's refresh token key
  }

  // Returns {token, expiry, createdTime} (ms). expiryMs pins the expiry (regenerate keeps the old one).
  mintAccess(a) {
    const now = Date.now();
    let expiry = a.expiryMs != null ? a.expiryMs : now + this.settings().accessTokenValidity * 1000;
    let created = now;
    const v = a.version;
    let payload;
    if (v >= 3) {
      // v3+ carry whole seconds; the core truncates its ms values to match.
      expiry -= expiry % 1000;
      created -= created % 1000;
      payload = { iat: created / 1000, exp: expiry / 1000, sub: a.primaryUserId };
      if (v >= 4) payload.tId = a.tenantId;
      if (v >= 5) payload.rsub = a.recipeUserId;
      payload.sessionHandle = a.sessionHandle;
      payload.refreshTokenHash1 = a.refreshTokenHash1;
      payload.parentRefreshTokenHash1 = a.parentRefreshTokenHash1 ?? null;
      payload.antiCsrfToken = a.antiCsrfToken ?? null;
      for (const [k, val] of Object.entries(a.userData)) {
        if (Object.prototype.hasOwnProperty.call(payload, k)) {
          throw new PayloadError('The user payload contains protected field');
        }
        payload[k] = val;
      }
    } else {
      payload = { userId: a.primaryUserId, expiryTime: expiry, timeCreated: created,
        sessionHandle: a.sessionHandle, refreshTokenHash1: a.refreshTokenHash1 };
      if (a.parentRefreshTokenHash1 != null) payload.parentRefreshTokenHash1 = a.parentRefreshTokenHash1;
      if (a.antiCsrfToken != null) payload.antiCsrfToken = a.antiCsrfToken;
      payload.userData = a.userData;
    }
    const key = this.keys.signingKey(a.useStaticKey);
    const token = v >= 3
      ? jwt.encode({ header: { kid: key.kid, typ: 'JWT', version: String(v), alg: 'RS256' }, payload,
        signer: jwt.rs256Signer(key.privateKey) })
      : jwt.encode({ header: '{"alg":"RS256","typ":"JWT","version":"2"}', payload, encoding: 'b64std',
        signer: jwt.rs256Signer(key.privateKey) });
    return { token, expiry, createdTime: created };
  }

  // AccessToken.getInfoFromAccessToken[WithoutVerifying]; throws TryRefresh with core-like messages.
  readAccess(token, { verify = true, antiCsrfRequired = false } = {}) {
    let pre;
    try {
      pre = jwt.preParse(token);
    } catch (e) {
      throw new TryRefresh(e.javaString || String(e.message));
    }
    const signingInput = `${pre.parts[0]}.${pre.parts[1]}`;
    if (verify) {
      if (pre.version >= 3) {
        const key = this.keys.byKid(pre.kid);
        if (!key) throw new TryRefresh('Key not found');
        if (!jwt.rs256Verify(signingInput, pre.parts[2], key.publicKey)) {
          throw new TryRefresh('io.supertokens.session.jwt.JWT$JWTException: JWT verification failed');
        }
      } else if (!this.keys.all().some((k) => jwt.rs256Verify(signingInput, pre.parts[2], k.publicKey))) {
        throw new TryRefresh('io.supertokens.session.jwt.JWT$JWTException: JWT verification failed');
      }
    }
    let p;
    try {
      p = jwt.decodePayload(pre.parts);
    } catch (e) {
      throw new TryRefresh('io.supertokens.session.jwt.JWT$JWTException: Invalid JWT');
    }
    for (const prop of PROTECTED[pre.version]) {
      if (!Object.prototype.hasOwnProperty.call(p, prop)) {
        throw new TryRefresh(`Access token does not contain all the information. Maybe the structure has changed? ${prop}`);
      }
    }
    const s = (x) => (x === null || x === undefined ? null : String(x));
    let info;
    if (pre.version >= 3) {
      const userData = {};
      for (const [k, val] of Object.entries(p)) if (!PROTECTED[pre.version].includes(k)) userData[k] = val;
      info = {
        sessionHandle: s(p.sessionHandle), primaryUserId: s(p.sub),
        recipeUserId: pre.version >= 5 ? s(p.rsub) : s(p.sub),
        refreshTokenHash1: s(p.refreshTokenHash1), parentRefreshTokenHash1: s(p.parentRefreshTokenHash1),
        antiCsrfToken: s(p.antiCsrfToken), userData,
        expiryMs: Number(p.exp) * 1000, createdMs: Number(p.iat) * 1000,
        tenantId: pre.version >= 4 ? s(p.tId) : 'public',
      };
    } else {
      info = {
        sessionHandle: s(p.sessionHandle), primaryUserId: s(p.userId), recipeUserId: s(p.userId),
        refreshTokenHash1: s(p.refreshTokenHash1), parentRefreshTokenHash1: s(p.parentRefreshTokenHash1),
        antiCsrfToken: s(p.antiCsrfToken), userData: p.userData,
        expiryMs: Number(p.expiryTime), createdMs: Number(p.timeCreated), tenantId: 'public',
      };
    }
    info.version = pre.version;
    if (verify && info.expiryMs < Date.now()) throw new TryRefresh('Access token expired');
    if (antiCsrfRequired && info.antiCsrfToken === null) {
      throw new TryRefresh('Access token does not contain all the information. Maybe the structure has changed?');
    }
    return info;
  }

  createRefresh({ sessionHandle, userId, parentRefreshTokenHash1, antiCsrfToken, tenantId }) {
    const nonce = sha256(crypto.randomUUID());
    // Gson drops nulls, and the core stores no tenantId for the public tenant.
    const payload = { sessionHandle, userId };
    if (parentRefreshTokenHash1 != null) payload.parentRefreshTokenHash1 = parentRefreshTokenHash1;
    payload.nonce = nonce;
    if (antiCsrfToken != null) payload.antiCsrfToken = antiCsrfToken;
    if (tenantId && tenantId !== 'public') payload.tenantId = tenantId;
    const iv = crypto.randomBytes(12);
    const c = crypto.createCipheriv('aes-256-gcm', this.refreshKey, iv);
    const ct = Buffer.concat([c.update(JSON.stringify(payload), 'utf8'), c.final()]);
    // Standard base64 of random bytes: '+', '/' and '=' padding all show up, as in real tokens.
    const enc = Buffer.concat([iv, ct, c.getAuthTag()]).toString('base64');
    const now = Date.now();
    return {
      token: `${enc}.${nonce}.V2`,
      expiry: now + Math.round(this.settings().refreshTokenValidity * 60 * 1000),
      createdTime: now,
    };
  }

  // RefreshToken.getInfoFromRefreshToken; throws Unauthorised.
  readRefresh(token) {
    const parts = String(token).split('.');
    while (parts.length && parts[parts.length - 1] === '') parts.pop();
    const type = (parts[parts.length - 1] || '').toUpperCase();
    if (!['V0', 'V1', 'V2'].includes(type)) {
      throw new Unauthorised('io.supertokens.session.refreshToken.RefreshToken$InvalidRefreshTokenFormatException: version of refresh token not recognised');
    }
    if (parts.length !== 3) {
      throw new Unauthorised('io.supertokens.session.refreshToken.RefreshToken$InvalidRefreshTokenFormatException: '
        + `Refresh token split with dot yielded an array of length: ${parts.length}`);
    }
    let payload;
    try {
      const raw = Buffer.from(parts[0], 'base64');
      const d = crypto.createDecipheriv('aes-256-gcm', this.refreshKey, raw.subarray(0, 12));
      d.setAuthTag(raw.subarray(raw.length - 16));
      payload = JSON.parse(Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]).toString('utf8'));
    } catch {
      throw new Unauthorised('javax.crypto.AEADBadTagException: Tag mismatch');
    }
    if (!payload.userId || !payload.sessionHandle || payload.nonce !== parts[1]) {
      throw new Unauthorised('Invalid refresh token');
    }
    return {
      sessionHandle: payload.sessionHandle, userId: payload.userId,
      parentRefreshTokenHash1: payload.parentRefreshTokenHash1 ?? null,
      antiCsrfToken: payload.antiCsrfToken ?? null, tenantId: payload.tenantId || 'public',
    };
  }
}

module.exports = { Tokens, TryRefresh, Unauthorised, PayloadError, PROTECTED, sha256, versionForCdi };

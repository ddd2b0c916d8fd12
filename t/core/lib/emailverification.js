'use strict';
// Owns: the EmailVerification recipe of the core double (webserver/api/emailverification/*.java,
// emailverification/EmailVerification.java). Tokens belong to (tenant, userId, email) and are
// stored hashed; verified (userId, email) pairs are app-wide and feed loginMethods[].verified.
// User ids are not checked against the users table, as in the core.

const crypto = require('crypto');
const { bad, json, parseJsonObject, str, query, publicTenantOnly } = require('./input');
const { sha256 } = require('./tokens');
const { normaliseEmail } = require('./users');

class EmailVerificationApi {
  constructor(store, settings) {
    this.store = store;
    this.settings = settings;
  }

  setVerified(appId, userId, email, verified) {
    const all = this.store.app(appId).verifiedEmails;
    if (!all.has(userId)) all.set(userId, new Set());
    if (verified) all.get(userId).add(email);
    else all.get(userId).delete(email);
  }

  dropTokens(appId, tenantId, userId, email) {
    const tokens = this.store.app(appId).evTokens;
    for (const [k, t] of tokens) {
      if (t.tenantId === tenantId && t.userId === userId && t.email === email) tokens.delete(k);
    }
  }

  // POST /{t}/recipe/user/email/verify/token {userId, email}
  createToken(req) {
    const input = parseJsonObject(req.body);
    const userId = str(input, 'userId');
    const email = normaliseEmail(str(input, 'email'));
    if (this.store.isEmailVerified(req.appId, userId, email)) return json({ status: 'EMAIL_ALREADY_VERIFIED_ERROR' });
    // Like the core: base64url (with padding, none needed here) of 48 random bytes in hex => 128 characters.
    const token = Buffer.from(crypto.randomBytes(48).toString('hex')).toString('base64url');
    this.store.app(req.appId).evTokens.set(sha256(token), { tenantId: req.tenantId, userId, email,
      expiry: Date.now() + this.settings().emailVerificationTokenLifetime });
    return json({ status: 'OK', token });
  }

  // POST /{t}/recipe/user/email/verify {method:"token", token}: consumes every token of that
  // (tenant, user, email); an expired token is consumed too, and still refused.
  verify(req) {
    const input = parseJsonObject(req.body);
    const method = str(input, 'method');
    const token = str(input, 'token');
    if (method !== 'token') throw bad('Unsupported method for email verification');
    const info = this.store.app(req.appId).evTokens.get(sha256(token));
    if (!info || info.tenantId !== req.tenantId) return json({ status: 'EMAIL_VERIFICATION_INVALID_TOKEN_ERROR' });
    this.dropTokens(req.appId, info.tenantId, info.userId, info.email);
    if (info.expiry < Date.now()) return json({ status: 'EMAIL_VERIFICATION_INVALID_TOKEN_ERROR' });
    this.setVerified(req.appId, info.userId, info.email, true);
    return json({ status: 'OK', userId: info.userId, email: info.email });
  }

  // GET /recipe/user/email/verify?userId=&email= (app-wide; the core does not normalise this email)
  isVerifiedGet(req) {
    const userId = query(req.query, 'userId');
    const email = query(req.query, 'email');
    publicTenantOnly(req);
    return json({ status: 'OK', isVerified: this.store.isEmailVerified(req.appId, userId, email) });
  }

  // POST /{t}/recipe/user/email/verify/token/remove {userId, email}
  revokeTokens(req) {
    const input = parseJsonObject(req.body);
    const userId = str(input, 'userId');
    const email = normaliseEmail(str(input, 'email'));
    this.dropTokens(req.appId, req.tenantId, userId, email);
    return json({ status: 'OK' });
  }

  // POST /recipe/user/email/verify/remove {userId, email} (app-wide)
  unverify(req) {
    const input = parseJsonObject(req.body);
    const userId = str(input, 'userId');
    const email = normaliseEmail(str(input, 'email'));
    publicTenantOnly(req);
    this.setVerified(req.appId, userId, email, false);
    return json({ status: 'OK' });
  }
}

module.exports = { EmailVerificationApi };

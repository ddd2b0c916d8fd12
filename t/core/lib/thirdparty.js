'use strict';
// Owns: the ThirdParty recipe of the core double (webserver/api/thirdparty/SignInUpAPI.java,
// thirdparty/ThirdParty.java) and the tenant's third-party provider configuration
// (webserver/api/multitenancy/thirdparty/CreateOrUpdateThirdPartyConfigAPI.java,
// RemoveThirdPartyConfigAPI.java). A third-party user is unique per (tenant, thirdPartyId,
// thirdPartyUserId); a sign-in with another email updates the user's email; isVerified true
// marks (user, email) verified in the email verification table, as the core does.

const crypto = require('crypto');
const { bad, json, parseJsonObject, str, obj, bool, isObj, gte } = require('./input');
const { normaliseEmail } = require('./users');

class ThirdPartyApi {
  constructor(store, users) {
    this.store = store;
    this.users = users;
  }

  find(appId, tenantId, thirdPartyId, thirdPartyUserId) {
    for (const u of this.store.app(appId).users.values()) {
      if (u.thirdParty && u.thirdParty.id === thirdPartyId && u.thirdParty.userId === thirdPartyUserId
        && u.tenantIds.includes(tenantId)) return u;
    }
    return null;
  }

  markVerified(appId, userId, email) {
    const all = this.store.app(appId).verifiedEmails;
    if (!all.has(userId)) all.set(userId, new Set());
    all.get(userId).add(email);
  }

  // POST /{t}/recipe/signinup {thirdPartyId, thirdPartyUserId, email: {id, isVerified}}
  signInUp(req) {
    const input = parseJsonObject(req.body);
    const thirdPartyId = str(input, 'thirdPartyId');
    const thirdPartyUserId = str(input, 'thirdPartyUserId');
    const emailObj = obj(input, 'email');
    const email = normaliseEmail(str(emailObj, 'id'));
    // CDI >= 4.0: isVerified is required (SignInUpAPI reads it with InputParser)
    const isVerified = gte(req.cdi, '4.0') ? bool(emailObj, 'isVerified') : false;
    let u = this.find(req.appId, req.tenantId, thirdPartyId, thirdPartyUserId);
    const created = !u;
    if (created) {
      u = { id: crypto.randomUUID(), email, timeJoined: Date.now(), tenantIds: [req.tenantId],
        thirdParty: { id: thirdPartyId, userId: thirdPartyUserId } };
      this.store.app(req.appId).users.set(u.id, u);
    } else if (u.email !== email) {
      u.email = email;
    }
    if (isVerified) this.markVerified(req.appId, u.id, email);
    const out = { status: 'OK', createdNewUser: created, user: this.users.userJson(req.appId, u, req.cdi) };
    if (gte(req.cdi, '4.0')) out.recipeUserId = u.id;
    return json(out);
  }

  // PUT /{t}/recipe/multitenancy/config/thirdparty {config: {thirdPartyId, ...}, skipValidation?}
  putConfig(req) {
    const input = parseJsonObject(req.body);
    const config = obj(input, 'config');
    const id = str(config, 'thirdPartyId');
    if (id.trim() === '') throw bad('thirdPartyId cannot be empty');
    if (config.clients !== undefined && !Array.isArray(config.clients)) throw bad('Invalid Json Input');
    for (const c of config.clients || []) if (!isObj(c)) throw bad('Invalid Json Input');
    const list = this.providersOf(req.appId, req.tenantId);
    const stored = JSON.parse(JSON.stringify(config));
    const at = list.findIndex((p) => p.thirdPartyId === id);
    if (at === -1) list.push(stored); else list[at] = stored;
    return json({ status: 'OK', createdNew: at === -1 });
  }

  // POST /{t}/recipe/multitenancy/config/thirdparty/remove {thirdPartyId}
  removeConfig(req) {
    const input = parseJsonObject(req.body);
    const id = str(input, 'thirdPartyId');
    const list = this.providersOf(req.appId, req.tenantId);
    const at = list.findIndex((p) => p.thirdPartyId === id);
    if (at !== -1) list.splice(at, 1);
    return json({ status: 'OK', didConfigExist: at !== -1 });
  }

  providersOf(appId, tenantId) {
    const all = this.store.app(appId).providers;
    if (!all.has(tenantId)) all.set(tenantId, []);
    return all.get(tenantId);
  }
}

module.exports = { ThirdPartyApi };

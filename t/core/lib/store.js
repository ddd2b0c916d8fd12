'use strict';
// Owns: the in-memory "database" of the core double, one namespace per app id:
// users (EmailPassword, ThirdParty and Passwordless), sessions, password-reset tokens, user
// roles, email verification, passwordless devices; and which apps and tenants exist (configured
// by --apps / --tenants, "*" = all).

class AppData {
  constructor() {
    this.users = new Map(); // recipe user id -> user record
    this.sessions = new Map(); // session handle -> session record
    this.resetTokens = new Map(); // sha256(token) -> {userId, email, expiry}
    // Roles and their permissions are app-wide; who has a role is per tenant (as in the core's tables).
    this.roles = new Map(); // role -> Set(permission), insertion-ordered
    this.userRoles = new Map(); // tenantId -> Map(userId -> Set(role))
    // Verification tokens belong to a tenant; verified (userId, email) pairs are app-wide.
    this.evTokens = new Map(); // sha256(token) -> {tenantId, userId, email, expiry}
    this.verifiedEmails = new Map(); // userId -> Set(email)
    // ThirdParty: providers configured in the core, per tenant (PUT .../config/thirdparty).
    this.providers = new Map(); // tenantId -> [provider config]
    // Passwordless devices (and their codes) belong to a tenant (passwordless.js).
    this.plDevices = new Map(); // preAuthSessionId -> {tenantId, hash, email, phoneNumber, salt, failedAttempts, codes}
  }
}

class Store {
  constructor(cfg) {
    this.cfg = cfg; // {apps: Set|null, tenants: Set|null}
    this.apps = new Map();
  }

  app(appId) {
    let a = this.apps.get(appId);
    if (!a) { a = new AppData(); this.apps.set(appId, a); }
    return a;
  }

  // The core computes loginMethods[].verified from this same table, so users.js asks here too.
  isEmailVerified(appId, userId, email) {
    const set = this.app(appId).verifiedEmails.get(userId);
    return !!set && set.has(email);
  }

  appExists(appId) { return appId === 'public' || !this.cfg.apps || this.cfg.apps.has(appId); }

  tenantExists(appId, tenantId) {
    return this.appExists(appId) && (tenantId === 'public' || !this.cfg.tenants || this.cfg.tenants.has(tenantId));
  }

  clear() { this.apps.clear(); }
}

module.exports = { Store };

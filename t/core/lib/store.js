'use strict';
// Owns: the in-memory "database" of the core double, one namespace per app id:
// users (EmailPassword only), sessions, password-reset tokens; and which apps and
// tenants exist (configured by --apps / --tenants, "*" = all).

class AppData {
  constructor() {
    this.users = new Map(); // recipe user id -> user record
    this.sessions = new Map(); // session handle -> session record
    this.resetTokens = new Map(); // sha256(token) -> {userId, email, expiry}
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

  appExists(appId) { return appId === 'public' || !this.cfg.apps || this.cfg.apps.has(appId); }

  tenantExists(appId, tenantId) {
    return this.appExists(appId) && (tenantId === 'public' || !this.cfg.tenants || this.cfg.tenants.has(tenantId));
  }

  clear() { this.apps.clear(); }
}

module.exports = { Store };

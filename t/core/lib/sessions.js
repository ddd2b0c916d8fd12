'use strict';
// Owns: the session recipe endpoints of the core double with CDI <= 5.4 semantics
// (supertokens-core session/Session.java, webserver/api/session/*.java): create, verify
// (with promotion of freshly refreshed tokens), refresh (rotation + token theft rule),
// remove, info, regenerate, sessions of a user, session data.

const crypto = require('crypto');
const { bad, json, text, parseJsonObject, str, bool, obj, arr, query, gte } = require('./input');
const { TryRefresh, Unauthorised, PayloadError, PROTECTED, sha256, versionForCdi } = require('./tokens');
const jwt = require('./jwt');

// The core's requiredAndProtectedPropsV2 (regenerate refuses these in a v1/v2 session's payload).
const PROTECTED_V2_CORE = ['userId', 'expiryTime', 'timeCreated', 'sessionHandle', 'refreshTokenHash1'];

class TheftDetected extends Error {
  constructor(s) { super('token theft'); this.session = s; }
}

function deepEqual(a, b) {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
}

// "<uuid>_<tenant>" => tenant; plain uuid => public (Session.getTenantIdFromSessionHandle).
function tenantOfHandle(handle) {
  const parts = String(handle).split('_');
  return parts.length === 1 ? 'public' : parts[parts.length - 1];
}

class SessionApi {
  constructor(store, tokens, settings) {
    this.store = store;
    this.tokens = tokens;
    this.settings = settings;
  }

  find(appId, tenantId, handle) {
    const s = this.store.app(appId).sessions.get(handle);
    return s && s.tenantId === tenantId ? s : null;
  }

  refreshValidityMs() { return Math.round(this.settings().refreshTokenValidity * 60 * 1000); }

  // SessionInformationHolder.toJsonObject(): session (nulls kept), accessToken, refreshToken,
  // antiCsrfToken (nulls dropped), then status; older CDIs lose tenantId / recipeUserId.
  holder(req, { session, accessToken, refreshToken, antiCsrfToken }) {
    const out = { session: { ...session } };
    if (accessToken) out.accessToken = accessToken;
    if (refreshToken) out.refreshToken = refreshToken;
    if (refreshToken && !gte(req.cdi, '2.21')) {
      out.idRefreshToken = { token: crypto.randomUUID(), expiry: refreshToken.expiry, createdTime: refreshToken.createdTime };
    }
    if (antiCsrfToken) out.antiCsrfToken = antiCsrfToken;
    out.status = 'OK';
    if (!gte(req.cdi, '3.0')) delete out.session.tenantId;
    if (!gte(req.cdi, '4.0')) delete out.session.recipeUserId;
    return json(out);
  }

  static sessionJson(handle, userId, recipeUserId, userDataInJWT, tenantId) {
    return { handle, userId, recipeUserId, userDataInJWT, tenantId };
  }

  // POST /{t}/recipe/session
  create(req) {
    const input = parseJsonObject(req.body);
    const userId = str(input, 'userId');
    const enableAntiCsrf = bool(input, 'enableAntiCsrf');
    const userDataInJWT = obj(input, 'userDataInJWT');
    const userDataInDatabase = obj(input, 'userDataInDatabase');
    let useStaticKey = false;
    if (gte(req.cdi, '2.21')) useStaticKey = bool(input, 'useDynamicSigningKey', true) === false;
    const tenantId = req.tenantId;
    const handle = crypto.randomUUID() + (tenantId === 'public' ? '' : `_${tenantId}`);
    const antiCsrfToken = enableAntiCsrf ? crypto.randomUUID() : null;
    const refreshToken = this.tokens.createRefresh({ sessionHandle: handle, userId, parentRefreshTokenHash1: null,
      antiCsrfToken, tenantId });
    let accessToken;
    try {
      accessToken = this.tokens.mintAccess({ tenantId, sessionHandle: handle, recipeUserId: userId,
        primaryUserId: userId, refreshTokenHash1: sha256(refreshToken.token), parentRefreshTokenHash1: null,
        userData: userDataInJWT, antiCsrfToken, version: versionForCdi(req.cdi), useStaticKey });
    } catch (e) {
      if (e instanceof PayloadError) throw bad(e.message);
      throw e;
    }
    this.store.app(req.appId).sessions.set(handle, {
      handle, tenantId, recipeUserId: userId, userId, userDataInJWT, userDataInDatabase,
      hash2: sha256(sha256(refreshToken.token)), expiry: refreshToken.expiry,
      timeCreated: refreshToken.createdTime, useStaticKey,
    });
    return this.holder(req, {
      session: SessionApi.sessionJson(handle, userId, userId, userDataInJWT, tenantId),
      accessToken, refreshToken, antiCsrfToken,
    });
  }

  // POST /recipe/session/verify
  verify(req) {
    const input = parseJsonObject(req.body);
    const token = str(input, 'accessToken');
    const antiCsrfToken = str(input, 'antiCsrfToken', true);
    const doAntiCsrfCheck = bool(input, 'doAntiCsrfCheck');
    const enableAntiCsrf = bool(input, 'enableAntiCsrf');
    const checkDatabase = gte(req.cdi, '2.21') ? bool(input, 'checkDatabase') : false;
    try {
      const info = this.tokens.readAccess(token, { antiCsrfRequired: doAntiCsrfCheck && enableAntiCsrf });
      if (enableAntiCsrf && doAntiCsrfCheck && (antiCsrfToken === null || antiCsrfToken !== info.antiCsrfToken)) {
        throw new TryRefresh('anti-csrf check failed');
      }
      let dbSession = null;
      if (checkDatabase) {
        dbSession = this.find(req.appId, info.tenantId, info.sessionHandle);
        if (!dbSession) throw new Unauthorised('Either the session has ended or has been blacklisted');
      }
      const payloadChanged = dbSession !== null && !deepEqual(info.userData, dbSession.userDataInJWT);
      const plain = () => this.holder(req, { session: SessionApi.sessionJson(info.sessionHandle,
        info.primaryUserId, info.recipeUserId, info.userData, info.tenantId) });
      // Refresh token already current and payload unchanged: nothing to do.
      if (info.parentRefreshTokenHash1 === null && !payloadChanged) return plain();

      const s = this.find(req.appId, info.tenantId, info.sessionHandle);
      if (!s) throw new Unauthorised('Session missing in db');
      const promote = info.parentRefreshTokenHash1 !== null && s.hash2 === sha256(info.parentRefreshTokenHash1);
      if (!promote && s.hash2 !== sha256(info.refreshTokenHash1) && !payloadChanged) return plain();
      if (promote) {
        // First use of a token minted by refresh: its refresh token becomes the session's current one.
        s.hash2 = sha256(info.refreshTokenHash1);
        s.expiry = Date.now() + this.refreshValidityMs();
      }
      let accessToken;
      try {
        accessToken = this.tokens.mintAccess({ tenantId: info.tenantId, sessionHandle: info.sessionHandle,
          recipeUserId: info.recipeUserId, primaryUserId: info.primaryUserId,
          refreshTokenHash1: info.refreshTokenHash1, parentRefreshTokenHash1: null, userData: s.userDataInJWT,
          antiCsrfToken: info.antiCsrfToken, version: info.version, useStaticKey: s.useStaticKey });
      } catch (e) {
        if (e instanceof PayloadError) throw bad(e.message);
        throw e;
      }
      return this.holder(req, {
        session: SessionApi.sessionJson(info.sessionHandle, info.primaryUserId, info.recipeUserId,
          s.userDataInJWT, info.tenantId),
        accessToken,
      });
    } catch (e) {
      if (e instanceof TryRefresh) return json({ status: 'TRY_REFRESH_TOKEN', message: e.message });
      if (e instanceof Unauthorised) return json({ status: 'UNAUTHORISED', message: e.message });
      throw e;
    }
  }

  // POST /recipe/session/refresh
  refresh(req) {
    const input = parseJsonObject(req.body);
    const refreshToken = str(input, 'refreshToken');
    const antiCsrfToken = str(input, 'antiCsrfToken', true);
    const enableAntiCsrf = bool(input, 'enableAntiCsrf');
    let useStatic = null;
    if (gte(req.cdi, '3.0')) {
      const dyn = bool(input, 'useDynamicSigningKey', !gte(req.cdi, '5.0'));
      if (dyn !== null) useStatic = dyn === false;
    }
    try {
      const info = this.tokens.readRefresh(refreshToken);
      if (enableAntiCsrf && info.antiCsrfToken !== null && info.antiCsrfToken !== antiCsrfToken) {
        throw new Unauthorised('Anti CSRF token missing, or not matching');
      }
      return this.refreshHelper(req, refreshToken, info, enableAntiCsrf, useStatic);
    } catch (e) {
      if (e instanceof Unauthorised) return json({ status: 'UNAUTHORISED', message: e.message });
      if (e instanceof PayloadError) return json({ status: 'UNAUTHORISED', message: e.message });
      if (e instanceof TheftDetected) {
        return json({ status: 'TOKEN_THEFT_DETECTED',
          session: { handle: e.session.handle, userId: e.session.userId, recipeUserId: e.session.recipeUserId } });
      }
      throw e;
    }
  }

  // The CDI <= 5.4 rule: the presented token must be the current one (rotate), or the child of the
  // current one (promote, then rotate). Anything else is theft.
  refreshHelper(req, refreshToken, info, enableAntiCsrf, useStaticOverride) {
    const s = this.find(req.appId, info.tenantId, info.sessionHandle);
    if (!s || s.expiry < Date.now()) throw new Unauthorised('Session missing in db or has expired');
    const useStaticKey = useStaticOverride !== null ? useStaticOverride : s.useStaticKey;
    const rtHash1 = sha256(refreshToken);
    if (s.hash2 === sha256(rtHash1)) {
      s.useStaticKey = useStaticKey;
      const antiCsrfToken = enableAntiCsrf ? crypto.randomUUID() : null;
      const newRefresh = this.tokens.createRefresh({ sessionHandle: s.handle, userId: s.recipeUserId,
        parentRefreshTokenHash1: rtHash1, antiCsrfToken, tenantId: s.tenantId });
      const accessToken = this.tokens.mintAccess({ tenantId: s.tenantId, sessionHandle: s.handle,
        recipeUserId: s.recipeUserId, primaryUserId: s.userId, refreshTokenHash1: sha256(newRefresh.token),
        parentRefreshTokenHash1: rtHash1, userData: s.userDataInJWT, antiCsrfToken,
        version: versionForCdi(req.cdi), useStaticKey });
      return this.holder(req, {
        session: SessionApi.sessionJson(s.handle, s.userId, s.recipeUserId, s.userDataInJWT, s.tenantId),
        accessToken, refreshToken: newRefresh, antiCsrfToken,
      });
    }
    if (info.parentRefreshTokenHash1 !== null && sha256(info.parentRefreshTokenHash1) === s.hash2) {
      s.hash2 = sha256(rtHash1);
      s.expiry = Date.now() + this.refreshValidityMs();
      s.useStaticKey = useStaticKey;
      return this.refreshHelper(req, refreshToken, info, enableAntiCsrf, useStaticOverride);
    }
    throw new TheftDetected(s);
  }

  nonExpiredHandles(appId, userId, tenantId /* null = all tenants */) {
    const now = Date.now();
    const out = [];
    for (const s of this.store.app(appId).sessions.values()) {
      if ((s.recipeUserId === userId || s.userId === userId) && s.expiry >= now
        && (tenantId === null || s.tenantId === tenantId)) out.push(s.handle);
    }
    return out;
  }

  revokeHandles(appId, handles) {
    const sessions = this.store.app(appId).sessions;
    const revoked = [];
    for (const h of handles) {
      const s = sessions.get(h);
      if (s && s.tenantId === tenantOfHandle(h)) { sessions.delete(h); revoked.push(h); }
    }
    return revoked;
  }

  // POST /[{t}/]recipe/session/remove
  remove(req) {
    const input = parseJsonObject(req.body);
    const userId = str(input, 'userId', true);
    const list = arr(input, 'sessionHandles', true);
    let handles = null;
    if (list !== null) {
      handles = list.map((h) => {
        if (typeof h !== 'string') throw bad("Field name 'sessionHandles' is invalid in JSON input");
        return h;
      });
    }
    if ((userId === null) === (handles === null)) {
      throw bad('Invalid JSON input - use one of userId or sessionHandles array');
    }
    let across = bool(input, 'revokeAcrossAllTenants', true);
    if (userId === null && across !== null) {
      throw bad('Invalid JSON input - revokeAcrossAllTenants can only be set if userId is set');
    }
    const linked = bool(input, 'revokeSessionsForLinkedAccounts', true);
    if (userId === null && linked !== null) {
      throw bad('Invalid JSON input - revokeSessionsForLinkedAccounts can only be set if userId is set');
    }
    if (across === null) across = true;
    if (userId !== null) {
      if (across && req.tenantId !== 'public' && gte(req.cdi, '5.0')) {
        return { status: 403, type: 'text', body: 'Only public tenantId can call this app specific API' };
      }
      handles = this.nonExpiredHandles(req.appId, userId, across ? null : req.tenantId);
    }
    return json({ status: 'OK', sessionHandlesRevoked: this.revokeHandles(req.appId, handles) });
  }

  liveSession(req, handle) {
    const s = this.find(req.appId, tenantOfHandle(handle), handle);
    return s && s.expiry > Date.now() ? s : null;
  }

  // GET /recipe/session?sessionHandle=
  info(req) {
    const handle = query(req.query, 'sessionHandle');
    const s = this.liveSession(req, handle);
    if (!s) return json({ status: 'UNAUTHORISED', message: 'Session does not exist.' });
    const out = { sessionHandle: s.handle, userId: s.userId, recipeUserId: s.recipeUserId,
      userDataInDatabase: s.userDataInDatabase, expiry: s.expiry, userDataInJWT: s.userDataInJWT,
      timeCreated: s.timeCreated, status: 'OK' };
    if (gte(req.cdi, '3.0')) out.tenantId = s.tenantId;
    if (!gte(req.cdi, '4.0')) delete out.recipeUserId;
    return json(out);
  }

  // POST /recipe/session/regenerate (SessionRegenerateAPI + Session.regenerateToken): new payload,
  // same expiry. The token is read without verifying it; a malformed one is the core's 500.
  regenerate(req) {
    const input = parseJsonObject(req.body);
    const token = str(input, 'accessToken');
    // parseJsonObjectOrThrowError(input, "userDataInJWT", true): only an absent key is "not given".
    if (input.userDataInJWT === null) throw bad("Field name 'userDataInJWT' is invalid in JSON input");
    const userDataInJWT = obj(input, 'userDataInJWT', true);
    try {
      jwt.decodePayload(jwt.preParse(token).parts);
    } catch (e) {
      // ServletException(JWTException) => 500 with Throwable.toString(). A payload that is not
      // JSON fails in Gson in the core, with another class name (not mimicked).
      return text(500, e.javaString || 'io.supertokens.session.jwt.JWT$JWTException: Invalid JWT');
    }
    try {
      const info = this.tokens.readAccess(token, { verify: false });
      const s = this.find(req.appId, info.tenantId, info.sessionHandle);
      if (!s || s.expiry <= Date.now()) throw new Unauthorised('Session does not exist.');
      const payload = userDataInJWT === null ? s.userDataInJWT : userDataInJWT;
      // AccessTokenInfo.getRequiredAndProtectedProps(version), checked from CDI 2.21 on.
      const protectedNames = info.version >= 3 ? PROTECTED[info.version] : PROTECTED_V2_CORE;
      if (gte(req.cdi, '2.21') && Object.keys(payload).some((k) => protectedNames.includes(k))) {
        throw bad('The user payload contains protected field');
      }
      s.userDataInJWT = payload;
      const session = SessionApi.sessionJson(info.sessionHandle, info.primaryUserId, info.recipeUserId,
        payload, info.tenantId);
      if (info.expiryMs < Date.now()) return this.holder(req, { session });
      const accessToken = this.tokens.mintAccess({ tenantId: info.tenantId, sessionHandle: info.sessionHandle,
        recipeUserId: info.recipeUserId, primaryUserId: info.primaryUserId,
        refreshTokenHash1: info.refreshTokenHash1, parentRefreshTokenHash1: info.parentRefreshTokenHash1,
        userData: payload, antiCsrfToken: info.antiCsrfToken, expiryMs: info.expiryMs, version: info.version,
        useStaticKey: s.useStaticKey });
      return this.holder(req, { session, accessToken });
    } catch (e) {
      if (e instanceof TryRefresh || e instanceof Unauthorised) {
        return json({ status: 'UNAUTHORISED', message: e.message });
      }
      if (e instanceof PayloadError) throw bad(e.message); // CDI < 2.21: caught when minting
      throw e;
    }
  }

  // GET /{t}/recipe/session/user?userId=&fetchAcrossAllTenants=&fetchSessionsForAllLinkedAccounts=
  userSessions(req) {
    const userId = query(req.query, 'userId');
    const acrossStr = query(req.query, 'fetchAcrossAllTenants', true);
    const across = acrossStr === null ? true : acrossStr.toLowerCase() === 'true';
    return json({ status: 'OK', sessionHandles: this.nonExpiredHandles(req.appId, userId, across ? null : req.tenantId) });
  }

  // PUT /recipe/session/data
  putData(req) {
    const input = parseJsonObject(req.body);
    const handle = str(input, 'sessionHandle');
    const data = obj(input, 'userDataInDatabase');
    const s = this.liveSession(req, handle);
    if (!s) return json({ status: 'UNAUTHORISED', message: 'Session does not exist.' });
    s.userDataInDatabase = data;
    return json({ status: 'OK' });
  }

  // GET /recipe/session/data (deprecated)
  getData(req) {
    const handle = query(req.query, 'sessionHandle');
    const s = this.liveSession(req, handle);
    if (!s) return json({ status: 'UNAUTHORISED', message: 'Session does not exist.' });
    return json({ status: 'OK', userDataInDatabase: s.userDataInDatabase });
  }

  // Test control: make a session vanish (checkDatabase / refresh => UNAUTHORISED) or just expire.
  expire(appId, handle, mode) {
    const sessions = this.store.app(appId).sessions;
    const s = sessions.get(handle);
    if (!s) return false;
    if (mode === 'expire') s.expiry = Date.now() - 1;
    else sessions.delete(handle);
    return true;
  }
}

module.exports = { SessionApi, deepEqual, tenantOfHandle };

'use strict';
// Owns: the /__test/ control API of the core double (the real core has no such prefix):
// counters and the request log, armed faults (latency, fail, garbage, truncate, close,
// chunked), key rotation, token forging, session expiry and live config changes.
// Control requests are JSON in / JSON out, never counted, never faulted, never need api-key.

const http = require('http');
const jwt = require('./jwt');
const { HttpError, json, parseJsonObject, isObj } = require('./input');

const LOG_LIMIT = 1000;
const bad = (m) => new HttpError(400, m);

function num(input, name, def, { min = 0, integer = true } = {}) {
  const v = input[name];
  if (v === undefined || v === null) {
    if (def === undefined) throw bad(`${name} is required`);
    return def;
  }
  if (typeof v !== 'number' || v < min || (integer && !Number.isInteger(v))) throw bad(`${name} must be a number >= ${min}`);
  return v;
}

function optStr(input, name) {
  const v = input[name];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw bad(`${name} must be a string`);
  return v;
}

class Controls {
  // deps: {cfg (mutable live config object), initialCfg, keys, store, sessions}
  constructor(deps) {
    Object.assign(this, deps);
    this.epoch = 0;
    this.rules = [];
    this.resetCounters();
  }

  resetCounters() {
    this.epoch += 1;
    this.stats = { connections: 0, connectionsUsed: 0, requests: 0, paths: {} };
    this.log = [];
    this.seq = 0;
  }

  // --- hooks called by the server ------------------------------------------------------
  onConnection(sock) {
    sock.stEpoch = this.epoch;
    sock.stSeen = false;
    this.stats.connections += 1;
  }

  // A connection whose first request is a control call was opened by the test, not the module.
  onControlRequest(sock) {
    if (sock.stSeen) return;
    sock.stSeen = true;
    if (sock.stEpoch === this.epoch) this.stats.connections -= 1;
  }

  record(info) {
    const sock = info.socket;
    sock.stSeen = true;
    if (sock.stUsedEpoch !== this.epoch) {
      sock.stUsedEpoch = this.epoch;
      this.stats.connectionsUsed += 1;
    }
    this.stats.requests += 1;
    const key = `${info.method} ${info.path}`;
    this.stats.paths[key] = (this.stats.paths[key] || 0) + 1;
    let parsed = null;
    try { parsed = info.body ? JSON.parse(info.body) : null; } catch { parsed = null; }
    const query = {};
    for (const [k, v] of new URLSearchParams(info.rawQuery)) if (!(k in query)) query[k] = v;
    const rawHeaders = [];
    for (let i = 0; i < info.rawHeaders.length; i += 2) rawHeaders.push([info.rawHeaders[i], info.rawHeaders[i + 1]]);
    this.seq += 1;
    this.log.push({ seq: this.seq, time: Date.now(), method: info.method, path: info.path, query,
      rawQuery: info.rawQuery, headers: { ...info.headers }, rawHeaders, body: info.body, json: parsed,
      connection: (sock.stId ||= ++Controls.connIds) });
    if (this.log.length > LOG_LIMIT) this.log.shift();
  }

  // Decides what happens to a core request: {delayMs, fault, chunked}. Consumes rule counts.
  plan(method, path) {
    const take = (types) => {
      const i = this.rules.findIndex((r) => types.includes(r.type) && (!r.path || path.startsWith(r.path))
        && (!r.method || r.method === method));
      if (i < 0) return null;
      const r = this.rules[i];
      if (r.remaining !== null && --r.remaining <= 0) this.rules.splice(i, 1);
      return r;
    };
    const lat = take(['latency']);
    const ch = take(['chunked']);
    const fault = take(['fail', 'garbage', 'truncate', 'close']);
    return { delayMs: lat ? lat.ms : 0, chunked: !!ch, fault };
  }

  // --- the control API ---------------------------------------------------------------
  handle(info) {
    const name = info.path.slice('/__test/'.length).replace(/\/$/, '');
    const params = new URLSearchParams(info.rawQuery);
    if (info.method === 'GET') {
      if (name === 'stats') return json(this.stats);
      if (name === 'last-request' || name === 'requests') {
        const prefix = params.get('path') || '';
        const method = params.get('method');
        const hits = this.log.filter((e) => e.path.startsWith(prefix) && (!method || e.method === method));
        if (name === 'requests') return json({ requests: hits });
        if (!hits.length) return json({ error: 'no matching request' }, 404);
        return json(hits[hits.length - 1]);
      }
      if (name === 'config') return json(this.publicConfig());
      return json({ error: `unknown control GET /__test/${name}` }, 404);
    }
    if (info.method !== 'POST') return json({ error: 'use GET or POST' }, 405);
    const input = info.body.trim() === '' ? {} : parseJsonObject(info.body);
    const ruleBase = () => ({ path: optStr(input, 'path'), method: optStr(input, 'method') });
    switch (name) {
      case 'reset': {
        this.rules = [];
        this.resetCounters();
        Object.assign(this.cfg, JSON.parse(JSON.stringify(this.initialCfg)));
        this.cfg.tenants = this.initialCfg.tenants;
        this.cfg.apps = this.initialCfg.apps;
        if (input.all === true) this.store.clear();
        return json({ status: 'OK' });
      }
      case 'rotate-keys': {
        const key = this.keys.rotate({ dropOld: input.dropOld === true });
        return json({ status: 'OK', kid: key.kid, kids: this.keys.all().map((k) => k.kid) });
      }
      case 'latency':
        this.rules.push({ type: 'latency', ...ruleBase(), ms: num(input, 'ms'), remaining: num(input, 'count', null, { min: 1 }) });
        return json({ status: 'OK' });
      case 'chunked':
        this.rules.push({ type: 'chunked', ...ruleBase(), remaining: num(input, 'count', null, { min: 1 }) });
        return json({ status: 'OK' });
      case 'fail': {
        const status = num(input, 'status', undefined, { min: 100 });
        if (status > 599) throw bad('status must be 100..599');
        let reply;
        if (isObj(input.body) || Array.isArray(input.body)) reply = json(input.body, status);
        else if (typeof input.body === 'string') {
          reply = { status, type: 'raw', body: input.body, contentType: optStr(input, 'contentType') || 'text/html; charset=UTF-8' };
        } else reply = { status, type: 'text', body: http.STATUS_CODES[status] || 'Error' };
        this.rules.push({ type: 'fail', ...ruleBase(), reply, process: input.process === true,
          remaining: num(input, 'count', 1, { min: 1 }) });
        return json({ status: 'OK' });
      }
      case 'garbage':
      case 'close':
        this.rules.push({ type: name, ...ruleBase(), process: input.process === true,
          remaining: num(input, 'count', 1, { min: 1 }) });
        return json({ status: 'OK' });
      case 'truncate':
        this.rules.push({ type: 'truncate', ...ruleBase(), process: true, remaining: num(input, 'count', 1, { min: 1 }) });
        return json({ status: 'OK' });
      case 'sign':
        return json(this.sign(input));
      case 'session-expire': {
        if (typeof input.sessionHandle !== 'string') throw bad('sessionHandle is required');
        const mode = input.mode === 'expire' ? 'expire' : 'delete';
        const found = this.sessions.expire(optStr(input, 'appId') || 'public', input.sessionHandle, mode);
        return json({ status: 'OK', found });
      }
      case 'config':
        return json(this.updateConfig(input));
      default:
        return json({ error: `unknown control POST /__test/${name}` }, 404);
    }
  }

  publicConfig() {
    const c = this.cfg;
    return { accessTokenValidity: c.accessTokenValidity, refreshTokenValidity: c.refreshTokenValidity,
      keyRotationInterval: c.keyRotationInterval, passwordResetTokenLifetime: c.passwordResetTokenLifetime,
      emailVerificationTokenLifetime: c.emailVerificationTokenLifetime,
      passwordlessCodeLifetime: c.passwordlessCodeLifetime, passwordlessMaxCodeInputAttempts: c.passwordlessMaxCodeInputAttempts,
      apiKeySet: c.apiKeys.length > 0, maxCdi: c.maxCdi, basePath: c.basePath };
  }

  updateConfig(input) {
    const c = this.cfg;
    const pos = (name) => num(input, name, c[name], { min: 0, integer: false });
    c.accessTokenValidity = pos('accessTokenValidity');
    c.refreshTokenValidity = pos('refreshTokenValidity');
    c.passwordResetTokenLifetime = pos('passwordResetTokenLifetime');
    c.emailVerificationTokenLifetime = pos('emailVerificationTokenLifetime');
    const pl = num(input, 'passwordlessCodeLifetime', c.passwordlessCodeLifetime, { min: 1, integer: false });
    const attempts = num(input, 'passwordlessMaxCodeInputAttempts', c.passwordlessMaxCodeInputAttempts, { min: 1 });
    c.passwordlessCodeLifetime = pl;
    c.passwordlessMaxCodeInputAttempts = attempts;
    const kri = pos('keyRotationInterval');
    if (kri <= 0) throw bad('keyRotationInterval must be > 0');
    c.keyRotationInterval = kri;
    if (input.apiKey !== undefined) {
      if (input.apiKey !== null && typeof input.apiKey !== 'string') throw bad('apiKey must be a string or null');
      c.apiKeys = (input.apiKey || '').split(',').map((s) => s.trim()).filter(Boolean);
    }
    if (input.maxCdi !== undefined) {
      if (typeof input.maxCdi !== 'string' || !/^[0-9]+(\.[0-9]+)*$/.test(input.maxCdi)) throw bad('bad maxCdi');
      c.maxCdi = input.maxCdi;
    }
    return { status: 'OK', config: this.publicConfig() };
  }

  // Forge a JWT: RS256 with the current/static/foreign key (or any kid), HS256 with a secret, or alg none.
  sign(input) {
    const alg = input.alg || 'RS256';
    if (input.payload === undefined) throw bad('payload is required');
    const encoding = input.encoding || 'b64url';
    if (!['b64url', 'b64std'].includes(encoding)) throw bad('encoding must be b64url or b64std');
    let key = null;
    let signer;
    if (alg === 'RS256') {
      const which = input.key || 'current';
      if (which === 'current') key = this.keys.signingKey(false);
      else if (which === 'static') key = this.keys.static[0];
      else if (which === 'foreign') key = this.keys.foreign();
      else key = this.keys.byKid(which);
      if (!key) throw bad(`no such key: ${which}`);
      signer = jwt.rs256Signer(key.privateKey);
    } else if (alg === 'HS256') {
      signer = jwt.hs256Signer(input.secret || '');
    } else if (alg === 'none') {
      signer = () => Buffer.alloc(0);
    } else {
      throw bad('alg must be RS256, HS256 or none');
    }
    const header = input.header !== undefined ? input.header
      : alg === 'RS256' ? { kid: key.kid, typ: 'JWT', version: '5', alg: 'RS256' } : { typ: 'JWT', version: '5', alg };
    const token = jwt.encode({ header, payload: input.payload, encoding, signer });
    return { token, kid: key ? key.kid : null };
  }
}
Controls.connIds = 0;

module.exports = { Controls };

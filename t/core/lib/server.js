'use strict';
// Owns: the HTTP/1.1 side of the core double — keep-alive server on 127.0.0.1, request
// body collection, the core's request pipeline (base path, api-key, cdi-version, app/tenant
// checks, 404/405 in text/html) and putting replies on the wire, including the faults
// (latency, fail, garbage, truncate, close, chunked) that /__test/ controls arm.

const http = require('http');
const { HttpError, json, text, gte, cmpVersion, ALL_CDI } = require('./input');
const { matchRoute, identifiers, rootReply } = require('./routes');

const MAX_BODY = 16 * 1024 * 1024;

function serialise(reply) {
  if (reply.type === 'json') {
    return { contentType: 'application/json; charset=UTF-8', bytes: Buffer.from(`${JSON.stringify(reply.body)}\n`) };
  }
  if (reply.type === 'raw') return { contentType: reply.contentType, bytes: Buffer.from(reply.body) };
  // WebserverAPI.sendTextResponse: println => trailing newline.
  return { contentType: 'text/html; charset=UTF-8', bytes: Buffer.from(`${reply.body}\n`) };
}

// Puts a reply on the wire, honouring an armed fault (fault.type) or chunked mode.
// sock is the connection (res.socket is still null while a pipelined reply waits its turn).
function writeReply(res, sock, reply, { fault = null, chunked = false } = {}) {
  if (res.destroyed || sock.destroyed) return;
  if (fault && fault.type === 'close') { sock.destroy(); return; }
  if (fault && fault.type === 'garbage') {
    // Not HTTP at all: binary junk and a half-line, then the connection goes away.
    sock.end(Buffer.concat([Buffer.from([0x00, 0xff, 0xfe, 0x17]), Buffer.from('NOT-HTTP garbage \u0001\r\n\r\n')]),
      () => sock.destroy());
    return;
  }
  if (fault && fault.type === 'fail') reply = fault.reply;
  const { contentType, bytes } = serialise(reply);
  const headers = { 'Content-Type': contentType, ...(reply.headers || {}) };
  if (fault && fault.type === 'truncate') {
    // Declare more than we send, send half, hang up.
    headers['Content-Length'] = bytes.length + Math.max(16, bytes.length);
    res.writeHead(reply.status, headers);
    res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => sock.destroy());
    return;
  }
  if (chunked) {
    res.writeHead(reply.status, headers); // no Content-Length => Transfer-Encoding: chunked
    const step = Math.max(1, Math.ceil(bytes.length / 3));
    for (let i = 0; i < bytes.length; i += step) res.write(bytes.subarray(i, i + step));
    res.end();
    return;
  }
  headers['Content-Length'] = bytes.length;
  res.writeHead(reply.status, headers);
  res.end(bytes);
}

class CoreServer {
  // deps: {cfg (live config getter), routes, store, ctl (test controls), log}
  constructor(deps) {
    Object.assign(this, deps);
    this.timers = new Set();
    this.server = http.createServer({ keepAlive: true }, (req, res) => this.onRequest(req, res));
    const c = this.cfg();
    this.server.keepAliveTimeout = c.keepAliveTimeout * 1000;
    this.server.headersTimeout = Math.max(60000, this.server.keepAliveTimeout + 1000);
    this.server.on('connection', (sock) => this.ctl.onConnection(sock));
    this.server.on('clientError', (err, sock) => {
      if (sock.writable) sock.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      else sock.destroy();
    });
  }

  listen(port) {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve(this.server.address().port));
    });
  }

  close() {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  later(ms, fn) {
    if (!ms) { fn(); return; }
    const t = setTimeout(() => { this.timers.delete(t); fn(); }, ms);
    this.timers.add(t);
  }

  onRequest(req, res) {
    res.on('error', () => {});
    // Like Tomcat's maxKeepAliveRequests: the Nth reply on a connection says close, then closes.
    const max = this.cfg().maxKeepAliveRequests;
    req.socket.stCount = (req.socket.stCount || 0) + 1;
    if (max && req.socket.stCount >= max) {
      res.shouldKeepAlive = false;
      res.on('finish', () => req.socket.end());
    }
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('error', () => {});
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const q = req.url.indexOf('?');
      const rawPath = q >= 0 ? req.url.slice(0, q) : req.url;
      const rawQuery = q >= 0 ? req.url.slice(q + 1) : '';
      const info = { method: req.method, path: rawPath, rawQuery, headers: req.headers,
        rawHeaders: req.rawHeaders, body, socket: req.socket };
      if (rawPath.startsWith('/__test/') || rawPath === '/__test') {
        this.ctl.onControlRequest(req.socket);
        Promise.resolve()
          .then(() => this.ctl.handle(info))
          .catch((e) => json({ error: String(e && e.message) }, e instanceof HttpError ? e.status : 500))
          .then((reply) => writeReply(res, req.socket, reply));
        return;
      }
      this.ctl.record(info);
      const plan = this.ctl.plan(req.method, rawPath);
      if (this.cfg().verbose) {
        process.stderr.write(`core-double: ${req.method} ${req.url}${plan.fault ? ` [${plan.fault.type}]` : ''}\n`);
      }
      const deliver = (reply) => this.later(plan.delayMs, () => writeReply(res, req.socket, reply, plan));
      if (plan.fault && !plan.fault.process) { deliver(null); return; }
      Promise.resolve()
        .then(() => this.dispatch(info))
        .catch((e) => {
          if (e instanceof HttpError) return text(e.status, e.message);
          process.stderr.write(`core-double: internal error: ${e && e.stack}\n`);
          return text(500, String(e));
        })
        .then(deliver);
    });
  }

  // The core's request pipeline (WebserverAPI.service + PathRouter).
  dispatch(info) {
    const cfg = this.cfg();
    let path = info.path.toLowerCase();
    if (cfg.basePath) {
      if (path !== cfg.basePath && !path.startsWith(`${cfg.basePath}/`)) return text(404, 'Not found');
      path = path.slice(cfg.basePath.length);
    }
    const route = matchRoute(this.routes, path);
    const { appId, tenantId } = identifiers(route, path);

    if (route.checkApiKey && cfg.apiKeys.length && this.store.appExists(appId)) {
      let key = info.headers['api-key'];
      if (key === undefined && info.headers.authorization !== undefined) {
        const a = info.headers.authorization;
        key = a.toLowerCase().startsWith('bearer ') ? a.slice(7).trim() : a.trim();
      }
      if (key === undefined || !cfg.apiKeys.includes(key.trim())) return text(401, 'Invalid API key');
    }

    let cdi = cfg.maxCdi;
    const hdr = info.headers['cdi-version'];
    if (hdr !== undefined) {
      if (!/^[0-9]+(\.[0-9]+)*$/.test(hdr)) return text(400, 'cdi-version header is invalid');
      if (cmpVersion(hdr, cfg.maxCdi) > 0) return text(400, `cdi-version ${hdr} not supported`);
      cdi = hdr;
    }
    if (!gte(cdi, '3.0') && tenantId !== 'public') return text(404, 'Not found');
    if (route.versionNeeded && !ALL_CDI.includes(cdi)) return text(400, `cdi-version ${cdi} not supported`);

    if (route.root) {
      if (!this.store.tenantExists(appId, tenantId)) return text(404, 'Not found');
      return rootReply(path, appId, tenantId);
    }
    const handler = route.methods[info.method];
    if (!handler) return text(405, 'Method not supported');

    if (!this.store.appExists(appId)) {
      return text(400, `AppId or tenantId not found => App with the following connectionURIDomain and appId combination not found: (, ${appId})`);
    }
    const appLevel = route.appLevel || (route.appLevelMethods || []).includes(info.method);
    if (!route.tenantNotFoundIsJson && !appLevel && !this.store.tenantExists(appId, tenantId)) {
      return text(400, 'AppId or tenantId not found => Tenant with the following connectionURIDomain, appId and '
        + `tenantId combination not found: (, ${appId}, ${tenantId})`);
    }
    const appSpecific = route.appSpecific || (route.appSpecificMethods || []).includes(info.method);
    if (appSpecific && tenantId !== 'public' && gte(cdi, '5.0')) {
      return text(403, 'Only public tenantId can call this app specific API');
    }
    return handler({
      method: info.method, body: info.body, query: new URLSearchParams(info.rawQuery), headers: info.headers,
      appId, tenantId, cdi, offeredVersions: ALL_CDI.filter((v) => cmpVersion(v, cfg.maxCdi) <= 0),
    });
  }
}

module.exports = { CoreServer, writeReply };

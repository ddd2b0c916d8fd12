'use strict';
// Owns: shared helpers for the core double's tests — spawning the real executable on a free
// port (and always killing it), a small raw HTTP client, and independent JWT/JWKS checks
// built only on Node's crypto (never on the double's own modules).

const { spawn } = require('child_process');
const http = require('http');
const crypto = require('crypto');
const path = require('path');

const CORE = path.join(__dirname, '..', 'core.js');
const children = new Set();
process.on('exit', () => { for (const c of children) c.kill('SIGKILL'); });
// Children also run with --exit-with-parent, so they go away even if this process is killed.

// Starts `node core.js --port 0 ...args`; resolves {port, base, stop(), proc}.
function startDouble(args = [], env = {}) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [CORE, '--port', '0', '--exit-with-parent', ...args], {
      env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(proc);
    let out = '';
    let err = '';
    const timer = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error(`core double did not start: ${out}${err}`)); }, 10000);
    proc.stderr.on('data', (d) => { err += d; });
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /^supertokens-core-double listening on 127\.0\.0\.1:(\d+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        const port = Number(m[1]);
        resolve({
          port, proc, base: `http://127.0.0.1:${port}`, stderr: () => err,
          stop: () => new Promise((res) => {
            if (proc.exitCode !== null) { children.delete(proc); res(); return; }
            proc.once('exit', () => { children.delete(proc); res(); });
            proc.kill('SIGTERM');
          }),
        });
      }
    });
    proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`core double exited (${code}): ${out}${err}`)); });
  });
}

// One HTTP exchange. opts: {headers, body (string|object), agent}. Resolves
// {status, headers, rawHeaders, text, json (or undefined)}.
function request(port, method, p, opts = {}) {
  return new Promise((resolve, reject) => {
    let body = opts.body;
    const headers = { ...(opts.headers || {}) };
    if (body !== undefined && typeof body !== 'string') body = JSON.stringify(body);
    if (body !== undefined) headers['content-length'] = Buffer.byteLength(body);
    const req = http.request({ host: '127.0.0.1', port, method, path: p, headers, agent: opts.agent || false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, rawHeaders: res.rawHeaders, text, json,
          socket: res.socket });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

// A CDI call as supertokens-node makes it: cdi-version 5.4, rid on /recipe paths, JSON body.
function cdi(port, method, p, body, extra = {}) {
  const headers = { 'cdi-version': '5.4', ...extra };
  if (/^\/(([^/]+\/)?recipe\/)/.test(p) && !('rid' in headers)) headers.rid = 'session';
  if (body !== undefined) headers['content-type'] = 'application/json; charset=utf-8';
  return request(port, method, p, { headers, body });
}

const sha256 = (s) => crypto.createHash('sha256').update(s).digest('hex');
const b64json = (part) => Buffer.from(part, 'base64').toString('utf8');

// Splits a JWT into its raw header/payload JSON text (key order visible) and parsed forms.
function decodeJwt(token) {
  const [h, p, s] = token.split('.');
  const headerText = b64json(h);
  const payloadText = b64json(p);
  return { h, p, s, headerText, payloadText, header: JSON.parse(headerText), payload: JSON.parse(payloadText) };
}

// Verifies an RS256 JWT against a JWKS document with Node crypto alone.
function verifyWithJwks(token, jwks) {
  const { h, p, s, header } = decodeJwt(token);
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  if (!jwk) return false;
  const key = crypto.createPublicKey({ key: { kty: jwk.kty, n: jwk.n, e: jwk.e }, format: 'jwk' });
  return crypto.verify('sha256', Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url'));
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

module.exports = { startDouble, request, cdi, sha256, decodeJwt, verifyWithJwks, UUID_RE, sleep };

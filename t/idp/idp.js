#!/usr/bin/env node
'use strict';
// t/idp/idp.js: a small identity provider for the ThirdParty tests (Node built-ins only).
//
// OpenID Connect at the root: /.well-known/openid-configuration, /authorize (a login screen, or
// ?user=<name> to skip it), /token (client_secret_post, PKCE S256, codes single-use, 60 s),
// /userinfo, /jwks (an RSA and an EC P-256 key). GitHub-style OAuth 2.0 under /gh
// (/gh/login/oauth/authorize, /gh/login/oauth/access_token, /gh/user, /gh/user/emails: no ID
// token). Test controls under /__ctl/: POST /__ctl/mode {"id":…, "token":…, "count"?} forges
// the next replies (see FORGE below), POST /__ctl/rotate makes a new signing key and drops the
// old ones, GET /__ctl/log lists the calls (paths and form names, never values),
// POST /__ctl/reset clears modes and the log.
// With --cert FILE --key FILE it serves https (its issuer then https://127.0.0.1:<port>);
// --apple-key FILE: the public half of that EC key checks the client apple-app's secret.
const http = require('http');
const https = require('https');
const fs = require('fs');
const crypto = require('crypto');

const args = process.argv.slice(2);
const arg = (name) => (args.indexOf(`--${name}`) >= 0 ? args[args.indexOf(`--${name}`) + 1] : undefined);
const port = Number(arg('port') || 0);
const tls = arg('cert') ? { cert: fs.readFileSync(arg('cert')), key: fs.readFileSync(arg('key')) } : null;
const USERS = {
  alice: { sub: 'alice-sub', email: 'alice@example.com', email_verified: true, ghId: 1001 },
  bob: { sub: 'bob-sub', email: 'bob@other.org', email_verified: true, ghId: 1002 },
  carol: { sub: 'carol-sub', email: 'carol@example.com', email_verified: false, ghId: 1003 },
  noemail: { sub: 'noemail-sub', ghId: 1004 },
};
// apple-app authenticates with Apple's client secret: an ES256 JWT signed with the key of
// --apple-key (read when first needed: the suite makes it after starting this server)
const APPLE = { team: 'TEAM123456', kid: 'TESTKEY123' };
const CLIENTS = { apache: 's3cret', 'gh-app': 'gh-secret', 'google-app': 'g-secret', 'public-app': null, 'apple-app': APPLE };

let issuer;
let keys = [];
let keySeq = 0;
const codes = new Map();
const tokens = new Map();
let modes = [];
const log = [];

function newKey(type) {
  keySeq += 1;
  const kp = type === 'ec' ? crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
    : crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid: `${type}-${keySeq}`, type, ...kp };
}
keys = [newKey('rsa'), newKey('ec')];

const b64u = (b) => Buffer.from(b).toString('base64url');
function sign(header, payload, key) {
  const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(payload))}`;
  if (header.alg === 'none') return `${input}.`;
  if (header.alg === 'HS256') return `${input}.${crypto.createHmac('sha256', 'secret').update(input).digest('base64url')}`;
  const opts = key.type === 'ec' ? { key: key.privateKey, dsaEncoding: 'ieee-p1363' } : key.privateKey;
  return `${input}.${crypto.sign('sha256', Buffer.from(input), opts).toString('base64url')}`;
}

// The mode armed for this kind of reply ("id" for ID tokens, "token" for /token replies,
// "userinfo" for /userinfo), consumed when it has a count.
function takeMode(kind) {
  const m = modes.find((x) => x[kind] !== undefined);
  if (!m) return null;
  if (m.count !== undefined && --m.count <= 0) modes = modes.filter((x) => x !== m);
  return m[kind];
}

// FORGE (mode "id"): wrong-iss, wrong-aud, multi-aud-no-azp, bad-sig, expired, future-iat,
// alg-none, hs256, es256 (valid, EC key), unknown-kid, wrong-nonce, no-nonce.
function idToken(user, clientId, nonce) {
  const now = Math.floor(Date.now() / 1000);
  const forge = takeMode('id');
  const claims = { iss: issuer, sub: user.sub, aud: clientId, exp: now + 300, iat: now };
  if (nonce !== undefined) claims.nonce = nonce;
  if (user.email) { claims.email = user.email; claims.email_verified = user.email_verified; }
  let key = keys.find((k) => k.type === 'rsa');
  const header = { alg: 'RS256', kid: key.kid, typ: 'JWT' };
  if (forge === 'wrong-iss') claims.iss = 'https://evil.example';
  if (forge === 'wrong-aud') claims.aud = 'someone-else';
  if (forge === 'multi-aud-no-azp') claims.aud = [clientId, 'someone-else'];
  if (forge === 'expired') { claims.exp = now - 10; claims.iat = now - 400; }
  if (forge === 'future-iat') claims.iat = now + 3600;
  if (forge === 'wrong-nonce') claims.nonce = 'not-the-nonce';
  if (forge === 'no-nonce') delete claims.nonce;
  if (forge === 'alg-none') header.alg = 'none';
  if (forge === 'hs256') header.alg = 'HS256';
  if (forge === 'es256') { key = keys.find((k) => k.type === 'ec'); header.alg = 'ES256'; header.kid = key.kid; }
  if (forge === 'unknown-kid') { key = newKey('rsa'); header.kid = key.kid; }
  let t = sign(header, claims, key);
  if (forge === 'bad-sig') t = `${t.slice(0, -6)}AAAAAA`;
  return t;
}

function jwks() {
  return { keys: keys.map((k) => ({ ...k.publicKey.export({ format: 'jwk' }), kid: k.kid, use: 'sig',
    alg: k.type === 'ec' ? 'ES256' : 'RS256' })) };
}

function send(res, status, body, type = 'application/json') {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(text);
}

function issueCode(q, user) {
  const code = crypto.randomBytes(16).toString('hex');
  codes.set(code, { clientId: q.get('client_id'), redirectUri: q.get('redirect_uri'), user,
    challenge: q.get('code_challenge'), nonce: q.get('nonce') ?? undefined, exp: Date.now() + 60000 });
  const to = new URL(q.get('redirect_uri'));
  to.searchParams.set('code', code);
  if (q.get('state') !== null) to.searchParams.set('state', q.get('state'));
  return to.toString();
}

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
function loginScreen(res, q) {
  const hidden = [...q.entries()].map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`).join('');
  send(res, 200, `<!DOCTYPE html><html><head><title>Local IdP - Sign in</title></head><body><h1>Local IdP</h1>
<form method="post" action="/authorize/login">${hidden}<label>User <input id="idp-user" name="user"></label>
<button id="idp-submit" type="submit">Sign in</button></form></body></html>`, 'text/html; charset=utf-8');
}

function authorize(res, q) {
  if (!q.get('client_id') || !(q.get('client_id') in CLIENTS) || !q.get('redirect_uri')) {
    send(res, 400, 'unknown client or no redirect_uri', 'text/plain'); return;
  }
  const user = q.get('user');
  if (!user) { loginScreen(res, q); return; }
  if (!USERS[user]) { send(res, 400, 'no such user', 'text/plain'); return; }
  res.writeHead(302, { location: issueCode(q, USERS[user]) });
  res.end();
}

// Apple's client secret as Apple checks it: ES256 over header.payload with the team's key, the
// key id in the header, iss the team, sub the client, aud https://appleid.apple.com, not expired
function appleSecretOk(secret, clientId) {
  const parts = String(secret || '').split('.');
  if (parts.length !== 3 || !arg('apple-key')) return false;
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url'));
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url'));
    const key = crypto.createPublicKey(fs.readFileSync(arg('apple-key')));
    const ok = crypto.verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`),
      { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(parts[2], 'base64url'));
    return ok && header.alg === 'ES256' && header.kid === APPLE.kid && claims.iss === APPLE.team
      && claims.sub === clientId && claims.aud === 'https://appleid.apple.com' && claims.exp > Date.now() / 1000;
  } catch (e) {
    return false;
  }
}

function clientOk(f, allowPublic) {
  const id = f.get('client_id');
  if (!(id in CLIENTS)) return false;
  if (CLIENTS[id] === APPLE) return appleSecretOk(f.get('client_secret'), id);
  return CLIENTS[id] === null ? allowPublic : f.get('client_secret') === CLIENTS[id];
}

function token(res, f, github) {
  const forge = takeMode('token');
  if (forge === 'status500') { send(res, 500, 'internal error', 'text/plain'); return; }
  if (forge === 'garbage') { send(res, 200, '<html>not json</html>', 'text/html'); return; }
  if (forge === 'slow') { setTimeout(() => send(res, 200, {}), 15000); return; }
  const c = codes.get(f.get('code') || '');
  if (!clientOk(f, !github)) { send(res, 401, { error: 'invalid_client' }); return; }
  if (!c || c.used || c.exp < Date.now() || c.clientId !== f.get('client_id') || c.redirectUri !== f.get('redirect_uri')) {
    if (c) c.used = true;
    send(res, 400, { error: 'invalid_grant' }); return;
  }
  c.used = true;
  if (c.challenge && crypto.createHash('sha256').update(f.get('code_verifier') || '').digest('base64url') !== c.challenge) {
    send(res, 400, { error: 'invalid_grant', error_description: 'PKCE' }); return;
  }
  const at = crypto.randomBytes(16).toString('hex');
  tokens.set(at, c.user);
  const out = { access_token: at, token_type: 'bearer', expires_in: 300 };
  if (!github) out.id_token = idToken(c.user, c.clientId, c.nonce);
  send(res, 200, out);
}

function userFor(req) {
  const m = /^Bearer (.+)$/.exec(req.headers.authorization || '');
  return m ? tokens.get(m[1]) : undefined;
}

function route(req, res, body) {
  const url = new URL(req.url, issuer);
  const form = new URLSearchParams(body);
  const p = url.pathname;
  log.push({ method: req.method, path: p, form: [...form.keys()], accept: req.headers.accept || null });
  if (p === '/.well-known/openid-configuration') {
    const forge = takeMode('discovery');
    if (forge === 'garbage') { send(res, 200, 'nope', 'text/plain'); return; }
    send(res, 200, { issuer, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token`,
      userinfo_endpoint: `${issuer}/userinfo`, jwks_uri: `${issuer}/jwks`, response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'], id_token_signing_alg_values_supported: ['RS256', 'ES256'] });
  } else if (p === '/jwks') send(res, 200, jwks());
  else if (p === '/authorize' && req.method === 'GET') authorize(res, url.searchParams);
  else if (p === '/authorize/login' && req.method === 'POST') authorize(res, form);
  else if (p === '/token' && req.method === 'POST') token(res, form, false);
  else if (p === '/userinfo') {
    const u = userFor(req);
    if (takeMode('userinfo') === 'no-email' && u) { send(res, 200, { sub: u.sub }); return; }
    if (!u) send(res, 401, { error: 'invalid_token' });
    // "mail": the same address under another name (email_field=mail), as some directories have it
    else send(res, 200, { sub: u.sub, email: u.email, email_verified: u.email_verified, mail: u.email && u.email.replace('@', '.mail@') });
  } else if (p === '/gh/login/oauth/authorize') authorize(res, url.searchParams);
  else if (p === '/gh/login/oauth/access_token' && req.method === 'POST') token(res, form, true);
  else if (p === '/gh/user' || p === '/gh/user/emails') {
    const u = userFor(req);
    if (!u) { send(res, 401, { message: 'Bad credentials' }); return; }
    if (p === '/gh/user') send(res, 200, { login: u.sub, id: u.ghId });
    else send(res, 200, u.email ? [{ email: 'old@example.net', primary: false, verified: true },
      { email: u.email, primary: true, verified: u.email_verified }] : []);
  } else if (p === '/__ctl/mode') { modes.push(JSON.parse(body || '{}')); send(res, 200, { status: 'OK' }); }
  else if (p === '/__ctl/rotate') {
    keys = [newKey('rsa'), newKey('ec')];
    send(res, 200, { status: 'OK', kids: keys.map((k) => k.kid) });
  } else if (p === '/__ctl/log') send(res, 200, { log });
  else if (p === '/__ctl/reset') { modes = []; log.length = 0; send(res, 200, { status: 'OK' }); }
  else send(res, 404, { error: 'not found' });
}

const handler = (req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    try { route(req, res, Buffer.concat(chunks).toString()); } catch (e) { send(res, 500, { error: String(e.message) }); }
  });
};
const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
server.keepAliveTimeout = 5000;
server.listen(port, '127.0.0.1', () => {
  issuer = `${tls ? 'https' : 'http'}://127.0.0.1:${server.address().port}`;
  process.stdout.write(`idp listening on 127.0.0.1:${server.address().port}\n`);
});
const parent = process.ppid;
setInterval(() => { if (process.ppid !== parent) process.exit(0); }, 500).unref();
process.on('SIGTERM', () => process.exit(0));

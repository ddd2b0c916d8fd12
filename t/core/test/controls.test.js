'use strict';
// The /__test/ control API (documented in t/core/README.md), flags/env, and the
// t/core/start + t/core/stop scripts.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('crypto');
const net = require('net');
const os = require('os');
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const { startDouble, request, cdi, decodeJwt, verifyWithJwks, sleep } = require('./helpers');

const ctl = (port, name, body) => request(port, body === undefined ? 'GET' : 'POST', `/__test/${name}`, { body });
const newSession = (port, userId = 'u') => cdi(port, 'POST', '/public/recipe/session', {
  userId, userDataInJWT: {}, userDataInDatabase: {}, useDynamicSigningKey: true, enableAntiCsrf: false });

// Raw exchange: send bytes, collect everything until the server closes.
function raw(port, text) {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    const chunks = [];
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', () => {});
    sock.on('close', () => resolve(Buffer.concat(chunks)));
    sock.write(text);
  });
}
const GET_HELLO = 'GET /hello HTTP/1.1\r\nHost: x\r\n\r\n';

describe('core double: /__test/ controls', () => {
  let core;
  let port;
  before(async () => { core = await startDouble(); port = core.port; });
  after(() => core.stop());

  it('stats: connections, requests and per-path counts since reset; controls not counted', async () => {
    await ctl(port, 'reset', {});
    await newSession(port);
    await newSession(port);
    await request(port, 'GET', '/hello');
    const s = (await ctl(port, 'stats')).json;
    assert.deepEqual(Object.keys(s), ['connections', 'connectionsUsed', 'requests', 'paths']);
    assert.equal(s.requests, 3);
    assert.equal(s.connections, 3, 'each helper request uses its own connection');
    assert.equal(s.connectionsUsed, 3);
    assert.deepEqual(s.paths, { 'POST /public/recipe/session': 2, 'GET /hello': 1 });
  });

  it('reset keeps users and sessions unless {"all":true}', async () => {
    const s = (await newSession(port)).json;
    await ctl(port, 'reset', {});
    assert.equal((await cdi(port, 'GET', `/recipe/session?sessionHandle=${s.session.handle}`)).json.status, 'OK');
    await ctl(port, 'reset', { all: true });
    assert.equal((await cdi(port, 'GET', `/recipe/session?sessionHandle=${s.session.handle}`)).json.status, 'UNAUTHORISED');
  });

  it('last-request / requests: method, path, query, lower-cased headers, body', async () => {
    await cdi(port, 'GET', '/public/users/by-accountinfo?email=a%40b.c&doUnionOfAccountInfo=true', undefined, { 'API-Key': 'k1' });
    await newSession(port, 'someone');
    const last = (await request(port, 'GET', '/__test/last-request?path=/public/recipe/')).json;
    assert.equal(last.method, 'POST');
    assert.equal(last.path, '/public/recipe/session');
    assert.equal(last.headers['cdi-version'], '5.4');
    assert.equal(last.headers.rid, 'session');
    assert.equal(last.json.userId, 'someone');
    assert.equal(typeof last.body, 'string');
    const q = (await request(port, 'GET', '/__test/last-request?path=/public/users')).json;
    assert.deepEqual(q.query, { email: 'a@b.c', doUnionOfAccountInfo: 'true' });
    assert.equal(q.rawQuery, 'email=a%40b.c&doUnionOfAccountInfo=true');
    assert.equal(q.headers['api-key'], 'k1');
    assert.ok(q.rawHeaders.some(([n, v]) => n === 'API-Key' && v === 'k1'), 'raw header names kept');
    assert.equal(q.body, '');
    assert.equal((await request(port, 'GET', '/__test/last-request?path=/never')).status, 404);
    const all = (await request(port, 'GET', '/__test/requests?path=/public/&method=POST')).json.requests;
    assert.ok(all.length >= 1 && all.every((e) => e.method === 'POST'));
  });

  it('latency delays matching replies (count-limited)', async () => {
    await ctl(port, 'latency', { ms: 300, path: '/hello', count: 1 });
    let t = Date.now();
    assert.equal((await request(port, 'GET', '/hello')).status, 200);
    assert.ok(Date.now() - t >= 280, 'first call delayed');
    t = Date.now();
    await request(port, 'GET', '/hello');
    assert.ok(Date.now() - t < 250, 'count used up');
    await ctl(port, 'latency', { ms: 200, path: '/apiversion' });
    t = Date.now();
    await request(port, 'GET', '/hello');
    assert.ok(Date.now() - t < 150, 'other paths unaffected');
    await ctl(port, 'reset', {});
  });

  it('fail answers the next N matching calls with a status (default body, JSON body, raw body)', async () => {
    await ctl(port, 'fail', { count: 2, status: 503, path: '/hello' });
    for (let i = 0; i < 2; i++) {
      const r = await request(port, 'GET', '/hello');
      assert.equal(r.status, 503);
      assert.equal(r.headers['content-type'], 'text/html; charset=UTF-8');
      assert.equal(r.text, 'Service Unavailable\n');
    }
    assert.equal((await request(port, 'GET', '/hello')).status, 200);
    await ctl(port, 'fail', { status: 429, body: { status: 'SLOW_DOWN' } });
    const j = await request(port, 'GET', '/apiversion');
    assert.equal(j.status, 429);
    assert.equal(j.text, '{"status":"SLOW_DOWN"}\n');
    await ctl(port, 'fail', { status: 500, body: 'boom', contentType: 'text/plain' });
    const t = await request(port, 'GET', '/hello');
    assert.equal(t.text, 'boom');
    assert.equal(t.headers['content-type'], 'text/plain');
    // Not processed: no session was created by the failed call.
    await ctl(port, 'reset', {});
    await ctl(port, 'fail', { status: 500, path: '/public/recipe/session' });
    assert.equal((await newSession(port, 'ghost')).status, 500);
    assert.deepEqual((await cdi(port, 'GET', '/public/recipe/session/user?userId=ghost')).json.sessionHandles, []);
  });

  it('garbage answers non-HTTP bytes then closes', async () => {
    await ctl(port, 'garbage', { count: 1 });
    const bytes = await raw(port, GET_HELLO);
    assert.ok(bytes.length > 0);
    assert.ok(!bytes.toString('latin1').startsWith('HTTP/'));
    assert.equal((await request(port, 'GET', '/hello')).status, 200, 'only one call');
  });

  it('truncate declares a longer Content-Length than it sends, then closes', async () => {
    await ctl(port, 'truncate', { count: 1, path: '/hello' });
    const text = (await raw(port, GET_HELLO)).toString('latin1');
    const [head, body] = text.split('\r\n\r\n');
    assert.match(head, /^HTTP\/1\.1 200 /);
    const declared = Number(/Content-Length: (\d+)/i.exec(head)[1]);
    assert.ok(body.length < declared, `${body.length} < ${declared}`);
  });

  it('close drops the connection without a reply; process:true still applies the request', async () => {
    await ctl(port, 'close', { count: 1 });
    assert.equal((await raw(port, GET_HELLO)).length, 0);
    await ctl(port, 'close', { count: 1, path: '/public/recipe/session', process: true });
    await assert.rejects(newSession(port, 'half'));
    assert.equal((await cdi(port, 'GET', '/public/recipe/session/user?userId=half')).json.sessionHandles.length, 1);
  });

  it('chunked sends Transfer-Encoding: chunked bodies', async () => {
    await ctl(port, 'chunked', { count: 1, path: '/public/recipe/session' });
    const r = await newSession(port);
    assert.equal(r.headers['transfer-encoding'], 'chunked');
    assert.equal(r.headers['content-length'], undefined);
    assert.equal(r.json.status, 'OK');
    assert.equal((await newSession(port)).headers['transfer-encoding'], undefined);
  });

  it('sign forges tokens: current/static/foreign RS256, b64std, HS256, none, raw header text', async () => {
    const jwks = (await request(port, 'GET', '/.well-known/jwks.json')).json;
    const payload = { iat: 1, exp: 2, sub: 'x', zz: null };
    const cur = (await ctl(port, 'sign', { header: { typ: 'JWT', alg: 'RS256', kid: jwks.keys[0].kid, version: '4' }, payload })).json;
    assert.equal(cur.kid, jwks.keys[0].kid);
    const d = decodeJwt(cur.token);
    assert.equal(d.headerText, `{"typ":"JWT","alg":"RS256","kid":"${cur.kid}","version":"4"}`, 'given key order kept');
    assert.equal(d.payloadText, '{"iat":1,"exp":2,"sub":"x","zz":null}');
    assert.equal(verifyWithJwks(cur.token, jwks), true);
    const st = (await ctl(port, 'sign', { payload, key: 'static' })).json;
    assert.match(decodeJwt(st.token).header.kid, /^s-/);
    assert.equal(verifyWithJwks(st.token, jwks), true);
    const fo = (await ctl(port, 'sign', { payload, key: 'foreign' })).json;
    assert.ok(!jwks.keys.some((k) => k.kid === fo.kid), 'foreign key is not in the JWKS');
    const v2 = (await ctl(port, 'sign', { header: '{"alg":"RS256","typ":"JWT","version":"2"}', payload: '{"a":1}', encoding: 'b64std' })).json;
    assert.ok(v2.token.startsWith('eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsInZlcnNpb24iOiIyIn0=.'), 'protocol.md §6.2 v2 header');
    const [h, p, s] = v2.token.split('.');
    const key = crypto.createPublicKey({ key: jwks.keys[0], format: 'jwk' });
    assert.equal(crypto.verify('sha256', Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64')), true);
    const hs = (await ctl(port, 'sign', { alg: 'HS256', secret: 'k', payload })).json;
    const [hh, hp, hsig] = hs.token.split('.');
    assert.equal(hsig, crypto.createHmac('sha256', 'k').update(`${hh}.${hp}`).digest('base64url'));
    assert.equal(decodeJwt(hs.token).header.alg, 'HS256');
    const none = (await ctl(port, 'sign', { alg: 'none', payload })).json;
    assert.ok(none.token.endsWith('.'));
    assert.equal(decodeJwt(none.token).header.alg, 'none');
    assert.equal((await ctl(port, 'sign', { payload, key: 'd-0' })).status, 400);
  });

  it('session-expire makes a session vanish for checkDatabase', async () => {
    const s = (await newSession(port)).json;
    assert.deepEqual((await ctl(port, 'session-expire', { sessionHandle: s.session.handle })).json, { status: 'OK', found: true });
    const v = (await cdi(port, 'POST', '/recipe/session/verify', { accessToken: s.accessToken.token,
      doAntiCsrfCheck: false, enableAntiCsrf: false, checkDatabase: true })).json;
    assert.equal(v.status, 'UNAUTHORISED');
    assert.equal((await ctl(port, 'session-expire', { sessionHandle: 'nope' })).json.found, false);
  });

  it('config changes token lifetimes live; reset restores them', async () => {
    assert.equal((await ctl(port, 'config', { accessTokenValidity: 2 })).json.config.accessTokenValidity, 2);
    let p = decodeJwt((await newSession(port)).json.accessToken.token).payload;
    assert.equal(p.exp - p.iat, 2);
    await ctl(port, 'reset', {});
    p = decodeJwt((await newSession(port)).json.accessToken.token).payload;
    assert.equal(p.exp - p.iat, 3600);
    assert.equal((await ctl(port, 'config')).json.accessTokenValidity, 3600);
  });

  it('unknown controls => 404 JSON', async () => {
    const r = await ctl(port, 'nope', {});
    assert.equal(r.status, 404);
    assert.ok(r.json.error);
  });
});

describe('core double: flags, environment, start/stop scripts', () => {
  it('--access-token-validity / --refresh-token-validity flags and ST_CORE_* env', async () => {
    const core = await startDouble(['--access-token-validity', '2', '--refresh-token-validity', '1'],
      { ST_CORE_API_KEY: 'env-key-0123456789' });
    try {
      assert.equal((await request(core.port, 'GET', '/apiversion')).status, 401);
      const r = (await cdi(core.port, 'POST', '/public/recipe/session', { userId: 'u', userDataInJWT: {},
        userDataInDatabase: {}, enableAntiCsrf: false }, { 'api-key': 'env-key-0123456789' })).json;
      const p = decodeJwt(r.accessToken.token).payload;
      assert.equal(p.exp - p.iat, 2);
      assert.equal(r.refreshToken.expiry - r.refreshToken.createdTime, 60000);
    } finally {
      await core.stop();
    }
  });

  it('--key-rotation-interval rotates dynamic keys by time, old ones stay in the JWKS', async () => {
    const core = await startDouble(['--key-rotation-interval', String(1.5 / 3600)]); // 1.5 s
    try {
      const k1 = (await request(core.port, 'GET', '/.well-known/jwks.json')).json.keys.map((k) => k.kid);
      await sleep(1600);
      const k2 = (await request(core.port, 'GET', '/.well-known/jwks.json')).json.keys.map((k) => k.kid);
      assert.notEqual(k2[0], k1[0]);
      assert.ok(k2.includes(k1[0]));
    } finally {
      await core.stop();
    }
  });

  it('t/core/start prints the port, writes the PID file; t/core/stop ends it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'core-double-'));
    const pidfile = path.join(dir, 'core.pid');
    const here = path.join(__dirname, '..');
    const out = execFileSync(path.join(here, 'start'), ['--pidfile', pidfile, '--access-token-validity', '5'],
      { encoding: 'utf8' });
    const port = Number(out.trim());
    const pid = Number(fs.readFileSync(pidfile, 'utf8'));
    try {
      assert.ok(port > 0);
      assert.equal(Number(fs.readFileSync(`${pidfile}.port`, 'utf8')), port);
      assert.equal((await request(port, 'GET', '/hello')).text, 'Hello\n');
      assert.match(fs.readFileSync(`${pidfile}.log`, 'utf8'), /^supertokens-core-double listening on 127\.0\.0\.1:\d+$/m);
    } finally {
      execFileSync(path.join(here, 'stop'), ['--pidfile', pidfile]);
    }
    // Gone, or a zombie waiting for init to reap it (it was orphaned when t/core/start exited).
    let stat = '';
    try { stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8'); } catch { stat = ''; }
    assert.ok(stat === '' || /^\d+ \(.*\) Z/.test(stat), `process ${pid} stopped: ${stat}`);
    assert.equal(fs.existsSync(pidfile), false);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

'use strict';
// The double's request pipeline against protocol.md §3.1/§3.2: api-key (401 text/html),
// cdi-version negotiation and errors, /apiversion, 404/405 text/html replies, app/tenant
// path forms, base path, and HTTP/1.1 keep-alive.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const http = require('http');
const net = require('net');
const { startDouble, request, cdi } = require('./helpers');

const TEXT = 'text/html; charset=UTF-8';
const KEY = 'a-test-api-key-with-enough-length';

describe('core double: api-key', () => {
  let core;
  before(async () => { core = await startDouble(['--api-key', KEY]); });
  after(() => core.stop());

  it('missing or wrong key => 401 text/html "Invalid API key"', async () => {
    for (const headers of [{}, { 'api-key': 'wrong' }, { authorization: 'Bearer wrong' }]) {
      const r = await request(core.port, 'GET', '/apiversion', { headers });
      assert.equal(r.status, 401);
      assert.equal(r.headers['content-type'], TEXT);
      assert.equal(r.text, 'Invalid API key\n');
    }
  });

  it('right key in api-key or Authorization (Bearer or raw) is accepted', async () => {
    for (const headers of [{ 'api-key': KEY }, { 'api-key': ` ${KEY} ` }, { authorization: `Bearer ${KEY}` }, { authorization: KEY }]) {
      assert.equal((await request(core.port, 'GET', '/apiversion', { headers })).status, 200);
    }
    const r = await cdi(core.port, 'POST', '/public/recipe/session', { userId: 'u', userDataInJWT: {},
      userDataInDatabase: {}, enableAntiCsrf: false }, { 'api-key': KEY });
    assert.equal(r.json.status, 'OK');
  });

  it('/hello, JWKS and unknown paths need no key; session APIs do', async () => {
    assert.equal((await request(core.port, 'GET', '/hello')).text, 'Hello\n');
    assert.equal((await request(core.port, 'GET', '/.well-known/jwks.json')).status, 200);
    assert.equal((await request(core.port, 'GET', '/no/such/api')).status, 404);
    assert.equal((await cdi(core.port, 'POST', '/recipe/session/verify', {})).status, 401);
    assert.equal((await cdi(core.port, 'GET', '/recipe/jwt/jwks')).status, 401);
  });
});

describe('core double: CDI versions, errors and paths', () => {
  let core;
  before(async () => { core = await startDouble(); });
  after(() => core.stop());

  it('/apiversion lists versions up to 5.4 and ignores apiDomain/websiteDomain', async () => {
    const r = await request(core.port, 'GET', '/apiversion?apiDomain=http%3A%2F%2Flocalhost%3A3001&websiteDomain=http%3A%2F%2Flocalhost%3A3000');
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.json), ['versions']);
    assert.ok(r.json.versions.includes('5.4'));
    assert.equal(r.json.versions[r.json.versions.length - 1], '5.4');
    assert.ok(!r.json.versions.includes('5.5'));
  });

  it('cdi-version: accepted, unsupported, invalid, absent', async () => {
    const verify = (v) => request(core.port, 'POST', '/recipe/session/verify', {
      headers: v === undefined ? {} : { 'cdi-version': v }, body: '{}' });
    for (const v of ['5.4', '5.3', '4.0', '3.0', '2.21', undefined]) {
      const r = await verify(v);
      assert.equal(r.status, 400, `version ${v}`);
      assert.equal(r.text, "Field name 'accessToken' is invalid in JSON input\n", `version ${v} passes the version gate`);
    }
    for (const [v, msg] of [['5.5', 'cdi-version 5.5 not supported'], ['9.9', 'cdi-version 9.9 not supported'],
      ['2.6', 'cdi-version 2.6 not supported'], ['abc', 'cdi-version header is invalid'], ['5.4-beta', 'cdi-version header is invalid']]) {
      const r = await verify(v);
      assert.equal(r.status, 400);
      assert.equal(r.headers['content-type'], TEXT);
      assert.equal(r.text, `${msg}\n`);
    }
  });

  it('404 "Not found" and 405 "Method not supported" in text/html', async () => {
    const nf = await cdi(core.port, 'GET', '/recipe/nothing-here');
    assert.equal(nf.status, 404);
    assert.equal(nf.headers['content-type'], TEXT);
    assert.equal(nf.text, 'Not found\n');
    for (const m of ['GET', 'PUT', 'DELETE', 'PATCH']) {
      const r = await cdi(core.port, m, '/recipe/session/verify');
      assert.equal(r.status, 405, m);
      assert.equal(r.text, 'Method not supported\n');
    }
    const bad = await cdi(core.port, 'POST', '/recipe/session/verify', 'not json');
    assert.equal(bad.status, 400);
    assert.equal(bad.text, 'Invalid Json Input\n');
  });

  it('the bare root and tenant roots say Hello', async () => {
    for (const p of ['/', '/appid-public', '/appid-app1/tenant1', '/tenant1']) {
      assert.equal((await request(core.port, 'GET', p)).text, 'Hello\n', p);
    }
  });

  it('/appid-<id>/<tenant>/recipe/... forms; apps are separate namespaces', async () => {
    const body = { userId: 'u', userDataInJWT: {}, userDataInDatabase: {}, enableAntiCsrf: false };
    const a = (await cdi(core.port, 'POST', '/appid-app1/tenant2/recipe/session', body)).json;
    assert.equal(a.session.tenantId, 'tenant2');
    assert.match(a.session.handle, /_tenant2$/);
    const b = (await cdi(core.port, 'POST', '/appid-app1/recipe/session', body)).json;
    assert.equal(b.session.tenantId, 'public');
    const c = (await cdi(core.port, 'POST', '/Public/Recipe/Session', body)).json;
    assert.equal(c.status, 'OK', 'paths match case-insensitively like the core');
    // The session lives in app1: visible there, not in the default app.
    assert.equal((await cdi(core.port, 'GET', `/appid-app1/recipe/session?sessionHandle=${b.session.handle}`)).json.status, 'OK');
    assert.equal((await cdi(core.port, 'GET', `/recipe/session?sessionHandle=${b.session.handle}`)).json.status, 'UNAUTHORISED');
    // Refresh is app-specific; the tenant comes from the token.
    const r = (await cdi(core.port, 'POST', '/appid-app1/recipe/session/refresh', { refreshToken: a.refreshToken.token,
      enableAntiCsrf: false, useDynamicSigningKey: true })).json;
    assert.equal(r.status, 'OK');
    assert.equal(r.session.tenantId, 'tenant2');
  });

  it('app-specific API under a tenant => 403', async () => {
    const r = await cdi(core.port, 'GET', '/tenant1/user/id?userId=x');
    assert.equal(r.status, 403);
    assert.equal(r.text, 'Only public tenantId can call this app specific API\n');
  });

  it('HTTP/1.1 keep-alive: many requests over one connection', async () => {
    await request(core.port, 'POST', '/__test/reset', { body: {} });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const seen = new Set();
    for (let i = 0; i < 5; i++) {
      const r = await request(core.port, 'GET', '/hello', { agent });
      assert.equal(r.status, 200);
      assert.equal(r.headers.connection, 'keep-alive');
      seen.add(r.socket);
    }
    agent.destroy();
    assert.equal(seen.size, 1);
    const stats = (await request(core.port, 'GET', '/__test/stats')).json;
    assert.equal(stats.connections, 1);
    assert.equal(stats.connectionsUsed, 1);
    assert.equal(stats.requests, 5);
  });

  it('keep-alive on a raw socket: pipelined requests, then Connection: close', async () => {
    const sock = net.connect(core.port, '127.0.0.1');
    let data = '';
    sock.on('data', (d) => { data += d; });
    const closed = new Promise((r) => sock.on('close', r));
    sock.write('GET /hello HTTP/1.1\r\nHost: x\r\n\r\nPOST /recipe/session/verify HTTP/1.1\r\nHost: x\r\n'
      + 'cdi-version: 5.4\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}'
      + 'GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await closed;
    const statuses = [...data.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => m[1]);
    assert.deepEqual(statuses, ['200', '400', '200']);
    assert.match(data, /Content-Length: 6\r\n/);
  });
});

describe('core double: base path, limited tenants, max CDI', () => {
  let core;
  before(async () => { core = await startDouble(['--base-path', '/core', '--tenants', 'tenant1', '--max-cdi', '5.3']); });
  after(() => core.stop());

  it('APIs live under the base path only', async () => {
    assert.equal((await request(core.port, 'GET', '/core/hello')).text, 'Hello\n');
    assert.equal((await request(core.port, 'GET', '/hello')).status, 404);
    assert.equal((await cdi(core.port, 'GET', '/core/appid-public/public/recipe/multitenancy/tenant/v2', undefined, { 'cdi-version': '5.3' })).json.status, 'OK');
  });

  it('unknown tenant => 400 "AppId or tenantId not found"; tenant/v2 => TENANT_NOT_FOUND_ERROR', async () => {
    const r = await cdi(core.port, 'POST', '/core/tenant9/recipe/signin', { email: 'a@b.c', password: 'x' }, { 'cdi-version': '5.3' });
    assert.equal(r.status, 400);
    assert.equal(r.text, 'AppId or tenantId not found => Tenant with the following connectionURIDomain, appId and tenantId combination not found: (, public, tenant9)\n');
    assert.deepEqual((await cdi(core.port, 'GET', '/core/tenant9/recipe/multitenancy/tenant/v2', undefined, { 'cdi-version': '5.3' })).json,
      { status: 'TENANT_NOT_FOUND_ERROR' });
    assert.equal((await cdi(core.port, 'GET', '/core/tenant1/recipe/multitenancy/tenant/v2', undefined, { 'cdi-version': '5.3' })).json.tenantId, 'tenant1');
  });

  it('--max-cdi 5.3: /apiversion stops at 5.3 and 5.4 is refused', async () => {
    const v = (await request(core.port, 'GET', '/core/apiversion')).json.versions;
    assert.equal(v[v.length - 1], '5.3');
    const r = await cdi(core.port, 'POST', '/core/recipe/session/verify', {});
    assert.equal(r.text, 'cdi-version 5.4 not supported\n');
  });
});

describe('core double: --max-keep-alive-requests', () => {
  let core;
  before(async () => { core = await startDouble(['--max-keep-alive-requests', '2']); });
  after(() => core.stop());

  it('the Nth reply says Connection: close and the server closes the connection', async () => {
    const sock = net.connect(core.port, '127.0.0.1');
    let data = '';
    sock.on('data', (d) => { data += d; });
    const closed = new Promise((r) => sock.on('close', r));
    sock.write('GET /hello HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n');
    await closed;
    assert.deepEqual(data.match(/^Connection: \S+/gm), ['Connection: keep-alive', 'Connection: close']);
  });
});

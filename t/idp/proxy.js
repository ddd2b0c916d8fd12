#!/usr/bin/env node
'use strict';
// t/idp/proxy.js: an outgoing HTTP proxy for the SuperTokensOutgoingProxy tests (Node built-ins
// only): CONNECT host:port opens a tunnel (the TLS inside is between the module and the
// provider; the proxy never sees it), an absolute-form request (GET http://host:port/path) is
// forwarded. A connection that cannot be made answers 502.
//
//   node t/idp/proxy.js --port P
//
// GET /__ctl/log lists what it was asked ({method, target}: "CONNECT 127.0.0.1:443" or the
// absolute URL, never headers or bodies); POST /__ctl/reset clears it.
const http = require('http');
const net = require('net');

const args = process.argv.slice(2);
const port = Number(args[args.indexOf('--port') + 1] || 0);
const log = [];

function control(req, res) {
  if (req.url === '/__ctl/reset' && req.method === 'POST') log.length = 0;
  else if (req.url !== '/__ctl/log') { res.writeHead(404); res.end(); return; }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ log }));
}

const server = http.createServer((req, res) => {
  if (req.url.startsWith('/__ctl/')) { control(req, res); return; }
  let to;
  try { to = new URL(req.url); } catch (e) { res.writeHead(400); res.end('a proxy wants absolute-form requests'); return; }
  log.push({ method: req.method, target: `${to.origin}${to.pathname}` });
  const up = http.request({ host: to.hostname, port: to.port || 80, method: req.method, path: to.pathname + to.search,
    headers: req.headers }, (ur) => {
    res.writeHead(ur.statusCode, ur.headers);
    ur.pipe(res);
  });
  up.on('error', () => { if (!res.headersSent) res.writeHead(502); res.end('bad gateway'); });
  req.pipe(up);
});

server.on('connect', (req, client, head) => {
  log.push({ method: 'CONNECT', target: req.url });
  const i = req.url.lastIndexOf(':');
  const up = net.connect(Number(req.url.slice(i + 1)), req.url.slice(0, i).replace(/^\[|\]$/g, ''), () => {
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length) up.write(head);
    up.pipe(client);
    client.pipe(up);
  });
  up.on('error', () => { client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n'); });
  client.on('error', () => up.destroy());
  client.on('close', () => up.destroy());
});

server.keepAliveTimeout = 5000;
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`proxy listening on 127.0.0.1:${server.address().port}\n`);
});
const parent = process.ppid;
setInterval(() => { if (process.ppid !== parent) process.exit(0); }, 500).unref();
process.on('SIGTERM', () => process.exit(0));

#!/usr/bin/env node
'use strict';
// A TLS terminator for tests of the core client's https:// support: accepts TLS on
// 127.0.0.1:<port> and pipes each connection, 1:1, to a plain TCP target (the core double),
// so keep-alive and the double's /__test/stats connection counts carry through unchanged.
//
//   node t/core/tls-front.js --port 13643 --target 127.0.0.1:3567 --cert srv.pem --key srv.key
//
// Prints "tls-front listening on 127.0.0.1:<port>" when ready. Node built-ins only.
// t/core/make-test-certs writes a CA and server certificates for 127.0.0.1/localhost.

const tls = require('tls');
const net = require('net');
const fs = require('fs');

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && i + 1 < process.argv.length) return process.argv[i + 1];
  if (def === undefined) {
    process.stderr.write(`tls-front: --${name} is required\n`);
    process.exit(2);
  }
  return def;
}

const port = Number(arg('port', '0'));
const [thost, tport] = arg('target').split(':');
const server = tls.createServer({ cert: fs.readFileSync(arg('cert')), key: fs.readFileSync(arg('key')) },
  (client) => {
    const up = net.connect(Number(tport), thost);
    client.pipe(up);
    up.pipe(client);
    const done = () => { client.destroy(); up.destroy(); };
    client.on('error', done);
    up.on('error', done);
    client.on('close', done);
    up.on('close', done);
  });
server.on('tlsClientError', () => {});
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`tls-front listening on 127.0.0.1:${server.address().port}\n`);
});
// A test fixture: stop at once, whatever connections are still open.
const stop = () => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

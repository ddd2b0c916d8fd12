// t/backend/echo.js: the "proxied application" of the Apache::Test suite. Answers every request
// with the method, URL and request headers it received, as JSON, so tests can check which
// SuperTokens headers mod_supertokens passed through mod_proxy. Loopback only.
'use strict';
const http = require('http');

const i = process.argv.indexOf('--port');
const port = i > 0 ? Number(process.argv[i + 1]) : 0;

// every request seen (method and URL, newest last, at most 500), for tests that must prove a
// request never reached the application: GET /__seen answers them
const seen = [];

http.createServer((req, res) => {
  if (req.url === '/__seen') {
    const body = JSON.stringify({ requests: seen });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    return res.end(body);
  }
  seen.push({ method: req.method, url: req.url });
  if (seen.length > 500) seen.shift();
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.stringify({ method: req.method, url: req.url, headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8') });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
}).listen(port, '127.0.0.1', function () {
  console.log(`echo backend listening on 127.0.0.1:${this.address().port}`);
});

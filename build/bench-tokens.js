#!/usr/bin/env node
// build/bench-tokens.js: `make bench`'s supply of distinct access tokens for the run where every
// request carries a token the server has not seen. Creates <count> sessions at the core double
// and prints one access token per line. Usage: bench-tokens.js <core-url> <api-key> <count> <iss>
'use strict';
const http = require('http');
const [url, apiKey, countArg, iss] = process.argv.slice(2);
const count = Number(countArg);
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
const out = new Array(count);

function create(i) {
  const body = JSON.stringify({ userId: `bench-user-${i}`, userDataInJWT: { iss }, userDataInDatabase: {},
    useDynamicSigningKey: true, enableAntiCsrf: false });
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/public/recipe/session`, { method: 'POST', agent, headers: {
      'api-key': apiKey, 'cdi-version': '5.4', rid: 'session', 'content-type': 'application/json' } }, (res) => {
      let data = '';
      res.on('data', (c) => { data += c; });
      res.on('end', () => {
        try { out[i] = JSON.parse(data).accessToken.token; resolve(); } catch (e) { reject(new Error(`session ${i}: ${data}`)); }
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

(async () => {
  let next = 0;
  const worker = async () => { while (next < count) await create(next++); };
  await Promise.all(Array.from({ length: 8 }, worker));
  process.stdout.write(out.join('\n') + '\n');
  agent.destroy();
})().catch((e) => { console.error(`bench-tokens: ${e.message}`); process.exit(1); });

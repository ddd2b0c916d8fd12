#!/usr/bin/env node
'use strict';
// Owns: start-up of the SuperTokens core double (a stand-in for core 11.x speaking CDI 5.4,
// used by every test of mod_supertokens): parse flags/env, build the parts, listen on
// 127.0.0.1 and print "supertokens-core-double listening on 127.0.0.1:<port>".
// Only Node built-ins are used. See t/core/README.md for the flags and /__test/ controls.

const { parseConfig, usage } = require('./lib/config');
const { KeyRing } = require('./lib/keys');
const { Store } = require('./lib/store');
const { Tokens } = require('./lib/tokens');
const { SessionApi } = require('./lib/sessions');
const { UserApi } = require('./lib/users');
const { UserRolesApi } = require('./lib/roles');
const { EmailVerificationApi } = require('./lib/emailverification');
const { ThirdPartyApi } = require('./lib/thirdparty');
const { PasswordlessApi } = require('./lib/passwordless');
const { buildRoutes } = require('./lib/routes');
const { CoreServer } = require('./lib/server');
const { Controls } = require('./lib/testctl');

// Builds and starts a double; returns {port, close()}. Also used in-process by tests.
async function startCore(argv = [], env = {}) {
  const cfg = parseConfig(argv, env);
  const initialCfg = { ...cfg, apiKeys: [...cfg.apiKeys] };
  const settings = () => cfg; // live view: /__test/config edits cfg in place
  const keys = new KeyRing(settings);
  await keys.init();
  const store = new Store(cfg);
  const tokens = new Tokens(keys, settings);
  const sessions = new SessionApi(store, tokens, settings);
  const users = new UserApi(store, settings);
  const roles = new UserRolesApi(store);
  const ev = new EmailVerificationApi(store, settings);
  const tp = new ThirdPartyApi(store, users);
  const pl = new PasswordlessApi(store, settings, ev);
  const ctl = new Controls({ cfg, initialCfg, keys, store, sessions });
  const server = new CoreServer({ cfg: settings, routes: buildRoutes({ sessions, users, keys, roles, ev, tp, pl }), store, ctl });
  const port = await server.listen(cfg.port);
  return { port, cfg, close: () => server.close() };
}

async function main() {
  let core;
  try {
    const cfg = parseConfig(process.argv.slice(2), process.env);
    if (cfg.help) { process.stdout.write(`${usage()}\n`); return; }
    core = await startCore(process.argv.slice(2), process.env);
  } catch (e) {
    process.stderr.write(`supertokens-core-double: ${e.message}\n${e.code === 'EADDRINUSE' ? '' : usage()}\n`);
    process.exit(2);
  }
  process.stdout.write(`supertokens-core-double listening on 127.0.0.1:${core.port}\n`);
  const stop = () => core.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  if (core.cfg.exitWithParent) {
    // A test runner killed by a signal cannot clean up its children; notice being orphaned instead.
    const parent = process.ppid;
    setInterval(() => { if (process.ppid !== parent) stop(); }, 300).unref();
  }
}

if (require.main === module) main();

module.exports = { startCore };

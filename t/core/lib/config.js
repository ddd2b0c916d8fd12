'use strict';
// Owns: command-line flags and ST_CORE_* environment variables of the core double,
// their defaults (mirroring SuperTokens core defaults) and validation.
// Flags win over environment variables; both are optional.

const OPTIONS = [
  // name, env, default, parser, help
  ['port', 'ST_CORE_PORT', 3567, 'int', 'TCP port on 127.0.0.1 (0 = pick a free one)'],
  ['api-key', 'ST_CORE_API_KEY', '', 'str', 'comma-separated API key(s); empty = no key required'],
  ['access-token-validity', 'ST_CORE_ACCESS_TOKEN_VALIDITY', 3600, 'num', 'access token lifetime, seconds'],
  ['refresh-token-validity', 'ST_CORE_REFRESH_TOKEN_VALIDITY', 144000, 'num', 'refresh token lifetime, minutes'],
  ['key-rotation-interval', 'ST_CORE_KEY_ROTATION_INTERVAL', 168, 'num', 'dynamic signing key update interval, hours'],
  ['password-reset-token-lifetime', 'ST_CORE_PASSWORD_RESET_TOKEN_LIFETIME', 3600000, 'num', 'ms'],
  ['email-verification-token-lifetime', 'ST_CORE_EMAIL_VERIFICATION_TOKEN_LIFETIME', 86400000, 'num', 'ms (core: 1 day)'],
  ['passwordless-code-lifetime', 'ST_CORE_PASSWORDLESS_CODE_LIFETIME', 900000, 'num', 'ms (core: 15 minutes)'],
  ['passwordless-max-code-input-attempts', 'ST_CORE_PASSWORDLESS_MAX_CODE_INPUT_ATTEMPTS', 5, 'int',
    'wrong user input codes before a device is removed'],
  ['base-path', 'ST_CORE_BASE_PATH', '', 'str', 'base path every API lives under (core base_path)'],
  ['max-cdi', 'ST_CORE_MAX_CDI', '5.4', 'str', 'highest CDI version offered (core 11.3+ = 5.4)'],
  ['tenants', 'ST_CORE_TENANTS', '*', 'str', 'comma-separated tenant ids that exist ("*" = any)'],
  ['apps', 'ST_CORE_APPS', '*', 'str', 'comma-separated app ids that exist ("*" = any)'],
  ['keep-alive-timeout', 'ST_CORE_KEEP_ALIVE_TIMEOUT', 60, 'num', 'idle keep-alive timeout, seconds'],
  ['max-keep-alive-requests', 'ST_CORE_MAX_KEEP_ALIVE_REQUESTS', 0, 'int', 'requests per connection (0 = unlimited)'],
  ['verbose', 'ST_CORE_VERBOSE', false, 'bool', 'log one line per request to stderr'],
  ['exit-with-parent', 'ST_CORE_EXIT_WITH_PARENT', false, 'bool', 'exit when the parent process goes away (tests)'],
];

function camel(name) {
  return name.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
}

function parseValue(kind, raw, name) {
  if (kind === 'str') return String(raw);
  if (kind === 'bool') return raw === true || /^(1|true|yes|on)$/i.test(String(raw));
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || (kind === 'int' && !Number.isInteger(n))) {
    throw new Error(`invalid value for --${name}: ${raw}`);
  }
  return n;
}

function usage() {
  const lines = ['usage: node t/core/core.js [--flag value ...]', ''];
  for (const [name, env, def, , help] of OPTIONS) {
    lines.push(`  --${name.padEnd(30)} ${env.padEnd(38)} default ${JSON.stringify(def)}  ${help}`);
  }
  return lines.join('\n');
}

// Returns a plain config object; throws Error on bad input.
function parseConfig(argv, env) {
  const cfg = {};
  for (const [name, envName, def, kind] of OPTIONS) {
    cfg[camel(name)] = env[envName] !== undefined && env[envName] !== ''
      ? parseValue(kind, env[envName], name) : def;
  }
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    if (arg === '--help' || arg === '-h') { cfg.help = true; continue; }
    if (!arg.startsWith('--')) throw new Error(`unexpected argument: ${arg}`);
    arg = arg.slice(2);
    let value;
    const eq = arg.indexOf('=');
    if (eq >= 0) { value = arg.slice(eq + 1); arg = arg.slice(0, eq); }
    const opt = OPTIONS.find((o) => o[0] === arg);
    if (!opt) throw new Error(`unknown flag: --${arg}`);
    if (value === undefined) {
      if (opt[3] === 'bool') value = true;
      else if (i + 1 < argv.length) value = argv[++i];
      else throw new Error(`missing value for --${arg}`);
    }
    cfg[camel(arg)] = parseValue(opt[3], value, arg);
  }
  cfg.apiKeys = cfg.apiKey.split(',').map((s) => s.trim()).filter(Boolean);
  delete cfg.apiKey;
  cfg.basePath = normaliseBasePath(cfg.basePath);
  if (!/^[0-9]+(\.[0-9]+)*$/.test(cfg.maxCdi)) throw new Error(`invalid --max-cdi: ${cfg.maxCdi}`);
  cfg.tenants = listOrAny(cfg.tenants);
  cfg.apps = listOrAny(cfg.apps);
  if (cfg.keyRotationInterval <= 0) throw new Error('--key-rotation-interval must be > 0');
  if (cfg.passwordlessCodeLifetime <= 0) throw new Error('--passwordless-code-lifetime must be > 0');
  if (cfg.passwordlessMaxCodeInputAttempts <= 0) throw new Error('--passwordless-max-code-input-attempts must be > 0');
  return cfg;
}

function normaliseBasePath(p) {
  p = String(p || '').trim();
  if (p === '' || p === '/') return '';
  if (!p.startsWith('/')) p = '/' + p;
  return p.replace(/\/+$/, '').toLowerCase();
}

// "*" => null (everything exists); otherwise a Set of lower-cased ids.
function listOrAny(s) {
  s = String(s).trim();
  if (s === '*' || s === '') return null;
  return new Set(s.split(',').map((x) => x.trim().toLowerCase()).filter(Boolean));
}

module.exports = { parseConfig, usage };

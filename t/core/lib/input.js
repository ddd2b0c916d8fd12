'use strict';
// Owns: request-input validation with the core's error texts (webserver/InputParser.java),
// reply constructors (JSON ends with "\n", errors are text/html like WebserverAPI), and
// CDI version comparison (utils/SemVer.java).

class HttpError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

const bad = (msg) => new HttpError(400, msg);
const invalid = (name) => bad(`Field name '${name}' is invalid in JSON input`);

// Reply objects are plain data so that fault injection can mangle them before they hit the wire.
const json = (body, status = 200) => ({ status, type: 'json', body });
const text = (status, message) => ({ status, type: 'text', body: message });

function parseJsonObject(body) {
  try {
    const v = JSON.parse(body);
    if (v && typeof v === 'object' && !Array.isArray(v)) return v;
  } catch { /* fall through */ }
  throw bad('Invalid Json Input');
}

function field(input, name, nullable, check) {
  const v = input[name];
  if (v === undefined || v === null) {
    if (nullable) return null;
    throw invalid(name);
  }
  if (!check(v)) throw invalid(name);
  return v;
}

const isObj = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (input, name, nullable = false) => field(input, name, nullable, (v) => typeof v === 'string');
const bool = (input, name, nullable = false) => field(input, name, nullable, (v) => typeof v === 'boolean');
const obj = (input, name, nullable = false) => field(input, name, nullable, isObj);
const arr = (input, name, nullable = false) => field(input, name, nullable, Array.isArray);

// Java's String.trim(): strips code points <= U+0020 only (JS trim also strips Unicode spaces).
const javaTrim = (s) => s.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '');

// WebserverAPI.enforcePublicTenantAndGetPublicTenantStorage: app-wide APIs refuse a tenant in the
// path from CDI 5.0 on. The core does this after parsing the input, so handlers call it there.
function publicTenantOnly(req) {
  if (req.tenantId !== 'public' && gte(req.cdi, '5.0')) {
    throw new HttpError(403, 'Only public tenantId can call this app specific API');
  }
}

function query(params, name, nullable = false) {
  const v = params.get(name);
  if (v === null) {
    if (nullable) return null;
    throw bad(`Field name '${name}' is missing in GET request`);
  }
  return v;
}

// SemVer: numeric, component-wise; "5.4" < "5.10".
function cmpVersion(a, b) {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] || 0) - (y[i] || 0);
    if (d) return d < 0 ? -1 : 1;
  }
  return 0;
}
const gte = (a, b) => cmpVersion(a, b) >= 0;

// Every CDI version core 11.3 understands, oldest first (WebserverAPI.supportedVersions).
const ALL_CDI = ['2.7', '2.8', '2.9', '2.10', '2.11', '2.12', '2.13', '2.14', '2.15', '2.16', '2.17', '2.18',
  '2.19', '2.20', '2.21', '3.0', '3.1', '4.0', '5.0', '5.1', '5.2', '5.3', '5.4'];

module.exports = { HttpError, bad, json, text, parseJsonObject, str, bool, obj, arr, query, isObj, cmpVersion, gte, ALL_CDI,
  javaTrim, publicTenantOnly };

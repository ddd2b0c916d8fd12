'use strict';
// Owns: the CDI route table of the core double and the core's path rules
// (webserver/PathRouter.java + WebserverAPI.getAppId/getTenantId): exact match first, then
// "/appid-<app>/<tenant>/<api>" forms, falling back to the "/" API (Hello or 404).

const { json, text } = require('./input');

const INVALID_TENANT_WORDS = ['recipe', 'config', 'users', 'hello'];
const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function buildRoutes({ sessions, users, keys, roles, ev, tp, pl }) {
  const hello = () => text(200, 'Hello');
  const jwks = (withStatus) => () => {
    const { keys: list, maxAge } = keys.jwks();
    const body = { keys: list };
    if (withStatus) return json({ ...body, status: 'OK' });
    return { ...json(body), headers: { 'Cache-Control': `max-age=${maxAge}, must-revalidate` } };
  };
  const r = (path, methods, opts = {}) => ({ path, methods, checkApiKey: true, versionNeeded: true,
    appSpecific: false, ...opts });
  // App-wide APIs that, like the core, only check the app and refuse a tenant after parsing their input.
  const app = { appLevel: true };
  return [
    r('/hello', { GET: hello, POST: hello, PUT: hello, DELETE: hello }, { checkApiKey: false, versionNeeded: false }),
    r('/apiversion', { GET: (req) => json({ versions: req.offeredVersions }) }, { versionNeeded: false, appSpecific: true }),
    r('/.well-known/jwks.json', { GET: jwks(false) }, { checkApiKey: false, versionNeeded: false }),
    r('/recipe/jwt/jwks', { GET: jwks(true) }, { appSpecific: true }),
    r('/recipe/session', { POST: (q) => sessions.create(q), GET: (q) => sessions.info(q) }),
    r('/recipe/session/verify', { POST: (q) => sessions.verify(q) }),
    r('/recipe/session/refresh', { POST: (q) => sessions.refresh(q) }),
    r('/recipe/session/remove', { POST: (q) => sessions.remove(q) }),
    r('/recipe/session/regenerate', { POST: (q) => sessions.regenerate(q) }),
    r('/recipe/session/user', { GET: (q) => sessions.userSessions(q) }),
    r('/recipe/session/data', { PUT: (q) => sessions.putData(q), GET: (q) => sessions.getData(q) }),
    r('/recipe/signup', { POST: (q) => users.signUp(q) }),
    r('/recipe/signin', { POST: (q) => users.signIn(q) }),
    r('/recipe/user/password/reset/token', { POST: (q) => users.resetToken(q) }),
    r('/recipe/user/password/reset/token/consume', { POST: (q) => users.consumeResetToken(q) }),
    r('/recipe/user', { PUT: (q) => users.updateUser(q), GET: (q) => users.getUserDeprecated(q) },
      { appSpecificMethods: ['PUT'] }),
    r('/user/id', { GET: (q) => users.getUserById(q) }, { appSpecific: true }),
    r('/users/by-accountinfo', { GET: (q) => users.byAccountInfo(q) }),
    r('/users', { GET: (q) => users.listUsers(q) }),
    r('/recipe/multitenancy/tenant/v2', { GET: (q) => users.tenantConfig(q) }, { tenantNotFoundIsJson: true }),
    r('/recipe/signinup', { POST: (q) => tp.signInUp(q) }),
    r('/recipe/multitenancy/config/thirdparty', { PUT: (q) => tp.putConfig(q) }),
    r('/recipe/multitenancy/config/thirdparty/remove', { POST: (q) => tp.removeConfig(q) }),
    r('/recipe/role', { PUT: (q) => roles.createRole(q) }, app),
    r('/recipe/role/remove', { POST: (q) => roles.deleteRole(q) }, app),
    r('/recipe/role/permissions', { GET: (q) => roles.permissionsOfRole(q) }, app),
    r('/recipe/role/permissions/remove', { POST: (q) => roles.removePermissions(q) }, app),
    r('/recipe/permission/roles', { GET: (q) => roles.rolesWithPermission(q) }, app),
    r('/recipe/roles', { GET: (q) => roles.allRoles(q) }, app),
    r('/recipe/user/role', { PUT: (q) => roles.addUserRole(q) }),
    r('/recipe/user/role/remove', { POST: (q) => roles.removeUserRole(q) }),
    r('/recipe/user/roles', { GET: (q) => roles.rolesOfUser(q) }),
    r('/recipe/role/users', { GET: (q) => roles.usersWithRole(q) }),
    r('/recipe/user/email/verify/token', { POST: (q) => ev.createToken(q) }),
    r('/recipe/user/email/verify', { POST: (q) => ev.verify(q), GET: (q) => ev.isVerifiedGet(q) },
      { appLevelMethods: ['GET'] }),
    r('/recipe/user/email/verify/token/remove', { POST: (q) => ev.revokeTokens(q) }),
    r('/recipe/user/email/verify/remove', { POST: (q) => ev.unverify(q) }, app),
    r('/recipe/signinup/code', { POST: (q) => pl.createCode(q) }),
    r('/recipe/signinup/code/consume', { POST: (q) => pl.consume(q) }),
    r('/recipe/signinup/code/check', { POST: (q) => pl.check(q) }),
    r('/recipe/signinup/codes', { GET: (q) => pl.listCodes(q) }),
    r('/recipe/signinup/code/remove', { POST: (q) => pl.removeCode(q) }),
    r('/recipe/signinup/codes/remove', { POST: (q) => pl.removeCodes(q) }),
  ];
}

// NotFoundOrHelloAPI: "/" (optionally under /appid-x and/or a tenant) says Hello, anything else is 404.
const ROOT = { path: '', root: true, checkApiKey: false, versionNeeded: true, appSpecific: false, methods: {} };

function matchRoute(routes, path) {
  for (const route of routes) {
    if (path === route.path || path === `${route.path}/`) return route;
  }
  const stop = INVALID_TENANT_WORDS.map((w) => `${w}/`).join('|');
  for (const route of routes) {
    if (new RegExp(`^(/appid-[a-z0-9-]*)?(/(?!${stop})[a-z0-9-]+)?${esc(route.path)}/?$`).test(path)) return route;
  }
  return ROOT;
}

// Returns {appId, tenantId} as the core derives them from the (lower-cased) path.
function identifiers(route, path) {
  const api = esc(route.path);
  let appId = 'public';
  let tenantId = null;
  if (!(route.root && (path === '' || path === '/'))) {
    const segs = path.split('/');
    if (new RegExp(`^/appid-[a-z0-9-]*(/[a-z0-9-]+)?${api}/?$`).test(path)) appId = segs[1].slice(6) || '';
    if (new RegExp(`^/appid-[a-z0-9-]*/[a-z0-9-]+${api}/?$`).test(path)) tenantId = segs[2];
    else if (new RegExp(`^/appid-[a-z0-9-]*${api}/?$`).test(path)) tenantId = null;
    else if (new RegExp(`^/[a-z0-9-]+${api}/?$`).test(path)) tenantId = segs[1];
  }
  if (tenantId === null || INVALID_TENANT_WORDS.includes(tenantId)) tenantId = 'public';
  return { appId, tenantId };
}

// The "/" API: Hello for the bare (app/tenant) root, 404 for unknown paths.
function rootReply(path, appId, tenantId) {
  let p = path;
  if (p.startsWith('/appid-')) p = p.replace(`/appid-${appId}`, '');
  if (tenantId !== 'public' || p.startsWith('/public')) p = p.replace(`/${tenantId}`, '');
  return p === '/' || p === '' ? text(200, 'Hello') : text(404, 'Not found');
}

module.exports = { buildRoutes, matchRoute, identifiers, rootReply };

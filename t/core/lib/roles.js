'use strict';
// Owns: the UserRoles recipe of the core double (webserver/api/userroles/*.java,
// userroles/UserRoles.java). Roles and their permissions are app-wide (public tenant storage);
// the user -> role mapping is per tenant. Roles and permissions are trimmed the Java way and an
// empty one is a 400. Lists come back in insertion order (the core's queries have no ORDER BY).

const { bad, json, parseJsonObject, str, query, javaTrim, publicTenantOnly } = require('./input');

const emptyField = (name) => bad(`Field name '${name}' cannot be an empty String`);

function roleFrom(value) {
  const role = javaTrim(value);
  if (role === '') throw emptyField('role');
  return role;
}

// InputParser.parseArrayOrThrowError(input, "permissions", true) + the per-element checks. Only an
// absent key counts as "not given": Gson hands back JsonNull for an explicit null, which is invalid.
function permissionsFrom(input) {
  if (!Object.prototype.hasOwnProperty.call(input, 'permissions')) return null;
  const list = input.permissions;
  if (!Array.isArray(list)) throw bad("Field name 'permissions' is invalid in JSON input");
  return list.map((p) => {
    if (typeof p !== 'string') throw bad("Field name 'permissions' is invalid in JSON input");
    const permission = javaTrim(p);
    if (permission === '') throw bad("Field name 'permissions' cannot contain an empty string");
    return permission;
  });
}

class UserRolesApi {
  constructor(store) { this.store = store; }

  data(appId) { return this.store.app(appId); }

  rolesOfTenant(appId, tenantId) {
    const all = this.data(appId).userRoles;
    if (!all.has(tenantId)) all.set(tenantId, new Map());
    return all.get(tenantId);
  }

  // PUT /recipe/role {role, permissions?} (app-wide)
  createRole(req) {
    const input = parseJsonObject(req.body);
    const role = roleFrom(str(input, 'role'));
    const permissions = permissionsFrom(input);
    publicTenantOnly(req);
    const roles = this.data(req.appId).roles;
    const createdNewRole = !roles.has(role);
    if (createdNewRole) roles.set(role, new Set());
    for (const p of permissions || []) roles.get(role).add(p);
    return json({ status: 'OK', createdNewRole });
  }

  // POST /recipe/role/remove {role}: also drops the role from every user in every tenant.
  deleteRole(req) {
    const input = parseJsonObject(req.body);
    const role = roleFrom(str(input, 'role'));
    publicTenantOnly(req);
    const app = this.data(req.appId);
    let didRoleExist = false;
    for (const users of app.userRoles.values()) {
      for (const set of users.values()) didRoleExist = set.delete(role) || didRoleExist;
    }
    didRoleExist = app.roles.delete(role) || didRoleExist;
    return json({ status: 'OK', didRoleExist });
  }

  // GET /recipe/role/permissions?role=
  permissionsOfRole(req) {
    const role = roleFrom(query(req.query, 'role'));
    publicTenantOnly(req);
    const perms = this.data(req.appId).roles.get(role);
    if (!perms) return json({ status: 'UNKNOWN_ROLE_ERROR' });
    return json({ permissions: [...perms], status: 'OK' });
  }

  // POST /recipe/role/permissions/remove {role, permissions?}: no permissions = all of them.
  removePermissions(req) {
    const input = parseJsonObject(req.body);
    const role = roleFrom(str(input, 'role'));
    const permissions = permissionsFrom(input);
    publicTenantOnly(req);
    const perms = this.data(req.appId).roles.get(role);
    if (!perms) return json({ status: 'UNKNOWN_ROLE_ERROR' });
    if (permissions === null) perms.clear();
    else for (const p of permissions) perms.delete(p);
    return json({ status: 'OK' });
  }

  // GET /recipe/permission/roles?permission=
  rolesWithPermission(req) {
    const permission = javaTrim(query(req.query, 'permission'));
    if (permission === '') throw emptyField('permission');
    publicTenantOnly(req);
    const roles = [];
    for (const [role, perms] of this.data(req.appId).roles) if (perms.has(permission)) roles.push(role);
    return json({ roles, status: 'OK' });
  }

  // GET /recipe/roles
  allRoles(req) {
    publicTenantOnly(req);
    return json({ roles: [...this.data(req.appId).roles.keys()], status: 'OK' });
  }

  // PUT /{t}/recipe/user/role {userId, role}. The user id is not checked: any string will do.
  addUserRole(req) {
    const input = parseJsonObject(req.body);
    const userId = str(input, 'userId');
    const role = roleFrom(str(input, 'role'));
    if (!this.data(req.appId).roles.has(role)) return json({ status: 'UNKNOWN_ROLE_ERROR' });
    const users = this.rolesOfTenant(req.appId, req.tenantId);
    if (!users.has(userId)) users.set(userId, new Set());
    const set = users.get(userId);
    const didUserAlreadyHaveRole = set.has(role);
    set.add(role);
    return json({ status: 'OK', didUserAlreadyHaveRole });
  }

  // POST /{t}/recipe/user/role/remove {userId, role}
  removeUserRole(req) {
    const input = parseJsonObject(req.body);
    const userId = str(input, 'userId');
    const role = roleFrom(str(input, 'role'));
    if (!this.data(req.appId).roles.has(role)) return json({ status: 'UNKNOWN_ROLE_ERROR' });
    const set = this.rolesOfTenant(req.appId, req.tenantId).get(userId);
    const didUserHaveRole = set ? set.delete(role) : false;
    return json({ status: 'OK', didUserHaveRole });
  }

  // GET /{t}/recipe/user/roles?userId=
  rolesOfUser(req) {
    const userId = query(req.query, 'userId');
    const set = this.rolesOfTenant(req.appId, req.tenantId).get(userId);
    return json({ roles: set ? [...set] : [], status: 'OK' });
  }

  // GET /{t}/recipe/role/users?role=
  usersWithRole(req) {
    const role = roleFrom(query(req.query, 'role'));
    if (!this.data(req.appId).roles.has(role)) return json({ status: 'UNKNOWN_ROLE_ERROR' });
    const users = [];
    for (const [userId, set] of this.rolesOfTenant(req.appId, req.tenantId)) if (set.has(role)) users.push(userId);
    return json({ users, status: 'OK' });
  }
}

module.exports = { UserRolesApi };

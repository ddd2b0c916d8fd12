'use strict';
// Owns: the EmailPassword recipe and user endpoints of the core double (users of every recipe
// live in one table: passwordless.js adds its own)
// (webserver/api/emailpassword/*.java, core/GetUserByIdAPI, core/ListUsersByAccountInfoAPI,
// core/UsersAPI (the paginated list),
// multitenancy tenant/v2) and the core's <user> JSON (AuthRecipeUserInfo.toJson), whose
// loginMethods[].verified comes from the email verification table.
// Passwords are stored as salted scrypt hashes.

const crypto = require('crypto');
const { promisify } = require('util');
const { bad, json, parseJsonObject, str, query, gte } = require('./input');
const { sha256 } = require('./tokens');

const scrypt = promisify(crypto.scrypt);
const SCRYPT = { N: 4096, r: 8, p: 1 }; // cheap on purpose: tests sign up many users

const normaliseEmail = (e) => e.trim().toLowerCase(); // Utils.normaliseEmail

// Utils.normalizeIfPhoneNumber parses with libphonenumber (region "ZZ": a '+' is needed) and
// formats E.164, else keeps the trimmed text. Approximated here: '+', digits and the usual
// separators become '+<digits>'; anything else is only trimmed (Java's String.trim).
function normalisePhone(p) {
  if (p === null) return null;
  const t = p.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '');
  if (/^\+[0-9 ().-]+$/.test(t)) {
    const digits = t.replace(/[^0-9]/g, '');
    if (digits.length >= 2 && digits.length <= 17) return `+${digits}`;
  }
  return t;
}

const USER_PAGINATION_LIMIT = 500; // AuthRecipe.USER_PAGINATION_LIMIT
// RECIPE_ID.getEnumFromString's names
const KNOWN_RECIPES = ['emailpassword', 'thirdparty', 'passwordless', 'webauthn'];

// UserPaginationToken.extractTokenInfo: base64 of "<userId>;<timeJoined>"; null when invalid.
function paginationTokenInfo(token) {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(token)) return null;
  const parts = Buffer.from(token, 'base64').toString().split(';');
  if (parts.length !== 2 || !/^[+-]?\d+$/.test(parts[1])) return null;
  return { userId: parts[0], timeJoined: Number(parts[1]) };
}

async function hashPassword(password) {
  const salt = crypto.randomBytes(16);
  const hash = await scrypt(password, salt, 32, SCRYPT);
  return `scrypt$${salt.toString('base64')}$${hash.toString('base64')}`;
}

async function checkPassword(password, stored) {
  const [, salt, hash] = stored.split('$');
  const got = await scrypt(password, Buffer.from(salt, 'base64'), 32, SCRYPT);
  return crypto.timingSafeEqual(got, Buffer.from(hash, 'base64'));
}

// 'passwordless' for passwordless.js's users (u.recipeId), 'thirdparty' for users made by
// POST /{t}/recipe/signinup (thirdparty.js), else 'emailpassword'.
const recipeOf = (u) => u.recipeId || (u.thirdParty ? 'thirdparty' : 'emailpassword');

// The core's <user>: CDI >= 4.0 => account-linking shape (webauthn from 5.3); older => flat shape
// (toJsonWithoutAccountLinking). Passwordless users have an email and/or a phone number.
// verified: whether (u.id, u.email) is in the email verification table; a user without an email
// counts as verified, as in the core.
function userJson(u, cdi, verified) {
  const email = u.email ?? null;
  const phone = u.phoneNumber ?? null;
  if (!gte(cdi, '4.0')) {
    const out = { id: u.id, timeJoined: u.timeJoined, tenantIds: [...u.tenantIds] };
    if (email !== null) out.email = email;
    if (phone !== null) out.phoneNumber = phone;
    if (!gte(cdi, '3.0')) delete out.tenantIds;
    return out;
  }
  const tp = u.thirdParty ? [{ id: u.thirdParty.id, userId: u.thirdParty.userId }] : [];
  const out = { id: u.id, isPrimaryUser: false, tenantIds: [...u.tenantIds], timeJoined: u.timeJoined,
    emails: email !== null ? [email] : [], phoneNumbers: phone !== null ? [phone] : [], thirdParty: tp };
  if (gte(cdi, '5.3')) out.webauthn = { credentialIds: [] };
  const method = { tenantIds: [...u.tenantIds], recipeUserId: u.id, verified, timeJoined: u.timeJoined,
    recipeId: recipeOf(u) };
  if (email !== null) method.email = email;
  if (phone !== null) method.phoneNumber = phone;
  if (u.thirdParty) method.thirdParty = { id: u.thirdParty.id, userId: u.thirdParty.userId };
  out.loginMethods = [method];
  return out;
}


class UserApi {
  constructor(store, settings) {
    this.store = store;
    this.settings = settings;
  }

  users(appId) { return this.store.app(appId).users; }

  userJson(appId, u, cdi) {
    return userJson(u, cdi, u.email == null || this.store.isEmailVerified(appId, u.id, u.email));
  }

  // The tenant's EmailPassword user with this email (passwordless users are another recipe).
  byEmail(appId, tenantId, email) {
    for (const u of this.users(appId).values()) {
      if (recipeOf(u) === 'emailpassword' && u.email === email && u.tenantIds.includes(tenantId)) return u;
    }
    return null;
  }

  // POST /{t}/recipe/signup
  async signUp(req) {
    const input = parseJsonObject(req.body);
    const email = normaliseEmail(str(input, 'email'));
    const password = str(input, 'password');
    if (password === '') throw bad('Password cannot be an empty string');
    if (this.byEmail(req.appId, req.tenantId, email)) return json({ status: 'EMAIL_ALREADY_EXISTS_ERROR' });
    const passwordHash = await hashPassword(password);
    // Re-check after the await: another sign-up may have raced us.
    if (this.byEmail(req.appId, req.tenantId, email)) return json({ status: 'EMAIL_ALREADY_EXISTS_ERROR' });
    const u = { id: crypto.randomUUID(), email, passwordHash, timeJoined: Date.now(),
      tenantIds: [req.tenantId] };
    this.users(req.appId).set(u.id, u);
    const out = { status: 'OK', user: this.userJson(req.appId, u, req.cdi) };
    if (gte(req.cdi, '4.0')) out.recipeUserId = u.id;
    return json(out);
  }

  // POST /{t}/recipe/signin
  async signIn(req) {
    const input = parseJsonObject(req.body);
    const email = normaliseEmail(str(input, 'email'));
    const password = str(input, 'password');
    const u = this.byEmail(req.appId, req.tenantId, email);
    if (!u || !(await checkPassword(password, u.passwordHash))) return json({ status: 'WRONG_CREDENTIALS_ERROR' });
    const out = { status: 'OK', user: this.userJson(req.appId, u, req.cdi) };
    if (gte(req.cdi, '4.0')) out.recipeUserId = u.id;
    return json(out);
  }

  // POST /{t}/recipe/user/password/reset/token
  resetToken(req) {
    const input = parseJsonObject(req.body);
    const userId = str(input, 'userId');
    const u = this.users(req.appId).get(userId);
    if (!u || recipeOf(u) !== 'emailpassword') return json({ status: 'UNKNOWN_USER_ID_ERROR' });
    const email = gte(req.cdi, '4.0') ? str(input, 'email') : u.email;
    // Same look as the core's tokens: base64 of a hex string with '=', '/', '+' removed.
    const token = Buffer.from(crypto.randomBytes(64).toString('hex')).toString('base64').replace(/[=/+]/g, '');
    this.store.app(req.appId).resetTokens.set(sha256(token), {
      userId, email, expiry: Date.now() + this.settings().passwordResetTokenLifetime });
    return json({ status: 'OK', token });
  }

  // POST /{t}/recipe/user/password/reset/token/consume
  consumeResetToken(req) {
    const input = parseJsonObject(req.body);
    const token = str(input, 'token');
    const tokens = this.store.app(req.appId).resetTokens;
    const info = tokens.get(sha256(token));
    if (!info) return json({ status: 'RESET_PASSWORD_INVALID_TOKEN_ERROR' });
    for (const [k, v] of tokens) if (v.userId === info.userId) tokens.delete(k); // all of the user's tokens go
    if (info.expiry < Date.now()) return json({ status: 'RESET_PASSWORD_INVALID_TOKEN_ERROR' });
    return json({ status: 'OK', userId: info.userId, email: info.email });
  }

  // PUT /recipe/user
  async updateUser(req) {
    const input = parseJsonObject(req.body);
    const userId = str(input, gte(req.cdi, '4.0') ? 'recipeUserId' : 'userId');
    let email = str(input, 'email', true);
    const password = str(input, 'password', true);
    if (email === null && password === null) throw bad('You have to provide either email or password.');
    if (email !== null) email = normaliseEmail(email);
    const u = this.users(req.appId).get(userId);
    if (!u || recipeOf(u) !== 'emailpassword') return json({ status: 'UNKNOWN_USER_ID_ERROR' });
    if (email !== null && email !== u.email) {
      for (const t of u.tenantIds) {
        const other = this.byEmail(req.appId, t, email);
        if (other && other.id !== u.id) return json({ status: 'EMAIL_ALREADY_EXISTS_ERROR' });
      }
    }
    const passwordHash = password !== null ? await hashPassword(password) : null;
    if (email !== null) u.email = email;
    if (passwordHash !== null) u.passwordHash = passwordHash;
    return json({ status: 'OK' });
  }

  // GET /recipe/user?userId= | ?email= (deprecated; not used by supertokens-node 24)
  getUserDeprecated(req) {
    const userId = query(req.query, 'userId', true);
    const email = query(req.query, 'email', true);
    if (userId !== null && email !== null) throw bad('Please provide only one of userId or email');
    if (userId === null && email === null) throw bad('Please provide one of userId or email');
    const u = userId !== null ? this.users(req.appId).get(userId)
      : this.byEmail(req.appId, req.tenantId, normaliseEmail(email));
    if (!u) return json({ status: userId !== null ? 'UNKNOWN_USER_ID_ERROR' : 'UNKNOWN_EMAIL_ERROR' });
    return json({ status: 'OK', user: this.userJson(req.appId, u, req.cdi) });
  }

  // GET /user/id?userId=
  getUserById(req) {
    const userId = query(req.query, 'userId');
    const u = this.users(req.appId).get(userId);
    if (!u) return json({ status: 'UNKNOWN_USER_ID_ERROR' });
    return json({ status: 'OK', user: this.userJson(req.appId, u, gte(req.cdi, '4.0') ? req.cdi : '4.0') });
  }

  // GET /{t}/users/by-accountinfo?email=&doUnionOfAccountInfo=
  byAccountInfo(req) {
    let email = query(req.query, 'email', true);
    const phoneNumber = query(req.query, 'phoneNumber', true);
    const thirdPartyId = query(req.query, 'thirdPartyId', true);
    const thirdPartyUserId = query(req.query, 'thirdPartyUserId', true);
    const webauthn = query(req.query, 'webauthnCredentialId', true);
    const union = query(req.query, 'doUnionOfAccountInfo');
    if (union !== 'true' && union !== 'false') {
      throw bad("'doUnionOfAccountInfo' should be either 'true' or 'false'");
    }
    if ((thirdPartyId === null) !== (thirdPartyUserId === null)) {
      throw bad("If 'thirdPartyId' is provided, 'thirdPartyUserId' must also be provided, and vice versa");
    }
    if (email !== null) email = normaliseEmail(email);
    const phone = normalisePhone(phoneNumber);
    // Users have an email and/or a phone number and maybe third-party info; webauthn never matches.
    const users = [];
    for (const u of this.users(req.appId).values()) {
      if (!u.tenantIds.includes(req.tenantId)) continue;
      const checks = [];
      if (email !== null) checks.push(u.email === email);
      if (phone !== null) checks.push(u.phoneNumber === phone);
      if (thirdPartyId !== null) checks.push(!!u.thirdParty && u.thirdParty.id === thirdPartyId
        && u.thirdParty.userId === thirdPartyUserId);
      if (webauthn !== null) checks.push(false);
      if (checks.length && (union === 'true' ? checks.some(Boolean) : checks.every(Boolean))) users.push(u);
    }
    users.sort((a, b) => a.timeJoined - b.timeJoined);
    return json({ status: 'OK', users: users.map((u) => this.userJson(req.appId, u, gte(req.cdi, '4.0') ? req.cdi : '4.0')) });
  }

  // GET /{t}/users?limit=&timeJoinedOrder=&paginationToken=&includeRecipeIds=&email= (UsersAPI):
  // the tenant's users, oldest first unless DESC, at most `limit` (default 100, at most 500
  // without a search), then nextPaginationToken = base64("<userId>;<timeJoined>") of the next one
  // (UserPaginationToken). `email` is the dashboard search: ';'-separated prefixes, lower-cased.
  listUsers(req) {
    const recipes = query(req.query, 'includeRecipeIds', true);
    for (const id of recipes === null ? [] : recipes.split(',').map((x) => x.trim())) {
      if (!KNOWN_RECIPES.includes(id)) throw bad(`Unknown recipe ID: ${id}`);
    }
    const token = query(req.query, 'paginationToken', true);
    const limitText = query(req.query, 'limit', true);
    let limit = null;
    if (limitText !== null) {
      limit = /^[+-]?\d+$/.test(limitText) ? Number(limitText) : NaN;
      if (!Number.isSafeInteger(limit) || limit > 2147483647 || limit < -2147483648) {
        throw bad("Field name 'limit' must be an int in the GET request");
      }
    }
    const order = query(req.query, 'timeJoinedOrder', true) ?? 'ASC';
    if (order !== 'ASC' && order !== 'DESC') throw bad('timeJoinedOrder can be either ASC OR DESC');
    const emails = (query(req.query, 'email', true) ?? '').split(';').map((e) => e.toLowerCase().trim()).filter(Boolean);
    const search = emails.length > 0;
    if (limit !== null) {
      if (limit > USER_PAGINATION_LIMIT && !search) throw bad(`max limit allowed is ${USER_PAGINATION_LIMIT}`);
      if (limit < 1) throw bad('limit must a positive integer with min value 1');
    } else limit = 100;
    const sign = order === 'ASC' ? 1 : -1;
    // ORDER BY time_joined <order>, user_id DESC, as the core's query
    const cmp = (a, b) => sign * (a.timeJoined - b.timeJoined) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
    let list = [...this.users(req.appId).values()].filter((u) => u.tenantIds.includes(req.tenantId)
      && (recipes === null || recipes.split(',').map((x) => x.trim()).includes(recipeOf(u)))
      && (!search || (u.email != null && emails.some((e) => u.email.startsWith(e)))));
    list.sort(cmp);
    if (token !== null) {
      const from = paginationTokenInfo(token);
      if (from === null) throw bad('invalid pagination token');
      list = list.filter((u) => cmp(u, { id: from.userId, timeJoined: from.timeJoined }) >= 0);
    }
    // before CDI 4.0 each entry is {recipeId, user} (toJsonWithoutAccountLinking)
    const entry = (u) => (gte(req.cdi, '4.0') ? this.userJson(req.appId, u, req.cdi)
      : { recipeId: recipeOf(u), user: this.userJson(req.appId, u, req.cdi) });
    const out = { status: 'OK', users: list.slice(0, limit).map(entry) };
    if (list.length > limit) {
      const next = list[limit];
      out.nextPaginationToken = Buffer.from(`${next.id};${next.timeJoined}`).toString('base64');
    }
    return json(out);
  }

  // GET /{t}/recipe/multitenancy/tenant/v2: every recipe enabled, so no firstFactors key; the
  // tenant's third-party providers as PUT /{t}/recipe/multitenancy/config/thirdparty stored them.
  tenantConfig(req) {
    if (!this.store.tenantExists(req.appId, req.tenantId)) return json({ status: 'TENANT_NOT_FOUND_ERROR' });
    const providers = this.store.app(req.appId).providers.get(req.tenantId) || [];
    return json({ tenantId: req.tenantId, thirdParty: { providers: providers.map((x) => ({ ...x })) },
      coreConfig: {}, status: 'OK' });
  }
}

module.exports = { UserApi, userJson, normaliseEmail, normalisePhone, recipeOf };

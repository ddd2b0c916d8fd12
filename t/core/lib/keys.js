'use strict';
// Owns: the RS256 signing keys of the core double — dynamic keys (kid d-<createdAtMs>,
// rotated by time or on demand), the static key (kid s-<uuid>), the "foreign" key used to
// forge tokens that no JWKS knows, and the JWKS document with its Cache-Control max-age.
// Mirrors supertokens-core signingkeys/{SigningKeys,AccessTokenSigningKey}.java in spirit.

const crypto = require('crypto');
const { promisify } = require('util');

const generateKeyPair = promisify(crypto.generateKeyPair);
const RSA_OPTS = { modulusLength: 2048, publicExponent: 0x10001 };

function wrap(kid, kind, createdAt, usableFrom, pair) {
  const jwk = pair.publicKey.export({ format: 'jwk' });
  return {
    kid, kind, createdAt, usableFrom,
    privateKey: pair.privateKey,
    publicKey: pair.publicKey,
    // Key order as the core emits it: kty, kid, n, e, alg, use.
    jwk: { kty: 'RSA', kid, n: jwk.n, e: jwk.e, alg: 'RS256', use: 'sig' },
  };
}

class KeyRing {
  // settings() returns the live config ({keyRotationInterval (h), accessTokenValidity (s)}).
  constructor(settings) {
    this.settings = settings;
    this.dynamic = []; // newest first
    this.static = [];
    this.foreignKey = null;
  }

  // Startup: generate the first dynamic and the static key in parallel (keeps start < 1 s).
  async init() {
    const [d, s] = await Promise.all([generateKeyPair('rsa', RSA_OPTS), generateKeyPair('rsa', RSA_OPTS)]);
    const now = Date.now();
    this.dynamic = [wrap(`d-${now}`, 'dynamic', now, now, d)];
    this.static = [wrap(`s-${crypto.randomUUID()}`, 'static', now, now, s)];
  }

  intervalMs() { return this.settings().keyRotationInterval * 3600 * 1000; }

  // The core publishes a new dynamic key this long before it signs with it (60 s, or interval/5 if shorter).
  overlapMs() { return Math.min(60000, this.intervalMs() / 5); }

  // Creates a new dynamic key. immediate=true (test control) makes it the signing key at once.
  newDynamicKey(immediate) {
    let now = Date.now();
    if (this.dynamic.length && now <= this.dynamic[0].createdAt) now = this.dynamic[0].createdAt + 1; // unique kid
    const key = wrap(`d-${now}`, 'dynamic', now, immediate ? now : now + this.overlapMs(),
      crypto.generateKeyPairSync('rsa', RSA_OPTS));
    this.dynamic.unshift(key);
    return key;
  }

  // Time-based rotation and expiry of old dynamic keys, done lazily on every key access.
  tick() {
    const now = Date.now();
    if (now + this.overlapMs() > this.dynamic[0].createdAt + this.intervalMs()) this.newDynamicKey(false);
    const lifetime = this.intervalMs() + 2 * this.settings().accessTokenValidity * 1000;
    this.dynamic = this.dynamic.filter((k, i) => i === 0 || k.createdAt + lifetime >= now);
  }

  rotate({ dropOld = false } = {}) {
    const key = this.newDynamicKey(true);
    if (dropOld) this.dynamic = [key];
    return key;
  }

  signingKey(useStatic) {
    if (useStatic) return this.static[0];
    this.tick();
    const now = Date.now();
    return this.dynamic.find((k) => k.usableFrom <= now) || this.dynamic[0];
  }

  byKid(kid) {
    this.tick();
    return this.dynamic.find((k) => k.kid === kid) || this.static.find((k) => k.kid === kid) || null;
  }

  all() {
    this.tick();
    return [...this.dynamic, ...this.static];
  }

  // Made on first use (keeps start-up fast); its kid looks dynamic but no JWKS ever lists it.
  foreign() {
    if (!this.foreignKey) {
      const now = Date.now();
      this.foreignKey = wrap(`d-${this.dynamic[this.dynamic.length - 1].createdAt - 1000}`, 'foreign', now, now,
        crypto.generateKeyPairSync('rsa', RSA_OPTS));
    }
    return this.foreignKey;
  }

  // {keys:[dynamic newest first, then static]}, plus the max-age the core advertises.
  jwks() {
    const keys = this.all().map((k) => ({ ...k.jwk }));
    const maxAge = Math.max(1, Math.floor(
      (this.dynamic[0].createdAt + this.intervalMs() - this.overlapMs() - Date.now()) / 1000));
    return { keys, maxAge };
  }
}

module.exports = { KeyRing };

'use strict';
// Owns: JWT byte-level encoding for the core double — base64 flavours, compact
// serialisation with caller-controlled key order, RS256/HS256/none signing and
// the core's (not the SDK's) parsing rules for access tokens (supertokens-core
// session/jwt/JWT.java preParseJWTInfo).

const crypto = require('crypto');

// The two legacy headers are compared as exact strings, like the core does.
const HEADER_V1 = Buffer.from('{"alg":"RS256","typ":"JWT","version":"1"}').toString('base64');
const HEADER_V2 = Buffer.from('{"alg":"RS256","typ":"JWT","version":"2"}').toString('base64');

const b64url = (data) => Buffer.from(data).toString('base64url');
const b64std = (data) => Buffer.from(data).toString('base64');
// Node's base64 decoder accepts both alphabets and missing padding, like Java's lenient paths do.
const b64decode = (s) => Buffer.from(String(s), 'base64');

class JWTError extends Error {
  // Java's Exception.toString() is "<class>: <message>"; the core puts that in TRY_REFRESH_TOKEN messages.
  constructor(msg) { super(msg); this.javaString = `io.supertokens.session.jwt.JWT$JWTException: ${msg}`; }
}

// header/payload: objects (serialised with insertion order) or raw JSON strings (used verbatim).
// signer(signingInputString) => Buffer signature ('' for alg none).
function encode({ header, payload, encoding = 'b64url', signer }) {
  const enc = encoding === 'b64std' ? b64std : b64url;
  const h = enc(typeof header === 'string' ? header : JSON.stringify(header));
  const p = enc(typeof payload === 'string' ? payload : JSON.stringify(payload));
  const sig = signer(`${h}.${p}`);
  return `${h}.${p}.${sig.length ? enc(sig) : ''}`;
}

function rs256Signer(privateKey) {
  return (input) => crypto.sign('sha256', Buffer.from(input), privateKey);
}

function hs256Signer(secret) {
  return (input) => crypto.createHmac('sha256', String(secret)).update(input).digest();
}

function rs256Verify(signingInput, sigB64, publicKey) {
  try {
    return crypto.verify('sha256', Buffer.from(signingInput), publicKey, b64decode(sigB64));
  } catch {
    return false;
  }
}

// Mirrors JWT.preParseJWTInfo: returns {parts, version (number), kid}; throws JWTError.
function preParse(token) {
  // Java's String.split drops trailing empty strings, so "h.p." (alg none) has 2 parts.
  const parts = String(token).split('.');
  while (parts.length && parts[parts.length - 1] === '') parts.pop();
  if (parts.length !== 3) throw new JWTError('Invalid JWT');
  if (parts[0] === HEADER_V1) return { parts, version: 1, kid: null };
  if (parts[0] === HEADER_V2) return { parts, version: 2, kid: null };
  let h;
  try {
    h = JSON.parse(b64decode(parts[0]).toString('utf8'));
  } catch {
    throw new JWTError('Invalid JWT');
  }
  if (!h || typeof h !== 'object' || Array.isArray(h)) throw new JWTError('Invalid JWT');
  if (h.typ === undefined || h.typ === null || typeof h.typ === 'object') throw new JWTError('JWT header missing - typ');
  if (h.typ !== 'JWT') throw new JWTError('JWT header mismatch - typ');
  if (h.alg === undefined || h.alg === null || typeof h.alg === 'object') throw new JWTError('JWT header missing - alg');
  if (h.alg !== 'RS256') throw new JWTError('JWT header mismatch - alg');
  let version = '5'; // the core defaults to its latest version when the header has none
  if (h.version !== undefined) {
    if (typeof h.version !== 'string' || h.version === '1' || h.version === '2') {
      throw new JWTError('JWT header mismatch - version');
    }
    version = h.version;
  }
  if (h.kid === undefined || h.kid === null || typeof h.kid === 'object') throw new JWTError('JWT header missing - kid');
  if (typeof h.kid !== 'string') throw new JWTError('JWT header mismatch - kid');
  if (!['3', '4', '5'].includes(version)) throw new JWTError('JWT header mismatch - version');
  return { parts, version: Number(version), kid: h.kid };
}

function decodePayload(parts) {
  const v = JSON.parse(b64decode(parts[1]).toString('utf8'));
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new JWTError('Invalid JWT');
  return v;
}

module.exports = {
  HEADER_V1, HEADER_V2, JWTError,
  b64url, b64std, b64decode, encode, rs256Signer, hs256Signer, rs256Verify, preParse, decodePayload,
};

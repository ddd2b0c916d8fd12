'use strict';
// The shared email fixture (t/unit/fixtures/email_cases.json) against supertokens-node 24.0.3
// itself: every case's "rule" verdict is what the SDK's defaultEmailValidator answers and its
// "form" verdict what the SDK's validateFormFieldsOrThrowError answers for an email field
// (it trims, then validates). t/unit/test_form.c holds src/form.c to the same verdicts, so
// the module's rule is checked against the reference implementation, not against itself.

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const path = require('path');

const SDK = path.join(__dirname, '..', 'sdk', 'node_modules', 'supertokens-node');
const FIXTURE = path.join(__dirname, '..', '..', 'unit', 'fixtures', 'email_cases.json');

function sdkRequire(rel) {
  try {
    return require(path.join(SDK, rel));
  } catch (e) {
    throw new Error(`cannot load ${rel} from ${SDK}: run build/run-core-tests (it installs t/core/sdk). ${e.message}`);
  }
}

// An email is a string, or pieces: a string, or [text, n] for text repeated n times.
function build(email) {
  if (typeof email === 'string') return email;
  return email.map((p) => (typeof p === 'string' ? p : p[0].repeat(p[1]))).join('');
}

// A readable name for a case: the code points outside printable ASCII written as U+XXXX.
function label(c) {
  const s = build(c.email);
  const shown = s.length > 60 ? `${s.slice(0, 30)}…(${s.length} code units)` : s;
  return `${JSON.stringify(shown).replace(/[^\x20-\x7e]/gu, (ch) => `<U+${ch.codePointAt(0).toString(16).toUpperCase()}>`)}: ${c.why}`;
}

describe('email rule fixture vs supertokens-node 24 (defaultEmailValidator)', () => {
  const { version } = sdkRequire('lib/build/version');
  const { defaultEmailValidator } = sdkRequire('lib/build/recipe/emailpassword/utils');
  const { validateFormFieldsOrThrowError } = sdkRequire('lib/build/recipe/emailpassword/api/utils');
  const { cases } = require(FIXTURE);
  const emailField = [{ id: 'email', validate: defaultEmailValidator, optional: false }];

  // The SDK's FIELD_ERROR text for the email field, null when it passes.
  async function formVerdict(value) {
    try {
      await validateFormFieldsOrThrowError(emailField, [{ id: 'email', value }], 'public', {});
      return null;
    } catch (e) {
      if (e.type !== 'FIELD_ERROR') throw e;
      assert.equal(e.payload.length, 1);
      assert.equal(e.payload[0].id, 'email');
      return e.payload[0].error;
    }
  }

  it('runs the pinned SDK and a fixture worth the name', () => {
    assert.equal(version, '24.0.3');
    assert.ok(cases.length > 100);
    assert.ok(cases.some((c) => c.rule === null) && cases.some((c) => c.rule === 'Email is invalid'));
  });

  for (const c of cases) {
    it(label(c), async () => {
      const value = build(c.email);
      const rule = (await defaultEmailValidator(value)) ?? null;
      assert.equal(rule, c.rule, 'defaultEmailValidator');
      assert.equal(await formVerdict(value), 'form' in c ? c.form : c.rule, 'validateFormFieldsOrThrowError');
    });
  }
});

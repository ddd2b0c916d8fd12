#!/usr/bin/env node
// t/oidc/server.mjs: a real OpenID Connect provider for the ThirdParty browser tests:
// panva's certified oidc-provider (8.8.1, the newest release that runs on Node.js 20), with its
// development login and consent screens (any login, any password), one confidential client
// that must use PKCE, and an RS256 key made at start-up.
//
//   node t/oidc/server.mjs --port P --redirect-uri URL [--redirect-uri URL ...]
//
// The client: client_id "apache-oidc", client_secret "oidc-client-secret" sent in the form
// (client_secret_post, as supertokens-node sends it), the redirect URIs given. A login "alice"
// is the account alice with the email alice@example.com (verified); a login that is an email
// is that email. Claims by scope: openid (sub), email (email, email_verified), profile (name);
// the ID token carries only sub (OpenID Connect's default for response_type=code), so the
// email comes from the userinfo endpoint, as with most real providers.
// GET /__ctl/events lists what happened (event names, client ids, error codes; never codes or
// tokens). Prints "oidc-provider listening on 127.0.0.1:<port>" when ready.
import crypto from 'node:crypto';
import Provider from 'oidc-provider';

const argv = process.argv.slice(2);
const arg = (name) => argv.flatMap((v, i) => (v === `--${name}` && i + 1 < argv.length ? [argv[i + 1]] : []));
const port = Number(arg('port')[0] || 0);
const redirectUris = arg('redirect-uri');
if (!port || redirectUris.length === 0) {
  process.stderr.write('usage: server.mjs --port P --redirect-uri URL [--redirect-uri URL ...]\n');
  process.exit(2);
}

const issuer = `http://127.0.0.1:${port}`;
const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'oidc-rsa-1', alg: 'RS256', use: 'sig' };

const events = [];
const note = (name, extra) => {
  events.push({ name, ...extra });
  process.stdout.write(`${new Date().toISOString()} ${name} ${JSON.stringify(extra || {})}\n`);
};

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'apache-oidc',
    client_secret: 'oidc-client-secret',
    redirect_uris: redirectUris,
    token_endpoint_auth_method: 'client_secret_post',
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  jwks: { keys: [signingKey] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  async findAccount(ctx, id) {
    const email = id.includes('@') ? id : `${id}@example.com`;
    return {
      accountId: id,
      async claims() { return { sub: id, email, email_verified: true, name: id }; },
    };
  },
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true }, userinfo: { enabled: true } },
  // plain http on 127.0.0.1: SameSite=None cookies would need Secure, so Lax (every step of
  // the flow is a top-level navigation)
  cookies: { keys: [crypto.randomBytes(32).toString('hex')], long: { sameSite: 'lax' }, short: { sameSite: 'lax' } },
});

for (const ev of ['authorization.success', 'grant.success', 'interaction.started', 'interaction.ended']) {
  provider.on(ev, (ctx) => note(ev, { client: ctx.oidc && ctx.oidc.client && ctx.oidc.client.clientId }));
}
for (const ev of ['authorization.error', 'grant.error', 'userinfo.error', 'server_error']) {
  provider.on(ev, (ctx, err) => note(ev, { error: err && (err.error || err.message), detail: err && err.error_description }));
}
provider.on('access_token.saved', (t) => note('access_token.saved', { client: t.clientId }));

// The test's view of what happened; before the provider's own routes.
provider.use(async (ctx, next) => {
  if (ctx.path === '/__ctl/events') {
    ctx.type = 'application/json';
    ctx.body = JSON.stringify({ events });
    return;
  }
  if (ctx.path === '/__ctl/reset' && ctx.method === 'POST') {
    events.length = 0;
    ctx.type = 'application/json';
    ctx.body = '{"status":"OK"}';
    return;
  }
  await next();
});

const server = provider.listen(port, '127.0.0.1', () => {
  process.stdout.write(`oidc-provider listening on 127.0.0.1:${server.address().port}\n`);
});
const parent = process.ppid;
setInterval(() => { if (process.ppid !== parent) process.exit(0); }, 500).unref();
process.on('SIGTERM', () => process.exit(0));

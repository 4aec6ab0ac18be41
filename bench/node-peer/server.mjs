// node-oidc-provider peer for Gatehouse's benchmark harness.
//
// oidc-provider 9.x (the engine inside Logto) with the in-memory adapter,
// mounted at /oidc like Logto mounts it. Interactions are completed by two
// tiny JSON routes (no devInteractions, no HTML):
//   POST /interaction/:uid/login   {"username","password"}  -> 303 back to /oidc/auth/:uid
//   POST /interaction/:uid/confirm {}                        -> 303 back to /oidc/auth/:uid
// Passwords are argon2id (hash-wasm, the library Logto uses) with Gatehouse's
// parameters (19 MiB, t=2, p=1), so a sign-in does the same hashing work.
//
// Run by bench/cmd/gbench from a copy in the bench cache, next to node_modules.
// Environment: PORT, STATE_DIR (keys.json and users.json are made there on
// the first start and loaded afterwards), SPA_REDIRECT, M2M_SECRET,
// BENCH_PASSWORD, BENCH_USERS, ID_TOKEN_ALG (default ES256).
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import Provider, { errors } from 'oidc-provider';
import { argon2id, argon2Verify } from 'hash-wasm';

const port = Number(process.env.PORT || 18081);
const base = `http://127.0.0.1:${port}`;
const stateDir = process.env.STATE_DIR || '.';
const spaRedirect = process.env.SPA_REDIRECT || `${base}/cb`;
const m2mSecret = process.env.M2M_SECRET || 'bench-m2m-secret-0123456789abcdef';
const password = process.env.BENCH_PASSWORD || 'Bench-Passw0rd!x';
const nUsers = Number(process.env.BENCH_USERS || 8);
const idTokenAlg = process.env.ID_TOKEN_ALG || 'ES256';

function ecKey(crv, alg) {
  const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: crv });
  const jwk = privateKey.export({ format: 'jwk' });
  jwk.kid = crypto.randomBytes(8).toString('hex');
  jwk.alg = alg;
  jwk.use = 'sig';
  return jwk;
}

// Keys: loaded from STATE_DIR, generated only on the first start.
const keysFile = path.join(stateDir, 'keys.json');
let keys;
if (fs.existsSync(keysFile)) {
  keys = JSON.parse(fs.readFileSync(keysFile, 'utf8'));
} else {
  // Logto's default signing key is EC P-384 (ES384); it comes first.
  keys = [ecKey('P-384', 'ES384'), ecKey('P-256', 'ES256')];
  fs.writeFileSync(keysFile, JSON.stringify(keys));
}

// Users: argon2id hashes made once, then loaded.
const usersFile = path.join(stateDir, 'users.json');
let users;
if (fs.existsSync(usersFile)) {
  users = JSON.parse(fs.readFileSync(usersFile, 'utf8'));
} else {
  users = {};
  for (let i = 0; i < nUsers; i += 1) {
    users[`bench${i}`] = await argon2id({
      password,
      salt: crypto.randomBytes(16),
      parallelism: 1,
      iterations: 2,
      memorySize: 19456,
      hashLength: 32,
      outputType: 'encoded',
    });
  }
  fs.writeFileSync(usersFile, JSON.stringify(users));
}

const resources = {
  'https://api.bench': 'ES256',
  'https://api.bench384': 'ES384',
};

const provider = new Provider(`${base}/oidc`, {
  clients: [
    {
      client_id: 'bench-m2m',
      client_secret: m2mSecret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    {
      client_id: 'bench-spa',
      application_type: 'web',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [spaRedirect],
      id_token_signed_response_alg: idTokenAlg,
    },
  ],
  clientDefaults: {
    grant_types: ['authorization_code'],
    id_token_signed_response_alg: idTokenAlg,
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  },
  jwks: { keys },
  cookies: { keys: ['gatehouse-bench-cookie-key-0123456789'] },
  enabledJWA: {
    idTokenSigningAlgValues: ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA'],
  },
  // Logto's scopes and claims (@logto/core-kit userClaims), so the peer's
  // discovery document describes what Gatehouse's (and Logto's) does.
  claims: {
    openid: ['sub'],
    profile: ['name', 'family_name', 'given_name', 'middle_name', 'nickname', 'preferred_username', 'profile',
      'picture', 'website', 'gender', 'birthdate', 'zoneinfo', 'locale', 'updated_at', 'username', 'created_at'],
    email: ['email', 'email_verified'],
    phone: ['phone_number', 'phone_number_verified'],
    address: ['address'],
    custom_data: ['custom_data'],
    identities: ['identities', 'sso_identities'],
    roles: ['roles'],
    'urn:logto:scope:organizations': ['organizations'],
    'urn:logto:scope:organization_roles': ['organization_roles'],
  },
  features: {
    devInteractions: { enabled: false },
    introspection: { enabled: true },
    revocation: { enabled: true },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async (_ctx, _client, oneOf) => oneOf,
      useGrantedResource: async () => false,
      getResourceServerInfo: async (_ctx, indicator) => {
        const alg = resources[indicator];
        if (!alg) throw new errors.InvalidTarget();
        return {
          scope: 'read write',
          audience: indicator,
          accessTokenTTL: 3600,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg } },
        };
      },
    },
  },
  findAccount: async (_ctx, sub) => ({
    accountId: sub,
    claims: async () => ({ sub }),
  }),
  interactions: {
    url: async (_ctx, interaction) => `/interaction/${interaction.uid}`,
  },
  pkce: { required: () => true },
  ttl: {
    AccessToken: 3600,
    AuthorizationCode: 60,
    IdToken: 3600,
    RefreshToken: 14 * 24 * 3600,
    ClientCredentials: 3600,
    Interaction: 3600,
    Session: 14 * 24 * 3600,
    Grant: 14 * 24 * 3600,
  },
  renderError: async (ctx, out) => {
    ctx.type = 'json';
    ctx.body = out;
  },
});
provider.proxy = false;

function readJSON(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > 1 << 20) { reject(new Error('body too large')); req.destroy(); return; }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!chunks.length) { resolve({}); return; }
      try { resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))); } catch (e) { reject(e); }
    });
    req.on('error', reject);
  });
}

function sendJSON(res, status, body) {
  const buf = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': buf.length });
  res.end(buf);
}

async function login(req, res) {
  const details = await provider.interactionDetails(req, res);
  if (details.prompt.name !== 'login') { sendJSON(res, 400, { error: 'not_login' }); return; }
  const { username, password: pw } = await readJSON(req);
  const hash = typeof username === 'string' ? users[username] : undefined;
  const ok = hash !== undefined && typeof pw === 'string'
    && await argon2Verify({ password: pw, hash });
  if (!ok) { sendJSON(res, 422, { error: 'invalid_credentials' }); return; }
  await provider.interactionFinished(req, res, { login: { accountId: username } }, { mergeWithLastSubmission: false });
}

async function confirm(req, res) {
  const details = await provider.interactionDetails(req, res);
  const { prompt: { name, details: missing }, params, session } = details;
  if (name !== 'consent') { sendJSON(res, 400, { error: 'not_consent' }); return; }
  let grant;
  if (details.grantId) {
    grant = await provider.Grant.find(details.grantId);
  } else {
    grant = new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  }
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  if (missing.missingResourceScopes) {
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes)) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
  }
  const grantId = await grant.save();
  const consent = {};
  if (!details.grantId) consent.grantId = grantId;
  await provider.interactionFinished(req, res, { consent }, { mergeWithLastSubmission: true });
}

const oidc = provider.callback();
const interactionRe = /^\/interaction\/([A-Za-z0-9_-]+)\/(login|confirm)$/;

const server = http.createServer((req, res) => {
  const url = req.url || '/';
  if (url === '/oidc' || url.startsWith('/oidc/') || url.startsWith('/oidc?')) {
    // Mount like express does: originalUrl keeps the prefix.
    req.originalUrl = url;
    req.url = url.slice(5) || '/';
    oidc(req, res);
    return;
  }
  const m = interactionRe.exec(url);
  if (m && req.method === 'POST') {
    const fn = m[2] === 'login' ? login : confirm;
    fn(req, res).catch((err) => {
      if (!res.headersSent) sendJSON(res, 400, { error: String(err && err.message || err) });
      else res.end();
    });
    return;
  }
  if (url.startsWith('/interaction/')) {
    sendJSON(res, 200, { interaction: true });
    return;
  }
  sendJSON(res, 404, { error: 'not_found' });
});
server.keepAliveTimeout = 65000;
server.listen(port, '127.0.0.1');

for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => { server.close(); server.closeAllConnections?.(); process.exit(0); });
}

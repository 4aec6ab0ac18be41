// Logto's own SDK, @logto/node, against a running Gatehouse, unchanged: the
// app supplies only the storage and navigate adapters (a Map, and a
// function that records where the SDK sends the browser); the browser part
// is driven through the Experience API. Endpoints come from discovery at
// `${endpoint}/oidc/.well-known/openid-configuration`, as with Logto.

import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import LogtoClient from '@logto/node';
import { config } from './lib/config.js';
import { browserSignIn } from './lib/experience.js';
import { followLogout, oauthError, scopeSet, verifyResourceToken } from './lib/check.js';

const allResourceScopes = [...config.resourceUserScopes, ...config.resourceOtherScopes];

/** A LogtoClient with in-memory storage and a navigate that records URLs. */
function makeClient(app) {
  const storage = new Map();
  const navigations = [];
  const logto = new LogtoClient(
    {
      endpoint: config.url,
      appId: app.id,
      ...(app.secret ? { appSecret: app.secret } : {}),
      resources: [config.resource],
      scopes: allResourceScopes,
    },
    {
      storage: {
        getItem: async (key) => storage.get(key) ?? null,
        setItem: async (key, value) => {
          storage.set(key, value);
        },
        removeItem: async (key) => {
          storage.delete(key);
        },
      },
      navigate: (url, params) => {
        navigations.push({ url, params });
      },
    },
  );
  return { logto, storage, navigations };
}

/** A raw refresh-token request as the SDK makes it (for checks after sign-out). */
async function refreshRaw(app, refreshToken) {
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  if (app.secret) headers.authorization = `Basic ${Buffer.from(`${app.id}:${app.secret}`).toString('base64')}`;
  const res = await fetch(`${config.issuer}/token`, {
    method: 'POST',
    headers,
    body: new URLSearchParams({ client_id: app.id, grant_type: 'refresh_token', refresh_token: refreshToken }),
  });
  return { status: res.status, body: await res.json().catch(() => undefined) };
}

const apps = [
  { name: 'Traditional web app with appSecret (client_secret_basic)', app: () => config.web },
  { name: 'public SPA-type app without a secret', app: () => config.spa },
];

for (const { name, app: getApp } of apps) {
  describe(`@logto/node: ${name}`, () => {
    let app;
    let logto;
    let storage;
    let navigations;
    let browser;
    let refreshTokenBeforeSignOut;

    before(() => {
      app = getApp();
      ({ logto, storage, navigations } = makeClient(app));
    });

    test('signIn sends what Logto SDKs send: prompt=consent, reserved scopes, resource, PKCE S256', async () => {
      await logto.signIn(app.redirectUri);
      assert.equal(navigations.length, 1);
      const url = new URL(navigations[0].url);
      assert.equal(`${url.origin}${url.pathname}`, `${config.issuer}/auth`);
      const q = url.searchParams;
      assert.equal(q.get('client_id'), app.id);
      assert.equal(q.get('redirect_uri'), app.redirectUri);
      assert.equal(q.get('response_type'), 'code');
      assert.equal(q.get('prompt'), 'consent');
      assert.equal(q.get('code_challenge_method'), 'S256');
      assert.deepEqual(q.getAll('resource'), [config.resource]);
      for (const s of ['openid', 'offline_access', 'profile', ...allResourceScopes]) {
        assert.ok(q.get('scope').split(' ').includes(s), `scope lacks ${s}`);
      }
    });

    test('sign-in through the Experience API, then handleSignInCallback verifies the ID token', async () => {
      const signInUrl = navigations.at(-1).url;
      const result = await browserSignIn(signInUrl, { username: config.logtoUser });
      browser = result.browser;
      assert.ok(await logto.isSignInRedirected(result.callbackUrl), `callback ${result.callbackUrl} is not the redirect URI`);
      await logto.handleSignInCallback(result.callbackUrl);
      assert.equal(await logto.isAuthenticated(), true);
      assert.ok(await logto.getRefreshToken(), 'the SDK sends offline_access + prompt=consent: a refresh token is expected');

      const claims = await logto.getIdTokenClaims();
      assert.equal(claims.iss, config.issuer);
      assert.equal(claims.aud, app.id);
      assert.equal(claims.sub, config.logtoUserId);
      assert.equal(claims.username, config.logtoUser);
    });

    test('fetchUserInfo with the access token from the code exchange', async () => {
      const info = await logto.fetchUserInfo();
      assert.equal(info.sub, config.logtoUserId);
      assert.equal(info.username, config.logtoUser);
    });

    test('getAccessToken(resource): JWT for the API with only the scopes the user holds', async () => {
      const token = await logto.getAccessToken(config.resource);
      const payload = await verifyResourceToken(token);
      assert.equal(payload.sub, config.logtoUserId);
      assert.equal(payload.client_id, app.id);
      assert.deepEqual(scopeSet(payload.scope), [...config.resourceUserScopes].sort());
      const claims = await logto.getAccessTokenClaims(config.resource);
      assert.equal(claims.aud, config.resource);
    });

    test('refresh again with the (possibly rotated) refresh token the SDK stored', async () => {
      const before = await logto.getRefreshToken();
      await logto.clearAccessToken();
      const token = await logto.getAccessToken(config.resource);
      await verifyResourceToken(token);
      if (!app.secret) {
        assert.notEqual(await logto.getRefreshToken(), before, 'a public client rotates its refresh token on every use');
      }
      // The OP's own token (no resource), fetched by refresh, works at userinfo.
      const info = await logto.fetchUserInfo();
      assert.equal(info.sub, config.logtoUserId);
    });

    test('signOut: end-session URL, back at the post-logout redirect URI, tokens cleared', async () => {
      refreshTokenBeforeSignOut = await logto.getRefreshToken();
      navigations.length = 0;
      await logto.signOut(app.postLogoutRedirectUri);
      assert.equal(navigations.length, 1);
      const url = new URL(navigations[0].url);
      assert.equal(`${url.origin}${url.pathname}`, `${config.issuer}/session/end`);
      assert.equal(url.searchParams.get('client_id'), app.id);
      assert.equal(url.searchParams.get('post_logout_redirect_uri'), app.postLogoutRedirectUri);

      const landed = new URL(await followLogout(browser, url.href));
      assert.equal(landed.href.split('?')[0], app.postLogoutRedirectUri);
      assert.equal(await logto.isAuthenticated(), false);
      assert.equal(storage.get('refreshToken'), undefined);

      // The OP session is gone too: signing in again shows the sign-in page.
      navigations.length = 0;
      await logto.signIn(app.redirectUri);
      const page = await browser.visit(navigations[0].url);
      assert.equal(page.left, false, `expected the sign-in page after signOut, was sent to ${page.url}`);
      assert.equal(page.status, 200);
    });

    test('signOut revoked the refresh token (Logto SDKs call the revocation endpoint)', async (t) => {
      const { revocation_endpoint: revocation } = await (await fetch(`${config.issuer}/.well-known/openid-configuration`)).json();
      if (!revocation) {
        t.todo('discovery has no revocation_endpoint yet: @logto/node signOut silently skips revocation (RFC 7009, spec/oidc.md endpoints)');
      }
      const r = await refreshRaw(app, refreshTokenBeforeSignOut);
      assert.equal(r.status, 400, `refresh after signOut: ${r.status} ${JSON.stringify(r.body)}`);
      assert.equal(r.body?.error, 'invalid_grant');
    });

    test('OIDC errors carry Logto\'s code/message, so the SDK raises LogtoRequestError("oidc.invalid_grant")', async () => {
      const { logto: other, storage: s } = makeClient(app);
      // A signed-in looking state with a bogus refresh token.
      s.set('idToken', await makeUnsignedIdToken(app.id));
      s.set('refreshToken', 'not-a-real-refresh-token');
      const err = await other.getAccessToken(config.resource).then(
        () => assert.fail('a bogus refresh token must be refused'),
        (e) => e,
      );
      assert.equal(err?.name, 'LogtoRequestError', `${err?.name}: ${err?.message} ${JSON.stringify(err?.data ?? {})}`);
      assert.equal(err.code, 'oidc.invalid_grant');
      oauthError('oidc.invalid_grant')(err);
    });
  });
}

// The same SDK without `resources`: the simplest Logto integration.
describe('@logto/node: no API resources configured', () => {
  test('sign in, ID token claims, fetchUserInfo, signOut', async () => {
    const storage = new Map();
    const navigations = [];
    const logto = new LogtoClient(
      { endpoint: config.url, appId: config.spa.id },
      {
        storage: {
          getItem: async (key) => storage.get(key) ?? null,
          setItem: async (key, value) => void storage.set(key, value),
          removeItem: async (key) => void storage.delete(key),
        },
        navigate: (url) => void navigations.push(url),
      },
    );
    await logto.signIn(config.spa.redirectUri);
    const { browser, callbackUrl } = await browserSignIn(navigations.at(-1), { username: config.logtoUser });
    await logto.handleSignInCallback(callbackUrl);
    assert.equal((await logto.getIdTokenClaims()).sub, config.logtoUserId);
    const info = await logto.fetchUserInfo();
    assert.equal(info.username, config.logtoUser);
    await logto.signOut(config.spa.postLogoutRedirectUri);
    const landed = await followLogout(browser, navigations.at(-1));
    assert.equal(landed.split('?')[0], config.spa.postLogoutRedirectUri);
  });
});

/** The SDK only decodes the stored ID token to know it is signed in. */
async function makeUnsignedIdToken(aud) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${b64({ alg: 'none' })}.${b64({ iss: config.issuer, sub: 'x', aud, exp: now + 600, iat: now })}.`;
}

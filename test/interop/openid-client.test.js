// openid-client (a certified OpenID Connect relying party, on oauth4webapi)
// against a running Gatehouse: discovery, authorization code with PKCE S256,
// state and nonce, ID token validation by the library, userinfo, refresh,
// resource-scoped JWT access tokens, client credentials and RP-initiated
// logout. The browser part is driven through the Experience API.

import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { config } from './lib/config.js';
import { browserSignIn, follow, register } from './lib/experience.js';
import { followLogout, oauthError, scopeSet, verifyResourceToken } from './lib/check.js';

// Gatehouse runs on plain http://127.0.0.1 in tests.
const insecure = { execute: [client.allowInsecureRequests] };
const issuer = new URL(config.issuer);

/** Public client (SPA): no secret, token endpoint auth "none". */
const discoverSPA = () => client.discovery(issuer, config.spa.id, undefined, client.None(), insecure);
/** Confidential client (Traditional) with client_secret_basic. */
const discoverWeb = () => client.discovery(issuer, config.web.id, undefined, client.ClientSecretBasic(config.web.secret), insecure);

/**
 * Builds an authorization URL with PKCE S256, state and nonce, signs in
 * through the Experience API and returns what the callback needs.
 */
async function authorize(cfg, redirectUri, params = {}, signIn = {}) {
  const codeVerifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(cfg, {
    redirect_uri: redirectUri,
    scope: 'openid profile offline_access',
    prompt: 'consent',
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...params,
  });
  const { browser, callbackUrl } = await browserSignIn(url.href, signIn);
  return { browser, callbackUrl: new URL(callbackUrl), codeVerifier, state, nonce };
}

/** authorize + code exchange, with every check openid-client offers. */
async function signIn(cfg, redirectUri, params, signInOpts, tokenParams) {
  const a = await authorize(cfg, redirectUri, params, signInOpts);
  const tokens = await client.authorizationCodeGrant(
    cfg,
    a.callbackUrl,
    { pkceCodeVerifier: a.codeVerifier, expectedState: a.state, expectedNonce: a.nonce, idTokenExpected: true },
    tokenParams,
  );
  return { ...a, tokens };
}

describe('openid-client', () => {
  let spa;
  let web;

  before(async () => {
    spa = await discoverSPA();
    web = await discoverWeb();
  });

  test('discovery: issuer and the metadata a code-flow client relies on', () => {
    const md = spa.serverMetadata();
    assert.equal(md.issuer, config.issuer);
    for (const ep of ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri', 'end_session_endpoint']) {
      assert.ok(md[ep]?.startsWith(`${config.issuer}/`), `${ep} = ${md[ep]}`);
    }
    assert.ok(md.response_types_supported.includes('code'));
    assert.deepEqual(md.code_challenge_methods_supported, ['S256']);
    assert.ok(md.supportsPKCE('S256'));
    assert.equal(md.authorization_response_iss_parameter_supported, true);
    for (const m of ['client_secret_basic', 'client_secret_post', 'none']) {
      assert.ok(md.token_endpoint_auth_methods_supported.includes(m), `token_endpoint_auth_methods_supported lacks ${m}`);
    }
    for (const g of ['authorization_code', 'refresh_token', 'client_credentials']) {
      assert.ok(md.grant_types_supported.includes(g), `grant_types_supported lacks ${g}`);
    }
  });

  test('public SPA client: code + PKCE S256 + state + nonce, ID token, userinfo, refresh', async () => {
    const { tokens, callbackUrl } = await signIn(spa, config.spa.redirectUri);
    assert.equal(callbackUrl.searchParams.get('iss'), config.issuer, 'RFC 9207 iss in the authorization response');

    // authorizationCodeGrant has validated the ID token (signature via
    // JWKS, iss, aud, exp, iat, nonce, at_hash when present).
    const claims = tokens.claims();
    assert.equal(claims.sub, config.oidcUserId);
    assert.equal(claims.username, config.oidcUser);
    assert.equal(typeof claims.auth_time, 'number');
    assert.ok(claims.sid, 'ID token sid');
    assert.equal(tokens.token_type.toLowerCase(), 'bearer');
    assert.ok(tokens.expires_in > 0);
    assert.ok(tokens.refresh_token, 'offline_access + prompt=consent must give a refresh token');
    assert.deepEqual(scopeSet(tokens.scope), ['offline_access', 'openid', 'profile']);

    const info = await client.fetchUserInfo(spa, tokens.access_token, claims.sub);
    assert.equal(info.sub, config.oidcUserId);
    assert.equal(info.username, config.oidcUser);

    const refreshed = await client.refreshTokenGrant(spa, tokens.refresh_token);
    assert.ok(refreshed.access_token);
    assert.notEqual(refreshed.access_token, tokens.access_token);
    if (refreshed.id_token) assert.equal(refreshed.claims().sub, claims.sub);
    const info2 = await client.fetchUserInfo(spa, refreshed.access_token, claims.sub);
    assert.equal(info2.sub, config.oidcUserId);
  });

  test('public SPA client: refresh token rotates, the old one then fails', async () => {
    const { tokens } = await signIn(spa, config.spa.redirectUri);
    const first = await client.refreshTokenGrant(spa, tokens.refresh_token);
    assert.ok(first.refresh_token, 'a public client must get a new refresh token on every refresh (rotation)');
    assert.notEqual(first.refresh_token, tokens.refresh_token);
    // The rotated-out token is spent…
    await assert.rejects(client.refreshTokenGrant(spa, tokens.refresh_token), oauthError('invalid_grant'));
    // …and presenting it again is reuse: the whole family is revoked,
    // so the newest refresh token stops working too (spec/oidc.md).
    await assert.rejects(client.refreshTokenGrant(spa, first.refresh_token), oauthError('invalid_grant'));
  });

  test('confidential client, client_secret_basic: code + PKCE, ID token, userinfo, refresh', async () => {
    const { tokens } = await signIn(web, config.web.redirectUri);
    const claims = tokens.claims();
    assert.equal(claims.sub, config.oidcUserId);
    assert.equal(claims.aud, config.web.id);
    const info = await client.fetchUserInfo(web, tokens.access_token, claims.sub);
    assert.equal(info.username, config.oidcUser);
    assert.ok(tokens.refresh_token);
    const refreshed = await client.refreshTokenGrant(web, tokens.refresh_token);
    assert.ok(refreshed.access_token);
    await client.fetchUserInfo(web, refreshed.access_token, claims.sub);
  });

  test('confidential client, client_secret_basic: code without PKCE is allowed', async () => {
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(web, { redirect_uri: config.web.redirectUri, scope: 'openid', state, nonce });
    const { callbackUrl } = await browserSignIn(url.href);
    const tokens = await client.authorizationCodeGrant(web, new URL(callbackUrl), { expectedState: state, expectedNonce: nonce, idTokenExpected: true });
    assert.equal(tokens.claims().sub, config.oidcUserId);
  });

  test('SSO: a second authorization in the same browser needs no credentials', async () => {
    const { browser, tokens } = await signIn(spa, config.spa.redirectUri);
    const codeVerifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(web, {
      redirect_uri: config.web.redirectUri, scope: 'openid', state,
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier), code_challenge_method: 'S256',
    });
    const callback = await follow(browser, url.href);
    const second = await client.authorizationCodeGrant(web, new URL(callback), { pkceCodeVerifier: codeVerifier, expectedState: state, idTokenExpected: true });
    assert.equal(second.claims().sub, tokens.claims().sub);
  });

  test('resource indicator: JWT access token with aud = resource and only the scopes the user holds', async () => {
    const asked = [...config.resourceUserScopes, ...config.resourceOtherScopes];
    const { tokens } = await signIn(
      spa,
      config.spa.redirectUri,
      { resource: config.resource, scope: `openid profile offline_access ${asked.join(' ')}` },
      {},
      { resource: config.resource },
    );
    const at = await verifyResourceToken(tokens.access_token);
    assert.equal(at.sub, config.oidcUserId);
    assert.equal(at.client_id, config.spa.id);
    assert.deepEqual(scopeSet(at.scope), [...config.resourceUserScopes].sort(), 'scope = requested ∩ held (delete:items is not held)');
    assert.deepEqual(scopeSet(tokens.scope), scopeSet(at.scope), 'token response scope = the access token scope');

    // A refresh for the resource gives another JWT with the same scopes.
    const refreshed = await client.refreshTokenGrant(spa, tokens.refresh_token, { resource: config.resource });
    const at2 = await verifyResourceToken(refreshed.access_token);
    assert.deepEqual(scopeSet(at2.scope), [...config.resourceUserScopes].sort());

    // A resource the grant does not cover is refused.
    await assert.rejects(
      client.refreshTokenGrant(spa, refreshed.refresh_token ?? tokens.refresh_token, { resource: 'https://unknown.interop.test' }),
      oauthError('invalid_target'),
    );
  });

  test('resource indicator: a newly registered user without roles gets none of the scopes', async () => {
    const username = `reg_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const { tokens } = await signIn(
      spa,
      config.spa.redirectUri,
      { resource: config.resource, scope: `openid offline_access ${config.resourceUserScopes.join(' ')}` },
      { interact: (b) => register(b, username, config.password) },
      { resource: config.resource },
    );
    const claims = tokens.claims();
    assert.notEqual(claims.sub, config.oidcUserId);
    const at = await verifyResourceToken(tokens.access_token);
    assert.equal(at.sub, claims.sub);
    assert.deepEqual(scopeSet(at.scope), []);
  });

  test('client credentials (M2M, client_secret_basic and client_secret_post): JWT with the role scopes only', async () => {
    for (const auth of [client.ClientSecretBasic(config.m2m.secret), client.ClientSecretPost(config.m2m.secret)]) {
      const m2m = await client.discovery(issuer, config.m2m.id, undefined, auth, insecure);
      const tokens = await client.clientCredentialsGrant(m2m, {
        resource: config.resource,
        scope: [...config.m2mScopes, ...config.resourceOtherScopes].join(' '),
      });
      assert.equal(tokens.token_type.toLowerCase(), 'bearer');
      const at = await verifyResourceToken(tokens.access_token);
      assert.equal(at.sub, config.m2m.id);
      assert.equal(at.client_id, config.m2m.id);
      assert.deepEqual(scopeSet(at.scope), [...config.m2mScopes].sort());
      assert.deepEqual(scopeSet(tokens.scope), [...config.m2mScopes].sort());
    }
  });

  test('RP-initiated logout: back at post_logout_redirect_uri with state, SSO session gone', async () => {
    const { browser, tokens } = await signIn(spa, config.spa.redirectUri);
    const state = client.randomState();
    const endSession = client.buildEndSessionUrl(spa, {
      id_token_hint: tokens.id_token,
      post_logout_redirect_uri: config.spa.postLogoutRedirectUri,
      state,
    });
    const landed = new URL(await followLogout(browser, endSession.href));
    assert.equal(`${landed.origin}${landed.pathname}`, config.spa.postLogoutRedirectUri);
    assert.equal(landed.searchParams.get('state'), state);

    // The browser session is gone: a new authorization shows the sign-in page.
    const url = client.buildAuthorizationUrl(spa, {
      redirect_uri: config.spa.redirectUri, scope: 'openid', state: client.randomState(),
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()), code_challenge_method: 'S256',
    });
    const page = await browser.visit(url.href);
    assert.equal(page.left, false, `expected the sign-in page after logout, was sent to ${page.url}`);
    assert.equal(page.status, 200);
  });

  test('RP-initiated logout: an unregistered post_logout_redirect_uri is never redirected to', async () => {
    const { browser, tokens } = await signIn(spa, config.spa.redirectUri);
    const endSession = client.buildEndSessionUrl(spa, {
      id_token_hint: tokens.id_token,
      post_logout_redirect_uri: 'https://evil.interop.test/',
      state: 'x',
    });
    await assert.rejects(followLogout(browser, endSession.href), /stayed on the server/);
  });
});

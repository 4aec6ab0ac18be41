// Gatehouse demo app: an OpenID Connect relying party written against the
// specs, not against Gatehouse internals. It is a public client
// (client_id "demo-app") using the authorization code flow with PKCE S256
// (RFC 7636), state (RFC 6749 §10.12) and nonce (OIDC Core §3.1.2.1).
// Tokens live in sessionStorage: gone when the tab closes, never in a
// cookie or a URL.

const CLIENT_ID = 'demo-app';
const SCOPE = 'openid profile email offline_access';
const PENDING_KEY = 'gatehouse-demo-app:pending';
const OPTIONS_KEY = 'gatehouse-demo-app:options';
// Logto's extra authentication parameters the demo can send.
const EXTRA_PARAMS = ['first_screen', 'login_hint', 'identifier', 'direct_sign_in', 'ui_locales'];
const TOKENS_KEY = 'gatehouse-demo-app:tokens';

const $ = (id) => document.getElementById(id);

function show(section) {
  $('loading').hidden = true;
  $('signed-out').hidden = section !== 'signed-out';
  $('signed-in').hidden = section !== 'signed-in';
}

function showError(message) {
  const box = $('error');
  box.textContent = message;
  box.hidden = false;
}

// discovery loads the OP metadata from the same origin.
let metadata;
async function discovery() {
  if (!metadata) {
    const res = await fetch('/oidc/.well-known/openid-configuration', { cache: 'no-cache' });
    if (!res.ok) throw new Error(`Discovery failed (${res.status}).`);
    metadata = await res.json();
  }
  return metadata;
}

// redirectURI is where Gatehouse sends the browser back: the endpoint
// (the issuer without /oidc) + /demo-app, as registered for this client.
function redirectURI(issuer) {
  return `${issuer.replace(/\/oidc\/?$/, '')}/demo-app`;
}

function base64url(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomString(bytes = 32) {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

async function pkceChallenge(verifier) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

async function signIn() {
  const md = await discovery();
  const pending = {
    state: randomString(),
    nonce: randomString(),
    verifier: randomString(32), // 43 characters, within RFC 7636's 43–128
  };
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  const url = new URL(md.authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: CLIENT_ID,
    redirect_uri: redirectURI(md.issuer),
    response_type: 'code',
    scope: SCOPE,
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: await pkceChallenge(pending.verifier),
    code_challenge_method: 'S256',
    // offline_access only yields a refresh token with prompt=consent
    // (OIDC Core §11), as Logto's SDKs do.
    prompt: 'consent',
  }).toString();
  const options = readOptions();
  for (const [k, v] of Object.entries(options)) url.searchParams.set(k, v);
  sessionStorage.setItem(OPTIONS_KEY, JSON.stringify(options));
  window.location.assign(url.toString());
}

function decodeJWT(jwt) {
  const [, payload] = jwt.split('.');
  const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = Uint8Array.from(json, (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

// handleCallback finishes the flow when the browser returns with ?code.
async function handleCallback(params) {
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) || 'null');
  sessionStorage.removeItem(PENDING_KEY);
  // Drop code and state from the address bar and history.
  window.history.replaceState(null, '', window.location.pathname);

  if (params.get('error')) {
    throw new Error(`${params.get('error')}: ${params.get('error_description') || 'sign-in failed'}`);
  }
  if (!pending || params.get('state') !== pending.state) {
    throw new Error('The state parameter does not match this sign-in; the response was ignored.');
  }
  const md = await discovery();
  // RFC 9207: when the OP says which issuer answered, it must be ours.
  if (params.has('iss') && params.get('iss') !== md.issuer) {
    throw new Error('The response came from an unexpected issuer.');
  }
  const res = await fetch(md.token_endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: params.get('code'),
      redirect_uri: redirectURI(md.issuer),
      client_id: CLIENT_ID,
      code_verifier: pending.verifier,
    }),
  });
  const tokens = await res.json().catch(() => ({}));
  if (!res.ok) {
    throw new Error(`Token request failed: ${tokens.error || res.status} ${tokens.error_description || ''}`.trim());
  }
  // The ID token came straight from the token endpoint over TLS, so its
  // signature may be skipped (OIDC Core §3.1.3.7 step 6); the claims are
  // still checked.
  const claims = decodeJWT(tokens.id_token);
  const now = Math.floor(Date.now() / 1000);
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (claims.iss !== md.issuer) throw new Error('ID token issuer mismatch.');
  if (!aud.includes(CLIENT_ID)) throw new Error('ID token audience mismatch.');
  if (claims.nonce !== pending.nonce) throw new Error('ID token nonce mismatch.');
  if (typeof claims.exp !== 'number' || claims.exp < now - 60) throw new Error('ID token expired.');
  tokens.expires_at = tokens.expires_in ? now + tokens.expires_in : undefined;
  sessionStorage.setItem(TOKENS_KEY, JSON.stringify(tokens));
  return tokens;
}

async function render(tokens) {
  const claims = decodeJWT(tokens.id_token);
  $('claims').textContent = JSON.stringify(claims, null, 2);
  $('sub').textContent = claims.sub;
  $('who').textContent = claims.username || claims.name || claims.email ? ` as ${claims.username || claims.name || claims.email}` : '';
  $('expires').textContent = tokens.expires_at ? new Date(tokens.expires_at * 1000).toLocaleString() : 'unknown';
  $('refresh').textContent = tokens.refresh_token ? 'issued' : 'not issued';
  $('scopes').textContent = tokens.scope || SCOPE;
  show('signed-in');

  const md = await discovery();
  const res = await fetch(md.userinfo_endpoint, {
    headers: { Authorization: `Bearer ${tokens.access_token}`, Accept: 'application/json' },
  });
  const body = await res.json().catch(() => null);
  $('userinfo').textContent = res.ok
    ? JSON.stringify(body, null, 2)
    : `UserInfo request failed (${res.status}): ${JSON.stringify(body)}`;
}

async function signOut() {
  const tokens = JSON.parse(sessionStorage.getItem(TOKENS_KEY) || 'null');
  sessionStorage.removeItem(TOKENS_KEY);
  const md = await discovery();
  if (!md.end_session_endpoint || !tokens) {
    show('signed-out');
    return;
  }
  const url = new URL(md.end_session_endpoint);
  url.search = new URLSearchParams({
    id_token_hint: tokens.id_token,
    post_logout_redirect_uri: redirectURI(md.issuer),
    client_id: CLIENT_ID,
  }).toString();
  window.location.assign(url.toString());
}

function readOptions() {
  const out = {};
  for (const name of EXTRA_PARAMS) {
    const v = $(`opt-${name}`).value.trim();
    if (v) out[name] = v;
  }
  return out;
}

function restoreOptions() {
  const saved = JSON.parse(sessionStorage.getItem(OPTIONS_KEY) || '{}');
  for (const name of EXTRA_PARAMS) if (saved[name]) $(`opt-${name}`).value = saved[name];
  if (Object.keys(saved).length) $('options').open = true;
}

async function main() {
  restoreOptions();
  $('sign-in').addEventListener('click', () => signIn().catch((e) => showError(e.message)));
  $('sign-out').addEventListener('click', () => signOut().catch((e) => showError(e.message)));

  const params = new URLSearchParams(window.location.search);
  let tokens = null;
  try {
    if (params.has('code') || params.has('error')) {
      tokens = await handleCallback(params);
    } else {
      tokens = JSON.parse(sessionStorage.getItem(TOKENS_KEY) || 'null');
    }
  } catch (e) {
    showError(e.message);
  }
  if (tokens?.id_token) {
    try {
      await render(tokens);
    } catch (e) {
      showError(e.message);
    }
  } else {
    show('signed-out');
  }
  // Lets automated tests wait until the app has settled.
  document.documentElement.dataset.ready = 'true';
}

main();

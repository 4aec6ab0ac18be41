// Shared checks: JWT access tokens verified with jose against the OP's JWKS,
// OAuth error matching, and following RP-initiated logout in the browser.

import assert from 'node:assert/strict';
import * as jose from 'jose';
import { config } from './config.js';

let jwks;

/**
 * Verifies an access token issued for an API resource as RFC 9068 and
 * Logto describe it: signed by a key in the OP's JWKS, typ at+jwt, iss the
 * issuer, aud the resource indicator. Returns the payload.
 */
export async function verifyResourceToken(token, audience = config.resource) {
  assert.equal(typeof token, 'string', 'access token must be a string');
  assert.equal(token.split('.').length, 3, `a resource access token must be a JWT, got ${token.slice(0, 40)}…`);
  jwks ??= jose.createRemoteJWKSet(new URL(`${config.issuer}/jwks`));
  const { payload, protectedHeader } = await jose.jwtVerify(token, jwks, {
    issuer: config.issuer,
    audience,
    typ: 'at+jwt',
  });
  assert.ok(protectedHeader.kid, 'JWT access token header must name its key (kid)');
  return payload;
}

/** The scope claim/parameter as a sorted array ('' and undefined give []). */
export function scopeSet(scope) {
  return (scope ?? '').split(' ').filter(Boolean).sort();
}

/**
 * A predicate for assert.rejects: the promise failed with an OAuth error
 * response whose `error` is code (openid-client's ResponseBodyError, or a
 * Logto LogtoRequestError / OidcError).
 */
export function oauthError(code) {
  return (err) => {
    const got = err?.error ?? err?.code ?? err?.cause?.error;
    assert.equal(got, code, `expected OAuth error ${code}, got ${err?.name}: ${err?.message} ${JSON.stringify(err?.cause ?? {})}`);
    return true;
  };
}

/**
 * Opens an end-session URL in the browser the way a user would: follows
 * redirects, and if the OP shows a logout confirmation page (a same-origin
 * form, as Logto's auto-submitted `logout=yes` form), submits it. Returns
 * the URL the browser is finally sent to outside the server, or throws
 * with the page the browser stayed on.
 */
export async function followLogout(browser, endSessionUrl) {
  let page = await browser.visit(endSessionUrl);
  for (let i = 0; i < 2 && !page.left && page.status === 200; i++) {
    const form = parseForm(page.body, page.url);
    if (!form || new URL(form.action).origin !== browser.origin) break;
    const res = await browser.request(form.action, {
      method: form.method,
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: browser.origin },
      body: new URLSearchParams(form.fields).toString(),
    });
    const location = res.headers.get('location');
    const body = await res.text();
    page = location
      ? await browser.visit(new URL(location, form.action).href)
      : { url: form.action, status: res.status, body, left: false, trace: [] };
  }
  if (!page.left) {
    throw new Error(`logout: the browser stayed on the server: ${page.status} ${page.url} ${String(page.body).slice(0, 400)} (trace ${JSON.stringify(page.trace)})`);
  }
  return page.url;
}

/** The first <form> of an HTML page: action, method and its named inputs/buttons. */
function parseForm(html, base) {
  const m = /<form\b([^>]*)>([\s\S]*?)<\/form>/i.exec(html ?? '');
  if (!m) return undefined;
  const attr = (s, name) => new RegExp(`\\b${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`, 'i').exec(s)?.slice(1).find((v) => v !== undefined);
  const fields = [];
  for (const input of m[2].matchAll(/<(?:input|button)\b([^>]*)>/gi)) {
    const name = attr(input[1], 'name');
    if (name) fields.push([decodeEntities(name), decodeEntities(attr(input[1], 'value') ?? '')]);
  }
  return {
    action: new URL(decodeEntities(attr(m[1], 'action') ?? ''), base).href,
    method: (attr(m[1], 'method') ?? 'GET').toUpperCase(),
    fields,
  };
}

function decodeEntities(s) {
  return s.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#x2F;/gi, '/').replace(/&#43;/g, '+').replace(/&#61;/g, '=');
}

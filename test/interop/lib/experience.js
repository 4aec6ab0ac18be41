// Drives Gatehouse's sign-in through Logto's Experience API over HTTP, as a
// custom sign-in UI written for Logto would: the browser must already hold
// the interaction cookie from GET /oidc/auth.

import { Browser } from './browser.js';
import { config } from './config.js';

/** Password sign-in in the current interaction; returns submit's redirectTo. */
export async function signInWithPassword(browser, username, password) {
  await browser.mustApi('PUT', '/api/experience', { interactionEvent: 'SignIn' });
  const { verificationId } = await browser.mustApi('POST', '/api/experience/verification/password', {
    identifier: { type: 'username', value: username },
    password,
  });
  if (!verificationId) throw new Error('verification/password returned no verificationId');
  await browser.mustApi('POST', '/api/experience/identification', { verificationId });
  return submit(browser);
}

/** Username + password registration in the current interaction. */
export async function register(browser, username, password) {
  await browser.mustApi('PUT', '/api/experience', { interactionEvent: 'Register' });
  await browser.mustApi('POST', '/api/experience/profile', { type: 'username', value: username });
  await browser.mustApi('POST', '/api/experience/profile', { type: 'password', value: password });
  await browser.mustApi('POST', '/api/experience/identification', {});
  return submit(browser);
}

async function submit(browser) {
  const { redirectTo } = await browser.mustApi('POST', '/api/experience/submit');
  if (!redirectTo) throw new Error('submit returned no redirectTo');
  return redirectTo;
}

/**
 * The whole browser part of a sign-in: open authUrl (the sign-in page must
 * come up, since the browser has no session), run `interact` (sign-in or
 * registration), follow redirectTo and return the URL the server finally
 * sends the browser to outside itself (the client's redirect_uri with the
 * code, or with an error).
 */
export async function browserSignIn(authUrl, {
  browser = new Browser(config.url),
  username = config.oidcUser,
  password = config.password,
  interact = (b) => signInWithPassword(b, username, password),
} = {}) {
  const page = await browser.visit(authUrl);
  if (page.left || page.status !== 200) {
    throw new Error(`expected the sign-in page for ${authUrl}, got ${page.status} at ${page.url} (trace ${JSON.stringify(page.trace)})`);
  }
  const redirectTo = await interact(browser);
  const back = await browser.visit(redirectTo);
  if (!back.left) {
    throw new Error(`after submit the browser stayed on the server: ${back.status} ${back.url} ${String(back.body).slice(0, 300)} (trace ${JSON.stringify(back.trace)})`);
  }
  return { browser, callbackUrl: back.url };
}

/** Follows url (SSO or logout) and returns where the browser leaves the server. */
export async function follow(browser, url) {
  const r = await browser.visit(url);
  if (!r.left) {
    throw new Error(`browser stayed on the server: ${r.status} ${r.url} ${String(r.body).slice(0, 300)} (trace ${JSON.stringify(r.trace)})`);
  }
  return r.url;
}

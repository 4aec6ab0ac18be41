// Loads the public sign-in experience settings (per application and
// organization when the OP passed app_id / organization_id, as Logto's
// GET /api/.well-known/sign-in-exp?appId=&organizationId= does) and
// applies the branding: logo, favicon, primary colours, dark mode and the
// administrator's custom CSS.
import { api } from './api.js';

const defaults = {
  color: { primaryColor: '#6139F6', darkPrimaryColor: '#8768F8', isDarkModeEnabled: false },
  branding: {},
  languageInfo: { autoDetect: true, fallbackLanguage: 'en' },
  signIn: { methods: [{ identifier: 'username', password: true, verificationCode: false, isPasswordPrimary: true }] },
  signUp: { identifiers: ['username'], password: true, verify: false },
  signInMode: 'SignInAndRegister',
  socialConnectors: [],
  forgotPassword: { email: false, phone: false },
  mfa: { factors: [], policy: 'UserControlled' },
  passwordPolicy: { length: { min: 8, max: 256 } },
};

const hexColor = /^#[0-9a-f]{3,8}$/i;
const darkQuery = window.matchMedia('(prefers-color-scheme: dark)');

// loadSettings never fails: the page still works with Logto's defaults if
// the settings cannot be fetched.
export async function loadSettings({ appId, organizationId } = {}) {
  const query = new URLSearchParams();
  if (appId) query.set('appId', appId);
  if (organizationId) query.set('organizationId', organizationId);
  const qs = query.toString();
  let settings = defaults;
  try {
    const got = await api('GET', `/api/.well-known/sign-in-exp${qs ? `?${qs}` : ''}`);
    settings = { ...defaults, ...got };
  } catch {
    // Defaults.
  }
  applyBranding(settings);
  return settings;
}

function applyBranding(settings) {
  const root = document.documentElement;
  const { color = {}, branding = {} } = settings;
  // setProperty goes through the CSSOM, which style-src 'self' allows.
  if (hexColor.test(color.primaryColor || '')) root.style.setProperty('--brand', color.primaryColor);
  if (hexColor.test(color.darkPrimaryColor || '')) root.style.setProperty('--brand-dark', color.darkPrimaryColor);
  root.dataset.dark = color.isDarkModeEnabled ? 'on' : 'off';

  const logo = document.getElementById('logo');
  const name = document.getElementById('brand-name');
  const pickLogo = () => {
    const dark = color.isDarkModeEnabled && darkQuery.matches && isSafeImage(branding.darkLogoUrl);
    const url = dark ? branding.darkLogoUrl : branding.logoUrl;
    if (isSafeImage(url)) {
      logo.src = url;
      logo.classList.add('custom');
      logo.alt = settings.applicationName || '';
      // A custom logo carries the brand; the Gatehouse word mark goes.
      name.hidden = true;
    }
  };
  pickLogo();
  darkQuery.addEventListener?.('change', pickLogo);
  if (isSafeImage(branding.favicon)) document.getElementById('favicon').href = branding.favicon;

  for (const [id, url] of [['terms', settings.termsOfUseUrl], ['privacy', settings.privacyPolicyUrl]]) {
    const link = document.getElementById(id);
    if (link && isSafeLink(url)) {
      link.href = url;
      link.hidden = false;
      document.getElementById('legal').hidden = false;
    }
  }
  if (typeof settings.customCss === 'string' && settings.customCss.trim()) {
    // A constructed style sheet, not a <style> element: the CSP forbids
    // inline styles, and the CSS is the administrator's own.
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(settings.customCss);
      document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
    } catch {
      // Invalid CSS is ignored.
    }
  }
}

export function isSafeImage(url) {
  return typeof url === 'string' && (/^https:\/\//i.test(url) || /^\/(?!\/)/.test(url));
}

export function isSafeLink(url) {
  return typeof url === 'string' && /^https?:\/\//i.test(url);
}

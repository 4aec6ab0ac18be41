// Loads the public sign-in experience settings and applies branding.
import { api } from './api.js';

const defaults = {
  color: { primaryColor: '#6139F6', darkPrimaryColor: '#8768F8', isDarkModeEnabled: false },
  branding: {},
  languageInfo: { autoDetect: true, fallbackLanguage: 'en' },
  signIn: { methods: [{ identifier: 'username', password: true }] },
  signUp: { identifiers: ['username'], password: true },
  signInMode: 'SignInAndRegister',
  passwordPolicy: { length: { min: 8, max: 256 } },
};

const hexColor = /^#[0-9a-f]{3,8}$/i;

// loadSettings never fails: the page still works with Logto's defaults if
// the settings cannot be fetched.
export async function loadSettings() {
  let settings = defaults;
  try {
    settings = { ...defaults, ...(await api('GET', '/api/.well-known/sign-in-exp')) };
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
  if (hexColor.test(color.primaryColor || '')) root.style.setProperty('--primary', color.primaryColor);
  if (hexColor.test(color.darkPrimaryColor || '')) root.style.setProperty('--primary-dark', color.darkPrimaryColor);
  root.dataset.dark = color.isDarkModeEnabled ? 'on' : 'off';
  const logo = document.getElementById('logo');
  if (logo && isSafeImage(branding.logoUrl)) logo.src = branding.logoUrl;
  for (const [id, url] of [['terms', settings.termsOfUseUrl], ['privacy', settings.privacyPolicyUrl]]) {
    const link = document.getElementById(id);
    if (link && isSafeLink(url)) {
      link.href = url;
      link.hidden = false;
      document.getElementById('legal')?.removeAttribute('hidden');
    }
  }
}

function isSafeImage(url) {
  return typeof url === 'string' && /^https:\/\//i.test(url);
}

function isSafeLink(url) {
  return typeof url === 'string' && /^https?:\/\//i.test(url);
}

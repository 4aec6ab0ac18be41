// The sign-in page: identifier + password through the Experience API.
//
//   PUT  /api/experience                       {interactionEvent: "SignIn"}
//   POST /api/experience/verification/password {identifier: {type, value}, password}
//   POST /api/experience/identification        {verificationId}
//   POST /api/experience/submit                → {redirectTo}
//   location.assign(redirectTo)
import { api } from './api.js';
import { chooseLanguage, t, translate } from './i18n.js';
import { loadSettings } from './settings.js';
import {
  clearErrors, fieldError, keepQuery, messageFor, setBusy, showError, wirePasswordToggles,
} from './form.js';

const settings = await loadSettings();
chooseLanguage(settings.languageInfo?.fallbackLanguage);

const methods = (settings.signIn?.methods || []).filter((m) => m.password).map((m) => m.identifier);
const fieldKey = identifierFieldKey(methods);
document.getElementById('identifier-label').dataset.i18n = fieldKey;
translate();
wirePasswordToggles();

const form = document.getElementById('sign-in-form');
const identifier = document.getElementById('identifier');
const password = document.getElementById('password');
const submit = document.getElementById('submit');

if (methods.length === 1 && methods[0] === 'email') identifier.type = 'email';
const hint = new URLSearchParams(window.location.search).get('login_hint');
if (hint) identifier.value = hint;
(hint ? password : identifier).focus();

const registerLink = document.getElementById('register-link');
keepQuery(registerLink.querySelector('a'));
registerLink.hidden = settings.signInMode === 'SignIn';

// The button starts disabled and the form uses POST, so nothing is sent
// (and no password can land in a URL) before this module has taken over.
submit.disabled = false;
// Lets automated tests wait for the page to be interactive.
document.documentElement.dataset.ready = 'true';
let busy = false;

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (busy) return;
  clearErrors(form);
  const value = identifier.value.trim();
  if (!value) {
    fieldError(identifier, t('validation.identifierRequired', { field: t(fieldKey) }));
    return;
  }
  if (!password.value) {
    fieldError(password, t('validation.passwordRequired'));
    return;
  }

  busy = true;
  setBusy(submit, true, t('signIn.busy'), t('signIn.submit'));
  try {
    await api('PUT', '/api/experience', { interactionEvent: 'SignIn' });
    const { verificationId } = await api('POST', '/api/experience/verification/password', {
      identifier: identifierOf(value),
      password: password.value,
    });
    await api('POST', '/api/experience/identification', { verificationId });
    const { redirectTo } = await api('POST', '/api/experience/submit');
    window.location.assign(redirectTo);
    // Stay busy: the browser is leaving the page.
  } catch (err) {
    busy = false;
    setBusy(submit, false, t('signIn.busy'), t('signIn.submit'));
    handleError(err);
  }
});

function handleError(err) {
  if (err.code === 'session.not_found') {
    window.location.replace(`/unknown-session${window.location.search}`);
    return;
  }
  showError(messageFor(err));
  if (err.code === 'session.invalid_credentials') {
    password.select();
    password.focus();
  }
}

// identifierOf decides which identifier type the typed value is, among the
// enabled password sign-in methods.
function identifierOf(value) {
  if (value.includes('@') && methods.includes('email')) return { type: 'email', value };
  if (/^\+?[\d\s-]+$/.test(value) && methods.includes('phone')) {
    return { type: 'phone', value: value.replace(/\D/g, '') };
  }
  if (methods.includes('username')) return { type: 'username', value };
  return { type: methods[0] || 'username', value };
}

function identifierFieldKey(list) {
  const has = (m) => list.includes(m);
  if (has('username') && has('email')) return 'field.usernameOrEmail';
  if (has('email')) return 'field.email';
  if (has('phone') && !has('username')) return 'field.phone';
  return 'field.username';
}

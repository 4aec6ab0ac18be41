// The register page: username + password through the Experience API.
//
//   PUT  /api/experience                {interactionEvent: "Register"}
//   POST /api/experience/profile        {type: "username", value}
//   POST /api/experience/profile        {type: "password", value}
//   POST /api/experience/identification {}            → 201, user created
//   POST /api/experience/submit         → {redirectTo}
//   location.assign(redirectTo)
import { api } from './api.js';
import { chooseLanguage, t, translate } from './i18n.js';
import { loadSettings } from './settings.js';
import {
  clearErrors, fieldError, issuesFor, keepQuery, messageFor, setBusy, showError, wirePasswordToggles,
} from './form.js';

const settings = await loadSettings();
chooseLanguage(settings.languageInfo?.fallbackLanguage);
const minLength = settings.passwordPolicy?.length?.min || 8;

translate();
wirePasswordToggles();
document.getElementById('password-hint').textContent = t('hint.password', { min: minLength });

const form = document.getElementById('register-form');
const username = document.getElementById('username');
const password = document.getElementById('password');
const confirm = document.getElementById('confirmPassword');
const submit = document.getElementById('submit');
keepQuery(document.querySelector('#sign-in-link a'));
username.focus();

// Logto's username rule: a letter or underscore, then word characters.
const usernamePattern = /^[A-Z_a-z]\w*$/;

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
  const name = username.value.trim();
  if (!name) return fieldError(username, t('validation.usernameRequired'));
  if (!usernamePattern.test(name) || name.length > 128) return fieldError(username, t('validation.usernameFormat'));
  if (password.value.length < minLength) return fieldError(password, t('validation.passwordTooShort', { min: minLength }));
  if (password.value !== confirm.value) return fieldError(confirm, t('validation.confirmMismatch'));

  busy = true;
  setBusy(submit, true, t('register.busy'), t('register.submit'));
  try {
    await api('PUT', '/api/experience', { interactionEvent: 'Register' });
    await step(username, () => api('POST', '/api/experience/profile', { type: 'username', value: name }));
    await step(password, () => api('POST', '/api/experience/profile', { type: 'password', value: password.value }));
    await api('POST', '/api/experience/identification', {});
    const { redirectTo } = await api('POST', '/api/experience/submit');
    window.location.assign(redirectTo);
  } catch (err) {
    busy = false;
    setBusy(submit, false, t('register.busy'), t('register.submit'));
    handleError(err);
  }
});

// step runs one call and tags its error with the input it concerns.
async function step(input, call) {
  try {
    return await call();
  } catch (err) {
    err.input = input;
    throw err;
  }
}

function handleError(err) {
  if (err.code === 'session.not_found') {
    window.location.replace(`/unknown-session${window.location.search}`);
    return;
  }
  if (err.code === 'password.rejected') {
    showError(t('error.password.rejected'), issuesFor(err));
    fieldError(password, '');
    return;
  }
  const message = messageFor(err);
  if (err.input && err.status !== 0 && err.code !== 'unknown') {
    fieldError(err.input, message);
    return;
  }
  showError(message);
}

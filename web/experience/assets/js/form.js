// Form helpers shared by the pages: error display (announced by screen
// readers through the #error live region), per-field errors, busy state,
// the show-password toggle and the "act, then route errors" wrapper.
import { t, has } from './i18n.js';
import { routeError } from './flow.js';

const $ = (id) => document.getElementById(id);

// showError puts a message (and optional bullet list) in #error.
export function showError(message, items = []) {
  const box = $('error');
  box.replaceChildren(document.createTextNode(message));
  if (items.length) {
    const list = document.createElement('ul');
    for (const item of items) {
      const li = document.createElement('li');
      li.textContent = item;
      list.append(li);
    }
    box.append(list);
  }
  box.hidden = false;
}

export function clearErrors(root = document) {
  const box = $('error');
  box.hidden = true;
  box.replaceChildren();
  for (const input of root.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
  for (const el of root.querySelectorAll('.field-error')) el.textContent = '';
}

// fieldError marks one input invalid with a message tied to it by
// aria-describedby, and focuses it.
export function fieldError(input, message) {
  input.setAttribute('aria-invalid', 'true');
  const slot = $(`${input.id}-error`);
  if (slot) slot.textContent = message;
  input.focus();
}

export function setBusy(button, busy) {
  button.disabled = busy;
  button.setAttribute('aria-busy', busy ? 'true' : 'false');
  button.classList.toggle('busy', busy);
}

// messageFor localises an API error; unknown codes fall back to the
// server's own sentence, then to a generic one.
export function messageFor(err) {
  const key = `error.${err.code}`;
  if (has(key)) return t(key, { seconds: err.retryAfter || 60 });
  return err.message || t('error.unknown');
}

// issuesFor lists password policy issues from a password.rejected error.
export function issuesFor(err) {
  const issues = Array.isArray(err.data?.issues) ? err.data.issues : [];
  return issues.map((issue) => {
    const key = `issue.${issue.code}`;
    return has(key) ? t(key, issue.interpolation || {}) : issue.code;
  });
}

// report shows err: routed to another page when the server asks for a
// step (MFA, missing profile, lost session), beside input when given,
// otherwise in #error.
export function report(err, input) {
  if (routeError(err)) return;
  if (err.code === 'password.rejected') {
    showError(t('error.password.rejected'), issuesFor(err));
    if (input) {
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    }
    return;
  }
  const message = messageFor(err);
  if (input && err.status >= 400 && err.status < 500 && err.code !== 'unknown' && err.status !== 429) {
    fieldError(input, message);
    return;
  }
  showError(message);
  $('error').focus();
}

// action wires button (or a form's submit) to fn with busy state and error
// reporting. fn may return an input to blame for an error via err.input.
export function action(target, fn) {
  const button = target.tagName === 'FORM' ? target.querySelector('[type=submit]') : target;
  let busy = false;
  const handler = async (event) => {
    event?.preventDefault();
    if (busy) return;
    clearErrors(target.tagName === 'FORM' ? target : document);
    busy = true;
    setBusy(button, true);
    try {
      await fn();
    } catch (err) {
      if (!(err instanceof Error)) throw err;
      if (!err.handled) report(err, err.input);
    } finally {
      busy = false;
      setBusy(button, false);
    }
  };
  target.addEventListener(target.tagName === 'FORM' ? 'submit' : 'click', handler);
  // The button starts disabled (and the form uses POST), so nothing is
  // sent, and no password can land in a URL, before the module is ready.
  button.disabled = false;
  return handler;
}

// blame runs call and tags its error with the input it concerns.
export async function blame(input, call) {
  try {
    return await call();
  } catch (err) {
    err.input = input;
    throw err;
  }
}

// invalid stops an action with a field error (no request sent).
export class Invalid extends Error {}
export function invalid(input, message) {
  fieldError(input, message);
  const err = new Invalid(message);
  err.handled = true;
  return err;
}

// wirePasswordToggles makes every .toggle button show or hide the password
// input it controls.
export function wirePasswordToggles(root = document) {
  for (const button of root.querySelectorAll('.toggle')) {
    const input = $(button.getAttribute('aria-controls'));
    const render = () => {
      const shown = input.type === 'text';
      button.textContent = t(shown ? 'password.hide' : 'password.show');
      button.setAttribute('aria-label', t(shown ? 'password.hideLabel' : 'password.showLabel'));
      button.setAttribute('aria-pressed', shown ? 'true' : 'false');
    };
    button.addEventListener('click', () => {
      input.type = input.type === 'password' ? 'text' : 'password';
      render();
      input.focus();
    });
    render();
  }
}

// identifierLabel is the label key for an input accepting these types.
export function identifierLabel(types) {
  const has = (m) => types.includes(m);
  if (has('username') && has('email') && has('phone')) return 'field.anyIdentifier';
  if (has('username') && has('email')) return 'field.usernameOrEmail';
  if (has('username') && has('phone')) return 'field.usernameOrPhone';
  if (has('email') && has('phone')) return 'field.emailOrPhone';
  if (has('email')) return 'field.email';
  if (has('phone')) return 'field.phone';
  return 'field.username';
}

// configureIdentifierInput sets type/autocomplete for the accepted types.
export function configureIdentifierInput(input, types) {
  if (types.length === 1 && types[0] === 'email') {
    input.type = 'email';
    input.autocomplete = 'email';
  } else if (types.length === 1 && types[0] === 'phone') {
    input.type = 'tel';
    input.autocomplete = 'tel';
    input.inputMode = 'tel';
  } else {
    input.type = 'text';
    input.autocomplete = 'username';
  }
}

// checkNewPassword validates a new password + confirmation on the client
// (the server's policy is the authority).
export function checkNewPassword(settings, password, confirm) {
  const min = settings.passwordPolicy?.length?.min || 8;
  if (password.value.length < min) throw invalid(password, t('validation.passwordTooShort', { min }));
  if (password.value !== confirm.value) throw invalid(confirm, t('validation.confirmMismatch'));
}

export function passwordHint(settings) {
  return t('hint.password', { min: settings.passwordPolicy?.length?.min || 8 });
}

// codeInput keeps a one-time-code input to digits and calls onComplete
// when it holds `length` digits.
export function codeInput(input, onComplete, length = 6) {
  input.addEventListener('input', () => {
    const digits = input.value.replace(/\D/g, '').slice(0, length);
    if (digits !== input.value) input.value = digits;
    if (digits.length === length) onComplete();
  });
}

// Form helpers shared by the sign-in and register pages: error display
// (announced by screen readers through the #error live region), per-field
// errors, busy state and the show-password toggle.
import { t, has } from './i18n.js';

// showError puts a message (and optional bullet list) in #error and moves
// focus to it so keyboard and screen-reader users notice.
export function showError(message, items = []) {
  const box = document.getElementById('error');
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

export function clearErrors(form) {
  const box = document.getElementById('error');
  box.hidden = true;
  box.replaceChildren();
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
  for (const el of form.querySelectorAll('.field-error')) el.textContent = '';
}

// fieldError marks one input invalid with a message tied to it by
// aria-describedby, and focuses it.
export function fieldError(input, message) {
  input.setAttribute('aria-invalid', 'true');
  const slot = document.getElementById(`${input.id}-error`);
  if (slot) slot.textContent = message;
  input.focus();
}

export function setBusy(button, busy, busyLabel, idleLabel) {
  button.disabled = busy;
  button.setAttribute('aria-busy', busy ? 'true' : 'false');
  button.textContent = busy ? busyLabel : idleLabel;
}

// messageFor localises an API error; unknown codes fall back to the
// server's own sentence, then to a generic one.
export function messageFor(err) {
  const key = `error.${err.code}`;
  if (has(key)) return t(key);
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

// wirePasswordToggles makes every .toggle button show or hide the password
// input it controls.
export function wirePasswordToggles() {
  for (const button of document.querySelectorAll('.toggle')) {
    const input = document.getElementById(button.getAttribute('aria-controls'));
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

// keepQuery carries the page's query string (ui_locales, login_hint…) onto
// links between pages of the same interaction.
export function keepQuery(link) {
  if (link) link.href = link.getAttribute('href') + window.location.search;
}

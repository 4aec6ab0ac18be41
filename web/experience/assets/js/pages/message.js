// Message pages: /unknown-session, /error, /signed-out and the 404 page
// for any other path. Only known error codes are shown in words; the
// page never echoes free text from its URL.
import { t, has } from '../i18n.js';

const $ = (id) => document.getElementById(id);

export function button(id, label, className) {
  const b = document.createElement('button');
  b.type = 'button';
  b.id = id;
  b.className = className;
  b.textContent = label;
  return b;
}

function backButton() {
  const b = button('back', t('unknownSession.back'), 'secondary');
  b.addEventListener('click', () => window.history.back());
  return b;
}

function signInLink() {
  const a = document.createElement('a');
  a.href = '/sign-in';
  a.id = 'sign-in-link';
  a.className = 'button-link';
  a.textContent = t('forgot.backToSignIn');
  return a;
}

// showProblem turns the current page into an error message with a way
// back to sign in.
export function showProblem(ctx, titleKey, messageKey) {
  ctx.mount('message');
  $('message-icon').classList.add('icon-error');
  $('title').textContent = t(titleKey);
  $('message').textContent = messageKey ? t(messageKey) : '';
  $('message').hidden = !messageKey;
  $('actions').append(signInLink());
}

export default function message(ctx) {
  ctx.mount('message');
  const icon = $('message-icon');
  const title = $('title');
  const text = $('message');
  const actions = $('actions');
  if (ctx.notFound) {
    icon.classList.add('icon-error');
    title.textContent = t('notFound.title');
    text.textContent = t('notFound.message');
    actions.append(backButton());
    return;
  }
  switch (ctx.path.replace(/\/+$/, '')) {
    case '/unknown-session':
      icon.classList.add('icon-warning');
      title.textContent = t('unknownSession.title');
      text.textContent = t('unknownSession.message');
      actions.append(backButton());
      return;
    case '/signed-out':
      icon.classList.add('icon-success');
      title.textContent = t('signedOut.title');
      text.textContent = t('signedOut.message');
      return;
    default: {
      icon.classList.add('icon-error');
      title.textContent = t('error.title');
      const code = ctx.query.get('code') || '';
      text.textContent = has(`error.${code}`) ? t(`error.${code}`) : t('error.message');
      if (/^[\w.]{1,80}$/.test(code)) {
        const el = $('error-code');
        el.textContent = t('error.codeLabel', { code });
        el.hidden = false;
      }
      actions.append(backButton());
    }
  }
}

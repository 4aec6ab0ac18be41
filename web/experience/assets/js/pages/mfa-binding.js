// MFA set-up (Logto's /mfa-binding and /mfa-binding/:factor), reached
// from 422 user.missing_mfa (or session.mfa.backup_code_required):
//
//   Totp        POST verification/totp/secret → {verificationId, secret, secretQrCode}
//               POST verification/totp/verify {code, verificationId}
//   WebAuthn    POST verification/web-authn/registration → {verificationId, registrationOptions}
//               navigator.credentials.create → POST …/registration/verify {verificationId, payload}
//   BackupCode  POST verification/backup-code/generate → {verificationId, codes}
// then POST profile/mfa {type, verificationId} and resume (submit).
// Skipping, when allowed: POST profile/mfa/mfa-skipped.
import { api } from '../api.js';
import { t } from '../i18n.js';
import { navigate } from '../router.js';
import { getFlow, resume } from '../flow.js';
import { action, codeInput, invalid, showError } from '../form.js';
import * as webauthn from '../webauthn.js';
import { factorList } from './mfa-common.js';

const $ = (id) => document.getElementById(id);

export default async function mfaBinding(ctx) {
  const { factor } = ctx.params;
  const mfa = getFlow().mfa || {};
  const factors = mfa.availableFactors || [];
  if (!factor) return list(ctx, factors, mfa);
  if (factor === 'Totp') return totp(ctx, factors);
  if (factor === 'WebAuthn') return passkey(ctx, factors);
  return backupCodes(ctx);
}

function list(ctx, factors, mfa) {
  ctx.mount('mfa-list');
  factorList($('factors'), factors.filter((f) => f !== 'BackupCode'), (f) => navigate(`/mfa-binding/${f}`), 'bind');
  const skip = $('skip');
  skip.hidden = !mfa.skippable;
  if (mfa.skippable) {
    action(skip, async () => {
      const path = mfa.suggestion ? 'mfa-suggestion-skipped' : 'mfa-skipped';
      await api('POST', `/api/experience/profile/mfa/${path}`);
      await resume();
    });
  }
}

function otherLink(factors) {
  const link = $('other-methods');
  link.hidden = factors.filter((f) => f !== 'BackupCode').length < 2;
}

async function bind(type, verificationId) {
  await api('POST', '/api/experience/profile/mfa', { type, verificationId });
  await resume();
}

async function totp(ctx, factors) {
  ctx.mount('mfa-totp-binding');
  otherLink(factors);
  const input = $('code');
  const form = $('code-form');
  let secret;
  try {
    secret = await api('POST', '/api/experience/verification/totp/secret');
  } catch (err) {
    form.querySelector('button').disabled = true;
    throw err;
  }
  if (!ctx.isCurrent()) return;
  const qr = $('qr');
  if (/^data:image\/(png|svg\+xml|gif|jpeg);base64,/.test(secret.secretQrCode || '')) {
    qr.src = secret.secretQrCode;
    qr.alt = t('totp.qrAlt');
  } else {
    qr.closest('.qr-wrap').hidden = true;
  }
  $('secret').textContent = (secret.secret || '').replace(/(.{4})/g, '$1 ').trim();
  $('copy-secret').addEventListener('click', () => copy(secret.secret, $('copy-secret')));

  const submit = action(form, async () => {
    const code = input.value.trim();
    if (!/^\d{6}$/.test(code)) throw invalid(input, t('validation.code'));
    try {
      await api('POST', '/api/experience/verification/totp/verify', { code, verificationId: secret.verificationId });
    } catch (err) {
      input.value = '';
      err.input = input;
      throw err;
    }
    await bind('Totp', secret.verificationId);
  });
  codeInput(input, () => submit());
  input.focus();
}

async function passkey(ctx, factors) {
  ctx.mount('mfa-webauthn');
  otherLink(factors);
  const button = $('submit');
  if (!webauthn.supported()) {
    showError(t('webauthn.unsupported'));
    return;
  }
  action(button, async () => {
    const { verificationId, registrationOptions } = await api('POST', '/api/experience/verification/web-authn/registration');
    let payload;
    try {
      payload = await webauthn.register(registrationOptions);
    } catch (err) {
      showError(t(webauthn.cancelled(err) ? 'webauthn.cancelled' : 'webauthn.failed'));
      return;
    }
    await api('POST', '/api/experience/verification/web-authn/registration/verify', { verificationId, payload });
    await bind('WebAuthn', verificationId);
  });
  button.focus();
}

async function backupCodes(ctx) {
  ctx.mount('mfa-backup-binding');
  const { verificationId, codes = [] } = await api('POST', '/api/experience/verification/backup-code/generate');
  if (!ctx.isCurrent()) return;
  const listEl = $('backup-codes');
  listEl.setAttribute('aria-label', t('backup.listLabel'));
  for (const code of codes) {
    const li = document.createElement('li');
    li.textContent = code;
    listEl.append(li);
  }
  const text = codes.join('\n');
  $('copy-codes').addEventListener('click', () => copy(text, $('copy-codes')));
  $('download-codes').addEventListener('click', () => {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([`${text}\n`], { type: 'text/plain' }));
    a.download = 'backup-codes.txt';
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  });
  action($('submit'), () => bind('BackupCode', verificationId));
}

async function copy(text, button) {
  try {
    await navigator.clipboard.writeText(text);
    const idle = button.textContent;
    button.textContent = t('common.copied');
    setTimeout(() => { button.textContent = idle; }, 1500);
  } catch {
    // Clipboard denied: the text stays visible and selectable.
  }
}

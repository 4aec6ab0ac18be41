// MFA verification at sign-in (Logto's /mfa-verification/:factor),
// reached from 403 session.mfa.require_mfa_verification:
//
//   Totp                   POST verification/totp/verify {code}
//   BackupCode             POST verification/backup-code/verify {code}
//   WebAuthn               POST verification/web-authn/authentication
//                          → navigator.credentials.get → …/authentication/verify
//   Email/PhoneVerificationCode
//                          POST verification/mfa-verification-code {identifierType}
//                          → …/mfa-verification-code/verify {verificationId, code, identifierType}
// then POST submit again.
import { api } from '../api.js';
import { t } from '../i18n.js';
import { navigate } from '../router.js';
import { finish, getFlow } from '../flow.js';
import { action, codeInput, invalid, showError } from '../form.js';
import { countdown } from '../countdown.js';
import * as webauthn from '../webauthn.js';
import { factorList } from './mfa-common.js';

const $ = (id) => document.getElementById(id);

export default async function mfaVerification(ctx) {
  const mfa = getFlow().mfa || {};
  const factors = mfa.availableFactors || [];
  const { factor } = ctx.params;
  if (!factor) {
    if (!factors.length) {
      navigate('/sign-in', { replace: true });
      return;
    }
    navigate(`/mfa-verification/${factors[0]}`, { replace: true });
    return;
  }
  if (factor === 'WebAuthn') {
    ctx.mount('mfa-verify-webauthn');
    others(factors, factor);
    passkey();
    return;
  }
  ctx.mount('mfa-verify-code');
  others(factors, factor);
  const input = $('code');
  const form = $('code-form');
  const subtitle = $('subtitle');
  let verify;
  switch (factor) {
    case 'Totp':
      subtitle.textContent = t('totp.verifySubtitle');
      verify = (code) => api('POST', '/api/experience/verification/totp/verify', { code });
      break;
    case 'BackupCode':
      subtitle.textContent = t('backup.verifySubtitle');
      $('code-label').textContent = t('field.backupCode');
      input.inputMode = 'text';
      input.autocomplete = 'off';
      input.removeAttribute('maxlength');
      verify = (code) => api('POST', '/api/experience/verification/backup-code/verify', { code });
      break;
    default: {
      const identifierType = factor === 'PhoneVerificationCode' ? 'phone' : 'email';
      const masked = mfa.maskedIdentifiers?.[factor] || '';
      subtitle.textContent = t(identifierType === 'phone' ? 'code.sentToPhone' : 'code.sentToEmail', { identifier: masked });
      let verificationId;
      const send = async () => {
        ({ verificationId } = await api('POST', '/api/experience/verification/mfa-verification-code', { identifierType }));
      };
      const resend = $('resend');
      $('resend-row').hidden = false;
      let stop = () => {};
      action(resend, async () => {
        await send();
        stop();
        stop = countdown($('countdown'), resend, Date.now());
      });
      try {
        await send();
        stop = countdown($('countdown'), resend, Date.now());
      } catch (err) {
        showError(err.message || t('error.unknown'));
      }
      verify = (code) => api('POST', '/api/experience/verification/mfa-verification-code/verify',
        { verificationId, code, identifierType });
    }
  }
  const numeric = factor !== 'BackupCode';
  const submit = action(form, async () => {
    const code = input.value.trim();
    if (numeric && !/^\d{6}$/.test(code)) throw invalid(input, t('validation.code'));
    if (!code) throw invalid(input, t('validation.codeRequired'));
    try {
      await verify(code);
    } catch (err) {
      input.value = '';
      err.input = input;
      throw err;
    }
    await finish();
  });
  if (numeric) codeInput(input, () => submit());
  input.focus();
}

function passkey() {
  const button = $('submit');
  if (!webauthn.supported()) {
    showError(t('webauthn.unsupported'));
    return;
  }
  action(button, async () => {
    const { verificationId, authenticationOptions } = await api('POST', '/api/experience/verification/web-authn/authentication');
    let payload;
    try {
      payload = await webauthn.authenticate(authenticationOptions);
    } catch (err) {
      showError(t(webauthn.cancelled(err) ? 'webauthn.cancelled' : 'webauthn.failed'));
      return;
    }
    await api('POST', '/api/experience/verification/web-authn/authentication/verify', { verificationId, payload });
    await finish();
  });
  button.focus();
}

function others(factors, current) {
  const rest = factors.filter((f) => f !== current);
  if (!rest.length) return;
  $('other').hidden = false;
  factorList($('other-list'), rest, (f) => navigate(`/mfa-verification/${f}`, { replace: true }), 'verify');
}

// Forgot password (Logto's /forgot-password, /reset-password): the
// e-mail or phone the account uses, then a code.
//
//   PUT /api/experience {ForgotPassword}
//   POST verification/verification-code {identifier, interactionEvent: ForgotPassword}
//   → /forgot-password/verification-code → /forgot-password/reset
// The answer is the same whether or not the account exists.
import { api } from '../api.js';
import { t } from '../i18n.js';
import { navigate } from '../router.js';
import { authParams, identifierOf, setFlow, start } from '../flow.js';
import { action, blame, configureIdentifierInput, identifierLabel, invalid } from '../form.js';

const $ = (id) => document.getElementById(id);

export default function forgotPassword(ctx) {
  const { settings } = ctx;
  ctx.mount('forgot-password');
  const forgot = settings.forgotPassword || {};
  const types = ['email', 'phone'].filter((m) => forgot[m]);
  const form = $('forgot-form');
  const identifier = $('identifier');
  if (!types.length) {
    form.hidden = true;
    $('subtitle').hidden = true;
    $('unavailable').hidden = false;
    return;
  }
  $('identifier-label').textContent = t(identifierLabel(types));
  configureIdentifierInput(identifier, types);
  $('subtitle').textContent = t(types.length === 2 ? 'forgot.subtitleEither' : `forgot.subtitle.${types[0]}`);
  const hint = authParams().login_hint;
  if (hint && (hint.includes('@') ? types.includes('email') : types.includes('phone'))) identifier.value = hint;

  action(form, async () => {
    const value = identifier.value.trim();
    if (!value) throw invalid(identifier, t('validation.identifierRequired', { field: t(identifierLabel(types)) }));
    const id = identifierOf(value, types);
    if (id.type === 'email' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(id.value)) throw invalid(identifier, t('validation.email'));
    await start('ForgotPassword');
    const { verificationId } = await blame(identifier, () => api('POST', '/api/experience/verification/verification-code', {
      identifier: id, interactionEvent: 'ForgotPassword',
    }));
    setFlow({ event: 'ForgotPassword', identifier: id, verificationId, codeSentAt: Date.now() });
    await navigate('/forgot-password/verification-code');
  });
  identifier.focus();
}

// The register page (Logto's /register, /identifier-register), shaped by
// the sign-up settings:
//
// username (+ password):  PUT /api/experience {Register}
//                         → POST profile {username} (→ POST profile {password})
//                         → POST identification {} (201) → POST submit
// email / phone:          PUT /api/experience {Register}
//                         → POST verification/verification-code → /register/verification-code
// Anything still missing (e.g. a password after an e-mail sign-up) comes
// back as user.missing_profile and is asked for on /continue/:method.
import { api } from '../api.js';
import { t } from '../i18n.js';
import { navigate } from '../router.js';
import { authParams, finish, identifierOf, setFlow, start } from '../flow.js';
import {
  action, blame, checkNewPassword, configureIdentifierInput, identifierLabel, invalid, passwordHint, report,
  wirePasswordToggles,
} from '../form.js';
import { renderSocial } from '../social.js';

const $ = (id) => document.getElementById(id);
// Logto's username rule: a letter or underscore, then word characters.
export const usernamePattern = /^[A-Z_a-z]\w*$/;

export default function register(ctx) {
  const { settings } = ctx;
  if (settings.signInMode === 'SignIn') {
    navigate('/sign-in', { replace: true });
    return;
  }
  ctx.mount('register');
  const params = authParams();
  const signUp = settings.signUp || {};
  let ids = (signUp.identifiers || []).filter((i) => ['username', 'email', 'phone'].includes(i));
  const wanted = (params.identifier || '').split(/[\s,]+/);
  if (ctx.path === '/identifier-register' && ids.some((i) => wanted.includes(i))) ids = ids.filter((i) => wanted.includes(i));

  // Username is the primary identifier when present (Logto); otherwise
  // e-mail and/or phone, verified by a code.
  const byUsername = ids.includes('username');
  const codeTypes = ids.filter((i) => i === 'email' || i === 'phone');
  const form = $('register-form');
  const username = $('username');
  const identifier = $('identifier');
  const password = $('password');
  const confirm = $('confirmPassword');
  wirePasswordToggles(form);
  $('password-hint').textContent = passwordHint(settings);
  renderSocial(settings, report);

  $('username-field').hidden = !byUsername;
  $('identifier-field').hidden = byUsername || !codeTypes.length;
  // With a code sign-up the password, if required, is asked after the
  // code (Logto's order).
  const askPassword = byUsername && signUp.password !== false;
  $('password-fields').hidden = !askPassword;
  password.required = askPassword;
  confirm.required = askPassword;
  if (!byUsername && codeTypes.length) {
    $('identifier-label').textContent = t(identifierLabel(codeTypes));
    configureIdentifierInput(identifier, codeTypes);
    $('submit').textContent = t('register.sendCode');
  }
  if (!byUsername && !codeTypes.length) {
    form.hidden = true; // social sign-up only
    $('social').querySelector('.divider')?.setAttribute('hidden', '');
  }
  const hint = params.login_hint;
  if (hint && !byUsername) identifier.value = hint;

  action(form, async () => {
    if (byUsername) {
      const name = username.value.trim();
      if (!name) throw invalid(username, t('validation.usernameRequired'));
      if (!usernamePattern.test(name) || name.length > 128) throw invalid(username, t('validation.usernameFormat'));
      if (askPassword) checkNewPassword(settings, password, confirm);
      await start('Register');
      await blame(username, () => api('POST', '/api/experience/profile', { type: 'username', value: name }));
      if (askPassword) {
        await blame(password, () => api('POST', '/api/experience/profile', { type: 'password', value: password.value }));
      }
      await finish({ identify: true, verificationId: '' });
      return;
    }
    const value = identifier.value.trim();
    if (!value) throw invalid(identifier, t('validation.identifierRequired', { field: t(identifierLabel(codeTypes)) }));
    const id = identifierOf(value, codeTypes);
    if (id.type === 'email' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(id.value)) throw invalid(identifier, t('validation.email'));
    await start('Register');
    const { verificationId } = await blame(identifier, () => api('POST', '/api/experience/verification/verification-code', {
      identifier: id, interactionEvent: 'Register',
    }));
    setFlow({ event: 'Register', identifier: id, verificationId, codeSentAt: Date.now() });
    await navigate('/register/verification-code');
  });

  (byUsername ? username : identifier).focus();
}

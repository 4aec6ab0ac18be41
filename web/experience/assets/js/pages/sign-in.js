// The sign-in page (Logto's /sign-in, /identifier-sign-in): identifier +
// password, or identifier + verification code, per the sign-in methods;
// social buttons; links to register and to reset the password.
//
// Password:  PUT /api/experience {SignIn} → POST verification/password
//            → POST identification {verificationId} → POST submit
// Code:      PUT /api/experience {SignIn} → POST verification/verification-code
//            → /sign-in/verification-code
import { api } from '../api.js';
import { t } from '../i18n.js';
import { navigate } from '../router.js';
import { authParams, finish, identifierOf, setFlow, start } from '../flow.js';
import {
  action, blame, configureIdentifierInput, identifierLabel, invalid, report, showError, wirePasswordToggles,
} from '../form.js';
import { renderSocial } from '../social.js';

const $ = (id) => document.getElementById(id);
const allTypes = ['username', 'email', 'phone'];

export default function signIn(ctx) {
  const { settings } = ctx;
  if (settings.signInMode === 'Register') {
    navigate('/register', { replace: true });
    return;
  }
  ctx.mount('sign-in');
  const params = authParams();

  // The identifier parameter narrows the identifier types shown.
  let methods = (settings.signIn?.methods || []).filter((m) => allTypes.includes(m.identifier));
  const wanted = (params.identifier || '').split(/[\s,]+/).filter((s) => allTypes.includes(s));
  if (wanted.length && methods.some((m) => wanted.includes(m.identifier))) {
    methods = methods.filter((m) => wanted.includes(m.identifier));
  }
  const passwordTypes = methods.filter((m) => m.password).map((m) => m.identifier);
  const codeTypes = methods
    .filter((m) => m.verificationCode && (m.identifier === 'email' || m.identifier === 'phone'))
    .map((m) => m.identifier);
  const first = methods[0];
  let mode = first && first.verificationCode && !(first.password && first.isPasswordPrimary) && codeTypes.length
    ? 'code' : 'password';
  if (!passwordTypes.length) mode = 'code';

  const form = $('sign-in-form');
  const identifier = $('identifier');
  const password = $('password');
  const passwordField = $('password-field');
  const submit = $('submit');
  const switcher = $('switch-method');
  wirePasswordToggles(form);

  const forgot = settings.forgotPassword || {};
  $('forgot-link').hidden = !(forgot.email || forgot.phone);
  $('register-link').hidden = settings.signInMode === 'SignIn';
  renderSocial(settings, report);

  if (!passwordTypes.length && !codeTypes.length) {
    // Social sign-in only.
    form.hidden = true;
    $('social').querySelector('.divider')?.setAttribute('hidden', '');
  }

  const hint = ctx.query.get('login_hint') || params.login_hint;
  if (hint) identifier.value = hint;

  const types = () => (mode === 'password' ? passwordTypes : codeTypes);
  const showMode = () => {
    const list = types();
    $('identifier-label').textContent = t(identifierLabel(list));
    configureIdentifierInput(identifier, list);
    passwordField.hidden = mode !== 'password';
    password.required = mode === 'password';
    submit.textContent = t(mode === 'password' ? 'signIn.submit' : 'signIn.sendCode');
    const other = mode === 'password' ? codeTypes : passwordTypes;
    switcher.hidden = !other.length;
    switcher.textContent = t(mode === 'password' ? 'signIn.useCode' : 'signIn.usePassword');
  };
  switcher.addEventListener('click', () => {
    mode = mode === 'password' ? 'code' : 'password';
    showMode();
    identifier.focus();
  });
  showMode();

  action(form, async () => {
    const value = identifier.value.trim();
    const label = t(identifierLabel(types()));
    if (!value) throw invalid(identifier, t('validation.identifierRequired', { field: label }));
    const id = identifierOf(value, types());
    if (id.type === 'email' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(id.value)) throw invalid(identifier, t('validation.email'));

    if (mode === 'code') {
      await start('SignIn');
      const { verificationId } = await blame(identifier, () => api('POST', '/api/experience/verification/verification-code', {
        identifier: id, interactionEvent: 'SignIn',
      }));
      setFlow({ event: 'SignIn', identifier: id, verificationId, codeSentAt: Date.now() });
      await navigate('/sign-in/verification-code');
      return;
    }

    if (!password.value) throw invalid(password, t('validation.passwordRequired'));
    await start('SignIn');
    let verificationId;
    try {
      ({ verificationId } = await api('POST', '/api/experience/verification/password', {
        identifier: id, password: password.value,
      }));
    } catch (err) {
      if (err.code === 'session.invalid_credentials') {
        showError(t('error.session.invalid_credentials'));
        password.select();
        password.focus();
        err.handled = true;
      }
      throw err;
    }
    setFlow({ identifier: id, verificationId });
    await finish({ identify: true, verificationId });
  });

  (hint && mode === 'password' ? password : identifier).focus();
}

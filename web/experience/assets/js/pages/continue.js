// Fill in a missing profile field (Logto's /continue/:method), reached
// from a 422 user.missing_profile: password or username directly with
// POST /api/experience/profile; e-mail or phone through a code
// (/continue/verification-code). Then the interaction resumes.
import { api } from '../api.js';
import { t } from '../i18n.js';
import { navigate } from '../router.js';
import { getFlow, identifierOf, resume, setFlow } from '../flow.js';
import {
  action, blame, checkNewPassword, configureIdentifierInput, identifierLabel, invalid, passwordHint,
  wirePasswordToggles,
} from '../form.js';
import { usernamePattern } from './register.js';

const $ = (id) => document.getElementById(id);

export default function continuePage(ctx) {
  const { method } = ctx.params;
  if (method === 'password') return setPassword(ctx);
  ctx.mount('continue');
  const input = $('identifier');
  const form = $('continue-form');
  $('title').textContent = t(`continue.title.${method}`);
  $('subtitle').textContent = t('continue.subtitle');

  if (method === 'username') {
    $('identifier-label').textContent = t('field.username');
    input.autocomplete = 'username';
    const hint = $('identifier-hint');
    hint.textContent = t('hint.username');
    hint.hidden = false;
    action(form, async () => {
      const name = input.value.trim();
      if (!name) throw invalid(input, t('validation.usernameRequired'));
      if (!usernamePattern.test(name) || name.length > 128) throw invalid(input, t('validation.usernameFormat'));
      await blame(input, () => api('POST', '/api/experience/profile', { type: 'username', value: name }));
      await resume();
    });
    input.focus();
    return undefined;
  }

  const types = method === 'email-or-phone' ? ['email', 'phone'] : [method];
  $('identifier-label').textContent = t(identifierLabel(types));
  configureIdentifierInput(input, types);
  $('submit').textContent = t('register.sendCode');
  action(form, async () => {
    const value = input.value.trim();
    if (!value) throw invalid(input, t('validation.identifierRequired', { field: t(identifierLabel(types)) }));
    const id = identifierOf(value, types);
    if (id.type === 'email' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(id.value)) throw invalid(input, t('validation.email'));
    const event = await currentEvent();
    const { verificationId } = await blame(input, () => api('POST', '/api/experience/verification/verification-code', {
      identifier: id, interactionEvent: event,
    }));
    setFlow({ event, identifier: id, verificationId, codeSentAt: Date.now() });
    await navigate('/continue/verification-code');
  });
  input.focus();
  return undefined;
}

function setPassword(ctx) {
  ctx.mount('new-password');
  $('title').textContent = t('continue.title.password');
  $('subtitle').textContent = t('continue.subtitle');
  $('submit').textContent = t('common.continue');
  const form = $('password-form');
  const password = $('password');
  const confirm = $('confirmPassword');
  wirePasswordToggles(form);
  $('password-hint').textContent = passwordHint(ctx.settings);
  action(form, async () => {
    checkNewPassword(ctx.settings, password, confirm);
    await blame(password, () => api('POST', '/api/experience/profile', { type: 'password', value: password.value }));
    await resume();
  });
  password.focus();
}

async function currentEvent() {
  const flow = getFlow();
  if (flow.event) return flow.event;
  try {
    const state = await api('GET', '/api/experience/interaction');
    return state.interactionEvent || 'SignIn';
  } catch {
    return 'SignIn';
  }
}

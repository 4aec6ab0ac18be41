// The verification code page (Logto's /:flow/verification-code): enter the
// 6-digit code sent to the identifier, resend it after a countdown, then
// go on by flow:
//
//   sign-in          identification {verificationId} → submit (an unknown
//                    account may register instead, as Logto offers)
//   register         identification {verificationId} (creates the user) → submit
//   forgot-password  identification {verificationId} → /forgot-password/reset
//   continue         profile {type: email|phone, verificationId} → submit
import { api } from '../api.js';
import { t } from '../i18n.js';
import { navigate } from '../router.js';
import { finish, getFlow, resume, setFlow } from '../flow.js';
import { action, blame, codeInput, invalid, showError } from '../form.js';
import { countdown } from '../countdown.js';

const $ = (id) => document.getElementById(id);
const events = { 'sign-in': 'SignIn', register: 'Register', 'forgot-password': 'ForgotPassword' };
const backTo = { 'sign-in': '/sign-in', register: '/register', 'forgot-password': '/forgot-password', continue: '/sign-in' };

export default function verificationCode(ctx) {
  const { flow: flowName } = ctx.params;
  const flow = getFlow();
  if (!flow.identifier?.value || !flow.verificationId) {
    navigate(backTo[flowName], { replace: true });
    return;
  }
  ctx.mount('code');
  const event = events[flowName] || flow.event || 'SignIn';
  const input = $('code');
  const form = $('code-form');
  $('code-sent').textContent = t(flow.identifier.type === 'phone' ? 'code.sentToPhone' : 'code.sentToEmail',
    { identifier: flow.identifier.value });
  $('back-link').setAttribute('href', backTo[flowName]);

  const resend = $('resend');
  let stop = countdown($('countdown'), resend, flow.codeSentAt || Date.now());
  action(resend, async () => {
    const { verificationId } = await api('POST', '/api/experience/verification/verification-code', {
      identifier: flow.identifier, interactionEvent: event,
    });
    setFlow({ verificationId, codeSentAt: Date.now() });
    stop();
    stop = countdown($('countdown'), resend, Date.now());
    $('notice').textContent = t('code.resent');
    $('notice').hidden = false;
    input.focus();
  });

  const submit = action(form, async () => {
    const code = input.value.trim();
    if (!/^\d{6}$/.test(code)) throw invalid(input, t('validation.code'));
    const current = getFlow();
    let verificationId;
    try {
      ({ verificationId } = await api('POST', '/api/experience/verification/verification-code/verify', {
        identifier: current.identifier, verificationId: current.verificationId, code,
      }));
    } catch (err) {
      if (err.code?.startsWith('verification_code.') || err.code === 'session.verification_failed') {
        input.value = '';
        err.input = input;
      }
      throw err;
    }
    verificationId ||= current.verificationId;
    setFlow({ verificationId });
    await next(flowName, verificationId, ctx.settings);
  });
  codeInput(input, () => submit());
  input.focus();
}

async function next(flowName, verificationId, settings) {
  switch (flowName) {
    case 'sign-in':
      try {
        await api('POST', '/api/experience/identification', { verificationId });
      } catch (err) {
        if ((err.code === 'user.user_not_exist' || err.code === 'user.identity_not_exist') && settings.signInMode !== 'SignIn') {
          offer(t('code.noAccount'), t('code.createAccount'), async () => {
            await api('PUT', '/api/experience/interaction-event', { interactionEvent: 'Register' });
            await finish({ identify: true, verificationId });
          });
          return;
        }
        throw err;
      }
      await finish();
      return;
    case 'register':
      try {
        await api('POST', '/api/experience/identification', { verificationId });
      } catch (err) {
        if (/^user\.(email|phone)_already_in_use$/.test(err.code) && settings.signInMode !== 'Register') {
          offer(t(`error.${err.code}`), t('code.signInInstead'), async () => {
            await api('PUT', '/api/experience/interaction-event', { interactionEvent: 'SignIn' });
            await finish({ identify: true, verificationId });
          });
          return;
        }
        throw err;
      }
      await finish();
      return;
    case 'forgot-password':
      await api('POST', '/api/experience/identification', { verificationId });
      await navigate('/forgot-password/reset', { replace: true });
      return;
    default: {
      const { identifier } = getFlow();
      await blame($('code'), () => api('POST', '/api/experience/profile', { type: identifier.type, verificationId }));
      await resume();
    }
  }
}

// offer shows a message with one action button (Logto's confirm modals).
function offer(message, label, fn) {
  showError(message);
  const box = $('error');
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'secondary small alert-action';
  button.textContent = label;
  button.id = 'offer';
  box.append(button);
  button.focus();
  action(button, fn);
}


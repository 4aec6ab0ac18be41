// Set a new password (Logto's /forgot-password/reset), after the code:
//   PUT /api/experience/profile/password {password} → POST submit
// A ForgotPassword submit has no redirectTo: the user goes back to sign in.
import { api } from '../api.js';
import { t } from '../i18n.js';
import { flash, navigate } from '../router.js';
import { getFlow, resetFlow } from '../flow.js';
import { action, blame, checkNewPassword, passwordHint, wirePasswordToggles } from '../form.js';

const $ = (id) => document.getElementById(id);

export default function resetPassword(ctx) {
  if (getFlow().event !== 'ForgotPassword') {
    navigate('/forgot-password', { replace: true });
    return;
  }
  ctx.mount('new-password');
  const form = $('password-form');
  const password = $('password');
  const confirm = $('confirmPassword');
  wirePasswordToggles(form);
  $('password-hint').textContent = passwordHint(ctx.settings);

  action(form, async () => {
    checkNewPassword(ctx.settings, password, confirm);
    await blame(password, () => api('PUT', '/api/experience/profile/password', { password: password.value }));
    const result = await api('POST', '/api/experience/submit');
    if (result?.redirectTo) {
      window.location.assign(result.redirectTo);
      return;
    }
    resetFlow();
    flash(t('reset.done'));
    await navigate('/sign-in', { replace: true });
  });
  password.focus();
}

// Logto's direct sign-in (/direct/:method/:target?fallback=…), reached
// through the direct_sign_in authentication parameter: skip the first
// screen and go straight to a social connector. Unknown targets and
// methods Gatehouse lacks (sso) fall back to the first screen.
import { navigate } from '../router.js';
import { t } from '../i18n.js';
import { report } from '../form.js';
import { connectorName, startSocial } from '../social.js';

const firstScreens = ['sign-in', 'register', 'identifier-sign-in', 'identifier-register', 'reset-password', 'forgot-password'];

export default async function direct(ctx) {
  const { method, target } = ctx.params;
  const fallback = ctx.query.get('fallback') || 'sign-in';
  const back = `/${firstScreens.includes(fallback.replace(/^\//, '')) ? fallback.replace(/^\//, '') : 'sign-in'}`;
  const connector = method === 'social'
    && (ctx.settings.socialConnectors || []).find((c) => c.target === target || c.id === target);
  if (!connector) {
    navigate(back, { replace: true });
    return;
  }
  ctx.mount('pending');
  document.getElementById('title').textContent = t('social.redirecting', { name: connectorName(connector) });
  try {
    await startSocial(connector.id);
  } catch (err) {
    await navigate(back, { replace: true });
    report(err);
  }
}

// Logto's /social/landing/:connectorId: a neutral page that forwards to
// the identity provider, used when a native app or another page hands the
// browser over. ?redirectTo= (http/https only) is followed as is;
// otherwise the social sign-in starts here.
import { t } from '../i18n.js';
import { report } from '../form.js';
import { connectorName, startSocial } from '../social.js';
import { showProblem } from './message.js';

export default async function socialLanding(ctx) {
  const { connectorId } = ctx.params;
  ctx.mount('pending');
  const connector = (ctx.settings.socialConnectors || []).find((c) => c.id === connectorId || c.target === connectorId);
  document.getElementById('title').textContent = t('social.redirecting', { name: connector ? connectorName(connector) : connectorId });
  const target = ctx.query.get('redirectTo') || '';
  if (/^https?:\/\//i.test(target)) {
    window.location.assign(target);
    return;
  }
  if (!connector) {
    showProblem(ctx, 'social.failedTitle', 'social.unknownConnector');
    return;
  }
  try {
    await startSocial(connector.id);
  } catch (err) {
    showProblem(ctx, 'social.failedTitle', '');
    report(err);
  }
}

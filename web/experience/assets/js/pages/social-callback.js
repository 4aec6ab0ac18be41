// The return from a social identity provider (Logto's /callback/:connectorId
// and /callback/social/:connectorId). The state is checked against the one
// saved before leaving, then:
//   POST verification/social/:connectorId/verify {connectorData, verificationId}
//   POST identification {verificationId} → submit
// An unknown social identity registers (when allowed), or links to the
// existing account that shares its e-mail or phone (/social/link).
import { api } from '../api.js';
import { t } from '../i18n.js';
import { navigate } from '../router.js';
import { finish, getFlow, setFlow } from '../flow.js';
import { report } from '../form.js';
import { showProblem } from './message.js';

const $ = (id) => document.getElementById(id);

export default async function socialCallback(ctx) {
  const { connectorId } = ctx.params;
  ctx.mount('pending');
  $('title').textContent = t('social.signingIn');
  const social = getFlow().social;
  const data = Object.fromEntries(ctx.query);
  if (!social || social.connectorId !== connectorId) {
    showProblem(ctx, 'social.lostTitle', 'social.lostMessage');
    return;
  }
  if (data.error) {
    showProblem(ctx, 'social.failedTitle', 'social.deniedMessage');
    return;
  }
  if (!data.state || data.state !== social.state) {
    showProblem(ctx, 'social.failedTitle', 'social.stateMessage');
    return;
  }
  // The code is single-use; drop it from the address bar and history.
  window.history.replaceState(null, '', ctx.path);
  try {
    const { verificationId } = await api('POST',
      `/api/experience/verification/social/${encodeURIComponent(connectorId)}/verify`,
      { connectorData: { ...data, redirectUri: social.redirectUri }, verificationId: social.verificationId });
    setFlow({ verificationId });
    try {
      await api('POST', '/api/experience/identification', { verificationId });
    } catch (err) {
      if (err.code !== 'user.identity_not_exist') throw err;
      if (err.data?.relatedUser) {
        setFlow({ social: { ...social, verificationId, relatedUser: err.data.relatedUser } });
        await navigate(`/social/link/${encodeURIComponent(connectorId)}`, { replace: true });
        return;
      }
      if (ctx.settings.signInMode === 'SignIn') throw err;
      await api('PUT', '/api/experience/interaction-event', { interactionEvent: 'Register' });
      await finish({ identify: true, verificationId });
      return;
    }
    await finish();
  } catch (err) {
    showProblem(ctx, 'social.failedTitle', '');
    report(err);
  }
}

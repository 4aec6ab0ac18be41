// Link a social identity to the existing account that has its e-mail or
// phone (Logto's /social/link/:connectorId), or create a new account.
//   link:     POST identification {verificationId, linkSocialIdentity: true} → submit
//   register: PUT interaction-event {Register} → POST identification {verificationId} → submit
import { api } from '../api.js';
import { t } from '../i18n.js';
import { navigate } from '../router.js';
import { finish, getFlow } from '../flow.js';
import { action } from '../form.js';
import { button } from './message.js';

const $ = (id) => document.getElementById(id);

export default function socialLink(ctx) {
  const social = getFlow().social;
  if (!social?.relatedUser) {
    navigate('/sign-in', { replace: true });
    return;
  }
  ctx.mount('message');
  $('message-icon').classList.add('icon-link');
  $('title').textContent = t('social.linkTitle');
  const related = social.relatedUser;
  $('message').textContent = t('social.linkMessage', { identifier: related.value || related.identifier || '' });
  const actions = $('actions');
  const link = button('link', t('social.link'), 'primary');
  actions.append(link);
  action(link, async () => {
    await api('POST', '/api/experience/identification', { verificationId: social.verificationId, linkSocialIdentity: true });
    await finish();
  });
  if (ctx.settings.signInMode !== 'SignIn') {
    const create = button('create', t('social.createNew'), 'secondary');
    actions.append(create);
    action(create, async () => {
      await api('PUT', '/api/experience/interaction-event', { interactionEvent: 'Register' });
      await finish({ identify: true, verificationId: social.verificationId });
    });
  }
}

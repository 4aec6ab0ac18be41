// Social sign-in buttons and the start of a social sign-in (Logto's
// verification/social/:connectorId/authorization-uri).
import { api } from './api.js';
import { t, current } from './i18n.js';
import { setFlow } from './flow.js';
import { isSafeImage } from './settings.js';

// connectorName picks the connector's name in the UI language.
export function connectorName(connector) {
  const name = connector.name;
  if (typeof name === 'string') return name;
  if (name && typeof name === 'object') return name[current()] || name.en || Object.values(name)[0] || connector.target;
  return connector.target || connector.id;
}

// renderSocial fills #social-buttons from settings.socialConnectors.
export function renderSocial(settings, onError) {
  const connectors = Array.isArray(settings.socialConnectors) ? settings.socialConnectors : [];
  const box = document.getElementById('social');
  const list = document.getElementById('social-buttons');
  if (!box || !connectors.length) return;
  for (const connector of connectors) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'social-button';
    button.dataset.connector = connector.id;
    if (isSafeImage(connector.logo)) {
      const img = document.createElement('img');
      img.src = connector.logo;
      img.alt = '';
      img.width = 20;
      img.height = 20;
      button.append(img);
    }
    const label = document.createElement('span');
    label.textContent = t('social.continueWith', { name: connectorName(connector) });
    button.append(label);
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        await startSocial(connector.id);
      } catch (err) {
        button.disabled = false;
        onError(err);
      }
    });
    list.append(button);
  }
  box.hidden = false;
}

// startSocial asks for the connector's authorization URI and leaves for
// the identity provider. The state is checked on return (/callback).
export async function startSocial(connectorId, event = 'SignIn') {
  const state = randomState();
  const redirectUri = `${window.location.origin}/callback/${encodeURIComponent(connectorId)}`;
  await api('PUT', '/api/experience', { interactionEvent: event });
  const { verificationId, authorizationUri } = await api(
    'POST', `/api/experience/verification/social/${encodeURIComponent(connectorId)}/authorization-uri`,
    { state, redirectUri },
  );
  setFlow({ event, social: { connectorId, state, verificationId, redirectUri } });
  if (!/^https?:\/\//i.test(authorizationUri || '')) throw new Error(t('error.unknown'));
  window.location.assign(authorizationUri);
  await new Promise(() => {});
}

function randomState() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

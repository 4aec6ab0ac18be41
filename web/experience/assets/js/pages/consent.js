// Consent for third-party applications (Logto's /consent):
//   GET  /api/interaction/consent → {application, user, organizations?,
//        missingOIDCScope?, missingResourceScopes?, redirectUri?}
//   POST /api/interaction/consent {organizationIds?} → {redirectTo}
// Cancel goes back to the application's redirect URI; "Not you?" signs out.
import { api } from '../api.js';
import { t, has } from '../i18n.js';
import { action, report } from '../form.js';
import { isSafeImage } from '../settings.js';
import { showProblem } from './message.js';

const $ = (id) => document.getElementById(id);

export default async function consent(ctx) {
  let info;
  try {
    info = await api('GET', '/api/interaction/consent');
  } catch (err) {
    if (err.code === 'session.not_found' || err.status === 404) {
      showProblem(ctx, 'unknownSession.title', 'unknownSession.message');
      return;
    }
    if (err.code === 'oidc.access_denied') {
      showProblem(ctx, 'consent.deniedTitle', 'consent.deniedMessage');
      return;
    }
    showProblem(ctx, 'error.title', '');
    report(err);
    return;
  }
  if (!ctx.isCurrent()) return;
  ctx.mount('consent');
  const app = info.application || {};
  const appName = app.displayName || app.name || app.id || '';
  $('title').textContent = t('consent.title', { name: appName });
  const logo = app.branding?.logoUrl;
  if (isSafeImage(logo)) $('app-logo').src = logo;
  $('app-logo').alt = appName;

  const user = info.user || {};
  const display = user.name || user.username || user.primaryEmail || user.primaryPhone || user.id || '';
  $('user-name').textContent = display;
  const secondary = [user.primaryEmail, user.primaryPhone, user.username].find((v) => v && v !== display) || '';
  $('user-id').textContent = secondary;
  const avatar = $('user-avatar');
  if (isSafeImage(user.avatar)) {
    const img = document.createElement('img');
    img.src = user.avatar;
    img.alt = '';
    avatar.append(img);
  } else {
    avatar.textContent = (display[0] || '?').toUpperCase();
  }
  $('not-you').href = `/oidc/session/end?client_id=${encodeURIComponent(app.id || '')}`;

  $('requesting').textContent = t('consent.requesting', { name: appName });
  const scopes = $('scopes');
  const oidc = (info.missingOIDCScope || []).filter((s) => s !== 'openid' && s !== 'offline_access');
  if (oidc.length) scopes.append(group(t('consent.personalData'), oidc.map((s) => ({
    name: has(`scope.${s}`) ? t(`scope.${s}`) : s,
  }))));
  for (const r of info.missingResourceScopes || []) {
    scopes.append(group(r.resource?.name || r.resource?.indicator || '', (r.scopes || []).map((s) => ({
      name: s.name, description: s.description,
    }))));
  }
  if (!scopes.children.length) scopes.append(group(t('consent.signInOnly'), []));

  const orgs = info.organizations || [];
  const select = $('organization');
  if (orgs.length) {
    $('org-field').hidden = false;
    for (const org of orgs) {
      const option = document.createElement('option');
      option.value = org.id;
      option.textContent = org.name;
      select.append(option);
    }
  }

  const redirect = safeURL(info.redirectUri);
  $('redirect-note').textContent = redirect ? t('consent.redirectNote', { origin: redirect.origin }) : '';
  if (redirect) {
    const cancel = $('cancel');
    cancel.hidden = false;
    cancel.addEventListener('click', () => window.location.assign(redirect.href));
  }
  action($('submit'), async () => {
    const body = orgs.length ? { organizationIds: [select.value] } : {};
    const { redirectTo } = await api('POST', '/api/interaction/consent', body);
    window.location.assign(redirectTo);
    await new Promise(() => {});
  });
  $('submit').focus();
}

function group(title, items) {
  const li = document.createElement('li');
  li.className = 'scope-group';
  const head = document.createElement('p');
  head.className = 'scope-group-title';
  head.textContent = title;
  li.append(head);
  if (items.length) {
    const ul = document.createElement('ul');
    for (const item of items) {
      const row = document.createElement('li');
      row.textContent = item.name;
      if (item.description) {
        const d = document.createElement('span');
        d.className = 'scope-desc';
        d.textContent = item.description;
        row.append(d);
      }
      ul.append(row);
    }
    li.append(ul);
  }
  return li;
}

function safeURL(raw) {
  try {
    const u = new URL(raw);
    return /^https?:$/.test(u.protocol) ? u : null;
  } catch {
    return null;
  }
}

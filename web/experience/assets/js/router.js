// A small client-side router: it renders the page module for the current
// path into #view from an HTML <template>, and moves between pages with
// the History API. Page modules are loaded on demand.
import { match } from './routes.js';
import { t, translate } from './i18n.js';

let settings;
let renderSeq = 0;

export function start(s) {
  settings = s;
  window.addEventListener('popstate', () => render());
  // Links between pages stay inside the app.
  document.addEventListener('click', (event) => {
    const a = event.target.closest?.('a[href]');
    if (!a || a.target || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    const url = new URL(a.href, window.location.href);
    if (url.origin !== window.location.origin || !match(url.pathname)) return;
    event.preventDefault();
    navigate(url.pathname + url.search);
  });
  return render();
}

// navigate shows another page. replace: true replaces the history entry
// (used when the current page must not be returned to).
export function navigate(path, { replace = false } = {}) {
  if (replace) window.history.replaceState(null, '', path);
  else window.history.pushState(null, '', path);
  return render();
}

// render shows the page for the current location.
export async function render() {
  const seq = ++renderSeq;
  const root = document.documentElement;
  delete root.dataset.ready;
  clearAlerts();
  const found = match(window.location.pathname);
  const page = found ? found.page : 'message';
  let mod;
  try {
    mod = await import(`./pages/${page}.js`);
  } catch {
    showFatal();
    return;
  }
  if (seq !== renderSeq) return; // a newer navigation won
  const view = document.getElementById('view');
  parkAlerts();
  view.replaceChildren();
  root.dataset.page = found ? found.pattern : '404';
  const ctx = {
    settings,
    params: found?.params || {},
    query: new URLSearchParams(window.location.search),
    path: window.location.pathname,
    notFound: !found,
    view,
    // mount clones template #tpl-<name> into the view, translated.
    mount(name) {
      const node = document.getElementById(`tpl-${name}`).content.cloneNode(true);
      translate(node);
      parkAlerts();
      view.replaceChildren(node);
      // The notice and error regions sit under the page's heading (and
      // subtitle), above its form.
      const anchor = view.querySelector(':scope > .subtitle:not([hidden])') || view.querySelector(':scope > h1');
      anchor?.after(document.getElementById('notice'), document.getElementById('error'));
      return view;
    },
    isCurrent: () => seq === renderSeq,
  };
  try {
    await mod.default(ctx);
  } catch (err) {
    console.error(err);
    showFatal();
  }
  if (seq !== renderSeq) return;
  const title = document.getElementById('title');
  if (title) {
    document.title = `${title.textContent} · ${settings.applicationName || 'Gatehouse'}`;
    // Focus the heading so screen readers announce the new page, unless
    // the page focused its first input.
    const active = document.activeElement;
    if (!active || active === document.body) title.focus();
  }
  root.dataset.ready = 'true';
}

// parkAlerts moves the notice and error regions out of the view (before
// it) so that replacing the view's content keeps them.
function parkAlerts() {
  const view = document.getElementById('view');
  view.before(document.getElementById('notice'), document.getElementById('error'));
}

function clearAlerts() {
  const error = document.getElementById('error');
  error.hidden = true;
  error.replaceChildren();
  // A notice set by the previous page (e.g. "password changed") is shown
  // once, on the next page.
  const notice = document.getElementById('notice');
  const text = sessionStorage.getItem(NOTICE_KEY);
  sessionStorage.removeItem(NOTICE_KEY);
  notice.textContent = text || '';
  notice.hidden = !text;
}

const NOTICE_KEY = 'gatehouse:notice';

// flash shows message on the next page.
export function flash(message) {
  sessionStorage.setItem(NOTICE_KEY, message);
}

function showFatal() {
  const view = document.getElementById('view');
  parkAlerts();
  const h1 = document.createElement('h1');
  h1.id = 'title';
  h1.textContent = t('error.title');
  const p = document.createElement('p');
  p.className = 'message';
  p.textContent = t('error.unknown');
  view.replaceChildren(h1, p);
  document.documentElement.dataset.ready = 'true';
}

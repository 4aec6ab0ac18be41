// Static pages (unknown session, error, not found, password reset):
// localise, brand, and wire the buttons.
import { chooseLanguage, translate } from './i18n.js';
import { loadSettings } from './settings.js';
import { keepQuery } from './form.js';

const settings = await loadSettings();
chooseLanguage(settings.languageInfo?.fallbackLanguage);

// error.html is also the 404 page for unknown paths.
const main = document.querySelector('main');
if (main.dataset.page === 'error' && window.location.pathname !== '/error') {
  document.getElementById('title').dataset.i18n = 'notFound.title';
  document.getElementById('message').dataset.i18n = 'notFound.message';
  document.querySelector('[data-i18n-title]').dataset.i18nTitle = 'notFound.title';
}
translate();

document.getElementById('back')?.addEventListener('click', () => window.history.back());
keepQuery(document.querySelector('#sign-in-link'));
document.documentElement.dataset.ready = 'true';

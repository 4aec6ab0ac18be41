// Entry point of the sign-in experience: read the authentication
// parameters, load the settings (branding), pick the language, and hand
// over to the router.
import { loadSettings } from './settings.js';
import { chooseLanguage, translate, setUserLanguage } from './i18n.js';
import { setLanguage } from './api.js';
import { captureParams } from './flow.js';
import { start, render } from './router.js';

const params = captureParams();
const settings = await loadSettings({ appId: params.app_id, organizationId: params.organization_id });
const lang = chooseLanguage(settings, params.ui_locales);
setLanguage(lang);
translate(document.querySelector('.footer'));

const select = document.getElementById('language');
select.value = lang;
select.addEventListener('change', () => {
  setUserLanguage(select.value);
  setLanguage(select.value);
  translate(document.querySelector('.footer'));
  render();
});

start(settings);

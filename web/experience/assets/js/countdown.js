// A resend countdown: the button appears when `seconds` have passed since
// `since` (ms); until then a live text counts down.
import { t } from './i18n.js';

export function countdown(label, button, since, seconds = 60) {
  let timer;
  const tick = () => {
    if (!label.isConnected) return clearInterval(timer);
    const left = Math.ceil((since + seconds * 1000 - Date.now()) / 1000);
    if (left > 0) {
      label.textContent = t('code.resendIn', { seconds: left });
      label.hidden = false;
      button.hidden = true;
    } else {
      label.textContent = '';
      label.hidden = true;
      button.hidden = false;
      clearInterval(timer);
    }
    return undefined;
  };
  tick();
  timer = setInterval(tick, 1000);
  return () => clearInterval(timer);
}

// Shared pieces of the MFA pages.
import { t } from '../i18n.js';

// factorList fills ul with one button per factor.
export function factorList(ul, factors, onPick, mode) {
  ul.replaceChildren();
  for (const factor of factors) {
    const li = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'factor';
    button.dataset.factor = factor;
    const icon = document.createElement('span');
    icon.className = `factor-icon factor-${factor}`;
    icon.setAttribute('aria-hidden', 'true');
    const text = document.createElement('span');
    text.className = 'factor-text';
    const name = document.createElement('span');
    name.className = 'factor-name';
    name.textContent = t(`factor.${factor}`);
    const desc = document.createElement('span');
    desc.className = 'factor-desc';
    desc.textContent = t(`factor.${factor}.${mode}`);
    text.append(name, desc);
    button.append(icon, text);
    button.addEventListener('click', () => onPick(factor));
    li.append(button);
    ul.append(li);
  }
}

// The sign-in experience's routes, Logto's names (packages/experience
// App.tsx). internal/ui serves the page shell for exactly these paths
// (its tests check both lists agree); anything else is the 404 page.
// Each entry is [pattern, page module, constraints on :params].
export const routes = [
  ['/sign-in', 'sign-in'],
  ['/sign-in/password', 'sign-in'],
  ['/sign-in/verification-methods', 'sign-in'],
  ['/identifier-sign-in', 'sign-in'],
  ['/register', 'register'],
  ['/register/password', 'register'],
  ['/identifier-register', 'register'],
  ['/:flow/verification-code', 'verification-code', { flow: ['sign-in', 'register', 'forgot-password', 'continue'] }],
  ['/forgot-password', 'forgot-password'],
  ['/reset-password', 'forgot-password'],
  ['/forgot-password/reset', 'reset-password'],
  ['/continue/:method', 'continue', { method: ['password', 'username', 'email', 'phone', 'email-or-phone'] }],
  ['/mfa-binding', 'mfa-binding'],
  ['/mfa-binding/:factor', 'mfa-binding', { factor: ['Totp', 'WebAuthn', 'BackupCode'] }],
  ['/mfa-verification', 'mfa-verification'],
  ['/mfa-verification/:factor', 'mfa-verification',
    { factor: ['Totp', 'WebAuthn', 'BackupCode', 'EmailVerificationCode', 'PhoneVerificationCode'] }],
  ['/social/landing/:connectorId', 'social-landing'],
  ['/social/link/:connectorId', 'social-link'],
  ['/callback/:connectorId', 'social-callback'],
  ['/callback/social/:connectorId', 'social-callback'],
  ['/direct/:method/:target', 'direct'],
  ['/consent', 'consent'],
  ['/unknown-session', 'message'],
  ['/error', 'message'],
  ['/signed-out', 'message'],
];

const paramValue = /^[\w.-]{1,128}$/;

// match returns {page, params} for a path, or null.
export function match(path) {
  const parts = path.replace(/\/+$/, '').split('/');
  for (const [pattern, page, allowed = {}] of routes) {
    const want = pattern.split('/');
    if (want.length !== parts.length) continue;
    const params = {};
    let ok = true;
    for (let i = 0; i < want.length && ok; i++) {
      if (want[i].startsWith(':')) {
        const name = want[i].slice(1);
        let value;
        try {
          value = decodeURIComponent(parts[i]);
        } catch {
          value = '';
        }
        ok = paramValue.test(value) && (!allowed[name] || allowed[name].includes(value));
        params[name] = value;
      } else {
        ok = want[i] === parts[i];
      }
    }
    if (ok) return { page, params, pattern };
  }
  return null;
}

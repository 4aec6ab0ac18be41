// Flow state shared between the pages of one interaction, and the moves
// every page makes: route an Experience API error to the page that deals
// with it, and finish the interaction (identify if needed, submit, follow
// redirectTo).
//
// The state lives in sessionStorage: per tab, gone when the tab closes,
// never holding a password. It keeps what Logto's SPA keeps: the
// identifier being verified, the latest verification ID and the MFA
// requirements the server reported.
import { api } from './api.js';
import { navigate } from './router.js';

const FLOW_KEY = 'gatehouse:flow';
const PARAMS_KEY = 'gatehouse:params';

export function getFlow() {
  try {
    return JSON.parse(sessionStorage.getItem(FLOW_KEY)) || {};
  } catch {
    return {};
  }
}

export function setFlow(patch) {
  const next = { ...getFlow(), ...patch };
  sessionStorage.setItem(FLOW_KEY, JSON.stringify(next));
  return next;
}

export function resetFlow(patch = {}) {
  sessionStorage.setItem(FLOW_KEY, JSON.stringify(patch));
}

// The authentication parameters the OP forwards to the first page
// (Logto forwards app_id, organization_id, ui_locales, login_hint,
// identifier). They are kept for the later pages of the interaction.
const forwarded = ['app_id', 'organization_id', 'ui_locales', 'login_hint', 'identifier', 'first_screen'];

export function captureParams() {
  const q = new URLSearchParams(window.location.search);
  if (forwarded.some((k) => q.has(k))) {
    const params = {};
    for (const k of forwarded) if (q.get(k)) params[k] = q.get(k);
    sessionStorage.setItem(PARAMS_KEY, JSON.stringify(params));
  }
  return authParams();
}

export function authParams() {
  try {
    return JSON.parse(sessionStorage.getItem(PARAMS_KEY)) || {};
  } catch {
    return {};
  }
}

// start begins (or restarts) the interaction for event.
export async function start(event) {
  await api('PUT', '/api/experience', { interactionEvent: event });
  resetFlow({ event });
}

// routeError sends the browser to the page that resolves err, as Logto's
// SPA does, and reports whether it did.
export function routeError(err) {
  const data = err.data || {};
  switch (err.code) {
    case 'session.not_found':
    case 'session.interaction_not_found':
      navigate('/unknown-session', { replace: true });
      return true;
    case 'user.missing_profile': {
      const missing = Array.isArray(data.missingProfile) ? data.missingProfile : [];
      const method = continueMethod(missing);
      if (!method) return false;
      setFlow({ missingProfile: missing });
      navigate(`/continue/${method}`);
      return true;
    }
    case 'session.mfa.require_mfa_verification': {
      const factors = supportedFactors(data.availableFactors, verifiable);
      if (!factors.length) return false;
      setFlow({ mfa: { availableFactors: factors, maskedIdentifiers: data.maskedIdentifiers || {} } });
      navigate(`/mfa-verification/${factors[0]}`);
      return true;
    }
    case 'user.missing_mfa':
    case 'session.mfa.suggest_additional_mfa': {
      const factors = supportedFactors(data.availableFactors, bindable);
      if (!factors.length) return false;
      const suggestion = err.code === 'session.mfa.suggest_additional_mfa';
      setFlow({ mfa: { availableFactors: factors, skippable: Boolean(data.skippable) || suggestion, suggestion } });
      navigate(factors.length === 1 && !suggestion ? `/mfa-binding/${factors[0]}` : '/mfa-binding');
      return true;
    }
    case 'session.mfa.backup_code_required':
      navigate('/mfa-binding/BackupCode');
      return true;
    default:
      return false;
  }
}

const bindable = ['Totp', 'WebAuthn', 'BackupCode'];
const verifiable = ['Totp', 'WebAuthn', 'EmailVerificationCode', 'PhoneVerificationCode', 'BackupCode'];

function supportedFactors(list, known) {
  const given = Array.isArray(list) ? list : [];
  // Keep the server's order, but never start with backup codes: they are
  // the fallback.
  const out = given.filter((f) => known.includes(f));
  out.sort((a, b) => (a === 'BackupCode') - (b === 'BackupCode'));
  return out;
}

// continueMethod maps Logto's missingProfile to a /continue/:method page.
function continueMethod(missing) {
  for (const m of ['password', 'username', 'email', 'phone', 'emailOrPhone']) {
    if (missing.includes(m)) return m === 'emailOrPhone' ? 'email-or-phone' : m;
  }
  return '';
}

// finish identifies the user when the interaction has not yet (register
// after a profile fix, or a verification still to be used) and submits.
// verificationId is the record to identify with, if any.
export async function finish({ identify = false, verificationId } = {}) {
  if (identify) {
    const id = verificationId ?? getFlow().verificationId;
    // Remembered so that resume() can identify again after the user fixed
    // what identification reported missing.
    setFlow({ pendingIdentification: id || '' });
    await api('POST', '/api/experience/identification', id ? { verificationId: id } : {});
    setFlow({ pendingIdentification: undefined });
  }
  const result = await api('POST', '/api/experience/submit');
  return follow(result);
}

// resume continues after a page fixed what the server asked for (missing
// profile, MFA): identify if nobody is yet, then submit.
export async function resume() {
  let identified = true;
  try {
    const state = await api('GET', '/api/experience/interaction');
    identified = Boolean(state?.userId);
  } catch (err) {
    if (err.status !== 404) throw err;
  }
  if (identified) return finish();
  const pending = getFlow().pendingIdentification;
  if (pending) {
    try {
      return await finish({ identify: true, verificationId: pending });
    } catch (err) {
      // Logto's SPA identifies a registration with an empty body once the
      // profile is complete (the verified identifier is already staged);
      // fall back to that when the record cannot be used twice.
      if (!/^session\.(verification|identifier)/.test(err.code)) throw err;
    }
  }
  return finish({ identify: true, verificationId: '' });
}

function follow(result) {
  if (result?.redirectTo) {
    sessionStorage.removeItem(FLOW_KEY);
    window.location.assign(result.redirectTo);
    return new Promise(() => {}); // the browser is leaving
  }
  return result;
}

// identifierOf decides which identifier type a typed value is among the
// allowed types (username, email, phone).
export function identifierOf(value, types) {
  const v = value.trim();
  if (v.includes('@') && types.includes('email')) return { type: 'email', value: v };
  if (/^\+?[\d\s().-]{5,}$/.test(v) && types.includes('phone')) return { type: 'phone', value: v.replace(/\D/g, '') };
  if (types.includes('username')) return { type: 'username', value: v };
  if (types.includes('email')) return { type: 'email', value: v };
  return { type: types[0] || 'username', value: v };
}

// WebAuthn glue: Logto sends @simplewebauthn-style JSON options (binary
// fields base64url) and expects the credential back as JSON with
// type "WebAuthn".

export function supported() {
  return typeof window.PublicKeyCredential === 'function' && Boolean(navigator.credentials?.create);
}

function toBuffer(b64url) {
  const b64 = b64url.replace(/-/g, '+').replace(/_/g, '/');
  const padded = b64 + '='.repeat((4 - (b64.length % 4)) % 4);
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0)).buffer;
}

function toBase64url(buffer) {
  let s = '';
  for (const b of new Uint8Array(buffer)) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const descriptor = (d) => ({ ...d, id: toBuffer(d.id) });

export function creationOptions(json) {
  return {
    ...json,
    challenge: toBuffer(json.challenge),
    user: { ...json.user, id: toBuffer(json.user.id) },
    excludeCredentials: (json.excludeCredentials || []).map(descriptor),
  };
}

export function requestOptions(json) {
  return {
    ...json,
    challenge: toBuffer(json.challenge),
    allowCredentials: (json.allowCredentials || []).map(descriptor),
  };
}

// register runs navigator.credentials.create and returns Logto's payload.
export async function register(optionsJSON) {
  const credential = await navigator.credentials.create({ publicKey: creationOptions(optionsJSON) });
  const r = credential.response;
  return {
    type: 'WebAuthn',
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    response: {
      clientDataJSON: toBase64url(r.clientDataJSON),
      attestationObject: toBase64url(r.attestationObject),
      transports: typeof r.getTransports === 'function' ? r.getTransports() : undefined,
    },
    authenticatorAttachment: credential.authenticatorAttachment || undefined,
    clientExtensionResults: credential.getClientExtensionResults(),
  };
}

// authenticate runs navigator.credentials.get and returns Logto's payload.
export async function authenticate(optionsJSON) {
  const credential = await navigator.credentials.get({ publicKey: requestOptions(optionsJSON) });
  const r = credential.response;
  return {
    type: 'WebAuthn',
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    response: {
      clientDataJSON: toBase64url(r.clientDataJSON),
      authenticatorData: toBase64url(r.authenticatorData),
      signature: toBase64url(r.signature),
      userHandle: r.userHandle ? toBase64url(r.userHandle) : undefined,
    },
    authenticatorAttachment: credential.authenticatorAttachment || undefined,
    clientExtensionResults: credential.getClientExtensionResults(),
  };
}

// cancelled reports a user dismissal of the browser's passkey prompt.
export function cancelled(err) {
  return err?.name === 'NotAllowedError' || err?.name === 'AbortError';
}

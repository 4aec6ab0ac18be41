// Package mfa holds the cryptography of Gatehouse's second factors, with no
// storage and no HTTP:
//
//   - TOTP (RFC 6238): key generation, the otpauth:// URI and its QR code,
//     and code validation with ±1 time step of clock skew that reports the
//     matched step, so the caller can refuse a code used before (§5.2).
//   - Backup codes: ten random single-use codes, stored as keyed hashes
//     (HMAC-SHA256 under a key derived from the server secret, so a
//     database leak alone does not allow an offline search of the code
//     space).
//   - WebAuthn (passkeys and security keys) through go-webauthn: the
//     relying party is the public endpoint (RP ID = its host name, origin =
//     its origin); ceremony state travels as opaque JSON that the caller
//     keeps server-side between the options and the verification.
//
// The interaction package decides when each is used; the store keeps the
// results (store.MFAFactor).
package mfa

// Package signing holds the OP's signing keys: it generates them on first
// start (ES256 on P-256 as the default, RS256 on RSA-2048 because OIDC
// Discovery §3 requires RS256 to be available), seals the private keys with
// AES-256-GCM before they reach the store, loads them once at start (no
// per-request decryption), publishes the public halves as pre-encoded JWKS
// bytes, signs compact JWS, rotates keys and verifies our own tokens (for
// id_token_hint).
//
// Statuses follow Logto: Current signs, Previous stays in the JWKS so that
// tokens signed before a rotation still verify, Next is published ahead of
// use. Each algorithm has its own Current key, and the store holds at most
// one Current and one Next per algorithm, so nodes starting at once on an
// empty database create one key set between them (see EnsureKeys).
//
// Signing ES256 does not go through go-jose: the protected header of each
// (key, typ) is encoded once and the signature is made with crypto/ecdsa
// directly, deterministically (RFC 6979). BenchmarkSignES256 compares both
// paths.
package signing

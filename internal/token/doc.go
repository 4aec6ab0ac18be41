// Package token mints the OP's tokens: ID tokens (OIDC Core §2), JWT access
// tokens (RFC 9068) for API resources, and opaque tokens (access tokens for
// the OP itself, refresh tokens, authorization codes) which are random
// strings stored only as their SHA-256 hash. It also maps a user and a set
// of scopes to claims with Logto's claim names, shared by the ID token and
// the userinfo endpoint.
//
// Signing is delegated to a Signer (signing.Manager); this package decides
// what goes into a token, never how keys are kept.
package token

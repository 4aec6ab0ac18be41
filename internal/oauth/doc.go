// Package oauth is the OAuth 2.0 / OpenID Connect wire vocabulary shared by
// the OP's endpoints: the protocol Error value and its RFC 6749 §5.2 JSON
// form (with Logto's code and message), PKCE (RFC 7636), redirect-URI matching (exact, plus RFC 8252 §7.3
// loopback ports for native apps) and scope strings (RFC 6749 §3.3).
//
// It does no I/O beyond writing an error body, and imports nothing of
// Gatehouse, so every handler package can depend on it.
package oauth

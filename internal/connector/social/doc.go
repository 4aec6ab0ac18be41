// Package social is Gatehouse's social sign-in connector: a generic OpenID
// Connect relying party configured with a discovery URL, a client ID and
// secret and a scope (Logto's "oidc" connector factory), which works with
// Google, Microsoft, Okta, another Gatehouse or Logto, and any OIDC
// provider.
//
// A Service manages the connectors in the store (the client secret sealed
// at rest) and runs one sign-in at a time in two steps that the Experience
// API calls:
//
//	AuthorizationURI  the provider's authorization URL, with PKCE (S256),
//	                  a nonce and the UI's state; the Session to keep
//	Verify            checks the callback's state, exchanges the code with
//	                  the PKCE verifier, verifies the ID token (signature,
//	                  issuer, audience, expiry, nonce) and returns the
//	                  user's identity (UserInfo)
//
// Only claims the provider vouches for are used to link accounts: an e-mail
// address is returned only when email_verified is true.
package social

// Package oidc is the OpenID Provider mounted at /oidc: discovery, JWKS,
// the authorization endpoint and its resume step, the token endpoint (whose
// grants live in package grant), userinfo, introspection (RFC 7662),
// revocation (RFC 7009), RP-initiated logout with back-channel logout, and
// Logto's consent API for third-party apps (/api/interaction/consent). One
// file per endpoint; all state is in the store, so any node can serve any
// step.
//
// The flow of one sign-in (seed 000):
//
//  1. GET /oidc/auth validates client_id and redirect_uri (errors here are
//     shown as a page: never redirect to an unvalidated URI), then every
//     other parameter (errors here go back to the client, OIDC Core
//     §3.1.2.6, with state and iss per RFC 9207).
//  2. With a valid session cookie and no reason to re-authenticate, a code
//     is issued at once (SSO). Otherwise an Interaction is stored, its ID is
//     set in the interaction cookie and the browser goes to the hosted
//     sign-in page (${endpoint}/sign-in, /register or /forgot-password).
//  3. The sign-in UI drives the Experience API, which sets
//     Interaction.Result and answers submit with redirectTo =
//     ${issuer}/auth/{interaction id}.
//  4. GET /oidc/auth/{uid} checks the cookie against uid, creates the
//     browser Session (session cookie), deletes the interaction and
//     redirects to the client with code, state and iss.
//  5. POST /oidc/token authenticates the client once (client_secret_basic,
//     client_secret_post, client_secret_jwt, private_key_jwt or none) and
//     hands the request to the grant named by grant_type.
//
// Third-party apps (seed 001, consent.go) take a detour between 4 and the
// code: when the request asks for something the user's grant lacks, the
// interaction is kept and the browser goes to ${endpoint}/consent; the page
// reads GET /api/interaction/consent and, on Authorize, POSTs it, which
// stores the grant (package consent) and answers redirectTo =
// ${issuer}/auth/{uid} again; that resume reuses the session and issues the
// code with the granted scopes only. On the SSO path (signed in, grant
// missing) an interaction carrying the session's authentication is created
// for the same detour.
//
// Logout (endsession.go): /oidc/session/end validates, asks for
// confirmation (a per-request token bound to a signed cookie), ends the
// session, sends back-channel logout tokens to the session's apps
// (backchannel.go, in the background) and redirects to an allow-listed
// post_logout_redirect_uri or the signed-out page.
//
// Errors are *oauth.Error values written once at the edge; anything else is
// logged and answered with a generic server_error, or temporarily_unavailable
// when the store is down.
package oidc

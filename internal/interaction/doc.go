// Package interaction is the state machine of one sign-in, sign-up or
// password reset (Logto's "experience interaction", RFC 0004), without HTTP.
//
// The OP creates a store.Interaction when a browser arrives at /oidc/auth
// without a session. The Experience API then drives it through an Engine:
//
//	Start(event)                      PUT  /api/experience
//	SetEvent(event)                   PUT  /api/experience/interaction-event
//	VerifyPassword(identifier, pw)    POST /api/experience/verification/password
//	NewPasswordIdentity(id, pw)       POST /api/experience/verification/new-password-identity
//	SendCode(identifier, event)       POST /api/experience/verification/verification-code
//	VerifyCode(identifier, id, code)  POST /api/experience/verification/verification-code/verify
//	Identify(verificationID)          POST /api/experience/identification
//	SetProfile(type, value)           POST /api/experience/profile
//	ResetPassword(pw)                 PUT  /api/experience/profile/password
//	Submit()                          POST /api/experience/submit
//
// E-mail and SMS codes (Codes; verification_code.go) sign in, register,
// reset a password (forgot_password.go) and prove an address the settings
// require of an account that lacks it (profile_fulfil.go).
//
// MFA and social sign-in (Authenticators; mfa.go, totp.go, backupcode.go,
// webauthn.go, social.go) add verification records of their own: TOTP,
// WebAuthn and backup-code records prove a factor of the identified user
// or carry one to bind (BindMFA, created at submit); a Social record holds
// the identity a provider vouched for, which Identify signs in, registers
// or (IdentifyLinkingSocial) links by verified e-mail. Submit refuses a
// SignIn of a user with factors until one is verified, and enforces the
// MFA prompt policy.
//
// A Flow is the decoded state: the event, verification records (proofs such
// as "this password was right for user X"), the identified user, and the
// profile staged for a new or incomplete account. It is stored as JSON in
// store.Interaction.State; nothing is written to the user table before
// identification (register) or submit (profile completion), as in Logto.
//
// Every step is checked against Settings, the sign-in experience
// configuration (which identifiers sign in with a password, what sign-up
// requires, the password policy). DefaultSettings matches Logto's defaults
// plus e-mail sign-in; the sign-in-exp feature will supply real settings.
//
// Engine methods mutate a Flow in memory and do their slow work (argon2)
// there, outside any transaction. The caller then writes the Flow back with
// ApplyTo inside store.UpdateInteraction, which refuses the write if another
// request changed the interaction in between (ErrConcurrentUpdate), so two
// racing tabs cannot erase each other's progress.
//
// Errors are *Error values with Logto's codes (plus the user and password
// packages' own errors); the HTTP layer maps codes to statuses.
package interaction

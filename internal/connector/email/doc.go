// Package email delivers verification codes by e-mail.
//
// SMTP sends through the server named by GATEHOUSE_SMTP_URL:
//
//	smtp://[user[:password]@]host[:port][?from=...]   STARTTLS when the server offers it (port 587 by default)
//	smtps://[user[:password]@]host[:port][?from=...]  TLS from the first byte (port 465 by default)
//
// Credentials are only ever sent over TLS, except to a server on the
// loopback interface (net/smtp's rule). Each message is multipart/alternative
// with a text and an HTML part, rendered from the embedded template of its
// usage type (SignIn, Register, ForgotPassword, Generic) with the product
// name as branding.
//
// DevLog is the development fallback when no SMTP server is configured: it
// writes the code to the log under a loud warning. It is the only place in
// Gatehouse where a verification code may be logged.
package email

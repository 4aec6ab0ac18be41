// Package experience serves Logto's Experience API (/api/experience) and
// the public sign-in experience settings (/api/.well-known/sign-in-exp).
//
// The API drives one interaction (see package interaction) found through
// the signed interaction cookie the OP set at /oidc/auth. Paths, bodies,
// statuses and error codes are Logto's, so sign-in UIs written for Logto
// work unchanged; Gatehouse's own UI (web/experience) uses nothing else.
//
// Every call is same-origin only (Origin / Sec-Fetch-Site checked against
// the configured endpoint), because the interaction cookie is ambient
// authority. Each handler parses its body strictly, runs one engine step on
// the decoded interaction, and writes the interaction back only if the step
// succeeded. A password-guessing limiter can be plugged in (Limiter); none
// is installed by default.
package experience

// Package application is the client-application model of seed 002: the four
// Logto types (Native, SPA, Traditional, MachineToMachine), which of them
// are public or confidential, their validation rules (redirect URIs,
// post-logout URIs, CORS origins, refresh-token settings, custom data), the
// named client secrets of confidential apps and client authentication by
// secret.
//
// Validation failures are *ValidationError values with a field and a
// Logto-style code so a JSON API can render them as {code, message, data}.
package application

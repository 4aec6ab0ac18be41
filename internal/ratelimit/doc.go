// Package ratelimit throttles abuse with state kept in the store, so every
// node of a deployment enforces the same limits.
//
// Two mechanisms, both keyed by an opaque string that names what is
// counted ("code-send:identifier:email:alice@example.com", "password:ip:
// 192.0.2.1"):
//
//   - Fixed windows (Hit): at most Limit events per Period, counted in the
//     window that contains now. Used where every event costs something
//     (sending an e-mail or an SMS), successes included.
//   - Lockouts (Allow / Fail / Reset): failures are counted; once they
//     reach a threshold the key is locked for a delay that doubles with
//     every further failure (exponential backoff, capped). A success
//     resets the count. Used for password and code verification.
//
// Keys are hashed (SHA-256) before they reach the store, so the rate-limit
// tables never hold an e-mail address, a phone number or an IP address in
// clear. Limits that fail to read or write the store fail open for Fail
// and Reset (logged) but closed for Allow and Hit (the caller answers
// 503), so an unreachable database never turns into unlimited guessing.
package ratelimit

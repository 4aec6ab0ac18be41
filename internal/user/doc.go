// Package user is the user service: registration, password sign-in and the
// identifier rules Logto applies, over the store's Users aggregate.
//
// Sign-in never tells an unknown account from a wrong password: both give
// ErrInvalidCredentials after the same amount of argon2 work (an unknown
// account runs password.DummyVerify). A suspended account is reported only
// after its password was verified, so suspension is not an enumeration
// oracle either.
//
// Errors are *Error values carrying Logto's error codes
// ("session.invalid_credentials", "user.username_already_in_use", …); HTTP
// handlers choose the status from the code. Store failures are returned
// wrapped, so errors.Is(err, store.ErrUnavailable) still works.
package user

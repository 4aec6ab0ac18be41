package interaction

import (
	"context"

	"github.com/gatehouse/gatehouse/internal/id"
	"github.com/gatehouse/gatehouse/internal/password"
	"github.com/gatehouse/gatehouse/internal/user"
)

// hashPassword is the default password hasher. It waits for a hashing slot
// at most until ctx ends.
func hashPassword(ctx context.Context, pw string) (string, error) {
	return password.HashContext(ctx, pw)
}

func validIdentifierType(t string) bool {
	return t == user.IdentifierUsername || t == user.IdentifierEmail || t == user.IdentifierPhone
}

// VerifyPassword checks identifier + password and records the proof. It
// returns the verification record ID. Wrong credentials are
// user.ErrInvalidCredentials whether or not the account exists.
//
// The identifier type must be enabled for password sign-in; Logto checks
// this only at identification, checking it here as well keeps disabled
// methods from being used as a password-guessing oracle.
func (e *Engine) VerifyPassword(ctx context.Context, f *Flow, ident Identifier, pw string) (string, error) {
	if err := f.started(); err != nil {
		return "", err
	}
	if !validIdentifierType(ident.Type) || ident.Value == "" {
		return "", invalidInput("The identifier is invalid.")
	}
	s, err := e.Settings(ctx)
	if err != nil {
		return "", err
	}
	if !s.passwordSignInEnabled(ident.Type) {
		return "", ErrSignInMethodDisabled
	}
	u, err := e.users.Authenticate(ctx, ident.Type, ident.Value, pw)
	if err != nil {
		return "", err
	}
	r := Record{ID: id.New(), Type: RecordPassword, Identifier: ident, Verified: true, UserID: u.ID}
	f.setRecord(r)
	return r.ID, nil
}

// NewPasswordIdentity validates a new username and password for
// registration (Logto's new-password-identity verification) and records
// them, hashed. Only usernames are accepted, as in Logto: an e-mail or a
// phone must be proven with a code.
func (e *Engine) NewPasswordIdentity(ctx context.Context, f *Flow, ident Identifier, pw string) (string, error) {
	if err := f.started(); err != nil {
		return "", err
	}
	if f.Event != EventRegister {
		return "", ErrInvalidInteraction
	}
	if ident.Type != user.IdentifierUsername {
		return "", invalidInput("Only a username can be registered with a new password.")
	}
	if err := user.ValidateUsername(ident.Value); err != nil {
		return "", err
	}
	s, err := e.Settings(ctx)
	if err != nil {
		return "", err
	}
	if err := s.PasswordPolicy.Validate(pw, password.UserInfo{Username: ident.Value}); err != nil {
		return "", err
	}
	if err := e.users.CheckAvailable(ctx, ident.Value, ""); err != nil {
		return "", err
	}
	hash, err := e.hash(ctx, pw)
	if err != nil {
		return "", err
	}
	r := Record{ID: id.New(), Type: RecordNewPasswordIdentity, Identifier: ident, Verified: true, PasswordHash: hash}
	f.setRecord(r)
	return r.ID, nil
}

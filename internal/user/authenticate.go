package user

import (
	"context"
	"errors"

	"github.com/gatehouse/gatehouse/internal/password"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Authenticate checks a user's identifier (username, email or phone) and
// password. Unknown accounts, accounts without a password and wrong
// passwords all return ErrInvalidCredentials after comparable argon2 work. A
// suspended account returns ErrSuspended, but only once its password was
// right. On success the stored hash is upgraded when its parameters are
// outdated; nothing else is written. The sign-in itself (LastSignInAt) is
// recorded when it completes, with the session (internal/oidc's resume):
// a password checked on the way to a failed MFA step or an abandoned
// interaction signed nobody in.
func (s *Service) Authenticate(ctx context.Context, identifierType, value, pw string) (*store.User, error) {
	u, err := s.FindByIdentifier(ctx, identifierType, value)
	switch {
	case errors.Is(err, ErrNotFound):
		if err := password.DummyVerifyContext(ctx, pw); err != nil {
			return nil, err
		}
		return nil, ErrInvalidCredentials
	case err != nil:
		return nil, err
	case u.PasswordHash == "":
		if err := password.DummyVerifyContext(ctx, pw); err != nil {
			return nil, err
		}
		return nil, ErrInvalidCredentials
	}
	ok, err := password.VerifyContext(ctx, pw, u.PasswordHash)
	if err != nil && ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if err != nil {
		// A row we cannot parse is a data problem, not the user's: log it
		// (without the hash) and answer like a wrong password.
		s.log().ErrorContext(ctx, "stored password hash is malformed", "user_id", u.ID, "err", err)
		return nil, ErrInvalidCredentials
	}
	if !ok {
		return nil, ErrInvalidCredentials
	}
	if u.IsSuspended {
		return nil, ErrSuspended
	}

	if !password.NeedsRehash(u.PasswordHash) {
		return u, nil
	}
	oldHash := u.PasswordHash
	newHash, err := password.HashContext(ctx, pw)
	if err != nil {
		s.log().ErrorContext(ctx, "password rehash failed", "user_id", u.ID, "err", err)
		return u, nil
	}
	updated, err := s.Store.UpdateUser(ctx, u.ID, func(x *store.User) error {
		// Only replace the hash we verified: a password changed meanwhile
		// (by an admin, say) must win over our upgrade.
		if x.PasswordHash == oldHash {
			x.PasswordHash = newHash
		}
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		// Deleted between read and write.
		return nil, ErrInvalidCredentials
	}
	if err != nil {
		// The password was right; the upgrade waits for the next sign-in.
		s.log().ErrorContext(ctx, "password rehash not stored", "user_id", u.ID, "err", err)
		return u, nil
	}
	return updated, nil
}

package user

import (
	"context"
	"errors"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/store"
)

// ErrPhoneExists is Logto's answer to adding a phone number to an account
// that has one.
var ErrPhoneExists = &Error{"user.phone_exists_in_profile", "This account already has a phone number."}

// CheckPhoneAvailable returns ErrPhoneInUse when the (normalised) number
// already belongs to a user.
func (s *Service) CheckPhoneAvailable(ctx context.Context, phone string) error {
	if phone == "" {
		return nil
	}
	switch _, err := s.FindByIdentifier(ctx, IdentifierPhone, phone); {
	case err == nil:
		return ErrPhoneInUse
	case !errors.Is(err, ErrNotFound):
		return err
	}
	return nil
}

// ResetPassword replaces the user's password with an already hashed one
// (the end of a "forgot password" interaction, where the user proved they
// own the account's e-mail or phone).
func (s *Service) ResetPassword(ctx context.Context, userID, passwordHash string) (*store.User, error) {
	if passwordHash == "" {
		return nil, errors.New("reset password: empty hash")
	}
	now := s.now()
	u, err := s.Store.UpdateUser(ctx, userID, func(x *store.User) error {
		x.PasswordHash = passwordHash
		x.UpdatedAt = now
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("reset password: %w", err)
	}
	return u, nil
}

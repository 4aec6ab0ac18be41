package user

import (
	"context"
	"errors"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/store"
)

// ProfileUpdate fills fields an existing user does not have yet (the
// "continue" step of a sign-in whose account lacks what the sign-up
// settings now require). Empty fields are left alone.
type ProfileUpdate struct {
	Username     string
	Email        string
	Phone        string
	PasswordHash string
}

// CompleteProfile applies the update. It refuses to overwrite a field the
// user already has (Logto's *_exists_in_profile errors): changing an
// existing identifier or password is the Account API's job, with its own
// verification.
func (s *Service) CompleteProfile(ctx context.Context, userID string, p ProfileUpdate) (*store.User, error) {
	if p.Username != "" {
		if err := ValidateUsername(p.Username); err != nil {
			return nil, err
		}
	}
	if p.Email != "" {
		email, err := NormalizeEmail(p.Email)
		if err != nil {
			return nil, err
		}
		p.Email = email
	}
	if p.Phone != "" {
		phone, err := NormalizePhone(p.Phone)
		if err != nil {
			return nil, err
		}
		p.Phone = phone
	}
	if err := s.CheckAvailable(ctx, p.Username, p.Email); err != nil {
		return nil, err
	}
	if err := s.CheckPhoneAvailable(ctx, p.Phone); err != nil {
		return nil, err
	}
	now := s.now()
	u, err := s.Store.UpdateUser(ctx, userID, func(x *store.User) error {
		if p.Username != "" {
			if x.Username != "" {
				return ErrUsernameExists
			}
			x.Username = p.Username
		}
		if p.Email != "" {
			if x.PrimaryEmail != "" {
				return ErrEmailExists
			}
			x.PrimaryEmail = p.Email
		}
		if p.Phone != "" {
			if x.PrimaryPhone != "" {
				return ErrPhoneExists
			}
			x.PrimaryPhone = p.Phone
		}
		if p.PasswordHash != "" {
			if x.PasswordHash != "" {
				return ErrPasswordExists
			}
			x.PasswordHash = p.PasswordHash
		}
		x.UpdatedAt = now
		return nil
	})
	switch {
	case err == nil:
		return u, nil
	case errors.Is(err, store.ErrNotFound):
		return nil, ErrNotFound
	case errors.Is(err, store.ErrConflict):
		if cerr := s.CheckAvailable(ctx, p.Username, p.Email); cerr != nil {
			return nil, cerr
		}
		if cerr := s.CheckPhoneAvailable(ctx, p.Phone); cerr != nil {
			return nil, cerr
		}
		return nil, fmt.Errorf("complete profile: %w", err)
	default:
		var ue *Error
		if errors.As(err, &ue) {
			return nil, ue
		}
		return nil, fmt.Errorf("complete profile: %w", err)
	}
}

package user

import (
	"context"
	"errors"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/password"
	"github.com/gatehouse/gatehouse/internal/store"
)

// RegisterInput is a new account with a plain-text password.
type RegisterInput struct {
	Username string
	Email    string
	// Password may be empty for an account that signs in another way.
	Password string
}

// NewUser is a new account whose password is already hashed (the
// interaction stages the hash while the user fills in the profile).
type NewUser struct {
	Username     string
	Email        string
	Phone        string
	Name         string
	PasswordHash string
}

// Register validates the identifiers (Logto's username rule, e-mail syntax,
// lower-cased e-mail), checks the password against the policy, hashes it
// and creates the user. At least a username or an e-mail is required.
func (s *Service) Register(ctx context.Context, in RegisterInput) (*store.User, error) {
	nu := NewUser{Username: in.Username}
	if in.Email != "" {
		email, err := NormalizeEmail(in.Email)
		if err != nil {
			return nil, err
		}
		nu.Email = email
	}
	if nu.Username == "" && nu.Email == "" {
		return nil, ErrMissingIdentifier
	}
	if nu.Username != "" {
		if err := ValidateUsername(nu.Username); err != nil {
			return nil, err
		}
	}
	if in.Password != "" {
		info := password.UserInfo{Username: nu.Username, Email: nu.Email}
		if err := s.policy().Validate(in.Password, info); err != nil {
			return nil, err
		}
		// Check availability before the expensive hash, so a taken
		// username answers fast; Create checks again atomically.
		if err := s.CheckAvailable(ctx, nu.Username, nu.Email); err != nil {
			return nil, err
		}
		hash, err := password.HashContext(ctx, in.Password)
		if err != nil {
			return nil, err
		}
		nu.PasswordHash = hash
	}
	return s.Create(ctx, nu)
}

// Create stores a new user from already validated fields. The e-mail and
// phone are normalised again and the username re-checked, so a caller
// cannot store something Register would refuse. A unique-key clash gives
// ErrUsernameInUse, ErrEmailInUse or ErrPhoneInUse.
func (s *Service) Create(ctx context.Context, nu NewUser) (*store.User, error) {
	if nu.Username != "" {
		if err := ValidateUsername(nu.Username); err != nil {
			return nil, err
		}
	}
	if nu.Email != "" {
		email, err := NormalizeEmail(nu.Email)
		if err != nil {
			return nil, err
		}
		nu.Email = email
	}
	if nu.Phone != "" {
		phone, err := NormalizePhone(nu.Phone)
		if err != nil {
			return nil, err
		}
		nu.Phone = phone
	}
	if err := s.CheckAvailable(ctx, nu.Username, nu.Email); err != nil {
		return nil, err
	}
	now := s.now()
	u := &store.User{
		ID:           newUserID(),
		Username:     nu.Username,
		PrimaryEmail: nu.Email,
		PrimaryPhone: nu.Phone,
		Name:         nu.Name,
		PasswordHash: nu.PasswordHash,
		Profile:      ensureJSON(nil),
		CustomData:   ensureJSON(nil),
		Identities:   ensureJSON(nil),
		CreatedAt:    now,
		UpdatedAt:    now,
	}
	err := s.Store.CreateUser(ctx, u)
	if errors.Is(err, store.ErrConflict) {
		return nil, s.conflictCause(ctx, nu)
	}
	if err != nil {
		return nil, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

// conflictCause finds which unique field clashed (another sign-up won a
// race between CheckAvailable and CreateUser).
func (s *Service) conflictCause(ctx context.Context, nu NewUser) error {
	if err := s.CheckAvailable(ctx, nu.Username, nu.Email); err != nil {
		return err
	}
	if nu.Phone != "" {
		if _, err := s.FindByIdentifier(ctx, IdentifierPhone, nu.Phone); err == nil {
			return ErrPhoneInUse
		}
	}
	// The ID itself collided (2^62 space, practically never): report it as
	// a conflict the caller can retry.
	return fmt.Errorf("create user: %w", store.ErrConflict)
}

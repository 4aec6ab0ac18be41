package user

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/gatehouse/gatehouse/internal/id"
	"github.com/gatehouse/gatehouse/internal/password"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Store is the part of the store the service uses.
type Store interface {
	CreateUser(ctx context.Context, u *store.User) error
	GetUser(ctx context.Context, id string) (*store.User, error)
	GetUserByUsername(ctx context.Context, username string) (*store.User, error)
	GetUserByEmail(ctx context.Context, email string) (*store.User, error)
	GetUserByPhone(ctx context.Context, phone string) (*store.User, error)
	UpdateUser(ctx context.Context, id string, update func(*store.User) error) (*store.User, error)
}

// Service manages end users. Its exported fields are its dependencies;
// only Store is required.
type Service struct {
	Store Store
	// PasswordPolicy applies to Register; nil means password.DefaultPolicy.
	PasswordPolicy *password.Policy
	// Logger receives data problems (a malformed stored hash); nil
	// discards them.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Service) log() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

func (s *Service) policy() password.Policy {
	if s.PasswordPolicy == nil {
		return password.DefaultPolicy()
	}
	return *s.PasswordPolicy
}

// Get returns the user by ID (ErrNotFound when absent).
func (s *Service) Get(ctx context.Context, userID string) (*store.User, error) {
	u, err := s.Store.GetUser(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get user: %w", err)
	}
	return u, nil
}

// FindByIdentifier returns the user with the given username, e-mail or
// phone (ErrNotFound when absent). The value is normalised first.
func (s *Service) FindByIdentifier(ctx context.Context, identifierType, value string) (*store.User, error) {
	var (
		u   *store.User
		err error
	)
	switch identifierType {
	case IdentifierUsername:
		u, err = s.Store.GetUserByUsername(ctx, value)
	case IdentifierEmail:
		email, nerr := NormalizeEmail(value)
		if nerr != nil {
			return nil, ErrNotFound
		}
		u, err = s.Store.GetUserByEmail(ctx, email)
	case IdentifierPhone:
		phone, nerr := NormalizePhone(value)
		if nerr != nil {
			return nil, ErrNotFound
		}
		u, err = s.Store.GetUserByPhone(ctx, phone)
	default:
		return nil, ErrInvalidIdentifier
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("find user by %s: %w", identifierType, err)
	}
	return u, nil
}

// CheckAvailable returns ErrUsernameInUse / ErrEmailInUse when a non-empty
// username or (normalised) e-mail already belongs to a user.
func (s *Service) CheckAvailable(ctx context.Context, username, email string) error {
	if username != "" {
		switch _, err := s.FindByIdentifier(ctx, IdentifierUsername, username); {
		case err == nil:
			return ErrUsernameInUse
		case !errors.Is(err, ErrNotFound):
			return err
		}
	}
	if email != "" {
		switch _, err := s.FindByIdentifier(ctx, IdentifierEmail, email); {
		case err == nil:
			return ErrEmailInUse
		case !errors.Is(err, ErrNotFound):
			return err
		}
	}
	return nil
}

// ensureJSON gives stores a valid empty object instead of a nil column.
func ensureJSON(m json.RawMessage) json.RawMessage {
	if len(m) == 0 {
		return json.RawMessage("{}")
	}
	return m
}

// newUserID is a variable so tests can force an ID collision.
var newUserID = id.NewUser

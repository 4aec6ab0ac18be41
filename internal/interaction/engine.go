package interaction

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/user"
)

// Users is what the engine needs from the user service.
type Users interface {
	Authenticate(ctx context.Context, identifierType, value, password string) (*store.User, error)
	Get(ctx context.Context, userID string) (*store.User, error)
	CheckAvailable(ctx context.Context, username, email string) error
	Create(ctx context.Context, nu user.NewUser) (*store.User, error)
	CompleteProfile(ctx context.Context, userID string, p user.ProfileUpdate) (*store.User, error)
}

// Config holds the engine's dependencies.
type Config struct {
	Users Users
	// Settings returns the sign-in experience settings in force; nil means
	// DefaultSettings.
	Settings func(ctx context.Context) (*Settings, error)
	// HashPassword hashes a new password; nil means password.HashContext.
	HashPassword func(password string) (string, error)
	Logger       *slog.Logger
	Now          func() time.Time
	// Authenticators enables MFA and social sign-in; the zero value
	// disables both.
	Authenticators Authenticators
	// Codes enables e-mail and SMS verification codes (verification_code.go);
	// the zero value disables them.
	Codes Codes
}

// Engine runs interaction steps.
type Engine struct {
	users    Users
	settings func(ctx context.Context) (*Settings, error)
	hash     func(context.Context, string) (string, error)
	log      *slog.Logger
	now      func() time.Time
	auth     Authenticators
	codes    Codes
}

// New returns an Engine.
func New(cfg Config) *Engine {
	e := &Engine{users: cfg.Users, settings: cfg.Settings, hash: hashPassword, log: cfg.Logger, now: cfg.Now,
		auth: cfg.Authenticators, codes: cfg.Codes}
	if h := cfg.HashPassword; h != nil {
		e.hash = func(_ context.Context, pw string) (string, error) { return h(pw) }
	}
	if e.settings == nil {
		e.settings = func(context.Context) (*Settings, error) { return DefaultSettings(), nil }
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.now == nil {
		e.now = time.Now
	}
	return e
}

// Settings returns the settings in force.
func (e *Engine) Settings(ctx context.Context) (*Settings, error) {
	s, err := e.settings(ctx)
	if err != nil {
		return nil, fmt.Errorf("load sign-in experience settings: %w", err)
	}
	return s, nil
}

// Start begins (or restarts) the interaction for event, dropping earlier
// progress, as Logto's PUT /api/experience does. Whether the event is
// allowed is checked when it matters (identification), as in Logto, so a UI
// may always start with SignIn.
func (e *Engine) Start(f *Flow, event Event) error {
	if !event.Valid() {
		return ErrInvalidEvent
	}
	f.Event, f.UserID, f.AMR, f.Profile, f.Records, f.Result = event, "", nil, Profile{}, nil, nil
	return nil
}

// SetEvent switches between SignIn and Register. ForgotPassword cannot be
// switched to or from. A switch drops the staged profile.
func (e *Engine) SetEvent(ctx context.Context, f *Flow, event Event) error {
	if err := f.started(); err != nil {
		return err
	}
	if !event.Valid() {
		return ErrInvalidEvent
	}
	s, err := e.Settings(ctx)
	if err != nil {
		return err
	}
	if !s.allows(event) {
		return ErrEventForbidden
	}
	if (event == EventForgotPassword) != (f.Event == EventForgotPassword) {
		return ErrForgotPasswordSwitch
	}
	if f.Event != event {
		f.Profile = Profile{}
	}
	f.Event = event
	return nil
}

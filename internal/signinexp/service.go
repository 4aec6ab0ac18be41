package signinexp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse/internal/interaction"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Store is the part of the store the service uses.
type Store interface {
	GetSignInExperience(ctx context.Context, id string) (*store.SignInExperience, error)
	UpdateSignInExperience(ctx context.Context, id string, updatedAt time.Time, update func(*store.SignInExperience) error) (*store.SignInExperience, error)
}

// Config holds the service's dependencies.
type Config struct {
	Store Store
	// Channels says which message connectors exist.
	Channels Channels
	// CacheTTL is how long a node trusts its copy; zero means 2 seconds.
	// It bounds how stale another node's change can look here.
	CacheTTL time.Duration
	Logger   *slog.Logger
	Now      func() time.Time
}

// Service reads and updates the sign-in experience.
type Service struct {
	store    Store
	channels Channels
	ttl      time.Duration
	log      *slog.Logger
	now      func() time.Time

	mu   sync.Mutex // one store read at a time when the cache is stale
	snap atomic.Pointer[snapshot]
}

// snapshot is one decoded version of the document.
type snapshot struct {
	settings    *Settings
	interaction *interaction.Settings
	version     int64
	loaded      time.Time
}

// New returns a Service.
func New(cfg Config) *Service {
	s := &Service{store: cfg.Store, channels: cfg.Channels, ttl: cfg.CacheTTL, log: cfg.Logger, now: cfg.Now}
	if s.ttl <= 0 {
		s.ttl = 2 * time.Second
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// Channels reports the message connectors the service validates against.
func (s *Service) Channels() Channels { return s.channels }

// current returns a fresh enough snapshot, reading the store when the
// cached one is older than the TTL.
func (s *Service) current(ctx context.Context) (*snapshot, error) {
	if snap := s.snap.Load(); snap != nil && s.now().Sub(snap.loaded) < s.ttl {
		return snap, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if snap := s.snap.Load(); snap != nil && s.now().Sub(snap.loaded) < s.ttl {
		return snap, nil // another request refreshed it meanwhile
	}
	rec, err := s.store.GetSignInExperience(ctx, store.DefaultSignInExperienceID)
	var settings *Settings
	var version int64
	switch {
	case errors.Is(err, store.ErrNotFound):
		settings = Default()
	case err != nil:
		return nil, fmt.Errorf("load sign-in experience: %w", err)
	default:
		if settings, err = decode(rec.Settings); err != nil {
			return nil, fmt.Errorf("load sign-in experience: %w", err)
		}
		version = rec.Version
	}
	if old := s.snap.Load(); old != nil && old.version == version && version != 0 {
		// Unchanged: keep the decoded copies, just restart the clock.
		snap := *old
		snap.loaded = s.now()
		s.snap.Store(&snap)
		return &snap, nil
	}
	return s.install(settings, version)
}

func (s *Service) install(settings *Settings, version int64) (*snapshot, error) {
	inter, err := settings.toInteraction()
	if err != nil {
		return nil, fmt.Errorf("decode sign-in experience for the interaction: %w", err)
	}
	snap := &snapshot{settings: settings, interaction: inter, version: version, loaded: s.now()}
	s.snap.Store(snap)
	return snap, nil
}

// decode reads a stored document. Fields it does not know are ignored (a
// newer node may have written them), and missing ones keep the defaults.
func decode(raw json.RawMessage) (*Settings, error) {
	out := Default()
	if err := json.Unmarshal(raw, out); err != nil {
		return nil, err
	}
	out.normalize()
	return out, nil
}

// Get returns the settings in force. The result is the caller's to keep
// and change.
func (s *Service) Get(ctx context.Context) (*Settings, error) {
	snap, err := s.current(ctx)
	if err != nil {
		return nil, err
	}
	return snap.settings.clone(), nil
}

// Interaction returns the settings as the interaction engine reads them;
// it is the engine's Settings hook. The engine must not modify the result
// (it is shared by every request until the cache refreshes).
func (s *Service) Interaction(ctx context.Context) (*interaction.Settings, error) {
	snap, err := s.current(ctx)
	if err != nil {
		return nil, err
	}
	cp := *snap.interaction
	return &cp, nil
}

// Update applies a PATCH: the named top-level fields are replaced, the
// result validated as a whole and stored, in one transaction. It returns
// the new document. Errors are *Error (400) or store errors.
func (s *Service) Update(ctx context.Context, p Patch) (*Settings, error) {
	var next *Settings
	rec, err := s.store.UpdateSignInExperience(ctx, store.DefaultSignInExperienceID, s.now(), func(e *store.SignInExperience) error {
		cur := Default()
		if len(e.Settings) > 0 {
			var err error
			if cur, err = decode(e.Settings); err != nil {
				return fmt.Errorf("decode stored sign-in experience: %w", err)
			}
		}
		var err error
		if next, err = apply(cur, p); err != nil {
			return err
		}
		if err := Validate(next, s.channels); err != nil {
			return err
		}
		raw, err := json.Marshal(next)
		if err != nil {
			return err
		}
		e.Settings = raw
		return nil
	})
	if err != nil {
		return nil, err
	}
	// This node sees its own change at once; others within the TTL.
	if _, err := s.install(next.clone(), rec.Version); err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "sign-in experience updated", "version", rec.Version)
	return next, nil
}

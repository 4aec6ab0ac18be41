package social

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/seal"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Store is the part of the store the service uses.
type Store interface {
	CreateSocialConnector(ctx context.Context, c *store.SocialConnector) error
	GetSocialConnector(ctx context.Context, id string) (*store.SocialConnector, error)
	ListSocialConnectors(ctx context.Context) ([]store.SocialConnector, error)
	UpdateSocialConnector(ctx context.Context, id string, update func(*store.SocialConnector) error) (*store.SocialConnector, error)
	DeleteSocialConnector(ctx context.Context, id string) error
}

// Service manages social connectors and runs social sign-ins. Its
// exported fields are its dependencies; Store and Box are required.
type Service struct {
	Store Store
	// Box seals client secrets (a key derived for connectors).
	Box *seal.Box
	// HTTPClient talks to providers; nil means a client with a 10-second
	// timeout.
	HTTPClient *http.Client
	// Now is the clock (ID token expiry); nil means time.Now.
	Now func() time.Time

	providers sync.Map // issuer → *cachedProvider
}

// Connector is a connector's public view: everything but the secret.
type Connector struct {
	ID          string
	FactoryID   string
	Target      string
	Name        string
	Logo        string
	Config      Config
	SyncProfile bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// CreateInput describes a new OIDC connector.
type CreateInput struct {
	// ID is optional; a random one is chosen when empty.
	ID string
	// Target keys the identity in User.Identities; it defaults to the ID.
	Target string
	Name   string
	Logo   string
	// DiscoveryURL is the provider's discovery document URL or issuer.
	DiscoveryURL string
	ClientID     string
	ClientSecret string
	Scope        string
	SyncProfile  bool
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Service) client() *http.Client {
	if s.HTTPClient == nil {
		return &http.Client{Timeout: 10 * time.Second}
	}
	return s.HTTPClient
}

// sealContext binds a sealed secret to its connector.
func sealContext(id string) string { return "social-connector:" + id }

func invalid(msg string) error { return &Error{Code: ErrInvalid.Code, Message: msg} }

// CreateOIDC validates in and stores a new OIDC connector. The provider is
// not contacted: it may not be reachable yet, and every sign-in discovers
// it anew anyway.
func (s *Service) CreateOIDC(ctx context.Context, in CreateInput) (*Connector, error) {
	issuer, err := IssuerFromDiscoveryURL(in.DiscoveryURL)
	if err != nil {
		return nil, invalid("discoveryUrl: " + err.Error() + ".")
	}
	switch {
	case in.ID != "" && !idRE.MatchString(in.ID):
		return nil, invalid("The connector ID may contain only letters, digits, '_' and '-' (at most 64).")
	case in.ClientID == "" || len(in.ClientID) > 512:
		return nil, invalid("clientId is required (at most 512 characters).")
	case len(in.ClientSecret) > 1024:
		return nil, invalid("clientSecret is too long.")
	case len(in.Name) > 128 || len(in.Logo) > 2048 || len(in.Scope) > 1024:
		return nil, invalid("name, logo or scope is too long.")
	}
	c := &store.SocialConnector{ID: in.ID, FactoryID: FactoryOIDC, Name: in.Name, Logo: in.Logo, SyncProfile: in.SyncProfile}
	if c.ID == "" {
		c.ID = newID()
	}
	c.Target = in.Target
	if c.Target == "" {
		c.Target = c.ID
	}
	if !targetRE.MatchString(c.Target) {
		return nil, invalid("The target may contain only lowercase letters, digits, '_' and '-' (at most 64).")
	}
	cfg := Config{Issuer: issuer, ClientID: in.ClientID, Scope: normalizeScope(in.Scope)}
	if c.Config, err = json.Marshal(cfg); err != nil {
		return nil, fmt.Errorf("encode connector config: %w", err)
	}
	if in.ClientSecret != "" {
		c.SealedSecret = s.Box.Seal(sealContext(c.ID), []byte(in.ClientSecret))
	}
	now := s.now()
	c.CreatedAt, c.UpdatedAt = now, now
	err = s.Store.CreateSocialConnector(ctx, c)
	if errors.Is(err, store.ErrConflict) {
		return nil, ErrConflict
	}
	if err != nil {
		return nil, fmt.Errorf("create social connector: %w", err)
	}
	return toConnector(c)
}

// Get returns a connector's public view.
func (s *Service) Get(ctx context.Context, id string) (*Connector, error) {
	c, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	return toConnector(c)
}

// List returns every connector, oldest first.
func (s *Service) List(ctx context.Context) ([]Connector, error) {
	rows, err := s.Store.ListSocialConnectors(ctx)
	if err != nil {
		return nil, fmt.Errorf("list social connectors: %w", err)
	}
	out := make([]Connector, 0, len(rows))
	for i := range rows {
		c, err := toConnector(&rows[i])
		if err != nil {
			return nil, err
		}
		out = append(out, *c)
	}
	return out, nil
}

// Delete removes a connector. Identities linked through it stay with their
// users (they are keyed by target, as in Logto).
func (s *Service) Delete(ctx context.Context, id string) error {
	err := s.Store.DeleteSocialConnector(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("delete social connector: %w", err)
	}
	return nil
}

func (s *Service) load(ctx context.Context, id string) (*store.SocialConnector, error) {
	if !idRE.MatchString(id) {
		return nil, ErrNotFound
	}
	c, err := s.Store.GetSocialConnector(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get social connector: %w", err)
	}
	if c.FactoryID != FactoryOIDC {
		return nil, ErrNotFound
	}
	return c, nil
}

func toConnector(c *store.SocialConnector) (*Connector, error) {
	out := &Connector{ID: c.ID, FactoryID: c.FactoryID, Target: c.Target, Name: c.Name, Logo: c.Logo,
		SyncProfile: c.SyncProfile, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	if len(c.Config) > 0 {
		if err := json.Unmarshal(c.Config, &out.Config); err != nil {
			return nil, fmt.Errorf("social connector %s: config: %w", c.ID, err)
		}
	}
	return out, nil
}

// UpdateInput changes an OIDC connector; nil fields stay as they are. An
// empty ClientSecret removes the secret.
type UpdateInput struct {
	Name         *string
	Logo         *string
	DiscoveryURL *string
	ClientID     *string
	ClientSecret *string
	Scope        *string
	SyncProfile  *bool
}

// Update applies in to connector id, validating as CreateOIDC does. The
// target cannot change: linked identities are keyed by it.
func (s *Service) Update(ctx context.Context, id string, in UpdateInput) (*Connector, error) {
	if _, err := s.load(ctx, id); err != nil {
		return nil, err
	}
	row, err := s.Store.UpdateSocialConnector(ctx, id, func(c *store.SocialConnector) error {
		cur, err := toConnector(c)
		if err != nil {
			return err
		}
		cfg := cur.Config
		if in.DiscoveryURL != nil {
			issuer, err := IssuerFromDiscoveryURL(*in.DiscoveryURL)
			if err != nil {
				return invalid("discoveryUrl: " + err.Error() + ".")
			}
			cfg.Issuer = issuer
		}
		if in.ClientID != nil {
			if *in.ClientID == "" || len(*in.ClientID) > 512 {
				return invalid("clientId is required (at most 512 characters).")
			}
			cfg.ClientID = *in.ClientID
		}
		if in.Scope != nil {
			if len(*in.Scope) > 1024 {
				return invalid("scope is too long.")
			}
			cfg.Scope = normalizeScope(*in.Scope)
		}
		if in.Name != nil {
			if len(*in.Name) > 128 {
				return invalid("name is too long.")
			}
			c.Name = *in.Name
		}
		if in.Logo != nil {
			if len(*in.Logo) > 2048 {
				return invalid("logo is too long.")
			}
			c.Logo = *in.Logo
		}
		if in.SyncProfile != nil {
			c.SyncProfile = *in.SyncProfile
		}
		if in.ClientSecret != nil {
			if len(*in.ClientSecret) > 1024 {
				return invalid("clientSecret is too long.")
			}
			c.SealedSecret = nil
			if *in.ClientSecret != "" {
				c.SealedSecret = s.Box.Seal(sealContext(c.ID), []byte(*in.ClientSecret))
			}
		}
		if c.Config, err = json.Marshal(cfg); err != nil {
			return fmt.Errorf("encode connector config: %w", err)
		}
		c.UpdatedAt = s.now()
		return nil
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, ErrNotFound
	case err != nil:
		var se *Error
		if errors.As(err, &se) {
			return nil, se
		}
		return nil, fmt.Errorf("update social connector: %w", err)
	}
	// The issuer may have changed: forget its discovery document.
	s.providers.Clear()
	return toConnector(row)
}

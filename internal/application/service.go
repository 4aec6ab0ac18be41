package application

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/internal/id"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Client authentication methods (RFC 7591 §2 names).
const (
	MethodNone        = "none"
	MethodSecretBasic = "client_secret_basic"
	MethodSecretPost  = "client_secret_post"
	// RFC 7523 §2.2 client assertions (OIDC Core §9).
	MethodSecretJWT     = "client_secret_jwt"
	MethodPrivateKeyJWT = "private_key_jwt"
)

// DefaultSecretName is what Logto calls the secret made with the app.
const DefaultSecretName = "Default secret"

// Store is the part of the store the service uses.
type Store interface {
	CreateApplication(ctx context.Context, app *store.Application) error
	GetApplication(ctx context.Context, id string) (*store.Application, error)
	AddApplicationSecret(ctx context.Context, s *store.ApplicationSecret) error
	ListApplicationSecrets(ctx context.Context, appID string) ([]store.ApplicationSecret, error)
	SealApplicationSecret(ctx context.Context, appID, name string, sealed []byte) error
	ListSealedApplicationSecrets(ctx context.Context, appID string) (map[string][]byte, error)
	InTx(ctx context.Context, fn func(tx store.Store) error) error
}

// Service applies the application rules over a store.
type Service struct {
	Store Store
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// SecretKey (32 bytes) seals a copy of each new client secret so that
	// client_secret_jwt can verify HMAC assertions (see seal.go); nil
	// disables client_secret_jwt for secrets made by this service.
	SecretKey []byte
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// CreateInput is what a caller (the Management API, bootstrap, seeding)
// supplies for a new application.
type CreateInput struct {
	Name                   string
	Description            string
	Type                   string
	IsThirdParty           bool
	RedirectURIs           []string
	PostLogoutRedirectURIs []string
	CORSAllowedOrigins     []string
	CustomClientMetadata   store.CustomClientMetadata
	CustomData             json.RawMessage
	// Back-channel logout (OIDC Back-Channel Logout 1.0 §2.2).
	BackchannelLogoutURI             string
	BackchannelLogoutSessionRequired bool
	// TokenEndpointAuthMethod registers one client authentication method
	// ("" = the type's default); JWKS holds the public keys that
	// private_key_jwt assertions are checked against.
	TokenEndpointAuthMethod string
	JWKS                    json.RawMessage
	// Branding is shown on the consent screen of third-party apps.
	Branding store.Branding
}

// Create validates in, stores a new application with a generated ID and,
// for confidential types, a named secret. The plaintext secret is returned
// once and never stored ("" for public clients).
func (s *Service) Create(ctx context.Context, in CreateInput) (*store.Application, string, error) {
	return s.CreateWithID(ctx, id.New(), in)
}

// CreateWithID is Create with a fixed client ID, for built-in apps such as
// the seeded "demo-app" (Logto's built-in IDs).
func (s *Service) CreateWithID(ctx context.Context, clientID string, in CreateInput) (*store.Application, string, error) {
	if clientID == "" || len(clientID) > 128 {
		return nil, "", invalid("id", "application.invalid_id", "the application ID must be 1 to 128 characters")
	}
	cm := in.CustomClientMetadata
	if len(in.CORSAllowedOrigins) > 0 {
		cm.CORSAllowedOrigins = in.CORSAllowedOrigins
	}
	app := &store.Application{
		ID: clientID, Name: in.Name, Description: in.Description, Type: in.Type, IsThirdParty: in.IsThirdParty,
		OIDCClientMetadata: store.OIDCClientMetadata{
			RedirectURIs:                     nonNil(in.RedirectURIs),
			PostLogoutRedirectURIs:           nonNil(in.PostLogoutRedirectURIs),
			BackchannelLogoutURI:             in.BackchannelLogoutURI,
			BackchannelLogoutSessionRequired: in.BackchannelLogoutSessionRequired,
			TokenEndpointAuthMethod:          in.TokenEndpointAuthMethod,
			JWKS:                             in.JWKS,
		},
		Branding:             in.Branding,
		CustomClientMetadata: cm,
		CustomData:           in.CustomData,
		CreatedAt:            s.now().UTC().Truncate(time.Millisecond),
	}
	app.CustomClientMetadata.CORSAllowedOrigins = nonNil(app.CustomClientMetadata.CORSAllowedOrigins)
	if len(app.CustomData) == 0 {
		app.CustomData = json.RawMessage(`{}`)
	}
	if err := validate(app); err != nil {
		return nil, "", err
	}
	var secret string
	err := s.Store.InTx(ctx, func(tx store.Store) error {
		if err := tx.CreateApplication(ctx, app); err != nil {
			return fmt.Errorf("create application: %w", err)
		}
		if !HasSecret(app.Type) {
			return nil
		}
		secret = id.NewSecret()
		return s.addSecret(ctx, tx, &store.ApplicationSecret{
			ApplicationID: app.ID, Name: DefaultSecretName, Hash: hashSecret(secret), CreatedAt: app.CreatedAt,
		}, secret)
	})
	if err != nil {
		return nil, "", err
	}
	return app, secret, nil
}

// NewSecret adds a named secret to a confidential app and returns its
// plaintext once. expiresAt zero means it never expires.
func (s *Service) NewSecret(ctx context.Context, appID, name string, expiresAt time.Time) (string, error) {
	app, err := s.Store.GetApplication(ctx, appID)
	if err != nil {
		return "", fmt.Errorf("get application: %w", err)
	}
	if !HasSecret(app.Type) {
		// Public clients cannot keep a secret (RFC 6749 §2.1).
		return "", invalid("secret", "application.secret_not_allowed",
			"only Traditional and machine-to-machine applications have secrets")
	}
	secret := id.NewSecret()
	err = s.Store.InTx(ctx, func(tx store.Store) error {
		return s.addSecret(ctx, tx, &store.ApplicationSecret{
			ApplicationID: appID, Name: name, Hash: hashSecret(secret),
			CreatedAt: s.now().UTC().Truncate(time.Millisecond), ExpiresAt: expiresAt,
		}, secret)
	})
	if err != nil {
		return "", fmt.Errorf("add secret: %w", err)
	}
	return secret, nil
}

// addSecret stores the hash of secret and, when the service can seal, its
// sealed copy for client_secret_jwt.
func (s *Service) addSecret(ctx context.Context, tx store.Store, rec *store.ApplicationSecret, secret string) error {
	if err := tx.AddApplicationSecret(ctx, rec); err != nil {
		return err
	}
	sealed, err := s.seal(rec.ApplicationID, rec.Name, secret)
	if err != nil || sealed == nil {
		return err
	}
	return tx.SealApplicationSecret(ctx, rec.ApplicationID, rec.Name, sealed)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func hashSecret(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

// Authenticate checks a client secret. The SHA-256 of the presented secret
// is compared in constant time with every unexpired secret of the app, and
// the loop never stops early, so timing reveals neither which secret
// matched nor how many there are beyond their count. Any failure is
// ErrInvalidClient; store failures are returned wrapped.
func (s *Service) Authenticate(ctx context.Context, clientID, secret string) (*store.Application, error) {
	app, err := s.Store.GetApplication(ctx, clientID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrInvalidClient
	}
	if err != nil {
		return nil, fmt.Errorf("get application: %w", err)
	}
	if err := s.VerifySecret(ctx, app, secret); err != nil {
		return nil, err
	}
	return app, nil
}

// VerifySecret is Authenticate for an app already loaded.
func (s *Service) VerifySecret(ctx context.Context, app *store.Application, secret string) error {
	if !HasSecret(app.Type) || secret == "" {
		return ErrInvalidClient
	}
	secrets, err := s.Store.ListApplicationSecrets(ctx, app.ID)
	if err != nil {
		return fmt.Errorf("list secrets: %w", err)
	}
	presented := hashSecret(secret)
	now := s.now()
	match := 0
	for i := range secrets {
		eq := subtle.ConstantTimeCompare(presented, secrets[i].Hash)
		if !secrets[i].ExpiresAt.IsZero() && !now.Before(secrets[i].ExpiresAt) {
			eq = 0
		}
		match |= eq
	}
	if match != 1 {
		return ErrInvalidClient
	}
	return nil
}

// Package store defines Gatehouse's persistence contract: record types and
// one interface per aggregate. Implementations live in store/sqlite and
// store/postgres and must pass the conformance suite in store/storetest.
//
// Rules every implementation keeps:
//   - ctx goes all the way to the driver;
//   - a missing row is ErrNotFound, a unique-key clash is ErrConflict
//     (wrapped with %w so errors.Is works);
//   - every method is atomic; InTx groups several into one transaction, and
//     the Store handed to the callback must be used for all work inside it;
//   - secrets (tokens, codes, client secrets) arrive already hashed: the
//     store never sees a plaintext credential;
//   - timestamps are stored with millisecond precision in UTC.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

var (
	// ErrNotFound means the record does not exist (or has expired, for
	// records with an expiry that the method documents as hidden).
	ErrNotFound = errors.New("store: not found")
	// ErrConflict means a unique constraint would be violated.
	ErrConflict = errors.New("store: conflict")
	// ErrUnavailable means the database could not be reached or timed out;
	// handlers answer 503.
	ErrUnavailable = errors.New("store: unavailable")
)

// Store is the whole persistence layer. Consumers should declare the narrow
// interface they use instead of depending on all of it.
type Store interface {
	Applications
	Users
	SigningKeys
	Interactions
	Sessions
	AuthorizationCodes
	Tokens
	Grants
	Resources
	Roles
	SignInData
	Authenticators
	OIDC

	// InTx runs fn in one transaction. fn must use the Store it is given.
	// If fn returns an error the transaction is rolled back and the error
	// returned unchanged. Nested InTx calls join the outer transaction.
	InTx(ctx context.Context, fn func(tx Store) error) error
	// Ping checks that the database answers (readiness).
	Ping(ctx context.Context) error
	// DeleteExpired removes up to limit expired rows of short-lived tables
	// (interactions, sessions, codes, tokens) and reports how many went.
	DeleteExpired(ctx context.Context, now time.Time, limit int) (int, error)
	Close() error
}

// Page selects a slice of a list. Page numbers start at 1 (Logto's
// Management API convention); Size 0 means a default chosen by the store (20).
type Page struct {
	Number int
	Size   int
}

// ---------------------------------------------------------------------------
// Applications (seed 002)

// Application types, spelled as Logto spells them.
const (
	AppNative           = "Native"
	AppSPA              = "SPA"
	AppTraditional      = "Traditional"
	AppMachineToMachine = "MachineToMachine"
)

// OIDCClientMetadata is Logto's oidcClientMetadata.
type OIDCClientMetadata struct {
	RedirectURIs                     []string `json:"redirectUris"`
	PostLogoutRedirectURIs           []string `json:"postLogoutRedirectUris"`
	BackchannelLogoutURI             string   `json:"backchannelLogoutUri,omitempty"`
	BackchannelLogoutSessionRequired bool     `json:"backchannelLogoutSessionRequired,omitempty"`
	// IDTokenSignedResponseAlg lets a client ask for RS256 instead of the
	// default ES256 (OIDC Registration §2).
	IDTokenSignedResponseAlg string `json:"idTokenSignedResponseAlg,omitempty"`
	// TokenEndpointAuthMethod is the registered client authentication
	// method; empty means the type's default.
	TokenEndpointAuthMethod string `json:"tokenEndpointAuthMethod,omitempty"`
	// JWKS holds the client's public keys for private_key_jwt.
	JWKS json.RawMessage `json:"jwks,omitempty"`
}

// CustomClientMetadata is Logto's customClientMetadata.
type CustomClientMetadata struct {
	CORSAllowedOrigins      []string `json:"corsAllowedOrigins"`
	AlwaysIssueRefreshToken bool     `json:"alwaysIssueRefreshToken"`
	// RotateRefreshToken defaults to true; a pointer keeps "unset" apart
	// from an explicit false.
	RotateRefreshToken    *bool `json:"rotateRefreshToken,omitempty"`
	RefreshTokenTTLInDays int   `json:"refreshTokenTtlInDays,omitempty"`
	IDTokenTTL            int   `json:"idTokenTtl,omitempty"` // seconds
}

// Branding is per-app (or sign-in experience) look.
type Branding struct {
	LogoURL     string `json:"logoUrl,omitempty"`
	DarkLogoURL string `json:"darkLogoUrl,omitempty"`
	Favicon     string `json:"favicon,omitempty"`
	// DisplayName overrides Name on the consent screen.
	DisplayName      string `json:"displayName,omitempty"`
	PrimaryColor     string `json:"primaryColor,omitempty"`
	TermsOfUseURL    string `json:"termsOfUseUrl,omitempty"`
	PrivacyPolicyURL string `json:"privacyPolicyUrl,omitempty"`
}

// Application is one OAuth client.
type Application struct {
	ID                   string
	Name                 string
	Description          string
	Type                 string
	IsThirdParty         bool
	OIDCClientMetadata   OIDCClientMetadata
	CustomClientMetadata CustomClientMetadata
	// ProtectedAppMetadata is stored and returned as is.
	ProtectedAppMetadata json.RawMessage
	Branding             Branding
	// CustomData is an arbitrary JSON object (size-limited by the caller).
	CustomData json.RawMessage
	CreatedAt  time.Time
}

// ApplicationSecret is one named client secret. Several may coexist while a
// secret is rotated; ExpiresAt zero means it never expires.
type ApplicationSecret struct {
	ApplicationID string
	Name          string
	// Hash is SHA-256 of the secret; compared in constant time by callers.
	Hash      []byte
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Applications stores clients and their secrets.
type Applications interface {
	CreateApplication(ctx context.Context, app *Application) error
	GetApplication(ctx context.Context, id string) (*Application, error)
	// ListApplications returns applications newest first and the total count.
	ListApplications(ctx context.Context, page Page) ([]Application, int, error)
	// UpdateApplication reads the application, calls update on it and writes
	// it back, in one transaction. ID and CreatedAt cannot change.
	UpdateApplication(ctx context.Context, id string, update func(*Application) error) (*Application, error)
	// DeleteApplication removes the app and everything that belongs to it
	// (secrets, codes, tokens, grants, role assignments).
	DeleteApplication(ctx context.Context, id string) error

	AddApplicationSecret(ctx context.Context, s *ApplicationSecret) error
	ListApplicationSecrets(ctx context.Context, appID string) ([]ApplicationSecret, error)
	DeleteApplicationSecret(ctx context.Context, appID, name string) error
}

// ---------------------------------------------------------------------------
// Users

// User is an end user. Username and PrimaryEmail are unique when set
// (PrimaryEmail case-insensitively: callers store it lower-cased).
type User struct {
	ID           string
	Username     string
	PrimaryEmail string
	PrimaryPhone string
	Name         string
	Avatar       string
	// PasswordHash is a PHC string (argon2id); empty means no password.
	PasswordHash string
	// Profile holds the OIDC standard profile claims (given_name, locale…).
	Profile    json.RawMessage
	CustomData json.RawMessage
	// Identities maps a social connector target to the linked identity.
	Identities    json.RawMessage
	IsSuspended   bool
	EmailVerified bool
	PhoneVerified bool
	CreatedAt     time.Time
	UpdatedAt     time.Time
	LastSignInAt  time.Time
}

// Users stores end users.
type Users interface {
	CreateUser(ctx context.Context, u *User) error
	GetUser(ctx context.Context, id string) (*User, error)
	GetUserByUsername(ctx context.Context, username string) (*User, error)
	GetUserByEmail(ctx context.Context, email string) (*User, error)
	GetUserByPhone(ctx context.Context, phone string) (*User, error)
	ListUsers(ctx context.Context, page Page) ([]User, int, error)
	UpdateUser(ctx context.Context, id string, update func(*User) error) (*User, error)
	DeleteUser(ctx context.Context, id string) error
	CountUsers(ctx context.Context) (int, error)
}

// ---------------------------------------------------------------------------
// Signing keys

// Key statuses, as Logto names them.
const (
	KeyNext     = "Next"
	KeyCurrent  = "Current"
	KeyPrevious = "Previous"
)

// SigningKey is one OP signing key. The private key is encrypted at rest by
// the signing package; the store only holds bytes.
type SigningKey struct {
	ID  string // JWK kid
	Alg string // ES256, RS256
	// Status is Next, Current or Previous.
	Status string
	// PrivateKey is the AES-GCM sealed PKCS#8 DER.
	PrivateKey []byte
	// PublicJWK is the public key as a JSON Web Key.
	PublicJWK []byte
	CreatedAt time.Time
}

// SigningKeys stores the OP's keys. There is at most one Current and one
// Next key per algorithm: creating or promoting a second one is
// ErrConflict (any number of Previous keys may exist).
type SigningKeys interface {
	// ListSigningKeys returns every key, oldest first.
	ListSigningKeys(ctx context.Context) ([]SigningKey, error)
	CreateSigningKey(ctx context.Context, k *SigningKey) error
	SetSigningKeyStatus(ctx context.Context, id, status string) error
	DeleteSigningKey(ctx context.Context, id string) error
}

// ---------------------------------------------------------------------------
// Interactions (seed 000): one sign-in / sign-up / reset in progress

// AuthRequest is a validated authorization request kept while the user
// signs in.
type AuthRequest struct {
	ClientID            string   `json:"clientId"`
	RedirectURI         string   `json:"redirectUri"`
	ResponseType        string   `json:"responseType"`
	ResponseMode        string   `json:"responseMode,omitempty"`
	Scopes              []string `json:"scopes"`
	State               string   `json:"state,omitempty"`
	Nonce               string   `json:"nonce,omitempty"`
	CodeChallenge       string   `json:"codeChallenge,omitempty"`
	CodeChallengeMethod string   `json:"codeChallengeMethod,omitempty"`
	Prompt              []string `json:"prompt,omitempty"`
	// MaxAge is -1 when absent.
	MaxAge         int      `json:"maxAge"`
	Resources      []string `json:"resources,omitempty"`
	UILocales      string   `json:"uiLocales,omitempty"`
	LoginHint      string   `json:"loginHint,omitempty"`
	FirstScreen    string   `json:"firstScreen,omitempty"`
	Identifier     string   `json:"identifier,omitempty"`
	DirectSignIn   string   `json:"directSignIn,omitempty"`
	OrganizationID string   `json:"organizationId,omitempty"`
	// ConsentGiven is set when the user authorized a third-party app on
	// the consent page during this request (seed 001).
	ConsentGiven bool `json:"consentGiven,omitempty"`
}

// InteractionResult is set by the Experience API on submit: who signed in.
type InteractionResult struct {
	UserID   string    `json:"userId"`
	AuthTime time.Time `json:"authTime"`
	AMR      []string  `json:"amr,omitempty"`
}

// Interaction is the server-side state of one sign-in.
type Interaction struct {
	ID      string
	Request AuthRequest
	// Event is SignIn, Register or ForgotPassword; empty until the UI
	// starts one with PUT /api/experience.
	Event string
	// State is owned by the interaction package (verification records,
	// identified user, profile to create); the OP does not read it.
	State json.RawMessage
	// Result is nil until submit.
	Result    *InteractionResult
	CreatedAt time.Time
	UpdatedAt time.Time
	ExpiresAt time.Time
}

// Interactions stores interactions. Get hides expired ones (ErrNotFound).
type Interactions interface {
	CreateInteraction(ctx context.Context, i *Interaction) error
	GetInteraction(ctx context.Context, id string, now time.Time) (*Interaction, error)
	UpdateInteraction(ctx context.Context, id string, now time.Time, update func(*Interaction) error) (*Interaction, error)
	DeleteInteraction(ctx context.Context, id string) error
}

// ---------------------------------------------------------------------------
// Browser sessions (SSO)

// Session is a signed-in browser.
type Session struct {
	ID       string
	UserID   string
	AuthTime time.Time
	AMR      []string
	// ClientIDs lists the apps that received tokens in this session, for
	// back-channel logout.
	ClientIDs []string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Sessions stores browser sessions. Get hides expired ones.
type Sessions interface {
	CreateSession(ctx context.Context, s *Session) error
	GetSession(ctx context.Context, id string, now time.Time) (*Session, error)
	// AddSessionClient records that clientID got tokens in the session
	// (idempotent).
	AddSessionClient(ctx context.Context, id, clientID string) error
	DeleteSession(ctx context.Context, id string) error
	ListUserSessions(ctx context.Context, userID string, now time.Time) ([]Session, error)
}

// ---------------------------------------------------------------------------
// Authorization codes

// AuthorizationCode is a single-use code (stored by hash).
type AuthorizationCode struct {
	Hash                []byte
	ClientID            string
	UserID              string
	SessionID           string
	GrantID             string
	RedirectURI         string
	CodeChallenge       string
	CodeChallengeMethod string
	Scopes              []string
	Resources           []string
	Nonce               string
	AuthTime            time.Time
	AMR                 []string
	CreatedAt           time.Time
	ExpiresAt           time.Time
	// ConsumedAt is set when the code is redeemed; a second redemption is
	// a replay.
	ConsumedAt time.Time
}

// AuthorizationCodes stores codes.
type AuthorizationCodes interface {
	CreateAuthorizationCode(ctx context.Context, c *AuthorizationCode) error
	// ConsumeAuthorizationCode atomically marks the code consumed and returns
	// it as it was before (ConsumedAt zero on first use). A code that was
	// already consumed is returned with its ConsumedAt set and not changed.
	ConsumeAuthorizationCode(ctx context.Context, hash []byte, now time.Time) (*AuthorizationCode, error)
}

// ---------------------------------------------------------------------------
// Tokens

// Token kinds.
const (
	TokenAccess  = "access"
	TokenRefresh = "refresh"
)

// Token is an opaque access token or a refresh token (stored by hash).
// Tokens of one grant (one code redemption and its refreshes) share GrantID
// so a replayed code or a reused refresh token revokes them together.
type Token struct {
	Hash      []byte
	Kind      string
	ClientID  string
	UserID    string
	GrantID   string
	SessionID string
	Scopes    []string
	Resources []string
	AuthTime  time.Time
	AMR       []string
	// FirstIssuedAt is when the refresh-token chain began (rotation stops
	// after a year).
	FirstIssuedAt time.Time
	CreatedAt     time.Time
	ExpiresAt     time.Time
	// ConsumedAt is set on a refresh token that was rotated out (before
	// rotation in place; such rows are only ever read now).
	ConsumedAt time.Time
	// Access is the opaque access token last issued with this refresh
	// token, kept in the refresh token's row: issuing both writes one row,
	// and revoking the refresh token's chain takes it along. GetToken
	// finds it by its own hash too, as a Token of kind access sharing the
	// row's client, user, grant, session, auth time and AMR. Nil when the
	// row holds none (and always on an access token's own row).
	Access *EmbeddedAccess
}

// EmbeddedAccess is an opaque access token held in its refresh token's row.
type EmbeddedAccess struct {
	Hash      []byte
	Scopes    []string
	ExpiresAt time.Time
}

// Tokens stores opaque access tokens and refresh tokens.
type Tokens interface {
	CreateToken(ctx context.Context, t *Token) error
	// GetToken returns the token by hash; expired tokens are ErrNotFound.
	GetToken(ctx context.Context, hash []byte, now time.Time) (*Token, error)
	// RotateToken renews the refresh token oldHash in place with next's
	// Hash (oldHash again when it is not rotated), CreatedAt, ExpiresAt
	// (zero keeps the row's) and Access (nil keeps the row's access
	// token); the rest of the row is the
	// chain's and stays. An access token it replaces that still lives stays
	// valid, held apart from the row: GetToken finds it by its hash, as a
	// token of kind access with the chain's client, user, session, auth
	// time and AMR, for as long as the chain's row exists (revoking the
	// chain, its session, user or app takes it along); DeleteToken revokes
	// it alone. It is ErrNotFound
	// when oldHash is not a live, unconsumed refresh token any more —
	// rotated by a concurrent request, revoked or expired — so exactly one
	// of two concurrent rotations wins.
	RotateToken(ctx context.Context, oldHash []byte, next *Token, now time.Time) error
	// RevokeLiveGrant revokes every token of grantID (as DeleteGrantTokens)
	// if the grant still has a live refresh token, and returns how many it
	// deleted: a rotated-out refresh token presented again finds its chain
	// alive and takes it down; a token of a chain that is gone finds 0.
	RevokeLiveGrant(ctx context.Context, grantID string, now time.Time) (int, error)
	// ExtendToken sets a new expiry.
	ExtendToken(ctx context.Context, hash []byte, expiresAt time.Time) error
	// DeleteToken deletes a token by hash; an access token held in a
	// refresh token's row is removed from the row, which stays, and one
	// held apart (see RotateToken) goes alone.
	DeleteToken(ctx context.Context, hash []byte) error
	// DeleteGrantTokens revokes every token of a grant (family revocation).
	DeleteGrantTokens(ctx context.Context, grantID string) (int, error)
	DeleteSessionTokens(ctx context.Context, sessionID string) (int, error)
}

// ---------------------------------------------------------------------------
// Grants (consent, seed 001)

// Grant is what a user has allowed an app: OIDC scopes and resource scopes.
type Grant struct {
	ID       string
	UserID   string
	ClientID string
	Scopes   []string
	// ResourceScopes maps a resource indicator to granted scope names.
	ResourceScopes map[string][]string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	ExpiresAt      time.Time
}

// Grants stores consent grants, one per user × app.
type Grants interface {
	// UpsertGrant creates or replaces the user × app grant (ID kept if it
	// exists).
	UpsertGrant(ctx context.Context, g *Grant) error
	GetGrant(ctx context.Context, userID, clientID string, now time.Time) (*Grant, error)
	ListUserGrants(ctx context.Context, userID string, now time.Time) ([]Grant, error)
	DeleteGrant(ctx context.Context, userID, clientID string) error
}

// ---------------------------------------------------------------------------
// API resources and RBAC

// Resource is an API resource (RFC 8707 indicator).
type Resource struct {
	ID             string
	Name           string
	Indicator      string
	AccessTokenTTL int // seconds
	IsDefault      bool
	CreatedAt      time.Time
}

// Scope is a permission of a resource.
type Scope struct {
	ID          string
	ResourceID  string
	Name        string
	Description string
	CreatedAt   time.Time
}

// Resources stores API resources and their scopes.
type Resources interface {
	CreateResource(ctx context.Context, r *Resource) error
	GetResource(ctx context.Context, id string) (*Resource, error)
	GetResourceByIndicator(ctx context.Context, indicator string) (*Resource, error)
	ListResources(ctx context.Context, page Page) ([]Resource, int, error)
	UpdateResource(ctx context.Context, id string, update func(*Resource) error) (*Resource, error)
	DeleteResource(ctx context.Context, id string) error

	CreateScope(ctx context.Context, s *Scope) error
	ListScopes(ctx context.Context, resourceID string) ([]Scope, error)
	DeleteScope(ctx context.Context, id string) error
}

// Role types.
const (
	RoleUser             = "User"
	RoleMachineToMachine = "MachineToMachine"
)

// Role bundles scopes.
type Role struct {
	ID          string
	Name        string
	Description string
	Type        string
	CreatedAt   time.Time
}

// Roles stores roles, their scopes and assignments to users and M2M apps.
type Roles interface {
	CreateRole(ctx context.Context, r *Role) error
	GetRole(ctx context.Context, id string) (*Role, error)
	GetRoleByName(ctx context.Context, name string) (*Role, error)
	ListRoles(ctx context.Context, page Page) ([]Role, int, error)
	DeleteRole(ctx context.Context, id string) error

	AddRoleScopes(ctx context.Context, roleID string, scopeIDs []string) error
	RemoveRoleScope(ctx context.Context, roleID, scopeID string) error
	ListRoleScopes(ctx context.Context, roleID string) ([]Scope, error)

	AssignUserRoles(ctx context.Context, userID string, roleIDs []string) error
	UnassignUserRole(ctx context.Context, userID, roleID string) error
	ListUserRoles(ctx context.Context, userID string) ([]Role, error)
	AssignApplicationRoles(ctx context.Context, appID string, roleIDs []string) error
	UnassignApplicationRole(ctx context.Context, appID, roleID string) error
	ListApplicationRoles(ctx context.Context, appID string) ([]Role, error)

	// SubjectScopes returns the names of the scopes of resource that the
	// user (or M2M app) holds through its roles.
	UserResourceScopes(ctx context.Context, userID, resourceID string) ([]string, error)
	ApplicationResourceScopes(ctx context.Context, appID, resourceID string) ([]string, error)
}

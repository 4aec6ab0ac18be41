package store

import (
	"context"
	"encoding/json"
	"time"
)

// Authenticators groups what users authenticate with besides a password:
// MFA factors, social connectors and the social identities linked to users.
type Authenticators interface {
	MFAFactors
	SocialConnectors
	UserIdentities
}

// ---------------------------------------------------------------------------
// MFA factors

// MFA factor types, spelled as Logto's MfaFactor.
const (
	FactorTOTP       = "Totp"
	FactorWebAuthn   = "WebAuthn"
	FactorBackupCode = "BackupCode"
)

// MFAFactor is one MFA factor bound to a user (an item of Logto's
// users.mfa_verifications). A user has at most one TOTP and one BackupCode
// factor, and any number of WebAuthn credentials.
type MFAFactor struct {
	ID     string
	UserID string
	Type   string
	// Name labels a WebAuthn credential for its owner; optional.
	Name string
	// Secret is a TOTP key sealed by the mfa package; the store never sees
	// it in clear.
	Secret []byte
	// LastTOTPStep is the last accepted TOTP time step: a code for that
	// step or an earlier one is a replay (RFC 6238 §5.2).
	LastTOTPStep int64
	// CredentialID, PublicKey (COSE) and SignCount are a WebAuthn
	// credential's; CredentialID is unique across users.
	CredentialID []byte
	PublicKey    []byte
	SignCount    uint32
	// Details is JSON owned by the mfa package (transports, AAGUID, flags).
	Details json.RawMessage
	// BackupCodes are a BackupCode factor's codes: given to
	// CreateMFAFactor, never filled by reads (see ListBackupCodes).
	BackupCodes []BackupCode
	// RemainingCodes is filled by ListMFAFactors for a BackupCode factor:
	// how many codes are still unused.
	RemainingCodes int
	CreatedAt      time.Time
	LastUsedAt     time.Time
}

// BackupCode is one single-use backup code, stored by keyed hash.
type BackupCode struct {
	Hash   []byte
	UsedAt time.Time
}

// MFAFactors stores users' MFA factors.
type MFAFactors interface {
	// CreateMFAFactor stores f and, for a BackupCode factor, its codes, in
	// one transaction. An empty ID gets a fresh one. A second TOTP or
	// BackupCode factor of the same user, or a WebAuthn credential ID that
	// is already registered, is ErrConflict; a missing user is ErrNotFound.
	CreateMFAFactor(ctx context.Context, f *MFAFactor) error
	// ListMFAFactors returns the user's factors, oldest first.
	ListMFAFactors(ctx context.Context, userID string) ([]MFAFactor, error)
	// DeleteMFAFactor removes one factor of the user (and its codes).
	DeleteMFAFactor(ctx context.Context, userID, factorID string) error
	// UseTOTPStep records step as the factor's last accepted time step and
	// sets LastUsedAt, atomically. A step not after the recorded one is
	// ErrConflict (the code was already used); a missing factor ErrNotFound.
	UseTOTPStep(ctx context.Context, factorID string, step int64, now time.Time) error
	// UpdateWebAuthnSignCount stores the authenticator's new signature
	// counter and sets LastUsedAt.
	UpdateWebAuthnSignCount(ctx context.Context, factorID string, count uint32, now time.Time) error
	// UseBackupCode marks the user's unused backup code with this hash as
	// used, atomically, so each code works once. No such unused code is
	// ErrNotFound.
	UseBackupCode(ctx context.Context, userID string, hash []byte, now time.Time) error
	// ListBackupCodes returns a BackupCode factor's codes.
	ListBackupCodes(ctx context.Context, factorID string) ([]BackupCode, error)
	// SetMFASkipped records whether the user declined to set up MFA when
	// prompted (Logto's logto_config.mfa.skipped).
	SetMFASkipped(ctx context.Context, userID string, skipped bool) error
	// MFASkipped reports SetMFASkipped's last value (false when never set).
	MFASkipped(ctx context.Context, userID string) (bool, error)
}

// ---------------------------------------------------------------------------
// Social connectors and linked identities

// SocialConnector is one configured social sign-in connector (a row of
// Logto's connectors table of type Social).
type SocialConnector struct {
	// ID is the instance ID used in Experience API paths.
	ID string
	// FactoryID is the kind of connector (Logto's connectorId), e.g. "oidc".
	FactoryID string
	// Target names the identity provider in User.Identities ("google");
	// unique among connectors.
	Target string
	Name   string
	Logo   string
	// Config is the connector's public configuration, JSON owned by the
	// connector package.
	Config json.RawMessage
	// SealedSecret is the client secret, sealed by the connector package.
	SealedSecret []byte
	// SyncProfile updates the user's name and avatar from the provider at
	// every sign-in, not only at registration.
	SyncProfile bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// SocialConnectors stores social connectors.
type SocialConnectors interface {
	// CreateSocialConnector inserts c; an ID or Target clash is
	// ErrConflict. An empty ID gets a fresh one.
	CreateSocialConnector(ctx context.Context, c *SocialConnector) error
	GetSocialConnector(ctx context.Context, id string) (*SocialConnector, error)
	// ListSocialConnectors returns every connector, oldest first.
	ListSocialConnectors(ctx context.Context) ([]SocialConnector, error)
	// UpdateSocialConnector is a read-modify-write in one transaction. ID
	// and CreatedAt cannot change.
	UpdateSocialConnector(ctx context.Context, id string, update func(*SocialConnector) error) (*SocialConnector, error)
	DeleteSocialConnector(ctx context.Context, id string) error
}

// UserIdentity links a user to their account at a social identity
// provider.
type UserIdentity struct {
	UserID string
	// Target is the connector's target; a user has one identity per target.
	Target string
	// IdentityID is the user's ID at the provider (the sub claim); unique
	// per target.
	IdentityID  string
	ConnectorID string
	// Details is the provider's profile (email, name, avatar…) as JSON.
	Details   json.RawMessage
	CreatedAt time.Time
	UpdatedAt time.Time
}

// UserIdentities stores linked social identities. Each change is mirrored
// into User.Identities ({target: {userId, details}}, Logto's shape) in the
// same transaction, so the identities claim and the Management API see it.
type UserIdentities interface {
	// LinkUserIdentity sets the user's identity for Target, replacing an
	// earlier one of the same target. An identity linked to another user is
	// ErrConflict; a missing user ErrNotFound.
	LinkUserIdentity(ctx context.Context, i *UserIdentity) error
	// GetUserByIdentity returns the user linked to (target, identityID).
	GetUserByIdentity(ctx context.Context, target, identityID string) (*User, error)
	// ListUserIdentities returns the user's identities ordered by target.
	ListUserIdentities(ctx context.Context, userID string) ([]UserIdentity, error)
	// UnlinkUserIdentity removes the user's identity for target.
	UnlinkUserIdentity(ctx context.Context, userID, target string) error
}

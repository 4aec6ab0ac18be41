package store

import (
	"context"
	"time"
)

// ---------------------------------------------------------------------------
// The complete OP (issue 3): what the OpenID Provider keeps beyond the
// walking skeleton's aggregates.

// OIDC stores the OP's protocol state that has no aggregate of its own:
// the client-assertion replay cache (RFC 7523 §3 jti), sealed copies of
// client secrets for client_secret_jwt, and token revocation by user × app
// (revoking a consent grant ends its refresh tokens).
type OIDC interface {
	// RecordAssertionJTI remembers that clientID used jti in a client
	// assertion valid until expiresAt. Using the same jti again before
	// that time is a replay and returns ErrConflict; after it, the jti
	// may be recorded again.
	RecordAssertionJTI(ctx context.Context, clientID, jti string, expiresAt, now time.Time) error

	// SealApplicationSecret stores the sealed (encrypted) copy of the named
	// secret, which client_secret_jwt needs as its HMAC key (RFC 7523 §2.2,
	// OIDC Core §9): a hash cannot verify an HMAC. The row goes with its
	// secret: deleting the secret or the app deletes it. ErrNotFound if the
	// secret does not exist.
	SealApplicationSecret(ctx context.Context, appID, name string, sealed []byte) error
	// ListSealedApplicationSecrets maps secret name to its sealed copy.
	ListSealedApplicationSecrets(ctx context.Context, appID string) (map[string][]byte, error)

	// DeleteUserClientTokens deletes every token (access and refresh) the
	// app holds for the user and reports how many went.
	DeleteUserClientTokens(ctx context.Context, userID, clientID string) (int, error)
}

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
// client secrets for client_secret_jwt, token revocation by user × app
// (revoking a consent grant ends its refresh tokens), and the outbox of
// back-channel logout notices.
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

	// Back-channel logout outbox: notices are written in the transaction
	// that ends the session, so none is lost if the process dies, and any
	// node may deliver them.

	// EnqueueLogoutNotices stores notices (ID and times set by the caller).
	EnqueueLogoutNotices(ctx context.Context, notices []LogoutNotice) error
	// ClaimLogoutNotices returns up to limit notices due at now (not
	// expired) and pushes their NextAttemptAt to now+lease in the same
	// statement, so concurrent workers never deliver one notice twice at
	// once; a worker that dies leaves its notices to be claimed again after
	// the lease.
	ClaimLogoutNotices(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]LogoutNotice, error)
	// RetryLogoutNotice records a failed attempt and when to try again.
	RetryLogoutNotice(ctx context.Context, id string, attempts int, next time.Time) error
	// DeleteLogoutNotice removes a delivered (or abandoned) notice.
	DeleteLogoutNotice(ctx context.Context, id string) error
}

// LogoutNotice is one back-channel logout token to deliver (OIDC
// Back-Channel Logout 1.0 §2.5). The token itself is signed at delivery;
// the notice holds what goes into it.
type LogoutNotice struct {
	ID       string
	ClientID string
	// URI is the app's backchannelLogoutUri when the session ended.
	URI    string
	UserID string
	// SID is the sid claim (empty unless the app requires it).
	SID           string
	Attempts      int
	NextAttemptAt time.Time
	CreatedAt     time.Time
	// ExpiresAt is when delivery is abandoned (the sweeper deletes it).
	ExpiresAt time.Time
}

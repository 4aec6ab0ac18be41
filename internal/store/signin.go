package store

import (
	"context"
	"encoding/json"
	"time"
)

// This file holds the aggregates of the sign-in experience (issue 4): its
// settings, the one-time codes sent by e-mail or SMS, and the counters
// that rate-limit and lock out credential guessing. All of them live in
// the store so that every node of a deployment sees the same state.

// SignInData groups this file's aggregates; Store embeds it.
type SignInData interface {
	SignInExperiences
	VerificationCodes
	RateLimits
}

// ---------------------------------------------------------------------------
// Sign-in experience settings

// DefaultSignInExperienceID is the ID of the one settings row, as Logto
// names it.
const DefaultSignInExperienceID = "default"

// SignInExperience is the stored sign-in experience document. The store
// keeps Settings as opaque JSON; the signinexp package owns its shape and
// validation.
type SignInExperience struct {
	ID       string
	Settings json.RawMessage
	// Version increases by one on every write, so caches can tell a
	// changed document from an unchanged one cheaply.
	Version   int64
	UpdatedAt time.Time
}

// SignInExperiences stores sign-in experience documents.
type SignInExperiences interface {
	// GetSignInExperience returns the document, ErrNotFound when none was
	// ever stored.
	GetSignInExperience(ctx context.Context, id string) (*SignInExperience, error)
	// UpdateSignInExperience is a read-modify-write in one transaction. A
	// missing document is handed to update with nil Settings and Version 0
	// and created. Version is incremented and UpdatedAt set by the store
	// (to updatedAt); update may only change Settings.
	UpdateSignInExperience(ctx context.Context, id string, updatedAt time.Time, update func(*SignInExperience) error) (*SignInExperience, error)
}

// ---------------------------------------------------------------------------
// Verification codes (e-mail and SMS one-time codes)

// VerificationCode is a one-time code sent to an e-mail address or a phone
// number. Only a keyed hash of the code is stored.
type VerificationCode struct {
	// ID is the Experience API verification record ID (verificationId).
	ID string
	// InteractionID binds the code to the interaction that asked for it.
	InteractionID string
	// IdentifierType is "email" or "phone"; Identifier is the normalised
	// address or number the code was sent to.
	IdentifierType string
	Identifier     string
	// Purpose is the template the code was sent with (SignIn, Register,
	// ForgotPassword, Generic).
	Purpose string
	Hash    []byte
	// Attempts counts verification attempts, right or wrong.
	Attempts  int
	CreatedAt time.Time
	ExpiresAt time.Time
	// ConsumedAt is set once the code has been verified; a code is good
	// for one successful verification only.
	ConsumedAt time.Time
}

// VerificationCodes stores verification codes.
type VerificationCodes interface {
	CreateVerificationCode(ctx context.Context, c *VerificationCode) error
	// GetVerificationCode returns the code whether or not it has expired
	// (callers report expiry distinctly); ErrNotFound when it does not
	// exist (or the sweeper removed it).
	GetVerificationCode(ctx context.Context, id string) (*VerificationCode, error)
	// AttemptVerificationCode atomically counts one attempt on a code that
	// is live at now, unconsumed and below maxAttempts, and returns the
	// code as it was before the attempt with counted=true. Otherwise it
	// changes nothing and returns the code with counted=false, so the
	// caller can tell why (expired, consumed or out of attempts). Of any
	// number of concurrent attempts, no more than maxAttempts are counted.
	AttemptVerificationCode(ctx context.Context, id string, maxAttempts int, now time.Time) (c *VerificationCode, counted bool, err error)
	// ConsumeVerificationCode marks a live, unconsumed code consumed;
	// ErrNotFound when there is none (so of two concurrent right guesses
	// exactly one succeeds).
	ConsumeVerificationCode(ctx context.Context, id string, now time.Time) error
	DeleteVerificationCode(ctx context.Context, id string) error
}

// ---------------------------------------------------------------------------
// Rate limits and lockouts

// Lockout is the failure history of one rate-limit key (an identifier or a
// client address, hashed by the caller).
type Lockout struct {
	Key string
	// Failures counts consecutive failures since the last reset.
	Failures int
	// LockedUntil is when attempts may resume; zero when not locked.
	LockedUntil time.Time
	UpdatedAt   time.Time
	// ExpiresAt is when the record is forgotten (and swept).
	ExpiresAt time.Time
}

// RateLimits stores fixed-window counters and lockouts shared by every
// node. Keys are opaque to the store.
type RateLimits interface {
	// IncrementRateCounter adds one to the counter key and returns the new
	// count. A missing counter, or one that has expired at now, starts
	// again at one with the given expiry.
	IncrementRateCounter(ctx context.Context, key string, now, expiresAt time.Time) (int, error)
	// GetLockout returns the lockout record of key; ErrNotFound when there
	// is none or it has expired at now.
	GetLockout(ctx context.Context, key string, now time.Time) (*Lockout, error)
	// UpdateLockout is a read-modify-write of key's record in one
	// transaction. A missing or expired record is handed to update as a
	// fresh one (Key set, everything else zero).
	UpdateLockout(ctx context.Context, key string, now time.Time, update func(*Lockout) error) (*Lockout, error)
	// DeleteLockout forgets key; deleting a missing key is not an error.
	DeleteLockout(ctx context.Context, key string) error
}

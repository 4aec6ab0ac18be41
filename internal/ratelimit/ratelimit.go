package ratelimit

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// Store is the part of the store the limiter uses.
type Store interface {
	IncrementRateCounter(ctx context.Context, key string, now, expiresAt time.Time) (int, error)
	GetLockout(ctx context.Context, key string, now time.Time) (*store.Lockout, error)
	UpdateLockout(ctx context.Context, key string, now time.Time, update func(*store.Lockout) error) (*store.Lockout, error)
	DeleteLockout(ctx context.Context, key string) error
}

// Rule is a fixed-window limit: at most Limit hits per Period.
type Rule struct {
	Limit  int
	Period time.Duration
}

// Backoff is a lockout policy: after Threshold failures the key is locked
// for Base, doubling with every further failure up to Max. Failures are
// forgotten Window after the last one (or after the lock ends).
type Backoff struct {
	Threshold int
	Base      time.Duration
	Max       time.Duration
	Window    time.Duration
}

// lockFor is how long the failures-th failure locks the key for (zero
// below the threshold).
func (b Backoff) lockFor(failures int) time.Duration {
	if failures < b.Threshold {
		return 0
	}
	d := b.Base
	for i := b.Threshold; i < failures && d < b.Max; i++ {
		d *= 2
	}
	return min(d, b.Max)
}

// Default policies (quality.md: "10 failures → lockout with exponential
// backoff"). Addresses get a higher threshold than identifiers because
// many honest users may share one (an office behind NAT).
var (
	DefaultIdentifierBackoff = Backoff{Threshold: 10, Base: time.Minute, Max: time.Hour, Window: time.Hour}
	DefaultAddressBackoff    = Backoff{Threshold: 50, Base: time.Minute, Max: time.Hour, Window: time.Hour}
)

// Config configures a Limiter.
type Config struct {
	Store Store
	// Identifier applies to every key; Address to keys containing ":ip:".
	// Zero values mean the defaults.
	Identifier Backoff
	Address    Backoff
	Logger     *slog.Logger
	Now        func() time.Time
}

// Limiter enforces windows and lockouts.
type Limiter struct {
	store      Store
	identifier Backoff
	address    Backoff
	log        *slog.Logger
	now        func() time.Time
}

// New returns a Limiter.
func New(cfg Config) *Limiter {
	l := &Limiter{store: cfg.Store, identifier: cfg.Identifier, address: cfg.Address, log: cfg.Logger, now: cfg.Now}
	if l.identifier.Threshold <= 0 {
		l.identifier = DefaultIdentifierBackoff
	}
	if l.address.Threshold <= 0 {
		l.address = DefaultAddressBackoff
	}
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	if l.now == nil {
		l.now = time.Now
	}
	return l
}

// hashKey keeps identifiers and addresses out of the store.
func hashKey(kind, key string) string {
	sum := sha256.Sum256([]byte(key))
	return kind + ":" + base64.RawURLEncoding.EncodeToString(sum[:])
}

func (l *Limiter) backoff(key string) Backoff {
	if strings.Contains(key, ":ip:") {
		return l.address
	}
	return l.identifier
}

// Hit counts one event on key in the current window of each rule, in
// order, and reports how long to wait when a rule is exceeded (zero:
// allowed). A refused event still counts in the window that refused it,
// so hammering does not help, but not in the rules after it: list rules
// shortest period first, and a double click refused by the per-minute rule
// does not use up the hourly allowance.
func (l *Limiter) Hit(ctx context.Context, key string, rules ...Rule) (time.Duration, error) {
	now := l.now()
	for _, r := range rules {
		if r.Limit <= 0 || r.Period <= 0 {
			continue
		}
		start := now.Truncate(r.Period)
		end := start.Add(r.Period)
		k := hashKey("w", fmt.Sprintf("%s|%d|%d", key, r.Period.Milliseconds(), start.UnixMilli()))
		n, err := l.store.IncrementRateCounter(ctx, k, now, end)
		if err != nil {
			return 0, fmt.Errorf("rate limit: %w", err)
		}
		if n > r.Limit {
			return end.Sub(now), nil
		}
	}
	return 0, nil
}

// Allow reports how long key stays locked (zero: go ahead).
func (l *Limiter) Allow(ctx context.Context, key string) (time.Duration, error) {
	now := l.now()
	lo, err := l.store.GetLockout(ctx, hashKey("l", key), now)
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("rate limit: %w", err)
	}
	if lo.LockedUntil.After(now) {
		return lo.LockedUntil.Sub(now), nil
	}
	return 0, nil
}

// Fail counts a failure on key and locks it once the policy says so. A
// store error is logged (the attempt has already been refused or answered).
func (l *Limiter) Fail(ctx context.Context, key string) {
	now := l.now()
	b := l.backoff(key)
	_, err := l.store.UpdateLockout(ctx, hashKey("l", key), now, func(lo *store.Lockout) error {
		lo.Failures++
		if d := b.lockFor(lo.Failures); d > 0 {
			lo.LockedUntil = now.Add(d)
		}
		lo.ExpiresAt = now.Add(b.Window)
		if lo.LockedUntil.After(now) {
			lo.ExpiresAt = lo.LockedUntil.Add(b.Window)
		}
		return nil
	})
	if err != nil {
		l.log.WarnContext(ctx, "rate limit: count failure", "err", err)
	}
}

// Reset forgets key's failures after a success. Most successes follow no
// failure: a read (no write lock, no commit) finds nothing to forget.
func (l *Limiter) Reset(ctx context.Context, key string) {
	k := hashKey("l", key)
	if _, err := l.store.GetLockout(ctx, k, l.now()); errors.Is(err, store.ErrNotFound) {
		return
	}
	if err := l.store.DeleteLockout(ctx, k); err != nil {
		l.log.WarnContext(ctx, "rate limit: reset", "err", err)
	}
}

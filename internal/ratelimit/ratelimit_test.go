package ratelimit

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

var t0 = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

type clock struct{ now time.Time }

func (c *clock) Now() time.Time          { return c.now }
func (c *clock) advance(d time.Duration) { c.now = c.now.Add(d) }
func newLimiter(t *testing.T, c *clock) (*Limiter, store.Store) {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "gatehouse.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return New(Config{Store: st, Now: c.Now}), st
}

func TestBackoffLockFor(t *testing.T) {
	b := Backoff{Threshold: 3, Base: time.Minute, Max: 10 * time.Minute}
	for _, tc := range []struct {
		failures int
		want     time.Duration
	}{
		{0, 0}, {2, 0}, {3, time.Minute}, {4, 2 * time.Minute}, {5, 4 * time.Minute},
		{6, 8 * time.Minute}, {7, 10 * time.Minute}, {100, 10 * time.Minute},
	} {
		if got := b.lockFor(tc.failures); got != tc.want {
			t.Errorf("lockFor(%d) = %v, want %v", tc.failures, got, tc.want)
		}
	}
}

func TestHitWindows(t *testing.T) {
	c := &clock{now: t0.Add(10 * time.Second)}
	l, _ := newLimiter(t, c)
	ctx := t.Context()
	perMinute := Rule{Limit: 1, Period: time.Minute}
	perHour := Rule{Limit: 3, Period: time.Hour}
	steps := []struct {
		name    string
		advance time.Duration
		key     string
		want    time.Duration
	}{
		{"first send", 0, "a", 0},
		{"second in the same minute", 5 * time.Second, "a", 45 * time.Second},
		{"another key is independent", 0, "b", 0},
		{"next minute", time.Minute, "a", 0},
		{"third minute", time.Minute, "a", 0},
		{"hourly limit reached", time.Minute, "a", time.Hour - (3*time.Minute + 15*time.Second)},
		{"next hour", time.Hour, "a", 0},
	}
	for _, s := range steps {
		c.advance(s.advance)
		got, err := l.Hit(ctx, s.key, perMinute, perHour)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got != s.want {
			t.Fatalf("%s: wait %v, want %v", s.name, got, s.want)
		}
	}
}

func TestLockoutBackoff(t *testing.T) {
	c := &clock{now: t0}
	l, _ := newLimiter(t, c)
	ctx := t.Context()
	const key = "password:identifier:username:alice"
	wait := func() time.Duration {
		t.Helper()
		d, err := l.Allow(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for range 9 {
		l.Fail(ctx, key)
	}
	if d := wait(); d != 0 {
		t.Fatalf("locked after 9 failures: %v", d)
	}
	l.Fail(ctx, key)
	if d := wait(); d != time.Minute {
		t.Fatalf("after 10 failures: wait %v, want 1m", d)
	}
	c.advance(time.Minute)
	if d := wait(); d != 0 {
		t.Fatalf("still locked after the delay: %v", d)
	}
	l.Fail(ctx, key)
	if d := wait(); d != 2*time.Minute {
		t.Fatalf("11th failure: wait %v, want 2m", d)
	}
	c.advance(2 * time.Minute)
	l.Fail(ctx, key)
	if d := wait(); d != 4*time.Minute {
		t.Fatalf("12th failure: wait %v, want 4m", d)
	}
	l.Reset(ctx, key)
	if d := wait(); d != 0 {
		t.Fatalf("locked after reset: %v", d)
	}
	// Failures are forgotten a window after the last one.
	for range 9 {
		l.Fail(ctx, key)
	}
	c.advance(time.Hour)
	l.Fail(ctx, key)
	if d := wait(); d != 0 {
		t.Fatalf("old failures still counted: %v", d)
	}
}

func TestAddressPolicy(t *testing.T) {
	c := &clock{now: t0}
	l, _ := newLimiter(t, c)
	ctx := t.Context()
	for range 10 {
		l.Fail(ctx, "password:ip:192.0.2.1")
	}
	if d, _ := l.Allow(ctx, "password:ip:192.0.2.1"); d != 0 {
		t.Fatalf("an address locked after 10 failures: %v", d)
	}
	for range 40 {
		l.Fail(ctx, "password:ip:192.0.2.1")
	}
	if d, _ := l.Allow(ctx, "password:ip:192.0.2.1"); d != time.Minute {
		t.Fatalf("after 50 failures: %v, want 1m", d)
	}
}

func TestKeysAreHashed(t *testing.T) {
	c := &clock{now: t0}
	l, st := newLimiter(t, c)
	ctx := t.Context()
	const key = "password:identifier:email:alice@example.com"
	l.Fail(ctx, key)
	if _, err := st.GetLockout(ctx, key, t0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the key was stored in clear: %v", err)
	}
	lo, err := st.GetLockout(ctx, hashKey("l", key), t0)
	if err != nil || lo.Failures != 1 {
		t.Fatalf("hashed key: %+v, %v", lo, err)
	}
}

type brokenStore struct{ Store }

var errDown = errors.New("database down")

func (brokenStore) GetLockout(context.Context, string, time.Time) (*store.Lockout, error) {
	return nil, errDown
}
func (brokenStore) IncrementRateCounter(context.Context, string, time.Time, time.Time) (int, error) {
	return 0, errDown
}
func (brokenStore) UpdateLockout(context.Context, string, time.Time, func(*store.Lockout) error) (*store.Lockout, error) {
	return nil, errDown
}
func (brokenStore) DeleteLockout(context.Context, string) error { return errDown }

// TestStoreDown: checks fail closed (an error the caller turns into 503),
// bookkeeping after the fact only logs.
func TestStoreDown(t *testing.T) {
	l := New(Config{Store: brokenStore{}})
	ctx := t.Context()
	if _, err := l.Allow(ctx, "k"); !errors.Is(err, errDown) {
		t.Fatalf("Allow: %v", err)
	}
	if _, err := l.Hit(ctx, "k", Rule{Limit: 1, Period: time.Minute}); !errors.Is(err, errDown) {
		t.Fatalf("Hit: %v", err)
	}
	l.Fail(ctx, "k")
	l.Reset(ctx, "k")
}

package cache

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

// tokenFixture is a SQLite store with one app and one user, a cache with a
// controlled clock in front of it, and helpers to make tokens.
type tokenFixture struct {
	t   *testing.T
	ctx context.Context
	raw store.Store
	c   *Store
	now time.Time
	n   int
}

func newTokenFixture(t *testing.T, ttl time.Duration) *tokenFixture {
	t.Helper()
	ctx := t.Context()
	raw, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	f := &tokenFixture{t: t, ctx: ctx, raw: raw, now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	f.c = New(raw, ttl, func() time.Time { return f.now })
	f.must(raw.CreateApplication(ctx, &store.Application{ID: "a", Name: "A", Type: store.AppSPA, CreatedAt: f.now}))
	f.must(raw.CreateUser(ctx, &store.User{ID: "u", Username: "alice", CreatedAt: f.now, UpdatedAt: f.now}))
	return f
}

func (f *tokenFixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

// token stores a new token of kind behind the cache, expiring in ttl.
func (f *tokenFixture) token(kind string, ttl time.Duration) []byte {
	f.t.Helper()
	f.n++
	h := sha256.Sum256([]byte{byte(f.n)})
	f.must(f.raw.CreateToken(f.ctx, &store.Token{
		Hash: h[:], Kind: kind, ClientID: "a", UserID: "u", GrantID: "g", SessionID: "s",
		Scopes: []string{"openid", "profile"}, Resources: []string{}, AMR: []string{"pwd"},
		AuthTime: f.now, FirstIssuedAt: f.now, CreatedAt: f.now, ExpiresAt: f.now.Add(ttl),
	}))
	return h[:]
}

// get reads through the cache: the token, or nil when it is not found.
func (f *tokenFixture) get(hash []byte) *store.Token {
	f.t.Helper()
	t, err := f.c.GetToken(f.ctx, hash, f.now)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	f.must(err)
	return t
}

// TestTokenCache: an access token is served from memory until the TTL and
// never past its own expiry; copies are handed out; misses, errors and
// refresh tokens are never cached.
func TestTokenCache(t *testing.T) {
	f := newTokenFixture(t, 3*time.Second)

	// A hit: deleted behind the cache's back, it is still served.
	h := f.token(store.TokenAccess, time.Hour)
	if got := f.get(h); got == nil || got.UserID != "u" || got.Kind != store.TokenAccess {
		t.Fatalf("first read: %+v", got)
	}
	f.must(f.raw.DeleteToken(f.ctx, h))
	got := f.get(h)
	if got == nil {
		t.Fatal("a cached access token was read again from the store")
	}
	// A copy: changing it changes nothing for the next caller.
	got.Scopes[0] = "changed"
	got.Hash[0] ^= 0xff
	if again := f.get(h); again.Scopes[0] != "openid" || !bytes.Equal(again.Hash, h) {
		t.Fatalf("the cached token was modified through a caller's copy: %+v", again)
	}
	// Past the TTL it is read again.
	f.now = f.now.Add(3 * time.Second)
	if f.get(h) != nil {
		t.Fatal("a token deleted behind the cache was served past the TTL")
	}

	// Never past its own expiry, whatever the TTL.
	short := f.token(store.TokenAccess, time.Second)
	if f.get(short) == nil {
		t.Fatal("short-lived token not found")
	}
	f.now = f.now.Add(time.Second)
	if f.get(short) != nil {
		t.Fatal("a token was served from the cache at its ExpiresAt")
	}
	// Nor to a caller whose clock is past it.
	short = f.token(store.TokenAccess, time.Second)
	f.get(short)
	if tok, err := f.c.GetToken(f.ctx, short, f.now.Add(time.Second)); err == nil {
		t.Fatalf("a token was served to a caller past its ExpiresAt: %+v", tok)
	}

	// Misses are not cached.
	f.n++
	missing := sha256.Sum256([]byte{byte(f.n)})
	if f.get(missing[:]) != nil {
		t.Fatal("unknown token found")
	}
	f.n--
	created := f.token(store.TokenAccess, time.Hour)
	if !bytes.Equal(created, missing[:]) || f.get(created) == nil {
		t.Fatal("a miss was cached")
	}

	// Store errors are not cached either.
	failing := &failingStore{Store: f.raw}
	fc := New(failing, time.Minute, func() time.Time { return f.now })
	h = f.token(store.TokenAccess, time.Hour)
	failing.fail = true
	if _, err := fc.GetToken(f.ctx, h, f.now); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("GetToken on a failing store: %v", err)
	}
	failing.fail = false
	if _, err := fc.GetToken(f.ctx, h, f.now); err != nil {
		t.Fatalf("an error was cached: %v", err)
	}

	// Refresh tokens always go to the store.
	rt := f.token(store.TokenRefresh, time.Hour)
	if f.get(rt) == nil {
		t.Fatal("refresh token not found")
	}
	f.must(f.raw.DeleteToken(f.ctx, rt))
	if f.get(rt) != nil {
		t.Fatal("a refresh token was served from the cache")
	}
}

type failingStore struct {
	store.Store
	fail bool
}

func (s *failingStore) GetToken(ctx context.Context, hash []byte, now time.Time) (*store.Token, error) {
	if s.fail {
		return nil, store.ErrUnavailable
	}
	return s.Store.GetToken(ctx, hash, now)
}

// TestTokenMutations: every token-mutating write through the cache,
// directly or inside InTx, drops the cached token at once.
func TestTokenMutations(t *testing.T) {
	marker := 7 * time.Hour // an expiry set behind the cache's back
	type mutation struct {
		name  string
		write func(f *tokenFixture, s store.Store, hash []byte) error
		// gone: the token no longer exists; otherwise check tells whether
		// the fresh row is what the cache serves now.
		gone  bool
		check func(f *tokenFixture, tok *store.Token) bool
	}
	freshRow := func(f *tokenFixture, tok *store.Token) bool { return tok.ExpiresAt.Equal(f.now.Add(marker)) }
	mutations := []mutation{
		{"ExtendToken", func(f *tokenFixture, s store.Store, h []byte) error {
			return s.ExtendToken(f.ctx, h, f.now.Add(9*time.Hour))
		}, false, func(f *tokenFixture, tok *store.Token) bool { return tok.ExpiresAt.Equal(f.now.Add(9 * time.Hour)) }},
		{"DeleteToken", func(f *tokenFixture, s store.Store, h []byte) error {
			return s.DeleteToken(f.ctx, h)
		}, true, nil},
		{"DeleteGrantTokens", func(f *tokenFixture, s store.Store, h []byte) error {
			_, err := s.DeleteGrantTokens(f.ctx, "g")
			return err
		}, true, nil},
		{"RevokeLiveGrant", func(f *tokenFixture, s store.Store, h []byte) error {
			_, err := s.RevokeLiveGrant(f.ctx, "g", f.now)
			return err
		}, true, nil},
		{"DeleteSessionTokens", func(f *tokenFixture, s store.Store, h []byte) error {
			_, err := s.DeleteSessionTokens(f.ctx, "s")
			return err
		}, true, nil},
		{"DeleteUserClientTokens", func(f *tokenFixture, s store.Store, h []byte) error {
			_, err := s.DeleteUserClientTokens(f.ctx, "u", "a")
			return err
		}, true, nil},
		{"UpdateUser suspends", func(f *tokenFixture, s store.Store, h []byte) error {
			_, err := s.UpdateUser(f.ctx, "u", func(u *store.User) error { u.IsSuspended = true; return nil })
			return err
		}, false, freshRow},
		{"DeleteUser", func(f *tokenFixture, s store.Store, h []byte) error {
			return s.DeleteUser(f.ctx, "u")
		}, true, nil},
		{"DeleteApplication", func(f *tokenFixture, s store.Store, h []byte) error {
			return s.DeleteApplication(f.ctx, "a")
		}, true, nil},
	}
	for _, m := range mutations {
		for _, inTx := range []bool{false, true} {
			name := m.name
			if inTx {
				name += " in a transaction"
			}
			t.Run(name, func(t *testing.T) {
				f := newTokenFixture(t, time.Minute)
				h := f.token(store.TokenAccess, time.Hour)
				other := f.token(store.TokenAccess, time.Hour)
				f.token(store.TokenRefresh, time.Hour) // the grant's live refresh token
				f.get(h)
				f.get(other)
				// Changed behind the cache: still served the old way.
				f.must(f.raw.ExtendToken(f.ctx, h, f.now.Add(marker)))
				if freshRow(f, f.get(h)) {
					t.Fatal("the token was not cached")
				}
				if inTx {
					f.must(f.c.InTx(f.ctx, func(tx store.Store) error { return m.write(f, tx, h) }))
				} else {
					f.must(m.write(f, f.c, h))
				}
				tok := f.get(h)
				switch {
				case m.gone && tok != nil:
					t.Fatalf("a deleted token is still served: %+v", tok)
				case !m.gone && (tok == nil || !m.check(f, tok)):
					t.Fatalf("the cache serves the token as it was before the write: %+v", tok)
				}
			})
		}
	}

	// A user update that does not touch suspension keeps the tokens.
	f := newTokenFixture(t, time.Minute)
	h := f.token(store.TokenAccess, time.Hour)
	f.get(h)
	f.must(f.raw.ExtendToken(f.ctx, h, f.now.Add(marker)))
	_, err := f.c.UpdateUser(f.ctx, "u", func(u *store.User) error { u.Name = "Alice"; return nil })
	f.must(err)
	if freshRow(f, f.get(h)) {
		t.Fatal("a profile update dropped the cached tokens")
	}
}

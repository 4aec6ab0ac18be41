package grant

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/token"
)

// faults makes the failAt-th write of a grant exchange fail, as a crash or
// a lost database connection would between two statements. It counts the
// writes made through the store and through the transactions it hands out.
type faults struct {
	mu     sync.Mutex
	writes int
	failAt int // 0: never
}

func (f *faults) write(op string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.writes++
	if f.writes == f.failAt {
		return fmt.Errorf("%s: injected failure of write %d: %w", op, f.writes, store.ErrUnavailable)
	}
	return nil
}

// faultyStore wraps a store.Store (or a transaction) with faults.
type faultyStore struct {
	store.Store
	f *faults
}

func (s *faultyStore) InTx(ctx context.Context, fn func(tx store.Store) error) error {
	return s.Store.InTx(ctx, func(tx store.Store) error { return fn(&faultyStore{Store: tx, f: s.f}) })
}

func (s *faultyStore) ConsumeAuthorizationCode(ctx context.Context, hash []byte, now time.Time) (*store.AuthorizationCode, error) {
	if err := s.f.write("consume code"); err != nil {
		return nil, err
	}
	return s.Store.ConsumeAuthorizationCode(ctx, hash, now)
}

func (s *faultyStore) CreateToken(ctx context.Context, t *store.Token) error {
	if err := s.f.write("create token"); err != nil {
		return err
	}
	return s.Store.CreateToken(ctx, t)
}

func (s *faultyStore) RotateToken(ctx context.Context, oldHash []byte, next *store.Token, now time.Time) error {
	if err := s.f.write("rotate token"); err != nil {
		return err
	}
	return s.Store.RotateToken(ctx, oldHash, next, now)
}

// faulty returns deps whose store fails its failAt-th write.
func (e *env) faulty(failAt int) (Deps, *faults) {
	f := &faults{failAt: failAt}
	d := e.deps
	d.Store = &faultyStore{Store: e.st, f: f}
	return d, f
}

// TestCodeExchangeIsAtomic: whichever write of a code exchange fails, the
// exchange leaves nothing behind — the code is not used up and no token of
// the failed attempt exists — so the client's retry gets the tokens instead
// of being treated as a replay that revokes the grant.
func TestCodeExchangeIsAtomic(t *testing.T) {
	for _, tc := range []struct {
		name     string
		resource bool // a JWT access token (nothing stored for it)
	}{{"opaque access token", false}, {"resource access token", true}} {
		t.Run(tc.name, func(t *testing.T) {
			for failAt := 1; ; failAt++ {
				e := newEnv(t)
				code := e.code(e.spa, func(c *store.AuthorizationCode) {
					c.Scopes = append(c.Scopes, "read")
					c.Resources = []string{"https://api.example.com"}
				})
				params := form("code", code, "redirect_uri", "https://app.example/cb", "code_verifier", verifier)
				if tc.resource {
					params.Set("resource", "https://api.example.com")
				}
				deps, f := e.faulty(failAt)
				_, err := e.exchange(&AuthorizationCode{Deps: deps}, e.spa, params)
				if f.writes < failAt {
					if err != nil {
						t.Fatal(err)
					}
					if failAt == 1 {
						t.Fatal("the exchange wrote nothing")
					}
					return // every write has had its failure
				}
				if err == nil {
					t.Fatalf("write %d failed but the exchange succeeded", failAt)
				}
				if n, err := e.st.DeleteGrantTokens(t.Context(), "grant-"+code[:8]); err != nil || n != 0 {
					t.Fatalf("write %d failed: %d tokens of the failed exchange were kept (%v)", failAt, n, err)
				}
				resp, err := e.exchange(&AuthorizationCode{Deps: e.deps}, e.spa, params)
				if err != nil {
					t.Fatalf("write %d failed, then the retry with the same code: %v", failAt, err)
				}
				e.usable(resp, tc.resource)
			}
		})
	}
}

// TestRefreshIsAtomic: whichever write of a refresh fails — consuming the
// old refresh token, storing the new one, storing the opaque access token,
// extending a kept one — the presented refresh token still works.
func TestRefreshIsAtomic(t *testing.T) {
	for _, tc := range []struct {
		name     string
		client   func(e *env) *store.Application
		resource bool
	}{
		{"rotating public client, opaque access token", func(e *env) *store.Application { return e.spa }, false},
		{"rotating public client, resource access token", func(e *env) *store.Application { return e.spa }, true},
		{"confidential client, sliding expiry", func(e *env) *store.Application { return e.web }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for failAt := 1; ; failAt++ {
				e := newEnv(t)
				client := tc.client(e)
				first := e.issueRefresh(client, func(c *store.AuthorizationCode) {
					c.Scopes = append(c.Scopes, "read")
					c.Resources = []string{"https://api.example.com"}
				})
				params := form("refresh_token", first.RefreshToken)
				if tc.resource {
					params.Set("resource", "https://api.example.com")
				}
				e.now = e.now.Add(time.Minute)
				deps, f := e.faulty(failAt)
				_, err := e.exchange(&RefreshToken{Deps: deps}, client, params)
				if f.writes < failAt {
					if err != nil {
						t.Fatal(err)
					}
					return
				}
				if err == nil {
					t.Fatalf("write %d failed but the refresh succeeded", failAt)
				}
				resp, err := e.exchange(&RefreshToken{Deps: e.deps}, client, params)
				if err != nil {
					t.Fatalf("write %d failed, then the retry with the same refresh token: %v", failAt, err)
				}
				e.usable(resp, tc.resource)
			}
		})
	}
}

// usable checks that the tokens of resp work: the access token (stored, or
// a JWT for the API), and the refresh token at the refresh grant.
func (e *env) usable(resp *Response, resource bool) {
	e.t.Helper()
	if resource {
		if c := e.claims(resp.AccessToken); c["aud"] != "https://api.example.com" {
			e.t.Fatalf("access token claims %v", c)
		}
	} else if !e.tokenExists(resp.AccessToken) {
		e.t.Fatal("the access token was not stored")
	}
	if resp.RefreshToken == "" {
		e.t.Fatal("no refresh token")
	}
	rt, err := e.st.GetToken(e.t.Context(), token.Hash(resp.RefreshToken), e.now)
	if err != nil || !rt.ConsumedAt.IsZero() {
		e.t.Fatalf("refresh token not usable: %v %+v", err, rt)
	}
}

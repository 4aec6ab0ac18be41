package grant

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/token"
)

// issueRefresh redeems a code for client and returns the refresh token.
func (e *env) issueRefresh(client *store.Application, mutate func(c *store.AuthorizationCode)) *Response {
	e.t.Helper()
	code := e.code(client, func(c *store.AuthorizationCode) {
		if client.Type != store.AppSPA && client.Type != store.AppNative {
			c.CodeChallenge, c.CodeChallengeMethod = "", ""
		}
		if mutate != nil {
			mutate(c)
		}
	})
	params := form("code", code, "redirect_uri", "https://app.example/cb")
	if client.Type == store.AppSPA {
		params.Set("code_verifier", verifier)
	}
	resp, err := e.exchange(&AuthorizationCode{Deps: e.deps}, client, params)
	if err != nil || resp.RefreshToken == "" {
		e.t.Fatalf("issue refresh token: %v", err)
	}
	return resp
}

func ptr[T any](v T) *T { return &v }

func TestRefreshRotationRules(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		name    string
		client  func(e *env) *store.Application
		elapsed time.Duration
		// firstIssuedAgo moves the chain's start back (the one-year rule).
		firstIssuedAgo time.Duration
		rotate         bool
		// wantExpiry is the refresh token's expiry after use, from now.
		wantExpiry time.Duration
	}{
		{"public spa always rotates, keeps remaining ttl", func(e *env) *store.Application { return e.spa }, day, 0, true, 13 * day},
		{"confidential before 70%", func(e *env) *store.Application { return e.web }, 9 * day, 0, false, 14 * day},
		{"confidential at 70%", func(e *env) *store.Application { return e.web }, time.Duration(0.7 * float64(14*day)), 0, true, 14 * day},
		{"confidential after a year stops rotating", func(e *env) *store.Application { return e.web }, 13 * day, 366 * day, false, 14 * day},
		{"public after a year stops rotating", func(e *env) *store.Application { return e.spa }, day, 366 * day, false, 13 * day},
		{"rotation off", func(e *env) *store.Application {
			e.web.CustomClientMetadata.RotateRefreshToken = ptr(false)
			return e.web
		}, 13 * day, 0, false, 14 * day},
		{"custom ttl", func(e *env) *store.Application {
			e.web.CustomClientMetadata.RefreshTokenTTLInDays = 30
			return e.web
		}, day, 0, false, 30 * day},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			client := tc.client(e)
			first := e.issueRefresh(client, nil)
			if tc.firstIssuedAgo > 0 {
				// Rewrite the chain start by reissuing the token record.
				rt, err := e.st.GetToken(t.Context(), token.Hash(first.RefreshToken), e.now)
				must(t, err)
				must(t, e.st.DeleteToken(t.Context(), rt.Hash))
				rt.FirstIssuedAt = e.now.Add(-tc.firstIssuedAgo)
				must(t, e.st.CreateToken(t.Context(), rt))
			}
			e.now = e.now.Add(tc.elapsed)
			resp, err := e.exchange(&RefreshToken{Deps: e.deps}, client, form("refresh_token", first.RefreshToken))
			if err != nil {
				t.Fatal(err)
			}
			rotated := resp.RefreshToken != first.RefreshToken
			if rotated != tc.rotate {
				t.Fatalf("rotated = %v, want %v", rotated, tc.rotate)
			}
			// Rotation is in place: the old value is gone, the chain is
			// still one row.
			_, err = e.st.GetToken(t.Context(), token.Hash(first.RefreshToken), e.now)
			if gone := errors.Is(err, store.ErrNotFound); gone != rotated {
				t.Fatalf("old token gone = %v (err %v), want %v", gone, err, rotated)
			}
			cur, err := e.st.GetToken(t.Context(), token.Hash(resp.RefreshToken), e.now)
			if err != nil {
				t.Fatal(err)
			}
			if got := cur.ExpiresAt.Sub(e.now); got != tc.wantExpiry {
				t.Fatalf("expires in %v, want %v", got, tc.wantExpiry)
			}
			if resp.IDToken == "" || resp.AccessToken == "" {
				t.Fatal("no new tokens")
			}
			if _, ok := e.claims(resp.IDToken)["nonce"]; ok {
				t.Fatal("refreshed id token carries the nonce")
			}
		})
	}
}

func TestRefreshReuseRevokesFamily(t *testing.T) {
	e := newEnv(t)
	g := &RefreshToken{Deps: e.deps}
	first := e.issueRefresh(e.spa, nil)
	second, err := e.exchange(g, e.spa, form("refresh_token", first.RefreshToken))
	if err != nil {
		t.Fatal(err)
	}
	third, err := e.exchange(g, e.spa, form("refresh_token", second.RefreshToken))
	if err != nil {
		t.Fatal(err)
	}
	// An attacker replays the first (rotated-out) token.
	_, err = e.exchange(g, e.spa, form("refresh_token", first.RefreshToken))
	wantOAuth(t, err, "invalid_grant")
	for name, tok := range map[string]string{"first at": first.AccessToken, "second at": second.AccessToken,
		"third rt": third.RefreshToken, "third at": third.AccessToken} {
		if e.tokenExists(tok) {
			t.Errorf("%s survived the family revocation", name)
		}
	}
	_, err = e.exchange(g, e.spa, form("refresh_token", third.RefreshToken))
	wantOAuth(t, err, "invalid_grant")
}

// TestRefreshKeepsEarlierAccessTokens: the refresh token's row holds only
// the latest opaque access token, but the ones issued before stay valid
// until they expire, as clients holding them expect.
func TestRefreshKeepsEarlierAccessTokens(t *testing.T) {
	e := newEnv(t)
	g := &RefreshToken{Deps: e.deps}
	first := e.issueRefresh(e.spa, nil)
	rt := first.RefreshToken
	ats := []string{first.AccessToken}
	for range 3 {
		resp, err := e.exchange(g, e.spa, form("refresh_token", rt))
		if err != nil {
			t.Fatal(err)
		}
		rt = resp.RefreshToken
		ats = append(ats, resp.AccessToken)
	}
	for i, at := range ats {
		if !e.tokenExists(at) {
			t.Errorf("access token %d is no longer valid after later refreshes", i)
		}
	}
}

// TestRefreshConcurrentRotation: two requests present the same refresh
// token at once; one rotates it, the other is a reuse and revokes the chain.
func TestRefreshConcurrentRotation(t *testing.T) {
	e := newEnv(t)
	g := &RefreshToken{Deps: e.deps}
	first := e.issueRefresh(e.spa, nil)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Go(func() { _, errs[i] = e.exchange(g, e.spa, form("refresh_token", first.RefreshToken)) })
	}
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) {
		t.Fatalf("want exactly one success: %v, %v", errs[0], errs[1])
	}
}

// TestRefreshLegacyConsumedRow: a refresh token rotated out before rotation
// in place is kept as a consumed row; presenting it is still reuse.
func TestRefreshLegacyConsumedRow(t *testing.T) {
	e := newEnv(t)
	first := e.issueRefresh(e.spa, nil)
	legacy, hash := token.NewOpaque()
	rt, err := e.st.GetToken(t.Context(), token.Hash(first.RefreshToken), e.now)
	must(t, err)
	old := *rt
	old.Hash, old.Access, old.ConsumedAt = hash, nil, e.now
	must(t, e.st.CreateToken(t.Context(), &old))
	_, err = e.exchange(&RefreshToken{Deps: e.deps}, e.spa, form("refresh_token", legacy))
	wantOAuth(t, err, "invalid_grant")
	if e.tokenExists(first.RefreshToken) || e.tokenExists(first.AccessToken) {
		t.Fatal("the chain survived the reuse of its consumed token")
	}
}

func TestRefreshErrors(t *testing.T) {
	tests := []struct {
		name   string
		params func(rt string) map[string][]string
		client func(e *env) *store.Application
		setup  func(e *env)
		want   string
	}{
		{"missing", func(string) map[string][]string { return form() }, nil, nil, "invalid_request"},
		{"unknown", func(string) map[string][]string { return form("refresh_token", "nope") }, nil, nil, "invalid_grant"},
		{"unknown naming no chain", func(string) map[string][]string { return form("refresh_token", "nope.nochain") }, nil, nil, "invalid_grant"},
		{"other client", func(rt string) map[string][]string { return form("refresh_token", rt) },
			func(e *env) *store.Application { return e.web }, nil, "invalid_grant"},
		{"expired", func(rt string) map[string][]string { return form("refresh_token", rt) }, nil,
			func(e *env) { e.now = e.now.Add(15 * 24 * time.Hour) }, "invalid_grant"},
		{"scope widening", func(rt string) map[string][]string { return form("refresh_token", rt, "scope", "openid phone") }, nil, nil, "invalid_scope"},
		{"resource not granted", func(rt string) map[string][]string {
			return form("refresh_token", rt, "resource", "https://other.example.com")
		}, nil, nil, "invalid_target"},
		{"organization", func(rt string) map[string][]string { return form("refresh_token", rt, "organization_id", "o1") }, nil, nil, "invalid_request"},
		{"suspended user", func(rt string) map[string][]string { return form("refresh_token", rt) }, nil, func(e *env) {
			_, err := e.st.UpdateUser(e.t.Context(), e.user.ID, func(u *store.User) error { u.IsSuspended = true; return nil })
			must(e.t, err)
		}, "invalid_grant"},
		{"access token as refresh token", func(string) map[string][]string { return nil }, nil, nil, "invalid_grant"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			first := e.issueRefresh(e.spa, func(c *store.AuthorizationCode) {
				c.Resources = []string{"https://api.example.com"}
				c.Scopes = append(c.Scopes, "read")
			})
			if tc.setup != nil {
				tc.setup(e)
			}
			client := e.spa
			if tc.client != nil {
				client = tc.client(e)
			}
			params := tc.params(first.RefreshToken)
			if params == nil {
				params = form("refresh_token", first.AccessToken)
			}
			_, err := e.exchange(&RefreshToken{Deps: e.deps}, client, params)
			wantOAuth(t, err, tc.want)
		})
	}
}

func TestRefreshResourceAndScope(t *testing.T) {
	e := newEnv(t)
	first := e.issueRefresh(e.spa, func(c *store.AuthorizationCode) {
		c.Resources = []string{"https://api.example.com", "https://other.example.com"}
		c.Scopes = []string{"openid", "offline_access", "read", "write"}
	})
	if e.tokenExists(first.AccessToken) == false {
		t.Fatal("with several resources and none chosen the code grant issues an opaque token")
	}
	resp, err := e.exchange(&RefreshToken{Deps: e.deps}, e.spa, form("refresh_token", first.RefreshToken, "resource", "https://api.example.com"))
	if err != nil {
		t.Fatal(err)
	}
	c := e.claims(resp.AccessToken)
	if c["aud"] != "https://api.example.com" || c["scope"] != "read" {
		t.Fatalf("claims %v", c)
	}
	resp, err = e.exchange(&RefreshToken{Deps: e.deps}, e.spa, form("refresh_token", resp.RefreshToken, "scope", "openid"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Scope != "openid" || !e.tokenExists(resp.AccessToken) {
		t.Fatalf("narrowed refresh: %+v", resp)
	}
}

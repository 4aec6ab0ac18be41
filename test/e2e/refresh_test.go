package e2e

import (
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/gatehouse/gatehouse/internal/application"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/token"
	"github.com/gatehouse/gatehouse/test/testenv"
)

var offline = []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("prompt", "consent")}

func ptr[T any](v T) *T { return &v }

// TestRefreshTokenRotation covers the seed 002 refresh-token settings:
// rotation (public clients always; confidential ones once 70 % of the TTL
// has passed; never with rotateRefreshToken=false), the rotated-out token
// being dead, reuse revoking the family, and TTL extension on use (to
// refreshTokenTtlInDays, never for SPAs).
func TestRefreshTokenRotation(t *testing.T) {
	testenv.Backends(t, func(t *testing.T, open func(t *testing.T) *testenv.Server) {
		srv := open(t)
		ctx := t.Context()
		scopes := []string{oidc.ScopeOpenID, oidc.ScopeOfflineAccess}
		stored := func(t *testing.T, rt string) *store.Token {
			t.Helper()
			tok, err := srv.Store.GetToken(ctx, token.Hash(rt), time.Now())
			if err != nil {
				t.Fatalf("refresh token not stored: %v", err)
			}
			return tok
		}

		t.Run("public clients rotate on every use and reuse revokes the family", func(t *testing.T) {
			for _, typ := range []string{store.AppSPA, store.AppNative} {
				r := newRP(t, srv, application.CreateInput{Type: typ}, scopes...)
				tok := r.login(testenv.NewBrowser(t, srv.URL), offline...)
				first := tok.RefreshToken
				// Shorten the first token's life so that "kept" and
				// "extended" differ by far more than the clock's grain.
				firstExp := time.Now().Add(time.Hour).UTC().Truncate(time.Millisecond)
				must(t, srv.Store.ExtendToken(ctx, token.Hash(first), firstExp))
				next, err := r.refresh(first)
				if err != nil || next.RefreshToken == "" || next.RefreshToken == first {
					t.Fatalf("%s: refresh did not rotate: %v", typ, err)
				}
				if typ == store.AppSPA && !stored(t, next.RefreshToken).ExpiresAt.Equal(firstExp) {
					t.Fatalf("SPA refresh token TTL was extended: %v → %v", firstExp, stored(t, next.RefreshToken).ExpiresAt)
				}
				if typ == store.AppNative && time.Until(stored(t, next.RefreshToken).ExpiresAt) < 13*24*time.Hour {
					t.Fatal("Native refresh token TTL was not extended")
				}
				// The rotated-out token is dead; presenting it is reuse,
				// which revokes the whole family, the new token included.
				_, err = r.refresh(first)
				assertOAuthError(t, err, "invalid_grant")
				_, err = r.refresh(next.RefreshToken)
				assertOAuthError(t, err, "invalid_grant")
				if st, _ := userinfoStatus(t, srv, next.AccessToken); st != 401 {
					t.Fatalf("%s: access token of a revoked family still works: %d", typ, st)
				}
			}
		})

		t.Run("confidential clients keep the token until 70 percent and slide its TTL", func(t *testing.T) {
			r := newRP(t, srv, application.CreateInput{Type: store.AppTraditional,
				CustomClientMetadata: store.CustomClientMetadata{RefreshTokenTTLInDays: 3}}, scopes...)
			tok := r.login(testenv.NewBrowser(t, srv.URL), offline...)
			rt := tok.RefreshToken
			if d := time.Until(stored(t, rt).ExpiresAt); d < 71*time.Hour || d > 73*time.Hour {
				t.Fatalf("refreshTokenTtlInDays=3 gave a TTL of %v", d)
			}
			// Shorten the token's life, then use it: it is kept (under
			// 70 %) and its expiry slides back to three days.
			must(t, srv.Store.ExtendToken(ctx, token.Hash(rt), time.Now().Add(time.Hour)))
			next, err := r.refresh(rt)
			if err != nil || next.RefreshToken != rt {
				t.Fatalf("early refresh rotated: %v", err)
			}
			if d := time.Until(stored(t, rt).ExpiresAt); d < 71*time.Hour {
				t.Fatalf("TTL not extended on use: %v left", d)
			}
			// Once 70 % of the TTL has passed, the token rotates.
			rec := stored(t, rt)
			pastSeventyPercent(t, srv, rec)
			late, err := r.refresh(rt)
			if err != nil || late.RefreshToken == rt || late.RefreshToken == "" {
				t.Fatalf("refresh after 70%% of the TTL did not rotate: %v", err)
			}
			_, err = r.refresh(rt)
			assertOAuthError(t, err, "invalid_grant")
		})

		t.Run("rotateRefreshToken false never rotates", func(t *testing.T) {
			r := newRP(t, srv, application.CreateInput{Type: store.AppTraditional,
				CustomClientMetadata: store.CustomClientMetadata{RotateRefreshToken: ptr(false)}}, scopes...)
			rt := r.login(testenv.NewBrowser(t, srv.URL), offline...).RefreshToken
			rec := stored(t, rt)
			pastSeventyPercent(t, srv, rec)
			for range 2 {
				next, err := r.refresh(rt)
				if err != nil || next.RefreshToken != rt {
					t.Fatalf("rotateRefreshToken=false rotated: %v", err)
				}
			}
		})

		t.Run("alwaysIssueRefreshToken", func(t *testing.T) {
			tests := []struct {
				typ    string
				always bool
				want   bool
			}{
				{store.AppTraditional, false, false},
				{store.AppTraditional, true, true},
				{store.AppSPA, false, false},
				{store.AppSPA, true, true},
			}
			for _, tc := range tests {
				r := newRP(t, srv, application.CreateInput{Type: tc.typ,
					CustomClientMetadata: store.CustomClientMetadata{AlwaysIssueRefreshToken: tc.always}})
				// No offline_access, no prompt=consent.
				tok := r.login(testenv.NewBrowser(t, srv.URL))
				if (tok.RefreshToken != "") != tc.want {
					t.Fatalf("%s alwaysIssueRefreshToken=%v: refresh token issued = %v", tc.typ, tc.always, tok.RefreshToken != "")
				}
			}
			// Only Traditional and SPA may set it.
			if _, _, err := srv.Apps.Create(ctx, application.CreateInput{Name: "N", Type: store.AppNative,
				RedirectURIs: []string{"http://127.0.0.1/cb"}, CustomClientMetadata: store.CustomClientMetadata{AlwaysIssueRefreshToken: true}}); err == nil {
				t.Fatal("a Native app accepted alwaysIssueRefreshToken")
			}
		})

		t.Run("offline_access needs prompt=consent", func(t *testing.T) {
			r := newRP(t, srv, application.CreateInput{Type: store.AppTraditional}, scopes...)
			if tok := r.login(testenv.NewBrowser(t, srv.URL)); tok.RefreshToken != "" {
				t.Fatal("offline_access without prompt=consent issued a refresh token")
			}
		})
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// pastSeventyPercent makes rt's stored lifetime such that more than 70 %
// of it has passed while it is still valid for a little while: the server's
// clock is real, so the test waits and shortens the expiry.
func pastSeventyPercent(t *testing.T, srv *testenv.Server, rec *store.Token) {
	t.Helper()
	time.Sleep(1500 * time.Millisecond)
	// elapsed ≥ 1.5 s of a total of elapsed + 0.45 s: ≥ 76 % has passed.
	expires := time.Now().Add(450 * time.Millisecond)
	must(t, srv.Store.ExtendToken(t.Context(), rec.Hash, expires))
}

package social_test

import (
	"bytes"
	"errors"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/connector/social"
	"github.com/gatehouse/gatehouse/internal/connector/social/socialtest"
	"github.com/gatehouse/gatehouse/internal/seal"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

func newService(t *testing.T) (*social.Service, store.Store) {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "gatehouse.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	box, err := seal.New(bytes.Repeat([]byte{1}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return &social.Service{Store: st, Box: box}, st
}

func TestCreateOIDC(t *testing.T) {
	svc, st := newService(t)
	ctx := t.Context()
	c, err := svc.CreateOIDC(ctx, social.CreateInput{ID: "acme", Name: "Acme",
		DiscoveryURL: "https://idp.example/.well-known/openid-configuration", ClientID: "cid", ClientSecret: "top-secret",
		Scope: "email profile"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Target != "acme" || c.Config.Issuer != "https://idp.example" || c.Config.Scope != "openid email profile" {
		t.Fatalf("connector = %+v", c)
	}
	row, err := st.GetSocialConnector(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(row.SealedSecret, []byte("top-secret")) || bytes.Contains(row.Config, []byte("top-secret")) {
		t.Fatal("the client secret is stored in clear")
	}
	if _, err := svc.CreateOIDC(ctx, social.CreateInput{ID: "acme", DiscoveryURL: "https://idp.example", ClientID: "x"}); !errors.Is(err, social.ErrConflict) {
		t.Fatalf("duplicate: %v", err)
	}
	list, err := svc.List(ctx)
	if err != nil || len(list) != 1 {
		t.Fatalf("list = %v, %v", list, err)
	}

	for _, tc := range []struct {
		name string
		in   social.CreateInput
	}{
		{"http issuer", social.CreateInput{DiscoveryURL: "http://idp.example", ClientID: "x"}},
		{"no scheme", social.CreateInput{DiscoveryURL: "idp.example", ClientID: "x"}},
		{"query", social.CreateInput{DiscoveryURL: "https://idp.example/?a=b", ClientID: "x"}},
		{"no client id", social.CreateInput{DiscoveryURL: "https://idp.example"}},
		{"bad id", social.CreateInput{ID: "a b", DiscoveryURL: "https://idp.example", ClientID: "x"}},
		{"bad target", social.CreateInput{Target: "Has Caps", DiscoveryURL: "https://idp.example", ClientID: "x"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := svc.CreateOIDC(ctx, tc.in); !errors.Is(err, social.ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
		})
	}
	// Loopback HTTP is allowed for development.
	if _, err := svc.CreateOIDC(ctx, social.CreateInput{DiscoveryURL: "http://127.0.0.1:9/oidc", ClientID: "x"}); err != nil {
		t.Fatalf("loopback issuer: %v", err)
	}
	if err := svc.Delete(ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	if err := svc.Delete(ctx, "acme"); !errors.Is(err, social.ErrNotFound) {
		t.Fatalf("delete again: %v", err)
	}
	if _, err := svc.Get(ctx, "../etc"); !errors.Is(err, social.ErrNotFound) {
		t.Fatalf("odd id: %v", err)
	}
}

func TestSignIn(t *testing.T) {
	svc, _ := newService(t)
	ctx := t.Context()
	idp := socialtest.New(t)
	if _, err := svc.CreateOIDC(ctx, social.CreateInput{ID: "idp", DiscoveryURL: idp.URL, ClientID: idp.ClientID,
		ClientSecret: idp.ClientSecret}); err != nil {
		t.Fatal(err)
	}
	const redirectURI = "https://app.example/callback/idp"

	start := func(t *testing.T) (*social.Started, url.Values) {
		t.Helper()
		s, err := svc.AuthorizationURI(ctx, "idp", "ui-state", redirectURI)
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(s.URI)
		q := u.Query()
		if q.Get("state") != "ui-state" || q.Get("code_challenge_method") != "S256" || q.Get("nonce") != s.Session.Nonce ||
			q.Get("redirect_uri") != redirectURI || !strings.Contains(q.Get("scope"), "openid") {
			t.Fatalf("authorization URI = %s", s.URI)
		}
		if strings.Contains(s.URI, s.Session.CodeVerifier) {
			t.Fatal("the PKCE verifier leaked into the URL")
		}
		return s, idp.Callback(t, s.URI)
	}
	data := func(q url.Values) map[string]string {
		out := map[string]string{}
		for k := range q {
			out[k] = q.Get(k)
		}
		return out
	}

	t.Run("verified email", func(t *testing.T) {
		idp.SetUser("sub-1", map[string]any{"email": "Ann@Example.com", "email_verified": true, "name": "Ann", "picture": "https://p/ann.png"})
		s, q := start(t)
		info, err := svc.Verify(ctx, "idp", s.Session, data(q))
		if err != nil {
			t.Fatal(err)
		}
		if *info != (social.UserInfo{ID: "sub-1", Email: "Ann@Example.com", Name: "Ann", Avatar: "https://p/ann.png"}) {
			t.Fatalf("info = %+v", info)
		}
	})
	t.Run("unverified email is dropped", func(t *testing.T) {
		idp.SetUser("sub-2", map[string]any{"email": "b@example.com", "email_verified": false, "preferred_username": "bee"})
		s, q := start(t)
		info, err := svc.Verify(ctx, "idp", s.Session, data(q))
		if err != nil || info.Email != "" || info.Name != "bee" {
			t.Fatalf("info = %+v, %v", info, err)
		}
	})

	for _, tc := range []struct {
		name  string
		setup func(q url.Values, s *social.Started)
		want  error
	}{
		{"state mismatch", func(q url.Values, _ *social.Started) { q.Set("state", "other") }, social.ErrStateMismatch},
		{"no code", func(q url.Values, _ *social.Started) { q.Del("code") }, social.ErrStateMismatch},
		{"wrong verifier", func(_ url.Values, s *social.Started) { s.Session.CodeVerifier = "x" + s.Session.CodeVerifier[1:] }, social.ErrInvalidCode},
		{"wrong redirect", func(_ url.Values, s *social.Started) { s.Session.RedirectURI += "x" }, social.ErrInvalidCode},
		{"nonce mismatch", func(_ url.Values, _ *social.Started) { idp.NonceOverride = "forged" }, social.ErrInvalidCode},
		{"provider error", func(q url.Values, _ *social.Started) { q.Set("error", "access_denied") }, social.ErrDenied},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, q := start(t)
			tc.setup(q, s)
			if _, err := svc.Verify(ctx, "idp", s.Session, data(q)); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("code is single use", func(t *testing.T) {
		s, q := start(t)
		if _, err := svc.Verify(ctx, "idp", s.Session, data(q)); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Verify(ctx, "idp", s.Session, data(q)); !errors.Is(err, social.ErrInvalidCode) {
			t.Fatalf("replay: %v", err)
		}
	})
	t.Run("unknown connector", func(t *testing.T) {
		if _, err := svc.AuthorizationURI(ctx, "nope", "s", redirectURI); !errors.Is(err, social.ErrNotFound) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("unreachable provider", func(t *testing.T) {
		if _, err := svc.CreateOIDC(ctx, social.CreateInput{ID: "down", DiscoveryURL: "http://127.0.0.1:1", ClientID: "x"}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AuthorizationURI(ctx, "down", "s", redirectURI); !errors.Is(err, social.ErrUnavailable) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestUpdate(t *testing.T) {
	svc, st := newService(t)
	ctx := t.Context()
	if _, err := svc.CreateOIDC(ctx, social.CreateInput{ID: "acme", DiscoveryURL: "https://idp.example", ClientID: "cid", ClientSecret: "old"}); err != nil {
		t.Fatal(err)
	}
	name, scope, secret, sync := "Acme", "email", "new-secret", true
	c, err := svc.Update(ctx, "acme", social.UpdateInput{Name: &name, Scope: &scope, ClientSecret: &secret, SyncProfile: &sync})
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "Acme" || c.Config.Scope != "openid email" || !c.SyncProfile || c.Config.ClientID != "cid" {
		t.Fatalf("updated = %+v", c)
	}
	row, _ := st.GetSocialConnector(ctx, "acme")
	if opened, err := svc.Box.Open("social-connector:acme", row.SealedSecret); err != nil || string(opened) != "new-secret" {
		t.Fatalf("secret = %q, %v", opened, err)
	}
	bad := "http://idp.example"
	if _, err := svc.Update(ctx, "acme", social.UpdateInput{DiscoveryURL: &bad}); !errors.Is(err, social.ErrInvalid) {
		t.Fatalf("bad discovery URL: %v", err)
	}
	if _, err := svc.Update(ctx, "missing", social.UpdateInput{Name: &name}); !errors.Is(err, social.ErrNotFound) {
		t.Fatalf("missing: %v", err)
	}
}

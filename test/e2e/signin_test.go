package e2e

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"github.com/gatehouse/gatehouse/test/testenv"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/gatehouse/gatehouse/internal/application"
	"github.com/gatehouse/gatehouse/internal/store"
)

// TestAuthorizationCodeFlow is seed 000 end to end, driven by independent
// client libraries (go-oidc and x/oauth2): register, sign in, exchange the
// code with PKCE, verify the ID token through discovery and JWKS, call
// userinfo, refresh, and sign in again without credentials (SSO).
func TestAuthorizationCodeFlow(t *testing.T) {
	testenv.Backends(t, func(t *testing.T, open func(t *testing.T) *testenv.Server) {
		srv := open(t)
		ctx := t.Context()
		const redirectURI = "http://127.0.0.1:9/callback"
		app, secret := srv.CreateApp(t, application.CreateInput{
			Name: "Web", Type: store.AppTraditional, RedirectURIs: []string{redirectURI},
		})
		if secret == "" {
			t.Fatal("a Traditional app must get a secret")
		}

		provider, err := oidc.NewProvider(ctx, srv.URL+"/oidc")
		if err != nil {
			t.Fatalf("discovery: %v", err)
		}
		conf := oauth2.Config{
			ClientID: app.ID, ClientSecret: secret, RedirectURL: redirectURI,
			Endpoint: provider.Endpoint(),
			Scopes:   []string{oidc.ScopeOpenID, "profile", oidc.ScopeOfflineAccess},
		}
		verifier := provider.Verifier(&oidc.Config{ClientID: app.ID})

		// First visit: no session, so the browser lands on the sign-in page.
		b := testenv.NewBrowser(t, srv.URL)
		pkce := oauth2.GenerateVerifier()
		authURL := conf.AuthCodeURL("state-1", oauth2.S256ChallengeOption(pkce), oidc.Nonce("nonce-1"),
			oauth2.SetAuthURLParam("prompt", "consent"))
		page := b.Visit(authURL)
		if page.StatusCode != http.StatusOK || page.Request.URL.Path != "/sign-in" {
			t.Fatalf("expected the sign-in page, got %d at %s", page.StatusCode, page.Request.URL)
		}

		q := b.Callback(b.Register("alice", "correct horse battery"), redirectURI)
		if q.Get("state") != "state-1" || q.Get("iss") != srv.URL+"/oidc" || q.Get("code") == "" {
			t.Fatalf("callback query = %v", q)
		}

		tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(pkce))
		if err != nil {
			t.Fatalf("exchange: %v", err)
		}
		rawID, _ := tok.Extra("id_token").(string)
		idToken, err := verifier.Verify(ctx, rawID)
		if err != nil {
			t.Fatalf("id token: %v", err)
		}
		if idToken.Nonce != "nonce-1" {
			t.Fatalf("nonce = %q", idToken.Nonce)
		}
		if err := idToken.VerifyAccessToken(tok.AccessToken); err != nil {
			t.Fatalf("at_hash: %v", err)
		}
		var claims struct {
			Sub      string `json:"sub"`
			Username string `json:"username"`
			AuthTime int64  `json:"auth_time"`
			SID      string `json:"sid"`
		}
		testenv.Must(0, idToken.Claims(&claims))
		if claims.Username != "alice" || claims.AuthTime == 0 || claims.SID == "" {
			t.Fatalf("claims = %+v", claims)
		}
		if tok.RefreshToken == "" {
			t.Fatal("offline_access with prompt=consent must yield a refresh token")
		}

		info, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			t.Fatalf("userinfo: %v", err)
		}
		if info.Subject != idToken.Subject {
			t.Fatalf("userinfo sub %q != id token sub %q", info.Subject, idToken.Subject)
		}

		// Refresh grant: new access token for the same user.
		refreshed, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
		if err != nil {
			t.Fatalf("refresh: %v", err)
		}
		if refreshed.AccessToken == "" || refreshed.AccessToken == tok.AccessToken {
			t.Fatalf("refresh returned no new access token")
		}
		if _, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(refreshed)); err != nil {
			t.Fatalf("userinfo with refreshed token: %v", err)
		}

		// SSO: a second request in the same browser gets a code at once.
		pkce2 := oauth2.GenerateVerifier()
		q2 := b.Callback(conf.AuthCodeURL("state-2", oauth2.S256ChallengeOption(pkce2)), redirectURI)
		tok2, err := conf.Exchange(ctx, q2.Get("code"), oauth2.VerifierOption(pkce2))
		if err != nil {
			t.Fatalf("SSO exchange: %v", err)
		}
		id2, err := verifier.Verify(ctx, tok2.Extra("id_token").(string))
		if err != nil || id2.Subject != idToken.Subject {
			t.Fatalf("SSO id token: %v", err)
		}

		// A new browser signs in with the password.
		b2 := testenv.NewBrowser(t, srv.URL)
		pkce3 := oauth2.GenerateVerifier()
		b2.Visit(conf.AuthCodeURL("state-3", oauth2.S256ChallengeOption(pkce3)))
		q3 := b2.Callback(b2.SignIn("username", "alice", "correct horse battery"), redirectURI)
		tok3, err := conf.Exchange(ctx, q3.Get("code"), oauth2.VerifierOption(pkce3))
		if err != nil {
			t.Fatalf("password sign-in exchange: %v", err)
		}
		id3 := testenv.Must(verifier.Verify(ctx, tok3.Extra("id_token").(string)))
		if id3.Subject != idToken.Subject {
			t.Fatal("signed in as someone else")
		}
	})
}

// TestSPAWithPKCEOnly: a public client gets tokens with PKCE and no secret.
func TestSPAWithPKCEOnly(t *testing.T) {
	testenv.Backends(t, func(t *testing.T, open func(t *testing.T) *testenv.Server) {
		srv := open(t)
		ctx := t.Context()
		const redirectURI = "http://localhost:9/spa"
		app, secret := srv.CreateApp(t, application.CreateInput{Name: "SPA", Type: store.AppSPA, RedirectURIs: []string{redirectURI}})
		if secret != "" {
			t.Fatal("a SPA must not get a secret")
		}
		provider := testenv.Must(oidc.NewProvider(ctx, srv.URL+"/oidc"))
		conf := oauth2.Config{ClientID: app.ID, RedirectURL: redirectURI, Endpoint: provider.Endpoint(), Scopes: []string{"openid"}}
		conf.Endpoint.AuthStyle = oauth2.AuthStyleInParams

		b := testenv.NewBrowser(t, srv.URL)
		// Without a code_challenge a public client is refused, back at its
		// redirect URI (it is registered, so the error may go there).
		q := b.Callback(conf.AuthCodeURL("s"), redirectURI)
		if q.Get("error") != "invalid_request" || q.Get("state") != "s" {
			t.Fatalf("missing PKCE: %v", q)
		}
		// plain is refused too.
		q = b.Callback(conf.AuthCodeURL("s", oauth2.SetAuthURLParam("code_challenge", strings.Repeat("a", 43)), oauth2.SetAuthURLParam("code_challenge_method", "plain")), redirectURI)
		if q.Get("error") != "invalid_request" {
			t.Fatalf("plain PKCE: %v", q)
		}

		pkce := oauth2.GenerateVerifier()
		b.Visit(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(pkce)))
		q = b.Callback(b.Register("bob", "another long password"), redirectURI)
		tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(pkce))
		if err != nil {
			t.Fatalf("exchange: %v", err)
		}
		if _, err := provider.Verifier(&oidc.Config{ClientID: app.ID}).Verify(ctx, tok.Extra("id_token").(string)); err != nil {
			t.Fatal(err)
		}
	})
}

// TestCodeErrors covers the error cases of the code exchange: wrong PKCE
// verifier, a reused code (which also revokes what the code issued) and a
// wrong password.
func TestCodeErrors(t *testing.T) {
	testenv.Backends(t, func(t *testing.T, open func(t *testing.T) *testenv.Server) {
		srv := open(t)
		ctx := t.Context()
		const redirectURI = "http://127.0.0.1:9/cb"
		app, secret := srv.CreateApp(t, application.CreateInput{Name: "Web", Type: store.AppTraditional, RedirectURIs: []string{redirectURI}})
		provider := testenv.Must(oidc.NewProvider(ctx, srv.URL+"/oidc"))
		conf := oauth2.Config{ClientID: app.ID, ClientSecret: secret, RedirectURL: redirectURI, Endpoint: provider.Endpoint(), Scopes: []string{"openid"}}

		b := testenv.NewBrowser(t, srv.URL)
		pkce := oauth2.GenerateVerifier()
		b.Visit(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(pkce)))
		q := b.Callback(b.Register("carol", "pass phrase long enough"), redirectURI)
		code := q.Get("code")

		// Wrong verifier: invalid_grant.
		_, err := conf.Exchange(ctx, code, oauth2.VerifierOption(oauth2.GenerateVerifier()))
		assertOAuthError(t, err, "invalid_grant")

		// A fresh code, redeemed once, then replayed: the replay fails and
		// the access token from the first redemption stops working.
		pkce = oauth2.GenerateVerifier()
		q = b.Callback(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(pkce)), redirectURI)
		tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(pkce))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err != nil {
			t.Fatalf("userinfo before replay: %v", err)
		}
		_, err = conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(pkce))
		assertOAuthError(t, err, "invalid_grant")
		if _, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err == nil {
			t.Fatal("a replayed code must revoke the tokens it issued")
		}

		// Wrong secret: invalid_client.
		bad := conf
		bad.ClientSecret = "wrong"
		pkce = oauth2.GenerateVerifier()
		q = b.Callback(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(pkce)), redirectURI)
		_, err = bad.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(pkce))
		assertOAuthError(t, err, "invalid_client")

		// Wrong password: one generic error, whether or not the user exists.
		b2 := testenv.NewBrowser(t, srv.URL)
		b2.Visit(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
		codes := map[string]bool{}
		for _, who := range []string{"carol", "nobody"} {
			b2.MustAPI("PUT", "/api/experience", map[string]any{"interactionEvent": "SignIn"}, nil)
			var e struct {
				Code string `json:"code"`
			}
			st := b2.API("POST", "/api/experience/verification/password", map[string]any{
				"identifier": map[string]string{"type": "username", "value": who}, "password": "wrong password!",
			}, &e)
			if st != http.StatusUnprocessableEntity && st != http.StatusBadRequest && st != http.StatusUnauthorized {
				t.Fatalf("wrong password for %s: status %d", who, st)
			}
			codes[e.Code] = true
		}
		if len(codes) != 1 {
			t.Fatalf("sign-in errors differ between existing and unknown users: %v", codes)
		}
	})
}

// TestRedirectURISafety: an unregistered redirect URI or unknown client is
// never redirected to; the user gets an error page from the server.
func TestRedirectURISafety(t *testing.T) {
	srv := testenv.Start(t, nil)
	app, _ := srv.CreateApp(t, application.CreateInput{Name: "Web", Type: store.AppSPA, RedirectURIs: []string{"https://app.example.com/cb"}})
	b := testenv.NewBrowser(t, srv.URL)
	challenge := s256(oauth2.GenerateVerifier())
	tests := []struct {
		name   string
		params url.Values
	}{
		{"unregistered", url.Values{"client_id": {app.ID}, "redirect_uri": {"https://evil.example.com/cb"}}},
		{"prefix of registered", url.Values{"client_id": {app.ID}, "redirect_uri": {"https://app.example.com/cb/extra"}}},
		{"different case", url.Values{"client_id": {app.ID}, "redirect_uri": {"https://APP.example.com/cb"}}},
		{"unknown client", url.Values{"client_id": {"nope"}, "redirect_uri": {"https://app.example.com/cb"}}},
		{"no client", url.Values{"redirect_uri": {"https://app.example.com/cb"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.params.Set("response_type", "code")
			tt.params.Set("scope", "openid")
			tt.params.Set("code_challenge", challenge)
			tt.params.Set("code_challenge_method", "S256")
			resp := b.Visit(srv.URL + "/oidc/auth?" + tt.params.Encode())
			if loc := resp.Header.Get("Location"); loc != "" {
				t.Fatalf("redirected to %q", loc)
			}
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("status %d, want 400 error page", resp.StatusCode)
			}
		})
	}
}

// TestClientCredentials: a MachineToMachine app gets a JWT access token for
// an API resource, with only the scopes its roles hold.
func TestClientCredentials(t *testing.T) {
	testenv.Backends(t, func(t *testing.T, open func(t *testing.T) *testenv.Server) {
		srv := open(t)
		ctx := t.Context()
		app, secret := srv.CreateApp(t, application.CreateInput{Name: "Robot", Type: store.AppMachineToMachine})
		const indicator = "https://api.example.com"
		grantScopes(t, srv.Store, app.ID, indicator, []string{"read", "write"}, []string{"read"})

		provider := testenv.Must(oidc.NewProvider(ctx, srv.URL+"/oidc"))
		tokenURL := provider.Endpoint().TokenURL
		form := url.Values{"grant_type": {"client_credentials"}, "resource": {indicator}, "scope": {"read write"}}
		req, _ := http.NewRequest("POST", tokenURL, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(url.QueryEscape(app.ID), url.QueryEscape(secret))
		resp := testenv.Must(http.DefaultClient.Do(req))
		defer resp.Body.Close()
		var out struct {
			AccessToken string `json:"access_token"`
			TokenType   string `json:"token_type"`
			Scope       string `json:"scope"`
			ExpiresIn   int    `json:"expires_in"`
		}
		testenv.Must(0, json.NewDecoder(resp.Body).Decode(&out))
		if resp.StatusCode != 200 || out.TokenType != "Bearer" || out.Scope != "read" || out.ExpiresIn <= 0 {
			t.Fatalf("client_credentials: %d %+v", resp.StatusCode, out)
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
			t.Fatalf("Cache-Control = %q", cc)
		}

		// The access token verifies through JWKS as a JWT for the resource.
		keySet := oidc.NewRemoteKeySet(ctx, srv.URL+"/oidc/jwks")
		at := oidc.NewVerifier(srv.URL+"/oidc", keySet, &oidc.Config{ClientID: indicator, SupportedSigningAlgs: []string{"ES256"}})
		jwt, err := at.Verify(ctx, out.AccessToken)
		if err != nil {
			t.Fatalf("access token: %v", err)
		}
		var c struct {
			Scope    string `json:"scope"`
			ClientID string `json:"client_id"`
		}
		testenv.Must(0, jwt.Claims(&c))
		if jwt.Subject != app.ID || c.ClientID != app.ID || c.Scope != "read" {
			t.Fatalf("claims: sub=%s %+v", jwt.Subject, c)
		}

		// Errors: no resource, unknown resource, wrong secret, non-M2M app.
		web, webSecret := srv.CreateApp(t, application.CreateInput{Name: "Web", Type: store.AppTraditional, RedirectURIs: []string{"https://x.example.com/cb"}})
		cases := []struct {
			name, id, secret string
			form             url.Values
			want             string
		}{
			{"no resource", app.ID, secret, url.Values{"grant_type": {"client_credentials"}}, "invalid_target"},
			{"unknown resource", app.ID, secret, url.Values{"grant_type": {"client_credentials"}, "resource": {"https://nope"}}, "invalid_target"},
			{"wrong secret", app.ID, "x", url.Values{"grant_type": {"client_credentials"}, "resource": {indicator}}, "invalid_client"},
			{"not m2m", web.ID, webSecret, url.Values{"grant_type": {"client_credentials"}, "resource": {indicator}}, "unauthorized_client"},
			{"unknown grant", app.ID, secret, url.Values{"grant_type": {"password"}}, "unsupported_grant_type"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				req, _ := http.NewRequest("POST", tokenURL, strings.NewReader(c.form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.SetBasicAuth(c.id, c.secret)
				resp := testenv.Must(http.DefaultClient.Do(req))
				defer resp.Body.Close()
				var e struct {
					Error string `json:"error"`
				}
				_ = json.NewDecoder(resp.Body).Decode(&e)
				if e.Error != c.want || resp.StatusCode < 400 || resp.StatusCode >= 500 {
					t.Fatalf("got %d %q, want %q", resp.StatusCode, e.Error, c.want)
				}
			})
		}
	})
}

// grantScopes creates resource indicator with scopes and gives appID a
// MachineToMachine role holding the held subset.
func grantScopes(t *testing.T, st store.Store, appID, indicator string, scopes, held []string) {
	t.Helper()
	ctx := t.Context()
	res := &store.Resource{ID: "res" + strings.Repeat("0", 18), Name: "API", Indicator: indicator, AccessTokenTTL: 3600}
	testenv.Must(0, st.CreateResource(ctx, res))
	role := &store.Role{ID: "rol" + strings.Repeat("0", 18), Name: "robots", Type: store.RoleMachineToMachine}
	testenv.Must(0, st.CreateRole(ctx, role))
	var ids []string
	for i, s := range scopes {
		sc := &store.Scope{ID: "scp" + strings.Repeat("0", 17) + string(rune('a'+i)), ResourceID: res.ID, Name: s}
		testenv.Must(0, st.CreateScope(ctx, sc))
		for _, h := range held {
			if h == s {
				ids = append(ids, sc.ID)
			}
		}
	}
	testenv.Must(0, st.AddRoleScopes(ctx, role.ID, ids))
	testenv.Must(0, st.AssignApplicationRoles(ctx, appID, []string{role.ID}))
}

func assertOAuthError(t *testing.T, err error, want string) {
	t.Helper()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		t.Fatalf("err = %v, want OAuth error %s", err, want)
	}
	if re.ErrorCode != want {
		t.Fatalf("error = %q (%s), want %q", re.ErrorCode, re.Body, want)
	}
}

func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

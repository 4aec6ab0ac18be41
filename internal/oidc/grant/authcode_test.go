package grant

import (
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/token"
)

func TestAuthorizationCodeHappyPath(t *testing.T) {
	e := newEnv(t)
	g := &AuthorizationCode{Deps: e.deps}
	code := e.code(e.spa, nil)
	resp, err := e.exchange(g, e.spa, form("code", code, "redirect_uri", "https://app.example/cb", "code_verifier", verifier))
	if err != nil {
		t.Fatal(err)
	}
	if resp.TokenType != "Bearer" || resp.ExpiresIn != 3600 || resp.RefreshToken == "" || resp.IDToken == "" {
		t.Fatalf("response %+v", resp)
	}
	if resp.Scope != "openid profile email offline_access" {
		t.Fatalf("scope %q", resp.Scope)
	}
	at, err := e.st.GetToken(t.Context(), token.Hash(resp.AccessToken), e.now)
	if err != nil || at.Kind != store.TokenAccess || at.UserID != e.user.ID {
		t.Fatalf("opaque access token not stored: %v", err)
	}
	c := e.claims(resp.IDToken)
	want := map[string]any{"iss": issuer, "sub": "user1", "aud": "spa", "nonce": "nonce-1",
		"at_hash": token.ATHash(resp.AccessToken), "sid": token.SID("sess-1"), "name": "Ada",
		"email": "ada@example.com", "email_verified": true, "username": "ada",
		"auth_time": float64(e.now.Add(-time.Minute).Unix())}
	for k, v := range want {
		if c[k] != v {
			t.Errorf("id_token %s = %v, want %v", k, c[k], v)
		}
	}
	if _, ok := c["phone_number"]; ok {
		t.Error("phone claim without phone scope")
	}
}

func TestAuthorizationCodeErrors(t *testing.T) {
	ok := form("redirect_uri", "https://app.example/cb", "code_verifier", verifier)
	with := func(kv ...string) func(string) map[string][]string {
		return func(code string) map[string][]string {
			f := form(kv...)
			for k, v := range ok {
				if _, set := f[k]; !set {
					f[k] = v
				}
			}
			f.Set("code", code)
			for k, v := range f {
				if len(v) == 1 && v[0] == "-" {
					delete(f, k)
				}
			}
			return f
		}
	}
	tests := []struct {
		name   string
		client func(e *env) *store.Application
		mutate func(c *store.AuthorizationCode)
		params func(code string) map[string][]string
		want   string
	}{
		{"unknown code", nil, nil, func(string) map[string][]string { return with()("nope") }, "invalid_grant"},
		{"missing code", nil, nil, func(string) map[string][]string { return form("redirect_uri", "https://app.example/cb") }, "invalid_request"},
		{"missing redirect", nil, nil, with("redirect_uri", "-"), "invalid_request"},
		{"redirect mismatch", nil, nil, with("redirect_uri", "https://app.example/cb2"), "invalid_grant"},
		{"other client", func(e *env) *store.Application { return e.web }, nil, with(), "invalid_grant"},
		{"expired", nil, func(c *store.AuthorizationCode) { c.ExpiresAt = c.CreatedAt.Add(-time.Second) }, with(), "invalid_grant"},
		{"missing verifier", nil, nil, with("code_verifier", "-"), "invalid_grant"},
		{"wrong verifier", nil, nil, with("code_verifier", verifier+"x"), "invalid_grant"},
		{"short verifier", nil, func(c *store.AuthorizationCode) { c.CodeChallenge = "" }, with("code_verifier", "abc"), "invalid_grant"},
		{"verifier without challenge", func(e *env) *store.Application { return e.web },
			func(c *store.AuthorizationCode) { c.ClientID = "web"; c.CodeChallenge, c.CodeChallengeMethod = "", "" }, with(), "invalid_grant"},
		{"public client without challenge", nil,
			func(c *store.AuthorizationCode) { c.CodeChallenge, c.CodeChallengeMethod = "", "" }, with("code_verifier", "-"), "invalid_grant"},
		{"plain method", nil, func(c *store.AuthorizationCode) { c.CodeChallenge, c.CodeChallengeMethod = verifier, "plain" }, with(), "invalid_grant"},
		{"resource not granted", nil, nil, with("resource", "https://api.example.com"), "invalid_target"},
		{"two resources", nil, func(c *store.AuthorizationCode) {
			c.Resources = []string{"https://api.example.com", "https://other.example.com"}
		},
			func(code string) map[string][]string {
				f := with()(code)
				f["resource"] = []string{"https://api.example.com", "https://other.example.com"}
				return f
			}, "invalid_target"},
		// Without openid the only granted resource is the audience.
		{"unknown granted resource", nil, func(c *store.AuthorizationCode) {
			c.Resources, c.Scopes = []string{"https://gone.example.com"}, []string{"offline_access"}
		}, with(), "invalid_target"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			g := &AuthorizationCode{Deps: e.deps}
			code := e.code(e.spa, tc.mutate)
			client := e.spa
			if tc.client != nil {
				client = tc.client(e)
			}
			_, err := e.exchange(g, client, tc.params(code))
			wantOAuth(t, err, tc.want)
		})
	}
}

func TestAuthorizationCodeWebWithoutPKCE(t *testing.T) {
	e := newEnv(t)
	g := &AuthorizationCode{Deps: e.deps}
	code := e.code(e.web, func(c *store.AuthorizationCode) {
		c.CodeChallenge, c.CodeChallengeMethod = "", ""
		c.Scopes = []string{"openid"} // no offline_access: no refresh token
	})
	resp, err := e.exchange(g, e.web, form("code", code, "redirect_uri", "https://app.example/cb"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.RefreshToken != "" {
		t.Fatal("refresh token without offline_access")
	}
	// alwaysIssueRefreshToken issues one anyway for Traditional apps.
	e.web.CustomClientMetadata.AlwaysIssueRefreshToken = true
	code = e.code(e.web, func(c *store.AuthorizationCode) { c.CodeChallenge, c.Scopes = "", []string{"openid"} })
	resp, err = e.exchange(g, e.web, form("code", code, "redirect_uri", "https://app.example/cb"))
	if err != nil || resp.RefreshToken == "" {
		t.Fatalf("alwaysIssueRefreshToken: %v", err)
	}
}

func TestAuthorizationCodeReplayRevokes(t *testing.T) {
	e := newEnv(t)
	g := &AuthorizationCode{Deps: e.deps}
	code := e.code(e.spa, nil)
	params := form("code", code, "redirect_uri", "https://app.example/cb", "code_verifier", verifier)
	first, err := e.exchange(g, e.spa, params)
	if err != nil {
		t.Fatal(err)
	}
	if !e.tokenExists(first.AccessToken) || !e.tokenExists(first.RefreshToken) {
		t.Fatal("tokens not stored")
	}
	_, err = e.exchange(g, e.spa, params)
	wantOAuth(t, err, "invalid_grant")
	if e.tokenExists(first.AccessToken) || e.tokenExists(first.RefreshToken) {
		t.Fatal("replay did not revoke the tokens of the first redemption")
	}
}

func TestAuthorizationCodeResource(t *testing.T) {
	e := newEnv(t)
	g := &AuthorizationCode{Deps: e.deps}
	granted := func(scopes ...string) func(c *store.AuthorizationCode) {
		return func(c *store.AuthorizationCode) {
			c.Scopes = scopes
			c.Resources = []string{"https://api.example.com"}
		}
	}
	params := func(code string, kv ...string) map[string][]string {
		return form(append([]string{"code", code, "redirect_uri", "https://app.example/cb", "code_verifier", verifier}, kv...)...)
	}
	wantJWT := func(resp *Response) {
		t.Helper()
		c := e.claims(resp.AccessToken)
		// The user holds read (through the reader role) but not write.
		if c["aud"] != "https://api.example.com" || c["scope"] != "read" || c["client_id"] != "spa" || c["sub"] != "user1" {
			t.Fatalf("access token claims %v", c)
		}
		if resp.ExpiresIn != 600 || resp.Scope != "read" {
			t.Fatalf("response %+v", resp)
		}
	}

	// resource on the token request: a JWT for it.
	resp, err := e.exchange(g, e.spa, params(e.code(e.spa, granted("openid", "read", "write")), "resource", "https://api.example.com"))
	if err != nil {
		t.Fatal(err)
	}
	wantJWT(resp)

	// No resource on the token request and openid granted: an opaque token
	// for the OP, usable at userinfo, even though /auth named one resource
	// (useGrantedResource is off in Logto; oidc-provider's resolveResource
	// uses the granted resource only without openid). This is what
	// @logto/node does before fetchUserInfo.
	resp, err = e.exchange(g, e.spa, params(e.code(e.spa, granted("openid", "offline_access", "profile", "read", "write"))))
	if err != nil {
		t.Fatal(err)
	}
	at, err := e.st.GetToken(t.Context(), token.Hash(resp.AccessToken), e.now)
	if err != nil || at.Kind != store.TokenAccess || at.UserID != e.user.ID || at.Resources != nil {
		t.Fatalf("want an opaque OP access token, got %.20s… (%v)", resp.AccessToken, err)
	}
	if resp.Scope != "openid offline_access profile" || resp.ExpiresIn != 3600 || resp.IDToken == "" {
		t.Fatalf("response %+v", resp)
	}

	// Without openid the only granted resource is the audience.
	resp, err = e.exchange(g, e.spa, params(e.code(e.spa, granted("read", "write"))))
	if err != nil {
		t.Fatal(err)
	}
	wantJWT(resp)
	if resp.IDToken != "" {
		t.Fatal("ID token without openid")
	}
}

func TestAuthorizationCodeSuspendedUser(t *testing.T) {
	e := newEnv(t)
	g := &AuthorizationCode{Deps: e.deps}
	code := e.code(e.spa, nil)
	_, err := e.st.UpdateUser(t.Context(), e.user.ID, func(u *store.User) error { u.IsSuspended = true; return nil })
	must(t, err)
	_, err = e.exchange(g, e.spa, form("code", code, "redirect_uri", "https://app.example/cb", "code_verifier", verifier))
	wantOAuth(t, err, "invalid_grant")
}

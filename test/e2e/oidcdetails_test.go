package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/gatehouse/gatehouse/internal/application"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/test/testenv"
)

// TestOIDCDetails covers OIDC Core details: prompt (none, login, consent),
// max_age and auth_time, nonce, at_hash, sid, amr, claims by scope with
// Logto's names, ui_locales and login_hint reaching the sign-in page, and
// error responses redirected per §3.1.2.6 — never to an unregistered URI.
func TestOIDCDetails(t *testing.T) {
	testenv.Backends(t, func(t *testing.T, open func(t *testing.T) *testenv.Server) {
		srv := open(t)
		ctx := t.Context()
		r := newRP(t, srv, application.CreateInput{Type: store.AppTraditional}, oidc.ScopeOpenID, "email")
		b := testenv.NewBrowser(t, srv.URL)

		// prompt=none without a session: login_required at the client.
		if q := r.authorize(b, setParam("prompt", "none")); q.Get("error") != "login_required" || q.Get("state") != "state-x" ||
			q.Get("iss") != srv.URL+"/oidc" {
			t.Fatalf("prompt=none signed out: %v", q)
		}
		// ui_locales and login_hint reach the sign-in page.
		resp := b.Visit(r.conf.AuthCodeURL("s", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()),
			setParam("ui_locales", "ko"), setParam("login_hint", "ada@example.com")))
		if q := resp.Request.URL.Query(); resp.Request.URL.Path != "/sign-in" || q.Get("ui_locales") != "ko" ||
			q.Get("login_hint") != "ada@example.com" || q.Get("app_id") != r.app.ID {
			t.Fatalf("sign-in page URL %s", resp.Request.URL)
		}

		tok := r.login(b, oidc.Nonce("n-123"))
		id := r.idToken(tok)
		var c map[string]any
		must(t, id.Claims(&c))
		if id.Nonce != "n-123" || c["sid"] == nil || c["auth_time"] == nil {
			t.Fatalf("ID token claims %v", c)
		}
		must(t, id.VerifyAccessToken(tok.AccessToken))
		// Claims by scope: email gives email and email_verified; no
		// profile scope, no profile claims.
		if _, ok := c["email"]; !ok {
			t.Fatalf("email scope without email claim: %v", c)
		}
		if _, ok := c["email_verified"]; !ok {
			t.Fatalf("email scope without email_verified: %v", c)
		}
		if _, ok := c["username"]; ok {
			t.Fatalf("profile claims without the profile scope: %v", c)
		}
		authTime := int64(c["auth_time"].(float64))
		// amr where known: a password sign-in says pwd (RFC 8176).
		b3 := testenv.NewBrowser(t, srv.URL)
		verifier := oauth2.GenerateVerifier()
		b3.Visit(r.conf.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)))
		q := b3.Callback(b3.SignIn("username", usernameOf(t, srv, id.Subject), "correct horse battery staple"), r.redirect)
		q.Set("code_verifier", verifier)
		var pc map[string]any
		must(t, r.idToken(r.exchange(q)).Claims(&pc))
		if amr, _ := pc["amr"].([]any); len(amr) == 0 || amr[0] != "pwd" {
			t.Fatalf("amr after a password sign-in: %v", pc["amr"])
		}

		// Userinfo returns every claim of the granted scopes (Logto names).
		r2 := newRP(t, srv, application.CreateInput{Type: store.AppTraditional}, oidc.ScopeOpenID, "profile", "custom_data", "identities", "roles")
		tok2 := r2.login(b)
		info, err := r2.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok2))
		must(t, err)
		var ui map[string]any
		must(t, info.Claims(&ui))
		for _, k := range []string{"sub", "name", "picture", "username", "created_at", "updated_at", "custom_data", "identities", "roles"} {
			if _, ok := ui[k]; !ok {
				t.Errorf("userinfo lacks %s: %v", k, ui)
			}
		}
		var idc map[string]any
		must(t, r2.idToken(tok2).Claims(&idc))
		if _, ok := idc["custom_data"]; ok {
			t.Error("custom_data is an extended claim: userinfo only")
		}
		if id2 := r2.idToken(tok2); id2.Subject != id.Subject {
			t.Fatal("SSO changed the user")
		}

		// SSO keeps auth_time; max_age=0 forces a new sign-in; prompt=login too.
		time.Sleep(1100 * time.Millisecond)
		var again map[string]any
		must(t, r.idToken(r.login(b)).Claims(&again))
		if int64(again["auth_time"].(float64)) != authTime {
			t.Fatal("SSO changed auth_time")
		}
		for _, opt := range []oauth2.AuthCodeOption{setParam("max_age", "0"), setParam("prompt", "login")} {
			resp := b.Visit(r.conf.AuthCodeURL("s", opt, oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
			if resp.Request.URL.Path != "/sign-in" {
				t.Fatalf("re-authentication not asked: %s", resp.Request.URL)
			}
		}
		// prompt=consent on a first-party app: no consent page.
		if q := r.authorize(b, setParam("prompt", "consent")); q.Get("code") == "" {
			t.Fatalf("prompt=consent first-party: %v", q)
		}

		// Error redirects (OIDC Core §3.1.2.6, RFC 6749 §4.1.2.1) with state.
		base := url.Values{"client_id": {r.app.ID}, "redirect_uri": {r.redirect}, "response_type": {"code"},
			"scope": {"openid"}, "state": {"s-1"}}
		tests := []struct {
			name, key, value, want string
		}{
			{"no openid", "scope", "profile", "invalid_scope"},
			{"token response type", "response_type", "token", "unsupported_response_type"},
			{"unknown prompt", "prompt", "select_account", "invalid_request"},
			{"none with login", "prompt", "none login", "invalid_request"},
			{"request object", "request", "eyJ.x.y", "request_not_supported"},
			{"plain pkce", "code_challenge_method", "plain", "invalid_request"},
			{"bad max_age", "max_age", "-1", "invalid_request"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				v := url.Values{}
				for k, x := range base {
					v[k] = x
				}
				v.Set(tc.key, tc.value)
				if tc.key == "code_challenge_method" {
					v.Set("code_challenge", s256(oauth2.GenerateVerifier()))
				}
				resp := b.Visit(srv.URL + "/oidc/auth?" + v.Encode())
				loc, _ := url.Parse(resp.Header.Get("Location"))
				if resp.StatusCode != http.StatusFound || loc == nil || loc.Scheme+"://"+loc.Host+loc.Path != r.redirect ||
					loc.Query().Get("error") != tc.want || loc.Query().Get("state") != "s-1" {
					t.Fatalf("%d %q, want %s at the redirect URI", resp.StatusCode, resp.Header.Get("Location"), tc.want)
				}
			})
		}
		// Never to an unregistered URI.
		v := url.Values{"client_id": {r.app.ID}, "redirect_uri": {"https://evil.example/cb"}, "response_type": {"token"}, "scope": {"x"}}
		if resp := b.Visit(srv.URL + "/oidc/auth?" + v.Encode()); resp.Header.Get("Location") != "" || resp.StatusCode != 400 {
			t.Fatalf("unregistered redirect_uri: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		// Discovery lists what is implemented.
		var d map[string]any
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/oidc/.well-known/openid-configuration", nil)
		_, body := do(t, req)
		must(t, json.Unmarshal(body, &d))
		for _, k := range []string{"introspection_endpoint", "revocation_endpoint", "end_session_endpoint", "token_endpoint_auth_signing_alg_values_supported"} {
			if d[k] == nil {
				t.Errorf("discovery lacks %s", k)
			}
		}
		if d["backchannel_logout_supported"] != true || d["backchannel_logout_session_supported"] != true {
			t.Error("discovery: back-channel logout")
		}
	})
}

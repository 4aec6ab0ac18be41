package oidc

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/cookie"
	"github.com/gatehouse/gatehouse/internal/store"
)

func TestAuthorizeErrorPages(t *testing.T) {
	op := newOP(t, nil)
	tests := []struct {
		name string
		url  string
	}{
		{"unknown client", op.authURL("client_id", "nope")},
		{"missing client", op.authURL("client_id", "-")},
		{"missing redirect_uri", op.authURL("redirect_uri", "-")},
		{"unregistered redirect_uri", op.authURL("redirect_uri", "https://evil.example/cb")},
		{"redirect_uri prefix", op.authURL("redirect_uri", spaRedirect+"/x")},
		{"loopback port for a web app", op.authURL("client_id", "web", "redirect_uri", "https://web.example:444/cb?x=1")},
		{"m2m", op.authURL("client_id", "m2m", "redirect_uri", "https://x.example/cb")},
		{"repeated redirect_uri", op.authURL() + "&redirect_uri=" + url.QueryEscape(spaRedirect)},
		{"nul byte", op.authURL("state", "a\x00b")},
		{"bad escape", op.issuer + "/auth?client_id=%zz"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := get(t, op.browser(), tc.url)
			if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
				t.Fatalf("status %d location %q", resp.StatusCode, resp.Header.Get("Location"))
			}
			if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
				!strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") ||
				resp.Header.Get("X-Frame-Options") != "DENY" {
				t.Fatal("error page headers")
			}
		})
	}
}

func TestAuthorizeRedirectedErrors(t *testing.T) {
	op := newOP(t, nil)
	tests := []struct {
		name, url, want string
	}{
		{"response_type token", op.authURL("response_type", "token"), "unsupported_response_type"},
		{"no response_type", op.authURL("response_type", "-"), "invalid_request"},
		{"no openid", op.authURL("scope", "profile"), "invalid_scope"},
		{"public client without pkce", op.authURL("code_challenge", "-", "code_challenge_method", "-"), "invalid_request"},
		{"plain pkce", op.authURL("code_challenge_method", "plain"), "invalid_request"},
		{"pkce without method", op.authURL("code_challenge_method", "-"), "invalid_request"},
		{"malformed challenge", op.authURL("code_challenge", "short"), "invalid_request"},
		{"prompt none without session", op.authURL("prompt", "none"), "login_required"},
		{"prompt none with login", op.authURL("prompt", "none login"), "invalid_request"},
		{"unknown prompt", op.authURL("prompt", "select_account"), "invalid_request"},
		{"bad max_age", op.authURL("max_age", "-1"), "invalid_request"},
		{"unknown resource", op.authURL("resource", "https://nope.example.com"), "invalid_target"},
		{"relative resource", op.authURL("resource", "api"), "invalid_target"},
		{"request object", op.authURL("request", "eyJ"), "request_not_supported"},
		{"request_uri", op.authURL("request_uri", "urn:x"), "request_uri_not_supported"},
		{"bad response_mode", op.authURL("response_mode", "fragment"), "invalid_request"},
		{"bad first_screen", op.authURL("first_screen", "nope"), "invalid_request"},
		{"repeated scope", op.authURL() + "&scope=openid", "invalid_request"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			loc := location(t, get(t, op.browser(), tc.url))
			q := loc.Query()
			if !strings.HasPrefix(loc.String(), spaRedirect+"?") || q.Get("error") != tc.want {
				t.Fatalf("redirect %s, want error %s", loc, tc.want)
			}
			if q.Get("state") != "st-1" || q.Get("iss") != op.issuer {
				t.Fatalf("state/iss missing: %s", loc)
			}
		})
	}
	// A confidential client registered for client_secret_basic may skip PKCE.
	loc := location(t, get(t, op.browser(), op.authURL("client_id", "web", "redirect_uri", "https://web.example/cb?x=1",
		"code_challenge", "-", "code_challenge_method", "-")))
	if !strings.HasPrefix(loc.String(), op.srv.URL+"/sign-in") {
		t.Fatalf("web client without PKCE: %s", loc)
	}
}

func TestAuthorizeStartsInteraction(t *testing.T) {
	op := newOP(t, nil)
	tests := []struct {
		name, url, wantPath string
	}{
		{"default", op.authURL("ui_locales", "ko en"), "/sign-in?ui_locales=ko+en"},
		{"register", op.authURL("first_screen", "register"), "/register"},
		{"identifier register", op.authURL("first_screen", "identifier:register"), "/identifier-register"},
		{"identifier sign-in", op.authURL("first_screen", "identifier:sign_in"), "/identifier-sign-in"},
		{"reset", op.authURL("first_screen", "reset_password"), "/reset-password"},
		{"direct social", op.authURL("direct_sign_in", "social:google", "first_screen", "register"), "/direct/social/google?fallback=register"},
		{"direct without target", op.authURL("direct_sign_in", "social"), "/sign-in"},
		{"interaction_mode", op.authURL("interaction_mode", "signUp"), "/register"},
		{"native loopback any port", op.authURL("client_id", "native", "redirect_uri", "http://127.0.0.1:53111/cb"), "/sign-in"},
		{"native custom scheme", op.authURL("client_id", "native", "redirect_uri", "com.example.app:/cb"), "/sign-in"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := op.browser()
			loc := location(t, get(t, c, tc.url))
			want, _ := url.Parse(op.srv.URL + tc.wantPath)
			if loc.Host != want.Host || loc.Path != want.Path || loc.Query().Get("ui_locales") != want.Query().Get("ui_locales") ||
				loc.Query().Get("fallback") != want.Query().Get("fallback") || loc.Query().Get("app_id") == "" {
				t.Fatalf("Location %s, want %s with app_id", loc, tc.wantPath)
			}
			it, err := op.st.GetInteraction(t.Context(), op.interactionID(c), op.now)
			must(t, err)
			if it.ExpiresAt.Sub(op.now) != time.Hour || it.Result != nil {
				t.Fatalf("interaction %+v", it)
			}
		})
	}
	c := op.browser()
	get(t, c, op.authURL("resource", "https://api.example.com", "login_hint", "ada@example.com",
		"organization_id", "org1", "direct_sign_in", "social:google", "identifier", "email", "max_age", "60", "prompt", "login consent"))
	it, err := op.st.GetInteraction(t.Context(), op.interactionID(c), op.now)
	must(t, err)
	r := it.Request
	if r.LoginHint != "ada@example.com" || r.OrganizationID != "org1" || r.DirectSignIn != "social:google" ||
		r.Identifier != "email" || r.MaxAge != 60 || len(r.Resources) != 1 || len(r.Prompt) != 2 || r.Nonce != "n-1" {
		t.Fatalf("stored request %+v", r)
	}
}

func TestResume(t *testing.T) {
	op := newOP(t, nil)
	c := op.browser()
	get(t, c, op.authURL())
	uid := op.interactionID(c)

	// Not signed in yet: back to the sign-in page.
	if loc := location(t, get(t, c, op.issuer+"/auth/"+uid)); loc.Path != "/sign-in" {
		t.Fatalf("unfinished interaction went to %s", loc)
	}
	// Another browser (no cookie) cannot use the resume URL.
	resp := get(t, op.browser(), op.issuer+"/auth/"+uid)
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("resume without cookie: %d", resp.StatusCode)
	}
	// A wrong uid with a valid cookie neither.
	resp = get(t, c, op.issuer+"/auth/"+uid+"x")
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("resume with other uid: %d", resp.StatusCode)
	}

	_, err := op.st.UpdateInteraction(t.Context(), uid, op.now, func(i *store.Interaction) error {
		i.Result = &store.InteractionResult{UserID: op.user.ID, AuthTime: op.now.Add(-time.Second), AMR: []string{"pwd"}}
		return nil
	})
	must(t, err)
	loc := location(t, get(t, c, op.issuer+"/auth/"+uid))
	q := loc.Query()
	if !strings.HasPrefix(loc.String(), spaRedirect+"?") || q.Get("code") == "" || q.Get("state") != "st-1" || q.Get("iss") != op.issuer {
		t.Fatalf("client redirect %s", loc)
	}
	// The interaction is gone and its cookie cleared: the resume URL is spent.
	if _, err := op.st.GetInteraction(t.Context(), uid, op.now); err == nil {
		t.Fatal("interaction survived the resume")
	}
	if resp := get(t, c, op.issuer+"/auth/"+uid); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("replayed resume: %d", resp.StatusCode)
	}
	sess := op.sessionID(c)
	s, err := op.st.GetSession(t.Context(), sess, op.now)
	must(t, err)
	if s.UserID != "user1" || s.ExpiresAt.Sub(op.now) != DefaultSessionTTL || len(s.ClientIDs) != 1 {
		t.Fatalf("session %+v", s)
	}
	// The completed sign-in is recorded on the user.
	u, err := op.st.GetUser(t.Context(), "user1")
	must(t, err)
	if !u.LastSignInAt.Equal(op.now.Truncate(time.Millisecond)) {
		t.Fatalf("LastSignInAt %v, want %v", u.LastSignInAt, op.now)
	}
}

func (op *testOP) sessionID(c *http.Client) string {
	u, _ := url.Parse(op.srv.URL)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == cookie.Session {
			v, _, _ := strings.Cut(ck.Value, ".")
			return v
		}
	}
	op.t.Fatal("no session cookie")
	return ""
}

func TestSSOAndPrompts(t *testing.T) {
	op := newOP(t, nil)
	c := op.browser()
	if loc := op.signIn(c, op.authURL()); loc.Query().Get("code") == "" {
		t.Fatal("first sign-in")
	}
	code := func(loc *url.URL) bool { return loc.Query().Get("code") != "" }

	// Same browser, another request: code at once (SSO).
	if !code(location(t, get(t, c, op.authURL("state", "two")))) {
		t.Fatal("SSO did not issue a code")
	}
	if !code(location(t, get(t, c, op.authURL("prompt", "none")))) {
		t.Fatal("prompt=none with a session")
	}
	if loc := location(t, get(t, c, op.authURL("prompt", "login"))); loc.Path != "/sign-in" {
		t.Fatalf("prompt=login went to %s", loc)
	}
	op.now = op.now.Add(2 * time.Minute)
	if loc := location(t, get(t, c, op.authURL("max_age", "60"))); loc.Path != "/sign-in" {
		t.Fatalf("max_age exceeded went to %s", loc)
	}
	if loc := location(t, get(t, c, op.authURL("max_age", "60", "prompt", "none"))); loc.Query().Get("error") != "login_required" {
		t.Fatalf("prompt=none max_age: %s", loc)
	}
	if !code(location(t, get(t, c, op.authURL("max_age", "600")))) {
		t.Fatal("max_age satisfied")
	}
	// Third-party apps never get a code without consent.
	resp := get(t, c, op.authURL("client_id", "third"))
	if resp.StatusCode == http.StatusFound && strings.Contains(resp.Header.Get("Location"), "code=") {
		t.Fatal("third-party app got a code without consent")
	}
	if loc := location(t, get(t, c, op.authURL("client_id", "third", "prompt", "none"))); loc.Query().Get("error") != "consent_required" {
		t.Fatalf("third-party prompt=none: %s", loc)
	}
	// A suspended user's session no longer counts.
	// Through the OP's store, as this node's services write (a write
	// behind its cache shows within cache.DefaultTTL).
	_, err := op.h.store.UpdateUser(t.Context(), "user1", func(u *store.User) error { u.IsSuspended = true; return nil })
	must(t, err)
	if loc := location(t, get(t, c, op.authURL("prompt", "none"))); loc.Query().Get("error") != "login_required" {
		t.Fatalf("suspended user SSO: %s", loc)
	}
}

func TestFormPost(t *testing.T) {
	op := newOP(t, nil)
	c := op.browser()
	get(t, c, op.authURL("response_mode", "form_post"))
	uid := op.interactionID(c)
	_, err := op.st.UpdateInteraction(t.Context(), uid, op.now, func(i *store.Interaction) error {
		i.Result = &store.InteractionResult{UserID: "user1", AuthTime: op.now}
		return nil
	})
	must(t, err)
	resp := get(t, c, op.issuer+"/auth/"+uid)
	html := body(t, resp)
	csp := resp.Header.Get("Content-Security-Policy")
	if resp.StatusCode != 200 || !strings.Contains(html, `action="`+spaRedirect+`"`) ||
		!strings.Contains(html, `name="code"`) || !strings.Contains(html, `name="iss"`) || !strings.Contains(html, `value="st-1"`) {
		t.Fatalf("form_post page: %d %s", resp.StatusCode, html)
	}
	if !strings.Contains(csp, "script-src 'nonce-") || strings.Contains(csp, "unsafe-inline") {
		t.Fatalf("CSP %q", csp)
	}
	nonce := csp[strings.Index(csp, "nonce-")+6:]
	nonce = nonce[:strings.Index(nonce, "'")]
	if !strings.Contains(html, `<script nonce="`+nonce+`">`) {
		t.Fatal("script nonce does not match the CSP")
	}
}

func TestPostAuthorize(t *testing.T) {
	op := newOP(t, nil)
	u, _ := url.Parse(op.authURL())
	resp, err := op.browser().PostForm(op.issuer+"/auth", u.Query())
	must(t, err)
	defer resp.Body.Close()
	if loc := location(t, resp); loc.Path != "/sign-in" {
		t.Fatalf("POST /auth went to %s", loc)
	}
}

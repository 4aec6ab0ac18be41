package oidc

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/store"
)

func TestUserinfo(t *testing.T) {
	op := newOP(t, nil)
	withResource := op.authURL("scope", "openid profile roles", "resource", "https://api.example.com", "prompt", "consent")
	resp, tok := op.postToken(url.Values{"grant_type": {"authorization_code"}, "client_id": {"spa"}, "redirect_uri": {spaRedirect},
		"code_verifier": {verifier}, "code": {op.signIn(op.browser(), withResource).Query().Get("code")},
		"resource": {"https://api.example.com"}})
	if resp.StatusCode != 200 {
		t.Fatalf("token: %d %v", resp.StatusCode, tok)
	}
	// With a resource on the token request the access token is a JWT for
	// the API: not for /me.
	if status, _ := op.userinfo(tok["access_token"].(string)); status != 401 {
		t.Fatalf("JWT access token at /me: %d", status)
	}
	// Without one, openid being granted, it is the OP's opaque token even
	// though /auth named the resource (Logto: useGrantedResource off), as
	// @logto/node's sign-in then fetchUserInfo needs.
	tok = op.redeem(op.signIn(op.browser(), withResource).Query().Get("code"))
	if status, m := op.userinfo(tok["access_token"].(string)); status != 200 || m["sub"] != "user1" {
		t.Fatalf("access token of a code for one resource at /me: %d %v", status, m)
	}
	tok = op.redeem(op.signIn(op.browser(), op.authURL("scope", "openid profile email roles custom_data offline_access", "prompt", "consent")).Query().Get("code"))
	at := tok["access_token"].(string)
	status, m := op.userinfo(at)
	if status != 200 || m["sub"] != "user1" || m["username"] != "ada" || m["email"] != "ada@example.com" {
		t.Fatalf("userinfo %d %v", status, m)
	}
	if roles, _ := json.Marshal(m["roles"]); string(roles) != `["reader"]` {
		t.Fatalf("roles %s", roles)
	}
	if _, ok := m["custom_data"]; !ok {
		t.Fatal("custom_data missing from userinfo")
	}
	// POST with the token in the body (RFC 6750 §2.2).
	resp, err := http.PostForm(op.issuer+"/me", url.Values{"access_token": {at}})
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("POST /me: %d", resp.StatusCode)
	}

	tests := []struct {
		name   string
		header string
		status int
		code   string
	}{
		{"no token", "", 401, "invalid_token"},
		{"unknown token", "Bearer nope", 401, "invalid_token"},
		{"basic scheme", "Basic eDp5", 401, "invalid_token"},
		{"refresh token as access token", "Bearer " + tok["refresh_token"].(string), 401, "invalid_token"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, op.issuer+"/me", nil)
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			resp, err := http.DefaultClient.Do(req)
			must(t, err)
			defer resp.Body.Close()
			if resp.StatusCode != tc.status || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="`+tc.code+`"`) {
				t.Fatalf("%d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
			}
		})
	}
	// Header and body at once is refused.
	req, _ := http.NewRequest(http.MethodPost, op.issuer+"/me", strings.NewReader("access_token="+at))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+at)
	resp, err = http.DefaultClient.Do(req)
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("token twice: %d", resp.StatusCode)
	}
	// A suspended user's token stops working.
	// Through the OP's store, as this node's services write (a write
	// behind its cache shows within cache.DefaultTTL).
	_, err = op.h.store.UpdateUser(t.Context(), "user1", func(u *store.User) error { u.IsSuspended = true; return nil })
	must(t, err)
	if status, _ := op.userinfo(at); status != 401 {
		t.Fatalf("suspended user: %d", status)
	}
}

func TestEndSession(t *testing.T) {
	op := newOP(t, nil)
	c := op.browser()
	tok := op.redeem(op.signIn(c, op.authURL("prompt", "consent")).Query().Get("code"))
	idToken := tok["id_token"].(string)
	sid := op.sessionID(c)

	// The request alone ends nothing: it asks for confirmation, with a
	// form that submits itself only for a hint of this very session.
	resp := get(t, c, op.issuer+"/session/end?"+url.Values{"id_token_hint": {idToken}}.Encode())
	page := body(t, resp)
	if resp.StatusCode != 200 || hiddenFields(page).Get("xsrf") == "" || !strings.Contains(page, "submit()") {
		t.Fatalf("confirmation page: %d %s", resp.StatusCode, page)
	}
	if _, err := op.st.GetSession(t.Context(), sid, op.now); err != nil {
		t.Fatal("session ended before confirmation")
	}
	resp = get(t, c, op.issuer+"/session/end?"+url.Values{"client_id": {"spa"}}.Encode())
	if page := body(t, resp); strings.Contains(page, "submit()") {
		t.Fatal("a logout without id_token_hint must not confirm itself")
	}
	// A confirmation without the cookie's token (logout CSRF) is refused.
	r2, err := c.PostForm(op.issuer+"/session/end/confirm", url.Values{"xsrf": {"guess"}, "logout": {"yes"}})
	must(t, err)
	r2.Body.Close()
	if r2.StatusCode != 400 {
		t.Fatalf("forged confirmation: %d", r2.StatusCode)
	}
	if _, err := op.st.GetSession(t.Context(), sid, op.now); err != nil {
		t.Fatal("a forged confirmation ended the session")
	}

	// Unregistered target: signed out, but no redirect to it.
	resp = op.logout(c, url.Values{"id_token_hint": {idToken}, "post_logout_redirect_uri": {"https://evil.example/bye"}})
	if loc := location(t, resp); loc.String() != op.issuer+"/session/end/success" {
		t.Fatalf("unregistered post_logout_redirect_uri: redirected to %s", loc)
	}
	if page := get(t, c, op.issuer+"/session/end/success"); !strings.Contains(body(t, page), "Signed out") {
		t.Fatal("signed-out page")
	}
	if _, err := op.st.GetSession(t.Context(), sid, op.now); err == nil {
		t.Fatal("session survived logout")
	}
	if loc := location(t, get(t, c, op.authURL("prompt", "none"))); loc.Query().Get("error") != "login_required" {
		t.Fatal("still signed in after logout")
	}
	// Refresh tokens of offline grants survive the logout, as in Logto.
	if resp, m := op.postToken(url.Values{"grant_type": {"refresh_token"}, "client_id": {"spa"},
		"refresh_token": {tok["refresh_token"].(string)}}); resp.StatusCode != 200 {
		t.Fatalf("refresh after logout: %d %v", resp.StatusCode, m)
	}

	// Registered target via id_token_hint, state appended.
	op.signIn(c, op.authURL("prompt", "login"))
	loc := location(t, op.logout(c, url.Values{"id_token_hint": {idToken},
		"post_logout_redirect_uri": {"https://app.example/bye"}, "state": {"s1"}}))
	if loc.String() != "https://app.example/bye?state=s1" {
		t.Fatalf("logout redirect %s", loc)
	}
	// Registered target via client_id, nobody signed in: no confirmation.
	loc = location(t, op.logout(c, url.Values{"client_id": {"spa"}, "post_logout_redirect_uri": {"https://app.example/bye"}}))
	if loc.String() != "https://app.example/bye" {
		t.Fatalf("logout redirect %s", loc)
	}
	// Bad hints are refused without redirecting.
	for name, q := range map[string]url.Values{
		"forged hint":     {"id_token_hint": {"eyJhbGciOiJub25lIn0.eyJhdWQiOiJzcGEifQ."}, "post_logout_redirect_uri": {"https://app.example/bye"}},
		"client mismatch": {"id_token_hint": {idToken}, "client_id": {"web"}, "post_logout_redirect_uri": {"https://app.example/bye"}},
	} {
		resp := get(t, c, op.issuer+"/session/end?"+q.Encode())
		if resp.StatusCode != 400 || resp.Header.Get("Location") != "" {
			t.Errorf("%s: %d %q", name, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
}

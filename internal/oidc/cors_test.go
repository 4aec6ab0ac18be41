package oidc

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestCORS(t *testing.T) {
	op := newOP(t, nil)
	// Preflights name no client: an origin is approved when some app
	// allows it, and refused when none does.
	for origin, allow := range map[string]bool{"https://app.example": true, op.srv.URL: true, "https://anything.example": false} {
		req, _ := http.NewRequest(http.MethodOptions, op.issuer+"/token", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		resp, err := http.DefaultClient.Do(req)
		must(t, err)
		resp.Body.Close()
		if resp.StatusCode != 204 || (resp.Header.Get("Access-Control-Allow-Origin") == origin) != allow {
			t.Fatalf("preflight from %s: %d %v", origin, resp.StatusCode, resp.Header)
		}
	}
	tok := op.redeem(op.signIn(op.browser(), op.authURL()).Query().Get("code"))
	at := tok["access_token"].(string)
	tests := []struct {
		origin string
		allow  bool
	}{
		{"https://app.example", true},      // origin of a redirect URI
		{op.srv.URL, true},                 // the OP itself
		{"https://evil.example", false},    // anything else
		{"https://app.example:444", false}, // another port is another origin
	}
	for _, tc := range tests {
		t.Run(tc.origin, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, op.issuer+"/me", nil)
			req.Header.Set("Authorization", "Bearer "+at)
			req.Header.Set("Origin", tc.origin)
			resp, err := http.DefaultClient.Do(req)
			must(t, err)
			resp.Body.Close()
			if got := resp.Header.Get("Access-Control-Allow-Origin") == tc.origin; got != tc.allow {
				t.Fatalf("userinfo CORS for %s = %v", tc.origin, got)
			}
			form := url.Values{"grant_type": {"refresh_token"}, "client_id": {"spa"}, "refresh_token": {"nope"}}
			req, _ = http.NewRequest(http.MethodPost, op.issuer+"/token", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", tc.origin)
			resp, err = http.DefaultClient.Do(req)
			must(t, err)
			resp.Body.Close()
			if got := resp.Header.Get("Access-Control-Allow-Origin") == tc.origin; got != tc.allow {
				t.Fatalf("token CORS for %s = %v", tc.origin, got)
			}
		})
	}
}

package oidc

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/store"
)

func TestTokenEndpointErrors(t *testing.T) {
	op := newOP(t, nil)
	cc := func(kv ...string) url.Values {
		v := url.Values{"grant_type": {"client_credentials"}, "resource": {"https://api.example.com"}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return v
	}
	m2m := []string{"m2m", op.secrets["m2m"]}
	tests := []struct {
		name   string
		form   url.Values
		basic  []string
		status int
		code   string
	}{
		{"no grant_type", url.Values{"client_id": {"spa"}}, nil, 400, "invalid_request"},
		{"unknown grant_type", url.Values{"grant_type": {"password"}, "client_id": {"spa"}}, nil, 400, "unsupported_grant_type"},
		{"implicit", url.Values{"grant_type": {"implicit"}}, nil, 400, "unsupported_grant_type"},
		{"no client", cc(), nil, 401, "invalid_client"},
		{"unknown client", cc(), []string{"nope", "x"}, 401, "invalid_client"},
		{"wrong secret", cc(), []string{"m2m", "wrong"}, 401, "invalid_client"},
		{"secret via post", cc("client_id", "m2m", "client_secret", op.secrets["m2m"]), nil, 200, ""},
		{"wrong secret via post", cc("client_id", "m2m", "client_secret", "nope"), nil, 401, "invalid_client"},
		{"two methods", cc("client_secret", op.secrets["m2m"]), m2m, 400, "invalid_request"},
		{"client_id mismatch", cc("client_id", "spa"), m2m, 400, "invalid_request"},
		{"assertion", cc("client_id", "m2m", "client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "client_assertion", "x"), nil, 401, "invalid_client"},
		{"confidential without secret", cc("client_id", "m2m"), nil, 401, "invalid_client"},
		{"public client with secret", url.Values{"grant_type": {"authorization_code"}, "code": {"x"}}, []string{"spa", "x"}, 401, "invalid_client"},
		{"m2m with code grant", url.Values{"grant_type": {"authorization_code"}, "code": {"x"}}, m2m, 400, "unauthorized_client"},
		{"spa with client_credentials", cc("client_id", "spa"), nil, 400, "unauthorized_client"},
		{"repeated grant_type", cc("grant_type", "client_credentials"), m2m, 400, "invalid_request"},
		{"nul byte", cc("scope", "read\x00"), m2m, 400, "invalid_request"},
		{"no resource", url.Values{"grant_type": {"client_credentials"}}, m2m, 400, "invalid_target"},
		{"bad code", url.Values{"grant_type": {"authorization_code"}, "code": {"x"}, "client_id": {"spa"}, "redirect_uri": {spaRedirect}, "code_verifier": {verifier}}, nil, 400, "invalid_grant"},
		{"bad refresh", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"x"}, "client_id": {"spa"}}, nil, 400, "invalid_grant"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, m := op.postToken(tc.form, tc.basic...)
			if resp.StatusCode != tc.status || (tc.code != "" && m["error"] != tc.code) {
				t.Fatalf("got %d %v, want %d %s", resp.StatusCode, m, tc.status, tc.code)
			}
			if resp.Header.Get("Cache-Control") != "no-store" {
				t.Fatal("missing Cache-Control: no-store")
			}
			if tc.code == "invalid_client" && tc.basic != nil && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic") {
				t.Fatal("Basic challenge missing")
			}
		})
	}
}

func TestTokenEndpointTransport(t *testing.T) {
	op := newOP(t, nil)
	do := func(method, ct, body string, hdr ...string) (*http.Response, map[string]any) {
		req, _ := http.NewRequest(method, op.issuer+"/token", strings.NewReader(body))
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		must(t, err)
		defer resp.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		return resp, m
	}
	secret := op.secrets["m2m"]
	if resp, _ := do(http.MethodGet, "", ""); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET /token: %d", resp.StatusCode)
	}
	// JSON bodies are accepted (Logto converts them to form encoding).
	resp, m := do(http.MethodPost, "application/json",
		`{"grant_type":"client_credentials","client_id":"m2m","client_secret":"`+secret+`","resource":["https://api.example.com"],"scope":"read write admin"}`)
	if resp.StatusCode != 200 || m["scope"] != "read write" || m["token_type"] != "Bearer" || m["expires_in"] != float64(900) {
		t.Fatalf("json body: %d %v", resp.StatusCode, m)
	}
	for name, body := range map[string]string{"array": `[1]`, "nested": `{"grant_type":{"a":1}}`, "broken": `{"grant_type":`} {
		if resp, m := do(http.MethodPost, "application/json", body); resp.StatusCode != 400 || m["error"] != "invalid_request" {
			t.Errorf("%s: %d %v", name, resp.StatusCode, m)
		}
	}
	if resp, _ := do(http.MethodPost, "text/plain", "x"); resp.StatusCode != 400 {
		t.Fatal("text/plain accepted")
	}
	big := "grant_type=client_credentials&scope=" + strings.Repeat("a", 60<<10)
	if resp, m := do(http.MethodPost, "application/x-www-form-urlencoded", big); resp.StatusCode != http.StatusRequestEntityTooLarge || m["error"] != "invalid_request" {
		t.Fatalf("oversized body: %d %v", resp.StatusCode, m)
	}
	// Basic credentials are form-urlencoded before base64 (RFC 6749 §2.3.1):
	// "m%32m" must decode to "m2m".
	resp, _ = op.postToken(url.Values{"grant_type": {"client_credentials"}, "resource": {"https://api.example.com,"}}, "m%32m", secret)
	if resp.StatusCode != 401 {
		t.Fatalf("double-encoded id accepted: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodPost, op.issuer+"/token", strings.NewReader("grant_type=client_credentials&resource=https%3A%2F%2Fapi.example.com"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("m%32m", secret)
	r2, err := http.DefaultClient.Do(req)
	must(t, err)
	r2.Body.Close()
	if r2.StatusCode != 200 {
		t.Fatalf("url-encoded Basic id not decoded: %d", r2.StatusCode)
	}
	// Comma-separated resources are split (two resources → invalid_target).
	_, m = op.postToken(url.Values{"grant_type": {"client_credentials"}, "resource": {"https://api.example.com,https://b.example.com"}}, "m2m", secret)
	if m["error"] != "invalid_target" {
		t.Fatalf("comma split: %v", m)
	}
}

// TestCodeReplayThroughEndpoint: the second redemption fails and the
// access token from the first stops working at /oidc/me.
func TestCodeReplayThroughEndpoint(t *testing.T) {
	op := newOP(t, nil)
	loc := op.signIn(op.browser(), op.authURL())
	code := loc.Query().Get("code")
	first := op.redeem(code)
	at := first["access_token"].(string)
	if s, _ := op.userinfo(at); s != 200 {
		t.Fatal("userinfo before replay")
	}
	resp, m := op.postToken(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {"spa"},
		"redirect_uri": {spaRedirect}, "code_verifier": {verifier}})
	if resp.StatusCode != 400 || m["error"] != "invalid_grant" {
		t.Fatalf("replay: %d %v", resp.StatusCode, m)
	}
	if s, _ := op.userinfo(at); s != 401 {
		t.Fatal("replay did not revoke the access token")
	}
}

// unavailable fails every application lookup as a down database would.
type unavailable struct{ store.Store }

func (unavailable) GetApplication(_ contextT, _ string) (*store.Application, error) {
	return nil, fmt.Errorf("get application: %w", store.ErrUnavailable)
}

func TestStoreUnavailable(t *testing.T) {
	op := newOP(t, func(s store.Store) store.Store { return unavailable{s} })
	resp, m := op.postToken(url.Values{"grant_type": {"client_credentials"}, "resource": {"https://api.example.com"}}, "m2m", op.secrets["m2m"])
	if resp.StatusCode != 503 || m["error"] != "temporarily_unavailable" {
		t.Fatalf("token: %d %v", resp.StatusCode, m)
	}
	if strings.Contains(fmt.Sprint(m), "get application") {
		t.Fatal("cause leaked")
	}
	r := get(t, op.browser(), op.authURL())
	if r.StatusCode != 503 {
		t.Fatalf("authorize: %d", r.StatusCode)
	}
	if !errors.Is(fmt.Errorf("x: %w", store.ErrUnavailable), store.ErrUnavailable) {
		t.Fatal("sanity")
	}
}

// TestNoInputGives500 throws malformed input at every endpoint.
func TestNoInputGives500(t *testing.T) {
	op := newOP(t, nil)
	junk := []string{"", "a=%zz", "\x00=\x00", "grant_type=authorization_code&code=&client_id=spa",
		"grant_type=refresh_token&client_id=spa&refresh_token=" + strings.Repeat("x", 5000),
		"grant_type=client_credentials&client_id=m2m&client_secret=" + url.QueryEscape("é\xff"),
		"client_id=spa&redirect_uri=" + url.QueryEscape(spaRedirect) + "&response_type=code&scope=openid&max_age=99999999999999999999",
		"client_id=spa&redirect_uri=" + url.QueryEscape(spaRedirect) + "&resource=%25zz",
		"id_token_hint=eyJhbGciOiJub25lIn0.eyJhdWQiOiJzcGEifQ.&post_logout_redirect_uri=https://evil.example",
		"access_token=x&access_token=y", "{}", "[]"}
	paths := []string{"/oidc/token", "/oidc/auth", "/oidc/me", "/oidc/session/end", "/oidc/jwks", "/oidc/.well-known/openid-configuration"}
	c := op.browser()
	for _, p := range paths {
		for _, j := range junk {
			for _, ct := range []string{"application/x-www-form-urlencoded", "application/json", "multipart/form-data"} {
				req, _ := http.NewRequest(http.MethodPost, op.srv.URL+p, strings.NewReader(j))
				req.Header.Set("Content-Type", ct)
				req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(j)))
				resp, err := c.Do(req)
				must(t, err)
				resp.Body.Close()
				if resp.StatusCode >= 500 {
					t.Errorf("POST %s %q (%s): %d", p, j, ct, resp.StatusCode)
				}
			}
			q := strings.ReplaceAll(strings.ReplaceAll(j, "\x00", "%00"), "\xff", "%ff")
			resp := get(t, op.browser(), op.srv.URL+p+"?"+strings.ReplaceAll(q, " ", "+"))
			if resp.StatusCode >= 500 {
				t.Errorf("GET %s?%q: %d", p, j, resp.StatusCode)
			}
		}
	}
	resp := get(t, op.browser(), op.issuer+"/auth/"+strings.Repeat("%00", 10))
	if resp.StatusCode >= 500 {
		t.Errorf("resume junk: %d", resp.StatusCode)
	}
}

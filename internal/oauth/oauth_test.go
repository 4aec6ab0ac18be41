package oauth

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestMatchRedirectURI(t *testing.T) {
	reg := []string{"https://app.example.com/cb", "http://127.0.0.1/callback", "com.example.app:/oauth", "http://localhost:8080/cb?x=1"}
	tests := []struct {
		name, uri string
		native    bool
		want      bool
	}{
		{"exact", "https://app.example.com/cb", false, true},
		{"trailing slash differs", "https://app.example.com/cb/", false, false},
		{"case differs", "https://APP.example.com/cb", false, false},
		{"extra query", "https://app.example.com/cb?a=1", false, false},
		{"fragment", "https://app.example.com/cb#x", false, false},
		{"prefix attack", "https://app.example.com/cb.evil.com", false, false},
		{"empty", "", true, false},
		{"custom scheme exact", "com.example.app:/oauth", true, true},
		{"loopback other port native", "http://127.0.0.1:51234/callback", true, true},
		{"loopback other port web", "http://127.0.0.1:51234/callback", false, false},
		{"loopback other path", "http://127.0.0.1:51234/other", true, false},
		{"loopback other host", "http://[::1]:51234/callback", true, false},
		{"loopback https", "https://127.0.0.1:51234/callback", true, false},
		{"localhost other port", "http://localhost:9999/cb?x=1", true, true},
		{"localhost other query", "http://localhost:9999/cb?x=2", true, false},
		{"loopback userinfo", "http://evil@127.0.0.1:5/callback", true, false},
		{"loopback fragment", "http://127.0.0.1:5/callback#", true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := MatchRedirectURI(reg, tc.uri, tc.native); got != tc.want {
				t.Fatalf("MatchRedirectURI(%q, native=%v) = %v, want %v", tc.uri, tc.native, got, tc.want)
			}
		})
	}
}

func TestPKCE(t *testing.T) {
	// Computed independently: printf %s VERIFIER | openssl dgst -sha256 -binary | base64url.
	const rfcVerifier = "dBjftJeZ4CVP-mJ92K1N4Vc_2KKpzoM2mOV-jqtRyEh"
	const rfcChallenge = "C2-4Oie_lzdwP56VhBI8kMjxYGCke4F1Z-cwqYbJFo0"
	if got := S256Challenge(rfcVerifier); got != rfcChallenge {
		t.Fatalf("S256Challenge = %q", got)
	}
	long := strings.Repeat("a", 128)
	tests := []struct {
		name                        string
		challenge, method, verifier string
		want                        bool
	}{
		{"known vector", rfcChallenge, "S256", rfcVerifier, true},
		{"plain refused", rfcVerifier, "plain", rfcVerifier, false},
		{"empty method refused", rfcChallenge, "", rfcVerifier, false},
		{"wrong verifier", rfcChallenge, "S256", strings.Repeat("b", 43), false},
		{"short verifier", S256Challenge(strings.Repeat("a", 42)), "S256", strings.Repeat("a", 42), false},
		{"max verifier", S256Challenge(long), "S256", long, true},
		{"too long verifier", S256Challenge(long + "a"), "S256", long + "a", false},
		{"bad charset", S256Challenge(strings.Repeat("a", 42) + "+"), "S256", strings.Repeat("a", 42) + "+", false},
		{"empty verifier", rfcChallenge, "S256", "", false},
		{"malformed challenge", "abc", "S256", rfcVerifier, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := VerifyPKCE(tc.challenge, tc.method, tc.verifier); got != tc.want {
				t.Fatalf("VerifyPKCE = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestScope(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"   ", nil},
		{"openid", []string{"openid"}},
		{"openid  profile openid\temail", []string{"openid", "profile", "email"}},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%q", tc.in), func(t *testing.T) {
			got := ParseScope(tc.in)
			if FormatScope(got) != FormatScope(tc.want) || len(got) != len(tc.want) {
				t.Fatalf("ParseScope(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
	if got := Intersect([]string{"a", "b", "c", "a"}, []string{"c", "a"}); FormatScope(got) != "a c" {
		t.Fatalf("Intersect = %q", got)
	}
	if !Subset([]string{"a"}, []string{"a", "b"}) || Subset([]string{"x"}, []string{"a"}) {
		t.Fatal("Subset")
	}
}

func TestErrorJSON(t *testing.T) {
	tests := []struct {
		err        *Error
		status     int
		code       string
		authHeader string
	}{
		{InvalidGrant("code expired"), 400, "invalid_grant", ""},
		{InvalidClient("bad secret"), 401, "invalid_client", ""},
		{InvalidToken("expired"), 401, "invalid_token", `Bearer error="invalid_token"`},
		{ServerError(errors.New("sql: database is locked")), 500, "server_error", ""},
		{TemporarilyUnavailable(nil), 503, "temporarily_unavailable", ""},
		{NotFound(), 404, "invalid_request", ""},
	}
	for _, tc := range tests {
		t.Run(tc.code, func(t *testing.T) {
			rec := httptest.NewRecorder()
			WriteJSON(rec, tc.err)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d", rec.Code, tc.status)
			}
			var body map[string]string
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			if body["error"] != tc.code {
				t.Fatalf("error %q", body["error"])
			}
			// Logto's extra fields (logto-reference.md §1.15), which
			// @logto/client needs to raise LogtoRequestError.
			if body["code"] != "oidc."+tc.code || body["message"] != tc.err.Description ||
				body["error_description"] != tc.err.Description {
				t.Fatalf("body %v: want code oidc.%s and message = error_description = %q", body, tc.code, tc.err.Description)
			}
			if strings.Contains(rec.Body.String(), "sql") {
				t.Fatal("cause leaked into the body")
			}
			if got := rec.Header().Get("WWW-Authenticate"); got != tc.authHeader {
				t.Fatalf("WWW-Authenticate %q", got)
			}
			if rec.Header().Get("Cache-Control") != "no-store" {
				t.Fatal("missing no-store")
			}
		})
	}
	wrapped := fmt.Errorf("exchange: %w", InvalidGrant("replayed"))
	if !errors.Is(wrapped, InvalidGrant("")) || errors.Is(wrapped, InvalidClient("")) {
		t.Fatal("errors.Is by code")
	}
	var oe *Error
	if !errors.As(wrapped, &oe) || oe.Status != http.StatusBadRequest {
		t.Fatal("errors.As")
	}
}

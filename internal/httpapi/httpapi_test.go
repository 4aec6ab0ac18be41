package httpapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/store"
)

func TestOrigin(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{"http://localhost:3001", "http://localhost:3001", false},
		{"https://Auth.Example.com/", "https://auth.example.com", false},
		{"https://auth.example.com:443/base", "https://auth.example.com", false},
		{"http://example.com:80", "http://example.com", false},
		{"http://[::1]:3001", "http://[::1]:3001", false},
		{"ftp://example.com", "", true},
		{"/relative", "", true},
		{"", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Origin(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("Origin(%q) = %q, %v", tt.in, got, err)
			}
		})
	}
}

func TestSameOrigin(t *testing.T) {
	const origin = "https://auth.example.com"
	tests := []struct {
		name      string
		originHdr string
		fetchSite string
		want      bool
	}{
		{"same origin", origin, "", true},
		{"same origin any case", "HTTPS://AUTH.EXAMPLE.COM", "same-origin", true},
		{"other origin", "https://evil.example", "", false},
		{"other port", "https://auth.example.com:8443", "", false},
		{"null origin", "null", "", false},
		{"http downgrade", "http://auth.example.com", "", false},
		{"no headers (not a browser)", "", "", true},
		{"fetch same-origin", "", "same-origin", true},
		{"user navigation", "", "none", true},
		{"fetch same-site", "", "same-site", false},
		{"fetch cross-site", "", "cross-site", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/api/experience", nil)
			if tt.originHdr != "" {
				r.Header.Set("Origin", tt.originHdr)
			}
			if tt.fetchSite != "" {
				r.Header.Set("Sec-Fetch-Site", tt.fetchSite)
			}
			if got := SameOrigin(r, origin); got != tt.want {
				t.Fatalf("SameOrigin = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDecodeJSON(t *testing.T) {
	type target struct {
		A string `json:"a"`
		B int    `json:"b"`
	}
	tests := []struct {
		name        string
		body        string
		contentType string
		status      int // 0: success
		msgContains string
	}{
		{"ok", `{"a":"x","b":2}`, "application/json", 0, ""},
		{"charset param", `{"a":"x"}`, "application/json; charset=utf-8", 0, ""},
		{"vendor json", `{"a":"x"}`, "application/merge-patch+json", 0, ""},
		{"empty body is {}", ``, "", 0, ""},
		{"whitespace body is {}", "  \n", "", 0, ""},
		{"unknown field", `{"a":"x","c":1}`, "application/json", 400, `unknown field "c"`},
		{"wrong type names field not value", `{"b":"s3cret"}`, "application/json", 400, `"b"`},
		{"syntax", `{"a":`, "application/json", 400, "unexpected end"},
		{"trailing value", `{"a":"x"} {"a":"y"}`, "application/json", 400, "single JSON value"},
		{"trailing garbage", `{"a":"x"} garbage`, "application/json", 400, "single JSON value"},
		{"not json content type", `{"a":"x"}`, "text/plain", 415, "application/json"},
		{"missing content type", `{"a":"x"}`, "", 415, "application/json"},
		{"too large", `{"a":"` + strings.Repeat("x", MaxBodyBytes) + `"}`, "application/json", 413, "larger"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", strings.NewReader(tt.body))
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			var dst target
			err := DecodeJSON(httptest.NewRecorder(), r, &dst)
			if tt.status == 0 {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Status != tt.status || e.Code != "guard.invalid_input" {
				t.Fatalf("err = %#v, want status %d", err, tt.status)
			}
			if !strings.Contains(e.Message, tt.msgContains) {
				t.Errorf("message %q does not mention %q", e.Message, tt.msgContains)
			}
			if strings.Contains(e.Message, "s3cret") {
				t.Errorf("message echoes the submitted value: %q", e.Message)
			}
		})
	}
}

type codedErr struct{ code string }

func (c codedErr) Error() string        { return "coded" }
func (c codedErr) ErrorCode() string    { return c.code }
func (c codedErr) ErrorMessage() string { return "Human sentence." }
func (c codedErr) ErrorData() any       { return map[string]int{"n": 1} }

func TestWriteError(t *testing.T) {
	status := func(code string) int {
		if code == "user.suspended" {
			return 401
		}
		return 400
	}
	tests := []struct {
		name   string
		err    error
		status int
		body   string
		logged bool
	}{
		{"api error", InvalidInput("Bad."), 400, `{"code":"guard.invalid_input","message":"Bad."}`, false},
		{"wrapped api error", fmt.Errorf("ctx: %w", ErrCrossOrigin), 403, `{"code":"auth.forbidden","message":"Cross-origin requests are not allowed."}`, false},
		{"coded with data", fmt.Errorf("wrap: %w", codedErr{"user.suspended"}), 401, `{"code":"user.suspended","message":"Human sentence.","data":{"n":1}}`, false},
		{"store unavailable", fmt.Errorf("get: %w", store.ErrUnavailable), 503, `{"code":"store.unavailable","message":"The service is temporarily unavailable. Please try again shortly."}`, true},
		{"deadline", context.DeadlineExceeded, 503, "", true},
		{"unexpected", errors.New("pq: secret table detail"), 500, `{"code":"unknown","message":"An internal error occurred."}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logs, nil))
			rec := httptest.NewRecorder()
			WriteError(rec, httptest.NewRequest("GET", "/x", nil), log, tt.err, status)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d", rec.Code, tt.status)
			}
			if tt.body != "" && strings.TrimSpace(rec.Body.String()) != tt.body {
				t.Errorf("body %s, want %s", rec.Body.String(), tt.body)
			}
			if (logs.Len() > 0) != tt.logged {
				t.Errorf("logged = %q, want logged %v", logs.String(), tt.logged)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
}

func TestRequestID(t *testing.T) {
	var seen string
	h := RequestID(RequestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = RequestIDFrom(r.Context())
	})))
	tests := []struct {
		name, incoming string
		keep           bool
	}{
		{"generated", "", false},
		{"kept", "abc-123_x.y", true},
		{"too long", strings.Repeat("a", 65), false},
		{"bad chars", "a b\nc", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			if tt.incoming != "" {
				r.Header.Set(RequestIDHeader, tt.incoming)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			got := rec.Header().Get(RequestIDHeader)
			if got == "" || got != seen {
				t.Fatalf("header %q, context %q", got, seen)
			}
			if (got == tt.incoming) != tt.keep {
				t.Fatalf("incoming %q, got %q", tt.incoming, got)
			}
		})
	}
}

func TestLogHandlerAddsRequestID(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(LogHandler(slog.NewTextHandler(&buf, nil)))
	RequestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.InfoContext(r.Context(), "hello")
	})).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	if !strings.Contains(buf.String(), "request_id=") {
		t.Fatalf("log line without request_id: %s", buf.String())
	}
}

func TestRecover(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	rec := httptest.NewRecorder()
	Recover(log, http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") })).
		ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), `"code":"unknown"`) || strings.Contains(rec.Body.String(), "boom") {
		t.Fatalf("recovered response %d %s", rec.Code, rec.Body.String())
	}
	if !strings.Contains(logs.String(), "boom") {
		t.Fatal("panic value not logged")
	}

	defer func() {
		if v := recover(); v != http.ErrAbortHandler {
			t.Fatalf("ErrAbortHandler not re-raised: %v", v)
		}
	}()
	Recover(log, http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) })).
		ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
}

func TestSecurityHeaders(t *testing.T) {
	for _, hsts := range []bool{false, true} {
		rec := httptest.NewRecorder()
		SecurityHeaders(hsts)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})).
			ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		h := rec.Header()
		csp := h.Get("Content-Security-Policy")
		if strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("CSP %q", csp)
		}
		if h.Get("X-Frame-Options") != "DENY" || h.Get("Referrer-Policy") != "no-referrer" || h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("headers %v", h)
		}
		if (h.Get("Strict-Transport-Security") != "") != hsts {
			t.Errorf("HSTS with hsts=%v: %q", hsts, h.Get("Strict-Transport-Security"))
		}
	}
}

// TestGeneratedRequestIDs: generated IDs have Logto's ID format, differ,
// and are found through contexts derived from the request's.
func TestGeneratedRequestIDs(t *testing.T) {
	type key struct{}
	seen := map[string]bool{}
	h := RequestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rid := RequestIDFrom(r.Context())
		child := context.WithValue(r.Context(), key{}, 1)
		if got := RequestIDFrom(child); got != rid {
			t.Fatalf("derived context: %q, want %q", got, rid)
		}
		if len(rid) != 21 || strings.Trim(rid, "0123456789abcdefghijklmnopqrstuvwxyz") != "" {
			t.Fatalf("bad generated ID %q", rid)
		}
		if seen[rid] {
			t.Fatalf("ID %q generated twice", rid)
		}
		seen[rid] = true
	}))
	for range 1000 {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		if !seen[rec.Header().Get(RequestIDHeader)] {
			t.Fatalf("header %q is not the context's ID", rec.Header().Get(RequestIDHeader))
		}
	}
}

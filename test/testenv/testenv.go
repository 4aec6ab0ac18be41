// Package testenv starts real Gatehouse servers for end-to-end and browser
// tests and drives them like a browser would.
package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/application"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/postgres/pgtest"
)

// backends runs f once per store backend: SQLite always, PostgreSQL when
// GATEHOUSE_TEST_POSTGRES_URL is set (CI sets it; locally it skips with a
// message saying how to enable it).
func Backends(t *testing.T, f func(t *testing.T, open func(t *testing.T) *Server)) {
	t.Run("sqlite", func(t *testing.T) {
		f(t, func(t *testing.T) *Server { return Start(t, nil) })
	})
	t.Run("postgres", func(t *testing.T) {
		pg := os.Getenv("GATEHOUSE_TEST_POSTGRES_URL")
		if pg == "" {
			t.Skip("set GATEHOUSE_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable to run the end-to-end suite on PostgreSQL")
		}
		f(t, func(t *testing.T) *Server { return Start(t, pgtest.OpenTestSchema(t, pg)) })
	})
}

// Server is a real Gatehouse server listening on a loopback port.
type Server struct {
	*server.Server
	URL string
}

// startServer starts a server on 127.0.0.1 with st, or a fresh SQLite file
// when st is nil. extraEnv adds configuration variables
// (GATEHOUSE_SMTP_URL, …).
func Start(t *testing.T, st store.Store, extraEnv ...map[string]string) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	endpoint := "http://" + ln.Addr().String()
	env := map[string]string{
		"GATEHOUSE_ENDPOINT":     endpoint,
		"GATEHOUSE_DATABASE_URL": "sqlite://" + filepath.Join(t.TempDir(), "gatehouse.db"),
		"GATEHOUSE_SECRET_KEY":   strings.Repeat("42", 32),
	}
	for _, extra := range extraEnv {
		for k, v := range extra {
			env[k] = v
		}
	}
	cfg, err := config.Load(func(k string) string { return env[k] }, nil)
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	var srv *server.Server
	if st == nil {
		srv, err = server.Open(t.Context(), cfg, logger)
	} else {
		srv, err = server.OpenWithStore(t.Context(), cfg, logger, st)
	}
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		srv.Close()
	})
	return &Server{Server: srv, URL: endpoint}
}

// createApp registers an application through the domain service, as the
// CLI and the Management API do.
func (s *Server) CreateApp(t *testing.T, in application.CreateInput) (*store.Application, string) {
	t.Helper()
	app, secret, err := s.Apps.Create(t.Context(), in)
	if err != nil {
		t.Fatalf("create app: %v", err)
	}
	return app, secret
}

// browser is a cookie-keeping HTTP client that stops at redirects leaving
// the server, like a user agent handing a URL to a client app.
type Browser struct {
	t      *testing.T
	Base   string
	Client *http.Client
}

func NewBrowser(t *testing.T, base string) *Browser {
	jar, _ := cookiejar.New(nil)
	b := &Browser{t: t, Base: base}
	b.Client = &http.Client{
		Jar: jar,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if !strings.HasPrefix(req.URL.String(), base+"/") {
				return http.ErrUseLastResponse
			}
			return nil
		},
	}
	return b
}

// visit GETs u, following redirects inside the server, and returns the last
// response (a page, or a redirect out of the server).
func (b *Browser) Visit(u string) *http.Response {
	b.t.Helper()
	resp, err := b.Client.Get(u)
	if err != nil {
		b.t.Fatalf("GET %s: %v", u, err)
	}
	resp.Body.Close()
	return resp
}

// api calls the Experience API as the sign-in page would (same origin) and
// decodes the JSON answer into out (if not nil); it returns the status.
func (b *Browser) API(method, path string, body any, out any) int {
	b.t.Helper()
	var r io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		r = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, b.Base+path, r)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", b.Base)
	resp, err := b.Client.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			b.t.Fatalf("%s %s: decode %q: %v", method, path, raw, err)
		}
	}
	return resp.StatusCode
}

// mustAPI is api that fails the test unless the status is 2xx.
func (b *Browser) MustAPI(method, path string, body any, out any) {
	b.t.Helper()
	var raw json.RawMessage
	if st := b.API(method, path, body, &raw); st/100 != 2 {
		b.t.Fatalf("%s %s = %d %s", method, path, st, raw)
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			b.t.Fatal(err)
		}
	}
}

// register runs the Experience API registration for username/password in
// the interaction the browser holds, and returns submit's redirectTo.
func (b *Browser) Register(username, password string) string {
	b.t.Helper()
	b.MustAPI("PUT", "/api/experience", map[string]any{"interactionEvent": "Register"}, nil)
	b.MustAPI("POST", "/api/experience/profile", map[string]any{"type": "username", "value": username}, nil)
	b.MustAPI("POST", "/api/experience/profile", map[string]any{"type": "password", "value": password}, nil)
	b.MustAPI("POST", "/api/experience/identification", map[string]any{}, nil)
	var out struct {
		RedirectTo string `json:"redirectTo"`
	}
	b.MustAPI("POST", "/api/experience/submit", nil, &out)
	return out.RedirectTo
}

// signIn runs the Experience API password sign-in and returns redirectTo.
func (b *Browser) SignIn(idType, identifier, password string) string {
	b.t.Helper()
	b.MustAPI("PUT", "/api/experience", map[string]any{"interactionEvent": "SignIn"}, nil)
	var v struct {
		VerificationID string `json:"verificationId"`
	}
	b.MustAPI("POST", "/api/experience/verification/password", map[string]any{
		"identifier": map[string]string{"type": idType, "value": identifier},
		"password":   password,
	}, &v)
	b.MustAPI("POST", "/api/experience/identification", map[string]any{"verificationId": v.VerificationID}, nil)
	var out struct {
		RedirectTo string `json:"redirectTo"`
	}
	b.MustAPI("POST", "/api/experience/submit", nil, &out)
	return out.RedirectTo
}

// callback follows u until the browser is sent to redirectURI and returns
// that URL's query.
func (b *Browser) Callback(u, redirectURI string) url.Values {
	b.t.Helper()
	resp := b.Visit(u)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, redirectURI) {
		b.t.Fatalf("expected a redirect to %s, got %d Location=%q (at %s)", redirectURI, resp.StatusCode, loc, resp.Request.URL)
	}
	parsed, err := url.Parse(loc)
	if err != nil {
		b.t.Fatal(err)
	}
	return parsed.Query()
}

func Must[T any](v T, err error) T {
	if err != nil {
		panic(fmt.Sprintf("unexpected error: %v", err))
	}
	return v
}

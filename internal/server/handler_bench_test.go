package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/application"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/telemetry"
	"github.com/gatehouse/gatehouse/internal/token"
)

// These run the whole HTTP surface (Recover, RequestID, the deadline,
// metrics, the mux and the handler) on a temp SQLite file, without the
// network: the per-request overhead bench/ sees against a static stub.

type benchEnv struct {
	srv    *Server
	h      http.Handler
	at     string
	client string
	secret string
}

// openBenchServer opens a server on an SQLite file in dir, with the
// production logger: info level, so the debug access log is off.
func openBenchServer(ctx context.Context, dir string) (*Server, error) {
	env := map[string]string{
		"GATEHOUSE_ENDPOINT":     "http://127.0.0.1:3999",
		"GATEHOUSE_DATABASE_URL": "sqlite://" + filepath.Join(dir, "g.db"),
		"GATEHOUSE_SECRET_KEY":   strings.Repeat("ab", 32),
	}
	cfg, err := config.Load(func(k string) string { return env[k] }, nil)
	if err != nil {
		return nil, err
	}
	return Open(ctx, cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
}

func newBenchServer(b testing.TB) *benchEnv {
	b.Helper()
	s, err := openBenchServer(b.Context(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	ctx := b.Context()
	app, secret, err := s.Apps.Create(ctx, application.CreateInput{Name: "Web", Type: store.AppTraditional,
		RedirectURIs: []string{"http://127.0.0.1:9/cb"}})
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	u := &store.User{ID: "benchuser01", Username: "bench", PrimaryEmail: "bench@example.com", Name: "Bench",
		EmailVerified: true, CreatedAt: now, UpdatedAt: now}
	if err := s.Store.CreateUser(ctx, u); err != nil {
		b.Fatal(err)
	}
	const at = "bench-access-token-0123456789abcdefghijklmnop"
	if err := s.Store.CreateToken(ctx, &store.Token{Hash: token.Hash(at), Kind: store.TokenAccess, ClientID: app.ID,
		UserID: u.ID, Scopes: []string{"openid", "profile", "email"}, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		b.Fatal(err)
	}
	return &benchEnv{srv: s, h: s.Handler(), at: at, client: app.ID, secret: secret}
}

// benchWriter stands in for net/http's response: a fresh header map per
// request, the body discarded. httptest.ResponseRecorder clones headers
// and buffers the body, which would hide the costs measured here.
type benchWriter struct {
	h      http.Header
	status int
	n      int
	keep   bool
	body   []byte
}

func (w *benchWriter) Header() http.Header { return w.h }
func (w *benchWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}
func (w *benchWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.n += len(b)
	if w.keep {
		w.body = append(w.body, b...)
	}
	return len(b), nil
}

// serve runs one request as net/http would: the request context is a
// cancelable child of the connection's.
func serve(h http.Handler, req *http.Request) *benchWriter { return run(h, req, false) }

// serveBody is serve keeping the response body.
func serveBody(h http.Handler, req *http.Request) *benchWriter { return run(h, req, true) }

func run(h http.Handler, req *http.Request, keep bool) *benchWriter {
	ctx, cancel := context.WithCancel(connCtx)
	defer cancel()
	w := &benchWriter{h: make(http.Header), keep: keep}
	h.ServeHTTP(w, req.WithContext(ctx))
	return w
}

var connCtx, _ = context.WithCancel(context.Background()) //nolint:govet // lives for the process

func benchGet(b *testing.B, h http.Handler, path string, hdr ...string) {
	req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:3999"+path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	b.ReportAllocs()
	for b.Loop() {
		if w := serve(h, req); w.status != http.StatusOK {
			b.Fatal(w.status)
		}
	}
}

func BenchmarkServerDiscovery(b *testing.B) {
	e := newBenchServer(b)
	benchGet(b, e.h, "/oidc/.well-known/openid-configuration")
}

func BenchmarkServerJWKS(b *testing.B) {
	e := newBenchServer(b)
	benchGet(b, e.h, "/oidc/jwks")
}

func BenchmarkServerUserinfo(b *testing.B) {
	e := newBenchServer(b)
	benchGet(b, e.h, "/oidc/me", "Authorization", "Bearer "+e.at)
}

func BenchmarkServerIntrospection(b *testing.B) {
	e := newBenchServer(b)
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:3999/oidc/token/introspection", strings.NewReader("token="+e.at))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(e.client, e.secret)
		if w := serve(e.h, req); w.status != http.StatusOK || w.n == 0 {
			b.Fatal(w.status)
		}
	}
}

// BenchmarkStubStatic is the floor: what httptest costs for a handler that
// only writes static bytes (bench/'s plain net/http stub).
func BenchmarkStubStatic(b *testing.B) {
	body := []byte(`{"issuer":"http://127.0.0.1:3999/oidc"}`)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /oidc/jwks", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
	benchGet(b, mux, "/oidc/jwks")
}

// TestDeadlineWhereStoreIsRead: every request gets the deadline except GET
// and HEAD of the routes served from memory.
func TestDeadlineWhereStoreIsRead(t *testing.T) {
	var has bool
	h := &front{metrics: telemetry.New(nil), mux: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, has = r.Context().Deadline()
	})}
	for _, tt := range []struct {
		method, path string
		want         bool
	}{
		{"GET", "/oidc/jwks", false},
		{"HEAD", "/oidc/.well-known/openid-configuration", false},
		{"GET", "/.well-known/openid-configuration", false},
		{"POST", "/oidc/jwks", true},
		{"GET", "/oidc/me", true},
		{"POST", "/oidc/token", true},
		{"GET", "/oidc/jwks/", true},
	} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(tt.method, tt.path, nil))
		if has != tt.want {
			t.Errorf("%s %s: deadline %v, want %v", tt.method, tt.path, has, tt.want)
		}
	}
}

// BenchmarkServerRefresh is the refresh-token grant of a public SPA client
// (rotation on every use, an opaque access token and an ID token issued)
// from 32 concurrent chains, as bench/'s refresh workload runs them.
func BenchmarkServerRefresh(b *testing.B) {
	e := newBenchServer(b)
	ctx := b.Context()
	s := e.srv
	app, _, err := s.Apps.Create(ctx, application.CreateInput{Name: "SPA", Type: store.AppSPA,
		RedirectURIs: []string{"http://127.0.0.1:9/cb"}})
	if err != nil {
		b.Fatal(err)
	}
	var chains atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		now := time.Now()
		rt := fmt.Sprintf("bench-refresh-token-%d-0123456789abcdefghijklmnop", chains.Add(1))
		if err := s.Store.CreateToken(ctx, &store.Token{Hash: token.Hash(rt), Kind: store.TokenRefresh, ClientID: app.ID,
			UserID: "benchuser01", GrantID: "benchgrant01", Scopes: []string{"openid", "profile", "offline_access"},
			AuthTime: now, FirstIssuedAt: now, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
			b.Error(err)
			return
		}
		for pb.Next() {
			req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:3999/oidc/token",
				strings.NewReader("grant_type=refresh_token&client_id="+app.ID+"&refresh_token="+rt))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			w := serveBody(e.h, req)
			if w.status != http.StatusOK {
				b.Error(w.status, string(w.body))
				return
			}
			var resp struct {
				RefreshToken string `json:"refresh_token"`
			}
			if err := json.Unmarshal(w.body, &resp); err != nil || resp.RefreshToken == "" {
				b.Error("no refresh token", string(w.body))
				return
			}
			rt = resp.RefreshToken
		}
	})
}

// TestStaticRoutesAsMux: front serves the store-free paths without the mux
// exactly as the mux would: same handler output, same r.Pattern (the
// metrics' route label), for GET and HEAD.
func TestStaticRoutesAsMux(t *testing.T) {
	e := newBenchServer(t)
	f := e.h.(*front)
	mux := f.mux.(*http.ServeMux)
	for _, p := range storeFreePaths {
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			want := httptest.NewRequest(method, "http://127.0.0.1:3999"+p, nil)
			_, wantPattern := mux.Handler(want)
			ww := httptest.NewRecorder()
			mux.ServeHTTP(ww, want)

			got := httptest.NewRequest(method, "http://127.0.0.1:3999"+p, nil)
			gw := httptest.NewRecorder()
			e.h.ServeHTTP(gw, got)
			if wantPattern == "" || got.Pattern != wantPattern {
				t.Errorf("%s %s: pattern %q, the mux's %q", method, p, got.Pattern, wantPattern)
			}
			if gw.Code != http.StatusOK || gw.Code != ww.Code || gw.Body.String() != ww.Body.String() {
				t.Errorf("%s %s: %d %q, the mux's %d %q", method, p, gw.Code, gw.Body, ww.Code, ww.Body)
			}
			for k := range ww.Header() {
				if gw.Header().Get(k) == "" {
					t.Errorf("%s %s: header %s missing", method, p, k)
				}
			}
			if gw.Header().Get("X-Request-Id") == "" {
				t.Errorf("%s %s: no request ID", method, p)
			}
		}
	}
	// The route label reaches the metrics.
	mw := httptest.NewRecorder()
	mux.ServeHTTP(mw, httptest.NewRequest(http.MethodGet, "http://127.0.0.1:3999/metrics", nil))
	if !strings.Contains(mw.Body.String(), "GET /oidc/jwks") {
		t.Error("no metrics for the route GET /oidc/jwks")
	}
}

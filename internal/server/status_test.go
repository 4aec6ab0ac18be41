package server

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

// syncBuffer is a log sink safe for concurrent handlers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newTestServer builds a server on a fresh SQLite file with a debug logger
// writing to the returned buffer.
func newTestServer(t *testing.T) (*Server, *syncBuffer) {
	t.Helper()
	return newTestServerEnv(t, nil)
}

// newTestServerEnv is newTestServer with more configuration variables.
func newTestServerEnv(t *testing.T, extra map[string]string) (*Server, *syncBuffer) {
	t.Helper()
	env := map[string]string{
		"GATEHOUSE_ENDPOINT":     "http://127.0.0.1:3999",
		"GATEHOUSE_DATABASE_URL": "sqlite://" + filepath.Join(t.TempDir(), "g.db"),
		"GATEHOUSE_SECRET_KEY":   strings.Repeat("ab", 32),
	}
	maps.Copy(env, extra)
	cfg, err := config.Load(func(k string) string { return env[k] }, nil)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := cfg.SQLitePath()
	st, err := sqlite.Open(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s, err := OpenWithStore(t.Context(), cfg, logger, st)
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, logs
}

func get(t *testing.T, h http.Handler, path string, hdr ...string) *http.Response {
	t.Helper()
	r := httptest.NewRequest("GET", "http://127.0.0.1:3999"+path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Result()
}

func TestStatusLivenessAndReadiness(t *testing.T) {
	s, logs := newTestServer(t)
	h := s.Handler()

	for _, path := range []string{"/api/status", "/api/status/ready"} {
		if resp := get(t, h, path); resp.StatusCode != http.StatusNoContent {
			t.Fatalf("GET %s = %d, want 204", path, resp.StatusCode)
		}
	}

	// The store goes away: liveness stays 204 (restarting the node would
	// not help), readiness answers 503 store.unavailable.
	s.Store.Close()
	if resp := get(t, h, "/api/status"); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("liveness with the store closed = %d, want 204", resp.StatusCode)
	}
	resp := get(t, h, "/api/status/ready", "X-Request-Id", "probe-1")
	var body struct{ Code, Message string }
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("readiness body %q: %v", raw, err)
	}
	if resp.StatusCode != http.StatusServiceUnavailable || body.Code != "store.unavailable" || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("readiness with the store closed = %d %s (Retry-After %q), want 503 store.unavailable",
			resp.StatusCode, raw, resp.Header.Get("Retry-After"))
	}
	// The cause is logged with the request's ID.
	found := false
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, "readiness: store unavailable") {
			found = strings.Contains(line, `"request_id":"probe-1"`)
			if strings.Count(line, `"request_id"`) != 1 {
				t.Errorf("request_id logged more than once: %s", line)
			}
		}
	}
	if !found {
		t.Fatalf("no readiness warning carrying request_id=probe-1 in the logs:\n%s", logs.String())
	}
}

func TestMetricsEndpoint(t *testing.T) {
	s, logs := newTestServer(t)
	h := s.Handler()
	for range 3 {
		get(t, h, "/oidc/.well-known/openid-configuration")
	}
	get(t, h, "/oidc/auth/nope", "X-Request-Id", "req-42")

	resp := get(t, h, "/metrics")
	raw, _ := io.ReadAll(resp.Body)
	out := string(raw)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics = %d", resp.StatusCode)
	}
	for _, want := range []string{
		`gatehouse_http_requests_total{code="200",route="GET /oidc/.well-known/openid-configuration"} 3`,
		`gatehouse_http_request_duration_seconds_count{route="GET /oidc/.well-known/openid-configuration"} 3`,
		`gatehouse_store_max_open_connections{pool="write"} 1`,
		`gatehouse_store_open_connections{pool="read"}`,
		"process_resident_memory_bytes",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	// The debug access log names the route and carries the request ID.
	found := false
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, `"msg":"http request"`) && strings.Contains(line, `"request_id":"req-42"`) &&
			strings.Contains(line, `"route":"GET /oidc/auth/{uid}"`) {
			found = true
		}
	}
	if !found {
		t.Errorf("no access log line with request_id=req-42:\n%s", logs.String())
	}
}

// TestMetricsToken: with GATEHOUSE_METRICS_TOKEN set, /metrics wants it as
// a bearer token.
func TestMetricsToken(t *testing.T) {
	const token = "scrape-0123456789abcdef"
	s, _ := newTestServerEnv(t, map[string]string{"GATEHOUSE_METRICS_TOKEN": token})
	h := s.Handler()
	if resp := get(t, h, "/metrics"); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("GET /metrics without the token = %d, want 401", resp.StatusCode)
	}
	resp := get(t, h, "/metrics", "Authorization", "Bearer "+token)
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(raw), "gatehouse_store_max_open_connections") {
		t.Fatalf("GET /metrics with the token = %d %.200s", resp.StatusCode, raw)
	}
}

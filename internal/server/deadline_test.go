package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/httpapi"
	"github.com/gatehouse/gatehouse/internal/telemetry"
)

func TestLazyDeadlineExpires(t *testing.T) {
	ctx := newLazyDeadline(context.Background(), 30*time.Millisecond)
	defer ctx.cancel()
	if d, ok := ctx.Deadline(); !ok || time.Until(d) > 30*time.Millisecond {
		t.Fatalf("deadline %v %v", d, ok)
	}
	if ctx.Err() != nil {
		t.Fatal("expired early")
	}
	child, cancel := context.WithCancel(ctx)
	defer cancel()
	select {
	case <-child.Done():
	case <-time.After(2 * time.Second):
		t.Fatal("child not canceled at the deadline")
	}
	if !errors.Is(ctx.Err(), context.DeadlineExceeded) || !errors.Is(child.Err(), context.DeadlineExceeded) {
		t.Fatalf("err %v / %v", ctx.Err(), child.Err())
	}
}

func TestLazyDeadlineUnbuilt(t *testing.T) {
	// Past the deadline without anyone having called Done.
	ctx := newLazyDeadline(context.Background(), time.Millisecond)
	time.Sleep(5 * time.Millisecond)
	if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("err %v", ctx.Err())
	}
	if c := newLazyDeadline(context.Background(), time.Millisecond); true {
		time.Sleep(5 * time.Millisecond)
		if !errors.Is(context.Cause(c), context.DeadlineExceeded) {
			t.Fatalf("cause %v", context.Cause(c))
		}
	}
	// Canceled parent.
	parent, cancel := context.WithCancel(context.Background())
	ctx = newLazyDeadline(parent, time.Hour)
	cancel()
	if !errors.Is(ctx.Err(), context.Canceled) {
		t.Fatalf("err %v", ctx.Err())
	}
	<-ctx.Done()
	// cancel before and after building.
	ctx = newLazyDeadline(context.Background(), time.Hour)
	ctx.cancel()
	if !errors.Is(ctx.Err(), context.Canceled) {
		t.Fatalf("err %v", ctx.Err())
	}
	ctx = newLazyDeadline(context.Background(), time.Hour)
	done := ctx.Done()
	ctx.cancel()
	<-done
	// Values pass through.
	type k struct{}
	ctx = newLazyDeadline(context.WithValue(context.Background(), k{}, "v"), time.Hour)
	if ctx.Value(k{}) != "v" {
		t.Fatal("value lost")
	}
	// An earlier parent deadline wins.
	p2, c2 := context.WithTimeout(context.Background(), time.Millisecond)
	defer c2()
	if d, _ := newLazyDeadline(p2, time.Hour).Deadline(); time.Until(d) > time.Second {
		t.Fatal("parent deadline ignored")
	}
}

// TestFront: every response has a request ID; store routes get a deadline
// and the ID in their context, store-free routes neither; the access log
// names the request either way; panics become a logged 500.
func TestFront(t *testing.T) {
	var logs strings.Builder
	log := newTestLogger(&logs)
	m := telemetry.New(log)
	var hasDeadline bool
	var ctxRID string
	mux := http.NewServeMux()
	h := func(w http.ResponseWriter, r *http.Request) {
		_, hasDeadline = r.Context().Deadline()
		ctxRID = httpapi.RequestIDFrom(r.Context())
	}
	mux.HandleFunc("GET /oidc/jwks", h)
	mux.HandleFunc("GET /oidc/me", h)
	mux.HandleFunc("GET /boom", func(http.ResponseWriter, *http.Request) { panic("boom") })
	f := &front{log: log, metrics: m, mux: mux}
	for _, tt := range []struct {
		path     string
		deadline bool
	}{{"/oidc/jwks", false}, {"/oidc/me", true}} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", tt.path, nil)
		req.Header.Set(httpapi.RequestIDHeader, "rid-"+tt.path[6:])
		f.ServeHTTP(rec, req)
		if rec.Header().Get(httpapi.RequestIDHeader) != "rid-"+tt.path[6:] {
			t.Errorf("%s: header %q", tt.path, rec.Header().Get(httpapi.RequestIDHeader))
		}
		if hasDeadline != tt.deadline || (ctxRID != "") != tt.deadline {
			t.Errorf("%s: deadline %v, context ID %q", tt.path, hasDeadline, ctxRID)
		}
		if !strings.Contains(logs.String(), `"request_id":"rid-`+tt.path[6:]+`"`) {
			t.Errorf("%s: no access log line with the request ID:\n%s", tt.path, logs.String())
		}
	}
	rec := httptest.NewRecorder()
	f.ServeHTTP(rec, httptest.NewRequest("GET", "/boom", nil))
	rid := rec.Header().Get(httpapi.RequestIDHeader)
	if rec.Code != http.StatusInternalServerError || rid == "" || !strings.Contains(logs.String(), `"request_id":"`+rid+`"`) {
		t.Errorf("panic: status %d, id %q, logs:\n%s", rec.Code, rid, logs.String())
	}
}

func newTestLogger(w *strings.Builder) *slog.Logger {
	return slog.New(httpapi.LogHandler(slog.NewJSONHandler(&syncWriter{w: w}, &slog.HandlerOptions{Level: slog.LevelDebug})))
}

type syncWriter struct {
	mu sync.Mutex
	w  *strings.Builder
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

package httpapi

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/store"
)

// TestLogHandlerNoDuplicateRequestID: WriteError names the request itself,
// and the wrapping handler must not add a second request_id.
func TestLogHandlerNoDuplicateRequestID(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(LogHandler(slog.NewTextHandler(&buf, nil)))
	req := httptest.NewRequest("GET", "/api/x", nil)
	req.Header.Set(RequestIDHeader, "rid-1")
	RequestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, r, log, errors.Join(store.ErrUnavailable), nil)
		log.InfoContext(r.Context(), "plain")
	})).ServeHTTP(httptest.NewRecorder(), req)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 log lines, got %q", buf.String())
	}
	for _, l := range lines {
		if n := strings.Count(l, "request_id=rid-1"); n != 1 {
			t.Errorf("request_id appears %d times in %q", n, l)
		}
	}
}

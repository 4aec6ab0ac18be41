package httpapi

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/gatehouse/gatehouse/internal/id"
)

// RequestIDHeader carries the request ID in both directions.
const RequestIDHeader = "X-Request-Id"

type requestIDKey struct{}

// RequestIDFrom returns the request ID stored by RequestID ("" if none).
func RequestIDFrom(ctx context.Context) string {
	s, _ := ctx.Value(requestIDKey{}).(string)
	return s
}

// RequestID gives every request an ID, echoed in the response header and
// available to logging through RequestIDFrom. A well-formed incoming ID
// (from a trusted proxy or a client retry) is kept so logs correlate
// across hops; anything else is replaced.
func RequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if RequestIDFrom(r.Context()) != "" {
			// Already assigned by an outer wrapper (the server wraps the
			// whole mux; handlers may wrap themselves for standalone use).
			next.ServeHTTP(w, r)
			return
		}
		rid := r.Header.Get(RequestIDHeader)
		if !validRequestID(rid) {
			rid = id.New()
		}
		w.Header().Set(RequestIDHeader, rid)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, rid)))
	})
}

func validRequestID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// LogHandler wraps a slog.Handler so every record logged with a request's
// context carries its request_id.
func LogHandler(h slog.Handler) slog.Handler { return requestIDHandler{h} }

type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if rid := RequestIDFrom(ctx); rid != "" && !hasRequestID(r) {
		r.AddAttrs(slog.String("request_id", rid))
	}
	return h.Handler.Handle(ctx, r)
}

// hasRequestID reports a record that already names its request (callers
// such as WriteError add it explicitly), so the ID is not logged twice.
func hasRequestID(r slog.Record) bool {
	found := false
	r.Attrs(func(a slog.Attr) bool {
		found = a.Key == "request_id"
		return !found
	})
	return found
}

func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(attrs)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}

package httpapi

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"unsafe"
)

// RequestIDHeader carries the request ID in both directions.
const RequestIDHeader = "X-Request-Id"

type requestIDKey struct{}

// RequestIDFrom returns the request ID stored by RequestID ("" if none).
func RequestIDFrom(ctx context.Context) string {
	if c, ok := ctx.(*requestIDCtx); ok { // the common case: no interface hop
		return c.rid[0]
	}
	s, _ := ctx.Value(requestIDKey{}).(string)
	return s
}

// requestIDCtx is context.WithValue(parent, requestIDKey{}, rid) in one
// allocation with the response header's value slice and the bytes of a
// generated ID.
type requestIDCtx struct {
	context.Context
	rid [1]string
	buf [requestIDLen]byte
}

func (c *requestIDCtx) Value(key any) any {
	if key == (requestIDKey{}) {
		return c.rid[0]
	}
	return c.Context.Value(key)
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
		_, ctx := TagRequest(w, r, r.Context())
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// TagRequest is RequestID without the handler: it assigns r's request ID
// (a well-formed incoming one, else a new one), echoes it in w's header
// and returns it with parent carrying it for RequestIDFrom. With a nil
// parent no context is returned: routes that log nothing need no request
// copy (the server's front handler passes the ID to its own logging). One
// allocation either way.
func TagRequest(w http.ResponseWriter, r *http.Request, parent context.Context) (string, context.Context) {
	c := &requestIDCtx{Context: parent}
	if rid := r.Header.Get(RequestIDHeader); validRequestID(rid) {
		c.rid[0] = rid
	} else {
		fillRequestID(&c.buf)
		c.rid[0] = unsafe.String(&c.buf[0], len(c.buf))
	}
	// RequestIDHeader is in canonical form: no Set (and no
	// canonicalization) needed. The slice is never appended to (a second
	// value would be appended to a copy by Header.Add).
	w.Header()[RequestIDHeader] = c.rid[:]
	if parent == nil {
		return c.rid[0], nil
	}
	return c.rid[0], c
}

// requestIDLen matches Logto's 21-character IDs (id.New).
const requestIDLen = 21

const requestIDAlphabet = "0123456789abcdefghijklmnopqrstuvwxyz"

// fillRequestID writes a 21-character lowercase alphanumeric ID (~108
// random bits) from the runtime's per-thread ChaCha8 generator, which is
// seeded from the OS and needs neither a system call nor a lock. A request
// ID only correlates log lines: it is no secret, so crypto/rand (a
// getrandom call and rejection sampling, ~8 % of a discovery request) is
// not needed. The slight modulo bias is irrelevant for that.
func fillRequestID(b *[requestIDLen]byte) {
	x := rand.Uint64()
	for i := range b {
		if i == 12 { // 36^12 < 2^64: 12 characters per word
			x = rand.Uint64()
		}
		b[i] = requestIDAlphabet[x%36]
		x /= 36
	}
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

package telemetry

import (
	"bufio"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// unmatchedRoute labels requests the mux answered without a pattern (its
// own 404s and 405s).
const unmatchedRoute = "unmatched"

// Middleware measures every request that next serves. next must be the
// http.ServeMux itself (or anything that routes on the *http.Request it is
// given): the route label is the r.Pattern the mux sets on that request,
// read after it returns. Wrappers that copy the request (WithContext) must
// therefore sit outside this one.
//
// A handler that panics is counted as a 500, and the panic goes on to the
// recovering middleware outside.
func (m *Metrics) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { m.Serve(w, r, next, "") })
}

// Serve is Middleware(next).ServeHTTP(w, r) without the extra handler
// frame, for a front handler that does the rest of the wrapping itself.
// rid is the request's ID for the access log when r's context does not
// carry it (httpapi.TagRequest without a context); "" if it does.
func (m *Metrics) Serve(w http.ResponseWriter, r *http.Request, next http.Handler, rid string) {
	start := time.Now()
	sw := writerPool.Get().(*statusWriter)
	sw.ResponseWriter, sw.status = w, 0
	var tee *teeBody
	if r.Method == http.MethodPost && r.URL.Path == tokenPath && r.Body != nil {
		tee = newTeeBody(r.Body)
		r.Body = tee
	}
	m.inFlight.Add(1)
	finished := false
	defer func() {
		m.inFlight.Add(-1)
		status := sw.status
		switch {
		case !finished:
			status = http.StatusInternalServerError
		case status == 0:
			status = http.StatusOK // net/http's implicit WriteHeader
		}
		m.record(r, status, time.Since(start), tee, rid)
		if finished {
			sw.ResponseWriter = nil
			writerPool.Put(sw)
		}
		if tee != nil {
			tee.release()
		}
	}()
	next.ServeHTTP(sw, r)
	finished = true
}

// record updates the metrics of one finished request and writes its access
// log line.
func (m *Metrics) record(r *http.Request, status int, elapsed time.Duration, tee *teeBody, rid string) {
	route := r.Pattern
	if route == "" {
		route = unmatchedRoute
	}
	rm := m.route(route)
	m.counter(rm, status).Inc()
	rm.duration.Update(elapsed.Seconds())
	if tee != nil && status == http.StatusOK {
		m.tokens[grantTypeLabel(tee.captured(), r.Header.Get("Content-Type"))].Inc()
	}
	if rm.step != "" {
		rm.signIns[outcome(status)].Inc()
	}
	ctx := r.Context()
	if m.log.Enabled(ctx, slog.LevelDebug) {
		// The path is logged, never the query: it may carry codes and
		// tokens. The request ID is added by the logger's handler.
		attrs := []any{"method", r.Method, "path", r.URL.Path, "route", route,
			"status", status, "duration_ms", float64(elapsed.Microseconds()) / 1000}
		if rid != "" {
			attrs = append(attrs, "request_id", rid)
		}
		m.log.DebugContext(ctx, "http request", attrs...)
	}
}

// signInStep maps an Experience API route to the sign-in step it is.
func signInStep(route string) (string, bool) {
	rest, ok := strings.CutPrefix(route, "POST /api/experience/")
	if !ok {
		return "", false
	}
	if rest == "submit" || rest == "identification" || strings.HasPrefix(rest, "verification/") {
		return rest, true
	}
	return "", false
}

// outcomes are the values of the sign-in outcome label.
var outcomes = [...]string{"success", "rate_limited", "unavailable", "rejected", "error"}

// outcome classifies an Experience API answer: an index into outcomes.
func outcome(status int) int {
	switch {
	case status < 300:
		return 0 // success
	case status == http.StatusTooManyRequests:
		return 1 // rate_limited
	case status == http.StatusServiceUnavailable:
		return 2 // unavailable
	case status < 500:
		return 3 // rejected
	}
	return 4 // error
}

// statusWriter remembers the status code. It unwraps for
// http.ResponseController and passes Flush and Hijack through.
type statusWriter struct {
	http.ResponseWriter
	status int
}

var writerPool = sync.Pool{New: func() any { return new(statusWriter) }}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if h, ok := w.ResponseWriter.(http.Hijacker); ok {
		return h.Hijack()
	}
	return nil, nil, errors.New("telemetry: response writer cannot hijack")
}

// teeBody keeps a copy of what the handler reads from the body, up to
// maxCapture bytes, so the grant type can be read afterwards without
// reading the body ahead of the handler.
type teeBody struct {
	io.ReadCloser
	buf []byte
}

// maxCapture matches the OP's body limit (56 KiB): no token request the
// OP accepts is longer.
const maxCapture = 56 << 10

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

func newTeeBody(rc io.ReadCloser) *teeBody {
	return &teeBody{ReadCloser: rc, buf: (*bufPool.Get().(*[]byte))[:0]}
}

func (t *teeBody) Read(p []byte) (int, error) {
	n, err := t.ReadCloser.Read(p)
	if room := maxCapture - len(t.buf); n > 0 && room > 0 {
		t.buf = append(t.buf, p[:min(n, room)]...)
	}
	return n, err
}

func (t *teeBody) captured() []byte { return t.buf }

func (t *teeBody) release() {
	if cap(t.buf) <= 8<<10 { // don't let one large body pin memory
		b := t.buf[:0]
		bufPool.Put(&b)
	}
	t.buf = nil
}

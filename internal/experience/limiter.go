package experience

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/httpapi"
)

// Limiter throttles credential guessing. Keys name what is counted: one
// per identifier ("password:identifier:<type>:<value>") and one per client
// address ("password:ip:<addr>"). An implementation keeps counters in the
// store (so every node shares them) and locks a key out, with growing
// delays, after repeated failures.
type Limiter interface {
	// Allow reports how long the caller must wait before another attempt
	// on key (zero: go ahead).
	Allow(ctx context.Context, key string) (retryAfter time.Duration, err error)
	// Fail counts a failed attempt on key.
	Fail(ctx context.Context, key string)
	// Reset clears key after a success.
	Reset(ctx context.Context, key string)
}

// errTooManyAttempts is Logto's lockout code, with the 429 and Retry-After
// the Gatehouse spec asks for.
func errTooManyAttempts(retryAfter time.Duration) *httpapi.Error {
	return &httpapi.Error{Status: http.StatusTooManyRequests, Code: "session.verification_blocked_too_many_attempts",
		Message: "Too many failed attempts. Please try again later.",
		Data:    map[string]any{"retryAfterSeconds": int((retryAfter + time.Second - 1) / time.Second)}}
}

// passwordKeys are the limiter keys of a password attempt.
func passwordKeys(r *http.Request, identifierType, value string) []string {
	keys := []string{"password:identifier:" + identifierType + ":" + strings.ToLower(value)}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		keys = append(keys, "password:ip:"+host)
	}
	return keys
}

// checkLimit returns a 429 error when any key is locked out.
func (h *Handler) checkLimit(w http.ResponseWriter, r *http.Request, keys []string) error {
	if h.limiter == nil {
		return nil
	}
	var wait time.Duration
	for _, k := range keys {
		d, err := h.limiter.Allow(r.Context(), k)
		if err != nil {
			return err
		}
		wait = max(wait, d)
	}
	if wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
		return errTooManyAttempts(wait)
	}
	return nil
}

// recordAttempt counts a failure or clears the counters after a success.
// A success clears identifier keys only: if it cleared the address too,
// an attacker holding one valid account could sign into it between
// guesses at others and never be locked out.
func (h *Handler) recordAttempt(ctx context.Context, keys []string, ok bool) {
	if h.limiter == nil {
		return
	}
	for _, k := range keys {
		if ok {
			if !strings.Contains(k, ":ip:") {
				h.limiter.Reset(ctx, k)
			}
		} else {
			h.limiter.Fail(ctx, k)
		}
	}
}

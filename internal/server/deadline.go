package server

import (
	"context"
	"net/http"
	"time"
)

// requestTimeout bounds the work of one request. The http.Server's
// WriteTimeout does not cancel a handler's context, so without this a store
// that hangs (rather than refusing connections) would hold the request and
// its pool connection until the client gave up.
const requestTimeout = 15 * time.Second

// storeFreePaths are routes answered from memory only (pre-encoded
// discovery documents and the JWK Set): they never touch the store, so a
// deadline would bound nothing. Giving them one costs a timer, a context,
// a request copy and a lock on the connection's context per request, a
// tenth of what these routes cost otherwise. Only GET (and HEAD, which the
// mux serves with the GET pattern) is exempt; the mux routes these exact
// paths to nothing else.
var storeFreePaths = map[string]bool{
	"/oidc/.well-known/openid-configuration":       true,
	"/oidc/.well-known/oauth-authorization-server": true,
	"/.well-known/openid-configuration":            true,
	"/oidc/jwks":                                   true,
}

// withDeadline gives every request context that may reach the store a
// deadline; the store then fails with store.ErrUnavailable, which handlers
// answer with 503.
func withDeadline(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (r.Method == http.MethodGet || r.Method == http.MethodHead) && storeFreePaths[r.URL.Path] {
			next.ServeHTTP(w, r)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

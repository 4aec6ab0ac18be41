package server

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// requestTimeout bounds the work of one request. The http.Server sets no
// WriteTimeout (see Serve), and none would cancel a handler's context
// anyway, so without this a store that hangs (rather than refusing
// connections) would hold the request and its pool connection until the
// client gave up.
const requestTimeout = 15 * time.Second

// The store-free requests are those answered from memory only: GET (and
// HEAD, which the mux serves with the GET pattern) of the pre-encoded
// discovery documents and the JWK Set. They never touch the store, so a
// deadline would bound nothing; giving them one costs a timer, a context, a
// request copy and a lock on the connection's context per request, a tenth
// of what these routes cost otherwise. The mux routes these exact paths to
// nothing else.

// The store-free paths, indexed as storeFreeRoute numbers them.
var storeFreePaths = [...]string{pathDiscovery, pathOAuthMetadata, pathRootDiscovery, pathJWKS}

const (
	pathDiscovery      = "/oidc/.well-known/openid-configuration"
	pathOAuthMetadata  = "/oidc/.well-known/oauth-authorization-server"
	pathRootDiscovery  = "/.well-known/openid-configuration"
	pathJWKS           = "/oidc/jwks"
	numStoreFreeRoutes = len(storeFreePaths)
)

// storeFreeRoute is the index in storeFreePaths of a store-free request,
// -1 for any other. A switch on the path compiles to a length check and a
// few comparisons, cheaper than hashing it for a map.
func storeFreeRoute(r *http.Request) int {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return -1
	}
	switch r.URL.Path {
	case pathDiscovery:
		return 0
	case pathOAuthMetadata:
		return 1
	case pathRootDiscovery:
		return 2
	case pathJWKS:
		return 3
	}
	return -1
}

// lazyDeadline is context.WithTimeout(parent, d) that builds the timer and
// the cancellation plumbing only when something asks for them (Done, or
// Err past the deadline). Store reads answered from the node's cache never
// do, and skip a timer, two allocations and the parent's lock; a query
// that reaches the database calls Done and gets the real thing, so a
// hanging store still fails at the deadline.
type lazyDeadline struct {
	parent   context.Context
	deadline time.Time

	inner atomic.Pointer[innerDeadline]
	mu    sync.Mutex // serialises building inner and cancel
	ended bool       // cancel was called
}

type innerDeadline struct {
	ctx    context.Context
	cancel context.CancelFunc
}

func newLazyDeadline(parent context.Context, d time.Duration) *lazyDeadline {
	dl := time.Now().Add(d)
	if pd, ok := parent.Deadline(); ok && pd.Before(dl) {
		dl = pd
	}
	return &lazyDeadline{parent: parent, deadline: dl}
}

// get returns the real context, building it on first use.
func (c *lazyDeadline) get() context.Context {
	if in := c.inner.Load(); in != nil {
		return in.ctx
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if in := c.inner.Load(); in != nil {
		return in.ctx
	}
	ctx, cancel := context.WithDeadline(c.parent, c.deadline)
	if c.ended {
		cancel()
	}
	c.inner.Store(&innerDeadline{ctx, cancel})
	return ctx
}

// cancel ends the context, as the CancelFunc of WithTimeout does.
func (c *lazyDeadline) cancel() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ended = true
	if in := c.inner.Load(); in != nil {
		in.cancel()
	}
}

func (c *lazyDeadline) Deadline() (time.Time, bool) { return c.deadline, true }

func (c *lazyDeadline) Done() <-chan struct{} { return c.get().Done() }

func (c *lazyDeadline) Err() error {
	if in := c.inner.Load(); in != nil {
		return in.ctx.Err()
	}
	c.mu.Lock()
	ended := c.ended
	c.mu.Unlock()
	if ended || c.parent.Err() != nil || !time.Now().Before(c.deadline) {
		return c.get().Err() // built already ended, canceled or expired
	}
	return nil
}

// Value forwards to the real context once built, so the context package
// finds its cancelCtx (through its unexported key, an *int) matching Done:
// contexts derived from this one then join its cancellation without a
// goroutine each. Before that, a lookup with such a key (context.Cause, or
// a derivation) builds it.
func (c *lazyDeadline) Value(key any) any {
	if in := c.inner.Load(); in != nil {
		return in.ctx.Value(key)
	}
	if _, ok := key.(*int); ok {
		return c.get().Value(key)
	}
	return c.parent.Value(key)
}

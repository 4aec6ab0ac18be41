// Package cache is a node-local read cache in front of a store.Store for
// the reads of the OP's hot paths: a client, its secrets, an API resource by
// indicator, an app's or user's resource scopes, a user by ID (userinfo),
// and an opaque access token by hash (userinfo, introspection).
// spec/README.md allows node-local caches that are bounded, short-lived and
// invalidated across nodes; entries live at most TTL (3 s by default), and a
// token never outlives its own ExpiresAt.
//
// Writes made through this Store (or inside its InTx) drop the entries they
// affect at once, so a node never serves its own stale data: a secret
// deleted, a role changed or a token revoked through this node's services
// takes effect on this node's next request. Errors are never cached: an
// unknown client, a revoked token or a store outage is always asked again.
//
// Across nodes, a Store connected to a Bus (Connect; PostgreSQL's
// LISTEN/NOTIFY in internal/store/postgres) publishes what each write
// dropped once the write has committed, and drops what the other nodes
// publish as it arrives: a token revoked, a user suspended or a client
// changed through another node stops being served here within milliseconds.
// While the Bus is not listening (before it first connects, or after its
// connection is lost, until it listens again) the cache is bypassed and
// every read goes to the database, so a missed notice can never leave a
// stale entry in use; the TTL bounds what a crash between a commit and its
// notice could leave. A Store without a Bus (SQLite: one process on one
// file) has no other node to hear from.
//
// Tokens: only access tokens are cached (refresh tokens are read once per
// rotation and their ConsumedAt must be fresh for reuse detection). Every
// store method that changes or removes token rows drops the affected
// entries, by hash where the method names one and the whole token map where
// it names a grant, session, user or client (see tokens.go).
package cache

import (
	"bytes"
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// DefaultTTL bounds how stale a cached entry may be.
const DefaultTTL = 3 * time.Second

// maxEntries bounds each map; when full it is emptied (clients are few;
// this only stops a flood of distinct IDs from growing memory).
const maxEntries = 10000

// Store is a store.Store whose hot reads are cached. Values handed out
// share their slices with the cache unless documented otherwise: callers
// must not modify them.
type Store struct {
	store.Store
	apps       ttlCache[*store.Application]
	secrets    ttlCache[[]store.ApplicationSecret]
	resources  ttlCache[*store.Resource]
	scopes     ttlCache[[]string] // app or user × resource
	userScopes ttlCache[[]string]
	users      ttlCache[*store.User]
	tokens     ttlCache[*store.Token] // access tokens by hash (raw bytes as a string)

	// bypass is set while the cache must not be trusted (a Bus that is not
	// listening): every read goes to the database and nothing is stored.
	bypass atomic.Bool
	// bus, when set (Connect), carries invalidations to the other nodes.
	bus *busState
}

// New wraps st; ttl <= 0 means DefaultTTL. now may be nil (time.Now).
func New(st store.Store, ttl time.Duration, now func() time.Time) *Store {
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	if now == nil {
		now = time.Now
	}
	c := &Store{Store: st}
	c.apps.init(ttl, now, &c.bypass)
	c.secrets.init(ttl, now, &c.bypass)
	c.resources.init(ttl, now, &c.bypass)
	c.scopes.init(ttl, now, &c.bypass)
	c.userScopes.init(ttl, now, &c.bypass)
	c.users.init(ttl, now, &c.bypass)
	c.tokens.init(ttl, now, &c.bypass)
	return c
}

// Reads.

func (c *Store) GetApplication(ctx context.Context, id string) (*store.Application, error) {
	app, err := c.apps.get(id, func() (*store.Application, error) { return c.Store.GetApplication(ctx, id) })
	if err != nil {
		return nil, err
	}
	cp := *app // callers get their own copy of the struct
	return &cp, nil
}

func (c *Store) ListApplicationSecrets(ctx context.Context, appID string) ([]store.ApplicationSecret, error) {
	return c.secrets.get(appID, func() ([]store.ApplicationSecret, error) { return c.Store.ListApplicationSecrets(ctx, appID) })
}

func (c *Store) GetResourceByIndicator(ctx context.Context, indicator string) (*store.Resource, error) {
	r, err := c.resources.get(indicator, func() (*store.Resource, error) { return c.Store.GetResourceByIndicator(ctx, indicator) })
	if err != nil {
		return nil, err
	}
	cp := *r
	return &cp, nil
}

func (c *Store) ApplicationResourceScopes(ctx context.Context, appID, resourceID string) ([]string, error) {
	return c.scopes.get(appID+"\x00"+resourceID, func() ([]string, error) {
		return c.Store.ApplicationResourceScopes(ctx, appID, resourceID)
	})
}

func (c *Store) UserResourceScopes(ctx context.Context, userID, resourceID string) ([]string, error) {
	return c.userScopes.get(userID+"\x00"+resourceID, func() ([]string, error) {
		return c.Store.UserResourceScopes(ctx, userID, resourceID)
	})
}

// GetUser is cached by ID; lookups by username, email, phone or identity
// (sign-in) always go to the database.
func (c *Store) GetUser(ctx context.Context, id string) (*store.User, error) {
	u, err := c.users.get(id, func() (*store.User, error) { return c.Store.GetUser(ctx, id) })
	if err != nil {
		return nil, err
	}
	cp := *u // callers get their own copy of the struct and its JSON
	cp.Profile = bytes.Clone(u.Profile)
	cp.CustomData = bytes.Clone(u.CustomData)
	cp.Identities = bytes.Clone(u.Identities)
	return &cp, nil
}

// InTx runs fn on a transaction whose writes are tracked; the entries they
// touch are dropped when fn has run (committed or not) and, once the
// transaction has ended, published to the other nodes. Reads inside the
// transaction go to the database, never to the cache.
func (c *Store) InTx(ctx context.Context, fn func(tx store.Store) error) error {
	var inv invalidations
	err := c.Store.InTx(ctx, func(tx store.Store) error {
		return fn(&txStore{Store: tx, inv: &inv})
	})
	c.apply(&inv)
	c.publish(ctx, &inv, err)
	return err
}

// invalidations records which entries a transaction's writes affect.
type invalidations struct {
	mu                                     sync.Mutex
	apps, secrets, users                   []string
	allResources, allScopes, allUserScopes bool
	// tokens are access-token hashes (raw bytes as strings).
	tokens    []string
	allTokens bool
	// Whole maps named by another node (a payload too long for its keys).
	allApps, allSecrets, allUsers bool
}

func (inv *invalidations) empty() bool {
	return len(inv.apps) == 0 && len(inv.secrets) == 0 && len(inv.users) == 0 && len(inv.tokens) == 0 &&
		!inv.allResources && !inv.allScopes && !inv.allUserScopes && !inv.allTokens &&
		!inv.allApps && !inv.allSecrets && !inv.allUsers
}

func (c *Store) apply(inv *invalidations) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if inv.allApps {
		c.apps.clear()
	}
	if inv.allApps || inv.allSecrets {
		c.secrets.clear()
	}
	for _, id := range inv.apps {
		c.apps.del(id)
		c.secrets.del(id)
	}
	for _, id := range inv.secrets {
		c.secrets.del(id)
	}
	if inv.allResources {
		c.resources.clear()
	}
	if inv.allScopes || inv.allApps || len(inv.apps) > 0 {
		c.scopes.clear()
	}
	if inv.allUserScopes {
		c.userScopes.clear()
	}
	if inv.allUsers {
		c.users.clear()
	}
	for _, id := range inv.users {
		c.users.del(id)
	}
	if inv.allTokens {
		c.tokens.clear()
	} else {
		for _, h := range inv.tokens {
			c.tokens.del(h)
		}
	}
}

// clearAll empties every map.
func (c *Store) clearAll() {
	c.apps.clear()
	c.secrets.clear()
	c.resources.clear()
	c.scopes.clear()
	c.userScopes.clear()
	c.users.clear()
	c.tokens.clear()
}

// ttlCache is a map whose entries expire.
type ttlCache[V any] struct {
	ttl time.Duration
	now func() time.Time
	// bypass, when set, sends every get to load and stores nothing.
	bypass *atomic.Bool
	mu     sync.RWMutex
	m      map[string]ttlEntry[V]
	// gen counts del and clear calls: a load that overlapped one may have
	// read the row before the write, so its result is not stored.
	gen uint64
}

type ttlEntry[V any] struct {
	v       V
	expires time.Time
}

func (c *ttlCache[V]) init(ttl time.Duration, now func() time.Time, bypass *atomic.Bool) {
	c.ttl, c.now, c.bypass = ttl, now, bypass
}

func (c *ttlCache[V]) get(key string, load func() (V, error)) (V, error) {
	return c.getBounded(key, nil, load, nil)
}

// getBounded is get with two optional hooks: valid decides whether a cached
// value may still be served; limit says whether a loaded value may be
// stored and the latest time it may be served (zero: the TTL alone).
func (c *ttlCache[V]) getBounded(key string, valid func(V) bool, load func() (V, error),
	limit func(V) (until time.Time, ok bool)) (V, error) {
	if c.bypassed() {
		return load()
	}
	now := c.now()
	c.mu.RLock()
	e, ok := c.m[key]
	gen := c.gen
	c.mu.RUnlock()
	if ok && now.Before(e.expires) && (valid == nil || valid(e.v)) {
		return e.v, nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	expires := now.Add(c.ttl)
	if limit != nil {
		until, ok := limit(v)
		if !ok {
			return v, nil
		}
		if !until.IsZero() && until.Before(expires) {
			expires = until
		}
	}
	c.mu.Lock()
	// Nothing is stored while the cache is bypassed, nor when a del or
	// clear overlapped the load.
	if c.gen == gen && !c.bypassed() {
		if c.m == nil || len(c.m) >= maxEntries {
			c.m = make(map[string]ttlEntry[V])
		}
		c.m[key] = ttlEntry[V]{v: v, expires: expires}
	}
	c.mu.Unlock()
	return v, nil
}

func (c *ttlCache[V]) bypassed() bool { return c.bypass != nil && c.bypass.Load() }

func (c *ttlCache[V]) del(key string) {
	c.mu.Lock()
	delete(c.m, key)
	c.gen++
	c.mu.Unlock()
}

func (c *ttlCache[V]) clear() {
	c.mu.Lock()
	c.m = nil
	c.gen++
	c.mu.Unlock()
}

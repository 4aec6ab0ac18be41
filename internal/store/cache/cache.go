// Package cache is a node-local read cache in front of a store.Store for
// the reads of the OP's hot paths: a client, its secrets, an API resource by
// indicator, an app's or user's resource scopes, a user by ID (userinfo). spec/README.md allows
// node-local caches that are bounded and short-lived; entries live TTL
// (3 s by default), so a change made through another node is seen within
// that time everywhere: a user suspended or edited through another node
// may still be served (userinfo, token checks) for up to TTL here, like
// every other cached aggregate. Tokens are never cached: a revocation takes
// effect at once on every node.
//
// Writes made through this Store (or inside its InTx) drop the entries they
// affect at once, so a node never serves its own stale data: a secret
// deleted or a role changed through this node's services takes effect on
// this node's next request. Errors are never cached: an unknown client or a
// store outage is always asked again.
package cache

import (
	"bytes"
	"context"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// DefaultTTL bounds how stale a cached entry may be.
const DefaultTTL = 3 * time.Second

// maxEntries bounds each map; when full it is emptied (clients are few;
// this only stops a flood of distinct IDs from growing memory).
const maxEntries = 10000

// Store is a store.Store whose hot reads are cached. Values handed out
// share their slices with the cache: callers must not modify them.
type Store struct {
	store.Store
	apps       ttlCache[*store.Application]
	secrets    ttlCache[[]store.ApplicationSecret]
	resources  ttlCache[*store.Resource]
	scopes     ttlCache[[]string] // app or user × resource
	userScopes ttlCache[[]string]
	users      ttlCache[*store.User]
}

// New wraps st; ttl <= 0 means DefaultTTL. now may be nil (time.Now).
func New(st store.Store, ttl time.Duration, now func() time.Time) *Store {
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	if now == nil {
		now = time.Now
	}
	return &Store{Store: st,
		apps:       ttlCache[*store.Application]{ttl: ttl, now: now},
		secrets:    ttlCache[[]store.ApplicationSecret]{ttl: ttl, now: now},
		resources:  ttlCache[*store.Resource]{ttl: ttl, now: now},
		scopes:     ttlCache[[]string]{ttl: ttl, now: now},
		userScopes: ttlCache[[]string]{ttl: ttl, now: now},
		users:      ttlCache[*store.User]{ttl: ttl, now: now},
	}
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
// touch are dropped when fn has run (committed or not). Reads inside the
// transaction go to the database, never to the cache.
func (c *Store) InTx(ctx context.Context, fn func(tx store.Store) error) error {
	var inv invalidations
	err := c.Store.InTx(ctx, func(tx store.Store) error {
		return fn(&txStore{Store: tx, inv: &inv})
	})
	c.apply(&inv)
	return err
}

// invalidations records which entries a transaction's writes affect.
type invalidations struct {
	mu                                     sync.Mutex
	apps, secrets, users                   []string
	allResources, allScopes, allUserScopes bool
}

func (c *Store) apply(inv *invalidations) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
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
	if inv.allScopes || len(inv.apps) > 0 {
		c.scopes.clear()
	}
	if inv.allUserScopes {
		c.userScopes.clear()
	}
	for _, id := range inv.users {
		c.users.del(id)
	}
}

// ttlCache is a map whose entries expire.
type ttlCache[V any] struct {
	ttl time.Duration
	now func() time.Time
	mu  sync.RWMutex
	m   map[string]ttlEntry[V]
	// gen counts del and clear calls: a load that overlapped one may have
	// read the row before the write, so its result is not stored.
	gen uint64
}

type ttlEntry[V any] struct {
	v       V
	expires time.Time
}

func (c *ttlCache[V]) get(key string, load func() (V, error)) (V, error) {
	now := c.now()
	c.mu.RLock()
	e, ok := c.m[key]
	gen := c.gen
	c.mu.RUnlock()
	if ok && now.Before(e.expires) {
		return e.v, nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if c.gen == gen {
		if c.m == nil || len(c.m) >= maxEntries {
			c.m = make(map[string]ttlEntry[V])
		}
		c.m[key] = ttlEntry[V]{v: v, expires: now.Add(c.ttl)}
	}
	c.mu.Unlock()
	return v, nil
}

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

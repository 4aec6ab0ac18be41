package oidc

import (
	"context"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// DefaultCacheTTL bounds how stale a cached client, secret list, API
// resource or M2M scope list may be. spec/README.md allows node-local
// caches that are "bounded, short-lived": a secret deleted through the
// Management API stops working on every node within this time.
const DefaultCacheTTL = 3 * time.Second

// maxCacheEntries bounds each cache; when full it is emptied (clients are
// few; this only stops a flood of distinct IDs from growing memory).
const maxCacheEntries = 10000

// cachedStore serves the reads of the token hot path (client lookup, its
// secrets, resource by indicator, an app's resource scopes) from memory for
// a few seconds. Without it a client_credentials request is four SQL
// queries; with it, none. Errors are never cached, so an unknown client or a
// store outage is always asked again. Writes and transactions go straight
// to the store.
type cachedStore struct {
	store.Store
	apps      ttlCache[*store.Application]
	secrets   ttlCache[[]store.ApplicationSecret]
	resources ttlCache[*store.Resource]
	scopes    ttlCache[[]string]
}

func newCachedStore(st store.Store, ttl time.Duration, now func() time.Time) *cachedStore {
	return &cachedStore{Store: st,
		apps:      ttlCache[*store.Application]{ttl: ttl, now: now},
		secrets:   ttlCache[[]store.ApplicationSecret]{ttl: ttl, now: now},
		resources: ttlCache[*store.Resource]{ttl: ttl, now: now},
		scopes:    ttlCache[[]string]{ttl: ttl, now: now},
	}
}

func (c *cachedStore) GetApplication(ctx context.Context, id string) (*store.Application, error) {
	app, err := c.apps.get(id, func() (*store.Application, error) { return c.Store.GetApplication(ctx, id) })
	if err != nil {
		return nil, err
	}
	cp := *app // callers get their own copy of the struct
	return &cp, nil
}

func (c *cachedStore) ListApplicationSecrets(ctx context.Context, appID string) ([]store.ApplicationSecret, error) {
	return c.secrets.get(appID, func() ([]store.ApplicationSecret, error) { return c.Store.ListApplicationSecrets(ctx, appID) })
}

func (c *cachedStore) GetResourceByIndicator(ctx context.Context, indicator string) (*store.Resource, error) {
	r, err := c.resources.get(indicator, func() (*store.Resource, error) { return c.Store.GetResourceByIndicator(ctx, indicator) })
	if err != nil {
		return nil, err
	}
	cp := *r
	return &cp, nil
}

func (c *cachedStore) ApplicationResourceScopes(ctx context.Context, appID, resourceID string) ([]string, error) {
	return c.scopes.get(appID+"\x00"+resourceID, func() ([]string, error) {
		return c.Store.ApplicationResourceScopes(ctx, appID, resourceID)
	})
}

// ttlCache is a map whose entries expire.
type ttlCache[V any] struct {
	ttl time.Duration
	now func() time.Time
	mu  sync.RWMutex
	m   map[string]ttlEntry[V]
}

type ttlEntry[V any] struct {
	v       V
	expires time.Time
}

func (c *ttlCache[V]) get(key string, load func() (V, error)) (V, error) {
	now := c.now()
	c.mu.RLock()
	e, ok := c.m[key]
	c.mu.RUnlock()
	if ok && now.Before(e.expires) {
		return e.v, nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCacheEntries {
		c.m = make(map[string]ttlEntry[V])
	}
	c.m[key] = ttlEntry[V]{v: v, expires: now.Add(c.ttl)}
	c.mu.Unlock()
	return v, nil
}

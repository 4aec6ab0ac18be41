package cache

import (
	"context"
	"crypto/sha256"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// fakeNet joins fake buses as PostgreSQL joins listeners: a payload
// published by any goes to every one that is listening right then; one
// that is not misses it.
type fakeNet struct {
	mu        sync.Mutex
	buses     []*fakeBus
	published []string
}

type fakeBus struct {
	net        *fakeNet
	ready      chan struct{} // closed once Listen has been called
	invalidate func(string)
	listening  func(bool)
	up         bool
	closed     bool
}

func (n *fakeNet) bus() *fakeBus {
	b := &fakeBus{net: n, ready: make(chan struct{})}
	n.mu.Lock()
	n.buses = append(n.buses, b)
	n.mu.Unlock()
	return b
}

func (b *fakeBus) Publish(_ context.Context, payload string) error {
	b.net.mu.Lock()
	defer b.net.mu.Unlock()
	b.net.published = append(b.net.published, payload)
	for _, o := range b.net.buses {
		if o.up {
			o.invalidate(payload)
		}
	}
	return nil
}

func (b *fakeBus) Listen(ctx context.Context, invalidate func(string), listening func(bool)) {
	b.net.mu.Lock()
	b.invalidate, b.listening = invalidate, listening
	b.net.mu.Unlock()
	close(b.ready)
	<-ctx.Done()
}

func (b *fakeBus) Close() error {
	b.closed = true
	return nil
}

// setUp plays the listener connecting (true) or losing its connection.
func (b *fakeBus) setUp(ok bool) {
	<-b.ready
	b.net.mu.Lock()
	b.up = ok
	b.net.mu.Unlock()
	b.listening(ok)
}

func (n *fakeNet) take() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	p := n.published
	n.published = nil
	return p
}

// TestBus: two nodes (caches on one database) joined by a bus see each
// other's writes at once; a node whose bus is not listening bypasses its
// cache; each write is published once, after it has run.
func TestBus(t *testing.T) {
	f := newTokenFixture(t, time.Minute)
	ctx := f.ctx
	nodeA := f.c
	nodeB := New(f.raw, time.Minute, func() time.Time { return f.now })
	var net fakeNet
	busA, busB := net.bus(), net.bus()
	nodeA.Connect(busA, nil)
	nodeB.Connect(busB, nil)
	t.Cleanup(func() {
		nodeA.Disconnect()
		nodeB.Disconnect()
	})
	getB := func(h []byte) *store.Token {
		t.Helper()
		tok, err := nodeB.GetToken(ctx, h, f.now)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		f.must(err)
		return tok
	}
	marker := f.now.Add(7 * time.Hour)
	cachedOnB := func(h []byte) bool {
		t.Helper()
		getB(h)
		f.must(f.raw.ExtendToken(ctx, h, marker)) // behind both caches
		tok := getB(h)
		return tok != nil && !tok.ExpiresAt.Equal(marker)
	}

	// Before its bus listens, a node does not trust its cache.
	h := f.token(store.TokenAccess, time.Hour)
	if cachedOnB(h) {
		t.Fatal("node B served from its cache before its bus was listening")
	}
	busA.setUp(true)
	busB.setUp(true)
	h = f.token(store.TokenAccess, time.Hour)
	if !cachedOnB(h) {
		t.Fatal("node B does not cache once its bus listens")
	}

	// A revocation through A is seen on B at once, and published once.
	net.take()
	f.must(nodeA.DeleteToken(ctx, h))
	if getB(h) != nil {
		t.Fatal("node B serves a token revoked through node A")
	}
	if p := net.take(); len(p) != 1 || !strings.HasPrefix(p[0], "token ") {
		t.Fatalf("published %q, want one token payload", p)
	}

	// A suspension through A: B's user entry and tokens go.
	h = f.token(store.TokenAccess, time.Hour)
	if !cachedOnB(h) {
		t.Fatal("not cached")
	}
	if u, err := nodeB.GetUser(ctx, "u"); err != nil || u.IsSuspended {
		t.Fatal(u, err)
	}
	_, err := nodeA.UpdateUser(ctx, "u", func(u *store.User) error { u.IsSuspended = true; return nil })
	f.must(err)
	if u, err := nodeB.GetUser(ctx, "u"); err != nil || !u.IsSuspended {
		t.Fatalf("node B does not see the suspension made through node A: %+v %v", u, err)
	}
	if tok := getB(h); tok == nil || !tok.ExpiresAt.Equal(marker) {
		t.Fatal("node B kept its tokens after a suspension through node A")
	}

	// A client change through A.
	if a, err := nodeB.GetApplication(ctx, "a"); err != nil || a.Name != "A" {
		t.Fatal(a, err)
	}
	_, err = nodeA.UpdateApplication(ctx, "a", func(a *store.Application) error { a.Name = "B"; return nil })
	f.must(err)
	if a, _ := nodeB.GetApplication(ctx, "a"); a.Name != "B" {
		t.Fatal("node B does not see a client change made through node A")
	}

	// A transaction publishes once, everything it dropped, after it ends;
	// a write that changed nothing is not published.
	net.take()
	h1, h2 := f.token(store.TokenAccess, time.Hour), f.token(store.TokenAccess, time.Hour)
	f.must(nodeA.InTx(ctx, func(tx store.Store) error {
		if err := tx.DeleteToken(ctx, h1); err != nil {
			return err
		}
		if len(net.published) != 0 {
			t.Error("published inside the transaction")
		}
		_, err := tx.UpdateUser(ctx, "u", func(u *store.User) error { u.Name = "x"; return nil })
		return errors.Join(err, tx.ExtendToken(ctx, h2, marker))
	}))
	p := net.take()
	if len(p) != 1 {
		t.Fatalf("a transaction published %d payloads, want 1: %q", len(p), p)
	}
	var inv invalidations
	if !inv.decode(p[0]) || !slices.Contains(inv.tokens, string(h1)) || !slices.Contains(inv.tokens, string(h2)) ||
		!slices.Contains(inv.users, "u") {
		t.Fatalf("payload %q", p[0])
	}
	if err := nodeA.DeleteToken(ctx, h1); !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	if _, err := nodeA.DeleteGrantTokens(ctx, "none"); err != nil {
		t.Fatal(err)
	}
	if p := net.take(); len(p) != 0 {
		t.Fatalf("writes that changed nothing published %q", p)
	}

	// B loses its listener: a notice it misses must not leave a stale
	// entry in use, so it bypasses its cache until it listens again, then
	// empties it once more.
	h = f.token(store.TokenAccess, time.Hour)
	if !cachedOnB(h) {
		t.Fatal("not cached")
	}
	busB.setUp(false)
	f.must(nodeA.DeleteToken(ctx, h)) // B misses this notice
	if getB(h) != nil {
		t.Fatal("node B served a token revoked while its listener was down")
	}
	h = f.token(store.TokenAccess, time.Hour)
	if cachedOnB(h) {
		t.Fatal("node B cached while its listener was down")
	}
	busB.setUp(true)
	if !cachedOnB(f.token(store.TokenAccess, time.Hour)) {
		t.Fatal("node B does not cache again once it listens again")
	}

	// Close stops the listener and closes the bus.
	f.must(nodeB.Disconnect())
	if !busB.closed {
		t.Fatal("bus not closed")
	}
}

// TestPayload: payloads round-trip; a long one names kinds instead of
// keys; one that cannot be read drops everything.
func TestPayload(t *testing.T) {
	h := sha256.Sum256([]byte("t"))
	in := invalidations{apps: []string{"a1"}, secrets: []string{"a2"}, users: []string{"u1", "u2"},
		tokens: []string{string(h[:])}, allScopes: true, allUserScopes: true}
	p := in.encode()
	var out invalidations
	if !out.decode(p) || !slices.Equal(out.apps, in.apps) || !slices.Equal(out.secrets, in.secrets) ||
		!slices.Equal(out.users, in.users) || !slices.Equal(out.tokens, in.tokens) ||
		!out.allScopes || !out.allUserScopes || out.allResources || out.allTokens {
		t.Fatalf("round trip of %q: %+v", p, &out)
	}
	if (&invalidations{}).encode() != "" {
		t.Fatal("empty invalidations encode to a payload")
	}

	var many invalidations
	for i := range 500 {
		s := sha256.Sum256([]byte{byte(i), byte(i >> 8)})
		many.tokens = append(many.tokens, string(s[:]))
	}
	many.users = []string{"u"}
	p = many.encode()
	out = invalidations{}
	if len(p) > maxPayload || !out.decode(p) || !out.allTokens || !out.allUsers || len(out.tokens) != 0 {
		t.Fatalf("long payload (%d bytes) %q: %+v", len(p), p, &out)
	}

	// An unknown kind empties the whole cache.
	f := newTokenFixture(t, time.Minute)
	tok := f.token(store.TokenAccess, time.Hour)
	f.get(tok)
	f.must(f.raw.DeleteToken(f.ctx, tok))
	f.c.receive("user u\nsomething-new x")
	if f.get(tok) != nil {
		t.Fatal("an unreadable payload left the cache in use")
	}
}

package signing

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// KeyStore is the part of the store the manager uses.
type KeyStore interface {
	ListSigningKeys(ctx context.Context) ([]store.SigningKey, error)
	CreateSigningKey(ctx context.Context, k *store.SigningKey) error
	SetSigningKeyStatus(ctx context.Context, id, status string) error
	DeleteSigningKey(ctx context.Context, id string) error
}

// txKeyStore is a KeyStore with transactions, as every store.Store is; its
// SQL backends also hold at most one Current and one Next key per
// algorithm (ErrConflict otherwise). The manager creates and rotates keys
// in one transaction when the store offers them, and key by key otherwise
// (in-memory test stores).
type txKeyStore interface {
	InTx(ctx context.Context, fn func(tx store.Store) error) error
}

// inTx runs fn in one transaction of the store if it has them.
func (m *Manager) inTx(ctx context.Context, fn func(ks KeyStore) error) error {
	if ts, ok := m.store.(txKeyStore); ok {
		return ts.InTx(ctx, func(tx store.Store) error { return fn(tx) })
	}
	return fn(m.store)
}

// firstStartAttempts bounds EnsureKeys' create-or-load loop: every lost
// race means another node created keys, so two attempts normally suffice.
const firstStartAttempts = 5

// Manager holds the loaded keys. Sign, Verify and JWKS read an immutable
// snapshot through an atomic pointer, so the request path takes no lock;
// EnsureKeys, Reload and Rotate build a new snapshot and swap it in.
type Manager struct {
	store KeyStore
	seal  *sealer
	now   func() time.Time

	mu  sync.Mutex // serialises snapshot rebuilds
	set atomic.Pointer[keySet]
}

// keySet is one immutable snapshot of the keys.
type keySet struct {
	keys    []*key          // JWKS order: Current, Next, Previous; newest first within each
	current map[string]*key // alg → the key that signs
	byKid   map[string]*key
	jwks    []byte
	version string // kid:status list, to skip rebuilding when nothing changed
}

// NewManager returns a manager over st that seals private keys with the
// 32-byte secretKey (GATEHOUSE_SECRET_KEY). now may be nil (time.Now).
// Call EnsureKeys (first start) or Reload before signing.
func NewManager(st KeyStore, secretKey []byte, now func() time.Time) (*Manager, error) {
	s, err := newSealer(secretKey)
	if err != nil {
		return nil, err
	}
	if now == nil {
		now = time.Now
	}
	return &Manager{store: st, seal: s, now: now}, nil
}

// EnsureKeys loads the keys and creates whatever is missing: a Current
// ES256 key, a Current RS256 key, and a Next ES256 key published ahead of
// its use (see RotateAlg). On a normal start it only loads.
//
// Several nodes may start at once on an empty database. The missing keys
// are created in one transaction, and the store holds at most one Current
// and one Next key per algorithm: the first node's transaction wins, the
// others' fail with ErrConflict and roll back whole, and those nodes load
// the winner's keys. So every node publishes and signs with the same keys
// from its first request, instead of each its own until a reload.
func (m *Manager) EnsureKeys(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	recs, err := m.store.ListSigningKeys(ctx)
	if err != nil {
		return fmt.Errorf("signing: list keys: %w", err)
	}
	for attempt := 1; ; attempt++ {
		missing, err := m.missingKeys(recs)
		if err != nil {
			return err
		}
		if len(missing) == 0 {
			return m.install(recs)
		}
		// Keys were generated above, outside the transaction (an RSA key
		// takes a while); the same order on every node keeps concurrent
		// transactions from deadlocking on PostgreSQL.
		err = m.inTx(ctx, func(ks KeyStore) error {
			for _, rec := range missing {
				if err := ks.CreateSigningKey(ctx, rec); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil && (!errors.Is(err, store.ErrConflict) || attempt == firstStartAttempts) {
			return fmt.Errorf("signing: create keys: %w", err)
		}
		// Created, or another node won: either way the store has a full
		// set now, which the next turn loads.
		if recs, err = m.store.ListSigningKeys(ctx); err != nil {
			return fmt.Errorf("signing: list keys: %w", err)
		}
	}
}

// missingKeys generates the keys of the first-start set that recs lacks.
func (m *Manager) missingKeys(recs []store.SigningKey) ([]*store.SigningKey, error) {
	var out []*store.SigningKey
	for _, want := range []struct{ alg, status string }{
		{ES256, store.KeyCurrent}, {RS256, store.KeyCurrent}, {ES256, store.KeyNext},
	} {
		if hasStatus(recs, want.alg, want.status) {
			continue
		}
		rec, err := generate(m.seal, want.alg, want.status, m.now())
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	return out, nil
}

func hasStatus(recs []store.SigningKey, alg, status string) bool {
	for _, r := range recs {
		if r.Alg == alg && r.Status == status {
			return true
		}
	}
	return false
}

// Reload re-reads the keys from the store, so that a rotation done by
// another node reaches this one. Keys already loaded are not decrypted
// again; an unchanged key list costs one query.
func (m *Manager) Reload(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	recs, err := m.store.ListSigningKeys(ctx)
	if err != nil {
		return fmt.Errorf("signing: list keys: %w", err)
	}
	return m.install(recs)
}

// Watch calls Reload every interval until ctx ends, reporting failures to
// onError (which may be nil). It is how a node notices rotations made
// elsewhere when no change notification is available.
func (m *Manager) Watch(ctx context.Context, interval time.Duration, onError func(error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := m.Reload(ctx); err != nil && onError != nil && ctx.Err() == nil {
				onError(err)
			}
		}
	}
}

// Rotate rotates the default (ES256) key.
func (m *Manager) Rotate(ctx context.Context) error { return m.RotateAlg(ctx, ES256) }

// RotateAlg switches signing for alg to a new key, as Logto's statuses
// intend: the Next key, which every node has published in its JWKS since
// it was made, becomes Current and signs at once; the old Current becomes
// Previous (still published, so tokens it signed keep verifying until they
// expire); any older Previous key is dropped (Logto keeps at most one); and
// a fresh Next key is published for the next rotation. Because the new
// signing key was published long before, a relying party that fetches the
// JWKS from any node — even one that has not reloaded yet — can verify
// tokens signed with it. Other nodes switch to it when they next reload
// (Watch). Without a Next key (RS256, or a store from before Next keys) a
// new Current key is made directly.
//
// All of it is one transaction, so no node ever loads a half-done
// rotation; the old Current is demoted before the new one is promoted, as
// the store allows one Current key per algorithm at any time. Two
// rotations at once cannot both apply: the later fails and changes
// nothing.
func (m *Manager) RotateAlg(ctx context.Context, alg string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	recs, err := m.store.ListSigningKeys(ctx)
	if err != nil {
		return fmt.Errorf("signing: list keys: %w", err)
	}
	// Generate before the transaction (an RSA key takes a while): a new
	// Current key only if there is no Next key to promote.
	var fresh, nextRec *store.SigningKey
	if newestNext(recs, alg) == nil {
		if fresh, err = generate(m.seal, alg, store.KeyCurrent, m.now()); err != nil {
			return err
		}
	}
	if alg == ES256 {
		if nextRec, err = generate(m.seal, alg, store.KeyNext, m.now()); err != nil {
			return err
		}
	}
	err = m.inTx(ctx, func(ks KeyStore) error {
		recs, err := ks.ListSigningKeys(ctx)
		if err != nil {
			return err
		}
		next := newestNext(recs, alg)
		for _, r := range recs {
			if r.Alg != alg || (next != nil && r.ID == next.ID) {
				continue
			}
			switch r.Status {
			case store.KeyCurrent:
				err = ks.SetSigningKeyStatus(ctx, r.ID, store.KeyPrevious)
			case store.KeyPrevious, store.KeyNext:
				// Older Next keys (from before the store held one) go
				// with the Previous.
				err = ks.DeleteSigningKey(ctx, r.ID)
			}
			if err != nil {
				return err
			}
		}
		if next != nil {
			if err := ks.SetSigningKeyStatus(ctx, next.ID, store.KeyCurrent); err != nil {
				return err
			}
		} else {
			if fresh == nil { // a Next key vanished since we looked
				if fresh, err = generate(m.seal, alg, store.KeyCurrent, m.now()); err != nil {
					return err
				}
			}
			if err := ks.CreateSigningKey(ctx, fresh); err != nil {
				return err
			}
		}
		if nextRec != nil {
			return ks.CreateSigningKey(ctx, nextRec)
		}
		return nil
	})
	if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("signing: rotate %s: the keys changed meanwhile (another rotation?); nothing was changed, try again: %w", alg, err)
	}
	if err != nil {
		return fmt.Errorf("signing: rotate %s: %w", alg, err)
	}
	if recs, err = m.store.ListSigningKeys(ctx); err != nil {
		return fmt.Errorf("signing: list keys: %w", err)
	}
	return m.install(recs)
}

// newestNext is alg's Next key in recs (oldest first), or nil.
func newestNext(recs []store.SigningKey, alg string) *store.SigningKey {
	var next *store.SigningKey
	for i := range recs {
		if recs[i].Alg == alg && recs[i].Status == store.KeyNext {
			next = &recs[i]
		}
	}
	return next
}

// install builds a snapshot from recs and swaps it in. Caller holds mu.
func (m *Manager) install(recs []store.SigningKey) error {
	old := m.set.Load()
	version := versionOf(recs)
	if old != nil && old.version == version {
		return nil
	}
	set := &keySet{current: map[string]*key{}, byKid: map[string]*key{}, version: version}
	for i := range recs {
		rec := &recs[i]
		var k *key
		if old != nil && old.byKid[rec.ID] != nil {
			cp := *old.byKid[rec.ID]
			k = &cp
			k.status = rec.Status
		} else {
			var err error
			if k, err = load(m.seal, rec); err != nil {
				return err
			}
		}
		set.keys = append(set.keys, k)
		set.byKid[k.kid] = k
		// recs are oldest first, so a later Current of the same alg wins
		// (the store holds one, but a KeyStore without that rule may not).
		if k.status == store.KeyCurrent {
			set.current[k.alg] = k
		}
	}
	if set.current[ES256] == nil {
		return fmt.Errorf("signing: no current %s key in the store (run EnsureKeys)", ES256)
	}
	sort.SliceStable(set.keys, func(i, j int) bool {
		ri, rj := rank(set, set.keys[i]), rank(set, set.keys[j])
		if ri != rj {
			return ri < rj
		}
		return set.keys[i].createdAt.After(set.keys[j].createdAt)
	})
	set.jwks = encodeJWKS(set.keys)
	m.set.Store(set)
	return nil
}

// rank orders the JWKS: the signing keys (ES256 first), then Next, then
// the rest (Previous, and a Current that lost to a newer one).
func rank(set *keySet, k *key) int {
	switch {
	case set.current[k.alg] == k && k.alg == ES256:
		return 0
	case set.current[k.alg] == k:
		return 1
	case k.status == store.KeyNext:
		return 2
	default:
		return 3
	}
}

func versionOf(recs []store.SigningKey) string {
	var b bytes.Buffer
	for _, r := range recs {
		b.WriteString(r.ID)
		b.WriteByte(':')
		b.WriteString(r.Status)
		b.WriteByte(';')
	}
	return b.String()
}

func encodeJWKS(keys []*key) []byte {
	var b bytes.Buffer
	b.WriteString(`{"keys":[`)
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(k.publicJWK)
	}
	b.WriteString("]}")
	return b.Bytes()
}

// JWKS returns the pre-encoded JWK Set (RFC 7517 §5) of every stored key.
// The slice is shared: callers must not modify it.
func (m *Manager) JWKS() []byte {
	if set := m.set.Load(); set != nil {
		return set.jwks
	}
	return []byte(`{"keys":[]}`)
}

// Algorithms lists the algorithms that have a Current key, ES256 first:
// what discovery advertises in id_token_signing_alg_values_supported.
func (m *Manager) Algorithms() []string {
	set := m.set.Load()
	if set == nil {
		return nil
	}
	var out []string
	for _, alg := range []string{ES256, RS256} {
		if set.current[alg] != nil {
			out = append(out, alg)
		}
	}
	return out
}

// CurrentKeyID returns the kid that signs alg now ("" if none).
func (m *Manager) CurrentKeyID(alg string) string {
	if set := m.set.Load(); set != nil && set.current[alg] != nil {
		return set.current[alg].kid
	}
	return ""
}

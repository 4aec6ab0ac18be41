package signing

import (
	"bytes"
	"context"
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
// ES256 key and a Current RS256 key. On a normal start it only loads.
func (m *Manager) EnsureKeys(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	recs, err := m.store.ListSigningKeys(ctx)
	if err != nil {
		return fmt.Errorf("signing: list keys: %w", err)
	}
	created := false
	for _, alg := range []string{ES256, RS256} {
		if hasCurrent(recs, alg) {
			continue
		}
		rec, err := generate(m.seal, alg, store.KeyCurrent, m.now())
		if err != nil {
			return err
		}
		if err := m.store.CreateSigningKey(ctx, rec); err != nil {
			return fmt.Errorf("signing: create key: %w", err)
		}
		created = true
	}
	if created {
		if recs, err = m.store.ListSigningKeys(ctx); err != nil {
			return fmt.Errorf("signing: list keys: %w", err)
		}
	}
	return m.install(recs)
}

func hasCurrent(recs []store.SigningKey, alg string) bool {
	for _, r := range recs {
		if r.Alg == alg && r.Status == store.KeyCurrent {
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

// RotateAlg adds a new Current key for alg, demotes the old Current to
// Previous (still published, so tokens it signed keep verifying) and drops
// any older Previous key of that alg: Logto keeps at most one Previous.
// The new key is written first: if we stop half-way, the newest Current
// wins (see install) and nothing is lost.
func (m *Manager) RotateAlg(ctx context.Context, alg string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	recs, err := m.store.ListSigningKeys(ctx)
	if err != nil {
		return fmt.Errorf("signing: list keys: %w", err)
	}
	rec, err := generate(m.seal, alg, store.KeyCurrent, m.now())
	if err != nil {
		return err
	}
	if err := m.store.CreateSigningKey(ctx, rec); err != nil {
		return fmt.Errorf("signing: create key: %w", err)
	}
	for _, r := range recs {
		if r.Alg != alg {
			continue
		}
		switch r.Status {
		case store.KeyCurrent:
			err = m.store.SetSigningKeyStatus(ctx, r.ID, store.KeyPrevious)
		case store.KeyPrevious:
			err = m.store.DeleteSigningKey(ctx, r.ID)
		}
		if err != nil {
			return fmt.Errorf("signing: rotate: %w", err)
		}
	}
	if recs, err = m.store.ListSigningKeys(ctx); err != nil {
		return fmt.Errorf("signing: list keys: %w", err)
	}
	return m.install(recs)
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
		// recs are oldest first, so a later Current of the same alg wins:
		// that is what makes a half-done rotation safe.
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

package signing

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/postgres/pgtest"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

// backend opens n stores on one fresh database, as n nodes would: the
// SQLite file opened n times (separate pools, as separate processes), or
// one PostgreSQL test schema (a test schema lives as long as its store, so
// the nodes share it; its pool gives each one its own connection).
type backend struct {
	name string
	open func(t *testing.T, n int) []store.Store
}

func keyBackends(t *testing.T) []backend {
	return []backend{
		{"sqlite", func(t *testing.T, n int) []store.Store {
			path := filepath.Join(t.TempDir(), "keys.db")
			out := make([]store.Store, n)
			for i := range out {
				st, err := sqlite.Open(t.Context(), path)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { st.Close() })
				out[i] = st
			}
			return out
		}},
		{"postgres", func(t *testing.T, n int) []store.Store {
			url := os.Getenv("GATEHOUSE_TEST_POSTGRES_URL")
			if url == "" {
				t.Skip("set GATEHOUSE_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable to run against PostgreSQL")
			}
			st := pgtest.OpenTestSchema(t, url)
			out := make([]store.Store, n)
			for i := range out {
				out[i] = st
			}
			return out
		}},
	}
}

// TestConcurrentFirstStart starts several managers at once on an empty
// database, as replicas of a new deployment do: exactly one key set must
// be created, and every node must publish it and sign with its Current key
// at once — not after a reload interval.
func TestConcurrentFirstStart(t *testing.T) {
	const nodes = 8
	for _, b := range keyBackends(t) {
		t.Run(b.name, func(t *testing.T) {
			for round := range 3 {
				stores := b.open(t, nodes)
				secretKey := secret(t)
				managers := make([]*Manager, nodes)
				errs := make([]error, nodes)
				var ready, wg sync.WaitGroup
				ready.Add(1)
				for i := range nodes {
					m, err := NewManager(stores[i], secretKey, nil)
					if err != nil {
						t.Fatal(err)
					}
					managers[i] = m
					wg.Go(func() {
						ready.Wait()
						errs[i] = m.EnsureKeys(t.Context())
					})
				}
				ready.Done()
				wg.Wait()
				for i, err := range errs {
					if err != nil {
						t.Fatalf("round %d: node %d: EnsureKeys: %v", round, i, err)
					}
				}
				recs, err := stores[0].ListSigningKeys(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				count := map[string]int{}
				for _, r := range recs {
					count[r.Alg+" "+r.Status]++
				}
				if len(recs) != 3 || count["ES256 Current"] != 1 || count["ES256 Next"] != 1 || count["RS256 Current"] != 1 {
					t.Fatalf("round %d: %d keys in the store (%v), want one ES256 Current, one ES256 Next, one RS256 Current", round, len(recs), count)
				}
				for i, m := range managers[1:] {
					if !bytes.Equal(m.JWKS(), managers[0].JWKS()) {
						t.Fatalf("round %d: node %d publishes %s, node 0 %s", round, i+1, m.JWKS(), managers[0].JWKS())
					}
					for _, alg := range []string{ES256, RS256} {
						if m.CurrentKeyID(alg) != managers[0].CurrentKeyID(alg) {
							t.Fatalf("round %d: node %d signs %s with %s, node 0 with %s", round, i+1, alg, m.CurrentKeyID(alg), managers[0].CurrentKeyID(alg))
						}
					}
				}
			}
		})
	}
}

// TestRotationOnStore rotates on the SQL stores, which hold one Current and
// one Next key per algorithm: the rotation must demote before it promotes,
// and rotations started at once on two nodes must leave one valid set
// (the loser of a race fails and changes nothing).
func TestRotationOnStore(t *testing.T) {
	for _, b := range keyBackends(t) {
		t.Run(b.name, func(t *testing.T) {
			stores := b.open(t, 2)
			secretKey := secret(t)
			a, c := newManager(t, stores[0], secretKey), newManager(t, stores[1], secretKey)
			first, next := a.CurrentKeyID(ES256), newestNext(mustList(t, stores[0]), ES256).ID
			if err := a.Rotate(t.Context()); err != nil {
				t.Fatal(err)
			}
			if a.CurrentKeyID(ES256) != next {
				t.Fatalf("rotation signs with %s, want the Next key %s", a.CurrentKeyID(ES256), next)
			}
			rsOld := a.CurrentKeyID(RS256)
			if err := a.RotateAlg(t.Context(), RS256); err != nil {
				t.Fatal(err)
			}
			if a.CurrentKeyID(RS256) == rsOld {
				t.Fatal("RS256 rotation kept the key")
			}
			wantSet(t, stores[0], first)

			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i, m := range []*Manager{a, c} {
				wg.Go(func() { errs[i] = m.Rotate(t.Context()) })
			}
			wg.Wait()
			if errs[0] != nil && errs[1] != nil {
				t.Fatalf("both concurrent rotations failed: %v; %v", errs[0], errs[1])
			}
			wantSet(t, stores[0], "")
			for _, m := range []*Manager{a, c} {
				if err := m.Reload(t.Context()); err != nil {
					t.Fatal(err)
				}
			}
			if !bytes.Equal(a.JWKS(), c.JWKS()) || a.CurrentKeyID(ES256) != c.CurrentKeyID(ES256) {
				t.Fatal("the nodes disagree after concurrent rotations and a reload")
			}
		})
	}
}

func mustList(t *testing.T, st store.Store) []store.SigningKey {
	t.Helper()
	recs, err := st.ListSigningKeys(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// wantSet checks one Current and one Next ES256 key, one Current RS256
// key, at most one Previous per algorithm, and (if previous is set) which
// ES256 key is Previous.
func wantSet(t *testing.T, st store.Store, previous string) {
	t.Helper()
	count := map[string]int{}
	for _, r := range mustList(t, st) {
		count[r.Alg+" "+r.Status]++
		if previous != "" && r.Alg == ES256 && r.Status == store.KeyPrevious && r.ID != previous {
			t.Fatalf("ES256 Previous key %s, want %s", r.ID, previous)
		}
	}
	if count["ES256 Current"] != 1 || count["ES256 Next"] != 1 || count["RS256 Current"] != 1 ||
		count["ES256 Previous"] > 1 || count["RS256 Previous"] > 1 {
		t.Fatalf("keys after rotation: %v", count)
	}
}

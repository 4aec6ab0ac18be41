package sqlite_test

import (
	"database/sql"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
	"github.com/gatehouse/gatehouse/internal/store/sqlstore"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

func open(t testing.TB, path string) store.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		// A missing parent directory is created.
		return open(t, filepath.Join(t.TempDir(), "sub", "gatehouse.db"))
	})
}

func TestStoreInMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return open(t, ":memory:") })
}

// TestMigrate checks that migrations are recorded once and that reopening
// (or calling Migrate again) is a no-op.
func TestMigrate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	s := open(t, path)
	if err := s.(*sqlstore.Store).Migrate(t.Context()); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	s2 := open(t, path)
	if err := s2.CreateUser(t.Context(), &store.User{ID: "u1"}); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n, version int
	if err := db.QueryRow(`SELECT count(*), max(version) FROM schema_migrations`).Scan(&n, &version); err != nil {
		t.Fatal(err)
	}
	files, err := fs.Glob(os.DirFS("."), "migrations/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("embedded migrations: %v", err)
	}
	// Each embedded migration is recorded exactly once, numbered 1..n.
	if n != len(files) || version != len(files) {
		t.Fatalf("schema_migrations has %d rows up to version %d, want %d rows up to %d", n, version, len(files), len(files))
	}
	var journal string
	if err := db.QueryRow(`PRAGMA journal_mode`).Scan(&journal); err != nil {
		t.Fatal(err)
	}
	if journal != "wal" {
		t.Fatalf("journal_mode %q, want wal", journal)
	}
}

// TestTwoProcesses opens the same file twice, as a server and a CLI would,
// and writes from both at once: busy_timeout and BEGIN IMMEDIATE must make
// every write succeed.
func TestTwoProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	stores := []store.Store{open(t, path), open(t, path)}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Go(func() {
			s := stores[w%2]
			for i := range 20 {
				err := s.InTx(t.Context(), func(tx store.Store) error {
					if _, err := tx.CountUsers(t.Context()); err != nil {
						return err
					}
					return tx.CreateUser(t.Context(), &store.User{ID: fmt.Sprintf("w%d-%d", w, i)})
				})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	n, err := stores[0].CountUsers(t.Context())
	if err != nil || n != 160 {
		t.Fatalf("count %d, %v; want 160", n, err)
	}
}

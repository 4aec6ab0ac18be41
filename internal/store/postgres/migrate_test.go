package postgres

import (
	"context"
	"database/sql"
	"io/fs"
	"os"
	"sync"
	"testing"
)

// TestConcurrentMigrate starts several nodes against one empty schema at
// once: each must come up, and each migration must be recorded once.
func TestConcurrentMigrate(t *testing.T) {
	base := os.Getenv("GATEHOUSE_TEST_POSTGRES_URL")
	if base == "" {
		t.Skip("set GATEHOUSE_TEST_POSTGRES_URL=postgres://... to run the PostgreSQL store suite")
	}
	url, drop, err := NewSchema(t.Context(), base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := drop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Go(func() {
			s, err := Open(t.Context(), url)
			if err == nil {
				err = s.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("node %d: %v", i, err)
		}
	}

	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(t.Context(), `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	files, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	// Six racing nodes still record each migration exactly once.
	if n != len(files) {
		t.Fatalf("%d migration rows, want %d", n, len(files))
	}
}

func TestWithSearchPath(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"postgres://u@h:5432/db?sslmode=disable", "postgres://u@h:5432/db?search_path=t_1&sslmode=disable"},
		{"postgresql://u@h/db", "postgresql://u@h/db?search_path=t_1"},
		{"host=h dbname=db", "host=h dbname=db search_path=t_1"},
	} {
		if got := withSearchPath(c.in, "t_1"); got != c.want {
			t.Errorf("withSearchPath(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

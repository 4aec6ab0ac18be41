package sqlstore_test

import (
	"io/fs"
	"slices"
	"testing"

	"github.com/gatehouse/gatehouse/internal/store/postgres"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

// TestMigrationsMatch keeps the dialects' migration files in step: the same
// numbers and names, so a schema version means the same thing on both.
func TestMigrationsMatch(t *testing.T) {
	names := func(fsys fs.FS) []string {
		entries, err := fs.ReadDir(fsys, ".")
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range entries {
			out = append(out, e.Name())
		}
		return out
	}
	lite, pg := names(sqlite.Dialect.Migrations), names(postgres.Dialect.Migrations)
	if len(lite) == 0 || !slices.Equal(lite, pg) {
		t.Fatalf("sqlite migrations %v, postgres migrations %v", lite, pg)
	}
}

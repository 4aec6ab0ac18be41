package postgres

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// OpenTestSchema opens a store in a fresh schema of the database at baseURL
// and drops the schema when the test ends, so tests and test packages
// running in parallel against one database never see each other's rows.
// The schema is selected with the search_path runtime parameter, which every
// pooled connection sends at start-up.
func OpenTestSchema(t testing.TB, baseURL string) store.Store {
	t.Helper()
	s, err := Open(t.Context(), testSchemaURL(t, baseURL))
	if err != nil {
		t.Fatalf("postgres test schema: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// testSchemaURL creates an empty schema t_<random>, arranges for it to be
// dropped at the end of the test, and returns baseURL pointed at it.
func testSchemaURL(t testing.TB, baseURL string) string {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])

	admin, err := sql.Open("pgx", baseURL)
	if err != nil {
		t.Fatalf("postgres test schema: %v", err)
	}
	// schema is generated hex, so it needs no quoting; identifiers cannot be
	// bound as parameters.
	if _, err := admin.ExecContext(t.Context(), "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		t.Fatalf("postgres test schema: create %s: %v", schema, err)
	}
	// Cleanups run last-in first-out, so this runs after the Close that the
	// caller registers next. t.Context is already canceled by then.
	t.Cleanup(func() {
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("postgres test schema: drop %s: %v", schema, err)
		}
	})
	return withSearchPath(baseURL, schema)
}

// withSearchPath adds search_path to a URL or key=value connection string.
func withSearchPath(base, schema string) string {
	if strings.HasPrefix(base, "postgres://") || strings.HasPrefix(base, "postgresql://") {
		if u, err := url.Parse(base); err == nil {
			q := u.Query()
			q.Set("search_path", schema)
			u.RawQuery = q.Encode()
			return u.String()
		}
	}
	return base + " search_path=" + schema
}

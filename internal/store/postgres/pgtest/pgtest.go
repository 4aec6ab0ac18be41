// Package pgtest gives tests a PostgreSQL store of their own: a fresh
// schema, dropped when the test ends. It is apart from package postgres so
// that the server binary does not link the testing package.
package pgtest

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/postgres"
)

// OpenTestSchema opens a store in a fresh schema of the database at baseURL
// and drops the schema when the test ends.
func OpenTestSchema(t testing.TB, baseURL string) store.Store {
	t.Helper()
	s, err := postgres.Open(t.Context(), SchemaURL(t, baseURL))
	if err != nil {
		t.Fatalf("postgres test schema: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// SchemaURL creates an empty schema, arranges for it to be dropped at the
// end of the test, and returns baseURL pointed at it.
func SchemaURL(t testing.TB, baseURL string) string {
	t.Helper()
	u, drop, err := postgres.NewSchema(t.Context(), baseURL)
	if err != nil {
		t.Fatalf("postgres test schema: %v", err)
	}
	// Cleanups run last-in first-out, so this runs after the Close that the
	// caller registers next. t.Context is already canceled by then.
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := drop(ctx); err != nil {
			t.Error(err)
		}
	})
	return u
}

package postgres_test

import (
	"errors"
	"testing"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/postgres"
)

// TestUnreachable needs no database: a refused connection must surface as
// store.ErrUnavailable so readiness checks and handlers answer 503.
func TestUnreachable(t *testing.T) {
	_, err := postgres.Open(t.Context(), "postgres://postgres@127.0.0.1:1/none?sslmode=disable&connect_timeout=2")
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("got %v, want store.ErrUnavailable", err)
	}
}

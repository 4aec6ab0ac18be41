package postgres_test

import (
	"os"
	"testing"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/postgres/pgtest"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

// baseURL returns the test database or skips; CI always sets it.
func baseURL(t *testing.T) string {
	u := os.Getenv("GATEHOUSE_TEST_POSTGRES_URL")
	if u == "" {
		t.Skip("set GATEHOUSE_TEST_POSTGRES_URL=postgres://... to run the PostgreSQL store suite")
	}
	return u
}

func TestStore(t *testing.T) {
	base := baseURL(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		return pgtest.OpenTestSchema(t, base)
	})
}

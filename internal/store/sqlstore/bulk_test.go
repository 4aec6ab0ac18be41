package sqlstore_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/postgres/pgtest"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

func backends(t *testing.T, f func(t *testing.T, st store.Store)) {
	t.Run("sqlite", func(t *testing.T) {
		st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "g.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		f(t, st)
	})
	t.Run("postgres", func(t *testing.T) {
		pg := os.Getenv("GATEHOUSE_TEST_POSTGRES_URL")
		if pg == "" {
			t.Skip("set GATEHOUSE_TEST_POSTGRES_URL to run on PostgreSQL")
		}
		f(t, pgtest.OpenTestSchema(t, pg))
	})
}

func genUsers(from, n int) []store.User {
	users := make([]store.User, n)
	for i := range users {
		k := from + i
		users[i] = store.User{Username: fmt.Sprintf("bulk%d", k), PrimaryEmail: fmt.Sprintf("bulk%d@example.com", k),
			PrimaryPhone: fmt.Sprintf("1555%07d", k), PasswordHash: "x"}
	}
	return users
}

func TestCreateUsers(t *testing.T) {
	backends(t, func(t *testing.T, st store.Store) {
		ctx := t.Context()
		bulk, ok := st.(store.BulkUsers)
		if !ok {
			t.Fatal("the SQL store does not implement store.BulkUsers")
		}
		// 1,234 crosses the 500-row statement boundary twice and ends on a
		// partial statement.
		users := genUsers(0, 1234)
		if err := bulk.CreateUsers(ctx, users); err != nil {
			t.Fatal(err)
		}
		if users[0].ID == "" || users[0].CreatedAt.IsZero() || users[0].UpdatedAt.IsZero() {
			t.Fatalf("IDs and times not filled: %+v", users[0])
		}
		if n, err := st.CountUsers(ctx); err != nil || n != 1234 {
			t.Fatalf("CountUsers = %d, %v", n, err)
		}
		for _, k := range []int{0, 499, 500, 1233} {
			byName, err := st.GetUserByUsername(ctx, fmt.Sprintf("bulk%d", k))
			if err != nil || byName.ID != users[k].ID {
				t.Fatalf("user %d by username: %v", k, err)
			}
			byEmail, err := st.GetUserByEmail(ctx, fmt.Sprintf("BULK%d@example.com", k))
			if err != nil || byEmail.ID != users[k].ID {
				t.Fatalf("user %d by email: %v", k, err)
			}
			byPhone, err := st.GetUserByPhone(ctx, fmt.Sprintf("1555%07d", k))
			if err != nil || byPhone.ID != users[k].ID || byPhone.PasswordHash != "x" {
				t.Fatalf("user %d by phone: %v", k, err)
			}
		}

		// A clash in the second statement of a batch rolls back the whole
		// batch, including the first statement's rows.
		clash := genUsers(5000, 800)
		clash[700].Username = "bulk3"
		if err := bulk.CreateUsers(ctx, clash); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("clashing batch: %v, want ErrConflict", err)
		}
		if n, _ := st.CountUsers(ctx); n != 1234 {
			t.Fatalf("after a failed batch CountUsers = %d, want 1234 (all or nothing)", n)
		}
		if _, err := st.GetUserByUsername(ctx, "bulk5000"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a row of the failed batch is visible: %v", err)
		}
	})
}

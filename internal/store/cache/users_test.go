package cache

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

// TestUsers: GetUser is served from memory until the TTL; every user write
// through the cache (directly or inside InTx) is seen at once; an expired
// entry is read again; errors are not cached.
func TestUsers(t *testing.T) {
	ctx := t.Context()
	raw, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "u.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := New(raw, time.Second, func() time.Time { return now })
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// A miss is not cached, and creating through the cache is seen at once.
	if _, err := c.GetUser(ctx, "u"); err == nil {
		t.Fatal("unknown user found")
	}
	must(c.CreateUser(ctx, &store.User{ID: "u", Username: "alice", Name: "A", CreatedAt: now, UpdatedAt: now}))
	get := func() *store.User {
		t.Helper()
		u, err := c.GetUser(ctx, "u")
		must(err)
		return u
	}
	if get().Name != "A" {
		t.Fatal("created user")
	}
	// Callers own what they get.
	u := get()
	u.Name = "mutated"
	if get().Name != "A" {
		t.Fatal("a caller's change reached the cache")
	}
	update := func(st store.Store, f func(*store.User)) error {
		_, err := st.UpdateUser(ctx, "u", func(u *store.User) error { f(u); return nil })
		return err
	}

	tests := []struct {
		name  string
		write func() error
		check func() bool // true when the cache shows the change
		fresh bool        // whether the change must be seen at once
	}{
		{"update behind the cache stays cached until the TTL",
			func() error { return update(raw, func(u *store.User) { u.Name = "behind" }) },
			func() bool { return get().Name == "behind" }, false},
		{"suspension through the cache",
			func() error { return update(c, func(u *store.User) { u.IsSuspended = true }) },
			func() bool { return get().IsSuspended }, true},
		{"profile update inside a transaction",
			func() error {
				return c.InTx(ctx, func(tx store.Store) error {
					return update(tx, func(u *store.User) { u.Name = "in tx" })
				})
			},
			func() bool { return get().Name == "in tx" }, true},
		{"identity linked through the cache",
			func() error {
				return c.LinkUserIdentity(ctx, &store.UserIdentity{UserID: "u", Target: "github", IdentityID: "gh1", ConnectorID: "c"})
			},
			func() bool { return len(get().Identities) > 2 }, true},
		{"identity unlinked inside a transaction",
			func() error {
				return c.InTx(ctx, func(tx store.Store) error { return tx.UnlinkUserIdentity(ctx, "u", "github") })
			},
			func() bool { return string(get().Identities) == "{}" }, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			must(tc.write())
			if got := tc.check(); got != tc.fresh {
				t.Fatalf("change seen at once = %v, want %v", got, tc.fresh)
			}
			now = now.Add(2 * time.Second) // an expired entry is read again
			if !tc.check() {
				t.Fatal("change not seen after the TTL")
			}
		})
	}

	// Delete through the cache: gone at once.
	must(c.DeleteUser(ctx, "u"))
	if _, err := c.GetUser(ctx, "u"); err == nil {
		t.Fatal("deleted user still served")
	}

	// Bulk creation drops entries of the IDs it writes.
	must(c.CreateUser(ctx, &store.User{ID: "b", Name: "old", CreatedAt: now, UpdatedAt: now}))
	if get := func() string { u, err := c.GetUser(ctx, "b"); must(err); return u.Name }; get() != "old" {
		t.Fatal("b")
	}
	must(raw.DeleteUser(ctx, "b")) // behind the cache: still cached
	if _, err := c.GetUser(ctx, "b"); err != nil {
		t.Fatal("b should still be cached")
	}
	must(c.CreateUsers(ctx, []store.User{{ID: "b", Name: "new", CreatedAt: now, UpdatedAt: now}}))
	if u, err := c.GetUser(ctx, "b"); err != nil || u.Name != "new" {
		t.Fatalf("bulk-created user: %v %v", u, err)
	}
}

// TestLoadOverlappingWrite: a load that read the row before a write through
// the cache is not stored, so the write is seen on the next read.
func TestLoadOverlappingWrite(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := ttlCache[string]{ttl: time.Hour, now: func() time.Time { return now }}
	v, err := c.get("k", func() (string, error) {
		c.del("k") // the write lands while the old value is in flight
		return "old", nil
	})
	if err != nil || v != "old" {
		t.Fatal(v, err)
	}
	v, _ = c.get("k", func() (string, error) { return "new", nil })
	if v != "new" {
		t.Fatalf("stale load was cached: %q", v)
	}
}

package cache

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

// TestCoherence: reads are served from memory until the TTL, but writes
// through the cache (directly or inside InTx) drop what they affect at
// once, so this node never serves its own stale data.
func TestCoherence(t *testing.T) {
	ctx := t.Context()
	raw, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "c.db"))
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
	must(raw.CreateApplication(ctx, &store.Application{ID: "a", Name: "A", Type: store.AppMachineToMachine, CreatedAt: now}))
	must(raw.CreateResource(ctx, &store.Resource{ID: "r", Name: "R", Indicator: "https://api", CreatedAt: now}))
	must(raw.CreateScope(ctx, &store.Scope{ID: "s1", ResourceID: "r", Name: "read", CreatedAt: now}))
	must(raw.CreateScope(ctx, &store.Scope{ID: "s2", ResourceID: "r", Name: "write", CreatedAt: now}))
	must(raw.CreateRole(ctx, &store.Role{ID: "role", Name: "robot", Type: store.RoleMachineToMachine, CreatedAt: now}))
	must(raw.AddRoleScopes(ctx, "role", []string{"s1"}))
	must(raw.AssignApplicationRoles(ctx, "a", []string{"role"}))

	scopes := func() int {
		s, err := c.ApplicationResourceScopes(ctx, "a", "r")
		must(err)
		return len(s)
	}
	name := func() string {
		a, err := c.GetApplication(ctx, "a")
		must(err)
		return a.Name
	}
	secrets := func() int {
		s, err := c.ListApplicationSecrets(ctx, "a")
		must(err)
		return len(s)
	}
	if scopes() != 1 || name() != "A" || secrets() != 0 {
		t.Fatal("first reads")
	}
	tests := []struct {
		name  string
		write func() error // behind the cache's back, or through it
		check func() bool  // true when the cache shows the change
		fresh bool         // whether the change must be seen at once
	}{
		{"write behind the cache stays cached until the TTL",
			func() error { return raw.AddRoleScopes(ctx, "role", []string{"s2"}) }, func() bool { return scopes() == 2 }, false},
		{"role scopes through the cache",
			func() error { return c.RemoveRoleScope(ctx, "role", "s2") }, func() bool { return scopes() == 1 }, true},
		{"application update through the cache",
			func() error {
				_, err := c.UpdateApplication(ctx, "a", func(a *store.Application) error { a.Name = "B"; return nil })
				return err
			}, func() bool { return name() == "B" }, true},
		{"secret added inside a transaction",
			func() error {
				return c.InTx(ctx, func(tx store.Store) error {
					return tx.AddApplicationSecret(ctx, &store.ApplicationSecret{ApplicationID: "a", Name: "s", Hash: make([]byte, 32), CreatedAt: now})
				})
			}, func() bool { return secrets() == 1 }, true},
		{"role unassigned inside a transaction",
			func() error {
				return c.InTx(ctx, func(tx store.Store) error { return tx.UnassignApplicationRole(ctx, "a", "role") })
			}, func() bool { return scopes() == 0 }, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			must(tc.write())
			if got := tc.check(); got != tc.fresh {
				t.Fatalf("change seen at once = %v, want %v", got, tc.fresh)
			}
			now = now.Add(2 * time.Second) // past the TTL everything is fresh
			if !tc.check() {
				t.Fatal("change not seen after the TTL")
			}
		})
	}
	// Errors are not cached.
	if _, err := c.GetApplication(ctx, "nope"); err == nil {
		t.Fatal("unknown app")
	}
	must(raw.CreateApplication(ctx, &store.Application{ID: "nope", Name: "N", Type: store.AppMachineToMachine, CreatedAt: now}))
	if _, err := c.GetApplication(context.Background(), "nope"); err != nil {
		t.Fatalf("a miss was cached: %v", err)
	}
}

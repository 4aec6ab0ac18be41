package storetest

import (
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

var grantTests = []test{
	{"Upsert", testGrantUpsert},
	{"Expiry", testGrantExpiry},
	{"ListDelete", testGrantListDelete},
	{"Errors", testGrantErrors},
}

func testGrantUpsert(t *testing.T, s store.Store) {
	ctx := t.Context()
	app, u := mkApp(t, s, "app1"), mkUser(t, s, "u1")
	first := &store.Grant{ID: "g1", UserID: u.ID, ClientID: app.ID, Scopes: []string{"openid", "profile"},
		ResourceScopes: map[string][]string{"https://api.example": {"read", "write"}},
		CreatedAt:      t0, UpdatedAt: t0, ExpiresAt: at(24 * time.Hour)}
	ok(t, s.UpsertGrant(ctx, first), "create")
	got, err := s.GetGrant(ctx, u.ID, app.ID, t0)
	ok(t, err, "get")
	equal(t, got, first, "round trip")

	// Replacing keeps the existing ID and creation time.
	second := &store.Grant{ID: "ignored", UserID: u.ID, ClientID: app.ID, Scopes: []string{"openid"},
		CreatedAt: at(time.Hour), UpdatedAt: at(time.Hour)}
	ok(t, s.UpsertGrant(ctx, second), "replace")
	if second.ID != "g1" || !second.CreatedAt.Equal(t0) {
		t.Fatalf("replace: ID %q CreatedAt %v, want the existing g1 / %v", second.ID, second.CreatedAt, t0)
	}
	got, err = s.GetGrant(ctx, u.ID, app.ID, at(48*time.Hour))
	ok(t, err, "get replaced (no expiry now)")
	want := &store.Grant{ID: "g1", UserID: u.ID, ClientID: app.ID, Scopes: []string{"openid"}, CreatedAt: t0, UpdatedAt: at(time.Hour)}
	equal(t, got, want, "replaced")

	// A new pair gets its own ID when none is given.
	other := mkApp(t, s, "app2")
	g := &store.Grant{UserID: u.ID, ClientID: other.ID}
	ok(t, s.UpsertGrant(ctx, g), "create without ID")
	if g.ID == "" || g.ID == "g1" || g.CreatedAt.IsZero() {
		t.Fatalf("new grant: ID %q CreatedAt %v", g.ID, g.CreatedAt)
	}
}

func testGrantExpiry(t *testing.T, s store.Store) {
	ctx := t.Context()
	app, u := mkApp(t, s, "app1"), mkUser(t, s, "u1")
	mkGrant(t, s, "g1", u.ID, app.ID, at(time.Hour))
	_, err := s.GetGrant(ctx, u.ID, app.ID, at(time.Hour-time.Millisecond))
	ok(t, err, "before expiry")
	_, err = s.GetGrant(ctx, u.ID, app.ID, at(time.Hour))
	wantErr(t, err, store.ErrNotFound, "at expiry")
	// Re-consenting after expiry revives the same row.
	g := &store.Grant{UserID: u.ID, ClientID: app.ID, Scopes: []string{"openid"}, ExpiresAt: at(3 * time.Hour)}
	ok(t, s.UpsertGrant(ctx, g), "re-consent")
	got, err := s.GetGrant(ctx, u.ID, app.ID, at(2*time.Hour))
	ok(t, err, "after re-consent")
	if got.ID != "g1" {
		t.Fatalf("re-consent changed ID to %q", got.ID)
	}
}

func testGrantListDelete(t *testing.T, s store.Store) {
	ctx := t.Context()
	a1, a2, a3 := mkApp(t, s, "a1"), mkApp(t, s, "a2"), mkApp(t, s, "a3")
	u, other := mkUser(t, s, "u1"), mkUser(t, s, "u2")
	g1 := store.Grant{ID: "g1", UserID: u.ID, ClientID: a1.ID, CreatedAt: at(time.Minute), UpdatedAt: at(time.Minute)}
	g2 := store.Grant{ID: "g2", UserID: u.ID, ClientID: a2.ID, Scopes: []string{"email"}, CreatedAt: at(2 * time.Minute), UpdatedAt: at(2 * time.Minute), ExpiresAt: at(time.Hour)}
	ok(t, s.UpsertGrant(ctx, &g1), "g1")
	ok(t, s.UpsertGrant(ctx, &g2), "g2")
	mkGrant(t, s, "expired", u.ID, a3.ID, at(time.Second))
	mkGrant(t, s, "others", other.ID, a1.ID, time.Time{})

	got, err := s.ListUserGrants(ctx, u.ID, at(time.Minute))
	ok(t, err, "list")
	equal(t, got, []store.Grant{g2, g1}, "live grants newest first")

	ok(t, s.DeleteGrant(ctx, u.ID, a1.ID), "delete")
	wantErr(t, s.DeleteGrant(ctx, u.ID, a1.ID), store.ErrNotFound, "delete twice")
	_, err = s.GetGrant(ctx, u.ID, a1.ID, t0)
	wantErr(t, err, store.ErrNotFound, "get deleted")
	_, err = s.GetGrant(ctx, other.ID, a1.ID, t0)
	ok(t, err, "same app, other user survives")
}

func testGrantErrors(t *testing.T, s store.Store) {
	ctx := t.Context()
	app, u := mkApp(t, s, "app1"), mkUser(t, s, "u1")
	_, err := s.GetGrant(ctx, u.ID, app.ID, t0)
	wantErr(t, err, store.ErrNotFound, "get missing")
	wantErr(t, s.UpsertGrant(ctx, &store.Grant{UserID: "missing", ClientID: app.ID}), store.ErrNotFound, "grant for missing user")
	wantErr(t, s.UpsertGrant(ctx, &store.Grant{UserID: u.ID, ClientID: "missing"}), store.ErrNotFound, "grant for missing app")
}

package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

var resourceTests = []test{
	{"CreateGet", testResourceCreateGet},
	{"List", testResourceList},
	{"Update", testResourceUpdate},
	{"Scopes", testScopes},
	{"DeleteCascades", testResourceDelete},
}

func testResourceCreateGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	want := &store.Resource{ID: "r1", Name: "Orders API", Indicator: "https://orders.example", AccessTokenTTL: 7200, IsDefault: true, CreatedAt: at(time.Second)}
	ok(t, s.CreateResource(ctx, want), "create")
	got, err := s.GetResource(ctx, "r1")
	ok(t, err, "get")
	equal(t, got, want, "round trip")
	got, err = s.GetResourceByIndicator(ctx, "https://orders.example")
	ok(t, err, "by indicator")
	equal(t, got, want, "by indicator")

	wantErr(t, s.CreateResource(ctx, &store.Resource{ID: "r2", Name: "Again", Indicator: "https://orders.example"}), store.ErrConflict, "duplicate indicator")
	wantErr(t, s.CreateResource(ctx, &store.Resource{ID: "r1", Name: "Again", Indicator: "https://other.example"}), store.ErrConflict, "duplicate ID")
	_, err = s.GetResource(ctx, "missing")
	wantErr(t, err, store.ErrNotFound, "get missing")
	_, err = s.GetResourceByIndicator(ctx, "https://missing.example")
	wantErr(t, err, store.ErrNotFound, "missing indicator")
}

func testResourceList(t *testing.T, s store.Store) {
	ctx := t.Context()
	for i := range 12 {
		r := &store.Resource{ID: fmt.Sprintf("r%02d", i), Name: "R", Indicator: fmt.Sprintf("https://%d.example", i), CreatedAt: at(time.Duration(i) * time.Second)}
		ok(t, s.CreateResource(ctx, r), "create")
	}
	got, total, err := s.ListResources(ctx, store.Page{Number: 2, Size: 5})
	ok(t, err, "list")
	if total != 12 || len(got) != 5 || got[0].ID != "r06" || got[4].ID != "r02" {
		t.Fatalf("page 2 of 5: total %d, %d items from %v", total, len(got), got)
	}
}

func testResourceUpdate(t *testing.T, s store.Store) {
	ctx := t.Context()
	r := mkResource(t, s, "r1")
	mkResource(t, s, "r2")
	got, err := s.UpdateResource(ctx, r.ID, func(r *store.Resource) error {
		r.Name, r.AccessTokenTTL, r.IsDefault, r.Indicator = "Renamed", 60, true, "https://new.example"
		r.ID, r.CreatedAt = "other", at(time.Hour)
		return nil
	})
	ok(t, err, "update")
	want := *r
	want.Name, want.AccessTokenTTL, want.IsDefault, want.Indicator = "Renamed", 60, true, "https://new.example"
	equal(t, got, &want, "returned")
	read, err := s.GetResourceByIndicator(ctx, "https://new.example")
	ok(t, err, "read by new indicator")
	equal(t, read, &want, "read back")

	_, err = s.UpdateResource(ctx, r.ID, func(r *store.Resource) error { r.Indicator = "https://api.example/r2"; return nil })
	wantErr(t, err, store.ErrConflict, "take another indicator")
	_, err = s.UpdateResource(ctx, "missing", func(*store.Resource) error { return nil })
	wantErr(t, err, store.ErrNotFound, "update missing")
}

func testScopes(t *testing.T, s store.Store) {
	ctx := t.Context()
	r1, r2 := mkResource(t, s, "r1"), mkResource(t, s, "r2")
	read := store.Scope{ID: "s1", ResourceID: r1.ID, Name: "read", Description: "Read orders", CreatedAt: at(time.Second)}
	write := store.Scope{ID: "s2", ResourceID: r1.ID, Name: "write", CreatedAt: at(2 * time.Second)}
	ok(t, s.CreateScope(ctx, &read), "read")
	ok(t, s.CreateScope(ctx, &write), "write")
	mkScope(t, s, "s3", r2.ID, "read") // same name, other resource

	wantErr(t, s.CreateScope(ctx, &store.Scope{ID: "s4", ResourceID: r1.ID, Name: "read"}), store.ErrConflict, "duplicate name in resource")
	wantErr(t, s.CreateScope(ctx, &store.Scope{ID: "s5", ResourceID: "missing", Name: "x"}), store.ErrNotFound, "scope of missing resource")

	got, err := s.ListScopes(ctx, r1.ID)
	ok(t, err, "list")
	equal(t, got, []store.Scope{write, read}, "scopes newest first")

	ok(t, s.DeleteScope(ctx, "s1"), "delete")
	wantErr(t, s.DeleteScope(ctx, "s1"), store.ErrNotFound, "delete twice")
	got, err = s.ListScopes(ctx, r1.ID)
	ok(t, err, "list")
	equal(t, got, []store.Scope{write}, "after delete")
}

func testResourceDelete(t *testing.T, s store.Store) {
	ctx := t.Context()
	r, kept := mkResource(t, s, "r1"), mkResource(t, s, "r2")
	mkScope(t, s, "s1", r.ID, "read")
	mkScope(t, s, "s2", kept.ID, "read")
	role := mkRole(t, s, "role1", store.RoleUser)
	ok(t, s.AddRoleScopes(ctx, role.ID, []string{"s1", "s2"}), "add role scopes")

	ok(t, s.DeleteResource(ctx, r.ID), "delete")
	wantErr(t, s.DeleteResource(ctx, r.ID), store.ErrNotFound, "delete twice")
	_, err := s.GetResource(ctx, r.ID)
	wantErr(t, err, store.ErrNotFound, "get deleted")
	scopes, err := s.ListScopes(ctx, r.ID)
	ok(t, err, "list scopes of deleted resource")
	if len(scopes) != 0 {
		t.Fatalf("%d scopes survived their resource", len(scopes))
	}
	roleScopes, err := s.ListRoleScopes(ctx, role.ID)
	ok(t, err, "role scopes")
	if len(roleScopes) != 1 || roleScopes[0].ID != "s2" {
		t.Fatalf("role scopes after resource delete: %+v", roleScopes)
	}
}

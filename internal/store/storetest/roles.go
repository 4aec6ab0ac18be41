package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

var roleTests = []test{
	{"CreateGet", testRoleCreateGet},
	{"List", testRoleList},
	{"RoleScopes", testRoleScopes},
	{"UserRoles", testUserRoles},
	{"ApplicationRoles", testApplicationRoles},
	{"ResourceScopes", testResourceScopes},
	{"DeleteCascades", testRoleDelete},
}

func testRoleCreateGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	want := &store.Role{ID: "r1", Name: "admin", Description: "Administrators", Type: store.RoleUser, CreatedAt: at(time.Second)}
	ok(t, s.CreateRole(ctx, want), "create")
	got, err := s.GetRole(ctx, "r1")
	ok(t, err, "get")
	equal(t, got, want, "round trip")
	got, err = s.GetRoleByName(ctx, "admin")
	ok(t, err, "by name")
	equal(t, got, want, "by name")
	wantErr(t, s.CreateRole(ctx, &store.Role{ID: "r2", Name: "admin", Type: store.RoleUser}), store.ErrConflict, "duplicate name")
	_, err = s.GetRole(ctx, "missing")
	wantErr(t, err, store.ErrNotFound, "get missing")
	_, err = s.GetRoleByName(ctx, "missing")
	wantErr(t, err, store.ErrNotFound, "missing name")
}

func testRoleList(t *testing.T, s store.Store) {
	ctx := t.Context()
	for i := range 21 {
		r := &store.Role{ID: fmt.Sprintf("r%02d", i), Name: fmt.Sprintf("role %d", i), Type: store.RoleUser, CreatedAt: at(time.Duration(i) * time.Second)}
		ok(t, s.CreateRole(ctx, r), "create")
	}
	got, total, err := s.ListRoles(ctx, store.Page{})
	ok(t, err, "list")
	if total != 21 || len(got) != 20 || got[0].ID != "r20" {
		t.Fatalf("default page: total %d, %d items, first %s", total, len(got), got[0].ID)
	}
	got, _, err = s.ListRoles(ctx, store.Page{Number: 2})
	ok(t, err, "page 2")
	if len(got) != 1 || got[0].ID != "r00" {
		t.Fatalf("page 2: %+v", got)
	}
}

func testRoleScopes(t *testing.T, s store.Store) {
	ctx := t.Context()
	res := mkResource(t, s, "api")
	read := mkScope(t, s, "s1", res.ID, "read")
	write := &store.Scope{ID: "s2", ResourceID: res.ID, Name: "write", CreatedAt: at(time.Second)}
	ok(t, s.CreateScope(ctx, write), "create write")
	role := mkRole(t, s, "r1", store.RoleUser)

	ok(t, s.AddRoleScopes(ctx, role.ID, []string{read.ID, write.ID}), "add")
	ok(t, s.AddRoleScopes(ctx, role.ID, []string{read.ID}), "add again is a no-op")
	ok(t, s.AddRoleScopes(ctx, role.ID, nil), "add none")
	got, err := s.ListRoleScopes(ctx, role.ID)
	ok(t, err, "list")
	equal(t, got, []store.Scope{*write, *read}, "role scopes newest first")

	wantErr(t, s.AddRoleScopes(ctx, role.ID, []string{"missing"}), store.ErrNotFound, "add missing scope")
	wantErr(t, s.AddRoleScopes(ctx, "missing", []string{read.ID}), store.ErrNotFound, "add to missing role")
	// A batch with one bad ID adds nothing.
	other := mkRole(t, s, "r2", store.RoleUser)
	wantErr(t, s.AddRoleScopes(ctx, other.ID, []string{read.ID, "missing"}), store.ErrNotFound, "partly bad batch")
	got, err = s.ListRoleScopes(ctx, other.ID)
	ok(t, err, "list other")
	if len(got) != 0 {
		t.Fatalf("failed batch added %d scopes", len(got))
	}

	ok(t, s.RemoveRoleScope(ctx, role.ID, read.ID), "remove")
	wantErr(t, s.RemoveRoleScope(ctx, role.ID, read.ID), store.ErrNotFound, "remove twice")
	got, err = s.ListRoleScopes(ctx, role.ID)
	ok(t, err, "list")
	equal(t, got, []store.Scope{*write}, "after remove")
}

func testUserRoles(t *testing.T, s store.Store) {
	ctx := t.Context()
	u := mkUser(t, s, "u1")
	r1 := mkRole(t, s, "r1", store.RoleUser)
	r2 := &store.Role{ID: "r2", Name: "second", Type: store.RoleUser, CreatedAt: at(time.Second)}
	ok(t, s.CreateRole(ctx, r2), "create r2")

	ok(t, s.AssignUserRoles(ctx, u.ID, []string{r1.ID, r2.ID}), "assign")
	ok(t, s.AssignUserRoles(ctx, u.ID, []string{r1.ID}), "assign again is a no-op")
	got, err := s.ListUserRoles(ctx, u.ID)
	ok(t, err, "list")
	equal(t, got, []store.Role{*r2, *r1}, "user roles newest first")

	wantErr(t, s.AssignUserRoles(ctx, u.ID, []string{"missing"}), store.ErrNotFound, "assign missing role")
	wantErr(t, s.AssignUserRoles(ctx, "missing", []string{r1.ID}), store.ErrNotFound, "assign to missing user")

	ok(t, s.UnassignUserRole(ctx, u.ID, r1.ID), "unassign")
	wantErr(t, s.UnassignUserRole(ctx, u.ID, r1.ID), store.ErrNotFound, "unassign twice")
	got, err = s.ListUserRoles(ctx, u.ID)
	ok(t, err, "list")
	equal(t, got, []store.Role{*r2}, "after unassign")
}

func testApplicationRoles(t *testing.T, s store.Store) {
	ctx := t.Context()
	app := mkApp(t, s, "m2m")
	r1 := mkRole(t, s, "r1", store.RoleMachineToMachine)
	r2 := &store.Role{ID: "r2", Name: "second", Type: store.RoleMachineToMachine, CreatedAt: at(time.Second)}
	ok(t, s.CreateRole(ctx, r2), "create r2")

	ok(t, s.AssignApplicationRoles(ctx, app.ID, []string{r1.ID, r2.ID}), "assign")
	ok(t, s.AssignApplicationRoles(ctx, app.ID, []string{r2.ID}), "assign again is a no-op")
	got, err := s.ListApplicationRoles(ctx, app.ID)
	ok(t, err, "list")
	equal(t, got, []store.Role{*r2, *r1}, "app roles newest first")

	wantErr(t, s.AssignApplicationRoles(ctx, app.ID, []string{"missing"}), store.ErrNotFound, "assign missing role")
	wantErr(t, s.AssignApplicationRoles(ctx, "missing", []string{r1.ID}), store.ErrNotFound, "assign to missing app")

	ok(t, s.UnassignApplicationRole(ctx, app.ID, r2.ID), "unassign")
	wantErr(t, s.UnassignApplicationRole(ctx, app.ID, r2.ID), store.ErrNotFound, "unassign twice")
	got, err = s.ListApplicationRoles(ctx, app.ID)
	ok(t, err, "list")
	equal(t, got, []store.Role{*r1}, "after unassign")
}

// testResourceScopes checks the RBAC query: scope names of one resource,
// through any role, each once, and nothing from other resources, roles or
// subjects.
func testResourceScopes(t *testing.T, s store.Store) {
	ctx := t.Context()
	api, other := mkResource(t, s, "api"), mkResource(t, s, "other")
	mkScope(t, s, "read", api.ID, "read")
	mkScope(t, s, "write", api.ID, "write")
	mkScope(t, s, "admin", api.ID, "admin")
	mkScope(t, s, "other-read", other.ID, "read")
	mkScope(t, s, "other-x", other.ID, "x")

	reader, writer, unused := mkRole(t, s, "reader", store.RoleUser), mkRole(t, s, "writer", store.RoleUser), mkRole(t, s, "unused", store.RoleUser)
	ok(t, s.AddRoleScopes(ctx, reader.ID, []string{"read", "other-read"}), "reader scopes")
	ok(t, s.AddRoleScopes(ctx, writer.ID, []string{"read", "write", "other-x"}), "writer scopes")
	ok(t, s.AddRoleScopes(ctx, unused.ID, []string{"admin"}), "unused scopes")

	u, bystander := mkUser(t, s, "u1"), mkUser(t, s, "u2")
	ok(t, s.AssignUserRoles(ctx, u.ID, []string{reader.ID, writer.ID}), "assign user")
	ok(t, s.AssignUserRoles(ctx, bystander.ID, []string{unused.ID}), "assign bystander")
	app := mkApp(t, s, "m2m")
	ok(t, s.AssignApplicationRoles(ctx, app.ID, []string{reader.ID}), "assign app")

	got, err := s.UserResourceScopes(ctx, u.ID, api.ID)
	ok(t, err, "user scopes")
	equal(t, got, []string{"read", "write"}, "user's api scopes (read once, though two roles grant it)")
	got, err = s.UserResourceScopes(ctx, u.ID, other.ID)
	ok(t, err, "user other scopes")
	equal(t, got, []string{"read", "x"}, "user's other-resource scopes")
	got, err = s.ApplicationResourceScopes(ctx, app.ID, api.ID)
	ok(t, err, "app scopes")
	equal(t, got, []string{"read"}, "app's api scopes")

	got, err = s.UserResourceScopes(ctx, "nobody", api.ID)
	ok(t, err, "unknown user")
	if len(got) != 0 {
		t.Fatalf("unknown user holds %v", got)
	}
	got, err = s.ApplicationResourceScopes(ctx, app.ID, "missing")
	ok(t, err, "unknown resource")
	if len(got) != 0 {
		t.Fatalf("unknown resource scopes %v", got)
	}

	// Removing the scope from one role leaves it held through the other.
	ok(t, s.RemoveRoleScope(ctx, writer.ID, "read"), "remove")
	got, err = s.UserResourceScopes(ctx, u.ID, api.ID)
	ok(t, err, "user scopes")
	equal(t, got, []string{"read", "write"}, "still held through reader")
	ok(t, s.UnassignUserRole(ctx, u.ID, reader.ID), "unassign reader")
	got, err = s.UserResourceScopes(ctx, u.ID, api.ID)
	ok(t, err, "user scopes")
	equal(t, got, []string{"write"}, "after unassigning reader")
}

func testRoleDelete(t *testing.T, s store.Store) {
	ctx := t.Context()
	res := mkResource(t, s, "api")
	sc := mkScope(t, s, "s1", res.ID, "read")
	role, kept := mkRole(t, s, "r1", store.RoleUser), mkRole(t, s, "r2", store.RoleUser)
	u, app := mkUser(t, s, "u1"), mkApp(t, s, "app1")
	for _, r := range []*store.Role{role, kept} {
		ok(t, s.AddRoleScopes(ctx, r.ID, []string{sc.ID}), "add scope")
		ok(t, s.AssignUserRoles(ctx, u.ID, []string{r.ID}), "assign user")
		ok(t, s.AssignApplicationRoles(ctx, app.ID, []string{r.ID}), "assign app")
	}

	ok(t, s.DeleteRole(ctx, role.ID), "delete")
	wantErr(t, s.DeleteRole(ctx, role.ID), store.ErrNotFound, "delete twice")
	_, err := s.GetRole(ctx, role.ID)
	wantErr(t, err, store.ErrNotFound, "get deleted")
	userRoles, err := s.ListUserRoles(ctx, u.ID)
	ok(t, err, "user roles")
	appRoles, err := s.ListApplicationRoles(ctx, app.ID)
	ok(t, err, "app roles")
	if len(userRoles) != 1 || userRoles[0].ID != kept.ID || len(appRoles) != 1 || appRoles[0].ID != kept.ID {
		t.Fatalf("after delete: user roles %+v, app roles %+v", userRoles, appRoles)
	}
	scopes, err := s.ListScopes(ctx, res.ID)
	ok(t, err, "scopes")
	if len(scopes) != 1 {
		t.Fatal("deleting a role deleted its scope")
	}
}

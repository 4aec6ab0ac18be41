package rbac

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

func TestRules(t *testing.T) {
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, a := range []*store.Application{{ID: "m2m", Name: "M", Type: store.AppMachineToMachine, CreatedAt: now},
		{ID: "spa", Name: "S", Type: store.AppSPA, CreatedAt: now}} {
		if err := st.CreateApplication(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.CreateUser(ctx, &store.User{ID: "u", CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	s := &Service{Store: st, Now: func() time.Time { return now }}
	res, err := s.CreateResource(ctx, "API", "https://api.example", 0)
	if err != nil || res.AccessTokenTTL != DefaultAccessTokenTTL {
		t.Fatalf("create resource: %v %+v", err, res)
	}
	sc, err := s.CreateScope(ctx, res.ID, "read", "")
	if err != nil {
		t.Fatal(err)
	}
	userRole, err := s.CreateRole(ctx, "reader", "", store.RoleUser, sc.ID)
	if err != nil {
		t.Fatal(err)
	}
	m2mRole, err := s.CreateRole(ctx, "robot", "", store.RoleMachineToMachine, sc.ID)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		run  func() error
		code string // "" = allowed
	}{
		{"relative indicator", func() error { _, err := s.CreateResource(ctx, "x", "/api", 0); return err }, "resource.invalid_indicator"},
		{"fragment", func() error { _, err := s.CreateResource(ctx, "x", "https://a.example/#x", 0); return err }, "resource.invalid_indicator"},
		{"duplicate indicator", func() error { _, err := s.CreateResource(ctx, "x", "https://api.example", 0); return err }, "resource.indicator_in_use"},
		{"ttl too short", func() error { _, err := s.CreateResource(ctx, "x", "https://b.example", 10); return err }, "resource.invalid_access_token_ttl"},
		{"scope with space", func() error { _, err := s.CreateScope(ctx, res.ID, "a b", ""); return err }, "scope.invalid_name"},
		{"duplicate scope", func() error { _, err := s.CreateScope(ctx, res.ID, "read", ""); return err }, "scope.name_in_use"},
		{"bad role type", func() error { _, err := s.CreateRole(ctx, "x", "", "Admin"); return err }, "role.invalid_type"},
		{"duplicate role", func() error { _, err := s.CreateRole(ctx, "reader", "", store.RoleUser); return err }, "role.name_in_use"},
		{"user role to user", func() error { return s.AssignUserRoles(ctx, "u", userRole.ID) }, ""},
		{"m2m role to user", func() error { return s.AssignUserRoles(ctx, "u", m2mRole.ID) }, "role.type_mismatch"},
		{"m2m role to m2m app", func() error { return s.AssignApplicationRoles(ctx, "m2m", m2mRole.ID) }, ""},
		{"user role to m2m app", func() error { return s.AssignApplicationRoles(ctx, "m2m", userRole.ID) }, "role.type_mismatch"},
		{"role to spa", func() error { return s.AssignApplicationRoles(ctx, "spa", m2mRole.ID) }, "application.roles_not_allowed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			var re *Error
			switch {
			case tc.code == "" && err != nil:
				t.Fatalf("unexpected %v", err)
			case tc.code != "" && (!errors.As(err, &re) || re.Code != tc.code):
				t.Fatalf("got %v, want %s", err, tc.code)
			}
		})
	}
	if got, _ := st.UserResourceScopes(ctx, "u", res.ID); len(got) != 1 || got[0] != "read" {
		t.Fatalf("user scopes %v", got)
	}
}

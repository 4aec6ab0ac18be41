package consent

import (
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

func setup(t *testing.T) (*Service, store.Store) {
	t.Helper()
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.CreateApplication(ctx, &store.Application{ID: "app", Name: "A", Type: store.AppTraditional, IsThirdParty: true, CreatedAt: now}))
	must(st.CreateUser(ctx, &store.User{ID: "u", Username: "u", CreatedAt: now, UpdatedAt: now}))
	must(st.CreateResource(ctx, &store.Resource{ID: "r", Name: "R", Indicator: "https://api", CreatedAt: now}))
	must(st.CreateScope(ctx, &store.Scope{ID: "s1", ResourceID: "r", Name: "read", CreatedAt: now}))
	must(st.CreateScope(ctx, &store.Scope{ID: "s2", ResourceID: "r", Name: "write", CreatedAt: now}))
	must(st.CreateRole(ctx, &store.Role{ID: "role", Name: "reader", Type: store.RoleUser, CreatedAt: now}))
	must(st.AddRoleScopes(ctx, "role", []string{"s1"}))
	must(st.AssignUserRoles(ctx, "u", []string{"role"}))
	return &Service{Store: st, Now: func() time.Time { return now }}, st
}

func names(rs []ResourceScopes) map[string][]string {
	out := map[string][]string{}
	for _, r := range rs {
		for _, s := range r.Scopes {
			out[r.Resource.Indicator] = append(out[r.Resource.Indicator], s.Name)
		}
	}
	return out
}

func TestMissingGrantRevoke(t *testing.T) {
	svc, st := setup(t)
	ctx := t.Context()
	req := Request{UserID: "u", ClientID: "app", Scopes: []string{"openid", "offline_access", "profile", "read", "write"},
		Resources: []string{"https://api", "https://unknown"}}
	tests := []struct {
		name     string
		step     func()
		wantOIDC []string
		wantRes  map[string][]string
		noGrant  bool
	}{
		// write is asked but not held: never grantable, never listed.
		{"before consent", func() {}, []string{"profile"}, map[string][]string{"https://api": {"read"}}, true},
		{"after Authorize", func() {
			if _, err := svc.Grant(ctx, req); err != nil {
				t.Fatal(err)
			}
		}, nil, map[string][]string{}, false},
		{"new scope asked", func() { req.Scopes = append(req.Scopes, "email") }, []string{"email"}, map[string][]string{}, false},
		{"after revocation", func() {
			if err := svc.Revoke(ctx, "u", "app"); err != nil {
				t.Fatal(err)
			}
		}, []string{"profile", "email"}, map[string][]string{"https://api": {"read"}}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.step()
			m, err := svc.Missing(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(m.OIDCScopes, tc.wantOIDC) || !reflect.DeepEqual(names(m.ResourceScopes), tc.wantRes) ||
				m.NoGrant != tc.noGrant || m.Empty() != (tc.wantOIDC == nil && len(tc.wantRes) == 0 && !tc.noGrant) {
				t.Fatalf("missing %v %v, want %v %v", m.OIDCScopes, names(m.ResourceScopes), tc.wantOIDC, tc.wantRes)
			}
		})
	}
	if _, err := st.GetGrant(ctx, "u", "app", time.Now()); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("grant after revoke: %v", err)
	}
	if err := svc.Revoke(ctx, "u", "app"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("revoking nothing: %v", err)
	}
}

func TestFilter(t *testing.T) {
	g := &store.Grant{Scopes: []string{"openid", "profile", "offline_access"},
		ResourceScopes: map[string][]string{"https://api": {"read"}}}
	tests := []struct {
		scopes, resources, want []string
	}{
		{[]string{"openid", "profile", "email", "read", "write"}, []string{"https://api"}, []string{"openid", "profile", "read"}},
		{[]string{"openid", "read"}, []string{"https://other"}, []string{"openid"}},
		{[]string{"openid", "offline_access"}, nil, []string{"openid", "offline_access"}},
	}
	for _, tc := range tests {
		if got := Filter(g, tc.scopes, tc.resources); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Filter(%v, %v) = %v, want %v", tc.scopes, tc.resources, got, tc.want)
		}
	}
}

// TestOpenIDOnly: a third-party app that asks nothing beyond openid still
// needs one Authorize before its first code.
func TestOpenIDOnly(t *testing.T) {
	svc, _ := setup(t)
	ctx := t.Context()
	req := Request{UserID: "u", ClientID: "app", Scopes: []string{"openid"}}
	m, err := svc.Missing(ctx, req)
	if err != nil || m.Empty() {
		t.Fatalf("no grant yet: empty=%v %v", m.Empty(), err)
	}
	if _, err := svc.Grant(ctx, req); err != nil {
		t.Fatal(err)
	}
	if m, err = svc.Missing(ctx, req); err != nil || !m.Empty() {
		t.Fatalf("after Authorize: %+v %v", m, err)
	}
}

package server

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/gatehouse/gatehouse/internal/id"
	"github.com/gatehouse/gatehouse/internal/management"
	"github.com/gatehouse/gatehouse/internal/store"
)

// The Management API's seed, named as Logto names it so Logto scripts find
// what they expect: the API resource, its "all" scope, and the
// machine-to-machine role that holds it.
const (
	ManagementResourceID   = "management-api"
	ManagementResourceName = "Logto Management API"
	ManagementRoleName     = "Logto Management API access"
	managementRoleDesc     = "This default role grants access to the Logto management API."
	managementScopeDesc    = "Default scope for Management API, allows all permissions."
)

// seedManagementAPI makes sure the Management API resource, its scope and
// role exist and belong together. It is idempotent; when nodes start at
// once and one loses a race to create a row, it runs again and finds it.
func (s *Server) seedManagementAPI(ctx context.Context) error {
	var err error
	for range 3 {
		err = s.Store.InTx(ctx, func(tx store.Store) error { return s.ensureManagementAPI(ctx, tx) })
		if !errors.Is(err, store.ErrConflict) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("management API: %w", err)
	}
	return nil
}

func (s *Server) ensureManagementAPI(ctx context.Context, tx store.Store) error {
	now := s.now()
	res, err := tx.GetResourceByIndicator(ctx, management.DefaultIndicator)
	if errors.Is(err, store.ErrNotFound) {
		res = &store.Resource{ID: ManagementResourceID, Name: ManagementResourceName,
			Indicator: management.DefaultIndicator, AccessTokenTTL: 3600, CreatedAt: now}
		err = tx.CreateResource(ctx, res)
	}
	if err != nil {
		return fmt.Errorf("resource: %w", err)
	}
	scopes, err := tx.ListScopes(ctx, res.ID)
	if err != nil {
		return fmt.Errorf("scopes: %w", err)
	}
	i := slices.IndexFunc(scopes, func(sc store.Scope) bool { return sc.Name == management.ScopeAll })
	var scope store.Scope
	if i >= 0 {
		scope = scopes[i]
	} else {
		scope = store.Scope{ID: id.New(), ResourceID: res.ID, Name: management.ScopeAll, Description: managementScopeDesc, CreatedAt: now}
		if err := tx.CreateScope(ctx, &scope); err != nil {
			return fmt.Errorf("scope: %w", err)
		}
	}
	role, err := tx.GetRoleByName(ctx, ManagementRoleName)
	if errors.Is(err, store.ErrNotFound) {
		role = &store.Role{ID: id.New(), Name: ManagementRoleName, Description: managementRoleDesc,
			Type: store.RoleMachineToMachine, CreatedAt: now}
		err = tx.CreateRole(ctx, role)
	}
	if err != nil {
		return fmt.Errorf("role: %w", err)
	}
	if role.Type != store.RoleMachineToMachine {
		return fmt.Errorf("role %q exists but is a %s role", ManagementRoleName, role.Type)
	}
	held, err := tx.ListRoleScopes(ctx, role.ID)
	if err != nil {
		return fmt.Errorf("role scopes: %w", err)
	}
	if !slices.ContainsFunc(held, func(sc store.Scope) bool { return sc.ID == scope.ID }) {
		if err := tx.AddRoleScopes(ctx, role.ID, []string{scope.ID}); err != nil {
			return fmt.Errorf("role scopes: %w", err)
		}
	}
	return nil
}

// Package rbac holds API resources (RFC 8707 indicators) with their
// scopes, roles of the two Logto types (User, MachineToMachine) with their
// scopes, and role assignments, with Logto's rules: an indicator is an
// absolute URI without a fragment and unique; a user gets only User roles,
// a machine-to-machine app only MachineToMachine roles. The OP reads the
// result through the store (UserResourceScopes, ApplicationResourceScopes)
// when it issues resource access tokens. The Management API for these comes
// in its own issue; tests and bootstrap seed through this service.
package rbac

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/id"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Limits (Logto's schema).
const (
	MaxNameLength     = 128
	MinAccessTokenTTL = 60
	MaxAccessTokenTTL = 86400
	// DefaultAccessTokenTTL is resources.access_token_ttl's default.
	DefaultAccessTokenTTL = 3600
)

// Error is a rule violation with a Logto-style code.
type Error struct{ Code, Message string }

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// ErrorCode and ErrorMessage let an API render it (httpapi.Coded).
func (e *Error) ErrorCode() string    { return e.Code }
func (e *Error) ErrorMessage() string { return e.Message }

// Store is the part of the store the service uses.
type Store interface {
	CreateResource(ctx context.Context, r *store.Resource) error
	CreateScope(ctx context.Context, s *store.Scope) error
	CreateRole(ctx context.Context, r *store.Role) error
	GetRole(ctx context.Context, id string) (*store.Role, error)
	GetApplication(ctx context.Context, id string) (*store.Application, error)
	AddRoleScopes(ctx context.Context, roleID string, scopeIDs []string) error
	AssignUserRoles(ctx context.Context, userID string, roleIDs []string) error
	AssignApplicationRoles(ctx context.Context, appID string, roleIDs []string) error
}

// Service applies the RBAC rules over a store.
type Service struct {
	Store Store
	Now   func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// CreateResource registers an API resource. ttl 0 means the default
// (3600 s).
func (s *Service) CreateResource(ctx context.Context, name, indicator string, ttl int) (*store.Resource, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	u, err := url.Parse(indicator)
	if err != nil || !u.IsAbs() || u.Fragment != "" || strings.Contains(indicator, "#") || len(indicator) > 2048 {
		return nil, &Error{"resource.invalid_indicator", "the indicator must be an absolute URI without a fragment (RFC 8707 §2)"}
	}
	if ttl == 0 {
		ttl = DefaultAccessTokenTTL
	}
	if ttl < MinAccessTokenTTL || ttl > MaxAccessTokenTTL {
		return nil, &Error{"resource.invalid_access_token_ttl", "accessTokenTtl must be between 60 and 86400 seconds"}
	}
	r := &store.Resource{ID: id.New(), Name: name, Indicator: indicator, AccessTokenTTL: ttl, CreatedAt: s.now()}
	if err := s.Store.CreateResource(ctx, r); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return nil, &Error{"resource.indicator_in_use", "a resource with this indicator exists"}
		}
		return nil, fmt.Errorf("create resource: %w", err)
	}
	return r, nil
}

// CreateScope adds a permission to a resource.
func (s *Service) CreateScope(ctx context.Context, resourceID, name, description string) (*store.Scope, error) {
	if name == "" || len(name) > 256 || strings.ContainsAny(name, " \t\n\"\\") {
		return nil, &Error{"scope.invalid_name", "a scope name is 1 to 256 characters without spaces, quotes or backslashes"}
	}
	sc := &store.Scope{ID: id.New(), ResourceID: resourceID, Name: name, Description: description, CreatedAt: s.now()}
	if err := s.Store.CreateScope(ctx, sc); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return nil, &Error{"scope.name_in_use", "the resource already has a scope with this name"}
		}
		return nil, fmt.Errorf("create scope: %w", err)
	}
	return sc, nil
}

// CreateRole creates a role of type User or MachineToMachine with scopes.
func (s *Service) CreateRole(ctx context.Context, name, description, typ string, scopeIDs ...string) (*store.Role, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	if typ != store.RoleUser && typ != store.RoleMachineToMachine {
		return nil, &Error{"role.invalid_type", "a role is of type User or MachineToMachine"}
	}
	r := &store.Role{ID: id.New(), Name: name, Description: description, Type: typ, CreatedAt: s.now()}
	if err := s.Store.CreateRole(ctx, r); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return nil, &Error{"role.name_in_use", "a role with this name exists"}
		}
		return nil, fmt.Errorf("create role: %w", err)
	}
	if len(scopeIDs) > 0 {
		if err := s.Store.AddRoleScopes(ctx, r.ID, scopeIDs); err != nil {
			return nil, fmt.Errorf("add role scopes: %w", err)
		}
	}
	return r, nil
}

// AssignUserRoles gives a user roles, which must all be User roles.
func (s *Service) AssignUserRoles(ctx context.Context, userID string, roleIDs ...string) error {
	if err := s.checkRoles(ctx, store.RoleUser, roleIDs); err != nil {
		return err
	}
	return s.Store.AssignUserRoles(ctx, userID, roleIDs)
}

// AssignApplicationRoles gives a machine-to-machine app roles, which must
// all be MachineToMachine roles.
func (s *Service) AssignApplicationRoles(ctx context.Context, appID string, roleIDs ...string) error {
	app, err := s.Store.GetApplication(ctx, appID)
	if err != nil {
		return fmt.Errorf("get application: %w", err)
	}
	if app.Type != store.AppMachineToMachine {
		return &Error{"application.roles_not_allowed", "only machine-to-machine applications have roles"}
	}
	if err := s.checkRoles(ctx, store.RoleMachineToMachine, roleIDs); err != nil {
		return err
	}
	return s.Store.AssignApplicationRoles(ctx, appID, roleIDs)
}

func (s *Service) checkRoles(ctx context.Context, typ string, roleIDs []string) error {
	for _, id := range roleIDs {
		r, err := s.Store.GetRole(ctx, id)
		if err != nil {
			return fmt.Errorf("get role: %w", err)
		}
		if r.Type != typ {
			return &Error{"role.type_mismatch", "the role is of type " + r.Type + ", not " + typ}
		}
	}
	return nil
}

func checkName(name string) error {
	if n := len(strings.TrimSpace(name)); n < 1 || n > MaxNameLength {
		return &Error{"guard.invalid_input", "a name is 1 to 128 characters"}
	}
	return nil
}

package sqlstore

import (
	"context"

	"github.com/gatehouse/gatehouse/internal/id"
	"github.com/gatehouse/gatehouse/internal/store"
)

const roleColumns = `id, name, description, type, created_at`

func scanRole(sc scanner, r *store.Role) error {
	return sc.Scan(&r.ID, &r.Name, &r.Description, &r.Type, timeCol{&r.CreatedAt})
}

// CreateRole inserts r; an empty ID gets a fresh one and a zero CreatedAt
// the current time. Role names are unique.
func (s *Store) CreateRole(ctx context.Context, r *store.Role) error {
	if r.ID == "" {
		r.ID = id.New()
	}
	r.CreatedAt = createdAt(r.CreatedAt)
	_, err := s.w().ExecContext(ctx, `INSERT INTO roles (`+roleColumns+`) VALUES ($1, $2, $3, $4, $5)`,
		r.ID, r.Name, r.Description, r.Type, millis(r.CreatedAt))
	return s.wrap("create role", err)
}

func (s *Store) GetRole(ctx context.Context, roleID string) (*store.Role, error) {
	var r store.Role
	if err := scanRole(s.r().QueryRowContext(ctx, `SELECT `+roleColumns+` FROM roles WHERE id = $1`, roleID), &r); err != nil {
		return nil, s.wrap("get role", err)
	}
	return &r, nil
}

func (s *Store) GetRoleByName(ctx context.Context, name string) (*store.Role, error) {
	var r store.Role
	if err := scanRole(s.r().QueryRowContext(ctx, `SELECT `+roleColumns+` FROM roles WHERE name = $1`, name), &r); err != nil {
		return nil, s.wrap("get role by name", err)
	}
	return &r, nil
}

func (s *Store) ListRoles(ctx context.Context, page store.Page) ([]store.Role, int, error) {
	return queryPage(ctx, s, "list roles", page,
		`SELECT count(*) FROM roles`,
		`SELECT `+roleColumns+` FROM roles ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2`,
		scanRole)
}

// DeleteRole removes the role; its scope links and assignments go with it
// through ON DELETE CASCADE.
func (s *Store) DeleteRole(ctx context.Context, roleID string) error {
	return s.execOne(ctx, "delete role", `DELETE FROM roles WHERE id = $1`, roleID)
}

// insertPairs inserts (key, each of values) into a join table in one
// transaction. Existing pairs are left alone, so assigning twice is not an
// error; a missing key or value is ErrNotFound through the foreign keys.
func (s *Store) insertPairs(ctx context.Context, op, query, key string, values []string) error {
	return s.inTx(ctx, func(tx *Store) error {
		for _, v := range values {
			if _, err := tx.tx.ExecContext(ctx, query, key, v); err != nil {
				return tx.wrap(op, err)
			}
		}
		return nil
	})
}

func (s *Store) AddRoleScopes(ctx context.Context, roleID string, scopeIDs []string) error {
	return s.insertPairs(ctx, "add role scopes",
		`INSERT INTO role_scopes (role_id, scope_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, roleID, scopeIDs)
}

func (s *Store) RemoveRoleScope(ctx context.Context, roleID, scopeID string) error {
	return s.execOne(ctx, "remove role scope", `DELETE FROM role_scopes WHERE role_id = $1 AND scope_id = $2`, roleID, scopeID)
}

// ListRoleScopes returns the role's scopes across resources, newest first.
func (s *Store) ListRoleScopes(ctx context.Context, roleID string) ([]store.Scope, error) {
	return queryList(ctx, s, "list role scopes", `SELECT s.id, s.resource_id, s.name, s.description, s.created_at
		FROM scopes s JOIN role_scopes rs ON rs.scope_id = s.id
		WHERE rs.role_id = $1 ORDER BY s.created_at DESC, s.id DESC`, scanScope, roleID)
}

func (s *Store) AssignUserRoles(ctx context.Context, userID string, roleIDs []string) error {
	return s.insertPairs(ctx, "assign user roles",
		`INSERT INTO user_roles (user_id, role_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, userID, roleIDs)
}

func (s *Store) UnassignUserRole(ctx context.Context, userID, roleID string) error {
	return s.execOne(ctx, "unassign user role", `DELETE FROM user_roles WHERE user_id = $1 AND role_id = $2`, userID, roleID)
}

// ListUserRoles returns the user's roles, newest first.
func (s *Store) ListUserRoles(ctx context.Context, userID string) ([]store.Role, error) {
	return queryList(ctx, s, "list user roles", `SELECT r.id, r.name, r.description, r.type, r.created_at
		FROM roles r JOIN user_roles ur ON ur.role_id = r.id
		WHERE ur.user_id = $1 ORDER BY r.created_at DESC, r.id DESC`, scanRole, userID)
}

func (s *Store) AssignApplicationRoles(ctx context.Context, appID string, roleIDs []string) error {
	return s.insertPairs(ctx, "assign application roles",
		`INSERT INTO application_roles (application_id, role_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, appID, roleIDs)
}

func (s *Store) UnassignApplicationRole(ctx context.Context, appID, roleID string) error {
	return s.execOne(ctx, "unassign application role",
		`DELETE FROM application_roles WHERE application_id = $1 AND role_id = $2`, appID, roleID)
}

// ListApplicationRoles returns the app's roles, newest first.
func (s *Store) ListApplicationRoles(ctx context.Context, appID string) ([]store.Role, error) {
	return queryList(ctx, s, "list application roles", `SELECT r.id, r.name, r.description, r.type, r.created_at
		FROM roles r JOIN application_roles ar ON ar.role_id = r.id
		WHERE ar.application_id = $1 ORDER BY r.created_at DESC, r.id DESC`, scanRole, appID)
}

// UserResourceScopes returns, in one query and sorted, the distinct names of
// the resource's scopes that the user holds through any of its roles.
func (s *Store) UserResourceScopes(ctx context.Context, userID, resourceID string) ([]string, error) {
	return queryList(ctx, s, "user resource scopes", `SELECT DISTINCT s.name
		FROM user_roles ur
		JOIN role_scopes rs ON rs.role_id = ur.role_id
		JOIN scopes s ON s.id = rs.scope_id
		WHERE ur.user_id = $1 AND s.resource_id = $2 ORDER BY s.name`, scanString, userID, resourceID)
}

// ApplicationResourceScopes is UserResourceScopes for an M2M app.
func (s *Store) ApplicationResourceScopes(ctx context.Context, appID, resourceID string) ([]string, error) {
	return queryList(ctx, s, "application resource scopes", `SELECT DISTINCT s.name
		FROM application_roles ar
		JOIN role_scopes rs ON rs.role_id = ar.role_id
		JOIN scopes s ON s.id = rs.scope_id
		WHERE ar.application_id = $1 AND s.resource_id = $2 ORDER BY s.name`, scanString, appID, resourceID)
}

func scanString(sc scanner, v *string) error { return sc.Scan(v) }

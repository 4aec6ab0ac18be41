package sqlstore

import (
	"context"

	"github.com/gatehouse/gatehouse/internal/id"
	"github.com/gatehouse/gatehouse/internal/store"
)

const resourceColumns = `id, name, indicator, access_token_ttl, is_default, created_at`

func scanResource(sc scanner, r *store.Resource) error {
	return sc.Scan(&r.ID, &r.Name, &r.Indicator, &r.AccessTokenTTL, &r.IsDefault, timeCol{&r.CreatedAt})
}

// CreateResource inserts r; an empty ID gets a fresh one and a zero
// CreatedAt the current time. The indicator is unique.
func (s *Store) CreateResource(ctx context.Context, r *store.Resource) error {
	if r.ID == "" {
		r.ID = id.New()
	}
	r.CreatedAt = createdAt(r.CreatedAt)
	_, err := s.w().ExecContext(ctx, `INSERT INTO resources (`+resourceColumns+`) VALUES ($1, $2, $3, $4, $5, $6)`,
		r.ID, r.Name, r.Indicator, r.AccessTokenTTL, r.IsDefault, millis(r.CreatedAt))
	return s.wrap("create resource", err)
}

func (s *Store) GetResource(ctx context.Context, resourceID string) (*store.Resource, error) {
	var r store.Resource
	if err := scanResource(s.r().QueryRowContext(ctx, `SELECT `+resourceColumns+` FROM resources WHERE id = $1`, resourceID), &r); err != nil {
		return nil, s.wrap("get resource", err)
	}
	return &r, nil
}

func (s *Store) GetResourceByIndicator(ctx context.Context, indicator string) (*store.Resource, error) {
	var r store.Resource
	if err := scanResource(s.r().QueryRowContext(ctx, `SELECT `+resourceColumns+` FROM resources WHERE indicator = $1`, indicator), &r); err != nil {
		return nil, s.wrap("get resource by indicator", err)
	}
	return &r, nil
}

func (s *Store) ListResources(ctx context.Context, page store.Page) ([]store.Resource, int, error) {
	return queryPage(ctx, s, "list resources", page,
		`SELECT count(*) FROM resources`,
		`SELECT `+resourceColumns+` FROM resources ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2`,
		scanResource)
}

// UpdateResource is a read-modify-write in one transaction; ID and
// CreatedAt cannot change.
func (s *Store) UpdateResource(ctx context.Context, resourceID string, update func(*store.Resource) error) (*store.Resource, error) {
	const op = "update resource"
	var out *store.Resource
	err := s.inTx(ctx, func(tx *Store) error {
		var r store.Resource
		if err := scanResource(tx.w().QueryRowContext(ctx, `SELECT `+resourceColumns+` FROM resources WHERE id = $1`+s.dialect.ForUpdate, resourceID), &r); err != nil {
			return tx.wrap(op, err)
		}
		created := r.CreatedAt
		if err := update(&r); err != nil {
			return err
		}
		r.ID, r.CreatedAt = resourceID, created
		if _, err := tx.w().ExecContext(ctx, `UPDATE resources SET name = $1, indicator = $2, access_token_ttl = $3,
			is_default = $4 WHERE id = $5`, r.Name, r.Indicator, r.AccessTokenTTL, r.IsDefault, resourceID); err != nil {
			return tx.wrap(op, err)
		}
		out = &r
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteResource removes the resource; its scopes, and their links to
// roles, go with it through ON DELETE CASCADE.
func (s *Store) DeleteResource(ctx context.Context, resourceID string) error {
	return s.execOne(ctx, "delete resource", `DELETE FROM resources WHERE id = $1`, resourceID)
}

const scopeColumns = `id, resource_id, name, description, created_at`

func scanScope(sc scanner, sp *store.Scope) error {
	return sc.Scan(&sp.ID, &sp.ResourceID, &sp.Name, &sp.Description, timeCol{&sp.CreatedAt})
}

// CreateScope inserts sp; (resource, name) is unique and a missing resource
// is ErrNotFound.
func (s *Store) CreateScope(ctx context.Context, sp *store.Scope) error {
	if sp.ID == "" {
		sp.ID = id.New()
	}
	sp.CreatedAt = createdAt(sp.CreatedAt)
	_, err := s.w().ExecContext(ctx, `INSERT INTO scopes (`+scopeColumns+`) VALUES ($1, $2, $3, $4, $5)`,
		sp.ID, sp.ResourceID, sp.Name, sp.Description, millis(sp.CreatedAt))
	return s.wrap("create scope", err)
}

// ListScopes returns the resource's scopes, newest first.
func (s *Store) ListScopes(ctx context.Context, resourceID string) ([]store.Scope, error) {
	return queryList(ctx, s, "list scopes", `SELECT `+scopeColumns+` FROM scopes
		WHERE resource_id = $1 ORDER BY created_at DESC, id DESC`, scanScope, resourceID)
}

func (s *Store) DeleteScope(ctx context.Context, scopeID string) error {
	return s.execOne(ctx, "delete scope", `DELETE FROM scopes WHERE id = $1`, scopeID)
}

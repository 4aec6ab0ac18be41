package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/internal/id"
	"github.com/gatehouse/gatehouse/internal/store"
)

const grantColumns = `id, user_id, client_id, scopes, resource_scopes, created_at, updated_at, expires_at`

func scanGrant(sc scanner, g *store.Grant) error {
	return sc.Scan(&g.ID, &g.UserID, &g.ClientID, jsonCol{&g.Scopes}, jsonCol{&g.ResourceScopes},
		timeCol{&g.CreatedAt}, timeCol{&g.UpdatedAt}, timeCol{&g.ExpiresAt})
}

// UpsertGrant creates the user × app grant or replaces its scopes and
// expiry in one statement; the unique (user_id, client_id) key decides
// which. An existing grant keeps its ID and CreatedAt, and both are written
// back to g. A zero UpdatedAt becomes the current time.
func (s *Store) UpsertGrant(ctx context.Context, g *store.Grant) error {
	const op = "upsert grant"
	if g.ID == "" {
		g.ID = id.New()
	}
	g.CreatedAt = createdAt(g.CreatedAt)
	if g.UpdatedAt.IsZero() {
		g.UpdatedAt = time.Now()
	}
	g.UpdatedAt, g.ExpiresAt = truncate(g.UpdatedAt), truncate(g.ExpiresAt)
	enc, err := jsonArgs(g.Scopes, g.ResourceScopes)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	var gotID string
	var created time.Time
	err = s.w().QueryRowContext(ctx, `INSERT INTO grants (`+grantColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (user_id, client_id) DO UPDATE SET scopes = excluded.scopes,
			resource_scopes = excluded.resource_scopes, updated_at = excluded.updated_at,
			expires_at = excluded.expires_at
		RETURNING id, created_at`,
		g.ID, g.UserID, g.ClientID, enc[0], enc[1], millis(g.CreatedAt), millis(g.UpdatedAt), millis(g.ExpiresAt),
	).Scan(&gotID, timeCol{&created})
	if err != nil {
		return s.wrap(op, err)
	}
	g.ID, g.CreatedAt = gotID, created
	return nil
}

// GetGrant hides a grant that has expired at now.
func (s *Store) GetGrant(ctx context.Context, userID, clientID string, now time.Time) (*store.Grant, error) {
	var g store.Grant
	err := scanGrant(s.r().QueryRowContext(ctx, `SELECT `+grantColumns+` FROM grants
		WHERE user_id = $1 AND client_id = $2 AND `+notExpired("$3"), userID, clientID, now.UnixMilli()), &g)
	if err != nil {
		return nil, s.wrap("get grant", err)
	}
	return &g, nil
}

// ListUserGrants returns the user's live grants, newest first.
func (s *Store) ListUserGrants(ctx context.Context, userID string, now time.Time) ([]store.Grant, error) {
	return queryList(ctx, s, "list user grants", `SELECT `+grantColumns+` FROM grants
		WHERE user_id = $1 AND `+notExpired("$2")+` ORDER BY created_at DESC, id DESC`,
		scanGrant, userID, now.UnixMilli())
}

func (s *Store) DeleteGrant(ctx context.Context, userID, clientID string) error {
	return s.execOne(ctx, "delete grant", `DELETE FROM grants WHERE user_id = $1 AND client_id = $2`, userID, clientID)
}

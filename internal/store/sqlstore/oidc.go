package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// RecordAssertionJTI inserts the jti, or takes over a row whose expiry has
// passed; a live row makes the upsert's WHERE false, so no row changes and
// the jti is a replay. One statement, so two concurrent uses of one
// assertion cannot both succeed.
func (s *Store) RecordAssertionJTI(ctx context.Context, clientID, jti string, expiresAt, now time.Time) error {
	const op = "record assertion jti"
	n, err := s.execCount(ctx, op, `INSERT INTO assertion_jtis (id, expires_at) VALUES ($1, $2)
		ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at
		WHERE assertion_jtis.expires_at <= $3`,
		clientID+" "+jti, expiresAt.UnixMilli(), now.UnixMilli())
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", op, store.ErrConflict)
	}
	return nil
}

// SealApplicationSecret upserts the sealed copy of an existing secret.
func (s *Store) SealApplicationSecret(ctx context.Context, appID, name string, sealed []byte) error {
	const op = "seal application secret"
	var exists int
	err := s.w().QueryRowContext(ctx, `SELECT 1 FROM application_secrets WHERE application_id = $1 AND name = $2`,
		appID, name).Scan(&exists)
	if err != nil {
		return s.wrap(op, err)
	}
	_, err = s.w().ExecContext(ctx, `INSERT INTO application_secret_seals (application_id, name, sealed)
		VALUES ($1, $2, $3) ON CONFLICT (application_id, name) DO UPDATE SET sealed = excluded.sealed`,
		appID, name, sealed)
	return s.wrap(op, err)
}

// ListSealedApplicationSecrets returns the app's sealed secrets by name.
func (s *Store) ListSealedApplicationSecrets(ctx context.Context, appID string) (map[string][]byte, error) {
	type row struct {
		name   string
		sealed []byte
	}
	rows, err := queryList(ctx, s, "list sealed application secrets",
		`SELECT name, sealed FROM application_secret_seals WHERE application_id = $1`,
		func(sc scanner, r *row) error { return sc.Scan(&r.name, &r.sealed) }, appID)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]byte, len(rows))
	for _, r := range rows {
		out[r.name] = r.sealed
	}
	return out, nil
}

// DeleteUserClientTokens revokes every token of one user × app.
func (s *Store) DeleteUserClientTokens(ctx context.Context, userID, clientID string) (int, error) {
	return s.execCount(ctx, "delete user client tokens",
		`DELETE FROM tokens WHERE user_id = $1 AND client_id = $2`, userID, clientID)
}

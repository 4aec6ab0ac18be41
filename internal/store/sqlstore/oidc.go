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

const noticeColumns = `id, client_id, uri, user_id, sid, attempts, next_attempt_at, created_at, expires_at`

func scanNotice(sc scanner, n *store.LogoutNotice) error {
	return sc.Scan(&n.ID, &n.ClientID, &n.URI, &n.UserID, &n.SID, &n.Attempts,
		timeCol{&n.NextAttemptAt}, timeCol{&n.CreatedAt}, timeCol{&n.ExpiresAt})
}

// EnqueueLogoutNotices inserts the notices; callers run it in the
// transaction that ends the session.
func (s *Store) EnqueueLogoutNotices(ctx context.Context, notices []store.LogoutNotice) error {
	const op = "enqueue logout notices"
	for i := range notices {
		n := &notices[i]
		n.CreatedAt = createdAt(n.CreatedAt)
		n.NextAttemptAt, n.ExpiresAt = truncate(n.NextAttemptAt), truncate(n.ExpiresAt)
		_, err := s.w().ExecContext(ctx, `INSERT INTO logout_notices (`+noticeColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			n.ID, n.ClientID, n.URI, n.UserID, n.SID, n.Attempts, n.NextAttemptAt.UnixMilli(),
			n.CreatedAt.UnixMilli(), n.ExpiresAt.UnixMilli())
		if err != nil {
			return s.wrap(op, err)
		}
	}
	return nil
}

// ClaimLogoutNotices leases due notices in one UPDATE … RETURNING. On
// PostgreSQL the inner SELECT skips rows another worker has locked; SQLite
// has one writer at a time, so the statement is atomic there by itself.
func (s *Store) ClaimLogoutNotices(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]store.LogoutNotice, error) {
	lock := ""
	if s.dialect.ForUpdate != "" {
		lock = s.dialect.ForUpdate + " SKIP LOCKED"
	}
	return queryListW(ctx, s, "claim logout notices", `UPDATE logout_notices SET next_attempt_at = $1
		WHERE id IN (SELECT id FROM logout_notices WHERE next_attempt_at <= $2 AND expires_at > $2
			ORDER BY next_attempt_at LIMIT $3`+lock+`)
		RETURNING `+noticeColumns, scanNotice, now.Add(lease).UnixMilli(), now.UnixMilli(), limit)
}

func (s *Store) RetryLogoutNotice(ctx context.Context, id string, attempts int, next time.Time) error {
	return s.execOne(ctx, "retry logout notice", `UPDATE logout_notices SET attempts = $1, next_attempt_at = $2
		WHERE id = $3`, attempts, next.UnixMilli(), id)
}

func (s *Store) DeleteLogoutNotice(ctx context.Context, id string) error {
	return s.execOne(ctx, "delete logout notice", `DELETE FROM logout_notices WHERE id = $1`, id)
}

// queryListW is queryList on the write side (for UPDATE … RETURNING).
func queryListW[T any](ctx context.Context, s *Store, op, query string, scan func(scanner, *T) error, args ...any) ([]T, error) {
	rows, err := s.w().QueryContext(ctx, query, args...)
	if err != nil {
		return nil, s.wrap(op, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := scan(rows, &v); err != nil {
			return nil, s.wrap(op, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(op, err)
	}
	return out, nil
}

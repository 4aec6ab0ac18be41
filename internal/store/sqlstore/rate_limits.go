package sqlstore

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// IncrementRateCounter is one upsert: a fresh key starts at one, a live
// one is incremented, and an expired one (not yet swept) starts again.
// Both engines serialise concurrent upserts of one key on its row, so no
// increment is lost.
func (s *Store) IncrementRateCounter(ctx context.Context, key string, now, expiresAt time.Time) (int, error) {
	var n int
	err := s.w().QueryRowContext(ctx, `INSERT INTO rate_limit_counters (id, count, expires_at) VALUES ($1, 1, $2)
		ON CONFLICT (id) DO UPDATE SET
			count = CASE WHEN rate_limit_counters.expires_at <= $3 THEN 1 ELSE rate_limit_counters.count + 1 END,
			expires_at = CASE WHEN rate_limit_counters.expires_at <= $3 THEN $2 ELSE rate_limit_counters.expires_at END
		RETURNING count`, key, expiresAt.UnixMilli(), now.UnixMilli()).Scan(&n)
	if err != nil {
		return 0, s.wrap("increment rate counter", err)
	}
	return n, nil
}

const lockoutColumns = `id, failures, locked_until, updated_at, expires_at`

func scanLockout(sc scanner, l *store.Lockout) error {
	return sc.Scan(&l.Key, &l.Failures, timeCol{&l.LockedUntil}, timeCol{&l.UpdatedAt}, timeCol{&l.ExpiresAt})
}

func (s *Store) GetLockout(ctx context.Context, key string, now time.Time) (*store.Lockout, error) {
	var l store.Lockout
	err := scanLockout(s.r().QueryRowContext(ctx, `SELECT `+lockoutColumns+` FROM rate_limit_lockouts
		WHERE id = $1 AND expires_at > $2`, key, now.UnixMilli()), &l)
	if err != nil {
		return nil, s.wrap("get lockout", err)
	}
	return &l, nil
}

// UpdateLockout inserts a blank row when there is none (so concurrent
// first failures serialise on it instead of clashing), locks it, and
// treats an expired row as blank.
func (s *Store) UpdateLockout(ctx context.Context, key string, now time.Time, update func(*store.Lockout) error) (*store.Lockout, error) {
	const op = "update lockout"
	var out *store.Lockout
	err := s.inTx(ctx, func(tx *Store) error {
		nowMS := now.UnixMilli()
		if _, err := tx.w().ExecContext(ctx, `INSERT INTO rate_limit_lockouts (id, failures, updated_at, expires_at)
			VALUES ($1, 0, $2, $2) ON CONFLICT (id) DO NOTHING`, key, nowMS); err != nil {
			return tx.wrap(op, err)
		}
		var l store.Lockout
		if err := scanLockout(tx.w().QueryRowContext(ctx, `SELECT `+lockoutColumns+` FROM rate_limit_lockouts
			WHERE id = $1`+s.dialect.ForUpdate, key), &l); err != nil {
			return tx.wrap(op, err)
		}
		if !l.ExpiresAt.After(now) {
			l = store.Lockout{Key: key}
		}
		if err := update(&l); err != nil {
			return err
		}
		l.Key, l.UpdatedAt = key, truncate(now)
		l.LockedUntil, l.ExpiresAt = truncate(l.LockedUntil), truncate(l.ExpiresAt)
		if l.ExpiresAt.IsZero() {
			l.ExpiresAt = l.UpdatedAt
		}
		if _, err := tx.w().ExecContext(ctx, `UPDATE rate_limit_lockouts SET failures = $1, locked_until = $2,
			updated_at = $3, expires_at = $4 WHERE id = $5`,
			l.Failures, millis(l.LockedUntil), millis(l.UpdatedAt), millis(l.ExpiresAt), key); err != nil {
			return tx.wrap(op, err)
		}
		out = &l
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Store) DeleteLockout(ctx context.Context, key string) error {
	_, err := s.execCount(ctx, "delete lockout", `DELETE FROM rate_limit_lockouts WHERE id = $1`, key)
	return err
}

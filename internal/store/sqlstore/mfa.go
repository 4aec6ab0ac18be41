package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/internal/id"
	"github.com/gatehouse/gatehouse/internal/store"
)

const mfaFactorColumns = `id, user_id, type, name, secret, last_totp_step, credential_id, public_key,
	sign_count, details, created_at, last_used_at`

func scanMFAFactor(sc scanner, f *store.MFAFactor, extra ...any) error {
	var signCount int64
	dest := append([]any{&f.ID, &f.UserID, &f.Type, &f.Name, &f.Secret, &f.LastTOTPStep, &f.CredentialID, &f.PublicKey,
		&signCount, rawCol{&f.Details}, timeCol{&f.CreatedAt}, timeCol{&f.LastUsedAt}}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return err
	}
	f.SignCount = uint32(signCount)
	return nil
}

// Statements inside inTx callbacks run on the *sql.Tx itself (as
// UpdateUser's do), not through the statement cache: preparing a new
// statement on the pool would wait for a connection, and on SQLite the
// transaction holds the only writer.

// txExecOne runs a statement on the transaction that must affect exactly
// one row, reporting ErrNotFound when it affected none.
func (s *Store) txExecOne(ctx context.Context, op, query string, args ...any) error {
	res, err := s.tx.ExecContext(ctx, query, args...)
	if err != nil {
		return s.wrap(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return s.wrap(op, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", op, store.ErrNotFound)
	}
	return nil
}

// nullBytes encodes an optional BLOB column: empty is NULL, so factors
// without a credential never clash in the unique credential_id index.
func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// CreateMFAFactor inserts the factor and its backup codes in one
// transaction. The partial unique index on (user_id, type) turns a second
// TOTP or BackupCode factor into ErrConflict.
func (s *Store) CreateMFAFactor(ctx context.Context, f *store.MFAFactor) error {
	const op = "create mfa factor"
	if f.ID == "" {
		f.ID = id.New()
	}
	f.CreatedAt = createdAt(f.CreatedAt)
	f.LastUsedAt = truncate(f.LastUsedAt)
	return s.inTx(ctx, func(tx *Store) error {
		if _, err := tx.w().ExecContext(ctx, `INSERT INTO mfa_factors (`+mfaFactorColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			f.ID, f.UserID, f.Type, f.Name, nullBytes(f.Secret), f.LastTOTPStep, nullBytes(f.CredentialID),
			nullBytes(f.PublicKey), int64(f.SignCount), rawJSON(f.Details), millis(f.CreatedAt), millis(f.LastUsedAt)); err != nil {
			// A missing user is a foreign-key failure: ErrNotFound.
			return tx.wrap(op, err)
		}
		for i := range f.BackupCodes {
			c := &f.BackupCodes[i]
			c.UsedAt = truncate(c.UsedAt)
			if _, err := tx.w().ExecContext(ctx, `INSERT INTO mfa_backup_codes (factor_id, hash, used_at) VALUES ($1, $2, $3)`,
				f.ID, c.Hash, millis(c.UsedAt)); err != nil {
				return tx.wrap(op, err)
			}
		}
		return nil
	})
}

// ListMFAFactors also counts each BackupCode factor's unused codes.
func (s *Store) ListMFAFactors(ctx context.Context, userID string) ([]store.MFAFactor, error) {
	return queryList(ctx, s, "list mfa factors",
		`SELECT `+mfaFactorColumns+`,
			(SELECT count(*) FROM mfa_backup_codes c WHERE c.factor_id = mfa_factors.id AND c.used_at IS NULL)
		FROM mfa_factors WHERE user_id = $1 ORDER BY created_at, id`,
		func(sc scanner, f *store.MFAFactor) error {
			return scanMFAFactor(sc, f, &f.RemainingCodes)
		}, userID)
}

func (s *Store) DeleteMFAFactor(ctx context.Context, userID, factorID string) error {
	return s.execOne(ctx, "delete mfa factor", `DELETE FROM mfa_factors WHERE id = $1 AND user_id = $2`, factorID, userID)
}

// UseTOTPStep is one conditional UPDATE, so two requests racing with the
// same code cannot both succeed: the second sees the step already taken.
func (s *Store) UseTOTPStep(ctx context.Context, factorID string, step int64, now time.Time) error {
	const op = "use totp step"
	n, err := s.execCount(ctx, op, `UPDATE mfa_factors SET last_totp_step = $1, last_used_at = $2
		WHERE id = $3 AND type = $4 AND last_totp_step < $1`, step, now.UnixMilli(), factorID, store.FactorTOTP)
	if err != nil {
		return err
	}
	if n == 1 {
		return nil
	}
	var exists int
	if err := s.r().QueryRowContext(ctx, `SELECT count(*) FROM mfa_factors WHERE id = $1 AND type = $2`,
		factorID, store.FactorTOTP).Scan(&exists); err != nil {
		return s.wrap(op, err)
	}
	if exists == 0 {
		return fmt.Errorf("%s: %w", op, store.ErrNotFound)
	}
	return fmt.Errorf("%s: step already used: %w", op, store.ErrConflict)
}

func (s *Store) UpdateWebAuthnSignCount(ctx context.Context, factorID string, count uint32, now time.Time) error {
	return s.execOne(ctx, "update webauthn sign count", `UPDATE mfa_factors SET sign_count = $1, last_used_at = $2
		WHERE id = $3 AND type = $4`, int64(count), now.UnixMilli(), factorID, store.FactorWebAuthn)
}

// UseBackupCode marks the code used with a conditional UPDATE (used_at IS
// NULL), so a code cannot be spent twice even by concurrent requests, and
// stamps the factor's LastUsedAt in the same transaction.
func (s *Store) UseBackupCode(ctx context.Context, userID string, hash []byte, now time.Time) error {
	const op = "use backup code"
	return s.inTx(ctx, func(tx *Store) error {
		var factorID string
		if err := tx.w().QueryRowContext(ctx, `SELECT id FROM mfa_factors WHERE user_id = $1 AND type = $2`,
			userID, store.FactorBackupCode).Scan(&factorID); err != nil {
			return tx.wrap(op, err)
		}
		if err := tx.txExecOne(ctx, op, `UPDATE mfa_backup_codes SET used_at = $1
			WHERE factor_id = $2 AND hash = $3 AND used_at IS NULL`, now.UnixMilli(), factorID, hash); err != nil {
			return err
		}
		return tx.txExecOne(ctx, op, `UPDATE mfa_factors SET last_used_at = $1 WHERE id = $2`, now.UnixMilli(), factorID)
	})
}

func (s *Store) ListBackupCodes(ctx context.Context, factorID string) ([]store.BackupCode, error) {
	return queryList(ctx, s, "list backup codes",
		`SELECT hash, used_at FROM mfa_backup_codes WHERE factor_id = $1 ORDER BY hash`,
		func(sc scanner, c *store.BackupCode) error {
			return sc.Scan(&c.Hash, timeCol{&c.UsedAt})
		}, factorID)
}

func (s *Store) SetMFASkipped(ctx context.Context, userID string, skipped bool) error {
	const op = "set mfa skipped"
	_, err := s.w().ExecContext(ctx, `INSERT INTO user_mfa_settings (user_id, skipped, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (user_id) DO UPDATE SET skipped = excluded.skipped, updated_at = excluded.updated_at`,
		userID, skipped, time.Now().UnixMilli())
	return s.wrap(op, err)
}

func (s *Store) MFASkipped(ctx context.Context, userID string) (bool, error) {
	var skipped bool
	err := s.r().QueryRowContext(ctx, `SELECT skipped FROM user_mfa_settings WHERE user_id = $1`, userID).Scan(&skipped)
	if err != nil {
		err = s.wrap("get mfa skipped", err)
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		return false, err
	}
	return skipped, nil
}

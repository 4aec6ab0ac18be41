package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

const verificationCodeColumns = `id, interaction_id, identifier_type, identifier, purpose, hash, attempts,
	created_at, expires_at, consumed_at`

func scanVerificationCode(sc scanner, c *store.VerificationCode) error {
	return sc.Scan(&c.ID, &c.InteractionID, &c.IdentifierType, &c.Identifier, &c.Purpose, &c.Hash, &c.Attempts,
		timeCol{&c.CreatedAt}, timeCol{&c.ExpiresAt}, timeCol{&c.ConsumedAt})
}

// CreateVerificationCode inserts c; a zero CreatedAt becomes the current
// time.
func (s *Store) CreateVerificationCode(ctx context.Context, c *store.VerificationCode) error {
	c.CreatedAt = createdAt(c.CreatedAt)
	c.ExpiresAt, c.ConsumedAt = truncate(c.ExpiresAt), truncate(c.ConsumedAt)
	_, err := s.w().ExecContext(ctx, `INSERT INTO verification_codes (`+verificationCodeColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		c.ID, c.InteractionID, c.IdentifierType, c.Identifier, c.Purpose, c.Hash, c.Attempts,
		millis(c.CreatedAt), millis(c.ExpiresAt), millis(c.ConsumedAt))
	return s.wrap("create verification code", err)
}

func (s *Store) GetVerificationCode(ctx context.Context, codeID string) (*store.VerificationCode, error) {
	var c store.VerificationCode
	err := scanVerificationCode(s.r().QueryRowContext(ctx, `SELECT `+verificationCodeColumns+`
		FROM verification_codes WHERE id = $1`, codeID), &c)
	if err != nil {
		return nil, s.wrap("get verification code", err)
	}
	return &c, nil
}

// AttemptVerificationCode counts the attempt with one conditional UPDATE,
// so concurrent guesses cannot exceed maxAttempts between a read and a
// write. When the UPDATE matches nothing, a plain read tells the caller
// why.
func (s *Store) AttemptVerificationCode(ctx context.Context, codeID string, maxAttempts int, now time.Time) (*store.VerificationCode, bool, error) {
	const op = "attempt verification code"
	var c store.VerificationCode
	err := scanVerificationCode(s.w().QueryRowContext(ctx, `UPDATE verification_codes SET attempts = attempts + 1
		WHERE id = $1 AND consumed_at IS NULL AND expires_at > $2 AND attempts < $3
		RETURNING `+verificationCodeColumns, codeID, now.UnixMilli(), maxAttempts), &c)
	if err == nil {
		c.Attempts-- // as it was before this attempt
		return &c, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, false, s.wrap(op, err)
	}
	got, err := s.GetVerificationCode(ctx, codeID)
	if err != nil {
		return nil, false, s.wrap(op, err)
	}
	return got, false, nil
}

func (s *Store) ConsumeVerificationCode(ctx context.Context, codeID string, now time.Time) error {
	return s.execOne(ctx, "consume verification code", `UPDATE verification_codes SET consumed_at = $1
		WHERE id = $2 AND consumed_at IS NULL AND expires_at > $1`, now.UnixMilli(), codeID)
}

func (s *Store) DeleteVerificationCode(ctx context.Context, codeID string) error {
	return s.execOne(ctx, "delete verification code", `DELETE FROM verification_codes WHERE id = $1`, codeID)
}

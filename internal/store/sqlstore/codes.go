package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

const codeColumns = `hash, client_id, user_id, session_id, grant_id, redirect_uri, code_challenge,
	code_challenge_method, scopes, resources, nonce, auth_time, amr, created_at, expires_at, consumed_at`

func scanCode(sc scanner, c *store.AuthorizationCode) error {
	return sc.Scan(&c.Hash, &c.ClientID, strCol{&c.UserID}, strCol{&c.SessionID}, strCol{&c.GrantID},
		&c.RedirectURI, &c.CodeChallenge, &c.CodeChallengeMethod,
		jsonCol{&c.Scopes}, jsonCol{&c.Resources}, &c.Nonce, timeCol{&c.AuthTime}, jsonCol{&c.AMR},
		timeCol{&c.CreatedAt}, timeCol{&c.ExpiresAt}, timeCol{&c.ConsumedAt})
}

// CreateAuthorizationCode inserts c; a zero CreatedAt becomes the current
// time. UserID is a foreign key, so it is NULL when empty.
func (s *Store) CreateAuthorizationCode(ctx context.Context, c *store.AuthorizationCode) error {
	const op = "create authorization code"
	c.CreatedAt = createdAt(c.CreatedAt)
	c.AuthTime, c.ExpiresAt, c.ConsumedAt = truncate(c.AuthTime), truncate(c.ExpiresAt), truncate(c.ConsumedAt)
	enc, err := jsonArgs(c.Scopes, c.Resources, c.AMR)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	_, err = s.w().ExecContext(ctx, `INSERT INTO authorization_codes (`+codeColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
		c.Hash, c.ClientID, nullString(c.UserID), nullString(c.SessionID), nullString(c.GrantID),
		c.RedirectURI, c.CodeChallenge, c.CodeChallengeMethod, enc[0], enc[1], c.Nonce,
		millis(c.AuthTime), enc[2], millis(c.CreatedAt), millis(c.ExpiresAt), millis(c.ConsumedAt))
	return s.wrap(op, err)
}

// ConsumeAuthorizationCode marks a live code consumed with one conditional
// UPDATE, so of any number of concurrent redemptions exactly one matches
// "consumed_at IS NULL" and sees the code unconsumed. The others fall
// through to a plain read and get the code with ConsumedAt set: a replay.
// An expired code is ErrNotFound and stays untouched.
func (s *Store) ConsumeAuthorizationCode(ctx context.Context, hash []byte, now time.Time) (*store.AuthorizationCode, error) {
	const op = "consume authorization code"
	nowMS := now.UnixMilli()
	var c store.AuthorizationCode
	err := scanCode(s.w().QueryRowContext(ctx, `UPDATE authorization_codes SET consumed_at = $1
		WHERE hash = $2 AND consumed_at IS NULL AND `+notExpired("$1")+`
		RETURNING `+codeColumns, nowMS, hash), &c)
	if err == nil {
		c.ConsumedAt = time.Time{} // as it was before this call
		return &c, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, s.wrap(op, err)
	}
	err = scanCode(s.w().QueryRowContext(ctx, `SELECT `+codeColumns+` FROM authorization_codes
		WHERE hash = $1 AND `+notExpired("$2"), hash, nowMS), &c)
	if err != nil {
		return nil, s.wrap(op, err)
	}
	return &c, nil
}

package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/gatehouse/gatehouse/internal/id"
	"github.com/gatehouse/gatehouse/internal/store"
)

const sessionColumns = `id, user_id, auth_time, amr, client_ids, created_at, expires_at`

func scanSession(sc scanner, ss *store.Session) error {
	return sc.Scan(&ss.ID, &ss.UserID, timeCol{&ss.AuthTime}, jsonCol{&ss.AMR}, jsonCol{&ss.ClientIDs},
		timeCol{&ss.CreatedAt}, timeCol{&ss.ExpiresAt})
}

// CreateSession inserts ss; an empty ID gets a fresh one and a zero
// CreatedAt the current time.
func (s *Store) CreateSession(ctx context.Context, ss *store.Session) error {
	const op = "create session"
	if ss.ID == "" {
		ss.ID = id.NewToken()
	}
	ss.CreatedAt = createdAt(ss.CreatedAt)
	ss.AuthTime, ss.ExpiresAt = truncate(ss.AuthTime), truncate(ss.ExpiresAt)
	enc, err := jsonArgs(ss.AMR, ss.ClientIDs)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	_, err = s.w().ExecContext(ctx, `INSERT INTO sessions (`+sessionColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		ss.ID, ss.UserID, millis(ss.AuthTime), enc[0], enc[1], millis(ss.CreatedAt), millis(ss.ExpiresAt))
	return s.wrap(op, err)
}

// GetSession hides a session that has expired at now.
func (s *Store) GetSession(ctx context.Context, sessionID string, now time.Time) (*store.Session, error) {
	var ss store.Session
	err := scanSession(s.r().QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM sessions
		WHERE id = $1 AND `+notExpired("$2"), sessionID, now.UnixMilli()), &ss)
	if err != nil {
		return nil, s.wrap("get session", err)
	}
	return &ss, nil
}

// AddSessionClient appends clientID to the session's client list unless it
// is already there. The list is a JSON column, so this is a locked
// read-modify-write rather than a single UPDATE.
func (s *Store) AddSessionClient(ctx context.Context, sessionID, clientID string) error {
	const op = "add session client"
	return s.inTx(ctx, func(tx *Store) error {
		var ids []string
		if err := tx.w().QueryRowContext(ctx, `SELECT client_ids FROM sessions WHERE id = $1`+s.dialect.ForUpdate,
			sessionID).Scan(jsonCol{&ids}); err != nil {
			return tx.wrap(op, err)
		}
		if slices.Contains(ids, clientID) {
			return nil
		}
		enc, err := jsonVal(append(ids, clientID))
		if err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		_, err = tx.w().ExecContext(ctx, `UPDATE sessions SET client_ids = $1 WHERE id = $2`, enc, sessionID)
		return tx.wrap(op, err)
	})
}

func (s *Store) DeleteSession(ctx context.Context, sessionID string) error {
	return s.execOne(ctx, "delete session", `DELETE FROM sessions WHERE id = $1`, sessionID)
}

// ListUserSessions returns the user's live sessions, newest first.
func (s *Store) ListUserSessions(ctx context.Context, userID string, now time.Time) ([]store.Session, error) {
	return queryList(ctx, s, "list user sessions", `SELECT `+sessionColumns+` FROM sessions
		WHERE user_id = $1 AND `+notExpired("$2")+` ORDER BY created_at DESC, id DESC`,
		scanSession, userID, now.UnixMilli())
}

package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

const tokenColumns = `hash, kind, client_id, user_id, grant_id, session_id, scopes, resources,
	auth_time, amr, first_issued_at, created_at, expires_at, consumed_at, at_hash, at_scopes, at_expires_at`

func scanToken(sc scanner, t *store.Token) error {
	var at store.EmbeddedAccess
	err := sc.Scan(&t.Hash, &t.Kind, &t.ClientID, strCol{&t.UserID}, strCol{&t.GrantID}, strCol{&t.SessionID},
		jsonCol{&t.Scopes}, jsonCol{&t.Resources}, timeCol{&t.AuthTime}, jsonCol{&t.AMR},
		timeCol{&t.FirstIssuedAt}, timeCol{&t.CreatedAt}, timeCol{&t.ExpiresAt}, timeCol{&t.ConsumedAt},
		&at.Hash, jsonCol{&at.Scopes}, timeCol{&at.ExpiresAt})
	if err == nil && at.Hash != nil {
		t.Access = &at
	}
	return err
}

// accessArgs are the at_* column values of a row holding a.
func accessArgs(a *store.EmbeddedAccess) (hash, scopes, expiresAt any, err error) {
	if a == nil {
		return nil, nil, nil, nil
	}
	a.ExpiresAt = truncate(a.ExpiresAt)
	if scopes, err = jsonVal(a.Scopes); err != nil {
		return nil, nil, nil, err
	}
	return a.Hash, scopes, millis(a.ExpiresAt), nil
}

// embeddedToken is the access token a refresh token's row holds, as the
// Token it stands for.
func embeddedToken(row *store.Token) *store.Token {
	a := row.Access
	return &store.Token{Hash: a.Hash, Kind: store.TokenAccess, ClientID: row.ClientID, UserID: row.UserID,
		GrantID: row.GrantID, SessionID: row.SessionID, Scopes: a.Scopes, AuthTime: row.AuthTime, AMR: row.AMR,
		CreatedAt: row.CreatedAt, ExpiresAt: a.ExpiresAt}
}

// CreateToken inserts t; a zero CreatedAt becomes the current time. UserID
// is NULL for client-credentials tokens, which have no user.
func (s *Store) CreateToken(ctx context.Context, t *store.Token) error {
	const op = "create token"
	t.CreatedAt = createdAt(t.CreatedAt)
	t.AuthTime, t.FirstIssuedAt = truncate(t.AuthTime), truncate(t.FirstIssuedAt)
	t.ExpiresAt, t.ConsumedAt = truncate(t.ExpiresAt), truncate(t.ConsumedAt)
	enc, err := jsonArgs(t.Scopes, t.Resources, t.AMR)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	atHash, atScopes, atExpires, err := accessArgs(t.Access)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	_, err = s.w().ExecContext(ctx, `INSERT INTO tokens (`+tokenColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
		t.Hash, t.Kind, t.ClientID, nullString(t.UserID), nullString(t.GrantID), nullString(t.SessionID),
		enc[0], enc[1], millis(t.AuthTime), enc[2], millis(t.FirstIssuedAt), millis(t.CreatedAt),
		millis(t.ExpiresAt), millis(t.ConsumedAt), atHash, atScopes, atExpires)
	return s.wrap(op, err)
}

// GetToken hides a token that has expired at now.
// An access token held in a refresh token's row is found by at_hash, and
// lives by its own expiry (while the row is there).
func (s *Store) GetToken(ctx context.Context, hash []byte, now time.Time) (*store.Token, error) {
	var t store.Token
	err := scanToken(s.r().QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM tokens
		WHERE hash = $1 AND `+notExpired("$2"), hash, now.UnixMilli()), &t)
	if errors.Is(err, sql.ErrNoRows) {
		var row store.Token
		err = scanToken(s.r().QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM tokens
			WHERE at_hash = $1 AND at_expires_at > $2`, hash, now.UnixMilli()), &row)
		if err == nil {
			return embeddedToken(&row), nil
		}
	}
	if errors.Is(err, sql.ErrNoRows) {
		err = s.getHeldAccessToken(ctx, hash, now, &t)
	}
	if err != nil {
		return nil, s.wrap("get token", err)
	}
	return &t, nil
}

// RotateToken is a conditional UPDATE: only the rotation that still finds
// oldHash current changes the row. When it replaces the row's access token
// and that one still lives, it first copies it to held_access_tokens, in
// the same transaction, from the row as it is then (read FOR UPDATE on
// PostgreSQL; SQLite has one writer): a concurrent revocation of that
// token either comes first (nothing is held) or finds the held row.
func (s *Store) RotateToken(ctx context.Context, oldHash []byte, next *store.Token, now time.Time) error {
	next.CreatedAt = createdAt(next.CreatedAt)
	next.ExpiresAt = truncate(next.ExpiresAt)
	const op = "rotate token"
	q := rotateSQL[rotateVariant(next, s.dialect.WritingCTE)]
	args := append(make([]any, 0, 8), oldHash, now.UnixMilli(), next.Hash, millis(next.CreatedAt))
	if !next.ExpiresAt.IsZero() {
		args = append(args, millis(next.ExpiresAt))
	}
	if next.Access == nil {
		return s.execOne(ctx, op, q.set, args...)
	}
	atHash, atScopes, atExpires, err := accessArgs(next.Access)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	args = append(args, atHash, atScopes, atExpires)
	if q.hold == "" {
		return s.execOne(ctx, op, q.set, args...) // one statement (PostgreSQL)
	}
	return s.inTx(ctx, func(tx *Store) error {
		// SQLite numbers parameters up to the highest one used.
		if _, err := tx.w().ExecContext(ctx, q.hold, args[:q.holdArgs]...); err != nil {
			return tx.wrap("hold access token", err)
		}
		return tx.execOne(ctx, op, q.set, args...)
	})
}

// rotateStatements are RotateToken's statements for one shape of rotation.
type rotateStatements struct {
	set      string // the conditional UPDATE (on PostgreSQL with the hold in it)
	hold     string // SQLite: the INSERT that holds the displaced access token
	holdArgs int    // the arguments hold takes: SQLite binds up to the highest number it uses
}

// rotateSQL holds the statements for every variant (rotateVariant), built
// once: a zero next.ExpiresAt keeps the row's expiry, and leaving
// expires_at out of the UPDATE spares its index entry a delete and an
// insert (a page in the commit; an SPA's rotation keeps its expiry).
var rotateSQL = func() (v [8]rotateStatements) {
	for i := range v {
		v[i] = buildRotate(i&1 != 0, i&2 != 0, i&4 != 0)
	}
	return v
}()

func rotateVariant(next *store.Token, cte bool) int {
	i := 0
	if !next.ExpiresAt.IsZero() {
		i |= 1
	}
	if next.Access != nil {
		i |= 2
	}
	if cte {
		i |= 4
	}
	return i
}

// buildRotate writes the statements with parameters numbered as
// RotateToken appends its arguments: $1 old hash, $2 now, $3 new hash,
// $4 created at, then the expiry if set, then the access token's hash,
// scopes and expiry if any.
func buildRotate(setExpiry, access, cte bool) rotateStatements {
	n := 4
	param := func() string { n++; return "$" + strconv.Itoa(n) }
	set := `UPDATE tokens SET hash = $3, created_at = $4`
	if setExpiry {
		set += `, expires_at = ` + param()
	}
	live := `WHERE hash = $1 AND kind = 'refresh' AND consumed_at IS NULL AND ` + notExpired("$2")
	if !access {
		return rotateStatements{set: set + ` ` + live}
	}
	atHash := param()
	holdArgs := n // hold numbers its parameters up to the access token's hash
	set += `, at_hash = ` + atHash + `, at_scopes = ` + param() + `, at_expires_at = ` + param() + ` `
	// The row's access token is held when it lives and is not the new one,
	// copied from the row as it is under the rotation's lock.
	const hold = `INSERT INTO held_access_tokens (hash, grant_id, scopes, created_at, expires_at)
		SELECT at_hash, grant_id, at_scopes, created_at, at_expires_at FROM `
	holdIf := `at_hash IS NOT NULL AND at_expires_at > $2 AND grant_id IS NOT NULL AND at_hash <> ` + atHash
	if cte {
		// Both steps in one statement: the row is read FOR UPDATE.
		return rotateStatements{set: `WITH prev AS (
				SELECT hash, grant_id, created_at, at_hash, at_scopes, at_expires_at FROM tokens ` + live + ` FOR UPDATE),
			held AS (` + hold + `prev WHERE ` + holdIf + `)
			` + set + `FROM prev WHERE tokens.hash = prev.hash`}
	}
	return rotateStatements{set: set + live, hold: hold + `tokens ` + live + ` AND ` + holdIf, holdArgs: holdArgs}
}

// getHeldAccessToken reads a held access token into t, with the rest of it
// from its chain's row: without that row (revoked) it is not found. The
// chain's own expiry does not matter, as for an embedded access token.
func (s *Store) getHeldAccessToken(ctx context.Context, hash []byte, now time.Time, t *store.Token) error {
	err := s.r().QueryRowContext(ctx, `SELECT h.hash, h.scopes, h.created_at, h.expires_at,
		t.client_id, t.user_id, t.grant_id, t.session_id, t.auth_time, t.amr
		FROM held_access_tokens h JOIN tokens t ON t.grant_id = h.grant_id AND t.kind = 'refresh' AND t.consumed_at IS NULL
		WHERE h.hash = $1 AND h.expires_at > $2`, hash, now.UnixMilli()).Scan(
		&t.Hash, jsonCol{&t.Scopes}, timeCol{&t.CreatedAt}, timeCol{&t.ExpiresAt},
		&t.ClientID, strCol{&t.UserID}, strCol{&t.GrantID}, strCol{&t.SessionID}, timeCol{&t.AuthTime}, jsonCol{&t.AMR})
	t.Kind = store.TokenAccess
	return err
}

// RevokeLiveGrant deletes the grant's tokens in one statement when a live
// refresh token of the grant exists.
func (s *Store) RevokeLiveGrant(ctx context.Context, grantID string, now time.Time) (int, error) {
	return s.execCount(ctx, "revoke live grant", `DELETE FROM tokens WHERE grant_id = $1 AND EXISTS (
		SELECT 1 FROM tokens WHERE grant_id = $1 AND kind = 'refresh' AND consumed_at IS NULL AND `+notExpired("$2")+`)`,
		grantID, now.UnixMilli())
}

// ExtendToken sets a new expiry, even on a token that has already expired
// but not yet been swept.
func (s *Store) ExtendToken(ctx context.Context, hash []byte, expiresAt time.Time) error {
	return s.execOne(ctx, "extend token", `UPDATE tokens SET expires_at = $1 WHERE hash = $2`, millis(expiresAt), hash)
}

func (s *Store) DeleteToken(ctx context.Context, hash []byte) error {
	const op = "delete token"
	err := s.execOne(ctx, op, `DELETE FROM tokens WHERE hash = $1`, hash)
	if errors.Is(err, store.ErrNotFound) {
		err = s.execOne(ctx, op, `UPDATE tokens SET at_hash = NULL, at_scopes = NULL, at_expires_at = NULL
			WHERE at_hash = $1`, hash)
	}
	if errors.Is(err, store.ErrNotFound) {
		err = s.execOne(ctx, op, `DELETE FROM held_access_tokens WHERE hash = $1`, hash)
	}
	return err
}

// DeleteGrantTokens revokes a token family; no tokens is not an error.
func (s *Store) DeleteGrantTokens(ctx context.Context, grantID string) (int, error) {
	return s.execCount(ctx, "delete grant tokens", `DELETE FROM tokens WHERE grant_id = $1`, grantID)
}

// DeleteSessionTokens revokes what a session issued; no tokens is not an
// error.
func (s *Store) DeleteSessionTokens(ctx context.Context, sessionID string) (int, error) {
	return s.execCount(ctx, "delete session tokens", `DELETE FROM tokens WHERE session_id = $1`, sessionID)
}

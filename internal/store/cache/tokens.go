package cache

import (
	"bytes"
	"context"
	"slices"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// The token read cache: GetToken results for opaque access tokens, by hash,
// for at most the TTL and never past the token's ExpiresAt.
//
// Every store method that changes or removes token rows drops what it
// affects here (and on the other nodes, through the bus):
//
//	by hash:        ExtendToken,
//	                DeleteToken
//	the whole map:  DeleteGrantTokens, RevokeLiveGrant (refresh.go),
//	                DeleteSessionTokens, DeleteUserClientTokens, DeleteUser,
//	                DeleteApplication, UpdateUser when it changes IsSuspended
//
// CreateToken needs nothing (a miss is never cached), RotateToken changes
// only refresh tokens (never cached; the access token it displaces stays
// valid) and DeleteExpired removes only rows no cache entry outlives. A
// new token-mutating store method gets a wrapper for Store and txStore
// that calls noteTokens with the hashes it names, or noteDeleted /
// noteTokens with none to drop the whole map; TestEveryWriteDecided fails
// until each new store write is wrapped or listed as untouched.

// GetToken serves access tokens from memory; refresh tokens, misses and
// errors always go to the database. Callers get their own copy (a token
// that is never cached is theirs already).
func (c *Store) GetToken(ctx context.Context, hash []byte, now time.Time) (*store.Token, error) {
	t, err := c.tokens.getBounded(string(hash),
		func(t *store.Token) bool { return t.ExpiresAt.IsZero() || now.Before(t.ExpiresAt) },
		func() (*store.Token, error) { return c.Store.GetToken(ctx, hash, now) },
		func(t *store.Token) (time.Time, bool) {
			// Only access tokens with an expiry are kept, until then.
			return t.ExpiresAt, t.Kind == store.TokenAccess && !t.ExpiresAt.IsZero()
		})
	if err != nil {
		return nil, err
	}
	if t.Kind != store.TokenAccess || t.ExpiresAt.IsZero() {
		return t, nil // never cached (see the limit above): the caller's own
	}
	return cloneToken(t), nil
}

func cloneToken(t *store.Token) *store.Token {
	cp := *t
	cp.Hash = bytes.Clone(t.Hash)
	cp.Scopes = slices.Clone(t.Scopes)
	cp.Resources = slices.Clone(t.Resources)
	cp.AMR = slices.Clone(t.AMR)
	return &cp
}

// noteTokens records that the tokens with these hashes changed or went; no
// hash means any token may have (a write by grant, session, user or
// client): the whole token map is dropped.
func noteTokens(ctx context.Context, w writer, err error, hashes ...[]byte) {
	w.note(ctx, err, func(inv *invalidations) {
		if len(hashes) == 0 {
			allTokens(inv)
			return
		}
		for _, h := range hashes {
			inv.tokens = append(inv.tokens, string(h))
		}
	})
}

func allTokens(inv *invalidations) { inv.allTokens = true }

// noteDeleted is noteTokens for the deletes that count their rows: when
// none went, nothing changed.
func noteDeleted(ctx context.Context, w writer, n int, err error) {
	if err == nil && n == 0 {
		return
	}
	noteTokens(ctx, w, err)
}

func (c *Store) ExtendToken(ctx context.Context, hash []byte, expiresAt time.Time) error {
	err := c.Store.ExtendToken(ctx, hash, expiresAt)
	noteTokens(ctx, c, err, hash)
	return err
}
func (t *txStore) ExtendToken(ctx context.Context, hash []byte, expiresAt time.Time) error {
	err := t.Store.ExtendToken(ctx, hash, expiresAt)
	noteTokens(ctx, t, err, hash)
	return err
}

func (c *Store) DeleteToken(ctx context.Context, hash []byte) error {
	err := c.Store.DeleteToken(ctx, hash)
	noteTokens(ctx, c, err, hash)
	return err
}
func (t *txStore) DeleteToken(ctx context.Context, hash []byte) error {
	err := t.Store.DeleteToken(ctx, hash)
	noteTokens(ctx, t, err, hash)
	return err
}

func (c *Store) DeleteGrantTokens(ctx context.Context, grantID string) (int, error) {
	n, err := c.Store.DeleteGrantTokens(ctx, grantID)
	noteDeleted(ctx, c, n, err)
	return n, err
}
func (t *txStore) DeleteGrantTokens(ctx context.Context, grantID string) (int, error) {
	n, err := t.Store.DeleteGrantTokens(ctx, grantID)
	noteDeleted(ctx, t, n, err)
	return n, err
}

func (c *Store) DeleteSessionTokens(ctx context.Context, sessionID string) (int, error) {
	n, err := c.Store.DeleteSessionTokens(ctx, sessionID)
	noteDeleted(ctx, c, n, err)
	return n, err
}
func (t *txStore) DeleteSessionTokens(ctx context.Context, sessionID string) (int, error) {
	n, err := t.Store.DeleteSessionTokens(ctx, sessionID)
	noteDeleted(ctx, t, n, err)
	return n, err
}

func (c *Store) DeleteUserClientTokens(ctx context.Context, userID, clientID string) (int, error) {
	n, err := c.Store.DeleteUserClientTokens(ctx, userID, clientID)
	noteDeleted(ctx, c, n, err)
	return n, err
}
func (t *txStore) DeleteUserClientTokens(ctx context.Context, userID, clientID string) (int, error) {
	n, err := t.Store.DeleteUserClientTokens(ctx, userID, clientID)
	noteDeleted(ctx, t, n, err)
	return n, err
}

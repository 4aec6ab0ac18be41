package cache

import (
	"context"
	"time"
)

// RotateToken changes only refresh tokens, which are never cached: it needs
// no wrapper. RevokeLiveGrant deletes a grant's access tokens too.

func (c *Store) RevokeLiveGrant(ctx context.Context, grantID string, now time.Time) (int, error) {
	n, err := c.Store.RevokeLiveGrant(ctx, grantID, now)
	noteDeleted(ctx, c, n, err)
	return n, err
}
func (t *txStore) RevokeLiveGrant(ctx context.Context, grantID string, now time.Time) (int, error) {
	n, err := t.Store.RevokeLiveGrant(ctx, grantID, now)
	noteDeleted(ctx, t, n, err)
	return n, err
}

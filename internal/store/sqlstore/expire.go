package sqlstore

import (
	"context"
	"time"
)

// defaultSweepLimit applies when DeleteExpired is given a limit <= 0.
const defaultSweepLimit = 1000

// sweepTables lists the tables with an expiry, each with its primary key,
// in the order DeleteExpired visits them.
var sweepTables = []struct{ table, key, also string }{
	{"interactions", "id", ""},
	{"sessions", "id", ""},
	{"authorization_codes", "hash", ""},
	// A refresh token's row stays while the access token it holds lives.
	{"tokens", "hash", " AND (at_expires_at IS NULL OR at_expires_at <= $1)"},
	{"held_access_tokens", "hash", ""},
	{"grants", "id", ""},
	{"assertion_jtis", "id", ""},
	{"logout_notices", "id", ""},
	{"verification_codes", "id", ""},
	{"rate_limit_counters", "id", ""},
	{"rate_limit_lockouts", "id", ""},
}

// DeleteExpired deletes at most limit rows whose expiry is at or before now,
// across all short-lived tables. Each table's batch is its own statement so
// a sweep never holds a long write lock; the sweeper calls again while the
// result equals limit.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time, limit int) (int, error) {
	if limit <= 0 {
		limit = defaultSweepLimit
	}
	total := 0
	for _, t := range sweepTables {
		if total >= limit {
			break
		}
		// The subquery bounds the batch portably: neither engine's plain
		// DELETE takes a LIMIT in its default build.
		n, err := s.execCount(ctx, "delete expired "+t.table, `DELETE FROM `+t.table+` WHERE `+t.key+` IN (
			SELECT `+t.key+` FROM `+t.table+` WHERE expires_at <= $1`+t.also+` LIMIT $2)`, now.UnixMilli(), limit-total)
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}

package sqlstore

import "database/sql"

// PoolStats reports the connection pools for monitoring: "write" and
// "read" when the store has two (SQLite), "main" when one pool does both
// (PostgreSQL).
func (s *Store) PoolStats() map[string]sql.DBStats {
	if s.read == s.write {
		return map[string]sql.DBStats{"main": s.write.Stats()}
	}
	return map[string]sql.DBStats{"write": s.write.Stats(), "read": s.read.Stats()}
}

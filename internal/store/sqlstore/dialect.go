package sqlstore

import "io/fs"

// Dialect is everything sqlstore needs to know about one database engine.
// Keeping it a plain struct (rather than an interface with many methods)
// makes the differences between backends visible in one place.
type Dialect struct {
	// Name is used in error messages ("sqlite", "postgres").
	Name string
	// ForUpdate is appended to the SELECT that starts a read-modify-write.
	// PostgreSQL needs " FOR UPDATE" so two concurrent updaters serialise on
	// the row; SQLite has no row locks but every write transaction already
	// holds the database write lock (BEGIN IMMEDIATE), so it is empty there.
	ForUpdate string
	// LockMigrations runs inside each migration transaction before the
	// applied-version check, so two processes migrating at once apply each
	// step exactly once. Empty when the engine already serialises writers.
	LockMigrations string
	// Migrations holds NNNN_name.sql files applied in version order.
	Migrations fs.FS
	// Classify maps an engine-specific error to store.ErrConflict,
	// store.ErrNotFound or store.ErrUnavailable, returning the sentinel to
	// wrap, or nil when the error is not one it recognises.
	Classify func(error) error
	// GroupCommit batches concurrent transactions into one (see
	// groupCommit): for an engine with a single writer connection.
	GroupCommit bool
	// WritingCTE: the engine runs INSERT and UPDATE inside WITH, so a
	// read-modify-write of several tables can be one statement, one round
	// trip, instead of a transaction of three (PostgreSQL; SQLite cannot,
	// and its statements cost no round trip).
	WritingCTE bool
}

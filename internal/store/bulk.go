package store

import "context"

// BulkUsers is implemented by stores that can load many users at once: the
// user generator (gatehouse users generate) and imports. It is separate
// from Users so that the per-request interfaces stay small; callers
// type-assert for it.
type BulkUsers interface {
	// CreateUsers inserts users in one transaction: all of them or, on any
	// error (a clash is ErrConflict), none. Empty IDs and times are filled
	// as CreateUser fills them, in the slice itself.
	CreateUsers(ctx context.Context, users []User) error
}

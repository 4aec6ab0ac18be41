package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"syscall"

	"github.com/gatehouse/gatehouse/internal/store"
)

// wrap classifies err and prefixes it with op. The driver error stays in the
// chain (for logs and errors.As) next to the store sentinel (for callers
// deciding between 404, 409 and 503).
func (s *Store) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", op, s.classify(err))
}

// classify returns err wrapped with the store sentinel it stands for, or err
// unchanged if it is already classified or unrecognised.
func (s *Store) classify(err error) error {
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrUnavailable) {
		return err
	}
	var sentinel error
	if s.dialect.Classify != nil {
		sentinel = s.dialect.Classify(err)
	}
	switch {
	case sentinel != nil:
	case errors.Is(err, sql.ErrNoRows):
		sentinel = store.ErrNotFound
	case isUnavailable(err):
		sentinel = store.ErrUnavailable
	default:
		return err
	}
	return fmt.Errorf("%w: %w", sentinel, err)
}

// isUnavailable recognises the engine-independent ways a database can be
// out of reach: the caller's deadline or cancellation, a dropped or refused
// connection, a network timeout.
func isUnavailable(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne)
}

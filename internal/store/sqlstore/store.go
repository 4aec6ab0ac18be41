package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/store"
)

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Store implements store.Store on database/sql.
//
// A top-level Store holds two pools: writes (and every transaction) go to
// write, plain reads to read. On PostgreSQL they are the same pool; on SQLite
// write has a single connection so in-process writers queue in Go instead of
// failing with SQLITE_BUSY, while reads proceed in parallel under WAL. A
// Store returned to an InTx callback is bound to one *sql.Tx and uses it for
// everything.
type Store struct {
	dialect *Dialect
	read    *sql.DB
	write   *sql.DB
	tx      *sql.Tx
	// readStmts and writeStmts cache prepared statements per pool.
	readStmts, writeStmts *stmtCache
	// gc batches top-level transactions when the dialect asks for it.
	gc *groupCommit
}

var _ store.Store = (*Store)(nil)

// New returns a Store over the given pools, which may be the same. It does
// not migrate; call Migrate. The Store owns the pools and closes them.
func New(dialect *Dialect, read, write *sql.DB) *Store {
	ws := &stmtCache{db: write}
	rs := ws
	if read != write {
		rs = &stmtCache{db: read}
	}
	s := &Store{dialect: dialect, read: read, write: write, readStmts: rs, writeStmts: ws}
	if dialect.GroupCommit {
		s.gc = newGroupCommit(s)
	}
	return s
}

// r is where plain reads go.
func (s *Store) r() querier {
	if s.tx != nil {
		return s.inTxQuerier()
	}
	return pooled{s.readStmts}
}

// w is where single-statement writes go.
func (s *Store) w() querier {
	if s.tx != nil {
		return s.inTxQuerier()
	}
	return pooled{s.writeStmts}
}

// inTxQuerier runs queries in s's transaction (reads and writes alike).
func (s *Store) inTxQuerier() inTx {
	return inTx{tx: s.tx, c: s.writeStmts, detach: s.dialect.GroupCommit}
}

// InTx runs fn in one transaction on the write pool. A nested call joins the
// outer transaction: its writes commit or roll back with the outer one.
func (s *Store) InTx(ctx context.Context, fn func(tx store.Store) error) error {
	return s.inTx(ctx, func(tx *Store) error { return fn(tx) })
}

// inTx is InTx for package code that wants the concrete type. Errors from fn
// come back unchanged so callers can compare them; a panic rolls back and
// propagates.
func (s *Store) inTx(ctx context.Context, fn func(tx *Store) error) (err error) {
	if s.tx != nil {
		return fn(s)
	}
	if s.gc != nil {
		return s.gc.run(ctx, fn)
	}
	return s.plainTx(ctx, fn)
}

// plainTx runs fn in a transaction of its own.
func (s *Store) plainTx(ctx context.Context, fn func(tx *Store) error) (err error) {
	beginCtx := ctx
	if s.dialect.GroupCommit {
		// Single-writer engines run write transactions detached from the
		// caller's cancellation (see inTx): a caller gone before the start
		// gets its error, one that goes during the transaction does not
		// cut it short.
		if err := ctx.Err(); err != nil {
			return s.wrap("begin transaction", err)
		}
		beginCtx = context.WithoutCancel(ctx)
	}
	sqlTx, err := s.write.BeginTx(beginCtx, nil)
	if err != nil {
		return s.wrap("begin transaction", err)
	}
	txStore := s.boundTo(sqlTx)
	committed := false
	defer func() {
		if !committed {
			// Rollback after a failed fn or commit is best effort: the
			// original error is the one worth reporting.
			_ = sqlTx.Rollback()
		}
		if s.writeStmts != nil {
			s.writeStmts.prepareMissed(ctx)
		}
	}()
	if err := fn(txStore); err != nil {
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return s.wrap("commit transaction", err)
	}
	committed = true
	return nil
}

// Ping checks both pools.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.write.PingContext(ctx); err != nil {
		return s.wrap("ping", err)
	}
	if s.read != s.write {
		if err := s.read.PingContext(ctx); err != nil {
			return s.wrap("ping", err)
		}
	}
	return nil
}

// Close closes the pools. Closing a transaction-bound Store is an error:
// the transaction belongs to InTx.
func (s *Store) Close() error {
	if s.tx != nil {
		return errors.New("sqlstore: Close called on a transaction-bound store")
	}
	if s.gc != nil {
		s.gc.close()
	}
	s.writeStmts.close()
	if s.readStmts != s.writeStmts {
		s.readStmts.close()
	}
	err := s.write.Close()
	if s.read != s.write {
		err = errors.Join(err, s.read.Close())
	}
	return err
}

// execOne runs a statement that must affect exactly one row and reports
// ErrNotFound when it affected none.
func (s *Store) execOne(ctx context.Context, op, query string, args ...any) error {
	res, err := s.w().ExecContext(ctx, query, args...)
	if err != nil {
		return s.wrap(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return s.wrap(op, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", op, store.ErrNotFound)
	}
	return nil
}

// execCount runs a statement and returns how many rows it affected.
func (s *Store) execCount(ctx context.Context, op, query string, args ...any) (int, error) {
	res, err := s.w().ExecContext(ctx, query, args...)
	if err != nil {
		return 0, s.wrap(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, s.wrap(op, err)
	}
	return int(n), nil
}

// queryList runs query on the read side and scans every row with scan.
func queryList[T any](ctx context.Context, s *Store, op, query string, scan func(scanner, *T) error, args ...any) ([]T, error) {
	rows, err := s.r().QueryContext(ctx, query, args...)
	if err != nil {
		return nil, s.wrap(op, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := scan(rows, &v); err != nil {
			return nil, s.wrap(op, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(op, err)
	}
	return out, nil
}

// defaultPageSize applies when store.Page.Size is zero.
const defaultPageSize = 20

// limitOffset turns a page into LIMIT and OFFSET values.
func limitOffset(p store.Page) (limit, offset int) {
	size := p.Size
	if size <= 0 {
		size = defaultPageSize
	}
	n := p.Number
	if n < 1 {
		n = 1
	}
	return size, (n - 1) * size
}

// queryPage lists one page of a table and its total row count. listQuery
// must end with "LIMIT $1 OFFSET $2".
func queryPage[T any](ctx context.Context, s *Store, op string, page store.Page, countQuery, listQuery string, scan func(scanner, *T) error) ([]T, int, error) {
	var total int
	if err := s.r().QueryRowContext(ctx, countQuery).Scan(&total); err != nil {
		return nil, 0, s.wrap(op, err)
	}
	limit, offset := limitOffset(page)
	items, err := queryList(ctx, s, op, listQuery, scan, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	return items, total, nil
}

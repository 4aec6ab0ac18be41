package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps one prepared statement per query text for a pool.
// modernc/sqlite compiles every unprepared query anew, which was about a
// third of the CPU of a cached client_credentials request; pgx caches
// statements per connection by itself, so on PostgreSQL this only saves a
// map lookup in the driver. The set of query texts is fixed by the code, so
// the cache is bounded.
type stmtCache struct {
	db    *sql.DB
	stmts sync.Map // query string → *sql.Stmt
	// missed holds query texts a transaction ran unprepared; they are
	// prepared on the pool once the transaction has given its connection
	// back, so the next transaction finds them (without this, a statement
	// only ever run inside transactions was compiled on every call).
	missed sync.Map // query string → struct{}
}

// prepareMissed prepares the statements transactions ran unprepared. It is
// called with no transaction open on this goroutine; a failure only means
// the statement stays unprepared.
func (c *stmtCache) prepareMissed(ctx context.Context) {
	c.missed.Range(func(k, _ any) bool {
		c.missed.Delete(k)
		_, _ = c.stmt(context.WithoutCancel(ctx), k.(string))
		return true
	})
}

func (c *stmtCache) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if v, ok := c.stmts.Load(query); ok {
		return v.(*sql.Stmt), nil
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if v, loaded := c.stmts.LoadOrStore(query, st); loaded {
		_ = st.Close()
		return v.(*sql.Stmt), nil
	}
	return st, nil
}

func (c *stmtCache) close() {
	c.stmts.Range(func(_, v any) bool {
		_ = v.(*sql.Stmt).Close()
		return true
	})
}

// pooled runs queries on the pool through cached statements.
type pooled struct{ c *stmtCache }

func (p pooled) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := p.c.stmt(ctx, query)
	if err != nil {
		// Some statements cannot be prepared (several statements in one
		// text); run them directly, which also reports a real failure.
		return p.c.db.ExecContext(ctx, query, args...)
	}
	return st.ExecContext(ctx, args...)
}

func (p pooled) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := p.c.stmt(ctx, query)
	if err != nil {
		return p.c.db.QueryContext(ctx, query, args...)
	}
	return st.QueryContext(ctx, args...)
}

func (p pooled) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := p.c.stmt(ctx, query)
	if err != nil {
		// *sql.Row cannot carry an error we make; the unprepared query
		// fails the same way and reports it through Scan.
		return p.c.db.QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// inTx runs queries in a transaction through the write pool's cached
// statements; database/sql reuses the statement already prepared on the
// transaction's connection. A statement not cached yet runs unprepared:
// preparing it on the pool would wait for a connection, and SQLite's write
// pool has only the one this transaction holds.
//
// With detach (single-writer engines: SQLite) statements ignore the
// caller's cancellation. The transaction is short and holds the only
// writer, and SQLite answers an interrupted statement by rolling back the
// whole transaction, which under group commit is every caller's in the
// batch; a context that can be cancelled also costs the driver a goroutine
// per statement. Callers are still bounded while they wait for the writer.
type inTx struct {
	tx     *sql.Tx
	c      *stmtCache
	detach bool
}

func (t inTx) ctx(ctx context.Context) context.Context {
	if t.detach && ctx.Done() != nil {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

func (t inTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx = t.ctx(ctx)
	v, ok := t.c.stmts.Load(query)
	if !ok {
		t.c.missed.Store(query, struct{}{})
		return t.tx.ExecContext(ctx, query, args...)
	}
	st := v.(*sql.Stmt)
	return t.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
}

func (t inTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx = t.ctx(ctx)
	v, ok := t.c.stmts.Load(query)
	if !ok {
		t.c.missed.Store(query, struct{}{})
		return t.tx.QueryContext(ctx, query, args...)
	}
	st := v.(*sql.Stmt)
	return t.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
}

func (t inTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	ctx = t.ctx(ctx)
	v, ok := t.c.stmts.Load(query)
	if !ok {
		t.c.missed.Store(query, struct{}{})
		return t.tx.QueryRowContext(ctx, query, args...)
	}
	st := v.(*sql.Stmt)
	return t.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
}

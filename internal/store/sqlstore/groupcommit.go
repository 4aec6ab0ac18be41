package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"sync"
)

// groupCommit runs the transactions that callers start concurrently on a
// single-writer engine (SQLite) as one database transaction: each caller's
// function runs inside its own SAVEPOINT, so one that fails or panics is
// undone alone, and one COMMIT makes the whole batch durable. On SQLite the
// commit (a WAL frame written per changed page, the lock round trip) was
// most of a short transaction's cost; under concurrent refreshes or
// sign-ins it is now paid once per batch. A caller gets its answer only
// after the COMMIT, so nothing is acknowledged before it is stored.
//
// Batches form on their own: while one runs, the next callers queue; the
// loop then yields once, so that runnable callers can queue too, and takes
// every queued caller (up to maxBatch) without waiting for more, so a lone
// caller is never delayed.
type groupCommit struct {
	s    *Store // the top-level store whose write pool runs the batches
	reqs chan *txRequest
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// maxBatch bounds how many callers share one transaction (and so how long
// the first of them waits for the last).
const maxBatch = 64

type txRequest struct {
	ctx      context.Context
	fn       func(tx *Store) error
	err      error
	panicked any
	done     chan struct{}
}

var errClosed = errors.New("store closed")

func newGroupCommit(s *Store) *groupCommit {
	g := &groupCommit{s: s, reqs: make(chan *txRequest), stop: make(chan struct{}), done: make(chan struct{})}
	go g.loop()
	return g
}

// close stops the loop after the batch in progress; callers that have not
// been taken into a batch get errClosed.
func (g *groupCommit) close() {
	g.once.Do(func() { close(g.stop) })
	<-g.done
}

// run runs fn in a batch and returns its error, or the batch's when the
// batch could not be committed. A panic in fn is re-raised here, on the
// caller's goroutine, after fn's writes have been undone.
func (g *groupCommit) run(ctx context.Context, fn func(tx *Store) error) error {
	r := &txRequest{ctx: ctx, fn: fn, done: make(chan struct{})}
	select {
	case g.reqs <- r:
	case <-ctx.Done():
		return g.s.wrap("begin transaction", ctx.Err())
	case <-g.stop:
		return g.s.wrap("begin transaction", errClosed)
	}
	// fn uses the caller's variables: the caller must not return before the
	// batch is over, whatever its context says.
	<-r.done
	if r.panicked != nil {
		panic(r.panicked)
	}
	return r.err
}

func (g *groupCommit) loop() {
	defer close(g.done)
	batch := make([]*txRequest, 0, maxBatch)
	for {
		select {
		case r := <-g.reqs:
			batch = append(batch[:0], r)
		case <-g.stop:
			return
		}
		// Let the goroutines that are ready to run (requests on their way
		// to a transaction) run first and queue. With as many cores as
		// busy goroutines they queue during the previous batch anyway; on
		// one core (the server pinned, as in bench/) the channel hands each
		// caller straight to this loop and batches stay at one, one commit
		// per refresh. With nothing else runnable this returns at once: a
		// lone caller is not delayed.
		runtime.Gosched()
	fill:
		for len(batch) < maxBatch {
			select {
			case r := <-g.reqs:
				batch = append(batch, r)
			default:
				break fill
			}
		}
		if len(batch) == 1 {
			r := batch[0]
			r.panicked, r.err = callTx(func() error { return g.s.plainTx(r.ctx, r.fn) })
			close(r.done)
		} else {
			g.runBatch(batch)
		}
		clear(batch)
	}
}

// runBatch runs every request of batch in one transaction, each in its own
// savepoint, and commits once.
func (g *groupCommit) runBatch(batch []*txRequest) {
	defer func() {
		for _, r := range batch {
			close(r.done)
		}
		g.s.writeStmts.prepareMissed(context.Background())
	}()
	// The transaction belongs to no single caller: one caller's cancelled
	// context must not roll back the others' writes.
	sqlTx, err := g.s.write.BeginTx(context.Background(), nil)
	if err != nil {
		err = g.s.wrap("begin transaction", err)
		for _, r := range batch {
			r.err = err
		}
		return
	}
	tx := g.s.boundTo(sqlTx)
	var aborted error
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.err = g.s.wrap("begin transaction", err)
			continue
		}
		if _, err := sqlTx.Exec("SAVEPOINT batch_item"); err != nil {
			aborted = g.s.wrap("begin transaction", err)
			break
		}
		r.panicked, r.err = callTx(func() error { return r.fn(tx) })
		var err error
		if r.err != nil || r.panicked != nil {
			// ROLLBACK TO keeps the savepoint open; RELEASE then drops it.
			_, err = sqlTx.Exec("ROLLBACK TO batch_item")
		}
		if err == nil {
			_, err = sqlTx.Exec("RELEASE batch_item")
		}
		if err != nil {
			// The engine rolled the whole transaction back (an interrupted
			// statement does that): nobody's writes are left.
			aborted = g.s.wrap("commit transaction", fmt.Errorf("end savepoint: %w", err))
			break
		}
	}
	if aborted == nil {
		if err := sqlTx.Commit(); err != nil {
			aborted = g.s.wrap("commit transaction", err)
		}
	} else {
		_ = sqlTx.Rollback()
	}
	if aborted != nil {
		for _, r := range batch {
			if r.err == nil && r.panicked == nil {
				r.err = aborted
			}
		}
	}
}

// callTx calls fn, turning a panic into a value to re-raise elsewhere.
func callTx(fn func() error) (panicked any, err error) {
	defer func() {
		if p := recover(); p != nil {
			panicked = p
		}
	}()
	return nil, fn()
}

// boundTo is s bound to the transaction sqlTx.
func (s *Store) boundTo(sqlTx *sql.Tx) *Store {
	return &Store{dialect: s.dialect, read: s.read, write: s.write, tx: sqlTx,
		readStmts: s.readStmts, writeStmts: s.writeStmts}
}

// Package sqlite opens Gatehouse's embedded store: one SQLite file through
// the pure-Go modernc.org/sqlite driver, with the shared sqlstore queries.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Dialect is SQLite's entry in sqlstore. Row locks (FOR UPDATE) do not exist
// and are unnecessary: every transaction begins IMMEDIATE on the single
// writer connection, which already excludes other writers.
var Dialect = &sqlstore.Dialect{
	Name:       "sqlite",
	Migrations: mustSub(migrationFiles, "migrations"),
	Classify:   classify,
	// One writer connection: concurrent transactions share its commits.
	GroupCommit: true,
}

func mustSub(fsys fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	return sub
}

// Open opens (creating if needed) the database file at path, creating its
// parent directory, and applies pending migrations. The result is a
// *sqlstore.Store, which also offers Migrate.
//
// Two pools are used: a single-connection writer whose transactions begin
// IMMEDIATE, so concurrent writers in this process queue instead of failing
// with SQLITE_BUSY or deadlocking on a lock upgrade, and a read-only pool for
// parallel readers, which WAL lets run alongside the writer. busy_timeout
// covers other processes (a CLI next to the server).
//
// path may be ":memory:" for a private in-memory database; both pools are
// then one connection, since each connection would see its own database.
func Open(ctx context.Context, path string) (store.Store, error) {
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("sqlite: path %q must not contain '?' or '#'", path)
	}
	memory := path == ":memory:"
	if !memory {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("sqlite: create directory: %w", err)
		}
	}

	write, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	write.SetMaxOpenConns(1)
	// Keep the writer open: reopening costs the pragma round trips and, for
	// :memory:, the whole database.
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)

	read := write
	if !memory {
		read, err = sql.Open("sqlite", dsn(path, true))
		if err != nil {
			write.Close()
			return nil, fmt.Errorf("sqlite: open: %w", err)
		}
		n := max(4, runtime.NumCPU())
		read.SetMaxOpenConns(n)
		read.SetMaxIdleConns(n)
	}

	s := sqlstore.New(Dialect, read, write)
	// The writer connects and switches the file to WAL before any reader
	// opens it, and migrations create the tables readers expect.
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	return s, nil
}

// dsn builds the modernc connection string. Pragmas go in the DSN so that
// every connection the pool opens gets them, not only the first.
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	if path != ":memory:" {
		q.Add("_pragma", "journal_mode(WAL)")
	}
	if readOnly {
		// A reader that tried to write would take the write lock outside the
		// writer pool and reintroduce SQLITE_BUSY; make that impossible.
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Set("_txlock", "immediate")
		// Group commit (sqlstore) runs each caller in a SAVEPOINT; their
		// statement journals stay in memory instead of a temporary file.
		q.Add("_pragma", "temp_store(MEMORY)")
	}
	return path + "?" + q.Encode()
}

// classify maps SQLite result codes to store sentinels. The driver enables
// extended result codes, so constraint kinds are distinguishable.
func classify(err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return nil
	}
	switch code := se.Code(); {
	case code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return store.ErrConflict
	case code == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		// The referenced application, user, role or scope does not exist.
		return store.ErrNotFound
	case code&0xff == sqlite3.SQLITE_BUSY || code&0xff == sqlite3.SQLITE_LOCKED ||
		code&0xff == sqlite3.SQLITE_CANTOPEN || code&0xff == sqlite3.SQLITE_IOERR ||
		code&0xff == sqlite3.SQLITE_FULL:
		return store.ErrUnavailable
	}
	return nil
}

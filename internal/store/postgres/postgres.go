// Package postgres opens Gatehouse's PostgreSQL store through pgx's
// database/sql driver, with the shared sqlstore queries.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Dialect is PostgreSQL's entry in sqlstore.
var Dialect = &sqlstore.Dialect{
	Name: "postgres",
	// Row locks make Update* a safe read-modify-write under READ COMMITTED.
	ForUpdate: " FOR UPDATE",
	// Serialises concurrent migrators (several nodes starting at once). The
	// lock is taken inside each migration's transaction and released by its
	// commit; it only ever runs at start-up, never on a hot path.
	LockMigrations: "LOCK TABLE schema_migrations IN ACCESS EXCLUSIVE MODE",
	Migrations:     mustSub(migrationFiles, "migrations"),
	Classify:       classify,
	WritingCTE:     true,
}

func mustSub(fsys fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	return sub
}

// Pool limits. Each Gatehouse node is one pool; these keep a handful of
// nodes well under PostgreSQL's default max_connections (100) while leaving
// enough connections for concurrent token issuance.
const (
	maxOpenConns    = 20
	maxIdleConns    = 10
	connMaxLifetime = 30 * time.Minute
	connMaxIdleTime = 5 * time.Minute
	connectTimeout  = 5 * time.Second
	// statementTimeout is PostgreSQL's syntax for its runtime parameter.
	statementTimeout = "10s"
)

// Open connects to the database at url (a postgres:// URL or key=value DSN;
// a search_path runtime parameter selects the schema), checks it answers,
// and applies pending migrations. The result is a *sqlstore.Store, which
// also offers Migrate.
func Open(ctx context.Context, url string) (store.Store, error) {
	cfg, err := parseConfig(url)
	if err != nil {
		return nil, err
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(maxOpenConns)
	db.SetMaxIdleConns(maxIdleConns)
	db.SetConnMaxLifetime(connMaxLifetime)
	db.SetConnMaxIdleTime(connMaxIdleTime)

	s := sqlstore.New(Dialect, db, db)
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return s, nil
}

// classify maps PostgreSQL SQLSTATEs and pgconn connection errors to store
// sentinels.
func classify(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "23505", // unique_violation
			// duplicate_table and duplicate_object: two sessions racing
			// through CREATE TABLE IF NOT EXISTS (migration start-up).
			pgErr.Code == "42P07", pgErr.Code == "42710":
			return store.ErrConflict
		case pgErr.Code == "23503": // foreign_key_violation: the referenced row is missing
			return store.ErrNotFound
		case pgErr.Code[:2] == "08", // connection_exception
			pgErr.Code == "53300", // too_many_connections
			pgErr.Code == "57014", // query_canceled (statement_timeout)
			pgErr.Code == "57P01", // admin_shutdown
			pgErr.Code == "57P02", // crash_shutdown
			pgErr.Code == "57P03": // cannot_connect_now
			return store.ErrUnavailable
		}
		return nil
	}
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) || pgconn.Timeout(err) {
		return store.ErrUnavailable
	}
	return nil
}

// parseConfig parses a connection URL. A database that stops answering
// (rather than refusing) must not hold requests and pool connections
// forever: the dial and every statement are bounded unless the URL says
// otherwise.
func parseConfig(url string) (*pgx.ConnConfig, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse url: %w", err)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = connectTimeout
	}
	if _, ok := cfg.RuntimeParams["statement_timeout"]; !ok {
		cfg.RuntimeParams["statement_timeout"] = statementTimeout
	}
	return cfg, nil
}

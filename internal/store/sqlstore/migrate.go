package sqlstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// migration is one embedded NNNN_name.sql file.
type migration struct {
	version int64
	name    string
	sql     string
}

// loadMigrations reads the dialect's migrations in version order and
// rejects duplicate or malformed versions, so a bad file fails at start-up
// rather than half-applied.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var out []migration
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".sql" {
			continue
		}
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.ParseInt(num, 10, 64)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %q: name must be NNNN_name.sql", e.Name())
		}
		b, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("read migration %q: %w", e.Name(), err)
		}
		out = append(out, migration{version: v, name: e.Name(), sql: string(b)})
	}
	slices.SortFunc(out, func(a, b migration) int { return cmp.Compare(a.version, b.version) })
	for i := 1; i < len(out); i++ {
		if out[i].version == out[i-1].version {
			return nil, fmt.Errorf("migrations %q and %q share a version", out[i-1].name, out[i].name)
		}
	}
	return out, nil
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version BIGINT PRIMARY KEY,
	applied_at BIGINT NOT NULL
)`

// Migrate applies every migration not yet recorded in schema_migrations,
// each in its own transaction, forward only. It is safe to run from several
// processes at once: the dialect's lock statement serialises them and each
// step re-checks whether another process applied it meanwhile.
func (s *Store) Migrate(ctx context.Context) error {
	if s.tx != nil {
		return errors.New("sqlstore: Migrate called on a transaction-bound store")
	}
	migrations, err := loadMigrations(s.dialect.Migrations)
	if err != nil {
		return err
	}
	if err := s.createMigrationsTable(ctx); err != nil {
		return err
	}
	for _, m := range migrations {
		if err := s.applyMigration(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// createMigrationsTable creates schema_migrations if needed. Two PostgreSQL
// sessions running CREATE TABLE IF NOT EXISTS at the same moment can still
// collide on the catalog's unique index; the loser retries and then sees the
// table.
func (s *Store) createMigrationsTable(ctx context.Context) error {
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		_, err = s.write.ExecContext(ctx, createMigrationsTable)
		if err == nil {
			return nil
		}
		err = s.wrap("create schema_migrations", err)
		if !errors.Is(err, store.ErrConflict) {
			return err
		}
		select {
		case <-ctx.Done():
			return s.wrap("create schema_migrations", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
	return err
}

func (s *Store) applyMigration(ctx context.Context, m migration) error {
	op := "migrate " + m.name
	return s.inTx(ctx, func(tx *Store) error {
		if s.dialect.LockMigrations != "" {
			if _, err := tx.tx.ExecContext(ctx, s.dialect.LockMigrations); err != nil {
				return tx.wrap(op, err)
			}
		}
		var n int
		if err := tx.tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = $1`, m.version).Scan(&n); err != nil {
			return tx.wrap(op, err)
		}
		if n > 0 {
			return nil
		}
		// Migration files hold several statements; both drivers run a
		// multi-statement script when it is executed without arguments.
		if _, err := tx.tx.ExecContext(ctx, m.sql); err != nil {
			return tx.wrap(op, err)
		}
		if _, err := tx.tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`,
			m.version, time.Now().UnixMilli()); err != nil {
			return tx.wrap(op, err)
		}
		return nil
	})
}

package postgres

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
)

// NewSchema creates an empty schema t_<random> in the database at baseURL
// and returns baseURL pointed at it (through the search_path run-time
// parameter, which every pooled connection sends at start-up) and a func
// that drops it. Tests use it so that packages running in parallel against
// one database never see each other's rows (see pgtest).
func NewSchema(ctx context.Context, baseURL string) (schemaURL string, drop func(context.Context) error, err error) {
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", baseURL)
	if err != nil {
		return "", nil, fmt.Errorf("postgres: new schema: %w", err)
	}
	// schema is generated hex, so it needs no quoting; identifiers cannot be
	// bound as parameters.
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("postgres: create schema %s: %w", schema, err)
	}
	drop = func(ctx context.Context) error {
		defer admin.Close()
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			return fmt.Errorf("postgres: drop schema %s: %w", schema, err)
		}
		return nil
	}
	return withSearchPath(baseURL, schema), drop, nil
}

// withSearchPath adds search_path to a URL or key=value connection string.
func withSearchPath(base, schema string) string {
	if strings.HasPrefix(base, "postgres://") || strings.HasPrefix(base, "postgresql://") {
		if u, err := url.Parse(base); err == nil {
			q := u.Query()
			q.Set("search_path", schema)
			u.RawQuery = q.Encode()
			return u.String()
		}
	}
	return base + " search_path=" + schema
}

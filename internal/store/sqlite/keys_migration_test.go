package sqlite_test

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
)

// TestSigningKeysMigration: a store written before migration 0005 may hold
// two Current or two Next keys of one algorithm (nodes that started at
// once, a rotation stopped half-way). The migration keeps the newest of
// each — the Current key that signed — demotes older Current keys to
// Previous and drops older Next keys, then enforces one of each.
func TestSigningKeysMigration(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	open(t, path).Close()

	// Back to schema 4, with the duplicates 0005 forbids.
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`DROP INDEX signing_keys_one_current_one_next`,
		`DELETE FROM schema_migrations WHERE version = 5`,
		`INSERT INTO signing_keys (id, alg, status, private_key, public_jwk, created_at) VALUES
			('es-a', 'ES256', 'Current', x'01', x'7b7d', 1000),
			('es-b', 'ES256', 'Current', x'01', x'7b7d', 2000),
			('es-c', 'ES256', 'Current', x'01', x'7b7d', 2000),
			('es-n1', 'ES256', 'Next', x'01', x'7b7d', 1000),
			('es-n2', 'ES256', 'Next', x'01', x'7b7d', 3000),
			('es-p', 'ES256', 'Previous', x'01', x'7b7d', 500),
			('rs-a', 'RS256', 'Current', x'01', x'7b7d', 1000)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	st := open(t, path)
	keys, err := st.ListSigningKeys(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, k := range keys {
		got = append(got, k.ID+"="+k.Status)
	}
	// Ties on created_at go by id, as ListSigningKeys orders them.
	want := "es-p=Previous es-a=Previous rs-a=Current es-b=Previous es-c=Current es-n2=Next"
	if strings.Join(got, " ") != want {
		t.Fatalf("after migration: %s\nwant %s", strings.Join(got, " "), want)
	}
}

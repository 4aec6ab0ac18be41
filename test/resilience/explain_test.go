package resilience

import (
	"database/sql"
	"strings"
	"testing"
)

// indexCase is one hot-path query, as internal/store/sqlstore writes its
// WHERE clause, and the index each engine must use for it.
type indexCase struct {
	name   string
	query  string
	args   []any
	sqlite string // index named in EXPLAIN QUERY PLAN
	pg     string // index named in EXPLAIN
}

var hash32 = make([]byte, 32)

// hotQueries are the lookups every sign-in or token request makes: users
// by identifier (sqlstore/users.go), tokens and codes by hash
// (tokens.go, codes.go), sessions and interactions by ID, family
// revocation (DeleteGrantTokens), the sweeper's batches (expire.go),
// resources by indicator and a user's roles (roles.go).
var hotQueries = []indexCase{
	{"user by id", `SELECT id FROM users WHERE id = $1`, []any{"u1"}, "sqlite_autoindex_users_1", "users_pkey"},
	{"user by username", `SELECT id FROM users WHERE username = $1`, []any{"user1"}, "users_username", "users_username"},
	{"user by email", `SELECT id FROM users WHERE lower(primary_email) = lower($1)`, []any{"User1@example.com"}, "users_primary_email", "users_primary_email"},
	{"user by phone", `SELECT id FROM users WHERE primary_phone = $1`, []any{"155500000001"}, "users_primary_phone", "users_primary_phone"},
	{"token by hash", `SELECT kind FROM tokens WHERE hash = $1 AND (expires_at IS NULL OR expires_at > $2)`, []any{hash32, 1}, "sqlite_autoindex_tokens_1", "tokens_pkey"},
	{"access token held by its refresh token", `SELECT kind FROM tokens WHERE at_hash = $1 AND at_expires_at > $2`, []any{hash32, 1}, "tokens_at_hash", "tokens_at_hash"},
	// The join's other side is the held table's primary key: a SCAN line
	// would fail the SQLite check, and PostgreSQL shows both indexes.
	{"access token held apart, with its chain", `SELECT t.client_id FROM held_access_tokens h JOIN tokens t
		ON t.grant_id = h.grant_id AND t.kind = 'refresh' AND t.consumed_at IS NULL WHERE h.hash = $1 AND h.expires_at > $2`,
		[]any{hash32, 1}, "tokens_grant_id", "tokens_grant_id"},
	{"sweep expired held access tokens", `SELECT hash FROM held_access_tokens WHERE expires_at <= $1 LIMIT $2`,
		[]any{1, 500}, "held_access_tokens_expires_at", "held_access_tokens_expires_at"},
	{"rotate a refresh token", `UPDATE tokens SET hash = $1, created_at = $2 WHERE hash = $3 AND kind = 'refresh' AND consumed_at IS NULL AND (expires_at IS NULL OR expires_at > $2)`,
		[]any{hash32, 1, hash32}, "sqlite_autoindex_tokens_1", "tokens_pkey"},
	{"code by hash", `SELECT client_id FROM authorization_codes WHERE hash = $1 AND (expires_at IS NULL OR expires_at > $2)`, []any{hash32, 1}, "sqlite_autoindex_authorization_codes_1", "authorization_codes_pkey"},
	{"consume code", `UPDATE authorization_codes SET consumed_at = $1 WHERE hash = $2 AND consumed_at IS NULL AND (expires_at IS NULL OR expires_at > $1)`,
		[]any{1, hash32}, "sqlite_autoindex_authorization_codes_1", "authorization_codes_pkey"},
	{"session by id", `SELECT user_id FROM sessions WHERE id = $1 AND (expires_at IS NULL OR expires_at > $2)`, []any{"s", 1}, "sqlite_autoindex_sessions_1", "sessions_pkey"},
	{"interaction by id", `SELECT request FROM interactions WHERE id = $1 AND (expires_at IS NULL OR expires_at > $2)`, []any{"i", 1}, "sqlite_autoindex_interactions_1", "interactions_pkey"},
	{"revoke a token family", `DELETE FROM tokens WHERE grant_id = $1`, []any{"g"}, "tokens_grant_id", "tokens_grant_id"},
	{"sweep expired tokens", `SELECT hash FROM tokens WHERE expires_at <= $1 LIMIT $2`, []any{1, 500}, "tokens_expires_at", "tokens_expires_at"},
	{"resource by indicator", `SELECT id FROM resources WHERE indicator = $1`, []any{"https://api.example.com"}, "sqlite_autoindex_resources_2", "resources_indicator_key"},
	{"user's roles", `SELECT role_id FROM user_roles WHERE user_id = $1`, []any{"u1"}, "sqlite_autoindex_user_roles_1", "user_roles_pkey"},
}

// explainPlan returns the plan of query as text. On PostgreSQL sequential
// scans are disabled for the statement's session when force is set, so a
// small table still shows whether a usable index exists (the planner
// prefers a scan of a few pages); with real data (the scale test) the
// plan is the one production would get.
func explainPlan(t *testing.T, db *sql.DB, sqlite, force bool, c indexCase) string {
	t.Helper()
	ctx := t.Context()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	prefix := "EXPLAIN "
	if sqlite {
		prefix = "EXPLAIN QUERY PLAN "
	} else if force {
		if _, err := conn.ExecContext(ctx, "SET enable_seqscan = off"); err != nil {
			t.Fatal(err)
		}
		defer conn.ExecContext(ctx, "RESET enable_seqscan")
	}
	rows, err := conn.QueryContext(ctx, prefix+c.query, c.args...)
	if err != nil {
		t.Fatalf("%s: explain: %v", c.name, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var lines []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		// SQLite: id, parent, notused, detail; PostgreSQL: one text column.
		switch v := vals[len(vals)-1].(type) {
		case string:
			lines = append(lines, v)
		case []byte:
			lines = append(lines, string(v))
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

// checkPlan fails unless the plan uses the expected index and scans no
// table in full.
func checkPlan(t *testing.T, sqlite bool, c indexCase, plan string) {
	t.Helper()
	if sqlite {
		if !strings.Contains(plan, "INDEX "+c.sqlite+" ") && !strings.HasSuffix(plan, "INDEX "+c.sqlite) {
			t.Errorf("%s: SQLite does not use index %s:\n%s", c.name, c.sqlite, plan)
		}
		for _, line := range strings.Split(plan, "\n") {
			if strings.HasPrefix(line, "SCAN ") {
				t.Errorf("%s: SQLite scans a whole table:\n%s", c.name, plan)
			}
		}
		return
	}
	if !strings.Contains(plan, "Index Scan using "+c.pg+" ") && !strings.Contains(plan, "Index Only Scan using "+c.pg+" ") &&
		!strings.Contains(plan, "Bitmap Index Scan on "+c.pg) {
		t.Errorf("%s: PostgreSQL does not use index %s:\n%s", c.name, c.pg, plan)
	}
	if strings.Contains(plan, "Seq Scan") {
		t.Errorf("%s: PostgreSQL scans a whole table:\n%s", c.name, plan)
	}
}

// TestHotQueriesUseIndexes proves with EXPLAIN that the lookups whose cost
// must not grow with the number of users, tokens or codes use an index, on
// both engines. The users table holds generated users (gatehouse users
// generate) and is analysed, so PostgreSQL's choice for user lookups is
// its own.
func TestHotQueriesUseIndexes(t *testing.T) {
	backends(t, func(t *testing.T, dbURL string) {
		n := newNode(t, "gatehouse", dbURL, "")
		var gen struct{ Created int }
		n.cli(&gen, "users", "generate", "--count", "20000", "--password", testPassword)
		if gen.Created != 20000 {
			t.Fatalf("users generate created %d", gen.Created)
		}
		db := openDB(t, dbURL)
		sqlite := strings.HasPrefix(dbURL, "sqlite://")
		analyze := "ANALYZE"
		if _, err := db.ExecContext(t.Context(), analyze); err != nil {
			t.Fatal(err)
		}
		for _, c := range hotQueries {
			force := !strings.HasPrefix(c.name, "user by")
			checkPlan(t, sqlite, c, explainPlan(t, db, sqlite, force, c))
		}
	})
}

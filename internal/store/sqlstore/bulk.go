package sqlstore

import (
	"context"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse/internal/id"
	"github.com/gatehouse/gatehouse/internal/store"
)

var _ store.BulkUsers = (*Store)(nil)

// bulkRows is how many users one INSERT carries: 500 rows × 16 columns is
// 8,000 parameters, under SQLite's limit (32,766) and PostgreSQL's
// (65,535), and large enough that per-statement overhead stops mattering.
const bulkRows = 500

// insertUsersSQL is a multi-row INSERT for n users. SQLite gets
// anonymous "?" parameters: its driver looks every numbered parameter's
// name up in a list, which makes binding a statement with thousands of
// "$N" parameters quadratic (500 rows took 25× longer than 10 rows).
func insertUsersSQL(n int, numbered bool) string {
	const cols = 16
	var b strings.Builder
	b.WriteString(`INSERT INTO users (` + userColumns + `) VALUES `)
	for r := range n {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for c := range cols {
			if c > 0 {
				b.WriteByte(',')
			}
			if numbered {
				b.WriteByte('$')
				b.WriteString(strconv.Itoa(r*cols + c + 1))
			} else {
				b.WriteByte('?')
			}
		}
		b.WriteByte(')')
	}
	return b.String()
}

// CreateUsers inserts users with multi-row INSERTs in one transaction.
func (s *Store) CreateUsers(ctx context.Context, users []store.User) error {
	const op = "create users"
	numbered := s.dialect.Name != "sqlite"
	fullInsert := insertUsersSQL(bulkRows, numbered)
	return s.inTx(ctx, func(tx *Store) error {
		args := make([]any, 0, bulkRows*16)
		for start := 0; start < len(users); start += bulkRows {
			chunk := users[start:min(start+bulkRows, len(users))]
			args = args[:0]
			for i := range chunk {
				u := &chunk[i]
				if u.ID == "" {
					u.ID = id.NewUser()
				}
				u.CreatedAt = createdAt(u.CreatedAt)
				if u.UpdatedAt.IsZero() {
					u.UpdatedAt = u.CreatedAt
				}
				u.UpdatedAt, u.LastSignInAt = truncate(u.UpdatedAt), truncate(u.LastSignInAt)
				args = append(args, u.ID)
				args = append(args, userArgs(u)...)
			}
			query := fullInsert
			if len(chunk) != bulkRows {
				query = insertUsersSQL(len(chunk), numbered)
			}
			if _, err := tx.tx.ExecContext(ctx, query, args...); err != nil {
				return tx.wrap(op, err)
			}
		}
		return nil
	})
}

package sqlstore

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse/internal/id"
	"github.com/gatehouse/gatehouse/internal/store"
)

const userColumns = `id, username, primary_email, primary_phone, name, avatar, password_hash,
	profile, custom_data, identities, is_suspended, email_verified, phone_verified,
	created_at, updated_at, last_sign_in_at`

func scanUser(sc scanner, u *store.User) error {
	return sc.Scan(&u.ID, strCol{&u.Username}, strCol{&u.PrimaryEmail}, strCol{&u.PrimaryPhone},
		&u.Name, &u.Avatar, &u.PasswordHash,
		rawCol{&u.Profile}, rawCol{&u.CustomData}, rawCol{&u.Identities},
		&u.IsSuspended, &u.EmailVerified, &u.PhoneVerified,
		timeCol{&u.CreatedAt}, timeCol{&u.UpdatedAt}, timeCol{&u.LastSignInAt})
}

// userArgs encodes every column after id, in userColumns order. Empty
// username, email and phone are NULL so that any number of users can lack
// them without tripping the unique indexes.
func userArgs(u *store.User) []any {
	return []any{nullString(u.Username), nullString(u.PrimaryEmail), nullString(u.PrimaryPhone),
		u.Name, u.Avatar, u.PasswordHash,
		rawJSON(u.Profile), rawJSON(u.CustomData), rawJSON(u.Identities),
		u.IsSuspended, u.EmailVerified, u.PhoneVerified,
		millis(u.CreatedAt), millis(u.UpdatedAt), millis(u.LastSignInAt)}
}

// CreateUser inserts u. An empty ID gets a fresh one, a zero CreatedAt the
// current time and a zero UpdatedAt the creation time.
func (s *Store) CreateUser(ctx context.Context, u *store.User) error {
	if u.ID == "" {
		u.ID = id.NewUser()
	}
	u.CreatedAt = createdAt(u.CreatedAt)
	if u.UpdatedAt.IsZero() {
		u.UpdatedAt = u.CreatedAt
	}
	u.UpdatedAt, u.LastSignInAt = truncate(u.UpdatedAt), truncate(u.LastSignInAt)
	_, err := s.w().ExecContext(ctx, `INSERT INTO users (`+userColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
		append([]any{u.ID}, userArgs(u)...)...)
	return s.wrap("create user", err)
}

func (s *Store) getUserBy(ctx context.Context, op, where string, arg any) (*store.User, error) {
	var u store.User
	if err := scanUser(s.r().QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+where, arg), &u); err != nil {
		return nil, s.wrap(op, err)
	}
	return &u, nil
}

func (s *Store) GetUser(ctx context.Context, userID string) (*store.User, error) {
	return s.getUserBy(ctx, "get user", `id = $1`, userID)
}

func (s *Store) GetUserByUsername(ctx context.Context, username string) (*store.User, error) {
	return s.getUserBy(ctx, "get user by username", `username = $1`, username)
}

// GetUserByEmail matches case-insensitively; the expression matches the
// unique index on lower(primary_email).
func (s *Store) GetUserByEmail(ctx context.Context, email string) (*store.User, error) {
	return s.getUserBy(ctx, "get user by email", `lower(primary_email) = lower($1)`, email)
}

func (s *Store) GetUserByPhone(ctx context.Context, phone string) (*store.User, error) {
	return s.getUserBy(ctx, "get user by phone", `primary_phone = $1`, phone)
}

func (s *Store) ListUsers(ctx context.Context, page store.Page) ([]store.User, int, error) {
	return queryPage(ctx, s, "list users", page,
		`SELECT count(*) FROM users`,
		`SELECT `+userColumns+` FROM users ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2`,
		scanUser)
}

// UpdateUser is a read-modify-write in one transaction. If the updater
// leaves UpdatedAt alone it is set to the current time.
func (s *Store) UpdateUser(ctx context.Context, userID string, update func(*store.User) error) (*store.User, error) {
	const op = "update user"
	var out *store.User
	err := s.inTx(ctx, func(tx *Store) error {
		var u store.User
		if err := scanUser(tx.w().QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`+s.dialect.ForUpdate, userID), &u); err != nil {
			return tx.wrap(op, err)
		}
		created, updated := u.CreatedAt, u.UpdatedAt
		username, email, phone := u.Username, u.PrimaryEmail, u.PrimaryPhone
		if err := update(&u); err != nil {
			return err
		}
		u.ID, u.CreatedAt = userID, created
		if u.UpdatedAt.Equal(updated) {
			u.UpdatedAt = time.Now()
		}
		u.UpdatedAt, u.LastSignInAt = truncate(u.UpdatedAt), truncate(u.LastSignInAt)
		// userArgs order; created_at ($13) never changes and is not set.
		args := userArgs(&u)
		var err error
		if u.Username == username && u.PrimaryEmail == email && u.PrimaryPhone == phone {
			// The usual update (a sign-in's timestamp, a rehash, a profile
			// edit) leaves the indexed columns out of the statement: SQLite
			// then rewrites no index entry (four, otherwise: a page each in
			// the commit), and PostgreSQL's update can stay heap-only.
			_, err = tx.w().ExecContext(ctx, `UPDATE users SET name = $1, avatar = $2, password_hash = $3,
				profile = $4, custom_data = $5, identities = $6, is_suspended = $7, email_verified = $8,
				phone_verified = $9, updated_at = $10, last_sign_in_at = $11 WHERE id = $12`,
				append(args[3:12:12], args[13], args[14], userID)...)
		} else {
			_, err = tx.w().ExecContext(ctx, `UPDATE users SET username = $1, primary_email = $2, primary_phone = $3,
				name = $4, avatar = $5, password_hash = $6, profile = $7, custom_data = $8, identities = $9,
				is_suspended = $10, email_verified = $11, phone_verified = $12, updated_at = $13,
				last_sign_in_at = $14 WHERE id = $15`, append(args[:12:12], args[13], args[14], userID)...)
		}
		if err != nil {
			return tx.wrap(op, err)
		}
		out = &u
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteUser removes the user; sessions, codes, tokens, grants and role
// assignments go with it through ON DELETE CASCADE.
func (s *Store) DeleteUser(ctx context.Context, userID string) error {
	return s.execOne(ctx, "delete user", `DELETE FROM users WHERE id = $1`, userID)
}

func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := s.r().QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
		return 0, s.wrap("count users", err)
	}
	return n, nil
}

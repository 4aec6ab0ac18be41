package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/id"
	"github.com/gatehouse/gatehouse/internal/store"
)

const socialConnectorColumns = `id, factory_id, target, name, logo, config, sealed_secret, sync_profile,
	created_at, updated_at`

func scanSocialConnector(sc scanner, c *store.SocialConnector) error {
	return sc.Scan(&c.ID, &c.FactoryID, &c.Target, &c.Name, &c.Logo, rawCol{&c.Config}, &c.SealedSecret,
		&c.SyncProfile, timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt})
}

// configText encodes a connector config for its NOT NULL column.
func configText(m json.RawMessage) string {
	if len(m) == 0 {
		return "{}"
	}
	return string(m)
}

func (s *Store) CreateSocialConnector(ctx context.Context, c *store.SocialConnector) error {
	if c.ID == "" {
		c.ID = id.New()
	}
	c.CreatedAt = createdAt(c.CreatedAt)
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = c.CreatedAt
	}
	c.UpdatedAt = truncate(c.UpdatedAt)
	_, err := s.w().ExecContext(ctx, `INSERT INTO social_connectors (`+socialConnectorColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		c.ID, c.FactoryID, c.Target, c.Name, c.Logo, configText(c.Config), nullBytes(c.SealedSecret), c.SyncProfile,
		millis(c.CreatedAt), millis(c.UpdatedAt))
	return s.wrap("create social connector", err)
}

func (s *Store) GetSocialConnector(ctx context.Context, connectorID string) (*store.SocialConnector, error) {
	var c store.SocialConnector
	if err := scanSocialConnector(s.r().QueryRowContext(ctx, `SELECT `+socialConnectorColumns+`
		FROM social_connectors WHERE id = $1`, connectorID), &c); err != nil {
		return nil, s.wrap("get social connector", err)
	}
	return &c, nil
}

func (s *Store) ListSocialConnectors(ctx context.Context) ([]store.SocialConnector, error) {
	return queryList(ctx, s, "list social connectors",
		`SELECT `+socialConnectorColumns+` FROM social_connectors ORDER BY created_at, id`, scanSocialConnector)
}

// UpdateSocialConnector sets UpdatedAt to now unless the updater changed it.
func (s *Store) UpdateSocialConnector(ctx context.Context, connectorID string, update func(*store.SocialConnector) error) (*store.SocialConnector, error) {
	const op = "update social connector"
	var out *store.SocialConnector
	err := s.inTx(ctx, func(tx *Store) error {
		var c store.SocialConnector
		if err := scanSocialConnector(tx.w().QueryRowContext(ctx, `SELECT `+socialConnectorColumns+`
			FROM social_connectors WHERE id = $1`+s.dialect.ForUpdate, connectorID), &c); err != nil {
			return tx.wrap(op, err)
		}
		created, updated := c.CreatedAt, c.UpdatedAt
		if err := update(&c); err != nil {
			return err
		}
		c.ID, c.CreatedAt = connectorID, created
		if c.UpdatedAt.Equal(updated) {
			c.UpdatedAt = time.Now()
		}
		c.UpdatedAt = truncate(c.UpdatedAt)
		if _, err := tx.w().ExecContext(ctx, `UPDATE social_connectors SET factory_id = $1, target = $2, name = $3,
			logo = $4, config = $5, sealed_secret = $6, sync_profile = $7, updated_at = $8 WHERE id = $9`,
			c.FactoryID, c.Target, c.Name, c.Logo, configText(c.Config), nullBytes(c.SealedSecret), c.SyncProfile,
			millis(c.UpdatedAt), connectorID); err != nil {
			return tx.wrap(op, err)
		}
		out = &c
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Store) DeleteSocialConnector(ctx context.Context, connectorID string) error {
	return s.execOne(ctx, "delete social connector", `DELETE FROM social_connectors WHERE id = $1`, connectorID)
}

const userIdentityColumns = `user_id, target, identity_id, connector_id, details, created_at, updated_at`

func scanUserIdentity(sc scanner, i *store.UserIdentity) error {
	return sc.Scan(&i.UserID, &i.Target, &i.IdentityID, &i.ConnectorID, rawCol{&i.Details},
		timeCol{&i.CreatedAt}, timeCol{&i.UpdatedAt})
}

// LinkUserIdentity upserts the (user, target) row and rewrites the target's
// entry of users.identities, in one transaction. The unique (target,
// identity_id) index makes an identity owned by someone else ErrConflict.
func (s *Store) LinkUserIdentity(ctx context.Context, i *store.UserIdentity) error {
	const op = "link user identity"
	now := time.Now()
	if i.CreatedAt.IsZero() {
		i.CreatedAt = now
	}
	if i.UpdatedAt.IsZero() {
		i.UpdatedAt = now
	}
	i.CreatedAt, i.UpdatedAt = truncate(i.CreatedAt), truncate(i.UpdatedAt)
	entry, err := json.Marshal(identityEntry{UserID: i.IdentityID, Details: i.Details})
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return s.inTx(ctx, func(tx *Store) error {
		m, err := tx.lockIdentities(ctx, op, i.UserID)
		if err != nil {
			return err
		}
		if _, err := tx.w().ExecContext(ctx, `INSERT INTO user_identities (`+userIdentityColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (user_id, target) DO UPDATE SET identity_id = excluded.identity_id,
				connector_id = excluded.connector_id, details = excluded.details, updated_at = excluded.updated_at`,
			i.UserID, i.Target, i.IdentityID, i.ConnectorID, rawJSON(i.Details),
			millis(i.CreatedAt), millis(i.UpdatedAt)); err != nil {
			return tx.wrap(op, err)
		}
		m[i.Target] = entry
		return tx.writeIdentities(ctx, op, i.UserID, m)
	})
}

// identityEntry is one value of Logto's users.identities map.
type identityEntry struct {
	UserID  string          `json:"userId"`
	Details json.RawMessage `json:"details,omitempty"`
}

// lockIdentities reads users.identities for an update, locking the user
// row first: taking the row lock before touching user_identities (whose
// foreign key also locks the user row, in a weaker mode) keeps concurrent
// links of one user from deadlocking on PostgreSQL. s must be
// transaction-bound.
func (s *Store) lockIdentities(ctx context.Context, op, userID string) (map[string]json.RawMessage, error) {
	var raw json.RawMessage
	if err := s.tx.QueryRowContext(ctx, `SELECT identities FROM users WHERE id = $1`+s.dialect.ForUpdate,
		userID).Scan(rawCol{&raw}); err != nil {
		return nil, s.wrap(op, err)
	}
	m := map[string]json.RawMessage{}
	if len(raw) > 0 && string(raw) != "null" {
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("%s: users.identities of %s is not a JSON object: %w", op, userID, err)
		}
	}
	return m, nil
}

// writeIdentities stores the user's identities map; every other key was
// kept as lockIdentities read it.
func (s *Store) writeIdentities(ctx context.Context, op, userID string, m map[string]json.RawMessage) error {
	out, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return s.txExecOne(ctx, op, `UPDATE users SET identities = $1, updated_at = $2 WHERE id = $3`,
		string(out), time.Now().UnixMilli(), userID)
}

// userColumnsOfU is userColumns qualified with the alias u, for joins.
var userColumnsOfU = func() string {
	cols := strings.Split(userColumns, ",")
	for i, c := range cols {
		cols[i] = "u." + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}()

func (s *Store) GetUserByIdentity(ctx context.Context, target, identityID string) (*store.User, error) {
	var u store.User
	if err := scanUser(s.r().QueryRowContext(ctx, `SELECT `+userColumnsOfU+` FROM users u
		JOIN user_identities i ON i.user_id = u.id WHERE i.target = $1 AND i.identity_id = $2`,
		target, identityID), &u); err != nil {
		return nil, s.wrap("get user by identity", err)
	}
	return &u, nil
}

func (s *Store) ListUserIdentities(ctx context.Context, userID string) ([]store.UserIdentity, error) {
	return queryList(ctx, s, "list user identities",
		`SELECT `+userIdentityColumns+` FROM user_identities WHERE user_id = $1 ORDER BY target`,
		scanUserIdentity, userID)
}

func (s *Store) UnlinkUserIdentity(ctx context.Context, userID, target string) error {
	const op = "unlink user identity"
	return s.inTx(ctx, func(tx *Store) error {
		m, err := tx.lockIdentities(ctx, op, userID)
		if err != nil {
			return err
		}
		if err := tx.txExecOne(ctx, op, `DELETE FROM user_identities WHERE user_id = $1 AND target = $2`,
			userID, target); err != nil {
			return err
		}
		delete(m, target)
		return tx.writeIdentities(ctx, op, userID, m)
	})
}

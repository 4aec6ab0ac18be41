package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/internal/id"
	"github.com/gatehouse/gatehouse/internal/store"
)

const appColumns = `id, name, description, type, is_third_party, oidc_client_metadata,
	custom_client_metadata, protected_app_metadata, branding, custom_data, created_at`

func scanApplication(sc scanner, a *store.Application) error {
	return sc.Scan(&a.ID, &a.Name, &a.Description, &a.Type, &a.IsThirdParty,
		jsonCol{&a.OIDCClientMetadata}, jsonCol{&a.CustomClientMetadata},
		rawCol{&a.ProtectedAppMetadata}, jsonCol{&a.Branding}, rawCol{&a.CustomData},
		timeCol{&a.CreatedAt})
}

// appArgs encodes the mutable columns in appColumns order after id.
func appArgs(a *store.Application) ([]any, error) {
	meta, err := jsonArgs(a.OIDCClientMetadata, a.CustomClientMetadata, a.Branding)
	if err != nil {
		return nil, err
	}
	return []any{a.Name, a.Description, a.Type, a.IsThirdParty, meta[0], meta[1],
		rawJSON(a.ProtectedAppMetadata), meta[2], rawJSON(a.CustomData)}, nil
}

// CreateApplication inserts app. An empty ID gets a fresh one and a zero
// CreatedAt the current time; both are written back to app.
func (s *Store) CreateApplication(ctx context.Context, app *store.Application) error {
	const op = "create application"
	if app.ID == "" {
		app.ID = id.New()
	}
	app.CreatedAt = createdAt(app.CreatedAt)
	args, err := appArgs(app)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	args = append([]any{app.ID}, append(args, millis(app.CreatedAt))...)
	_, err = s.w().ExecContext(ctx, `INSERT INTO applications (`+appColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, args...)
	return s.wrap(op, err)
}

func (s *Store) GetApplication(ctx context.Context, appID string) (*store.Application, error) {
	var a store.Application
	err := scanApplication(s.r().QueryRowContext(ctx, `SELECT `+appColumns+` FROM applications WHERE id = $1`, appID), &a)
	if err != nil {
		return nil, s.wrap("get application", err)
	}
	return &a, nil
}

func (s *Store) ListApplications(ctx context.Context, page store.Page) ([]store.Application, int, error) {
	return queryPage(ctx, s, "list applications", page,
		`SELECT count(*) FROM applications`,
		`SELECT `+appColumns+` FROM applications ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2`,
		scanApplication)
}

func (s *Store) UpdateApplication(ctx context.Context, appID string, update func(*store.Application) error) (*store.Application, error) {
	const op = "update application"
	var out *store.Application
	err := s.inTx(ctx, func(tx *Store) error {
		var a store.Application
		err := scanApplication(tx.w().QueryRowContext(ctx, `SELECT `+appColumns+` FROM applications WHERE id = $1`+s.dialect.ForUpdate, appID), &a)
		if err != nil {
			return tx.wrap(op, err)
		}
		created := a.CreatedAt
		if err := update(&a); err != nil {
			return err
		}
		// ID and CreatedAt are identity; the updater cannot move them.
		a.ID, a.CreatedAt = appID, created
		args, err := appArgs(&a)
		if err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		if _, err := tx.w().ExecContext(ctx, `UPDATE applications SET name = $1, description = $2, type = $3,
			is_third_party = $4, oidc_client_metadata = $5, custom_client_metadata = $6,
			protected_app_metadata = $7, branding = $8, custom_data = $9 WHERE id = $10`,
			append(args, appID)...); err != nil {
			return tx.wrap(op, err)
		}
		out = &a
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteApplication removes the app; secrets, codes, tokens, grants and role
// assignments go with it through ON DELETE CASCADE, in the same statement.
func (s *Store) DeleteApplication(ctx context.Context, appID string) error {
	return s.execOne(ctx, "delete application", `DELETE FROM applications WHERE id = $1`, appID)
}

func (s *Store) AddApplicationSecret(ctx context.Context, sec *store.ApplicationSecret) error {
	sec.CreatedAt = createdAt(sec.CreatedAt)
	sec.ExpiresAt = truncate(sec.ExpiresAt)
	_, err := s.w().ExecContext(ctx, `INSERT INTO application_secrets (application_id, name, hash, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5)`, sec.ApplicationID, sec.Name, sec.Hash, millis(sec.CreatedAt), millis(sec.ExpiresAt))
	return s.wrap("add application secret", err)
}

// ListApplicationSecrets returns every secret of the app, expired ones
// included (the console shows them), newest first.
func (s *Store) ListApplicationSecrets(ctx context.Context, appID string) ([]store.ApplicationSecret, error) {
	return queryList(ctx, s, "list application secrets",
		`SELECT application_id, name, hash, created_at, expires_at FROM application_secrets
		WHERE application_id = $1 ORDER BY created_at DESC, name`,
		func(sc scanner, sec *store.ApplicationSecret) error {
			return sc.Scan(&sec.ApplicationID, &sec.Name, &sec.Hash, timeCol{&sec.CreatedAt}, timeCol{&sec.ExpiresAt})
		}, appID)
}

func (s *Store) DeleteApplicationSecret(ctx context.Context, appID, name string) error {
	return s.execOne(ctx, "delete application secret",
		`DELETE FROM application_secrets WHERE application_id = $1 AND name = $2`, appID, name)
}

// createdAt defaults a zero creation time to now, at stored precision.
func createdAt(t time.Time) time.Time {
	if t.IsZero() {
		t = time.Now()
	}
	return truncate(t)
}

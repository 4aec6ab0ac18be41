package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

const signInExperienceColumns = `id, settings, version, updated_at`

func scanSignInExperience(sc scanner, e *store.SignInExperience) error {
	return sc.Scan(&e.ID, rawCol{&e.Settings}, &e.Version, timeCol{&e.UpdatedAt})
}

func (s *Store) GetSignInExperience(ctx context.Context, experienceID string) (*store.SignInExperience, error) {
	var e store.SignInExperience
	err := scanSignInExperience(s.r().QueryRowContext(ctx, `SELECT `+signInExperienceColumns+`
		FROM sign_in_experiences WHERE id = $1 AND settings IS NOT NULL`, experienceID), &e)
	if err != nil {
		return nil, s.wrap("get sign-in experience", err)
	}
	return &e, nil
}

// UpdateSignInExperience makes sure the row exists (a placeholder with no
// settings, which stays invisible to Get and is rolled back if update
// fails), locks it, and writes the updated document with the next version.
// Inserting first means two nodes creating the document at once serialise
// on the row instead of one failing with a unique-key error.
func (s *Store) UpdateSignInExperience(ctx context.Context, experienceID string, updatedAt time.Time, update func(*store.SignInExperience) error) (*store.SignInExperience, error) {
	const op = "update sign-in experience"
	var out *store.SignInExperience
	err := s.inTx(ctx, func(tx *Store) error {
		if _, err := tx.w().ExecContext(ctx, `INSERT INTO sign_in_experiences (id, settings, version, updated_at)
			VALUES ($1, NULL, 0, $2) ON CONFLICT (id) DO NOTHING`, experienceID, updatedAt.UnixMilli()); err != nil {
			return tx.wrap(op, err)
		}
		var e store.SignInExperience
		if err := scanSignInExperience(tx.w().QueryRowContext(ctx, `SELECT `+signInExperienceColumns+`
			FROM sign_in_experiences WHERE id = $1`+s.dialect.ForUpdate, experienceID), &e); err != nil {
			return tx.wrap(op, err)
		}
		version := e.Version
		if err := update(&e); err != nil {
			return err
		}
		if len(e.Settings) == 0 {
			return fmt.Errorf("%s: empty settings", op)
		}
		e.ID, e.Version, e.UpdatedAt = experienceID, version+1, truncate(updatedAt)
		if _, err := tx.w().ExecContext(ctx, `UPDATE sign_in_experiences SET settings = $1, version = $2, updated_at = $3
			WHERE id = $4`, rawJSON(e.Settings), e.Version, millis(e.UpdatedAt), experienceID); err != nil {
			return tx.wrap(op, err)
		}
		out = &e
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/internal/id"
	"github.com/gatehouse/gatehouse/internal/store"
)

const interactionColumns = `id, request, event, state, result, created_at, updated_at, expires_at`

// notExpired is the visibility condition for rows with an optional expiry;
// $N is the caller's now in milliseconds.
func notExpired(param string) string {
	return `(expires_at IS NULL OR expires_at > ` + param + `)`
}

func scanInteraction(sc scanner, i *store.Interaction) error {
	return sc.Scan(&i.ID, jsonCol{&i.Request}, &i.Event, rawCol{&i.State}, jsonCol{&i.Result},
		timeCol{&i.CreatedAt}, timeCol{&i.UpdatedAt}, timeCol{&i.ExpiresAt})
}

func interactionArgs(i *store.Interaction) ([]any, error) {
	enc, err := jsonArgs(i.Request, i.Result)
	if err != nil {
		return nil, err
	}
	return []any{enc[0], i.Event, rawJSON(i.State), enc[1],
		millis(i.CreatedAt), millis(i.UpdatedAt), millis(i.ExpiresAt)}, nil
}

// CreateInteraction inserts i; an empty ID gets a fresh one, a zero
// CreatedAt the current time and a zero UpdatedAt the creation time.
func (s *Store) CreateInteraction(ctx context.Context, i *store.Interaction) error {
	const op = "create interaction"
	if i.ID == "" {
		i.ID = id.New()
	}
	i.CreatedAt = createdAt(i.CreatedAt)
	if i.UpdatedAt.IsZero() {
		i.UpdatedAt = i.CreatedAt
	}
	i.UpdatedAt, i.ExpiresAt = truncate(i.UpdatedAt), truncate(i.ExpiresAt)
	args, err := interactionArgs(i)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	_, err = s.w().ExecContext(ctx, `INSERT INTO interactions (`+interactionColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, append([]any{i.ID}, args...)...)
	return s.wrap(op, err)
}

// GetInteraction hides an interaction that has expired at now.
func (s *Store) GetInteraction(ctx context.Context, interactionID string, now time.Time) (*store.Interaction, error) {
	var i store.Interaction
	err := scanInteraction(s.r().QueryRowContext(ctx, `SELECT `+interactionColumns+` FROM interactions
		WHERE id = $1 AND `+notExpired("$2"), interactionID, now.UnixMilli()), &i)
	if err != nil {
		return nil, s.wrap("get interaction", err)
	}
	return &i, nil
}

// UpdateInteraction is a read-modify-write of a live interaction; UpdatedAt
// becomes now. The updater may extend ExpiresAt.
func (s *Store) UpdateInteraction(ctx context.Context, interactionID string, now time.Time, update func(*store.Interaction) error) (*store.Interaction, error) {
	const op = "update interaction"
	var out *store.Interaction
	err := s.inTx(ctx, func(tx *Store) error {
		var i store.Interaction
		err := scanInteraction(tx.w().QueryRowContext(ctx, `SELECT `+interactionColumns+` FROM interactions
			WHERE id = $1 AND `+notExpired("$2")+s.dialect.ForUpdate, interactionID, now.UnixMilli()), &i)
		if err != nil {
			return tx.wrap(op, err)
		}
		created, expires := i.CreatedAt, i.ExpiresAt
		if err := update(&i); err != nil {
			return err
		}
		i.ID, i.CreatedAt, i.UpdatedAt, i.ExpiresAt = interactionID, created, truncate(now), truncate(i.ExpiresAt)
		args, err := interactionArgs(&i)
		if err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		if i.ExpiresAt.Equal(expires) {
			// Leaving expires_at out of the statement spares its index
			// entry a delete and an insert (a page more per commit).
			_, err = tx.w().ExecContext(ctx, `UPDATE interactions SET request = $1, event = $2, state = $3,
				result = $4, created_at = $5, updated_at = $6 WHERE id = $7`,
				append(args[:6:6], interactionID)...)
		} else {
			_, err = tx.w().ExecContext(ctx, `UPDATE interactions SET request = $1, event = $2, state = $3,
				result = $4, created_at = $5, updated_at = $6, expires_at = $7 WHERE id = $8`,
				append(args, interactionID)...)
		}
		if err != nil {
			return tx.wrap(op, err)
		}
		out = &i
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Store) DeleteInteraction(ctx context.Context, interactionID string) error {
	return s.execOne(ctx, "delete interaction", `DELETE FROM interactions WHERE id = $1`, interactionID)
}

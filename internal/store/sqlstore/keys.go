package sqlstore

import (
	"context"

	"github.com/gatehouse/gatehouse/internal/store"
)

// ListSigningKeys returns every key oldest first, so the JWKS order is
// stable across nodes.
func (s *Store) ListSigningKeys(ctx context.Context) ([]store.SigningKey, error) {
	return queryList(ctx, s, "list signing keys",
		`SELECT id, alg, status, private_key, public_jwk, created_at FROM signing_keys ORDER BY created_at, id`,
		func(sc scanner, k *store.SigningKey) error {
			return sc.Scan(&k.ID, &k.Alg, &k.Status, &k.PrivateKey, &k.PublicJWK, timeCol{&k.CreatedAt})
		})
}

func (s *Store) CreateSigningKey(ctx context.Context, k *store.SigningKey) error {
	k.CreatedAt = createdAt(k.CreatedAt)
	_, err := s.w().ExecContext(ctx, `INSERT INTO signing_keys (id, alg, status, private_key, public_jwk, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, k.ID, k.Alg, k.Status, k.PrivateKey, k.PublicJWK, millis(k.CreatedAt))
	return s.wrap("create signing key", err)
}

func (s *Store) SetSigningKeyStatus(ctx context.Context, keyID, status string) error {
	return s.execOne(ctx, "set signing key status", `UPDATE signing_keys SET status = $1 WHERE id = $2`, status, keyID)
}

func (s *Store) DeleteSigningKey(ctx context.Context, keyID string) error {
	return s.execOne(ctx, "delete signing key", `DELETE FROM signing_keys WHERE id = $1`, keyID)
}

package application

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/store"
)

// Client secrets are stored as SHA-256 hashes, which is all that
// client_secret_basic and client_secret_post need. client_secret_jwt
// (RFC 7523 §2.2, OIDC Core §9) is different: the client signs its
// assertion with HMAC keyed by the secret, so verifying it needs the secret
// itself. When the service has a SecretKey it therefore also stores each
// new secret sealed with AES-256-GCM (the app ID and secret name are the
// additional data, so a sealed value cannot be moved to another secret).
// Secrets created without a key, or before sealing existed, work for every
// method except client_secret_jwt.

func (s *Service) aead() (cipher.AEAD, error) {
	if len(s.SecretKey) != 32 {
		return nil, errors.New("application: no secret sealing key")
	}
	block, err := aes.NewCipher(s.SecretKey)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func sealAD(appID, name string) []byte {
	return []byte("gatehouse-client-secret\x00" + appID + "\x00" + name)
}

// seal encrypts secret, or returns nil when the service has no key.
func (s *Service) seal(appID, name, secret string) ([]byte, error) {
	if len(s.SecretKey) == 0 {
		return nil, nil
	}
	a, err := s.aead()
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, a.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return a.Seal(nonce, nonce, []byte(secret), sealAD(appID, name)), nil
}

func (s *Service) open(appID, name string, sealed []byte) ([]byte, error) {
	a, err := s.aead()
	if err != nil {
		return nil, err
	}
	if len(sealed) < a.NonceSize() {
		return nil, errors.New("application: sealed secret is too short")
	}
	return a.Open(nil, sealed[:a.NonceSize()], sealed[a.NonceSize():], sealAD(appID, name))
}

// HMACKeys returns the app's unexpired secrets in plaintext, for verifying a
// client_secret_jwt assertion. Only secrets with a sealed copy are listed.
func (s *Service) HMACKeys(ctx context.Context, app *store.Application) ([][]byte, error) {
	if !HasSecret(app.Type) || len(s.SecretKey) == 0 {
		return nil, nil
	}
	secrets, err := s.Store.ListApplicationSecrets(ctx, app.ID)
	if err != nil {
		return nil, fmt.Errorf("list secrets: %w", err)
	}
	sealed, err := s.Store.ListSealedApplicationSecrets(ctx, app.ID)
	if err != nil {
		return nil, fmt.Errorf("list sealed secrets: %w", err)
	}
	now := s.now()
	var out [][]byte
	for _, sec := range secrets {
		if !sec.ExpiresAt.IsZero() && !now.Before(sec.ExpiresAt) {
			continue
		}
		b, ok := sealed[sec.Name]
		if !ok {
			continue
		}
		plain, err := s.open(app.ID, sec.Name, b)
		if err != nil {
			return nil, fmt.Errorf("open sealed secret: %w", err)
		}
		out = append(out, plain)
	}
	return out, nil
}

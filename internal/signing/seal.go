package signing

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// sealer encrypts private keys at rest with AES-256-GCM. The key ID is the
// additional authenticated data, so a sealed key copied onto another row
// fails to open.
type sealer struct{ aead cipher.AEAD }

func newSealer(secretKey []byte) (*sealer, error) {
	if len(secretKey) != 32 {
		return nil, fmt.Errorf("signing: secret key must be 32 bytes, got %d", len(secretKey))
	}
	block, err := aes.NewCipher(secretKey)
	if err != nil {
		return nil, fmt.Errorf("signing: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("signing: %w", err)
	}
	return &sealer{aead: aead}, nil
}

// seal returns nonce || ciphertext.
func (s *sealer) seal(kid string, plaintext []byte) []byte {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plaintext)+s.aead.Overhead())
	_, _ = rand.Read(nonce)
	return s.aead.Seal(nonce, nonce, plaintext, []byte(kid))
}

// errWrongSecret means the sealed key does not open with our secret key:
// GATEHOUSE_SECRET_KEY changed, or the row was tampered with.
var errWrongSecret = errors.New("signing: cannot decrypt signing key (wrong secret key?)")

func (s *sealer) open(kid string, sealed []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() {
		return nil, errWrongSecret
	}
	out, err := s.aead.Open(nil, sealed[:n], sealed[n:], []byte(kid))
	if err != nil {
		return nil, errWrongSecret
	}
	return out, nil
}

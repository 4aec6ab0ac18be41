// Package seal encrypts small secrets for storage (TOTP keys, connector
// client secrets) with AES-256-GCM under a key derived from
// GATEHOUSE_SECRET_KEY. Each sealed value is bound to a context string (the
// row it belongs to), so a sealed value copied onto another row fails to
// open.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// Box seals and opens values with one key.
type Box struct{ aead cipher.AEAD }

// New returns a Box for a 32-byte key.
func New(key []byte) (*Box, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("seal: key must be 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plaintext bound to context and returns nonce || ciphertext.
func (b *Box) Seal(context string, plaintext []byte) []byte {
	n := b.aead.NonceSize()
	nonce := make([]byte, n, n+len(plaintext)+b.aead.Overhead())
	_, _ = rand.Read(nonce) // crypto/rand.Read never fails on supported platforms
	return b.aead.Seal(nonce, nonce, plaintext, []byte(context))
}

// ErrOpen means a sealed value does not open: the secret key changed, the
// value was tampered with or it belongs to another context.
var ErrOpen = errors.New("seal: cannot decrypt (wrong secret key or context)")

// Open decrypts a value made by Seal with the same context.
func (b *Box) Open(context string, sealed []byte) ([]byte, error) {
	n := b.aead.NonceSize()
	if len(sealed) < n+b.aead.Overhead() {
		return nil, ErrOpen
	}
	out, err := b.aead.Open(nil, sealed[:n], sealed[n:], []byte(context))
	if err != nil {
		return nil, ErrOpen
	}
	return out, nil
}

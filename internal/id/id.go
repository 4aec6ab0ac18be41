// Package id makes random identifiers and secrets in Logto's formats.
package id

import (
	"crypto/rand"
	"encoding/base64"
)

const (
	lowerAlnum = "0123456789abcdefghijklmnopqrstuvwxyz"
	mixedAlnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)

// New returns a 21-character lowercase alphanumeric ID (Logto's standard ID).
func New() string { return fromAlphabet(lowerAlnum, 21) }

// NewUser returns a 12-character lowercase alphanumeric user ID.
func NewUser() string { return fromAlphabet(lowerAlnum, 12) }

// NewSecret returns a 32-character mixed-case alphanumeric client secret.
func NewSecret() string { return fromAlphabet(mixedAlnum, 32) }

// NewToken returns 256 random bits, base64url without padding: opaque access
// tokens, refresh tokens, authorization codes and session IDs.
func NewToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// fromAlphabet draws n characters uniformly from alphabet by rejection
// sampling, so no character is more likely than another.
func fromAlphabet(alphabet string, n int) string {
	limit := byte(256 - 256%len(alphabet))
	out := make([]byte, 0, n)
	var buf [64]byte
	for len(out) < n {
		_, _ = rand.Read(buf[:])
		for _, b := range buf {
			if b >= limit {
				continue
			}
			out = append(out, alphabet[int(b)%len(alphabet)])
			if len(out) == n {
				break
			}
		}
	}
	return string(out)
}

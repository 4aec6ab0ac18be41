package mfa

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"strings"
)

// Backup codes, as Logto issues them: ten codes of ten lowercase
// alphanumeric characters (about 51 bits each).
const (
	BackupCodeCount  = 10
	backupCodeLength = 10
	backupAlphabet   = "0123456789abcdefghijklmnopqrstuvwxyz"
)

// NewBackupCodes returns BackupCodeCount fresh, distinct codes.
func NewBackupCodes() []string {
	seen := map[string]bool{}
	codes := make([]string, 0, BackupCodeCount)
	for len(codes) < BackupCodeCount {
		c := randomString(backupAlphabet, backupCodeLength)
		if !seen[c] {
			seen[c] = true
			codes = append(codes, c)
		}
	}
	return codes
}

// randomString draws n characters uniformly from alphabet (rejection
// sampling, so no character is likelier than another).
func randomString(alphabet string, n int) string {
	limit := byte(256 - 256%len(alphabet))
	out := make([]byte, 0, n)
	var buf [32]byte
	for len(out) < n {
		_, _ = rand.Read(buf[:]) // crypto/rand.Read never fails on supported platforms
		for _, b := range buf {
			if b < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out)
}

// BackupCodeHasher hashes backup codes for storage and lookup.
type BackupCodeHasher struct{ key []byte }

// NewBackupCodeHasher returns a hasher keyed with key (derived from the
// server secret).
func NewBackupCodeHasher(key []byte) *BackupCodeHasher {
	return &BackupCodeHasher{key: append([]byte(nil), key...)}
}

// Hash is HMAC-SHA256(key, userID || 0 || normalised code). Binding the
// user ID means one user's hash says nothing about another's codes.
func (h *BackupCodeHasher) Hash(userID, code string) []byte {
	m := hmac.New(sha256.New, h.key)
	m.Write([]byte(userID))
	m.Write([]byte{0})
	m.Write([]byte(NormalizeBackupCode(code)))
	return m.Sum(nil)
}

// NormalizeBackupCode forgives what people do when they copy a code:
// surrounding space, capitals, and the dashes or spaces of a grouped
// display.
func NormalizeBackupCode(code string) string {
	code = strings.ToLower(strings.TrimSpace(code))
	return strings.NewReplacer("-", "", " ", "").Replace(code)
}

package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// Params are argon2id cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // iterations
	Threads uint8
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// DefaultParams are OWASP's recommended minimum for argon2id (19 MiB, two
// passes, one lane), which is also what Logto uses.
var DefaultParams = Params{Memory: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// ErrMalformedHash means a stored hash is not in a format Verify knows.
var ErrMalformedHash = errors.New("password: malformed hash")

// b64 is the PHC string encoding: standard alphabet, no padding.
var b64 = base64.RawStdEncoding

// Hash returns the argon2id PHC string of password with DefaultParams.
func Hash(password string) (string, error) { return HashWith(password, DefaultParams) }

// HashWith hashes with explicit parameters (tests use cheap ones).
func HashWith(password string, p Params) (string, error) {
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password: salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return encodeArgon2("argon2id", p, salt, key), nil
}

// Verify reports whether password matches the PHC (or bcrypt) string. The
// comparison is constant-time. A malformed hash is an error, never a match.
func Verify(password, encoded string) (bool, error) {
	switch {
	case strings.HasPrefix(encoded, "$argon2id$"), strings.HasPrefix(encoded, "$argon2i$"):
		h, err := parseArgon2(encoded)
		if err != nil {
			return false, err
		}
		return subtle.ConstantTimeCompare(h.derive(password), h.key) == 1, nil
	case isBcrypt(encoded):
		err := bcrypt.CompareHashAndPassword([]byte(encoded), []byte(password))
		switch {
		case err == nil:
			return true, nil
		case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword):
			return false, nil
		default:
			return false, fmt.Errorf("%w: %v", ErrMalformedHash, err)
		}
	default:
		return false, ErrMalformedHash
	}
}

// NeedsRehash reports whether encoded should be replaced by a fresh Hash:
// it is a legacy format, or argon2id with weaker parameters than
// DefaultParams.
func NeedsRehash(encoded string) bool {
	if !strings.HasPrefix(encoded, "$argon2id$") {
		return true
	}
	h, err := parseArgon2(encoded)
	if err != nil {
		return true
	}
	p := DefaultParams
	return h.params.Memory < p.Memory || h.params.Time < p.Time ||
		uint32(len(h.key)) < p.KeyLen || len(h.salt) < int(p.SaltLen)
}

// dummyHash is a valid DefaultParams hash of a random value nobody knows.
// It is computed once, lazily, so importing the package costs nothing.
var dummyHash = sync.OnceValue(func() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	h, err := Hash(base64.RawURLEncoding.EncodeToString(b[:]))
	if err != nil {
		panic("password: cannot build dummy hash: " + err.Error())
	}
	return h
})

// DummyVerify does the work of one Verify against a DefaultParams hash and
// always reports false. Call it when there is no stored hash to check, so
// that "no such user" costs the same time as "wrong password".
func DummyVerify(password string) bool {
	_, _ = Verify(password, dummyHash())
	return false
}

func isBcrypt(s string) bool {
	return strings.HasPrefix(s, "$2a$") || strings.HasPrefix(s, "$2b$") || strings.HasPrefix(s, "$2y$")
}

package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

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

// slots bounds how many password hashes (argon2id or bcrypt) run at once in
// the process. Hashing is CPU-bound, so more than GOMAXPROCS in flight only
// adds latency, and every argon2id call needs its full memory cost
// (19 MiB with DefaultParams; a pooled buffer per slot, see work.go):
// unbounded, eight concurrent sign-ins would hold 150 MiB. Waiting requests
// give up when their context ends.
var slots = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))

// Hashing done so far: how many hashes (and verifications) held a slot,
// and the CPU time they took (HashStats).
var (
	hashes    atomic.Uint64
	hashCPUNs atomic.Int64
)

// HashStats reports how many password hashes and verifications (dummy ones
// included) the process has run, and the CPU time they took. The time is
// the hashing thread's own CPU clock (Linux), so it counts the hash alone,
// whatever else the process does meanwhile: operators see what passwords
// cost, and the benchmark can tell a sign-in's hash from the rest of it.
func HashStats() (n uint64, cpu time.Duration) {
	return hashes.Load(), time.Duration(hashCPUNs.Load())
}

// acquire takes a hashing slot, or returns ctx's error once ctx is done.
// Until release, the caller's goroutine keeps its OS thread, so that the
// thread's CPU clock measures the hash.
func acquire(ctx context.Context) (release func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	select {
	case slots <- struct{}{}:
		runtime.LockOSThread()
		start := threadCPU()
		return func() {
			hashCPUNs.Add(int64(threadCPU() - start))
			hashes.Add(1)
			runtime.UnlockOSThread()
			<-slots
		}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Hash returns the argon2id PHC string of password with DefaultParams.
func Hash(password string) (string, error) { return HashContext(context.Background(), password) }

// HashContext is Hash, waiting for a hashing slot at most until ctx ends.
func HashContext(ctx context.Context, password string) (string, error) {
	return HashWithContext(ctx, password, DefaultParams)
}

// HashWith hashes with explicit parameters (tests use cheap ones).
func HashWith(password string, p Params) (string, error) {
	return HashWithContext(context.Background(), password, p)
}

// HashWithContext is HashWith, waiting for a hashing slot at most until ctx
// ends; then it returns ctx's error.
func HashWithContext(ctx context.Context, password string, p Params) (string, error) {
	release, err := acquire(ctx)
	if err != nil {
		return "", err
	}
	defer release()
	return hashWith(password, p)
}

// hashWith hashes; the caller holds a slot (the work buffer pool relies on it).
func hashWith(password string, p Params) (string, error) {
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password: salt: %w", err)
	}
	h := argon2Hash{variant: "argon2id", params: p, salt: salt}
	return encodeArgon2("argon2id", p, salt, h.derive(password)), nil
}

// Verify reports whether password matches the PHC (or bcrypt) string. The
// comparison is constant-time. A malformed hash is an error, never a match.
func Verify(password, encoded string) (bool, error) {
	return VerifyContext(context.Background(), password, encoded)
}

// VerifyContext is Verify, waiting for a hashing slot at most until ctx
// ends; then it returns false and ctx's error.
func VerifyContext(ctx context.Context, password, encoded string) (bool, error) {
	switch {
	case strings.HasPrefix(encoded, "$argon2id$"), strings.HasPrefix(encoded, "$argon2i$"):
		h, err := parseArgon2(encoded)
		if err != nil {
			return false, err
		}
		release, err := acquire(ctx)
		if err != nil {
			return false, err
		}
		defer release()
		return subtle.ConstantTimeCompare(h.derive(password), h.key) == 1, nil
	case isBcrypt(encoded):
		release, err := acquire(ctx)
		if err != nil {
			return false, err
		}
		defer release()
		err = bcrypt.CompareHashAndPassword([]byte(encoded), []byte(password))
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

// dummyHash is a well-formed DefaultParams argon2id hash whose key is
// random bytes: no password derives it (but for a 2^-256 chance), and
// verifying against it does exactly the work of a real verification. It
// is made once, lazily, without hashing anything.
var dummyHash = sync.OnceValue(func() string {
	salt := make([]byte, DefaultParams.SaltLen)
	key := make([]byte, DefaultParams.KeyLen)
	_, _ = rand.Read(salt)
	_, _ = rand.Read(key)
	return encodeArgon2("argon2id", DefaultParams, salt, key)
})

// DummyVerify does the work of one Verify against a DefaultParams hash and
// always reports false. Call it when there is no stored hash to check, so
// that "no such user" costs the same time as "wrong password".
func DummyVerify(password string) bool {
	_ = DummyVerifyContext(context.Background(), password)
	return false
}

// DummyVerifyContext is DummyVerify, waiting for a hashing slot at most
// until ctx ends; then it returns ctx's error (and does no work: the client
// is gone, so there is nobody to time the answer).
func DummyVerifyContext(ctx context.Context, password string) error {
	_, err := VerifyContext(ctx, password, dummyHash())
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return nil
}

func isBcrypt(s string) bool {
	return strings.HasPrefix(s, "$2a$") || strings.HasPrefix(s, "$2b$") || strings.HasPrefix(s, "$2y$")
}

package password

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse/internal/password/internal/argon2"
)

// Bounds on parameters read from a stored hash. A hash comes from our own
// database, but an imported or tampered row must not make one sign-in
// allocate gigabytes or spin for minutes.
const (
	maxMemory  = 1 << 20 // 1 GiB in KiB
	maxTime    = 64
	maxThreads = 64
	maxKeyLen  = 1024
)

// argon2Hash is a parsed argon2 PHC string.
type argon2Hash struct {
	variant string // argon2id or argon2i
	params  Params
	salt    []byte
	key     []byte
}

// derive computes the key of password with h's variant, parameters
// (params.KeyLen is the key length) and salt, in a pooled work buffer (see work.go). The caller holds
// a hashing slot.
func (h argon2Hash) derive(password string) []byte {
	p := h.params
	buf := work.get(argon2.WorkSize(p.Memory, p.Threads))
	defer work.put(buf)
	if h.variant == "argon2i" {
		return argon2.KeyInto(buf, []byte(password), h.salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	}
	return argon2.IDKeyInto(buf, []byte(password), h.salt, p.Time, p.Memory, p.Threads, p.KeyLen)
}

func encodeArgon2(variant string, p Params, salt, key []byte) string {
	return fmt.Sprintf("$%s$v=%d$m=%d,t=%d,p=%d$%s$%s",
		variant, argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// parseArgon2 reads "$argon2id$v=19$m=..,t=..,p=..$salt$hash". The PHC
// format allows leaving out the version (meaning 0x10), but x/crypto only
// implements 0x13, so the version is required and must be 19.
func parseArgon2(s string) (argon2Hash, error) {
	parts := strings.Split(s, "$") // "", variant, v=19, params, salt, hash
	if len(parts) != 6 || parts[0] != "" {
		return argon2Hash{}, ErrMalformedHash
	}
	h := argon2Hash{variant: parts[1]}
	if h.variant != "argon2id" && h.variant != "argon2i" {
		return argon2Hash{}, ErrMalformedHash
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return argon2Hash{}, fmt.Errorf("%w: unsupported argon2 version %q", ErrMalformedHash, parts[2])
	}
	seen := map[string]bool{}
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || seen[k] {
			return argon2Hash{}, ErrMalformedHash
		}
		seen[k] = true
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return argon2Hash{}, ErrMalformedHash
		}
		switch k {
		case "m":
			h.params.Memory = uint32(n)
		case "t":
			h.params.Time = uint32(n)
		case "p":
			if n > 255 {
				return argon2Hash{}, ErrMalformedHash
			}
			h.params.Threads = uint8(n)
		default:
			return argon2Hash{}, ErrMalformedHash
		}
	}
	if !seen["m"] || !seen["t"] || !seen["p"] {
		return argon2Hash{}, ErrMalformedHash
	}
	p := h.params
	if p.Time < 1 || p.Time > maxTime || p.Threads < 1 || p.Threads > maxThreads ||
		p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemory {
		return argon2Hash{}, ErrMalformedHash
	}
	var err error
	if h.salt, err = b64.DecodeString(parts[4]); err != nil || len(h.salt) < 8 {
		return argon2Hash{}, ErrMalformedHash
	}
	if h.key, err = b64.DecodeString(parts[5]); err != nil || len(h.key) < 16 || len(h.key) > maxKeyLen {
		return argon2Hash{}, ErrMalformedHash
	}
	h.params.SaltLen = uint32(len(h.salt))
	h.params.KeyLen = uint32(len(h.key))
	return h, nil
}

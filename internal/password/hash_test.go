package password

import (
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// cheap keeps tests fast; the format and code path are the same.
var cheap = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestHashFormat(t *testing.T) {
	h, err := Hash("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q does not use the default parameters", h)
	}
	parts := strings.Split(h, "$")
	if len(parts) != 6 || len(parts[4]) != 22 || len(parts[5]) != 43 {
		t.Fatalf("hash %q: want 16-byte salt and 32-byte key, unpadded base64", h)
	}
	if NeedsRehash(h) {
		t.Error("a fresh default hash must not need a rehash")
	}
	ok, err := Verify("correct horse battery staple", h)
	if err != nil || !ok {
		t.Fatalf("Verify(right) = %v, %v", ok, err)
	}
}

func TestSaltIsRandom(t *testing.T) {
	a, _ := HashWith("same", cheap)
	b, _ := HashWith("same", cheap)
	if a == b {
		t.Fatal("two hashes of one password are equal: salt is not random")
	}
}

func TestVerify(t *testing.T) {
	argon2id, _ := HashWith("s3cret-pass", cheap)
	legacyI := encodeArgon2("argon2i", cheap, []byte("0123456789abcdef"),
		argon2.Key([]byte("s3cret-pass"), []byte("0123456789abcdef"), 1, 64, 1, 32))
	bc, err := bcrypt.GenerateFromPassword([]byte("s3cret-pass"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		password string
		hash     string
		want     bool
		wantErr  bool
	}{
		{"argon2id right", "s3cret-pass", argon2id, true, false},
		{"argon2id wrong", "s3cret-pasS", argon2id, false, false},
		{"argon2id empty password", "", argon2id, false, false},
		{"argon2i legacy right", "s3cret-pass", legacyI, true, false},
		{"argon2i legacy wrong", "nope", legacyI, false, false},
		{"bcrypt right", "s3cret-pass", string(bc), true, false},
		{"bcrypt wrong", "nope", string(bc), false, false},
		{"empty hash", "x", "", false, true},
		{"unknown scheme", "x", "$md5$abc", false, true},
		{"argon2d unsupported", "x", strings.Replace(argon2id, "argon2id", "argon2d", 1), false, true},
		{"wrong version", "x", strings.Replace(argon2id, "v=19", "v=16", 1), false, true},
		{"no version", "x", strings.Replace(argon2id, "$v=19", "", 1), false, true},
		{"bad salt", "x", "$argon2id$v=19$m=64,t=1,p=1$!!!$" + strings.Split(argon2id, "$")[5], false, true},
		{"short key", "x", "$argon2id$v=19$m=64,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$AAAA", false, true},
		{"huge memory refused", "x", strings.Replace(argon2id, "m=64", "m=99999999", 1), false, true},
		{"zero time", "x", strings.Replace(argon2id, "t=1", "t=0", 1), false, true},
		{"duplicate param", "x", strings.Replace(argon2id, "t=1", "m=64", 1), false, true},
		{"unknown param", "x", strings.Replace(argon2id, "t=1", "x=1", 1), false, true},
		{"bcrypt garbage", "x", "$2b$10$short", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Verify(tt.password, tt.hash)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, ErrMalformedHash) {
				t.Errorf("err = %v, want ErrMalformedHash", err)
			}
			if got != tt.want {
				t.Errorf("Verify = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNeedsRehash(t *testing.T) {
	current, _ := Hash("pw")
	weak, _ := HashWith("pw", cheap)
	bc, _ := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	tests := []struct {
		name string
		hash string
		want bool
	}{
		{"current", current, false},
		{"stronger memory", strings.Replace(current, "m=19456", "m=65536", 1), false},
		{"weaker argon2id", weak, true},
		{"argon2i", strings.Replace(current, "argon2id", "argon2i", 1), true},
		{"bcrypt", string(bc), true},
		{"garbage", "garbage", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NeedsRehash(tt.hash); got != tt.want {
				t.Errorf("NeedsRehash = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDummyVerifyNeverMatches(t *testing.T) {
	if DummyVerify("") || DummyVerify("anything") {
		t.Fatal("DummyVerify reported a match")
	}
	if NeedsRehash(dummyHash()) {
		t.Fatal("the dummy hash must use the default (real) cost")
	}
}

// TestHashStats: a verification counts once, with the CPU its hash took
// (measured on Linux; at least a millisecond for DefaultParams' 19 MiB).
func TestHashStats(t *testing.T) {
	encoded, err := Hash("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	n0, cpu0 := HashStats()
	if ok, err := Verify("correct horse", encoded); !ok || err != nil {
		t.Fatalf("Verify = %v, %v", ok, err)
	}
	n1, cpu1 := HashStats()
	if n1 < n0+1 {
		t.Fatalf("hashes %d -> %d, want one more", n0, n1)
	}
	if runtime.GOOS == "linux" && cpu1-cpu0 < time.Millisecond {
		t.Fatalf("hash CPU grew by %v, want the hash's time", cpu1-cpu0)
	}
}

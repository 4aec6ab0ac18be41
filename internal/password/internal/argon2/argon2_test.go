package argon2

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"testing"

	upstream "golang.org/x/crypto/argon2"
)

// TestMatchesUpstream: every derivation equals golang.org/x/crypto/argon2's
// for the same inputs, with fresh memory, with reused memory full of an
// earlier derivation's data, and with memory that is too small or
// misaligned (then it allocates).
func TestMatchesUpstream(t *testing.T) {
	type params struct {
		time, memory uint32
		threads      uint8
		keyLen       uint32
	}
	cases := []params{
		{1, 64, 1, 32}, {2, 64, 1, 32}, {3, 256, 1, 16}, {2, 1024, 1, 32},
		{1, 64, 2, 32}, {2, 333, 3, 64}, {3, 1024, 4, 32}, {2, 19456, 1, 32},
		{1, 8, 1, 32}, // below the minimum: rounded up as upstream does
	}
	dirty := make([]byte, WorkSize(19456, 1)+8)
	if _, err := rand.Read(dirty); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		for _, pw := range []string{"", "password", "correct horse battery staple"} {
			salt := make([]byte, 16)
			_, _ = rand.Read(salt)
			name := fmt.Sprintf("t=%d,m=%d,p=%d,len=%d,pw=%q", c.time, c.memory, c.threads, c.keyLen, pw)
			wantID := upstream.IDKey([]byte(pw), salt, c.time, c.memory, c.threads, c.keyLen)
			wantI := upstream.Key([]byte(pw), salt, c.time, c.memory, c.threads, c.keyLen)
			if got := IDKey([]byte(pw), salt, c.time, c.memory, c.threads, c.keyLen); !bytes.Equal(got, wantID) {
				t.Errorf("%s: IDKey differs from upstream", name)
			}
			if got := Key([]byte(pw), salt, c.time, c.memory, c.threads, c.keyLen); !bytes.Equal(got, wantI) {
				t.Errorf("%s: Key differs from upstream", name)
			}
			if need := WorkSize(c.memory, c.threads); need > len(dirty)-8 {
				t.Fatalf("%s: WorkSize %d exceeds the test buffer", name, need)
			}
			// Reused memory, dirty from the previous derivations.
			if got := IDKeyInto(dirty, []byte(pw), salt, c.time, c.memory, c.threads, c.keyLen); !bytes.Equal(got, wantID) {
				t.Errorf("%s: IDKeyInto (reused memory) differs from upstream", name)
			}
			if got := KeyInto(dirty, []byte(pw), salt, c.time, c.memory, c.threads, c.keyLen); !bytes.Equal(got, wantI) {
				t.Errorf("%s: KeyInto (reused memory) differs from upstream", name)
			}
			// Too small, and misaligned: allocates, same answer.
			if got := IDKeyInto(dirty[:100], []byte(pw), salt, c.time, c.memory, c.threads, c.keyLen); !bytes.Equal(got, wantID) {
				t.Errorf("%s: IDKeyInto (small memory) differs from upstream", name)
			}
			if got := IDKeyInto(dirty[1:], []byte(pw), salt, c.time, c.memory, c.threads, c.keyLen); !bytes.Equal(got, wantID) {
				t.Errorf("%s: IDKeyInto (misaligned memory) differs from upstream", name)
			}
		}
	}
}

// TestReferenceVector is the PHC reference implementation's argon2id test
// vector (t=2, m=65536, p=1, "password", "somesalt"), derived in memory
// that is not zero.
func TestReferenceVector(t *testing.T) {
	want := "09316115d5cf24ed5a15a31a3ba326e5cf32edc24702987c02b6566f61913cf7"
	work := make([]byte, WorkSize(65536, 1))
	for i := range work {
		work[i] = 0xa5
	}
	got := fmt.Sprintf("%x", IDKeyInto(work, []byte("password"), []byte("somesalt"), 2, 65536, 1, 32))
	if got != want {
		t.Fatalf("argon2id reference vector: got %s, want %s", got, want)
	}
}

func BenchmarkIDKeyInto(b *testing.B) {
	work := make([]byte, WorkSize(19456, 1))
	salt := make([]byte, 16)
	b.SetBytes(int64(len(work)))
	for b.Loop() {
		IDKeyInto(work, []byte("password"), salt, 2, 19456, 1, 32)
	}
}

func BenchmarkUpstreamIDKey(b *testing.B) {
	salt := make([]byte, 16)
	for b.Loop() {
		upstream.IDKey([]byte("password"), salt, 2, 19456, 1, 32)
	}
}

package password

import (
	"context"
	"encoding/base64"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"
)

// TestPooledHashMatchesUpstream: a hash made in a reused buffer verifies
// with x/crypto, and an x/crypto hash verifies here, many times over so
// the buffers are dirty.
func TestPooledHashMatchesUpstream(t *testing.T) {
	p := Params{Memory: 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
	for range 4 {
		h, err := HashWith("pooled-secret", p)
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := parseArgon2(h)
		if err != nil {
			t.Fatal(err)
		}
		want := argon2.IDKey([]byte("pooled-secret"), parsed.salt, p.Time, p.Memory, p.Threads, p.KeyLen)
		if base64.RawStdEncoding.EncodeToString(want) != base64.RawStdEncoding.EncodeToString(parsed.key) {
			t.Fatal("pooled hash differs from x/crypto's")
		}
		salt := []byte("0123456789abcdef")
		up := encodeArgon2("argon2id", p, salt, argon2.IDKey([]byte("other"), salt, p.Time, p.Memory, p.Threads, p.KeyLen))
		if ok, err := Verify("other", up); !ok || err != nil {
			t.Fatalf("x/crypto hash does not verify: %v, %v", ok, err)
		}
	}
}

// TestWorkPoolBoundedAndReleased: concurrent hashes never hold more
// buffers than there are slots, and the buffers go once idle.
func TestWorkPoolBoundedAndReleased(t *testing.T) {
	work.mu.Lock()
	work.idle = 50 * time.Millisecond
	work.mu.Unlock()
	defer func() {
		work.mu.Lock()
		work.idle = 0
		work.mu.Unlock()
	}()
	p := Params{Memory: 2048, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
	var wg sync.WaitGroup
	var mu sync.Mutex
	peak := 0
	for range 4 * cap(slots) {
		wg.Go(func() {
			if _, err := HashWithContext(context.Background(), "x", p); err != nil {
				t.Error(err)
			}
			mu.Lock()
			peak = max(peak, work.held())
			mu.Unlock()
		})
	}
	wg.Wait()
	if peak < 1 || peak > cap(slots) {
		t.Fatalf("pool held %d buffers at most, want 1..%d", peak, cap(slots))
	}
	deadline := time.Now().Add(5 * time.Second)
	for work.held() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("pool still holds %d buffers after going idle", work.held())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestBigMemoryNotPooled: a stored hash with a bigger memory cost than
// DefaultParams verifies without a pooled buffer.
func TestBigMemoryNotPooled(t *testing.T) {
	if b := work.get(workSize + 1); b != nil {
		t.Fatal("a buffer bigger than the pooled size came from the pool")
	}
	salt := []byte("0123456789abcdef")
	p := Params{Memory: DefaultParams.Memory + 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
	h := encodeArgon2("argon2id", p, salt, argon2.IDKey([]byte("big"), salt, p.Time, p.Memory, p.Threads, p.KeyLen))
	if ok, err := Verify("big", h); !ok || err != nil {
		t.Fatalf("Verify = %v, %v", ok, err)
	}
}

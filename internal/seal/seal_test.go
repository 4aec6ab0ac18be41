package seal

import (
	"bytes"
	"errors"
	"testing"
)

func TestSealOpen(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	b, err := New(key)
	if err != nil {
		t.Fatal(err)
	}
	sealed := b.Seal("user-1", []byte("JBSWY3DPEHPK3PXP"))
	if bytes.Contains(sealed, []byte("JBSWY3DPEHPK3PXP")) {
		t.Fatal("plaintext visible in the sealed value")
	}
	if again := b.Seal("user-1", []byte("JBSWY3DPEHPK3PXP")); bytes.Equal(again, sealed) {
		t.Fatal("two seals of one value are equal: nonce reuse")
	}
	got, err := b.Open("user-1", sealed)
	if err != nil || string(got) != "JBSWY3DPEHPK3PXP" {
		t.Fatalf("open = %q, %v", got, err)
	}

	other, _ := New(bytes.Repeat([]byte{8}, 32))
	tampered := append([]byte(nil), sealed...)
	tampered[len(tampered)-1] ^= 1
	for name, open := range map[string]func() ([]byte, error){
		"other context": func() ([]byte, error) { return b.Open("user-2", sealed) },
		"other key":     func() ([]byte, error) { return other.Open("user-1", sealed) },
		"tampered":      func() ([]byte, error) { return b.Open("user-1", tampered) },
		"truncated":     func() ([]byte, error) { return b.Open("user-1", sealed[:5]) },
		"empty":         func() ([]byte, error) { return b.Open("user-1", nil) },
	} {
		if _, err := open(); !errors.Is(err, ErrOpen) {
			t.Errorf("%s: err = %v, want ErrOpen", name, err)
		}
	}
	if _, err := New([]byte("short")); err == nil {
		t.Fatal("a short key was accepted")
	}
}

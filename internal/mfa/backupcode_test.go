package mfa

import (
	"bytes"
	"regexp"
	"testing"
)

func TestNewBackupCodes(t *testing.T) {
	codes := NewBackupCodes()
	if len(codes) != BackupCodeCount {
		t.Fatalf("%d codes, want %d", len(codes), BackupCodeCount)
	}
	format := regexp.MustCompile(`^[0-9a-z]{10}$`)
	seen := map[string]bool{}
	for _, c := range codes {
		if !format.MatchString(c) || seen[c] {
			t.Fatalf("bad or repeated code %q in %v", c, codes)
		}
		seen[c] = true
	}
	again := NewBackupCodes()
	for _, c := range again {
		if seen[c] {
			t.Fatalf("code %q issued twice", c)
		}
	}
}

func TestBackupCodeHash(t *testing.T) {
	h := NewBackupCodeHasher([]byte("key-1"))
	base := h.Hash("user1", "abcde12345")
	for _, tc := range []struct {
		name string
		same bool
		got  []byte
	}{
		{"same input", true, h.Hash("user1", "abcde12345")},
		{"capitals and space", true, h.Hash("user1", "  ABCDE12345 ")},
		{"grouped with a dash", true, h.Hash("user1", "abcde-12345")},
		{"other user", false, h.Hash("user2", "abcde12345")},
		{"other code", false, h.Hash("user1", "abcde12346")},
		{"other key", false, NewBackupCodeHasher([]byte("key-2")).Hash("user1", "abcde12345")},
		{"user/code boundary", false, h.Hash("user1a", "bcde12345")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if bytes.Equal(tc.got, base) != tc.same {
				t.Fatalf("equal = %v, want %v", !tc.same, tc.same)
			}
		})
	}
	if len(base) != 32 {
		t.Fatalf("hash is %d bytes", len(base))
	}
}

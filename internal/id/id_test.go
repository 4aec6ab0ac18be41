package id

import (
	"regexp"
	"testing"
)

func TestFormats(t *testing.T) {
	tests := []struct {
		name string
		gen  func() string
		re   *regexp.Regexp
	}{
		{"standard", New, regexp.MustCompile(`^[0-9a-z]{21}$`)},
		{"user", NewUser, regexp.MustCompile(`^[0-9a-z]{12}$`)},
		{"secret", NewSecret, regexp.MustCompile(`^[0-9A-Za-z]{32}$`)},
		{"token", NewToken, regexp.MustCompile(`^[0-9A-Za-z_-]{43}$`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen := map[string]bool{}
			for range 1000 {
				v := tt.gen()
				if !tt.re.MatchString(v) {
					t.Fatalf("%q does not match %s", v, tt.re)
				}
				if seen[v] {
					t.Fatalf("duplicate %q", v)
				}
				seen[v] = true
			}
		})
	}
}

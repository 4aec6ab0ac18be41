package sqlstore

import (
	"encoding/json"
	"slices"
	"testing"
)

func TestScanStrings(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []string
		ok   bool
	}{
		{`[]`, nil, true},
		{`["openid"]`, []string{"openid"}, true},
		{`["openid","offline_access","urn:logto:scope:organizations"]`, []string{"openid", "offline_access", "urn:logto:scope:organizations"}, true},
		{`["a,b",""]`, []string{"a,b", ""}, true},
		// Left to encoding/json: escapes, non-ASCII, spaces, other values.
		{`["a\"b"]`, nil, false},
		{`["é"]`, nil, false},
		{`[ "a"]`, nil, false},
		{`["a", "b"]`, nil, false},
		{`null`, nil, false},
		{`[1]`, nil, false},
		{`["a"`, nil, false},
		{`["a",]`, nil, false},
		{`["a""b"]`, nil, false},
		{`[`, nil, false},
	} {
		got, ok := scanStrings([]byte(tt.in))
		if ok != tt.ok || !slices.Equal(got, tt.want) {
			t.Errorf("scanStrings(%s) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// FuzzScanStrings: whatever the fast path accepts, encoding/json reads the
// same (jsonCol's contract: an empty array is nil).
func FuzzScanStrings(f *testing.F) {
	for _, s := range []string{`[]`, `["openid","profile"]`, `["a\u0022"]`, `["x",""]`, `[""]`, `["a"]]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, ok := scanStrings(b)
		if !ok {
			return
		}
		var want []string
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatalf("scanStrings accepted %q, which encoding/json refuses: %v", b, err)
		}
		if len(want) == 0 {
			want = nil
		}
		if !slices.Equal(got, want) {
			t.Fatalf("scanStrings(%q) = %q, encoding/json %q", b, got, want)
		}
	})
}

package oidc

import (
	"encoding/json"
	"testing"
)

// FuzzParseAssertion: an untrusted client_assertion never panics, and
// whatever it parses to names a client as both iss and sub.
func FuzzParseAssertion(f *testing.F) {
	for _, s := range []string{
		"", "a.b.c", "eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4Iiwic3ViIjoieCJ9.",
		"eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJ4Iiwic3ViIjoieCJ9.c2ln",
		"eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIn0.eyJpc3MiOlsieCJdfQ.c2ln",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		a, err := parseAssertion(raw)
		if err != nil {
			return
		}
		if a.claims.Sub == "" || a.claims.Iss != a.claims.Sub {
			t.Fatalf("accepted claims %+v", a.claims)
		}
	})
}

func TestAudienceOK(t *testing.T) {
	tests := []struct {
		aud  string
		want bool
	}{
		{`"https://op/oidc"`, true},
		{`["x","https://op/oidc/token"]`, true},
		{`"https://op/oidc/token/introspection"`, true},
		{`"https://op"`, false},
		{`""`, false},
		{`[]`, false},
		{`42`, false},
		{`null`, false},
	}
	for _, tc := range tests {
		t.Run(tc.aud, func(t *testing.T) {
			if got := audienceOK(json.RawMessage(tc.aud), "https://op/oidc", "https://op/oidc/token", "https://op/oidc/token/introspection"); got != tc.want {
				t.Fatalf("audienceOK(%s) = %v", tc.aud, got)
			}
		})
	}
}

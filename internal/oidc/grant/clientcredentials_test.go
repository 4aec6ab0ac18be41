package grant

import (
	"testing"
)

func TestClientCredentials(t *testing.T) {
	tests := []struct {
		name      string
		params    map[string][]string
		want      string // error code, or "" for success
		wantScope string
	}{
		{"requested and held", form("resource", "https://api.example.com", "scope", "read write admin"), "", "read write"},
		{"no scope", form("resource", "https://api.example.com"), "", ""},
		{"nothing held", form("resource", "https://other.example.com", "scope", "read"), "", ""},
		{"no resource", form("scope", "read"), "invalid_target", ""},
		{"two resources", form("resource", "https://api.example.com", "resource", "https://other.example.com"), "invalid_target", ""},
		{"unknown resource", form("resource", "https://nope.example.com"), "invalid_target", ""},
		{"organization", form("organization_id", "o1"), "invalid_request", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			resp, err := e.exchange(&ClientCredentials{Deps: e.deps}, e.m2m, tc.params)
			if tc.want != "" {
				wantOAuth(t, err, tc.want)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if resp.Scope != tc.wantScope || resp.RefreshToken != "" || resp.IDToken != "" {
				t.Fatalf("response %+v", resp)
			}
			c := e.claims(resp.AccessToken)
			if c["sub"] != "m2m" || c["client_id"] != "m2m" || c["scope"] != tc.wantScope || c["iss"] != issuer {
				t.Fatalf("claims %v", c)
			}
			wantTTL := int64(3600)
			if c["aud"] == "https://api.example.com" {
				wantTTL = 600
			}
			if resp.ExpiresIn != wantTTL || int64(c["exp"].(float64)-c["iat"].(float64)) != wantTTL {
				t.Fatalf("ttl %d", resp.ExpiresIn)
			}
		})
	}
}

func TestAllowed(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		app   string
		grant string
		ok    bool
	}{
		{"m2m", TypeClientCredentials, true}, {"m2m", TypeAuthorizationCode, false}, {"m2m", TypeRefreshToken, false},
		{"spa", TypeClientCredentials, false}, {"spa", TypeAuthorizationCode, true}, {"web", TypeRefreshToken, true},
	}
	for _, c := range cases {
		a := e.spa
		switch c.app {
		case "m2m":
			a = e.m2m
		case "web":
			a = e.web
		}
		if Allowed(a, c.grant) != c.ok {
			t.Errorf("Allowed(%s, %s) != %v", c.app, c.grant, c.ok)
		}
	}
}

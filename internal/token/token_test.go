package token

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/gatehouse/gatehouse/internal/store"
)

// joseSigner is an independent Signer so the tests check the claims, not
// the signing package.
type joseSigner struct{ key *ecdsa.PrivateKey }

func (s joseSigner) Sign(claims any, alg, typ string) (string, error) {
	var b []byte
	if raw, ok := claims.(json.RawMessage); ok {
		b = raw
	} else {
		b, _ = json.Marshal(claims)
	}
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(alg), Key: s.key},
		(&jose.SignerOptions{}).WithType(jose.ContentType(typ)))
	if err != nil {
		return "", err
	}
	obj, err := sig.Sign(b)
	if err != nil {
		return "", err
	}
	return obj.CompactSerialize()
}

func decode(t *testing.T, key *ecdsa.PrivateKey, tok, typ string) map[string]any {
	t.Helper()
	jws, err := jose.ParseSignedCompact(tok, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	if jws.Signatures[0].Protected.ExtraHeaders["typ"] != typ {
		t.Fatalf("typ %v", jws.Signatures[0].Protected.ExtraHeaders["typ"])
	}
	p, err := jws.Verify(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal(p, &m)
	return m
}

func TestIDToken(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	m := &Minter{Issuer: "http://localhost:3001/oidc", Signer: joseSigner{key}}
	now := time.Unix(1_800_000_000, 0)
	tok, err := m.IDToken(IDToken{
		Subject: "u1", Audience: "app", Nonce: "n-0S6", AuthTime: now.Add(-time.Minute),
		IssuedAt: now, ExpiresAt: now.Add(IDTokenTTL), AccessToken: "at-value", SessionID: "sess",
		User: &UserData{User: &store.User{ID: "evil", Name: "Ada"}}, Scopes: []string{"openid", "profile"},
	}, "")
	if err != nil {
		t.Fatal(err)
	}
	c := decode(t, key, tok, "JWT")
	want := map[string]any{"iss": m.Issuer, "sub": "u1", "aud": "app", "nonce": "n-0S6", "name": "Ada",
		"iat": float64(now.Unix()), "exp": float64(now.Add(time.Hour).Unix()),
		"auth_time": float64(now.Add(-time.Minute).Unix()), "at_hash": ATHash("at-value"), "sid": SID("sess")}
	for k, v := range want {
		if c[k] != v {
			t.Errorf("%s = %v, want %v", k, c[k], v)
		}
	}
	if SID("sess") == "sess" || strings.Contains(SID("sess"), "sess") || len(SID("sess")) != 22 {
		t.Fatal("sid leaks the session id")
	}
}

func TestATHash(t *testing.T) {
	// OIDC Core Appendix A.3 example (at_hash of the example access token).
	if got := ATHash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"); got != "77QmUPtjPfzWtF2AnpK9RQ" {
		t.Fatalf("ATHash = %q", got)
	}
}

func TestAccessToken(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	m := &Minter{Issuer: "http://localhost:3001/oidc", Signer: joseSigner{key}}
	now := time.Unix(1_800_000_000, 0)
	tok, err := m.AccessToken(AccessToken{Subject: "m2m", Audience: "https://api", ClientID: "m2m",
		IssuedAt: now, ExpiresAt: now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	c := decode(t, key, tok, "at+jwt")
	for _, k := range []string{"iss", "sub", "aud", "exp", "iat", "jti", "client_id", "scope"} {
		if _, ok := c[k]; !ok {
			t.Errorf("missing %s", k)
		}
	}
	if c["scope"] != "" || c["aud"] != "https://api" {
		t.Fatalf("claims %v", c)
	}
}

func TestOpaque(t *testing.T) {
	a, ha := NewOpaque()
	b, _ := NewOpaque()
	if a == b || len(a) != 43 || len(ha) != 32 || string(Hash(a)) != string(ha) {
		t.Fatal("opaque tokens")
	}
}

func TestUserClaims(t *testing.T) {
	created := time.UnixMilli(1_700_000_000_123)
	full := &store.User{ID: "u1", Username: "ada", PrimaryEmail: "ada@example.com", Name: "Ada",
		Profile:    json.RawMessage(`{"givenName":"Ada","family_name":"Lovelace","address":{"country":"UK"}}`),
		CustomData: json.RawMessage(`{"tier":"gold"}`), CreatedAt: created, UpdatedAt: created}
	empty := &store.User{ID: "u2", CreatedAt: created, UpdatedAt: created}
	tests := []struct {
		name    string
		user    *store.User
		scopes  []string
		idToken bool
		want    map[string]any
		absent  []string
	}{
		{"openid only", full, []string{"openid"}, true, map[string]any{"sub": "u1"}, []string{"name", "email"}},
		{"profile", full, []string{"openid", "profile"}, true, map[string]any{"name": "Ada", "username": "ada",
			"given_name": "Ada", "family_name": "Lovelace", "preferred_username": "ada", "created_at": created.UnixMilli()}, []string{"email"}},
		{"profile unset is null", empty, []string{"profile"}, true, map[string]any{"name": nil, "picture": nil, "username": nil}, []string{"preferred_username"}},
		{"email", full, []string{"email"}, true, map[string]any{"email": "ada@example.com", "email_verified": true}, nil},
		{"email unset", empty, []string{"email"}, true, map[string]any{"email": nil, "email_verified": false}, nil},
		{"phone unset", empty, []string{"phone"}, true, map[string]any{"phone_number": nil, "phone_number_verified": false}, nil},
		{"custom_data userinfo", full, []string{"custom_data"}, false, nil, nil},
		{"custom_data not in id token", full, []string{"custom_data"}, true, nil, []string{"custom_data"}},
		{"roles", full, []string{"roles"}, true, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := UserClaims(UserData{User: tc.user}, tc.scopes, tc.idToken)
			for k, v := range tc.want {
				got, ok := c[k]
				if !ok || got != v {
					t.Errorf("%s = %v (%v), want %v", k, got, ok, v)
				}
			}
			for _, k := range tc.absent {
				if _, ok := c[k]; ok {
					t.Errorf("%s should be absent", k)
				}
			}
		})
	}
	c := UserClaims(UserData{User: full}, []string{"custom_data", "address", "roles"}, false)
	if c["custom_data"].(map[string]any)["tier"] != "gold" || c["address"].(map[string]any)["country"] != "UK" {
		t.Fatalf("claims %v", c)
	}
	if r, ok := c["roles"].([]string); !ok || r == nil {
		t.Fatal("roles must be an empty list, not null")
	}
}

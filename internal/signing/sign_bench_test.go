package signing

import (
	"encoding/json"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

type benchClaims struct {
	Iss      string `json:"iss"`
	Sub      string `json:"sub"`
	Aud      string `json:"aud"`
	Exp      int64  `json:"exp"`
	Iat      int64  `json:"iat"`
	Jti      string `json:"jti"`
	ClientID string `json:"client_id"`
	Scope    string `json:"scope"`
}

var claims = benchClaims{"http://localhost:3001/oidc", "m2m-app-000000000001", "https://api.example.com",
	1900000000, 1899996400, "jti-000000000000000000", "m2m-app-000000000001", "read:things write:things"}

// BenchmarkSignES256 compares the pre-encoded-header crypto/ecdsa path that
// Sign uses with go-jose's generic signer on the same key and claims.
func BenchmarkSignES256(b *testing.B) {
	m := newManager(b, &memKeys{}, secret(b))
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := m.Sign(claims, ES256, "at+jwt"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("gojose", func(b *testing.B) {
		k := m.set.Load().current[ES256]
		signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: k.ec},
			(&jose.SignerOptions{}).WithType("at+jwt").WithHeader("kid", k.kid))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			payload, _ := jsonMarshal(claims)
			obj, err := signer.Sign(payload)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := obj.CompactSerialize(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkSignRS256(b *testing.B) {
	m := newManager(b, &memKeys{}, secret(b))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Sign(claims, RS256, "JWT"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyES256(b *testing.B) {
	m := newManager(b, &memKeys{}, secret(b))
	tok, _ := m.Sign(claims, ES256, "JWT")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Verify(tok); err != nil {
			b.Fatal(err)
		}
	}
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

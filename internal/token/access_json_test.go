package token

import (
	"encoding/json"
	"testing"
	"time"
)

// accessClaimsStruct is the struct the access token claims were marshalled
// from; AppendAccessClaims must give the same bytes.
type accessClaimsStruct struct {
	JTI      string `json:"jti"`
	Sub      string `json:"sub"`
	IAT      int64  `json:"iat"`
	EXP      int64  `json:"exp"`
	Scope    string `json:"scope"`
	ClientID string `json:"client_id"`
	ISS      string `json:"iss"`
	AUD      string `json:"aud"`
}

func FuzzAppendAccessClaims(f *testing.F) {
	f.Add("jti123", "m2m", "read write", "https://api.example.com", "http://localhost:3001/oidc", int64(1700000000), int64(3600))
	f.Add("", "", "", "<&>", "\u2028\xff\"\\", int64(-1), int64(0))
	f.Fuzz(func(t *testing.T, jti, sub, scope, aud, iss string, iat, ttl int64) {
		at := AccessToken{Subject: sub, Audience: aud, ClientID: sub + "c", Scope: scope,
			IssuedAt: time.Unix(iat, 0), ExpiresAt: time.Unix(iat+ttl, 0)}
		want, err := json.Marshal(accessClaimsStruct{JTI: jti, Sub: sub, IAT: iat, EXP: iat + ttl, Scope: scope,
			ClientID: sub + "c", ISS: iss, AUD: aud})
		if err != nil {
			t.Fatal(err)
		}
		got := AppendAccessClaims(nil, jti, iss, at)
		if string(got) != string(want) {
			t.Fatalf("AppendAccessClaims = %s, json.Marshal %s", got, want)
		}
		if !json.Valid(got) {
			t.Fatalf("invalid JSON %s", got)
		}
	})
}

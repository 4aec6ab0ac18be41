package token

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

func TestClaimKeysSorted(t *testing.T) {
	if !slices.IsSorted(claimKeys[:]) {
		t.Fatal("claimKeys must be sorted as encoding/json sorts map keys")
	}
	for _, k := range append(slices.Clone(profileClaims), "sub", "name", "picture", "username", "created_at",
		"updated_at", "email", "email_verified", "phone_number", "phone_number_verified", "address", "roles",
		"custom_data", "identities", "sso_identities") {
		if _, ok := claimIndex[k]; !ok {
			t.Errorf("claim %q missing from claimKeys", k)
		}
	}
}

// TestAppendUserClaimsMatchesMarshal: the direct encoder writes exactly
// json.Marshal(UserClaims(…)).
func TestAppendUserClaimsMatchesMarshal(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.UTC)
	users := []*store.User{
		{ID: "u1", CreatedAt: at, UpdatedAt: at},
		{ID: "", Profile: json.RawMessage(`{}`), CustomData: json.RawMessage(`null`)},
		{ID: "u2", Username: "alice", PrimaryEmail: "a@example.com", Name: "Alice <A&B>", Avatar: "https://x/a.png",
			PrimaryPhone: "+15550100", CreatedAt: at, UpdatedAt: at.Add(time.Hour),
			Profile:    json.RawMessage(`{"givenName":"Al\u2028ice","familyName":"Q\"uote","locale":"ko-KR","address":{"country":"KR","street_address":"1 <Main>"},"nickname":null,"website":"https://a.example/?a=1&b=2"}`),
			CustomData: json.RawMessage(`{"z":1,"a":[1,"x"],"m":{"k":true}}`),
			Identities: json.RawMessage(`{"github":{"userId":"42","details":{"email":"a@b"}}}`)},
		{ID: "u3", Username: "bob\x01\n\t", Name: "Bö b", Profile: json.RawMessage(`{"preferredUsername":"bobby","birthdate":"2000-01-01","zoneinfo":"Asia/Seoul"}`),
			CustomData: json.RawMessage(`{}`), Identities: json.RawMessage(`[]`)},
		{ID: "u4", Username: "x", Profile: json.RawMessage(`not json`), CustomData: json.RawMessage(`"str"`)},
	}
	scopeSets := [][]string{
		nil,
		{"openid"},
		{"openid", "profile"},
		{"openid", "profile", "email", "phone"},
		{"openid", "email", "phone", "address"},
		{"openid", "profile", "email", "phone", "address", "custom_data", "identities", "roles"},
		{"roles"},
	}
	roleSets := [][]string{nil, {}, {"admin", "a<b"}}
	for ui, u := range users {
		for si, scopes := range scopeSets {
			for ri, roles := range roleSets {
				for _, idt := range []bool{false, true} {
					d := UserData{User: u, Roles: roles}
					want, err := json.Marshal(UserClaims(d, scopes, idt))
					if err != nil {
						t.Fatal(err)
					}
					got, err := AppendUserClaims([]byte("prefix"), d, scopes, idt)
					if err != nil {
						t.Fatal(err)
					}
					if string(got) != "prefix"+string(want) {
						t.Errorf("user %d scopes %d roles %d idToken %v:\n got %s\nwant %s", ui, si, ri, idt, got[6:], want)
					}
				}
			}
		}
	}
}

func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"", "plain", "a\"b", `back\slash`, "<script>&", "\x00\x1f\x7f", "héllo", "\u2028\u2029", "\xff\xfe", "tab\tnl\n"} {
		want, _ := json.Marshal(s)
		if got := AppendJSONString(nil, s); string(got) != string(want) {
			t.Errorf("%q: got %s want %s", s, got, want)
		}
	}
}

func BenchmarkUserClaimsMarshal(b *testing.B) {
	u := &store.User{ID: "benchuser01", Username: "bench", PrimaryEmail: "bench@example.com", Name: "Bench",
		CreatedAt: time.Now(), UpdatedAt: time.Now()}
	scopes := []string{"openid", "profile", "email"}
	b.Run("marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = json.Marshal(UserClaims(UserData{User: u}, scopes, false))
		}
	})
	b.Run("append", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 512)
		for b.Loop() {
			buf, _ = AppendUserClaims(buf[:0], UserData{User: u}, scopes, false)
		}
	})
}

// TestIDTokenClaimsMatchMap: an ID token's claims are byte for byte what
// json.Marshal gives for them as a map (refIDClaims).
func TestIDTokenClaimsMatchMap(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.UTC)
	users := []*store.User{
		{ID: "u1", CreatedAt: at, UpdatedAt: at},
		{ID: "", Profile: json.RawMessage(`{}`)},
		{ID: "u2", Username: "alice", PrimaryEmail: "a@example.com", Name: "Alice <A&B>", Avatar: "https://x/a.png",
			PrimaryPhone: "+15550100", CreatedAt: at, UpdatedAt: at.Add(time.Hour),
			Profile: json.RawMessage(`{"givenName":"Al\u2028ice","familyName":"Q\"uote","locale":"ko-KR","address":{"country":"KR"},"nickname":null,"website":"https://a.example/?a=1&b=2"}`)},
		{ID: "u3", Username: "bob\x01", Profile: json.RawMessage(`{"preferredUsername":"bobby","birthdate":"2000-01-01","zoneinfo":"Asia/Seoul"}`)},
	}
	scopeSets := [][]string{nil, {"openid"}, {"openid", "profile", "email", "phone", "address", "custom_data", "identities", "roles"}}
	tokens := []IDToken{
		{Subject: "u1", Audience: "app", IssuedAt: at, ExpiresAt: at.Add(time.Hour)},
		{Subject: "u2", Audience: "", Nonce: "n<1>", AuthTime: at.Add(-time.Minute), IssuedAt: at, ExpiresAt: at.Add(time.Hour),
			AccessToken: "at-value", SessionID: "sess", AMR: []string{"pwd", "otp"}},
	}
	const iss = "https://id.example/oidc"
	for _, tok := range tokens {
		check := func(what string, tok IDToken) {
			t.Helper()
			want, err := json.Marshal(refIDClaims(iss, tok))
			if err != nil {
				t.Fatal(err)
			}
			got, err := appendIDClaims([]byte("prefix"), iss, &tok)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != "prefix"+string(want) {
				t.Errorf("%s:\n got %s\nwant %s", what, got[6:], want)
			}
		}
		check("no user", tok)
		for ui, u := range users {
			for si, scopes := range scopeSets {
				tok.User, tok.Scopes = &UserData{User: u, Roles: []string{"admin"}}, scopes
				check(fmt.Sprintf("user %d scopes %d", ui, si), tok)
			}
		}
	}
}

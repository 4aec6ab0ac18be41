package grant

import (
	"encoding/json"
	"testing"

	"github.com/gatehouse/gatehouse/internal/oauth"
)

func TestResponseAppendJSONMatchesMarshal(t *testing.T) {
	for _, r := range []Response{
		{AccessToken: "a.b.c", TokenType: "Bearer", ExpiresIn: 3600, Scope: "read write"},
		{AccessToken: "x", TokenType: "Bearer", ExpiresIn: 0, RefreshToken: "r", IDToken: "i.d.t", Scope: ""},
		{AccessToken: "<&>\"\\\u2028\xff\x01é", TokenType: "Bearer", ExpiresIn: -5, IDToken: "\t", Scope: "openid <x>"},
	} {
		want, _ := json.Marshal(&r)
		if got := r.AppendJSON(nil); string(got) != string(want) {
			t.Errorf("AppendJSON = %s, json.Marshal %s", got, want)
		}
	}
}

func FuzzHeldScope(f *testing.F) {
	f.Add("read write", "read write")
	f.Add("  read  read write admin ", "write read")
	f.Add("a\u00a0b\tc", "c a")
	f.Fuzz(func(t *testing.T, asked, held string) {
		h := oauth.ParseScope(held)
		want := oauth.FormatScope(oauth.Intersect(oauth.ParseScope(asked), h))
		if got := heldScope(asked, h); got != want {
			t.Fatalf("heldScope(%q, %q) = %q, want %q", asked, h, got, want)
		}
		if hasField(asked) != (len(oauth.ParseScope(asked)) > 0) {
			t.Fatalf("hasField(%q)", asked)
		}
	})
}

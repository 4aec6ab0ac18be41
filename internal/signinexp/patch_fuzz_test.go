package signinexp

import (
	"encoding/json"
	"testing"
)

// FuzzPatch: whatever an administrator (or a stolen token) sends, applying
// and validating it never panics, and an accepted document survives a
// store round trip unchanged.
func FuzzPatch(f *testing.F) {
	for _, seed := range []string{
		`{}`,
		`{"signUp":{"identifiers":["email"],"password":true,"verify":true}}`,
		`{"signIn":{"methods":[{"identifier":"email","password":true,"verificationCode":true,"isPasswordPrimary":true}]}}`,
		`{"passwordPolicy":{"length":{"min":12}},"mfa":{"factors":["Totp","BackupCode"],"policy":"Mandatory"}}`,
		`{"termsOfUseUrl":null,"customContent":{"a":"b"},"forgotPasswordMethods":["EmailVerificationCode"]}`,
		`{"color":{"primaryColor":"#fff","isDarkModeEnabled":true,"darkPrimaryColor":"#000"},"branding":{"logoUrl":"https://x.example/l.png"}}`,
		`{"signIn":null}`, `{"signUp":[]}`, `{"id":1}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var p Patch
		if json.Unmarshal([]byte(body), &p) != nil {
			return
		}
		next, err := apply(Default(), p)
		if err != nil {
			return
		}
		if err := Validate(next, Channels{Email: true, SMS: true}); err != nil {
			return
		}
		raw, err := json.Marshal(next)
		if err != nil {
			t.Fatalf("encode: %v", err)
		}
		back, err := decode(raw)
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		again, _ := json.Marshal(back)
		if string(again) != string(raw) {
			t.Fatalf("round trip changed the document:\n%s\n%s", raw, again)
		}
		if _, err := back.toInteraction(); err != nil {
			t.Fatalf("interaction settings: %v", err)
		}
	})
}

package signinexp

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/postgres/pgtest"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

var both = Channels{Email: true, SMS: true}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	var e *Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("err = %v, want %s", err, code)
	}
}

func TestDefaultIsValid(t *testing.T) {
	for _, ch := range []Channels{{}, both} {
		if err := Validate(Default(), ch); err != nil {
			t.Fatalf("Default() with %+v: %v", ch, err)
		}
	}
	raw, _ := json.Marshal(Default())
	for _, want := range []string{`"signInMode":"SignInAndRegister"`, `"socialSignInConnectorTargets":[]`,
		`"termsOfUseUrl":null`, `"forgotPasswordMethods":null`, `"agreeToTermsPolicy":"Automatic"`, `"customContent":{}`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("default document lacks %s: %s", want, raw)
		}
	}
}

func ptr(s string) *string { return &s }

func emailCodeSettings() *Settings {
	s := Default()
	s.SignUp = SignUp{Identifiers: []string{"email"}, Password: true, Verify: true}
	s.SignIn.Methods = []SignInMethod{{Identifier: "email", Password: true, VerificationCode: true, IsPasswordPrimary: true}}
	return s
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name   string
		ch     Channels
		change func(s *Settings)
		code   string
	}{
		{"email sign-up and code sign-in", both, func(s *Settings) {}, ""},
		{"email needs a connector", Channels{SMS: true}, func(s *Settings) {}, "sign_in_experiences.enabled_connector_not_found"},
		{"phone sign-up needs SMS", Channels{Email: true}, func(s *Settings) {
			s.SignUp.Identifiers = []string{"phone"}
			s.SignIn.Methods[0].Identifier = "phone"
		}, "sign_in_experiences.enabled_connector_not_found"},
		{"username needs a password", both, func(s *Settings) {
			s.SignUp = SignUp{Identifiers: []string{"username"}, Verify: true}
		}, "sign_in_experiences.username_requires_password"},
		{"email sign-up needs verify", both, func(s *Settings) { s.SignUp.Verify = false }, "sign_in_experiences.passwordless_requires_verify"},
		{"duplicate sign-up identifier", both, func(s *Settings) { s.SignUp.Identifiers = []string{"email", "email"} }, "sign_in_experiences.duplicated_sign_up_identifiers"},
		{"unknown sign-up identifier", both, func(s *Settings) { s.SignUp.Identifiers = []string{"nickname"} }, "guard.invalid_input"},
		{"method without a factor", both, func(s *Settings) {
			s.SignIn.Methods = append(s.SignIn.Methods, SignInMethod{Identifier: "username"})
		}, "sign_in_experiences.at_least_one_authentication_factor"},
		{"passwordless sign-up needs code sign-in", both, func(s *Settings) {
			s.SignUp.Password = false
			s.SignIn.Methods[0].VerificationCode = false
		}, "sign_in_experiences.code_sign_in_must_be_enabled"},
		{"sign-up identifier missing from sign-in", both, func(s *Settings) {
			s.SignIn.Methods[0].Identifier = "username"
			s.SignIn.Methods[0].VerificationCode = false
		}, "sign_in_experiences.miss_sign_up_identifier_in_sign_in"},
		{"register-only mode needs no sign-in method", both, func(s *Settings) {
			s.SignInMode = ModeRegister
			s.SignIn.Methods = nil
		}, ""},
		{"password sign-up needs password sign-in", both, func(s *Settings) { s.SignIn.Methods[0].Password = false }, "sign_in_experiences.password_sign_in_must_be_enabled"},
		{"duplicate sign-in method", both, func(s *Settings) { s.SignIn.Methods = append(s.SignIn.Methods, s.SignIn.Methods[0]) }, "guard.invalid_input"},
		{"username code", both, func(s *Settings) {
			s.SignIn.Methods = append(s.SignIn.Methods, SignInMethod{Identifier: "username", Password: true, VerificationCode: true})
		}, "guard.invalid_input"},
		{"backup code alone", both, func(s *Settings) { s.MFA.Factors = []string{"BackupCode"} }, "sign_in_experiences.backup_code_cannot_be_enabled_alone"},
		{"duplicate factor", both, func(s *Settings) { s.MFA.Factors = []string{"Totp", "Totp"} }, "sign_in_experiences.duplicated_mfa_factors"},
		{"unknown factor", both, func(s *Settings) { s.MFA.Factors = []string{"Sms"} }, "guard.invalid_input"},
		{"unknown MFA policy", both, func(s *Settings) { s.MFA.Policy = "Sometimes" }, "guard.invalid_input"},
		{"email code for MFA and sign-in", both, func(s *Settings) { s.MFA.Factors = []string{"Totp", "EmailVerificationCode"} }, "sign_in_experiences.email_verification_code_cannot_be_used_for_mfa"},
		{"bad colour", both, func(s *Settings) { s.Color.PrimaryColor = "purple" }, "guard.invalid_input"},
		{"short colour", both, func(s *Settings) { s.Color.DarkPrimaryColor = "#fff" }, ""},
		{"bad logo URL", both, func(s *Settings) { s.Branding.LogoURL = "javascript:alert(1)" }, "guard.invalid_input"},
		{"terms URL", both, func(s *Settings) { s.TermsOfUseURL = ptr("https://example.com/terms") }, ""},
		{"empty terms URL", both, func(s *Settings) { s.TermsOfUseURL = ptr("") }, ""},
		{"bad privacy URL", both, func(s *Settings) { s.PrivacyPolicyURL = ptr("/privacy") }, "guard.invalid_input"},
		{"bad support e-mail", both, func(s *Settings) { s.SupportEmail = ptr("help") }, "guard.invalid_input"},
		{"unsupported language", both, func(s *Settings) { s.LanguageInfo.FallbackLanguage = "tlh" }, "sign_in_experiences.unsupported_default_language"},
		{"korean", both, func(s *Settings) { s.LanguageInfo.FallbackLanguage = "ko" }, ""},
		{"bad mode", both, func(s *Settings) { s.SignInMode = "Both" }, "guard.invalid_input"},
		{"bad terms policy", both, func(s *Settings) { s.AgreeToTermsPolicy = "Never" }, "guard.invalid_input"},
		{"password too short allowed", both, func(s *Settings) { s.PasswordPolicy.Length.Min = 0 }, "guard.invalid_input"},
		{"password max below min", both, func(s *Settings) { s.PasswordPolicy.Length.Min, s.PasswordPolicy.Length.Max = 10, 9 }, "guard.invalid_input"},
		{"five character types", both, func(s *Settings) { s.PasswordPolicy.CharacterTypes.Min = 5 }, "guard.invalid_input"},
		{"forgot password by SMS without SMS", Channels{Email: true}, func(s *Settings) {
			s.ForgotPasswordMethods = []string{ForgotPasswordPhone}
		}, "sign_in_experiences.forgot_password_method_requires_connector"},
		{"forgot password by e-mail", both, func(s *Settings) { s.ForgotPasswordMethods = []string{ForgotPasswordEmail} }, ""},
		{"duplicate social target", both, func(s *Settings) { s.SocialSignInConnectorTargets = []string{"google", "google"} }, "guard.invalid_input"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := emailCodeSettings()
			tc.change(s)
			wantCode(t, Validate(s, tc.ch), tc.code)
		})
	}
}

func TestApply(t *testing.T) {
	cases := []struct {
		name  string
		patch string
		code  string
		check func(t *testing.T, s *Settings)
	}{
		{"empty patch", `{}`, "", nil},
		{"sign-up replaced whole", `{"signUp":{"identifiers":["email"],"password":false,"verify":true}}`, "", func(t *testing.T, s *Settings) {
			if !slices.Equal(s.SignUp.Identifiers, []string{"email"}) || s.SignUp.Password || !s.SignUp.Verify {
				t.Fatalf("signUp = %+v", s.SignUp)
			}
		}},
		{"incomplete sign-up", `{"signUp":{"identifiers":["email"]}}`, "guard.invalid_input", nil},
		{"incomplete sign-in method", `{"signIn":{"methods":[{"identifier":"email","password":true}]}}`, "guard.invalid_input", nil},
		{"unknown field", `{"sentinelPolicy":{}}`, "guard.invalid_input", nil},
		{"unknown nested field", `{"color":{"primaryColor":"#000000","isDarkModeEnabled":false,"darkPrimaryColor":"#ffffff","accent":"#123456"}}`, "guard.invalid_input", nil},
		{"wrong type", `{"singleSignOnEnabled":"yes"}`, "guard.invalid_input", nil},
		{"null for a nullable field", `{"termsOfUseUrl":null}`, "", func(t *testing.T, s *Settings) {
			if s.TermsOfUseURL != nil {
				t.Fatal("termsOfUseUrl not cleared")
			}
		}},
		{"null for a required field", `{"signIn":null}`, "guard.invalid_input", nil},
		{"id and tenantId ignored", `{"id":"default","tenantId":"default","signInMode":"SignIn"}`, "", func(t *testing.T, s *Settings) {
			if s.SignInMode != "SignIn" {
				t.Fatal("signInMode not applied")
			}
		}},
		{"partial password policy takes defaults", `{"passwordPolicy":{"length":{"min":12,"max":64}}}`, "", func(t *testing.T, s *Settings) {
			p := s.PasswordPolicy
			if p.Length.Min != 12 || p.Length.Max != 64 || p.CharacterTypes.Min != 1 || !p.Rejects.Pwned || p.Rejects.Words == nil {
				t.Fatalf("policy = %+v", p)
			}
		}},
		{"branding fields optional", `{"branding":{"logoUrl":"https://cdn.example.com/logo.png"}}`, "", func(t *testing.T, s *Settings) {
			if s.Branding.LogoURL != "https://cdn.example.com/logo.png" {
				t.Fatal("logo not set")
			}
		}},
		{"forgot password methods", `{"forgotPasswordMethods":["EmailVerificationCode"]}`, "", func(t *testing.T, s *Settings) {
			if !slices.Equal(s.ForgotPasswordMethods, []string{"EmailVerificationCode"}) {
				t.Fatal("not set")
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var p Patch
			if err := json.Unmarshal([]byte(tc.patch), &p); err != nil {
				t.Fatal(err)
			}
			cur := Default()
			before, _ := json.Marshal(cur)
			got, err := apply(cur, p)
			wantCode(t, err, tc.code)
			if after, _ := json.Marshal(cur); string(after) != string(before) {
				t.Fatal("apply modified its input")
			}
			if err == nil && tc.check != nil {
				tc.check(t, got)
			}
		})
	}
}

type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

// backends runs f on SQLite and, when GATEHOUSE_TEST_POSTGRES_URL is set,
// on PostgreSQL.
func backends(t *testing.T, f func(t *testing.T, st store.Store)) {
	t.Run("sqlite", func(t *testing.T) {
		st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "gatehouse.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		f(t, st)
	})
	t.Run("postgres", func(t *testing.T) {
		pg := os.Getenv("GATEHOUSE_TEST_POSTGRES_URL")
		if pg == "" {
			t.Skip("set GATEHOUSE_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable to run against PostgreSQL")
		}
		f(t, pgtest.OpenTestSchema(t, pg))
	})
}

func TestService(t *testing.T) {
	backends(t, func(t *testing.T, st store.Store) {
		ctx := t.Context()
		c := &clock{now: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)}
		nodeA := New(Config{Store: st, Channels: both, Now: c.Now})
		nodeB := New(Config{Store: st, Channels: both, Now: c.Now})

		got, err := nodeA.Get(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got.SignInMode != ModeSignInAndRegister {
			t.Fatalf("default mode %q", got.SignInMode)
		}
		if _, err := st.GetSignInExperience(ctx, store.DefaultSignInExperienceID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("reading the default wrote it: %v", err)
		}
		// Node B caches the default now.
		if s, _ := nodeB.Interaction(ctx); !slices.Equal(s.SignUp.Identifiers, []string{"username"}) {
			t.Fatalf("node B default sign-up %v", s.SignUp.Identifiers)
		}

		var p Patch
		_ = json.Unmarshal([]byte(`{
			"signUp":{"identifiers":["email"],"password":true,"verify":true},
			"signIn":{"methods":[{"identifier":"email","password":true,"verificationCode":true,"isPasswordPrimary":true}]},
			"color":{"primaryColor":"#112233","isDarkModeEnabled":true,"darkPrimaryColor":"#445566"}}`), &p)
		updated, err := nodeA.Update(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if updated.Color.PrimaryColor != "#112233" {
			t.Fatalf("update returned %+v", updated.Color)
		}
		// Node A sees its change at once; node B within the TTL.
		if s, _ := nodeA.Interaction(ctx); !slices.Equal(s.SignUp.Identifiers, []string{"email"}) || !s.SignIn.Methods[0].VerificationCode {
			t.Fatalf("node A engine settings %+v", s)
		}
		if s, _ := nodeB.Interaction(ctx); !slices.Equal(s.SignUp.Identifiers, []string{"username"}) {
			t.Fatal("node B refreshed before its TTL")
		}
		c.now = c.now.Add(2 * time.Second)
		if s, _ := nodeB.Interaction(ctx); !slices.Equal(s.SignUp.Identifiers, []string{"email"}) || s.Color.PrimaryColor != "#112233" {
			t.Fatalf("node B after the TTL: %+v", s)
		}

		// An invalid change is refused and changes nothing.
		_ = json.Unmarshal([]byte(`{"signUp":{"identifiers":["username"],"password":false,"verify":false}}`), &p)
		p = Patch{"signUp": p["signUp"]}
		_, err = nodeA.Update(ctx, p)
		wantCode(t, err, "sign_in_experiences.username_requires_password")
		rec, err := st.GetSignInExperience(ctx, store.DefaultSignInExperienceID)
		if err != nil || rec.Version != 1 {
			t.Fatalf("stored version %v, %v", rec, err)
		}

		// Unknown stored fields (written by a newer node) are ignored.
		_, err = st.UpdateSignInExperience(ctx, store.DefaultSignInExperienceID, c.now, func(e *store.SignInExperience) error {
			var m map[string]any
			_ = json.Unmarshal(e.Settings, &m)
			m["futureField"] = true
			e.Settings, _ = json.Marshal(m)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		c.now = c.now.Add(time.Minute)
		if s, err := nodeB.Get(ctx); err != nil || s.Color.PrimaryColor != "#112233" {
			t.Fatalf("after a newer node's write: %v", err)
		}

		pub, err := nodeA.Public(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(pub)
		for _, want := range []string{`"id":"default"`, `"socialConnectors":[]`, `"forgotPassword":{"email":true,"phone":true}`, `"primaryColor":"#112233"`} {
			if !strings.Contains(string(raw), want) {
				t.Errorf("public document lacks %s: %s", want, raw)
			}
		}
	})
}

type downStore struct{ Store }

func (downStore) GetSignInExperience(context.Context, string) (*store.SignInExperience, error) {
	return nil, store.ErrUnavailable
}

func TestStoreDown(t *testing.T) {
	s := New(Config{Store: downStore{}})
	if _, err := s.Interaction(t.Context()); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("err = %v", err)
	}
}

func TestForgotPasswordAvailable(t *testing.T) {
	for _, tc := range []struct {
		methods []string
		ch      Channels
		want    ForgotPassword
	}{
		{nil, both, ForgotPassword{true, true}},
		{nil, Channels{Email: true}, ForgotPassword{Email: true}},
		{[]string{ForgotPasswordPhone}, both, ForgotPassword{Phone: true}},
		{[]string{}, both, ForgotPassword{}},
	} {
		s := Default()
		s.ForgotPasswordMethods = tc.methods
		if got := ForgotPasswordAvailable(s, tc.ch); got != tc.want {
			t.Errorf("%v %+v: %+v", tc.methods, tc.ch, got)
		}
	}
}

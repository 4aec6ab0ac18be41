package interaction

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/connector"
	"github.com/gatehouse/gatehouse/internal/password"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/user"
)

// outbox records the messages a sender was asked to deliver.
type outbox struct {
	mu   sync.Mutex
	msgs []connector.Message
	fail error
}

func (o *outbox) Send(_ context.Context, m connector.Message) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.fail != nil {
		return o.fail
	}
	o.msgs = append(o.msgs, m)
	return nil
}

// last returns the last message sent to to.
func (o *outbox) last(t *testing.T, to string) connector.Message {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	for i := len(o.msgs) - 1; i >= 0; i-- {
		if o.msgs[i].To == to {
			return o.msgs[i]
		}
	}
	t.Fatalf("nothing was sent to %s", to)
	return connector.Message{}
}

type codeEnv struct {
	*env
	email, sms *outbox
	now        time.Time
}

// newCodeEnv is newEnv with verification codes enabled and a clock the
// test can move.
func newCodeEnv(t *testing.T) *codeEnv {
	t.Helper()
	base := newEnv(t)
	ce := &codeEnv{env: base, email: &outbox{}, sms: &outbox{}, now: t0}
	cheap := password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
	base.engine = New(Config{
		Users:        base.users,
		Settings:     func(context.Context) (*Settings, error) { return base.settings, nil },
		HashPassword: func(pw string) (string, error) { return password.HashWith(pw, cheap) },
		Now:          func() time.Time { return ce.now },
		Codes: Codes{
			Store: base.store, Users: base.users, Email: ce.email, SMS: ce.sms,
			Secret: []byte("0123456789abcdef0123456789abcdef"),
		},
	})
	base.users.Now = func() time.Time { return ce.now }
	return ce
}

// emailSettings: sign up with a verified e-mail and a password; sign in
// with e-mail + password or code, or username + password.
func emailSettings() *Settings {
	s := DefaultSettings()
	s.SignUp = SignUp{Identifiers: []string{"email"}, Password: true, Verify: true}
	s.SignIn.Methods = []SignInMethod{
		{Identifier: "email", Password: true, VerificationCode: true, IsPasswordPrimary: true},
		{Identifier: "username", Password: true, IsPasswordPrimary: true},
		{Identifier: "phone", VerificationCode: true},
	}
	return s
}

// sendAndVerify runs the two code steps and returns the verified record ID.
func (ce *codeEnv) sendAndVerify(t *testing.T, f *Flow, ident Identifier, purpose Event) string {
	t.Helper()
	ctx := t.Context()
	vid, err := ce.engine.SendCode(ctx, f, ident, purpose)
	wantCode(t, err, "")
	box := ce.email
	if ident.Type == "phone" {
		box = ce.sms
	}
	code := box.last(t, ident.Value).Code
	got, err := ce.engine.VerifyCode(ctx, f, ident, vid, code)
	wantCode(t, err, "")
	if got != vid {
		t.Fatalf("verify returned %q, want %q", got, vid)
	}
	return vid
}

func TestSendCode(t *testing.T) {
	ce := newCodeEnv(t)
	ce.settings = emailSettings()
	ctx := t.Context()
	ce.register(t, user.RegisterInput{Username: "alice", Email: "alice@example.com", Password: goodPassword})

	t.Run("known and unknown addresses answer alike", func(t *testing.T) {
		for _, addr := range []string{"Alice@Example.com", "nobody@example.com"} {
			f := started(t, ce.env, EventSignIn)
			vid, err := ce.engine.SendCode(ctx, f, Identifier{"email", addr}, EventSignIn)
			wantCode(t, err, "")
			m := ce.email.last(t, lower(addr))
			if len(m.Code) != 6 || m.Template != connector.TemplateSignIn || m.ExpiresIn != DefaultCodeTTL {
				t.Fatalf("message %+v", m)
			}
			r, _ := f.record(vid)
			if r.Type != RecordEmailVerificationCode || r.Verified || r.Identifier.Value != lower(addr) {
				t.Fatalf("record %+v", r)
			}
			stored, err := ce.store.GetVerificationCode(ctx, vid)
			if err != nil || stored.InteractionID != f.ID || string(stored.Hash) == m.Code || len(stored.Hash) != 32 {
				t.Fatalf("stored %+v, %v", stored, err)
			}
		}
	})
	cases := []struct {
		name    string
		event   Event
		ident   Identifier
		purpose Event
		change  func(s *Settings, ce *codeEnv)
		code    string
	}{
		{"register template", EventRegister, Identifier{"email", "new@example.com"}, EventRegister, nil, ""},
		{"forgot password", EventForgotPassword, Identifier{"email", "alice@example.com"}, EventForgotPassword, nil, ""},
		{"phone by SMS", EventSignIn, Identifier{"phone", "15551234567"}, EventSignIn, nil, ""},
		{"bad e-mail", EventSignIn, Identifier{"email", "not-an-address"}, EventSignIn, nil, "guard.invalid_input"},
		{"username cannot get a code", EventSignIn, Identifier{"username", "alice"}, EventSignIn, nil, "guard.invalid_input"},
		{"code sign-in disabled", EventSignIn, Identifier{"email", "alice@example.com"}, EventSignIn, func(s *Settings, _ *codeEnv) {
			s.SignIn.Methods[0].VerificationCode = false
		}, "user.sign_in_method_not_enabled"},
		{"e-mail not a sign-up identifier", EventRegister, Identifier{"email", "x@example.com"}, EventRegister, func(s *Settings, _ *codeEnv) {
			s.SignUp.Identifiers = []string{"username"}
			s.SignIn.Methods[0].VerificationCode = false
		}, "user.sign_in_method_not_enabled"},
		{"reset by e-mail disabled", EventForgotPassword, Identifier{"email", "alice@example.com"}, EventForgotPassword, func(s *Settings, _ *codeEnv) {
			s.ForgotPasswordMethods = []string{"PhoneVerificationCode"}
		}, "user.sign_in_method_not_enabled"},
		{"no SMS connector", EventSignIn, Identifier{"phone", "15551234567"}, EventSignIn, func(_ *Settings, ce *codeEnv) {
			ce.engine.codes.SMS = nil
		}, "connector.not_found"},
		{"delivery fails", EventSignIn, Identifier{"email", "alice@example.com"}, EventSignIn, func(_ *Settings, ce *codeEnv) {
			ce.email.fail = errors.New("smtp: 554 rejected")
		}, "connector.general"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			saved, savedSMS := ce.settings, ce.engine.codes.SMS
			ce.settings = emailSettings()
			defer func() { ce.settings, ce.engine.codes.SMS, ce.email.fail = saved, savedSMS, nil }()
			if tc.change != nil {
				tc.change(ce.settings, ce)
			}
			f := started(t, ce.env, tc.event)
			_, err := ce.engine.SendCode(ctx, f, tc.ident, tc.purpose)
			wantCode(t, err, tc.code)
			if tc.code == "" {
				box := ce.email
				if tc.ident.Type == "phone" {
					box = ce.sms
				}
				if m := box.last(t, tc.ident.Value); m.Template != templateFor(tc.purpose) {
					t.Fatalf("template %s", m.Template)
				}
			} else if len(f.Records) != 0 {
				t.Fatal("a failed send left a record")
			}
		})
	}
	t.Run("not started", func(t *testing.T) {
		_, err := ce.engine.SendCode(ctx, &Flow{ID: "x"}, Identifier{"email", "a@example.com"}, EventSignIn)
		wantCode(t, err, "session.interaction_not_found")
	})
	t.Run("disabled without a store", func(t *testing.T) {
		e := New(Config{Users: ce.users, Settings: func(context.Context) (*Settings, error) { return emailSettings(), nil }})
		f := &Flow{ID: "x", Event: EventSignIn}
		_, err := e.SendCode(ctx, f, Identifier{"email", "a@example.com"}, EventSignIn)
		wantCode(t, err, "connector.not_found")
	})
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func TestVerifyCode(t *testing.T) {
	ce := newCodeEnv(t)
	ce.settings = emailSettings()
	ctx := t.Context()
	const addr = "bob@example.com"
	ident := Identifier{"email", addr}
	send := func(t *testing.T) (*Flow, string, string) {
		t.Helper()
		f := started(t, ce.env, EventSignIn)
		vid, err := ce.engine.SendCode(ctx, f, ident, EventSignIn)
		wantCode(t, err, "")
		return f, vid, ce.email.last(t, addr).Code
	}
	wrong := func(code string) string { return fmt.Sprintf("%06d", (atoi(code)+1)%1_000_000) }

	t.Run("right code, any case of the address", func(t *testing.T) {
		f, vid, code := send(t)
		_, err := ce.engine.VerifyCode(ctx, f, Identifier{"email", "BOB@example.com"}, vid, code)
		wantCode(t, err, "")
		if r, _ := f.record(vid); !r.Verified {
			t.Fatal("record not verified")
		}
		// Single use.
		_, err = ce.engine.VerifyCode(ctx, f, ident, vid, code)
		wantCode(t, err, "verification_code.not_found")
	})
	t.Run("wrong code, then right", func(t *testing.T) {
		f, vid, code := send(t)
		_, err := ce.engine.VerifyCode(ctx, f, ident, vid, wrong(code))
		wantCode(t, err, "verification_code.code_mismatch")
		if r, _ := f.record(vid); r.Verified {
			t.Fatal("verified by a wrong code")
		}
		_, err = ce.engine.VerifyCode(ctx, f, ident, vid, code)
		wantCode(t, err, "")
	})
	t.Run("five attempts, then the code is dead", func(t *testing.T) {
		f, vid, code := send(t)
		for range DefaultCodeMaxAttempts {
			_, err := ce.engine.VerifyCode(ctx, f, ident, vid, wrong(code))
			wantCode(t, err, "verification_code.code_mismatch")
		}
		_, err := ce.engine.VerifyCode(ctx, f, ident, vid, code)
		wantCode(t, err, "verification_code.exceed_max_try")
	})
	t.Run("expired", func(t *testing.T) {
		f, vid, code := send(t)
		ce.now = ce.now.Add(DefaultCodeTTL)
		defer func() { ce.now = t0 }()
		_, err := ce.engine.VerifyCode(ctx, f, ident, vid, code)
		wantCode(t, err, "verification_code.expired")
	})
	t.Run("other address", func(t *testing.T) {
		f, vid, code := send(t)
		_, err := ce.engine.VerifyCode(ctx, f, Identifier{"email", "mallory@example.com"}, vid, code)
		wantCode(t, err, "verification_code.email_mismatch")
	})
	t.Run("other channel", func(t *testing.T) {
		f, vid, code := send(t)
		_, err := ce.engine.VerifyCode(ctx, f, Identifier{"phone", "15550000000"}, vid, code)
		wantCode(t, err, "session.verification_session_not_found")
	})
	t.Run("unknown record", func(t *testing.T) {
		f, _, code := send(t)
		_, err := ce.engine.VerifyCode(ctx, f, ident, "nope", code)
		wantCode(t, err, "session.verification_session_not_found")
	})
	t.Run("record of another interaction", func(t *testing.T) {
		_, vid, code := send(t)
		other := started(t, ce.env, EventSignIn)
		_, err := ce.engine.VerifyCode(ctx, other, ident, vid, code)
		wantCode(t, err, "session.verification_session_not_found")
		// Even with the record copied over, the stored code is bound to
		// its interaction.
		other.ID = "interaction2"
		other.Records = []Record{{ID: vid, Type: RecordEmailVerificationCode, Identifier: ident}}
		_, err = ce.engine.VerifyCode(ctx, other, ident, vid, code)
		wantCode(t, err, "verification_code.not_found")
	})
	t.Run("a resend replaces the old record", func(t *testing.T) {
		f, vid1, code1 := send(t)
		vid2, err := ce.engine.SendCode(ctx, f, ident, EventSignIn)
		wantCode(t, err, "")
		_, err = ce.engine.VerifyCode(ctx, f, ident, vid1, code1)
		wantCode(t, err, "session.verification_session_not_found")
		_, err = ce.engine.VerifyCode(ctx, f, ident, vid2, ce.email.last(t, addr).Code)
		wantCode(t, err, "")
	})
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

func TestCodeSignIn(t *testing.T) {
	ce := newCodeEnv(t)
	ce.settings = emailSettings()
	ctx := t.Context()
	alice := ce.register(t, user.RegisterInput{Username: "alice", Email: "alice@example.com", Password: goodPassword})

	t.Run("existing account", func(t *testing.T) {
		f := started(t, ce.env, EventSignIn)
		vid := ce.sendAndVerify(t, f, Identifier{"email", "alice@example.com"}, EventSignIn)
		_, err := ce.engine.Identify(ctx, f, vid)
		wantCode(t, err, "")
		if f.UserID != alice.ID || !slices.Equal(f.AMR, []string{"otp"}) {
			t.Fatalf("identified %q amr %v", f.UserID, f.AMR)
		}
		res, err := ce.engine.Submit(ctx, f)
		wantCode(t, err, "")
		if res.UserID != alice.ID {
			t.Fatalf("result %+v", res)
		}
	})
	t.Run("unknown address, then register with the same record", func(t *testing.T) {
		f := started(t, ce.env, EventSignIn)
		vid := ce.sendAndVerify(t, f, Identifier{"email", "carol@example.com"}, EventSignIn)
		_, err := ce.engine.Identify(ctx, f, vid)
		wantCode(t, err, "user.user_not_exist")
		wantCode(t, ce.engine.SetEvent(ctx, f, EventRegister), "")
		_, err = ce.engine.Identify(ctx, f, vid)
		wantCode(t, err, "user.missing_profile")
		if !KeepsProgress(err) || f.Profile.PrimaryEmail != "carol@example.com" {
			t.Fatalf("progress not kept: %v %+v", err, f.Profile)
		}
		wantCode(t, ce.engine.SetProfile(ctx, f, ProfileInput{Type: "password", Value: goodPassword}), "")
		created, err := ce.engine.Identify(ctx, f, "")
		wantCode(t, err, "")
		u, _ := ce.users.Get(ctx, f.UserID)
		if !created || u.PrimaryEmail != "carol@example.com" || u.PasswordHash == "" {
			t.Fatalf("created %v user %+v", created, u)
		}
	})
	t.Run("unverified record", func(t *testing.T) {
		f := started(t, ce.env, EventSignIn)
		vid, err := ce.engine.SendCode(ctx, f, Identifier{"email", "alice@example.com"}, EventSignIn)
		wantCode(t, err, "")
		_, err = ce.engine.Identify(ctx, f, vid)
		wantCode(t, err, "session.verification_failed")
	})
	t.Run("code sign-in turned off after the code was sent", func(t *testing.T) {
		f := started(t, ce.env, EventSignIn)
		vid := ce.sendAndVerify(t, f, Identifier{"email", "alice@example.com"}, EventSignIn)
		ce.settings.SignIn.Methods[0].VerificationCode = false
		defer func() { ce.settings = emailSettings() }()
		_, err := ce.engine.Identify(ctx, f, vid)
		wantCode(t, err, "user.sign_in_method_not_enabled")
	})
	t.Run("suspended", func(t *testing.T) {
		sus := ce.register(t, user.RegisterInput{Username: "sus", Email: "sus@example.com", Password: goodPassword})
		_, _ = ce.store.UpdateUser(ctx, sus.ID, func(u *store.User) error { u.IsSuspended = true; return nil })
		f := started(t, ce.env, EventSignIn)
		vid := ce.sendAndVerify(t, f, Identifier{"email", "sus@example.com"}, EventSignIn)
		_, err := ce.engine.Identify(ctx, f, vid)
		wantCode(t, err, "user.suspended")
	})
	t.Run("phone", func(t *testing.T) {
		p := ce.register(t, user.RegisterInput{Username: "phoebe", Password: goodPassword})
		_, _ = ce.store.UpdateUser(ctx, p.ID, func(u *store.User) error { u.PrimaryPhone = "15557654321"; return nil })
		f := started(t, ce.env, EventSignIn)
		vid := ce.sendAndVerify(t, f, Identifier{"phone", "15557654321"}, EventSignIn)
		_, err := ce.engine.Identify(ctx, f, vid)
		wantCode(t, err, "")
		if f.UserID != p.ID || !slices.Equal(f.AMR, []string{"sms"}) {
			t.Fatalf("identified %q amr %v", f.UserID, f.AMR)
		}
	})
}

func TestRegisterWithCode(t *testing.T) {
	ce := newCodeEnv(t)
	ce.settings = emailSettings()
	ctx := t.Context()
	ce.register(t, user.RegisterInput{Username: "taken", Email: "taken@example.com", Password: goodPassword})

	t.Run("profile first, then the record", func(t *testing.T) {
		f := started(t, ce.env, EventRegister)
		wantCode(t, ce.engine.SetProfile(ctx, f, ProfileInput{Type: "password", Value: goodPassword}), "")
		vid := ce.sendAndVerify(t, f, Identifier{"email", "dan@example.com"}, EventRegister)
		created, err := ce.engine.Identify(ctx, f, vid)
		wantCode(t, err, "")
		if !created {
			t.Fatal("not created")
		}
		res, err := ce.engine.Submit(ctx, f)
		wantCode(t, err, "")
		u, _ := ce.users.Get(ctx, res.UserID)
		if u.PrimaryEmail != "dan@example.com" {
			t.Fatalf("user %+v", u)
		}
	})
	t.Run("e-mail profile with the record", func(t *testing.T) {
		f := started(t, ce.env, EventRegister)
		vid := ce.sendAndVerify(t, f, Identifier{"email", "erin@example.com"}, EventRegister)
		wantCode(t, ce.engine.SetProfile(ctx, f, ProfileInput{Type: "email", VerificationID: vid}), "")
		wantCode(t, ce.engine.SetProfile(ctx, f, ProfileInput{Type: "password", Value: goodPassword}), "")
		_, err := ce.engine.Identify(ctx, f, "")
		wantCode(t, err, "")
	})
	t.Run("address already registered", func(t *testing.T) {
		f := started(t, ce.env, EventRegister)
		vid := ce.sendAndVerify(t, f, Identifier{"email", "taken@example.com"}, EventRegister)
		_, err := ce.engine.Identify(ctx, f, vid)
		wantCode(t, err, "user.email_already_in_use")
	})
	t.Run("e-mail is not a sign-up identifier", func(t *testing.T) {
		f := started(t, ce.env, EventRegister)
		vid := ce.sendAndVerify(t, f, Identifier{"email", "fay@example.com"}, EventRegister)
		ce.settings.SignUp.Identifiers = []string{"username"}
		defer func() { ce.settings = emailSettings() }()
		_, err := ce.engine.Identify(ctx, f, vid)
		wantCode(t, err, "user.sign_up_method_not_enabled")
	})
	t.Run("unverified record", func(t *testing.T) {
		f := started(t, ce.env, EventRegister)
		vid, err := ce.engine.SendCode(ctx, f, Identifier{"email", "gus@example.com"}, EventRegister)
		wantCode(t, err, "")
		_, err = ce.engine.Identify(ctx, f, vid)
		wantCode(t, err, "session.verification_failed")
		wantCode(t, ce.engine.SetProfile(ctx, f, ProfileInput{Type: "email", VerificationID: vid}), "session.verification_failed")
	})
}

func TestForgotPassword(t *testing.T) {
	ce := newCodeEnv(t)
	ce.settings = emailSettings()
	ctx := t.Context()
	alice := ce.register(t, user.RegisterInput{Username: "alice", Email: "alice@example.com", Password: goodPassword})
	const newPassword = "Lantern-Quarry-48"

	identified := func(t *testing.T) *Flow {
		t.Helper()
		f := started(t, ce.env, EventForgotPassword)
		vid := ce.sendAndVerify(t, f, Identifier{"email", "alice@example.com"}, EventForgotPassword)
		_, err := ce.engine.Identify(ctx, f, vid)
		wantCode(t, err, "")
		if f.UserID != alice.ID {
			t.Fatalf("identified %q", f.UserID)
		}
		return f
	}

	t.Run("rules", func(t *testing.T) {
		f := identified(t)
		wantCode(t, ce.engine.ResetPassword(ctx, f, goodPassword), "user.same_password")
		wantCode(t, ce.engine.ResetPassword(ctx, f, "short"), "password.rejected")
		wantCode(t, ce.engine.ResetPassword(ctx, f, "alice-Garden-77"), "password.rejected") // contains the username
		_, err := ce.engine.Submit(ctx, f)
		wantCode(t, err, "user.new_password_required_in_profile")
		wantCode(t, ce.engine.SetProfile(ctx, f, ProfileInput{Type: "username", Value: "bob_1"}), "session.not_supported_for_forgot_password")
	})
	t.Run("not identified", func(t *testing.T) {
		f := started(t, ce.env, EventForgotPassword)
		wantCode(t, ce.engine.ResetPassword(ctx, f, newPassword), "session.identifier_not_found")
		_, err := ce.engine.Submit(ctx, f)
		wantCode(t, err, "session.identifier_not_found")
	})
	t.Run("not a reset", func(t *testing.T) {
		f := started(t, ce.env, EventSignIn)
		wantCode(t, ce.engine.ResetPassword(ctx, f, newPassword), "session.invalid_interaction_type")
	})
	t.Run("unknown address", func(t *testing.T) {
		f := started(t, ce.env, EventForgotPassword)
		vid := ce.sendAndVerify(t, f, Identifier{"email", "nobody@example.com"}, EventForgotPassword)
		_, err := ce.engine.Identify(ctx, f, vid)
		wantCode(t, err, "user.user_not_exist")
	})
	t.Run("reset", func(t *testing.T) {
		f := identified(t)
		// POST /profile {type: password} works as PUT /profile/password.
		wantCode(t, ce.engine.SetProfile(ctx, f, ProfileInput{Type: "password", Value: newPassword}), "")
		res, err := ce.engine.Submit(ctx, f)
		wantCode(t, err, "")
		if res != nil || f.Result != nil {
			t.Fatal("a password reset signed the user in")
		}
		if f.Event != "" || f.UserID != "" || len(f.Records) != 0 || !f.Profile.empty() {
			t.Fatalf("flow not cleared: %+v", f)
		}
		if _, err := ce.users.Authenticate(ctx, "email", "alice@example.com", newPassword); err != nil {
			t.Fatalf("new password: %v", err)
		}
		if _, err := ce.users.Authenticate(ctx, "email", "alice@example.com", goodPassword); !errors.Is(err, user.ErrInvalidCredentials) {
			t.Fatalf("old password still works: %v", err)
		}
	})
}

func TestProfileFulfilment(t *testing.T) {
	ce := newCodeEnv(t)
	ctx := t.Context()
	// An account made before e-mail became mandatory.
	legacy := ce.register(t, user.RegisterInput{Username: "legacy", Password: goodPassword})
	ce.register(t, user.RegisterInput{Username: "other", Email: "used@example.com", Password: goodPassword})
	ce.settings = emailSettings()

	signIn := func(t *testing.T) *Flow {
		t.Helper()
		f := started(t, ce.env, EventSignIn)
		vid, err := ce.engine.VerifyPassword(ctx, f, Identifier{"username", "legacy"}, goodPassword)
		wantCode(t, err, "")
		_, err = ce.engine.Identify(ctx, f, vid)
		wantCode(t, err, "")
		return f
	}

	f := signIn(t)
	_, err := ce.engine.Submit(ctx, f)
	var e *Error
	if !errors.As(err, &e) || e.Code != "user.missing_profile" {
		t.Fatalf("submit: %v", err)
	}
	if got := e.Data.(map[string]any)["missingProfile"]; !slices.Equal(got.([]string), []string{"email"}) {
		t.Fatalf("missingProfile %v", got)
	}

	t.Run("e-mail needs a verified record", func(t *testing.T) {
		wantCode(t, ce.engine.SetProfile(ctx, f, ProfileInput{Type: "email", VerificationID: "nope"}), "session.verification_session_not_found")
		vid, err := ce.engine.SendCode(ctx, f, Identifier{"email", "legacy@example.com"}, EventSignIn)
		wantCode(t, err, "")
		wantCode(t, ce.engine.SetProfile(ctx, f, ProfileInput{Type: "email", VerificationID: vid}), "session.verification_failed")
		wantCode(t, ce.engine.SetProfile(ctx, f, ProfileInput{Type: "phone", VerificationID: vid}), "session.verification_session_not_found")
	})
	t.Run("address of another account", func(t *testing.T) {
		vid := ce.sendAndVerify(t, f, Identifier{"email", "used@example.com"}, EventSignIn)
		wantCode(t, ce.engine.SetProfile(ctx, f, ProfileInput{Type: "email", VerificationID: vid}), "user.email_already_in_use")
	})
	t.Run("fulfilled", func(t *testing.T) {
		vid := ce.sendAndVerify(t, f, Identifier{"email", "legacy@example.com"}, EventSignIn)
		wantCode(t, ce.engine.SetProfile(ctx, f, ProfileInput{Type: "email", VerificationID: vid}), "")
		res, err := ce.engine.Submit(ctx, f)
		wantCode(t, err, "")
		u, _ := ce.users.Get(ctx, res.UserID)
		if u.ID != legacy.ID || u.PrimaryEmail != "legacy@example.com" {
			t.Fatalf("user %+v", u)
		}
	})
	t.Run("phone", func(t *testing.T) {
		ce.settings.SignUp.Identifiers = []string{"phone"}
		defer func() { ce.settings = emailSettings() }()
		g := signIn(t)
		_, err := ce.engine.Submit(ctx, g)
		wantCode(t, err, "user.missing_profile")
		vid := ce.sendAndVerify(t, g, Identifier{"phone", "15551112222"}, EventSignIn)
		wantCode(t, ce.engine.SetProfile(ctx, g, ProfileInput{Type: "phone", VerificationID: vid}), "")
		res, err := ce.engine.Submit(ctx, g)
		wantCode(t, err, "")
		if u, _ := ce.users.Get(ctx, res.UserID); u.PrimaryPhone != "15551112222" {
			t.Fatalf("phone %q", u.PrimaryPhone)
		}
		// It now has one.
		h := signIn(t)
		vid = ce.sendAndVerify(t, h, Identifier{"phone", "15553334444"}, EventSignIn)
		wantCode(t, ce.engine.SetProfile(ctx, h, ProfileInput{Type: "phone", VerificationID: vid}), "user.phone_exists_in_profile")
	})
}

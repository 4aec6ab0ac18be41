package interaction

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/password"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
	"github.com/gatehouse/gatehouse/internal/user"
)

var t0 = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

const goodPassword = "violet-Harbor-92"

type env struct {
	engine *Engine
	users  *user.Service
	store  store.Store
	// settings is what the engine sees; tests may change it.
	settings *Settings
}

func newEnv(t *testing.T) *env {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "gatehouse.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &env{store: st, settings: DefaultSettings()}
	e.users = &user.Service{Store: st, Now: func() time.Time { return t0 }}
	cheap := password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
	e.engine = New(Config{
		Users:        e.users,
		Settings:     func(context.Context) (*Settings, error) { return e.settings, nil },
		HashPassword: func(pw string) (string, error) { return password.HashWith(pw, cheap) },
		Now:          func() time.Time { return t0 },
	})
	return e
}

func (e *env) register(t *testing.T, in user.RegisterInput) *store.User {
	t.Helper()
	u, err := e.users.Register(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func started(t *testing.T, e *env, ev Event) *Flow {
	t.Helper()
	f := &Flow{ID: "interaction1"}
	if err := e.engine.Start(f, ev); err != nil {
		t.Fatal(err)
	}
	return f
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	var coded interface{ ErrorCode() string }
	if !errors.As(err, &coded) {
		t.Fatalf("err = %v, want code %s", err, code)
	}
	if coded.ErrorCode() != code {
		t.Fatalf("code = %s, want %s (%v)", coded.ErrorCode(), code, err)
	}
}

func TestLoadAndApply(t *testing.T) {
	f := &Flow{ID: "i1", Event: EventSignIn, UserID: "u1", Profile: Profile{Username: "bob"},
		Records: []Record{{ID: "r1", Type: RecordPassword, Verified: true, UserID: "u1"}}}
	rec := &store.Interaction{ID: "i1"}
	if err := f.ApplyTo(rec); err != nil {
		t.Fatal(err)
	}
	got, err := Load(rec)
	if err != nil {
		t.Fatal(err)
	}
	if got.Event != EventSignIn || got.UserID != "u1" || got.Profile.Username != "bob" || len(got.Records) != 1 || got.rev != 1 {
		t.Fatalf("round trip lost data: %+v", got)
	}
	// A flow loaded before another write must not overwrite it.
	if err := f.ApplyTo(rec); !errors.Is(err, ErrConcurrentUpdate) {
		t.Fatalf("stale write: %v", err)
	}
	if err := got.ApplyTo(rec); err != nil {
		t.Fatalf("fresh write: %v", err)
	}

	for name, raw := range map[string]string{"garbage": "{not json", "bad event": `{"rev":1}`} {
		t.Run(name, func(t *testing.T) {
			r := &store.Interaction{ID: "i", State: json.RawMessage(raw)}
			if name == "bad event" {
				r.Event = "Hack"
			}
			if _, err := Load(r); !errors.Is(err, ErrInteractionNotFound) {
				t.Fatalf("err = %v", err)
			}
		})
	}
	if f, err := Load(&store.Interaction{ID: "fresh"}); err != nil || f.Event != "" {
		t.Fatalf("fresh interaction: %v %+v", err, f)
	}
}

func TestSanitizeHidesSecrets(t *testing.T) {
	f := &Flow{Event: EventRegister, Profile: Profile{Username: "u", PasswordHash: "$argon2id$secret"},
		Records: []Record{{ID: "r", Type: RecordNewPasswordIdentity, PasswordHash: "$argon2id$secret", Verified: true}}}
	raw, _ := json.Marshal(f.Sanitize())
	if s := string(raw); strings.Contains(s, "argon2id") || strings.Contains(s, "passwordEncrypted") {
		t.Fatalf("sanitized state leaks: %s", s)
	}
}

func TestStartAndSetEvent(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()

	if err := e.engine.Start(&Flow{}, "Hack"); !errors.Is(err, ErrInvalidEvent) {
		t.Fatalf("Start(Hack) = %v", err)
	}
	wantCode(t, e.engine.SetEvent(ctx, &Flow{}, EventRegister), "session.interaction_not_found")

	f := started(t, e, EventSignIn)
	f.Profile.Username = "staged"
	wantCode(t, e.engine.SetEvent(ctx, f, EventForgotPassword), "session.not_supported_for_forgot_password")
	wantCode(t, e.engine.SetEvent(ctx, f, "Hack"), "guard.invalid_input")
	wantCode(t, e.engine.SetEvent(ctx, f, EventRegister), "")
	if f.Event != EventRegister || f.Profile.Username != "" {
		t.Fatalf("switch did not clear profile: %+v", f)
	}
	e.settings.SignInMode = ModeSignIn
	wantCode(t, e.engine.SetEvent(ctx, f, EventRegister), "auth.forbidden")

	fp := started(t, e, EventForgotPassword)
	wantCode(t, e.engine.SetEvent(ctx, fp, EventSignIn), "session.not_supported_for_forgot_password")

	// Restart drops everything.
	f.UserID, f.Records = "u", []Record{{ID: "r"}}
	f.Result = &store.InteractionResult{UserID: "u"}
	if err := e.engine.Start(f, EventSignIn); err != nil || f.UserID != "" || f.Records != nil || f.Result != nil {
		t.Fatalf("restart kept state: %+v", f)
	}
}

func TestVerifyPassword(t *testing.T) {
	e := newEnv(t)
	alice := e.register(t, user.RegisterInput{Username: "alice", Email: "alice@example.com", Password: goodPassword})
	tests := []struct {
		name  string
		flow  func() *Flow
		ident Identifier
		pw    string
		code  string
	}{
		{"not started", func() *Flow { return &Flow{} }, Identifier{"username", "alice"}, goodPassword, "session.interaction_not_found"},
		{"bad type", func() *Flow { return started(t, e, EventSignIn) }, Identifier{"nickname", "alice"}, goodPassword, "guard.invalid_input"},
		{"empty value", func() *Flow { return started(t, e, EventSignIn) }, Identifier{"username", ""}, goodPassword, "guard.invalid_input"},
		{"phone not enabled", func() *Flow { return started(t, e, EventSignIn) }, Identifier{"phone", "821012345678"}, goodPassword, "user.sign_in_method_not_enabled"},
		{"wrong password", func() *Flow { return started(t, e, EventSignIn) }, Identifier{"username", "alice"}, "wrong-Password-1", "session.invalid_credentials"},
		{"unknown user", func() *Flow { return started(t, e, EventSignIn) }, Identifier{"username", "nobody"}, goodPassword, "session.invalid_credentials"},
		{"username", func() *Flow { return started(t, e, EventSignIn) }, Identifier{"username", "alice"}, goodPassword, ""},
		{"email", func() *Flow { return started(t, e, EventSignIn) }, Identifier{"email", "Alice@example.com"}, goodPassword, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.flow()
			vid, err := e.engine.VerifyPassword(t.Context(), f, tt.ident, tt.pw)
			wantCode(t, err, tt.code)
			if tt.code != "" {
				if len(f.Records) != 0 {
					t.Fatal("a failed verification left a record")
				}
				return
			}
			r, err := f.record(vid)
			if err != nil || r.UserID != alice.ID || !r.Verified || r.Type != RecordPassword {
				t.Fatalf("record %+v, %v", r, err)
			}
			// A second verification replaces the first.
			vid2, err := e.engine.VerifyPassword(t.Context(), f, tt.ident, tt.pw)
			if err != nil || vid2 == vid || len(f.Records) != 1 {
				t.Fatalf("second verification: %v, %d records", err, len(f.Records))
			}
		})
	}
}

func TestSignInIdentifyAndSubmit(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	alice := e.register(t, user.RegisterInput{Username: "alice", Password: goodPassword})
	bob := e.register(t, user.RegisterInput{Username: "bob", Password: goodPassword})

	f := started(t, e, EventSignIn)
	_, err := e.engine.Submit(ctx, f)
	wantCode(t, err, "session.identifier_not_found")
	_, err = e.engine.Identify(ctx, f, "")
	wantCode(t, err, "guard.invalid_input")
	_, err = e.engine.Identify(ctx, f, "nope")
	wantCode(t, err, "session.verification_session_not_found")

	vid, err := e.engine.VerifyPassword(ctx, f, Identifier{"username", "alice"}, goodPassword)
	wantCode(t, err, "")
	created, err := e.engine.Identify(ctx, f, vid)
	if err != nil || created || f.UserID != alice.ID {
		t.Fatalf("identify: %v created=%v user=%s", err, created, f.UserID)
	}
	// Identifying the same user again is fine; another one is a conflict.
	if _, err := e.engine.Identify(ctx, f, vid); err != nil {
		t.Fatal(err)
	}
	vidBob, _ := e.engine.VerifyPassword(ctx, f, Identifier{"username", "bob"}, goodPassword)
	_, err = e.engine.Identify(ctx, f, vidBob)
	wantCode(t, err, "session.identity_conflict")
	_ = bob

	res, err := e.engine.Submit(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	if res.UserID != alice.ID || !res.AuthTime.Equal(t0) || !slices.Equal(res.AMR, []string{"pwd"}) || f.Result != res {
		t.Fatalf("result %+v", res)
	}
}

func TestIdentifyRefusals(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	e.register(t, user.RegisterInput{Username: "alice", Password: goodPassword})

	t.Run("suspended after verification", func(t *testing.T) {
		f := started(t, e, EventSignIn)
		vid, _ := e.engine.VerifyPassword(ctx, f, Identifier{"username", "alice"}, goodPassword)
		u, _ := e.users.FindByIdentifier(ctx, "username", "alice")
		e.store.UpdateUser(ctx, u.ID, func(x *store.User) error { x.IsSuspended = true; return nil })
		defer e.store.UpdateUser(ctx, u.ID, func(x *store.User) error { x.IsSuspended = false; return nil })
		_, err := e.engine.Identify(ctx, f, vid)
		wantCode(t, err, "user.suspended")
	})
	t.Run("sign-in disabled", func(t *testing.T) {
		f := started(t, e, EventSignIn)
		vid, _ := e.engine.VerifyPassword(ctx, f, Identifier{"username", "alice"}, goodPassword)
		e.settings.SignInMode = ModeRegister
		defer func() { e.settings.SignInMode = ModeSignInAndRegister }()
		_, err := e.engine.Identify(ctx, f, vid)
		wantCode(t, err, "auth.forbidden")
	})
	t.Run("method disabled after verification", func(t *testing.T) {
		f := started(t, e, EventSignIn)
		vid, _ := e.engine.VerifyPassword(ctx, f, Identifier{"username", "alice"}, goodPassword)
		saved := e.settings.SignIn
		e.settings.SignIn.Methods = e.settings.SignIn.Methods[1:]
		defer func() { e.settings.SignIn = saved }()
		_, err := e.engine.Identify(ctx, f, vid)
		wantCode(t, err, "user.sign_in_method_not_enabled")
	})
	t.Run("user deleted after verification", func(t *testing.T) {
		tmp := e.register(t, user.RegisterInput{Username: "temp", Password: goodPassword})
		f := started(t, e, EventSignIn)
		vid, _ := e.engine.VerifyPassword(ctx, f, Identifier{"username", "temp"}, goodPassword)
		e.store.DeleteUser(ctx, tmp.ID)
		_, err := e.engine.Identify(ctx, f, vid)
		wantCode(t, err, "user.user_not_exist")
	})
	t.Run("forgot password cannot use a password", func(t *testing.T) {
		f := started(t, e, EventForgotPassword)
		vid, err := e.engine.VerifyPassword(ctx, f, Identifier{"username", "alice"}, goodPassword)
		wantCode(t, err, "")
		_, err = e.engine.Identify(ctx, f, vid)
		wantCode(t, err, "session.not_supported_for_forgot_password")
		_, err = e.engine.Submit(ctx, f)
		wantCode(t, err, "session.identifier_not_found")
	})
}

func TestRegisterWithProfile(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	e.register(t, user.RegisterInput{Username: "taken", Password: goodPassword})

	f := started(t, e, EventRegister)
	_, err := e.engine.Identify(ctx, f, "")
	wantCode(t, err, "user.missing_profile")
	var ie *Error
	if !errors.As(err, &ie) || !slices.Equal(ie.Data.(map[string]any)["missingProfile"].([]string), []string{"username", "password"}) {
		t.Fatalf("missing profile data: %+v", ie)
	}

	steps := []struct {
		name string
		in   ProfileInput
		code string
	}{
		{"invalid username", ProfileInput{Type: "username", Value: "9lives"}, "guard.invalid_input"},
		{"taken username", ProfileInput{Type: "username", Value: "taken"}, "user.username_already_in_use"},
		{"username", ProfileInput{Type: "username", Value: "newbie"}, ""},
		{"weak password", ProfileInput{Type: "password", Value: "123"}, "password.rejected"},
		{"password containing username", ProfileInput{Type: "password", Value: "newbie-rocks-1"}, "password.rejected"},
		{"email needs verification", ProfileInput{Type: "email", VerificationID: "x"}, "session.verification_session_not_found"},
		{"extra profile", ProfileInput{Type: "extraProfile"}, "guard.invalid_input"},
		{"password", ProfileInput{Type: "password", Value: goodPassword}, ""},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			wantCode(t, e.engine.SetProfile(ctx, f, s.in), s.code)
		})
	}
	if f.Profile.Username != "newbie" || f.Profile.PasswordHash == "" {
		t.Fatalf("profile not staged: %+v", f.Profile)
	}
	if u, _ := e.users.FindByIdentifier(ctx, "username", "newbie"); u != nil {
		t.Fatal("user written before identification")
	}
	created, err := e.engine.Identify(ctx, f, "")
	if err != nil || !created || f.UserID == "" || !f.Profile.empty() {
		t.Fatalf("register: %v created=%v %+v", err, created, f)
	}
	res, err := e.engine.Submit(ctx, f)
	if err != nil || res.UserID != f.UserID || !slices.Equal(res.AMR, []string{"pwd"}) {
		t.Fatalf("submit: %v %+v", err, res)
	}
	u, err := e.users.Authenticate(ctx, "username", "newbie", goodPassword)
	if err != nil || u.ID != f.UserID {
		t.Fatalf("new user cannot sign in: %v", err)
	}
}

func TestRegisterRefusals(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()

	t.Run("registration disabled", func(t *testing.T) {
		e.settings.SignInMode = ModeSignIn
		defer func() { e.settings.SignInMode = ModeSignInAndRegister }()
		f := started(t, e, EventRegister)
		wantCode(t, e.engine.SetProfile(ctx, f, ProfileInput{Type: "username", Value: "x_1"}), "")
		wantCode(t, e.engine.SetProfile(ctx, f, ProfileInput{Type: "password", Value: goodPassword}), "")
		_, err := e.engine.Identify(ctx, f, "")
		wantCode(t, err, "auth.forbidden")
	})
	t.Run("username taken between profile and identification", func(t *testing.T) {
		f := started(t, e, EventRegister)
		wantCode(t, e.engine.SetProfile(ctx, f, ProfileInput{Type: "username", Value: "racer"}), "")
		wantCode(t, e.engine.SetProfile(ctx, f, ProfileInput{Type: "password", Value: goodPassword}), "")
		e.register(t, user.RegisterInput{Username: "racer", Password: goodPassword})
		_, err := e.engine.Identify(ctx, f, "")
		wantCode(t, err, "user.username_already_in_use")
	})
	t.Run("profile in forgot password", func(t *testing.T) {
		f := started(t, e, EventForgotPassword)
		wantCode(t, e.engine.SetProfile(ctx, f, ProfileInput{Type: "username", Value: "x_1"}), "session.not_supported_for_forgot_password")
	})
	t.Run("profile in sign-in before identification", func(t *testing.T) {
		f := started(t, e, EventSignIn)
		wantCode(t, e.engine.SetProfile(ctx, f, ProfileInput{Type: "username", Value: "x_1"}), "session.identifier_not_found")
	})
	t.Run("password record cannot register", func(t *testing.T) {
		e.register(t, user.RegisterInput{Username: "existing", Password: goodPassword})
		f := started(t, e, EventRegister)
		vid, err := e.engine.VerifyPassword(ctx, f, Identifier{"username", "existing"}, goodPassword)
		wantCode(t, err, "")
		_, err = e.engine.Identify(ctx, f, vid)
		wantCode(t, err, "session.verification_failed")
	})
}

func TestNewPasswordIdentity(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	e.register(t, user.RegisterInput{Username: "taken", Password: goodPassword})

	wrongEvent := started(t, e, EventSignIn)
	_, err := e.engine.NewPasswordIdentity(ctx, wrongEvent, Identifier{"username", "newbie"}, goodPassword)
	wantCode(t, err, "session.invalid_interaction_type")

	f := started(t, e, EventRegister)
	for _, tt := range []struct {
		name  string
		ident Identifier
		pw    string
		code  string
	}{
		{"email refused", Identifier{"email", "a@example.com"}, goodPassword, "guard.invalid_input"},
		{"bad username", Identifier{"username", "-x"}, goodPassword, "guard.invalid_input"},
		{"taken", Identifier{"username", "taken"}, goodPassword, "user.username_already_in_use"},
		{"weak", Identifier{"username", "newbie"}, "password", "password.rejected"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.engine.NewPasswordIdentity(ctx, f, tt.ident, tt.pw)
			wantCode(t, err, tt.code)
		})
	}
	vid, err := e.engine.NewPasswordIdentity(ctx, f, Identifier{"username", "newbie"}, goodPassword)
	wantCode(t, err, "")
	created, err := e.engine.Identify(ctx, f, vid)
	if err != nil || !created {
		t.Fatalf("identify: %v", err)
	}
	if _, err := e.engine.Submit(ctx, f); err != nil {
		t.Fatal(err)
	}
	if _, err := e.users.Authenticate(ctx, "username", "newbie", goodPassword); err != nil {
		t.Fatalf("registered user cannot sign in: %v", err)
	}
}

// A user created before the sign-up settings required a username must add
// one before the sign-in completes (Logto's "continue" flow).
func TestSignInCompletesMissingProfile(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	emailOnly := e.register(t, user.RegisterInput{Email: "old@example.com", Password: goodPassword})

	f := started(t, e, EventSignIn)
	vid, _ := e.engine.VerifyPassword(ctx, f, Identifier{"email", "old@example.com"}, goodPassword)
	if _, err := e.engine.Identify(ctx, f, vid); err != nil {
		t.Fatal(err)
	}
	_, err := e.engine.Submit(ctx, f)
	wantCode(t, err, "user.missing_profile")

	wantCode(t, e.engine.SetProfile(ctx, f, ProfileInput{Type: "password", Value: "another-Pass-77"}), "user.password_exists_in_profile")
	wantCode(t, e.engine.SetProfile(ctx, f, ProfileInput{Type: "username", Value: "old_timer"}), "")
	if _, err := e.engine.Submit(ctx, f); err != nil {
		t.Fatal(err)
	}
	u, _ := e.users.Get(ctx, emailOnly.ID)
	if u.Username != "old_timer" {
		t.Fatalf("username not saved: %+v", u)
	}
}

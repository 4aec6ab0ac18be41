package experience

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/connector"
	"github.com/gatehouse/gatehouse/internal/interaction"
	"github.com/gatehouse/gatehouse/internal/ratelimit"
	"github.com/gatehouse/gatehouse/internal/user"
)

// mailbox is a code sender that keeps what it was asked to send.
type mailbox struct {
	mu   sync.Mutex
	msgs []connector.Message
}

func (m *mailbox) Send(_ context.Context, msg connector.Message) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.msgs = append(m.msgs, msg)
	return nil
}

func (m *mailbox) code(t *testing.T, to string) string {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := len(m.msgs) - 1; i >= 0; i-- {
		if m.msgs[i].To == to {
			return m.msgs[i].Code
		}
	}
	t.Fatalf("no code sent to %s", to)
	return ""
}

func (m *mailbox) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.msgs)
}

// codeSettings: sign up with a verified e-mail and a password, sign in
// with e-mail + password or code.
func codeSettings() *interaction.Settings {
	s := interaction.DefaultSettings()
	s.SignUp = interaction.SignUp{Identifiers: []string{"email"}, Password: true, Verify: true}
	s.SignIn.Methods = []interaction.SignInMethod{
		{Identifier: "email", Password: true, VerificationCode: true, IsPasswordPrimary: true},
		{Identifier: "username", Password: true, IsPasswordPrimary: true},
	}
	return s
}

type codeTestEnv struct {
	*testEnv
	mail    *mailbox
	limiter *ratelimit.Limiter
}

// newCodeTestEnv enables codes with a real store-backed limiter whose
// identifier lockout trips after three failures.
func newCodeTestEnv(t *testing.T, opts ...envOption) *codeTestEnv {
	t.Helper()
	ce := &codeTestEnv{mail: &mailbox{}}
	all := append([]envOption{func(c *Config) {
		ce.limiter = ratelimit.New(ratelimit.Config{Store: c.Store, Now: c.Now,
			Identifier: ratelimit.Backoff{Threshold: 3, Base: time.Minute, Max: time.Hour, Window: time.Hour}})
		c.Settings = func(context.Context) (*interaction.Settings, error) { return codeSettings(), nil }
		c.Limiter, c.SendLimiter = ce.limiter, ce.limiter
		c.Codes = interaction.Codes{Store: c.Store, Users: c.Users, Email: ce.mail,
			Secret: []byte("0123456789abcdef0123456789abcdef")}
	}}, opts...)
	ce.testEnv = newTestEnv(t, all...)
	return ce
}

func vcodeBody(typ, value string, extra map[string]any) string {
	m := map[string]any{"identifier": map[string]string{"type": typ, "value": value}}
	for k, v := range extra {
		m[k] = v
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func TestVerificationCodeBodies(t *testing.T) {
	e := newCodeTestEnv(t)
	ck := e.interaction()
	e.must(e.call("PUT", "/api/experience", ck, `{"interactionEvent":"SignIn"}`), 204)
	const send, verify = "/api/experience/verification/verification-code", "/api/experience/verification/verification-code/verify"
	cases := []struct {
		name, path, body string
		status           int
		code             string
	}{
		{"no identifier", send, `{"interactionEvent":"SignIn"}`, 400, "guard.invalid_input"},
		{"username", send, vcodeBody("username", "alice", map[string]any{"interactionEvent": "SignIn"}), 400, "guard.invalid_input"},
		{"bad event", send, vcodeBody("email", "a@example.com", map[string]any{"interactionEvent": "Login"}), 400, "guard.invalid_input"},
		{"unknown field", send, vcodeBody("email", "a@example.com", map[string]any{"interactionEvent": "SignIn", "x": 1}), 400, "guard.invalid_input"},
		{"bad address", send, vcodeBody("email", "not-an-address", map[string]any{"interactionEvent": "SignIn"}), 400, "guard.invalid_input"},
		{"huge value", send, vcodeBody("email", strings.Repeat("a", 300)+"@example.com", map[string]any{"interactionEvent": "SignIn"}), 400, "guard.invalid_input"},
		{"no SMS connector", send, vcodeBody("phone", "15551234567", map[string]any{"interactionEvent": "SignIn"}), 501, "connector.not_found"},
		{"verify without code", verify, vcodeBody("email", "a@example.com", map[string]any{"verificationId": "v"}), 400, "guard.invalid_input"},
		{"verify without id", verify, vcodeBody("email", "a@example.com", map[string]any{"code": "123456"}), 400, "guard.invalid_input"},
		{"verify long code", verify, vcodeBody("email", "a@example.com", map[string]any{"verificationId": "v", "code": strings.Repeat("1", 64)}), 400, "guard.invalid_input"},
		{"verify unknown record", verify, vcodeBody("email", "a@example.com", map[string]any{"verificationId": "v", "code": "123456"}), 404, "session.verification_session_not_found"},
		{"reset password outside a reset", "/api/experience/profile/password", `{"password":"Lantern-Quarry-48"}`, 400, "session.invalid_interaction_type"},
		{"reset password without password", "/api/experience/profile/password", `{}`, 400, "guard.invalid_input"},
		{"not JSON", send, `identifier=x`, 400, "guard.invalid_input"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			method := "POST"
			if strings.HasSuffix(tc.path, "/password") {
				method = "PUT"
			}
			r := e.call(method, tc.path, ck, tc.body)
			if r.status != tc.status || r.code() != tc.code {
				t.Fatalf("%d %s, want %d %s", r.status, r.raw, tc.status, tc.code)
			}
		})
	}
	t.Run("cross-origin", func(t *testing.T) {
		for _, path := range []string{send, verify} {
			r := e.call("POST", path, ck, vcodeBody("email", "a@example.com", map[string]any{"interactionEvent": "SignIn"}), "Origin: https://evil.example")
			if r.status != 403 || r.code() != "auth.forbidden" {
				t.Fatalf("%s: %d %s", path, r.status, r.raw)
			}
		}
		r := e.call("PUT", "/api/experience/profile/password", ck, `{"password":"x"}`, "Origin: https://evil.example")
		if r.status != 403 {
			t.Fatalf("profile/password: %d", r.status)
		}
	})
	t.Run("no interaction", func(t *testing.T) {
		r := e.call("POST", send, nil, vcodeBody("email", "a@example.com", map[string]any{"interactionEvent": "SignIn"}))
		if r.status != 400 || r.code() != "session.not_found" {
			t.Fatalf("%d %s", r.status, r.raw)
		}
	})
}

// sendCode asks for a code and returns the verification ID.
func (e *codeTestEnv) sendCode(t *testing.T, ck *http.Cookie, addr, event string) string {
	t.Helper()
	r := e.must(e.call("POST", "/api/experience/verification/verification-code", ck,
		vcodeBody("email", addr, map[string]any{"interactionEvent": event})), 200)
	vid, _ := r.body["verificationId"].(string)
	if vid == "" {
		t.Fatalf("no verificationId: %s", r.raw)
	}
	return vid
}

func (e *codeTestEnv) verifyCode(ck *http.Cookie, addr, vid, code string) response {
	return e.call("POST", "/api/experience/verification/verification-code/verify", ck,
		vcodeBody("email", addr, map[string]any{"verificationId": vid, "code": code}))
}

func TestCodeSignInOverHTTP(t *testing.T) {
	e := newCodeTestEnv(t)
	e.register("alice", "alice@example.com", goodPassword)
	ck := e.interaction()
	e.must(e.call("PUT", "/api/experience", ck, `{"interactionEvent":"SignIn"}`), 204)

	// Known and unknown addresses get the same answer.
	for _, addr := range []string{"nobody@example.com", "alice@example.com"} {
		r := e.must(e.call("POST", "/api/experience/verification/verification-code", ck,
			vcodeBody("email", addr, map[string]any{"interactionEvent": "SignIn"})), 200)
		if len(r.body) != 1 || r.body["verificationId"] == "" {
			t.Fatalf("%s: %s", addr, r.raw)
		}
	}
	other := e.interaction()
	e.must(e.call("PUT", "/api/experience", other, `{"interactionEvent":"SignIn"}`), 204)
	e.sendCode(t, other, "carol@example.com", "SignIn")
	if e.mail.count() != 3 {
		t.Fatalf("%d messages", e.mail.count())
	}
	// The record of the last send for alice is the one that counts.
	e.now = e.now.Add(time.Minute)
	vid := e.sendCode(t, ck, "alice@example.com", "SignIn")
	code := e.mail.code(t, "alice@example.com")
	r := e.verifyCode(ck, "alice@example.com", vid, wrongCode(code))
	if r.status != 400 || r.code() != "verification_code.code_mismatch" {
		t.Fatalf("wrong code: %d %s", r.status, r.raw)
	}
	e.must(e.verifyCode(ck, "Alice@Example.com", vid, code), 200)
	e.must(e.call("POST", "/api/experience/identification", ck, `{"verificationId":"`+vid+`"}`), 204)
	r = e.must(e.call("POST", "/api/experience/submit", ck, ``), 200)
	if !strings.HasPrefix(r.body["redirectTo"].(string), issuer+"/auth/") {
		t.Fatalf("submit: %s", r.raw)
	}
	if strings.Contains(e.logs.String(), code) {
		t.Fatal("the code was logged")
	}
}

func wrongCode(code string) string {
	if code == "000000" {
		return "000001"
	}
	return "000000"
}

func TestSendRateLimit(t *testing.T) {
	e := newCodeTestEnv(t)
	// Windows are fixed: start at the top of an hour so the test's hour
	// is one window.
	e.now = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	ck := e.interaction()
	e.must(e.call("PUT", "/api/experience", ck, `{"interactionEvent":"SignIn"}`), 204)
	e.sendCode(t, ck, "alice@example.com", "SignIn")
	r := e.call("POST", "/api/experience/verification/verification-code", ck,
		vcodeBody("email", "ALICE@example.com", map[string]any{"interactionEvent": "SignIn"}))
	if r.status != 429 || r.code() != "request.message_rate_limited" || r.header.Get("Retry-After") == "" {
		t.Fatalf("second send in a minute: %d %v %s", r.status, r.header, r.raw)
	}
	if e.mail.count() != 1 {
		t.Fatalf("%d messages sent", e.mail.count())
	}
	// Another address or another purpose is not affected, and a minute
	// later alice may sign in by code again.
	e.sendCode(t, ck, "bob@example.com", "SignIn")
	e.sendCode(t, ck, "alice@example.com", "Register")
	e.now = e.now.Add(time.Minute)
	e.sendCode(t, ck, "alice@example.com", "SignIn")
	// At most ten an hour in all.
	for i := range 7 {
		e.now = e.now.Add(time.Minute)
		e.sendCode(t, ck, "alice@example.com", []string{"SignIn", "Register"}[i%2])
	}
	e.now = e.now.Add(time.Minute)
	r = e.call("POST", "/api/experience/verification/verification-code", ck,
		vcodeBody("email", "alice@example.com", map[string]any{"interactionEvent": "SignIn"}))
	if r.status != 429 || r.code() != "request.message_rate_limited" {
		t.Fatalf("eleventh send in an hour: %d %s", r.status, r.raw)
	}
}

func TestCodeVerifyLockout(t *testing.T) {
	e := newCodeTestEnv(t)
	e.register("alice", "alice@example.com", goodPassword)
	ck := e.interaction()
	e.must(e.call("PUT", "/api/experience", ck, `{"interactionEvent":"SignIn"}`), 204)
	vid := e.sendCode(t, ck, "alice@example.com", "SignIn")
	code := e.mail.code(t, "alice@example.com")
	for range 3 {
		if r := e.verifyCode(ck, "alice@example.com", vid, wrongCode(code)); r.code() != "verification_code.code_mismatch" {
			t.Fatalf("wrong code: %s", r.raw)
		}
	}
	// Locked: even the right code is not checked (nor counted).
	r := e.verifyCode(ck, "alice@example.com", vid, code)
	if r.status != 429 || r.code() != "session.verification_blocked_too_many_attempts" || r.header.Get("Retry-After") != "60" {
		t.Fatalf("locked: %d %v %s", r.status, r.header, r.raw)
	}
	e.now = e.now.Add(time.Minute)
	e.must(e.verifyCode(ck, "alice@example.com", vid, code), 200)
}

func TestForgotPasswordOverHTTP(t *testing.T) {
	e := newCodeTestEnv(t)
	e.register("alice", "alice@example.com", goodPassword)
	ck := e.interaction()
	e.must(e.call("PUT", "/api/experience", ck, `{"interactionEvent":"ForgotPassword"}`), 204)
	vid := e.sendCode(t, ck, "alice@example.com", "ForgotPassword")
	e.must(e.verifyCode(ck, "alice@example.com", vid, e.mail.code(t, "alice@example.com")), 200)
	e.must(e.call("POST", "/api/experience/identification", ck, `{"verificationId":"`+vid+`"}`), 204)
	r := e.call("PUT", "/api/experience/profile/password", ck, `{"password":"`+goodPassword+`"}`)
	if r.status != 422 || r.code() != "user.same_password" {
		t.Fatalf("same password: %d %s", r.status, r.raw)
	}
	r = e.call("POST", "/api/experience/submit", ck, ``)
	if r.status != 422 || r.code() != "user.new_password_required_in_profile" {
		t.Fatalf("submit without a password: %d %s", r.status, r.raw)
	}
	e.must(e.call("PUT", "/api/experience/profile/password", ck, `{"password":"Lantern-Quarry-48"}`), 204)
	r = e.must(e.call("POST", "/api/experience/submit", ck, ``), 200)
	if _, ok := r.body["redirectTo"]; ok || e.storedInteraction(ck).Result != nil {
		t.Fatalf("a reset signed the user in: %s", r.raw)
	}
	if _, err := e.users.Authenticate(t.Context(), "username", "alice", "Lantern-Quarry-48"); err != nil {
		t.Fatalf("new password: %v", err)
	}
	// The interaction is back to "not started"; sign-in starts afresh.
	e.must(e.call("GET", "/api/experience/interaction", ck, ``), 404)
	e.must(e.call("PUT", "/api/experience", ck, `{"interactionEvent":"SignIn"}`), 204)
	if strings.Contains(e.logs.String(), "Lantern-Quarry-48") {
		t.Fatal("the password was logged")
	}
}

func TestMissingProfileOverHTTP(t *testing.T) {
	e := newCodeTestEnv(t)
	e.register("legacy", "", goodPassword) // made before e-mail was required
	ck := e.interaction()
	e.must(e.call("PUT", "/api/experience", ck, `{"interactionEvent":"SignIn"}`), 204)
	r := e.must(e.call("POST", "/api/experience/verification/password", ck, credentials("username", "legacy", goodPassword)), 200)
	e.must(e.call("POST", "/api/experience/identification", ck, `{"verificationId":"`+r.body["verificationId"].(string)+`"}`), 204)
	r = e.call("POST", "/api/experience/submit", ck, ``)
	if r.status != 422 || r.code() != "user.missing_profile" || !strings.Contains(r.raw, `"missingProfile":["email"]`) {
		t.Fatalf("submit: %d %s", r.status, r.raw)
	}
	vid := e.sendCode(t, ck, "legacy@example.com", "SignIn")
	e.must(e.verifyCode(ck, "legacy@example.com", vid, e.mail.code(t, "legacy@example.com")), 200)
	e.must(e.call("POST", "/api/experience/profile", ck, `{"type":"email","verificationId":"`+vid+`"}`), 204)
	e.must(e.call("POST", "/api/experience/submit", ck, ``), 200)
	u, err := e.users.FindByIdentifier(t.Context(), user.IdentifierEmail, "legacy@example.com")
	if err != nil || u.Username != "legacy" {
		t.Fatalf("user %+v, %v", u, err)
	}
}

// TestRegisterKeepsProgress: a Register identification that stages a
// proven e-mail keeps it when it reports user.missing_profile.
func TestRegisterKeepsProgress(t *testing.T) {
	e := newCodeTestEnv(t)
	ck := e.interaction()
	e.must(e.call("PUT", "/api/experience", ck, `{"interactionEvent":"Register"}`), 204)
	vid := e.sendCode(t, ck, "new@example.com", "Register")
	e.must(e.verifyCode(ck, "new@example.com", vid, e.mail.code(t, "new@example.com")), 200)
	r := e.call("POST", "/api/experience/identification", ck, `{"verificationId":"`+vid+`"}`)
	if r.status != 422 || !strings.Contains(r.raw, `"missingProfile":["password"]`) {
		t.Fatalf("identification: %d %s", r.status, r.raw)
	}
	e.must(e.call("POST", "/api/experience/profile", ck, `{"type":"password","value":"`+goodPassword+`"}`), 204)
	e.must(e.call("POST", "/api/experience/identification", ck, `{}`), 201)
	e.must(e.call("POST", "/api/experience/submit", ck, ``), 200)
}

func TestPublicSettingsHook(t *testing.T) {
	e := newTestEnv(t, func(c *Config) {
		c.PublicSettings = func(_ context.Context, appID string) (any, error) {
			return map[string]any{"id": "default", "customCss": ".x{}", "for": appID}, nil
		}
	})
	r := e.must(e.call("GET", "/api/.well-known/sign-in-exp", nil, ``), 200)
	if r.body["customCss"] != ".x{}" || r.body["for"] != "" {
		t.Fatalf("%s", r.raw)
	}
	// Logto's appId parameter reaches the hook (per-app branding).
	r = e.must(e.call("GET", "/api/.well-known/sign-in-exp?appId=app1", nil, ``), 200)
	if r.body["for"] != "app1" {
		t.Fatalf("appId not passed on: %s", r.raw)
	}
}

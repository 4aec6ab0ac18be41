package experience

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/interaction"
	"github.com/gatehouse/gatehouse/internal/mfa"
	"github.com/gatehouse/gatehouse/internal/mfa/mfatest"
	"github.com/gatehouse/gatehouse/internal/seal"
	"github.com/gatehouse/gatehouse/internal/store"
)

// withAuth wires MFA (and social sign-in when soc is not nil), optionally
// under custom MFA settings.
func withAuth(soc interaction.SocialConnectors, mfaSettings *interaction.MFASettings) envOption {
	return func(c *Config) {
		box, err := seal.New(bytes.Repeat([]byte{2}, 32))
		if err != nil {
			panic(err)
		}
		rp, err := mfa.NewRelyingParty(endpoint, "Gatehouse")
		if err != nil {
			panic(err)
		}
		c.Authenticators = interaction.Authenticators{Store: c.Store, Box: box,
			BackupCodes: mfa.NewBackupCodeHasher([]byte("backup-code-key")), WebAuthn: rp, TOTPIssuer: "localhost", Social: soc}
		if mfaSettings != nil {
			c.Settings = func(context.Context) (*interaction.Settings, error) {
				s := interaction.DefaultSettings()
				s.MFA = *mfaSettings
				return s, nil
			}
		}
	}
}

func jsonBody(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// signIn starts a SignIn interaction and identifies username by password.
func (e *testEnv) signIn(username string) *http.Cookie {
	e.t.Helper()
	ck := e.interaction()
	e.must(e.call("PUT", "/api/experience", ck, `{"interactionEvent":"SignIn"}`), 204)
	r := e.must(e.call("POST", "/api/experience/verification/password", ck, credentials("username", username, goodPassword)), 200)
	e.must(e.call("POST", "/api/experience/identification", ck, jsonBody(map[string]any{"verificationId": r.body["verificationId"]})), 204)
	return ck
}

// bindTOTP runs totp/secret → totp/verify → profile/mfa and returns the
// secret.
func (e *testEnv) bindTOTP(ck *http.Cookie) string {
	e.t.Helper()
	r := e.must(e.call("POST", "/api/experience/verification/totp/secret", ck, ""), 200)
	secret, _ := r.body["secret"].(string)
	vid, _ := r.body["verificationId"].(string)
	qr, _ := r.body["secretQrCode"].(string)
	if secret == "" || vid == "" || !strings.HasPrefix(qr, "data:image/png;base64,") {
		e.t.Fatalf("totp/secret: %.200s", r.raw)
	}
	e.must(e.call("POST", "/api/experience/verification/totp/verify", ck, jsonBody(map[string]string{"code": e.totp(secret, 0), "verificationId": vid})), 200)
	e.must(e.call("POST", "/api/experience/profile/mfa", ck, jsonBody(map[string]string{"type": "Totp", "verificationId": vid})), 204)
	return secret
}

// totp is the code an authenticator app shows at the env's now + d.
func (e *testEnv) totp(secret string, d time.Duration) string {
	e.t.Helper()
	c, err := mfa.TOTPCode(secret, e.now.Add(d))
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *testEnv) factors(userID string) []store.MFAFactor {
	e.t.Helper()
	fs, err := e.store.ListMFAFactors(e.t.Context(), userID)
	if err != nil {
		e.t.Fatal(err)
	}
	return fs
}

func wantCode(t *testing.T, r response, status int, code string) {
	t.Helper()
	if r.status != status || r.code() != code {
		t.Fatalf("got %d %s, want %d %s", r.status, r.raw, status, code)
	}
}

func TestTOTPBindAndSignIn(t *testing.T) {
	e := newTestEnv(t, withAuth(nil, nil))
	alice := e.register("alice", "", goodPassword)

	ck := e.signIn("alice")
	r := e.must(e.call("POST", "/api/experience/verification/totp/secret", ck, ""), 200)
	secret, vid := r.body["secret"].(string), r.body["verificationId"].(string)
	wantCode(t, e.call("POST", "/api/experience/verification/totp/verify", ck, jsonBody(map[string]string{"code": "12345", "verificationId": vid})), 400, "session.mfa.invalid_totp_code")
	wrong := "000000"
	if e.totp(secret, 0) == wrong {
		wrong = "111111"
	}
	wantCode(t, e.call("POST", "/api/experience/verification/totp/verify", ck, jsonBody(map[string]string{"code": wrong, "verificationId": vid})), 400, "session.mfa.invalid_totp_code")
	// A key cannot be bound before a code proves the app has it.
	wantCode(t, e.call("POST", "/api/experience/profile/mfa", ck, jsonBody(map[string]string{"type": "Totp", "verificationId": vid})), 400, "session.verification_failed")
	bindCode := e.totp(secret, 0)
	e.must(e.call("POST", "/api/experience/verification/totp/verify", ck, jsonBody(map[string]string{"code": bindCode, "verificationId": vid})), 200)
	e.must(e.call("POST", "/api/experience/profile/mfa", ck, jsonBody(map[string]string{"type": "Totp", "verificationId": vid})), 204)
	e.must(e.call("POST", "/api/experience/submit", ck, ""), 200)
	if res := e.storedInteraction(ck).Result; !slices.Equal(res.AMR, []string{"pwd", "otp", "mfa"}) {
		t.Fatalf("amr after binding = %v", res.AMR)
	}
	fs := e.factors(alice.ID)
	if len(fs) != 1 || fs[0].Type != store.FactorTOTP || bytes.Contains(fs[0].Secret, []byte(secret)) {
		t.Fatalf("factors = %+v (the secret must be sealed)", fs)
	}

	// Signing in now needs the second factor.
	ck = e.signIn("alice")
	r = e.must(e.call("POST", "/api/experience/submit", ck, ""), 403)
	if r.code() != "session.mfa.require_mfa_verification" || !strings.Contains(r.raw, `"availableFactors":["Totp"]`) {
		t.Fatalf("submit without mfa: %s", r.raw)
	}
	// The code used for binding cannot be replayed.
	wantCode(t, e.call("POST", "/api/experience/verification/totp/verify", ck, jsonBody(map[string]string{"code": bindCode})), 400, "session.mfa.invalid_totp_code")
	e.now = e.now.Add(30 * time.Second)
	code := e.totp(secret, 0)
	e.must(e.call("POST", "/api/experience/verification/totp/verify", ck, jsonBody(map[string]string{"code": code})), 200)
	e.must(e.call("POST", "/api/experience/submit", ck, ""), 200)
	if res := e.storedInteraction(ck).Result; res.UserID != alice.ID || !slices.Equal(res.AMR, []string{"pwd", "otp", "mfa"}) {
		t.Fatalf("result = %+v", res)
	}

	// The same code in another interaction is a replay.
	ck = e.signIn("alice")
	wantCode(t, e.call("POST", "/api/experience/verification/totp/verify", ck, jsonBody(map[string]string{"code": e.totp(secret, 0)})), 400, "session.mfa.invalid_totp_code")
	if strings.Contains(e.logs.String(), secret) || strings.Contains(e.logs.String(), code) {
		t.Fatal("a TOTP secret or code reached the log")
	}
}

// factorOf returns the user's factor of type t.
func (e *testEnv) factorOf(userID, t string) store.MFAFactor {
	e.t.Helper()
	for _, f := range e.factors(userID) {
		if f.Type == t {
			return f
		}
	}
	e.t.Fatalf("user %s has no %s factor", userID, t)
	return store.MFAFactor{}
}

func TestBackupCodes(t *testing.T) {
	e := newTestEnv(t, withAuth(nil, nil))
	alice := e.register("alice", "", goodPassword)
	ck := e.signIn("alice")

	r := e.must(e.call("POST", "/api/experience/verification/backup-code/generate", ck, ""), 200)
	var gen struct {
		VerificationID string   `json:"verificationId"`
		Codes          []string `json:"codes"`
	}
	if err := json.Unmarshal([]byte(r.raw), &gen); err != nil || len(gen.Codes) != 10 {
		t.Fatalf("generate: %s", r.raw)
	}
	bind := jsonBody(map[string]string{"type": "BackupCode", "verificationId": gen.VerificationID})
	wantCode(t, e.call("POST", "/api/experience/profile/mfa", ck, bind), 422, "session.mfa.backup_code_can_not_be_alone")
	secret := e.bindTOTP(ck)
	e.must(e.call("POST", "/api/experience/profile/mfa", ck, bind), 204)
	e.must(e.call("POST", "/api/experience/submit", ck, ""), 200)
	if fs := e.factors(alice.ID); len(fs) != 2 || e.factorOf(alice.ID, store.FactorBackupCode).RemainingCodes != 10 {
		t.Fatalf("factors = %+v", fs)
	}

	ck = e.signIn("alice")
	r = e.must(e.call("POST", "/api/experience/submit", ck, ""), 403)
	if !strings.Contains(r.raw, `"availableFactors":["Totp","BackupCode"]`) {
		t.Fatalf("available factors: %s", r.raw)
	}
	wantCode(t, e.call("POST", "/api/experience/verification/backup-code/verify", ck, `{"code":"notacode00"}`), 400, "session.mfa.invalid_backup_code")
	wantCode(t, e.call("POST", "/api/experience/verification/backup-code/verify", ck, `{"code":"x","verificationId":"y"}`), 400, "guard.invalid_input")
	grouped := strings.ToUpper(gen.Codes[0][:5] + "-" + gen.Codes[0][5:])
	e.must(e.call("POST", "/api/experience/verification/backup-code/verify", ck, jsonBody(map[string]string{"code": grouped})), 200)
	e.must(e.call("POST", "/api/experience/submit", ck, ""), 200)

	ck = e.signIn("alice")
	wantCode(t, e.call("POST", "/api/experience/verification/backup-code/verify", ck, jsonBody(map[string]string{"code": gen.Codes[0]})), 400, "session.mfa.invalid_backup_code")
	e.must(e.call("POST", "/api/experience/verification/backup-code/verify", ck, jsonBody(map[string]string{"code": gen.Codes[1]})), 200)
	// Verified with a backup code, the user may set up factors, but not a
	// second TOTP.
	r = e.must(e.call("POST", "/api/experience/verification/totp/secret", ck, ""), 200)
	vid2 := r.body["verificationId"].(string)
	e.must(e.call("POST", "/api/experience/verification/totp/verify", ck, jsonBody(map[string]string{"code": e.totp(r.body["secret"].(string), 0), "verificationId": vid2})), 200)
	wantCode(t, e.call("POST", "/api/experience/profile/mfa", ck, jsonBody(map[string]string{"type": "Totp", "verificationId": vid2})), 422, "user.totp_already_in_use")
	e.must(e.call("POST", "/api/experience/submit", ck, ""), 200)
	if n := e.factorOf(alice.ID, store.FactorBackupCode).RemainingCodes; n != 8 {
		t.Fatalf("remaining codes = %d, want 8", n)
	}

	// Regenerating replaces the codes.
	e.now = e.now.Add(time.Minute)
	ck = e.signIn("alice")
	e.must(e.call("POST", "/api/experience/verification/totp/verify", ck, jsonBody(map[string]string{"code": e.totp(secret, 0)})), 200)
	r = e.must(e.call("POST", "/api/experience/verification/backup-code/generate", ck, ""), 200)
	e.must(e.call("POST", "/api/experience/profile/mfa", ck, jsonBody(map[string]any{"type": "BackupCode", "verificationId": r.body["verificationId"]})), 204)
	e.must(e.call("POST", "/api/experience/submit", ck, ""), 200)
	if fs := e.factors(alice.ID); len(fs) != 2 || e.factorOf(alice.ID, store.FactorBackupCode).RemainingCodes != 10 {
		t.Fatalf("after regenerating: %+v", fs)
	}
	for _, c := range gen.Codes {
		if strings.Contains(e.logs.String(), c) {
			t.Fatal("a backup code reached the log")
		}
	}
}

func TestWebAuthnBindAndSignIn(t *testing.T) {
	e := newTestEnv(t, withAuth(nil, nil))
	alice := e.register("alice", "", goodPassword)
	authn := mfatest.New(endpoint)

	ck := e.signIn("alice")
	wantCode(t, e.call("POST", "/api/experience/verification/web-authn/authentication", ck, ""), 400, "session.mfa.webauthn_verification_failed")
	r := e.must(e.call("POST", "/api/experience/verification/web-authn/registration", ck, ""), 200)
	vid := r.body["verificationId"].(string)
	options, _ := json.Marshal(r.body["registrationOptions"])
	var opts struct {
		RP struct {
			ID string `json:"id"`
		} `json:"rp"`
	}
	if json.Unmarshal(options, &opts); opts.RP.ID != "localhost" {
		t.Fatalf("registrationOptions = %s", options)
	}
	payload, err := authn.Register(options)
	if err != nil {
		t.Fatal(err)
	}
	evil, _ := mfatest.New("https://evil.example").Register(options)
	verify := func(p json.RawMessage) response {
		return e.call("POST", "/api/experience/verification/web-authn/registration/verify", ck,
			jsonBody(map[string]any{"verificationId": vid, "payload": p}))
	}
	wantCode(t, verify(evil), 400, "session.mfa.webauthn_verification_failed")
	wantCode(t, verify(json.RawMessage(`"x"`)), 400, "guard.invalid_input")
	wantCode(t, e.call("POST", "/api/experience/verification/web-authn/registration/verify", ck,
		jsonBody(map[string]any{"verificationId": "nope", "payload": payload})), 404, "session.verification_session_not_found")
	e.must(verify(payload), 200)
	wantCode(t, verify(payload), 400, "session.mfa.pending_info_not_found") // the challenge answers once
	e.must(e.call("POST", "/api/experience/profile/mfa", ck, jsonBody(map[string]string{"type": "WebAuthn", "verificationId": vid})), 204)
	e.must(e.call("POST", "/api/experience/submit", ck, ""), 200)
	if res := e.storedInteraction(ck).Result; !slices.Equal(res.AMR, []string{"pwd", "swk", "mfa"}) {
		t.Fatalf("amr = %v", res.AMR)
	}
	if fs := e.factors(alice.ID); len(fs) != 1 || fs[0].Type != store.FactorWebAuthn {
		t.Fatalf("factors = %+v", fs)
	}

	ck = e.signIn("alice")
	r = e.must(e.call("POST", "/api/experience/submit", ck, ""), 403)
	if !strings.Contains(r.raw, `"availableFactors":["WebAuthn"]`) {
		t.Fatalf("submit: %s", r.raw)
	}
	r = e.must(e.call("POST", "/api/experience/verification/web-authn/authentication", ck, ""), 200)
	vid = r.body["verificationId"].(string)
	options, _ = json.Marshal(r.body["authenticationOptions"])
	assertion, err := authn.Assert(options)
	if err != nil {
		t.Fatal(err)
	}
	e.must(e.call("POST", "/api/experience/verification/web-authn/authentication/verify", ck,
		jsonBody(map[string]any{"verificationId": vid, "payload": assertion})), 200)
	e.must(e.call("POST", "/api/experience/submit", ck, ""), 200)
	if fs := e.factors(alice.ID); fs[0].SignCount != 1 || fs[0].LastUsedAt.IsZero() {
		t.Fatalf("after sign-in: %+v", fs[0])
	}

	// A replayed assertion fails in a new ceremony.
	ck = e.signIn("alice")
	r = e.must(e.call("POST", "/api/experience/verification/web-authn/authentication", ck, ""), 200)
	wantCode(t, e.call("POST", "/api/experience/verification/web-authn/authentication/verify", ck,
		jsonBody(map[string]any{"verificationId": r.body["verificationId"], "payload": assertion})), 400, "session.mfa.webauthn_verification_failed")
}

func TestMFAPolicies(t *testing.T) {
	register := func(e *testEnv, name string) *http.Cookie {
		ck := e.interaction()
		e.must(e.call("PUT", "/api/experience", ck, `{"interactionEvent":"Register"}`), 204)
		e.must(e.call("POST", "/api/experience/profile", ck, jsonBody(map[string]string{"type": "username", "value": name})), 204)
		e.must(e.call("POST", "/api/experience/profile", ck, jsonBody(map[string]string{"type": "password", "value": goodPassword})), 204)
		e.must(e.call("POST", "/api/experience/identification", ck, `{}`), 201)
		return ck
	}
	totpOnly := []string{store.FactorTOTP, store.FactorWebAuthn}

	t.Run("Mandatory", func(t *testing.T) {
		e := newTestEnv(t, withAuth(nil, &interaction.MFASettings{Factors: totpOnly, Policy: interaction.MFAMandatory}))
		ck := register(e, "mandy")
		r := e.must(e.call("POST", "/api/experience/submit", ck, ""), 422)
		if r.code() != "user.missing_mfa" || !strings.Contains(r.raw, `"availableFactors":["Totp","WebAuthn"]`) || strings.Contains(r.raw, "skippable") {
			t.Fatalf("submit: %s", r.raw)
		}
		wantCode(t, e.call("POST", "/api/experience/profile/mfa/mfa-skipped", ck, ""), 422, "session.mfa.mfa_policy_not_user_controlled")
		e.bindTOTP(ck)
		e.must(e.call("POST", "/api/experience/submit", ck, ""), 200)
	})
	t.Run("BackupCodeRequired", func(t *testing.T) {
		e := newTestEnv(t, withAuth(nil, &interaction.MFASettings{Factors: []string{store.FactorTOTP, store.FactorBackupCode}, Policy: interaction.MFAMandatory}))
		ck := register(e, "bea")
		e.bindTOTP(ck)
		wantCode(t, e.call("POST", "/api/experience/submit", ck, ""), 422, "session.mfa.backup_code_required")
		r := e.must(e.call("POST", "/api/experience/verification/backup-code/generate", ck, ""), 200)
		e.must(e.call("POST", "/api/experience/profile/mfa", ck, jsonBody(map[string]any{"type": "BackupCode", "verificationId": r.body["verificationId"]})), 204)
		e.must(e.call("POST", "/api/experience/submit", ck, ""), 200)
	})
	t.Run("PromptAtSignInAndSignUp", func(t *testing.T) {
		e := newTestEnv(t, withAuth(nil, &interaction.MFASettings{Factors: totpOnly, Policy: interaction.MFAPromptAtSignInAndSignUp}))
		ck := register(e, "pat")
		r := e.must(e.call("POST", "/api/experience/submit", ck, ""), 422)
		if r.code() != "user.missing_mfa" || !strings.Contains(r.raw, `"skippable":true`) {
			t.Fatalf("submit: %s", r.raw)
		}
		e.must(e.call("POST", "/api/experience/profile/mfa/mfa-skipped", ck, ""), 204)
		e.must(e.call("POST", "/api/experience/submit", ck, ""), 200)
		// The choice is remembered: no prompt at the next sign-in.
		e.must(e.call("POST", "/api/experience/submit", e.signIn("pat"), ""), 200)
	})
	t.Run("PromptOnlyAtSignIn", func(t *testing.T) {
		e := newTestEnv(t, withAuth(nil, &interaction.MFASettings{Factors: totpOnly, Policy: interaction.MFAPromptOnlyAtSignIn}))
		e.must(e.call("POST", "/api/experience/submit", register(e, "pol"), ""), 200)
		wantCode(t, e.call("POST", "/api/experience/submit", e.signIn("pol"), ""), 422, "user.missing_mfa")
	})
	t.Run("NoPrompt", func(t *testing.T) {
		e := newTestEnv(t, withAuth(nil, nil))
		e.must(e.call("POST", "/api/experience/submit", register(e, "nop"), ""), 200)
	})
}

func TestMFAErrors(t *testing.T) {
	e := newTestEnv(t, withAuth(nil, nil))
	e.register("alice", "", goodPassword)
	started := e.interaction()
	e.must(e.call("PUT", "/api/experience", started, `{"interactionEvent":"SignIn"}`), 204)
	ck := e.signIn("alice")
	totpRec := e.must(e.call("POST", "/api/experience/verification/totp/secret", ck, ""), 200).body["verificationId"].(string)

	disabled := newTestEnv(t, withAuth(nil, &interaction.MFASettings{Factors: []string{}, Policy: interaction.MFANoPrompt}))
	disabled.register("bob", "", goodPassword)
	bob := disabled.signIn("bob")
	unwired := newTestEnv(t)
	unwired.register("carl", "", goodPassword)
	carl := unwired.signIn("carl")

	for _, tc := range []struct {
		name       string
		env        *testEnv
		ck         *http.Cookie
		path, body string
		status     int
		code       string
	}{
		{"no interaction", e, nil, "/api/experience/verification/totp/secret", "", 400, "session.not_found"},
		{"not identified", e, started, "/api/experience/verification/totp/secret", "", 404, "session.identifier_not_found"},
		{"not identified (backup)", e, started, "/api/experience/verification/backup-code/generate", "", 404, "session.identifier_not_found"},
		{"not identified (webauthn)", e, started, "/api/experience/verification/web-authn/registration", "", 404, "session.identifier_not_found"},
		{"body on bodiless call", e, ck, "/api/experience/verification/totp/secret", `{"x":1}`, 400, "guard.invalid_input"},
		{"no code", e, ck, "/api/experience/verification/totp/verify", `{}`, 400, "guard.invalid_input"},
		{"code too long", e, ck, "/api/experience/verification/totp/verify", jsonBody(map[string]string{"code": strings.Repeat("1", 65)}), 400, "guard.invalid_input"},
		{"code not a string", e, ck, "/api/experience/verification/totp/verify", `{"code":123456}`, 400, "guard.invalid_input"},
		{"no totp bound", e, ck, "/api/experience/verification/totp/verify", `{"code":"123456"}`, 400, "session.mfa.invalid_totp_code"},
		{"unknown totp record", e, ck, "/api/experience/verification/totp/verify", `{"code":"123456","verificationId":"nope"}`, 404, "session.verification_session_not_found"},
		{"no backup codes", e, ck, "/api/experience/verification/backup-code/verify", `{"code":"abcdefghij"}`, 400, "session.mfa.invalid_backup_code"},
		{"bind: bad type", e, ck, "/api/experience/profile/mfa", `{"type":"Sms","verificationId":"x"}`, 400, "guard.invalid_input"},
		{"bind: email factor", e, ck, "/api/experience/profile/mfa", `{"type":"EmailVerificationCode","verificationId":"x"}`, 400, "session.mfa.mfa_factor_not_enabled"},
		{"bind: no id", e, ck, "/api/experience/profile/mfa", `{"type":"Totp"}`, 400, "guard.invalid_input"},
		{"bind: unknown id", e, ck, "/api/experience/profile/mfa", `{"type":"Totp","verificationId":"nope"}`, 404, "session.verification_session_not_found"},
		{"bind: wrong type for record", e, ck, "/api/experience/profile/mfa", `{"type":"WebAuthn","verificationId":"` + totpRec + `"}`, 404, "session.verification_session_not_found"},
		{"bind: unverified", e, ck, "/api/experience/profile/mfa", `{"type":"Totp","verificationId":"` + totpRec + `"}`, 400, "session.verification_failed"},
		{"webauthn: no payload", e, ck, "/api/experience/verification/web-authn/registration/verify", `{"verificationId":"x"}`, 400, "guard.invalid_input"},
		{"webauthn: unknown field", e, ck, "/api/experience/verification/web-authn/authentication/verify", `{"verificationId":"x","payload":{},"extra":1}`, 400, "guard.invalid_input"},
		{"factor disabled", disabled, bob, "/api/experience/verification/totp/secret", "", 400, "session.mfa.mfa_factor_not_enabled"},
		{"factor disabled (bind)", disabled, bob, "/api/experience/profile/mfa", `{"type":"Totp","verificationId":"x"}`, 400, "session.mfa.mfa_factor_not_enabled"},
		{"mfa not wired", unwired, carl, "/api/experience/verification/web-authn/registration", "", 400, "session.mfa.mfa_factor_not_enabled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, tc.env.call("POST", tc.path, tc.ck, tc.body), tc.status, tc.code)
		})
	}
	// Cross-origin calls are refused before anything else.
	r := e.call("POST", "/api/experience/verification/totp/secret", ck, "", "Origin: https://evil.example")
	if r.status != http.StatusForbidden {
		t.Fatalf("cross-origin: %d %s", r.status, r.raw)
	}
}

func TestMFALimiter(t *testing.T) {
	l := &lockout{failures: map[string]int{}}
	e := newTestEnv(t, withAuth(nil, nil), func(c *Config) { c.Limiter = l })
	e.register("alice", "", goodPassword)
	ck := e.signIn("alice")
	secret := e.bindTOTP(ck)
	e.must(e.call("POST", "/api/experience/submit", ck, ""), 200)

	e.now = e.now.Add(time.Minute)
	ck = e.signIn("alice")
	for range 2 {
		wantCode(t, e.call("POST", "/api/experience/verification/totp/verify", ck, `{"code":"999999"}`), 400, "session.mfa.invalid_totp_code")
	}
	r := e.call("POST", "/api/experience/verification/totp/verify", ck, jsonBody(map[string]string{"code": e.totp(secret, 0)}))
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
		t.Fatalf("after two wrong codes: %d %s", r.status, r.raw)
	}
}

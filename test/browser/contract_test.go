package browser

import (
	"bytes"
	"encoding/base64"
	"image/png"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp"

	"github.com/gatehouse/gatehouse/test/testenv"
)

const done = "/signed-out" // where the faked submit sends the browser

func submitted() reply { return ok(map[string]any{"redirectTo": done}) }

// TestContractEmailRegistration: register with an e-mail and a code, then
// the password that user.missing_profile asks for.
func TestContractEmailRegistration(t *testing.T) {
	testenv.ChromiumPath(t) // skip (or fail in CI) before starting a server
	srv := testenv.StartOnLocalhost(t, nil)
	b := newTab(t, srv)
	api := b.fake(map[string]handler{
		"GET /api/.well-known/sign-in-exp": always(ok(settings(map[string]any{
			"signUp": map[string]any{"identifiers": []any{"email"}, "password": true, "verify": true},
		}))),
		"PUT /api/experience": always(noContent),
		"POST /api/experience/verification/verification-code": always(ok(map[string]any{"verificationId": "code-1"})),
		"POST /api/experience/verification/verification-code/verify": func(c call, _ int) *reply {
			if c.body["code"] != "123456" {
				r := apiError(400, "verification_code.code_mismatch", nil)
				return &r
			}
			r := ok(map[string]any{"verificationId": "code-1"})
			return &r
		},
		"POST /api/experience/identification": sequence(
			apiError(422, "user.missing_profile", map[string]any{"missingProfile": []any{"password"}}),
			reply{201, nil}),
		"GET /api/experience/interaction": always(ok(map[string]any{"interactionEvent": "Register", "profile": map[string]any{}})),
		"POST /api/experience/profile":    always(noContent),
		"POST /api/experience/submit":     always(submitted()),
	})
	b.goTo("/register?ui_locales=en")
	b.page("/register")
	b.fill("identifier", "new@example.com")
	b.click("#submit")
	b.page("/register/verification-code")
	if got := b.text("#code-sent"); !strings.Contains(got, "new@example.com") {
		t.Errorf("code page: %q", got)
	}
	if got := b.text("#countdown"); !strings.Contains(got, "resend") {
		t.Errorf("resend countdown: %q", got)
	}
	b.fill("code", "654321")
	if msg := b.errorTextOrField("code"); !strings.Contains(msg, "incorrect") {
		t.Errorf("wrong code message %q", msg)
	}
	b.shot("wrong-code")
	b.fill("code", "123456")
	b.page("/continue/password")
	b.fill("password", "New-password-42")
	b.fill("confirmPassword", "New-password-42")
	b.click("#submit")
	b.page(done)

	api.expect("PUT /api/experience", map[string]any{"interactionEvent": "Register"})
	api.expect("POST /api/experience/verification/verification-code", map[string]any{
		"identifier": map[string]any{"type": "email", "value": "new@example.com"}, "interactionEvent": "Register"})
	api.expect("POST /api/experience/verification/verification-code/verify", map[string]any{
		"identifier": map[string]any{"type": "email", "value": "new@example.com"}, "verificationId": "code-1", "code": "123456"})
	api.expect("POST /api/experience/identification", map[string]any{"verificationId": "code-1"})
	api.expect("POST /api/experience/profile", map[string]any{"type": "password", "value": "New-password-42"})
	if n := len(api.sent("POST /api/experience/identification")); n != 2 {
		t.Errorf("identification called %d times, want 2 (before and after the password)", n)
	}
}

// TestContractCodeSignIn: sign in with an e-mail verification code; an
// unknown account is offered registration (Logto switches the event to
// Register and identifies again with the same verification).
func TestContractCodeSignIn(t *testing.T) {
	testenv.ChromiumPath(t) // skip (or fail in CI) before starting a server
	srv := testenv.StartOnLocalhost(t, nil)
	b := newTab(t, srv)
	api := b.fake(map[string]handler{
		"GET /api/.well-known/sign-in-exp": always(ok(settings(map[string]any{
			"signIn": map[string]any{"methods": []any{
				map[string]any{"identifier": "email", "password": false, "verificationCode": true, "isPasswordPrimary": false},
			}},
		}))),
		"PUT /api/experience":                                        always(noContent),
		"PUT /api/experience/interaction-event":                      always(noContent),
		"POST /api/experience/verification/verification-code":        always(ok(map[string]any{"verificationId": "code-2"})),
		"POST /api/experience/verification/verification-code/verify": always(ok(map[string]any{"verificationId": "code-2"})),
		"POST /api/experience/identification": sequence(
			apiError(404, "user.user_not_exist", nil), reply{201, nil}),
		"POST /api/experience/submit": always(submitted()),
	})
	b.goTo("/sign-in")
	b.page("/sign-in")
	if !eval[bool](b, `document.getElementById('password-field').hidden`) {
		t.Error("password field shown with code-only sign-in")
	}
	if got := b.text("#submit"); got != "Send code" {
		t.Errorf("submit label %q", got)
	}
	b.fill("identifier", "someone@example.com")
	b.click("#submit")
	b.page("/sign-in/verification-code")
	b.fill("code", "123456")
	b.until("registration offer", `document.getElementById('offer') !== null`)
	b.shot("no-account-offer")
	b.click("#offer")
	b.page(done)
	api.expect("PUT /api/experience", map[string]any{"interactionEvent": "SignIn"})
	api.expect("PUT /api/experience/interaction-event", map[string]any{"interactionEvent": "Register"})
	if n := len(api.sent("POST /api/experience/identification")); n != 2 {
		t.Errorf("identification called %d times, want 2", n)
	}
}

// TestContractMFABinding: user.missing_mfa with several factors shows the
// factor list; TOTP set-up shows the QR code and key and binds with
// profile/mfa; session.mfa.backup_code_required leads to the backup codes.
func TestContractMFABinding(t *testing.T) {
	testenv.ChromiumPath(t) // skip (or fail in CI) before starting a server
	srv := testenv.StartOnLocalhost(t, nil)
	b := newTab(t, srv)
	qr := qrDataURL(t, "otpauth://totp/Gatehouse:alice?secret=JBSWY3DPEHPK3PXP&issuer=Gatehouse")
	codes := []any{"a1b2c3d4e5", "f6g7h8i9j0", "k1l2m3n4o5", "p6q7r8s9t0", "u1v2w3x4y5", "z6a7b8c9d0", "e1f2g3h4i5", "j6k7l8m9n0", "o1p2q3r4s5", "t6u7v8w9x0"}
	api := b.fake(map[string]handler{
		"GET /api/.well-known/sign-in-exp":           always(ok(settings(nil))),
		"PUT /api/experience":                        always(noContent),
		"POST /api/experience/verification/password": always(ok(map[string]any{"verificationId": "pw-1"})),
		"POST /api/experience/identification":        always(noContent),
		"GET /api/experience/interaction":            always(ok(map[string]any{"interactionEvent": "SignIn", "userId": "u1"})),
		"POST /api/experience/submit": sequence(
			apiError(422, "user.missing_mfa", map[string]any{"availableFactors": []any{"Totp", "WebAuthn", "BackupCode"}, "skippable": true}),
			apiError(422, "session.mfa.backup_code_required", nil),
			submitted()),
		"POST /api/experience/verification/totp/secret": always(ok(map[string]any{
			"verificationId": "totp-1", "secret": "JBSWY3DPEHPK3PXP", "secretQrCode": qr})),
		"POST /api/experience/verification/totp/verify":          always(ok(map[string]any{"verificationId": "totp-1"})),
		"POST /api/experience/verification/backup-code/generate": always(ok(map[string]any{"verificationId": "bc-1", "codes": codes})),
		"POST /api/experience/profile/mfa":                       always(noContent),
	})
	b.goTo("/sign-in")
	b.page("/sign-in")
	b.signInWithPassword("alice", "Password-42")
	b.page("/mfa-binding")
	if n := eval[int](b, `document.querySelectorAll('#factors .factor').length`); n != 2 {
		t.Errorf("%d factors listed, want 2 (backup codes are not a first factor)", n)
	}
	if eval[bool](b, `document.getElementById('skip').hidden`) {
		t.Error("skippable binding shows no Skip button")
	}
	b.click(`.factor[data-factor="Totp"]`)
	b.page("/mfa-binding/Totp")
	b.until("QR code", `document.getElementById('qr').complete && document.getElementById('qr').naturalWidth > 0`)
	b.click(".secret summary")
	b.shot("totp-key")
	if got := b.text("#secret"); got != "JBSW Y3DP EHPK 3PXP" {
		t.Errorf("key shown as %q", got)
	}
	b.fill("code", "123456")
	b.page("/mfa-binding/BackupCode")
	if n := eval[int](b, `document.querySelectorAll('#backup-codes li').length`); n != 10 {
		t.Errorf("%d backup codes shown", n)
	}
	b.click("#submit")
	b.page(done)
	api.expect("POST /api/experience/verification/totp/verify", map[string]any{"code": "123456", "verificationId": "totp-1"})
	api.expect("POST /api/experience/profile/mfa", map[string]any{"type": "Totp", "verificationId": "totp-1"})
	api.expect("POST /api/experience/profile/mfa", map[string]any{"type": "BackupCode", "verificationId": "bc-1"})
}

// TestContractMFAVerification: session.mfa.require_mfa_verification leads
// to the first factor; a wrong TOTP code shows an error; other factors are
// offered; a backup code verifies.
func TestContractMFAVerification(t *testing.T) {
	testenv.ChromiumPath(t) // skip (or fail in CI) before starting a server
	srv := testenv.StartOnLocalhost(t, nil)
	b := newTab(t, srv)
	api := b.fake(map[string]handler{
		"GET /api/.well-known/sign-in-exp":           always(ok(settings(nil))),
		"PUT /api/experience":                        always(noContent),
		"POST /api/experience/verification/password": always(ok(map[string]any{"verificationId": "pw-1"})),
		"POST /api/experience/identification":        always(noContent),
		"POST /api/experience/submit": sequence(
			apiError(403, "session.mfa.require_mfa_verification", map[string]any{"availableFactors": []any{"BackupCode", "Totp", "WebAuthn"}}),
			submitted()),
		"POST /api/experience/verification/totp/verify":        always(apiError(400, "session.mfa.invalid_totp_code", nil)),
		"POST /api/experience/verification/backup-code/verify": always(ok(map[string]any{"verificationId": "bc-2"})),
	})
	b.goTo("/sign-in")
	b.page("/sign-in")
	b.signInWithPassword("alice", "Password-42")
	b.page("/mfa-verification/Totp") // backup codes come last
	b.fill("code", "000000")
	if msg := b.errorTextOrField("code"); !strings.Contains(msg, "incorrect") {
		t.Errorf("wrong TOTP: %q", msg)
	}
	b.shot("totp-wrong")
	b.click(`.factor[data-factor="WebAuthn"]`)
	b.page("/mfa-verification/WebAuthn")
	b.click(`.factor[data-factor="BackupCode"]`)
	b.page("/mfa-verification/BackupCode")
	b.fill("code", "a1b2c3d4e5")
	b.click("#submit")
	b.page(done)
	api.expect("POST /api/experience/verification/totp/verify", map[string]any{"code": "000000"})
	api.expect("POST /api/experience/verification/backup-code/verify", map[string]any{"code": "a1b2c3d4e5"})
}

// TestContractPasskey: the passkey pages create and use a credential in
// Chromium's virtual authenticator and send Logto's payloads.
func TestContractPasskey(t *testing.T) {
	testenv.ChromiumPath(t) // skip (or fail in CI) before starting a server
	srv := testenv.StartOnLocalhost(t, nil)
	b := newTab(t, srv)
	b.virtualAuthenticator()
	challenge := base64.RawURLEncoding.EncodeToString([]byte("a-challenge-of-32-bytes-length!!"))
	api := b.fake(map[string]handler{
		"GET /api/.well-known/sign-in-exp":           always(ok(settings(nil))),
		"PUT /api/experience":                        always(noContent),
		"POST /api/experience/verification/password": always(ok(map[string]any{"verificationId": "pw-1"})),
		"POST /api/experience/identification":        always(noContent),
		"GET /api/experience/interaction":            always(ok(map[string]any{"interactionEvent": "SignIn", "userId": "u1"})),
		"POST /api/experience/submit": sequence(
			apiError(422, "user.missing_mfa", map[string]any{"availableFactors": []any{"WebAuthn"}, "skippable": false}),
			submitted(),
			apiError(403, "session.mfa.require_mfa_verification", map[string]any{"availableFactors": []any{"WebAuthn"}}),
			submitted()),
		"POST /api/experience/verification/web-authn/registration": always(ok(map[string]any{
			"verificationId": "wa-1",
			"registrationOptions": map[string]any{
				"rp":                     map[string]any{"id": "localhost", "name": "Gatehouse"},
				"user":                   map[string]any{"id": base64.RawURLEncoding.EncodeToString([]byte("u1")), "name": "alice", "displayName": "alice"},
				"challenge":              challenge,
				"pubKeyCredParams":       []any{map[string]any{"type": "public-key", "alg": -7}, map[string]any{"type": "public-key", "alg": -257}},
				"timeout":                60000,
				"attestation":            "none",
				"authenticatorSelection": map[string]any{"residentKey": "preferred", "userVerification": "preferred"},
			},
		})),
		"POST /api/experience/verification/web-authn/registration/verify": always(ok(map[string]any{"verificationId": "wa-1"})),
		"POST /api/experience/profile/mfa":                                always(noContent),
		"POST /api/experience/verification/web-authn/authentication": always(ok(map[string]any{
			"verificationId": "wa-2",
			"authenticationOptions": map[string]any{
				"challenge": challenge, "rpId": "localhost", "timeout": 60000, "userVerification": "preferred", "allowCredentials": []any{},
			},
		})),
		"POST /api/experience/verification/web-authn/authentication/verify": always(ok(map[string]any{"verificationId": "wa-2"})),
	})
	b.goTo("/sign-in")
	b.page("/sign-in")
	b.signInWithPassword("alice", "Password-42")
	b.page("/mfa-binding/WebAuthn")
	b.click("#submit")
	b.page(done)
	reg := api.sent("POST /api/experience/verification/web-authn/registration/verify")
	if len(reg) != 1 {
		t.Fatalf("registration/verify calls: %d\n%s", len(reg), api.log())
	}
	payload, _ := reg[0].body["payload"].(map[string]any)
	resp, _ := payload["response"].(map[string]any)
	if reg[0].body["verificationId"] != "wa-1" || payload["type"] != "WebAuthn" || payload["id"] == "" || resp["attestationObject"] == nil || resp["clientDataJSON"] == nil {
		t.Errorf("registration payload %v", reg[0].body)
	}
	api.expect("POST /api/experience/profile/mfa", map[string]any{"type": "WebAuthn", "verificationId": "wa-1"})

	b.goTo("/sign-in")
	b.page("/sign-in")
	b.signInWithPassword("alice", "Password-42")
	b.page("/mfa-verification/WebAuthn")
	b.click("#submit")
	b.page(done)
	auth := api.sent("POST /api/experience/verification/web-authn/authentication/verify")
	if len(auth) != 1 {
		t.Fatalf("authentication/verify calls: %d", len(auth))
	}
	payload, _ = auth[0].body["payload"].(map[string]any)
	resp, _ = payload["response"].(map[string]any)
	if payload["type"] != "WebAuthn" || payload["id"] != reg[0].body["payload"].(map[string]any)["id"] || resp["signature"] == nil || resp["authenticatorData"] == nil {
		t.Errorf("authentication payload %v", auth[0].body)
	}
}

// TestContractForgotPassword: e-mail → code → new password (PUT
// profile/password) → submit without redirectTo → sign-in page with a
// notice.
func TestContractForgotPassword(t *testing.T) {
	testenv.ChromiumPath(t) // skip (or fail in CI) before starting a server
	srv := testenv.StartOnLocalhost(t, nil)
	b := newTab(t, srv)
	api := b.fake(map[string]handler{
		"GET /api/.well-known/sign-in-exp":                           always(ok(settings(nil))),
		"PUT /api/experience":                                        always(noContent),
		"POST /api/experience/verification/verification-code":        always(ok(map[string]any{"verificationId": "fp-1"})),
		"POST /api/experience/verification/verification-code/verify": always(ok(map[string]any{"verificationId": "fp-1"})),
		"POST /api/experience/identification":                        always(noContent),
		"PUT /api/experience/profile/password": sequence(
			apiError(422, "password.rejected", map[string]any{"issues": []any{
				map[string]any{"code": "password_rejected.character_types", "interpolation": map[string]any{"min": 2}}}}),
			noContent),
		"POST /api/experience/submit": always(noContent),
	})
	b.goTo("/sign-in")
	b.page("/sign-in")
	b.click("#forgot-link")
	b.page("/forgot-password")
	b.fill("identifier", "forgetful@example.com")
	b.click("#submit")
	b.page("/forgot-password/verification-code")
	b.fill("code", "123456")
	b.page("/forgot-password/reset")
	b.fill("password", "aaaaaaaaaa")
	b.fill("confirmPassword", "aaaaaaaaaa")
	b.click("#submit")
	if msg := b.errorText(); !strings.Contains(msg, "at least 2 of") {
		t.Errorf("policy error %q", msg)
	}
	b.shot("password-rejected")
	b.fill("password", "Better-password-42")
	b.fill("confirmPassword", "Better-password-42")
	b.click("#submit")
	b.page("/sign-in")
	if got := b.text("#notice"); !strings.Contains(got, "password has been reset") {
		t.Errorf("notice %q", got)
	}
	api.expect("PUT /api/experience", map[string]any{"interactionEvent": "ForgotPassword"})
	api.expect("POST /api/experience/verification/verification-code", map[string]any{
		"identifier": map[string]any{"type": "email", "value": "forgetful@example.com"}, "interactionEvent": "ForgotPassword"})
	api.expect("POST /api/experience/identification", map[string]any{"verificationId": "fp-1"})
	api.expect("PUT /api/experience/profile/password", map[string]any{"password": "Better-password-42"})
}

// TestContractSocial: a social button starts the connector's
// authorization; the callback checks the state, verifies, and registers an
// unknown identity.
func TestContractSocial(t *testing.T) {
	testenv.ChromiumPath(t) // skip (or fail in CI) before starting a server
	srv := testenv.StartOnLocalhost(t, nil)
	b := newTab(t, srv)
	api := b.fake(map[string]handler{
		"GET /api/.well-known/sign-in-exp": always(ok(settings(map[string]any{
			"socialConnectors": []any{
				map[string]any{"id": "gh1", "target": "github", "name": map[string]any{"en": "GitHub", "ko": "GitHub"}, "logo": "/assets/icons/link.svg"},
				map[string]any{"id": "gg1", "target": "google", "name": map[string]any{"en": "Google"}, "logo": "/assets/icons/email.svg"},
			},
		}))),
		"PUT /api/experience":                   always(noContent),
		"PUT /api/experience/interaction-event": always(noContent),
		"POST /api/experience/verification/social/gh1/authorization-uri": func(c call, _ int) *reply {
			// The "identity provider" sends the browser straight back.
			r := ok(map[string]any{"verificationId": "so-1",
				"authorizationUri": srv.URL + "/callback/gh1?code=idp-code&state=" + c.body["state"].(string)})
			return &r
		},
		"POST /api/experience/verification/social/gh1/verify": always(ok(map[string]any{"verificationId": "so-1"})),
		"POST /api/experience/identification": sequence(
			apiError(404, "user.identity_not_exist", nil), reply{201, nil}),
		"POST /api/experience/submit": always(submitted()),
	})
	b.goTo("/sign-in")
	b.page("/sign-in")
	if n := eval[int](b, `document.querySelectorAll('.social-button').length`); n != 2 {
		t.Fatalf("%d social buttons", n)
	}
	b.click(`.social-button[data-connector="gh1"]`)
	b.page(done)
	api.expect("POST /api/experience/verification/social/gh1/authorization-uri", map[string]any{"redirectUri": srv.URL + "/callback/gh1"})
	api.expect("POST /api/experience/verification/social/gh1/verify", map[string]any{
		"verificationId": "so-1", "connectorData": map[string]any{"code": "idp-code", "redirectUri": srv.URL + "/callback/gh1"}})
	api.expect("PUT /api/experience/interaction-event", map[string]any{"interactionEvent": "Register"})

	// direct_sign_in (Logto's /direct/:method/:target) skips the first
	// screen; an unknown target falls back to it.
	b.goTo("/direct/social/github?fallback=sign-in")
	b.page(done)
	if n := len(api.sent("POST /api/experience/verification/social/gh1/authorization-uri")); n != 2 {
		t.Errorf("direct sign-in: %d authorization-uri calls in all, want 2", n)
	}
	b.goTo("/direct/social/nowhere?fallback=register")
	b.page("/register")

	// A callback whose state does not match the one saved is refused.
	eval[bool](b, `(sessionStorage.setItem('gatehouse:flow', JSON.stringify({social: {connectorId: 'gh1', state: 'saved', verificationId: 'so-9'}})), true)`)
	b.goTo("/callback/gh1?code=x&state=forged")
	b.page("/callback/gh1")
	if got := b.text("#title"); got != "Social sign-in failed" {
		t.Errorf("forged state: %q", got)
	}
}

func qrDataURL(t *testing.T, otpauth string) string {
	t.Helper()
	key, err := otp.NewKeyFromURL(otpauth)
	if err != nil {
		t.Fatal(err)
	}
	img, err := key.Image(200, 200)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())
}

// TestContractBranding: the settings' colours, logo, dark mode and legal
// links shape the page (here in dark mode and Korean).
func TestContractBranding(t *testing.T) {
	testenv.ChromiumPath(t) // skip (or fail in CI) before starting a server
	srv := testenv.StartOnLocalhost(t, nil)
	b := newTab(t, srv)
	if _, err := chromedp.Call(b.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}},
	}); err != nil {
		t.Fatal(err)
	}
	b.fake(map[string]handler{
		"GET /api/.well-known/sign-in-exp": func(c call, _ int) *reply {
			r := ok(settings(map[string]any{
				"color":            map[string]any{"primaryColor": "#0B7A5A", "darkPrimaryColor": "#2FBF8F", "isDarkModeEnabled": true},
				"branding":         map[string]any{"logoUrl": "/assets/app.svg", "darkLogoUrl": "/assets/passkey.svg"},
				"termsOfUseUrl":    "https://example.com/terms",
				"privacyPolicyUrl": "https://example.com/privacy",
				"languageInfo":     map[string]any{"autoDetect": false, "fallbackLanguage": "ko"},
				"customCss":        ".subtitle { letter-spacing: 3px; }",
			}))
			return &r
		},
	})
	b.goTo("/sign-in")
	b.page("/sign-in")
	if got := b.text("#title"); got != "로그인" {
		t.Errorf("fallbackLanguage ko with autoDetect off: title %q", got)
	}
	if got := eval[string](b, `getComputedStyle(document.getElementById('submit')).backgroundColor`); got != "rgb(47, 191, 143)" {
		t.Errorf("dark mode button colour %s, want darkPrimaryColor", got)
	}
	if got := eval[string](b, `document.getElementById('logo').getAttribute('src')`); got != "/assets/passkey.svg" {
		t.Errorf("dark logo %q", got)
	}
	if eval[bool](b, `document.getElementById('terms').hidden || document.getElementById('privacy').hidden`) {
		t.Error("terms and privacy links hidden")
	}
	// The custom CSS applies despite the CSP (a constructed style sheet).
	if got := eval[string](b, `getComputedStyle(document.querySelector('.subtitle')).letterSpacing`); got != "3px" {
		t.Errorf("custom CSS not applied: letter-spacing %q", got)
	}
	b.goTo("/register")
	b.page("/register")
}

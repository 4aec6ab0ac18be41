package browser

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/gatehouse/gatehouse/test/testenv"
)

// TestTOTP: with TOTP mandatory, a new account sets up an authenticator
// app (QR code and key shown; the code computed here from the key), and
// (when backup codes are enabled) saves its backup codes; the next
// sign-in asks for a TOTP code, refuses a wrong one, and accepts the
// right one.
func TestTOTP(t *testing.T) {
	testenv.ChromiumPath(t) // skip (or fail in CI) before starting a server
	srv := testenv.StartOnLocalhost(t, nil)
	requireRoutes(t, srv,
		"POST /api/experience/verification/totp/secret",
		"POST /api/experience/verification/totp/verify",
		"POST /api/experience/profile/mfa")
	factors := []any{"Totp"}
	withBackup := srv.HasRoute(t, "POST", "/api/experience/verification/backup-code/generate")
	if withBackup {
		factors = append(factors, "BackupCode")
	}
	setSignInExp(t, srv, map[string]any{"mfa": map[string]any{"factors": factors, "policy": "Mandatory"}})
	b := newTab(t, srv)
	const user, pass = "totp_user", "Totp-password-42"

	b.signInFromDemo()
	b.page("/sign-in")
	b.click("#register-link a")
	b.page("/register")
	b.registerWithPassword(user, pass)
	b.page("/mfa-binding/Totp")
	b.until("QR code", `document.getElementById('qr').complete && document.getElementById('qr').naturalWidth > 0`)
	b.click(".secret summary")
	b.shot("totp-binding-key")
	secret := strings.ReplaceAll(b.text("#secret"), " ", "")
	if secret == "" {
		t.Fatal("no TOTP key shown")
	}
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	boundAt := time.Now().Unix() / 30
	b.fill("code", code) // six digits submit by themselves
	if withBackup {
		b.page("/mfa-binding/BackupCode")
		if n := eval[int](b, `document.querySelectorAll('#backup-codes li').length`); n < 5 {
			t.Fatalf("%d backup codes shown", n)
		}
		b.click("#submit")
	}
	b.demo(true)
	if c := b.claims(); c["username"] != user {
		t.Fatalf("claims: %v", c)
	}

	b.signOut()
	b.click("#sign-in")
	b.page("/sign-in")
	b.signInWithPassword(user, pass)
	b.page("/mfa-verification/Totp")
	b.fill("code", "000000")
	msg := b.errorTextOrField("code")
	b.shot("totp-wrong-code")
	if msg == "" {
		t.Error("no error for a wrong TOTP code")
	}
	// A code of the step already used at binding would be a replay.
	for time.Now().Unix()/30 == boundAt {
		time.Sleep(time.Second)
	}
	code, _ = totp.GenerateCode(secret, time.Now())
	b.fill("code", code)
	b.demo(true)
	if c := b.claims(); c["username"] != user {
		t.Fatalf("claims after TOTP sign-in: %v", c)
	}
}

// TestPasskey: with WebAuthn mandatory, a new account creates a passkey in
// Chromium's virtual authenticator, and the next sign-in verifies with it.
func TestPasskey(t *testing.T) {
	testenv.ChromiumPath(t) // skip (or fail in CI) before starting a server
	srv := testenv.StartOnLocalhost(t, nil)
	requireRoutes(t, srv,
		"POST /api/experience/verification/web-authn/registration",
		"POST /api/experience/verification/web-authn/registration/verify",
		"POST /api/experience/verification/web-authn/authentication",
		"POST /api/experience/verification/web-authn/authentication/verify",
		"POST /api/experience/profile/mfa")
	setSignInExp(t, srv, map[string]any{"mfa": map[string]any{"factors": []any{"WebAuthn"}, "policy": "Mandatory"}})
	b := newTab(t, srv)
	b.virtualAuthenticator()
	const user, pass = "passkey_user", "Passkey-password-42"

	b.signInFromDemo()
	b.page("/sign-in")
	b.click("#register-link a")
	b.page("/register")
	b.registerWithPassword(user, pass)
	b.page("/mfa-binding/WebAuthn")
	b.click("#submit")
	b.demo(true)
	if c := b.claims(); c["username"] != user {
		t.Fatalf("claims: %v", c)
	}
	if n := b.credentials(); n != 1 {
		t.Fatalf("the authenticator holds %d credentials, want 1", n)
	}

	b.signOut()
	b.click("#sign-in")
	b.page("/sign-in")
	b.signInWithPassword(user, pass)
	b.page("/mfa-verification/WebAuthn")
	b.click("#submit")
	b.demo(true)
	if c := b.claims(); c["username"] != user {
		t.Fatalf("claims after passkey sign-in: %v", c)
	}
}

// virtualAuthenticator attaches a CTAP2 platform authenticator with
// resident keys and user verification that always succeeds.
func (b *tab) virtualAuthenticator() {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, step)
	defer cancel()
	if _, err := chromedp.Call(ctx, webauthn.Enable, webauthn.EnableParams{}); err != nil {
		b.t.Fatalf("WebAuthn.enable: %v", err)
	}
	res, err := chromedp.Call(ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
		Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol:                    webauthn.AuthenticatorProtocolCtap2,
			Ctap2version:                webauthn.Ctap2versionCtap21,
			Transport:                   webauthn.AuthenticatorTransportInternal,
			HasResidentKey:              true,
			HasUserVerification:         true,
			IsUserVerified:              true,
			AutomaticPresenceSimulation: true,
		},
	})
	if err != nil {
		b.t.Fatalf("WebAuthn.addVirtualAuthenticator: %v", err)
	}
	b.authenticator = res.AuthenticatorID
}

// credentials counts the credentials in the virtual authenticator.
func (b *tab) credentials() int {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, step)
	defer cancel()
	res, err := chromedp.Call(ctx, webauthn.GetCredentials, webauthn.GetCredentialsParams{AuthenticatorID: b.authenticator})
	if err != nil {
		b.t.Fatalf("WebAuthn.getCredentials: %v", err)
	}
	return len(res.Credentials)
}

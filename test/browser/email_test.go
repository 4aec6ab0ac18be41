package browser

import (
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/user"
	"github.com/gatehouse/gatehouse/test/testenv"
)

// emailServer starts a server whose e-mail goes to a test mailbox, with
// the verification-code API required.
func emailServer(t *testing.T) (*testenv.Server, *mailbox) {
	t.Helper()
	mb := newMailbox(t)
	srv := testenv.StartOnLocalhost(t, map[string]string{"GATEHOUSE_SMTP_URL": mb.URL()})
	requireRoutes(t, srv,
		"POST /api/experience/verification/verification-code",
		"POST /api/experience/verification/verification-code/verify")
	return srv, mb
}

// TestRegisterWithEmailCode: with e-mail sign-up (verified by a code), a
// new user enters an address, reads the code from the mail, sets the
// password the sign-up settings require, and lands in the demo app with
// that e-mail; a wrong code is refused first.
func TestRegisterWithEmailCode(t *testing.T) {
	testenv.ChromiumPath(t) // skip (or fail in CI) before starting a server
	srv, mb := emailServer(t)
	setSignInExp(t, srv, map[string]any{
		"signUp": map[string]any{"identifiers": []any{"email"}, "password": true, "verify": true},
		"signIn": map[string]any{"methods": []any{
			map[string]any{"identifier": "email", "password": true, "verificationCode": true, "isPasswordPrimary": true},
		}},
	})
	b := newTab(t, srv)
	const addr, pass = "new.user@example.com", "Email-password-42"

	b.signInFromDemo()
	b.page("/sign-in")
	if got := b.text("#identifier-label"); got != "Email" {
		t.Errorf("identifier label %q with e-mail sign-in only", got)
	}
	b.click("#register-link a")
	b.page("/register")
	if eval[bool](b, `!document.getElementById('username-field').hidden`) {
		t.Fatal("the register page asks for a username with e-mail sign-up")
	}
	b.fill("identifier", addr)
	b.click("#submit")
	b.page("/register/verification-code")
	if got := b.text("#code-sent"); !strings.Contains(got, addr) {
		t.Errorf("code page says %q", got)
	}
	code := mb.code(t, addr, 0)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	b.fill("code", wrong)
	if msg := b.errorTextOrField("code"); msg == "" {
		t.Error("no error for a wrong code")
	}
	b.shot("wrong-code")
	b.fill("code", code)

	// The password comes after the code (user.missing_profile → /continue/password).
	b.page("/continue/password")
	b.fill("password", pass)
	b.fill("confirmPassword", pass)
	b.click("#submit")
	b.demo(true)
	if c := b.claims(); c["email"] != addr {
		t.Fatalf("claims: %v", c)
	}

	// And the new account signs in with its password.
	b.signOut()
	b.click("#sign-in")
	b.page("/sign-in")
	b.signInWithPassword(addr, pass)
	b.demo(true)
}

// TestResetPassword: "Forgot password?" → e-mail → code from the mail →
// new password → back on the sign-in page with a notice; the old password
// no longer works, the new one signs in to the demo app.
func TestResetPassword(t *testing.T) {
	testenv.ChromiumPath(t) // skip (or fail in CI) before starting a server
	srv, mb := emailServer(t)
	const addr, oldPass, newPass = "forgetful@example.com", "Old-password-42", "New-password-42"
	if _, err := srv.Users.Register(t.Context(), user.RegisterInput{Username: "forgetful", Email: addr, Password: oldPass}); err != nil {
		t.Fatal(err)
	}
	if !jsonContains(wellKnown(t, srv)["forgotPassword"], []byte(`{"email":true}`)) {
		t.Skip("missing API: GET /api/.well-known/sign-in-exp does not offer forgotPassword.email with an e-mail connector (SMTP) configured")
	}
	b := newTab(t, srv)

	b.signInFromDemo()
	b.page("/sign-in")
	b.click("#forgot-link")
	b.page("/forgot-password")
	b.fill("identifier", addr)
	b.click("#submit")
	b.page("/forgot-password/verification-code")
	b.fill("code", mb.code(t, addr, 0))
	b.page("/forgot-password/reset")
	b.fill("password", newPass)
	b.fill("confirmPassword", newPass+"!")
	b.click("#submit")
	b.until("mismatch error", `document.getElementById('confirmPassword-error').textContent.length > 0`)
	b.fill("confirmPassword", newPass)
	b.click("#submit")
	b.page("/sign-in")
	if got := b.text("#notice"); !strings.Contains(got, "password has been reset") {
		t.Errorf("notice after reset %q", got)
	}

	b.signInWithPassword(addr, oldPass)
	if msg := b.errorText(); !strings.Contains(msg, "Incorrect account or password") {
		t.Errorf("old password: %q", msg)
	}
	b.fill("password", newPass)
	b.click("#submit")
	b.demo(true)
	if c := b.claims(); c["email"] != addr {
		t.Fatalf("claims: %v", c)
	}
}

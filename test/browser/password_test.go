package browser

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gatehouse/gatehouse/test/testenv"
)

// TestRegisterAndSignInWithPassword: from the demo app, create an account
// with a username and password, see the claims, sign out, fail a sign-in
// with a wrong password (the error is shown and the password selected),
// then sign in and land back in the demo app.
func TestRegisterAndSignInWithPassword(t *testing.T) {
	testenv.ChromiumPath(t) // skip (or fail in CI) before starting a server
	srv := testenv.StartOnLocalhost(t, nil)
	b := newTab(t, srv)
	const user, pass = "browser_alice", "Correct-horse-42"

	b.signInFromDemo()
	b.page("/sign-in")
	if got := b.text("#title"); got != "Sign in" {
		t.Errorf("sign-in title %q", got)
	}
	b.click("#register-link a")
	b.page("/register")

	// Client-side validation first: mismatched passwords.
	b.fill("username", user)
	b.fill("password", pass)
	b.fill("confirmPassword", pass+"x")
	b.click("#submit")
	b.until("mismatch error", `document.getElementById('confirmPassword-error').textContent.length > 0`)
	b.shot("register-mismatch")
	if got := eval[string](b, `document.activeElement.id`); got != "confirmPassword" {
		t.Errorf("focus after a validation error is on %q, want confirmPassword", got)
	}

	b.registerWithPassword(user, pass)
	b.demo(true)
	if c := b.claims(); c["username"] != user {
		t.Fatalf("claims after registration: %v", c)
	}

	b.signOut()
	b.click("#sign-in")
	b.page("/sign-in")
	b.signInWithPassword(user, "wrong-password-1")
	msg := b.errorText()
	b.shot("sign-in-wrong-password")
	if !strings.Contains(msg, "Incorrect account or password") {
		t.Errorf("wrong password error %q", msg)
	}
	if got := eval[string](b, `location.pathname`); got != "/sign-in" {
		t.Errorf("after a wrong password the page is %s", got)
	}

	// Keyboard only: Enter in the password field submits.
	b.fill("password", pass)
	b.do("press Enter", chromedp.KeyEvent("\r"))
	b.demo(true)
	if c := b.claims(); c["username"] != user {
		t.Fatalf("claims after sign-in: %v", c)
	}
}

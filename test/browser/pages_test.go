package browser

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/application"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/user"
	"github.com/gatehouse/gatehouse/test/testenv"
)

// TestPagesAndParameters: the pages reachable without an interaction, the
// language choice (ui_locales, then the footer's language menu), the
// login_hint and identifier parameters, and what a stale page does.
func TestPagesAndParameters(t *testing.T) {
	testenv.ChromiumPath(t) // skip (or fail in CI) before starting a server
	srv := testenv.StartOnLocalhost(t, nil)
	b := newTab(t, srv)

	// ui_locales=ko: Korean, and html[lang] says so.
	b.goTo("/sign-in?ui_locales=ko")
	b.page("/sign-in")
	if got := b.text("#title"); got != "로그인" {
		t.Errorf("Korean title %q", got)
	}
	if got := eval[string](b, `document.documentElement.lang`); got != "ko" {
		t.Errorf("html lang %q", got)
	}
	// The language menu switches to English at once.
	eval[bool](b, `(() => { const s = document.getElementById('language'); s.value = 'en'; s.dispatchEvent(new Event('change')); return true; })()`)
	b.page("/sign-in")
	if got := b.text("#title"); got != "Sign in" {
		t.Errorf("title after switching to English %q", got)
	}

	// login_hint pre-fills the identifier and focuses the password;
	// identifier=email narrows the identifier to e-mail.
	b.goTo("/sign-in?login_hint=someone%40example.com&identifier=email")
	b.page("/sign-in")
	if got := eval[string](b, `document.getElementById('identifier').value`); got != "someone@example.com" {
		t.Errorf("login_hint: identifier %q", got)
	}
	if got := eval[string](b, `document.activeElement.id`); got != "password" {
		t.Errorf("focus with login_hint on %q, want password", got)
	}
	if got := b.text("#identifier-label"); got != "Email" {
		t.Errorf("identifier=email: label %q", got)
	}

	// A sign-in with no interaction (a stale tab) goes to /unknown-session.
	b.signInWithPassword("someone@example.com", "whatever-password")
	b.page("/unknown-session")
	if got := b.text("#title"); got != "Session not found" {
		t.Errorf("unknown session title %q", got)
	}

	for _, tc := range []struct{ path, page, title, message string }{
		{"/error?code=oidc.access_denied", "/error", "Something went wrong", "Access was denied."},
		{"/error?code=%3Cscript%3E", "/error", "Something went wrong", "An unexpected error occurred"},
		{"/signed-out", "/signed-out", "You are signed out", "You have been signed out"},
		{"/no/such/page", "/no/such/page", "Page not found", "does not exist"},
		{"/forgot-password", "/forgot-password", "Reset password", ""},
	} {
		b.goTo(tc.path)
		b.page(tc.page)
		if got := b.text("#title"); got != tc.title {
			t.Errorf("%s: title %q, want %q", tc.path, got, tc.title)
		}
		if got := b.text("#view"); !strings.Contains(got, tc.message) {
			t.Errorf("%s: page text %q lacks %q", tc.path, got, tc.message)
		}
	}
	if !eval[bool](b, `!document.getElementById('unavailable').hidden || !document.getElementById('forgot-form').hidden`) {
		t.Error("forgot-password shows neither the form nor the unavailable notice")
	}
}

// TestMobileLayout: the pages fit a phone screen (no horizontal scroll).
func TestMobileLayout(t *testing.T) {
	testenv.ChromiumPath(t) // skip (or fail in CI) before starting a server
	srv := testenv.StartOnLocalhost(t, nil)
	b := newTabSized(t, srv, 390, 844)
	for _, p := range []struct{ path, page string }{
		{"/sign-in?ui_locales=ko", "/sign-in"},
		{"/register?ui_locales=ko", "/register"},
		{"/sign-in", "/sign-in"},
		{"/register", "/register"},
		{"/unknown-session", "/unknown-session"},
	} {
		b.goTo(p.path)
		b.page(p.page)
		if w := eval[int](b, `document.documentElement.scrollWidth`); w > 390 {
			t.Errorf("%s: page is %d px wide on a 390 px screen", p.path, w)
		}
	}
}

// TestBranding: the primary colour of the settings colours the buttons.
func TestBranding(t *testing.T) {
	testenv.ChromiumPath(t) // skip (or fail in CI) before starting a server
	srv := testenv.StartOnLocalhost(t, nil)
	setSignInExp(t, srv, map[string]any{
		"color": map[string]any{"primaryColor": "#0B7A5A", "darkPrimaryColor": "#2FBF8F", "isDarkModeEnabled": false},
	})
	b := newTab(t, srv)
	b.goTo("/sign-in")
	b.page("/sign-in")
	if got := eval[string](b, `getComputedStyle(document.getElementById('submit')).backgroundColor`); got != "rgb(11, 122, 90)" {
		t.Errorf("button colour %s, want the brand colour rgb(11, 122, 90)", got)
	}
}

// TestConsent: a third-party application gets the consent page after
// sign-in; Authorize sends the browser to its redirect URI with a code.
func TestConsent(t *testing.T) {
	testenv.ChromiumPath(t) // skip (or fail in CI) before starting a server
	srv := testenv.StartOnLocalhost(t, nil)
	requireRoutes(t, srv, "GET /api/interaction/consent", "POST /api/interaction/consent")
	redirect := srv.URL + "/third-party-callback"
	app, _ := srv.CreateApp(t, application.CreateInput{
		Name: "Partner App", Type: store.AppTraditional, IsThirdParty: true, RedirectURIs: []string{redirect},
	})
	if _, err := srv.Users.Register(t.Context(), user.RegisterInput{Username: "consenting", Password: "Consent-password-42"}); err != nil {
		t.Fatal(err)
	}
	b := newTab(t, srv)
	q := url.Values{"client_id": {app.ID}, "redirect_uri": {redirect}, "response_type": {"code"},
		"scope": {"openid profile email"}, "state": {"st-1"}}
	b.goTo("/oidc/auth?" + q.Encode())
	b.page("/sign-in")
	b.signInWithPassword("consenting", "Consent-password-42")
	b.page("/consent")
	if got := b.text("#title"); !strings.Contains(got, "Partner App") {
		t.Errorf("consent title %q", got)
	}
	if got := b.text("#user-name"); got != "consenting" {
		t.Errorf("consent user %q", got)
	}
	b.click("#submit")
	b.until("redirect to the client", fmt.Sprintf(`location.href.startsWith(%q)`, redirect))
	loc, err := url.Parse(b.location())
	if err != nil || loc.Query().Get("code") == "" || loc.Query().Get("state") != "st-1" {
		t.Fatalf("redirect %s", b.location())
	}
}

// TestAuthenticationParameters: Logto's first_screen, ui_locales and
// login_hint sent by the demo app through /oidc/auth change what the
// hosted pages show.
func TestAuthenticationParameters(t *testing.T) {
	testenv.ChromiumPath(t) // skip (or fail in CI) before starting a server
	srv := testenv.StartOnLocalhost(t, nil)
	b := newTab(t, srv)
	// Watch (without changing) the settings requests: per-app branding.
	api := b.fake(map[string]handler{"GET /api/.well-known/sign-in-exp": func(call, int) *reply { return nil }})
	b.goTo("/demo-app")
	b.demo(false)
	b.click("#options summary")
	setOption := func(name, value string) {
		eval[bool](b, fmt.Sprintf(`(document.getElementById('opt-%s').value = %q, true)`, name, value))
	}
	setOption("first_screen", "register")
	setOption("ui_locales", "ko")
	b.shot("demo-options")
	b.click("#sign-in")
	b.page("/register")
	if got := b.text("#title"); got != "계정 만들기" {
		t.Errorf("first_screen=register, ui_locales=ko: title %q", got)
	}
	// The OP forwards app_id; the page asks for that app's branding.
	if calls := api.sent("GET /api/.well-known/sign-in-exp"); len(calls) == 0 || calls[len(calls)-1].query.Get("appId") != "demo-app" {
		t.Errorf("settings requested without appId=demo-app: %v", calls)
	}

	b.goTo("/demo-app")
	b.demo(false)
	setOption("first_screen", "")
	setOption("ui_locales", "en")
	setOption("login_hint", "hinted_user")
	b.click("#sign-in")
	b.page("/sign-in")
	if got := eval[string](b, `document.getElementById('identifier').value`); got != "hinted_user" {
		t.Errorf("login_hint: identifier %q", got)
	}
	if got := b.text("#title"); got != "Sign in" {
		t.Errorf("ui_locales=en: title %q", got)
	}
}

// Package browser holds end-to-end tests that drive the hosted sign-in
// experience and the demo app in a real headless Chromium (chromedp),
// against a real Gatehouse server. Every page visited is saved as a PNG
// under artifacts/<test>/ (gitignored) for people to look at.
//
// Run: GATEHOUSE_TEST_CHROMIUM=/usr/bin/chromium go test ./test/browser
package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/gatehouse/gatehouse/test/testenv"
)

// step bounds one browser action (a page load, a form submission).
const step = 20 * time.Second

// tab is one browser tab on a server, saving screenshots as it goes.
type tab struct {
	t   *testing.T
	ctx context.Context
	srv *testenv.Server
	dir string
	n   int
	// authenticator is the virtual WebAuthn authenticator, if any.
	authenticator webauthn.AuthenticatorID
}

func newTab(t *testing.T, srv *testenv.Server) *tab {
	return newTabSized(t, srv, 1280, 900)
}

func newTabSized(t *testing.T, srv *testenv.Server, width, height int) *tab {
	t.Helper()
	ctx := testenv.NewChrome(t, max(width, 800), max(height, 600))
	if width < 800 {
		// Headless windows are at least 500 px wide: emulate a phone.
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), int64(height), chromedp.EmulateScale(2), chromedp.EmulateMobile)); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join("artifacts", strings.ReplaceAll(t.Name(), "/", "_"))
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return &tab{t: t, ctx: ctx, srv: srv, dir: dir}
}

// do runs actions with a deadline; on failure it saves a screenshot and
// fails the test.
func (b *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, step)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.fail(what, err)
	}
}

func (b *tab) fail(what string, err error) {
	b.t.Helper()
	b.shot("FAILED")
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	errText, _ := chromedp.Run(ctx, chromedp.Evaluate[string](
		`(document.getElementById('error')?.textContent || '') + ' | ' + (document.getElementById('view')?.innerText || document.body.innerText || '').slice(0, 400)`))
	b.t.Fatalf("%s: %v\n  at %s\n  page: %s", what, err, b.location(), strings.Join(strings.Fields(errText), " "))
}

func (b *tab) location() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	return loc
}

// eval evaluates a JavaScript expression and decodes its value.
func eval[T any](b *tab, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, step)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.fail("evaluate "+expr, err)
	}
	return v
}

// until waits for a JavaScript condition to be true. It evaluates the
// condition again and again rather than with a page-side poll, which a
// navigation (a new document) would abort.
func (b *tab) until(what, cond string) {
	b.t.Helper()
	deadline := time.Now().Add(step)
	var lastErr error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("Boolean("+cond+")"))
		cancel()
		if err == nil && ok {
			return
		}
		lastErr = err
		if b.ctx.Err() != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if lastErr == nil {
		lastErr = fmt.Errorf("still false after %s", step)
	}
	b.fail("waiting for "+what, lastErr)
}

var slug = regexp.MustCompile(`[^a-zA-Z0-9]+`)

// shot saves the viewport as artifacts/<test>/NN-name.png.
func (b *tab) shot(name string) {
	b.t.Helper()
	b.n++
	ctx, cancel := context.WithTimeout(b.ctx, step)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	file := filepath.Join(b.dir, fmt.Sprintf("%02d-%s.png", b.n, strings.Trim(slug.ReplaceAllString(name, "-"), "-")))
	if err := os.WriteFile(file, png, 0o644); err != nil {
		b.t.Errorf("save screenshot: %v", err)
	}
}

// goTo loads a URL (relative to the server).
func (b *tab) goTo(path string) {
	b.t.Helper()
	b.do("navigate to "+path, chromedp.Navigate(b.srv.URL+path))
}

// page waits until the sign-in experience shows path (the router has
// rendered it: html[data-ready]) and screenshots it. The router clears
// data-ready in the same task as it changes the URL, so an old page can
// never pass for the new one.
func (b *tab) page(path string) {
	b.t.Helper()
	b.until("page "+path, fmt.Sprintf(
		`location.pathname === %q && document.documentElement.dataset.ready === 'true'`, path))
	b.shot(path)
}

// demo waits for the demo app to settle signed in (with claims) or out.
func (b *tab) demo(signedIn bool) {
	b.t.Helper()
	section := "signed-out"
	if signedIn {
		section = "signed-in"
	}
	b.until("demo app "+section, fmt.Sprintf(
		`location.pathname === '/demo-app' && document.documentElement.dataset.ready === 'true' && !document.getElementById(%q).hidden`, section))
	if signedIn {
		b.until("userinfo", `document.getElementById('userinfo').textContent.length > 0`)
	}
	b.shot("demo-app-" + section)
}

// claims returns the ID token claims the demo app shows.
func (b *tab) claims() map[string]any {
	b.t.Helper()
	raw := eval[string](b, `document.getElementById('claims').textContent`)
	var c map[string]any
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		b.t.Fatalf("claims %q: %v", raw, err)
	}
	return c
}

// fill replaces an input's value by typing, so input events fire.
func (b *tab) fill(id, value string) {
	b.t.Helper()
	sel := chromedp.ID(id)
	b.do("fill #"+id, chromedp.WaitVisible(sel))
	eval[bool](b, fmt.Sprintf(`(document.getElementById(%q).value = '', true)`, id))
	b.do("type into #"+id, chromedp.SendKeys(sel, value))
}

// click clicks the element matching a CSS selector.
func (b *tab) click(css string) {
	b.t.Helper()
	b.do("click "+css, chromedp.WaitVisible(chromedp.CSS(css)), chromedp.Click(chromedp.CSS(css)))
}

// text returns an element's text ("" when absent).
func (b *tab) text(css string) string {
	b.t.Helper()
	return eval[string](b, fmt.Sprintf(`document.querySelector(%q)?.textContent ?? ''`, css))
}

// errorText waits for the #error region to show and returns its text.
func (b *tab) errorText() string {
	b.t.Helper()
	b.until("error message", `!document.getElementById('error').hidden && document.getElementById('error').textContent.length > 0`)
	return b.text("#error")
}

// errorTextOrField waits for an error, in #error or beside the input
// #id, and returns it.
func (b *tab) errorTextOrField(id string) string {
	b.t.Helper()
	b.until("error message", fmt.Sprintf(`(!document.getElementById('error').hidden && document.getElementById('error').textContent.length > 0) || (document.getElementById('%s-error')?.textContent.length > 0)`, id))
	return strings.TrimSpace(b.text("#error") + " " + b.text("#"+id+"-error"))
}

// signInFromDemo opens the demo app (signed out) and clicks Sign in.
func (b *tab) signInFromDemo() {
	b.t.Helper()
	b.goTo("/demo-app")
	b.demo(false)
	b.click("#sign-in")
}

// signOut signs out of the demo app (RP-initiated logout) and waits to
// be back, signed out.
func (b *tab) signOut() {
	b.t.Helper()
	b.click("#sign-out")
	b.demo(false)
}

// registerWithPassword fills the username registration form and submits.
func (b *tab) registerWithPassword(username, password string) {
	b.t.Helper()
	b.fill("username", username)
	b.fill("password", password)
	b.fill("confirmPassword", password)
	b.shot("register-filled")
	b.click("#submit")
}

// signInWithPassword fills the sign-in form and submits.
func (b *tab) signInWithPassword(identifier, password string) {
	b.t.Helper()
	b.fill("identifier", identifier)
	b.fill("password", password)
	b.click("#submit")
}

// requireRoutes skips the test, naming the missing Experience API, when
// the server lacks one of the routes (each "METHOD /path").
func requireRoutes(t *testing.T, srv *testenv.Server, routes ...string) {
	t.Helper()
	for _, r := range routes {
		method, path, _ := strings.Cut(r, " ")
		if !srv.HasRoute(t, method, path) {
			t.Skipf("missing API: %s is not implemented yet", r)
		}
	}
}

package ui

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/web"
)

func newMux(t *testing.T, endpoint string) *http.ServeMux {
	t.Helper()
	mux := http.NewServeMux()
	New(Config{Endpoint: endpoint}).Mount(mux)
	return mux
}

func get(mux *http.ServeMux, method, target string, headers ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, nil)
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, r)
	return w
}

func TestRoutes(t *testing.T) {
	mux := newMux(t, "http://localhost:3001")
	tests := []struct {
		method, path string
		status       int
		contentType  string
		contains     string
	}{
		{"GET", "/sign-in", 200, "text/html", `id="tpl-sign-in"`},
		{"GET", "/sign-in?app_id=demo-app&ui_locales=ko", 200, "text/html", `id="identifier"`},
		{"GET", "/sign-in/", 200, "text/html", `id="identifier"`},
		{"GET", "/identifier-sign-in", 200, "text/html", `id="identifier"`},
		{"GET", "/register", 200, "text/html", `id="confirmPassword"`},
		{"GET", "/forgot-password", 200, "text/html", "Reset password"},
		{"GET", "/forgot-password/reset", 200, "text/html", `id="tpl-new-password"`},
		{"GET", "/sign-in/verification-code", 200, "text/html", `id="tpl-code"`},
		{"GET", "/register/verification-code", 200, "text/html", `id="code"`},
		{"GET", "/continue/verification-code", 200, "text/html", `id="code"`},
		{"GET", "/forgot-password/verification-code", 200, "text/html", `id="code"`},
		{"GET", "/nope/verification-code", 404, "text/html", `id="view"`},
		{"GET", "/continue/password", 200, "text/html", `id="view"`},
		{"GET", "/continue/email-or-phone", 200, "text/html", `id="view"`},
		{"GET", "/continue/avatar", 404, "text/html", `id="view"`},
		{"GET", "/mfa-binding", 200, "text/html", `id="tpl-mfa-list"`},
		{"GET", "/mfa-binding/Totp", 200, "text/html", `id="qr"`},
		{"GET", "/mfa-binding/WebAuthn", 200, "text/html", `id="view"`},
		{"GET", "/mfa-binding/BackupCode", 200, "text/html", `id="backup-codes"`},
		{"GET", "/mfa-binding/Sms", 404, "text/html", ""},
		{"GET", "/mfa-verification/Totp", 200, "text/html", `id="view"`},
		{"GET", "/mfa-verification/EmailVerificationCode", 200, "text/html", `id="view"`},
		{"GET", "/social/landing/google", 200, "text/html", `id="view"`},
		{"GET", "/social/link/github", 200, "text/html", `id="view"`},
		{"GET", "/callback/abc123", 200, "text/html", `id="view"`},
		{"GET", "/callback/social/abc123?code=x&state=y", 200, "text/html", `id="view"`},
		{"GET", "/callback/a%2Fb", 404, "text/html", ""},
		{"GET", "/direct/social/google?fallback=sign-in", 200, "text/html", `id="view"`},
		{"GET", "/consent", 200, "text/html", `id="tpl-consent"`},
		{"GET", "/unknown-session", 200, "text/html", `id="view"`},
		{"GET", "/error", 200, "text/html", `id="view"`},
		{"GET", "/signed-out", 200, "text/html", `id="view"`},
		{"GET", "/no/such/page", 404, "text/html", `id="view"`},
		{"HEAD", "/sign-in", 200, "text/html", ""},
		{"GET", "/assets/app.css", 200, "text/css", "--primary"},
		{"GET", "/assets/js/pages/sign-in.js", 200, "text/javascript", "verification/password"},
		{"GET", "/assets/js/routes.js", 200, "text/javascript", "/mfa-binding/:factor"},
		{"GET", "/assets/logo.svg", 200, "image/svg+xml", "<svg"},
		{"GET", "/favicon.ico", 200, "image/svg+xml", "<svg"},
		{"GET", "/assets/nope.js", 404, "text/html", ""},
		{"GET", "/assets/", 404, "text/html", ""},
		{"GET", "/demo-app", 200, "text/html", `id="sign-in"`},
		{"GET", "/demo-app?code=abc&state=xyz", 200, "text/html", `id="claims"`},
		{"GET", "/demo-app/", 200, "text/html", `id="userinfo"`},
		{"GET", "/demo-app/app.js", 200, "text/javascript", "code_challenge_method"},
		{"GET", "/demo-app/missing.js", 404, "text/html", ""},
		{"POST", "/sign-in", 405, "text/plain", ""},
		{"DELETE", "/demo-app", 405, "text/plain", ""},
		{"GET", "/api/unknown", 404, "application/json", `"code":"request.not_found"`},
		{"POST", "/api/unknown", 404, "application/json", `"code":"request.not_found"`},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			w := get(mux, tt.method, tt.path)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d", w.Code, tt.status)
			}
			if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, tt.contentType) {
				t.Errorf("Content-Type %q, want %q", ct, tt.contentType)
			}
			if !strings.Contains(w.Body.String(), tt.contains) {
				t.Errorf("body does not contain %q", tt.contains)
			}
			if tt.method == "HEAD" && w.Body.Len() != 0 {
				t.Error("HEAD response has a body")
			}
		})
	}
}

func TestRootRedirectsToSignIn(t *testing.T) {
	w := get(newMux(t, "http://localhost:3001"), "GET", "/?ui_locales=ko")
	if w.Code != 302 || w.Header().Get("Location") != "/sign-in?ui_locales=ko" {
		t.Fatalf("%d %q", w.Code, w.Header().Get("Location"))
	}
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	for _, endpoint := range []string{"http://localhost:3001", "https://auth.example.com"} {
		mux := newMux(t, endpoint)
		for _, p := range []string{"/sign-in", "/assets/app.css", "/demo-app", "/nope"} {
			h := get(mux, "GET", p).Header()
			csp := h.Get("Content-Security-Policy")
			if csp == "" || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("%s: CSP %q", p, csp)
			}
			if h.Get("X-Frame-Options") != "DENY" || h.Get("Referrer-Policy") != "no-referrer" || h.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("%s: headers %v", p, h)
			}
			if hsts := h.Get("Strict-Transport-Security") != ""; hsts != strings.HasPrefix(endpoint, "https") {
				t.Errorf("%s on %s: HSTS %v", p, endpoint, hsts)
			}
		}
	}
}

func TestETagRevalidation(t *testing.T) {
	mux := newMux(t, "http://localhost:3001")
	first := get(mux, "GET", "/assets/app.css")
	etag := first.Header().Get("ETag")
	if etag == "" || first.Header().Get("Cache-Control") != "no-cache" {
		t.Fatalf("ETag %q, Cache-Control %q", etag, first.Header().Get("Cache-Control"))
	}
	if w := get(mux, "GET", "/assets/app.css", "If-None-Match: "+etag); w.Code != 304 || w.Body.Len() != 0 {
		t.Fatalf("revalidation: %d", w.Code)
	}
	if w := get(mux, "GET", "/assets/app.css", `If-None-Match: "other"`); w.Code != 200 {
		t.Fatalf("changed ETag: %d", w.Code)
	}
	// The 404 page must never become a 304.
	notFound := get(mux, "GET", "/nope", "If-None-Match: "+etag)
	if notFound.Code != 404 || notFound.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("404 page: %d %q", notFound.Code, notFound.Header().Get("Cache-Control"))
	}
}

var (
	inlineScript  = regexp.MustCompile(`(?is)<script\b[^>]*>\s*[^<\s]`)
	scriptTag     = regexp.MustCompile(`(?is)<script\b([^>]*)>`)
	inlineStyle   = regexp.MustCompile(`(?i)\sstyle\s*=|<style\b`)
	inlineHandler = regexp.MustCompile(`(?i)\son[a-z]+\s*=`)
	jsURL         = regexp.MustCompile(`(?i)javascript:`)
	srcHref       = regexp.MustCompile(`(?i)(?:src|href)="(/[^"?#]*)`)
	importFrom    = regexp.MustCompile(`(?m)^\s*(?:import|export)\b[^'"]*from\s*'(\.\.?/[^']+)'`)
)

// The CSP forbids inline code; these checks keep the pages honest and make
// sure every referenced file exists.
func TestPagesAreCSPClean(t *testing.T) {
	h := New(Config{Endpoint: "http://localhost:3001"})
	resolve := func(p string) bool {
		switch {
		case strings.HasPrefix(p, "/demo-app/"):
			return h.demo[strings.TrimPrefix(p, "/demo-app/")] != nil
		case p == "/demo-app":
			return true
		case strings.HasPrefix(p, "/assets/"):
			return h.experience[strings.TrimPrefix(p, "/")] != nil
		case p == "/oidc/session/end":
			return true // the OP's end-session endpoint
		default:
			return isPage(p)
		}
	}
	for _, tree := range []struct {
		name  string
		files map[string]*asset
	}{{"experience", h.experience}, {"demo-app", h.demo}} {
		for name, a := range tree.files {
			body := string(a.body())
			if strings.HasSuffix(name, ".html") {
				for _, re := range []*regexp.Regexp{inlineScript, inlineStyle, inlineHandler, jsURL} {
					if m := re.FindString(body); m != "" {
						t.Errorf("%s/%s: inline code %q", tree.name, name, m)
					}
				}
				for _, m := range scriptTag.FindAllStringSubmatch(body, -1) {
					if !strings.Contains(m[1], `type="module"`) || !strings.Contains(m[1], "src=") {
						t.Errorf("%s/%s: script without module src: %s", tree.name, name, m[0])
					}
				}
				for _, m := range srcHref.FindAllStringSubmatch(body, -1) {
					if !resolve(m[1]) {
						t.Errorf("%s/%s: broken reference %s", tree.name, name, m[1])
					}
				}
			}
			if strings.HasSuffix(name, ".js") {
				dir := name[:strings.LastIndex(name, "/")+1]
				for _, m := range importFrom.FindAllStringSubmatch(body, -1) {
					target := path.Join(dir, m[1])
					if tree.files[target] == nil {
						t.Errorf("%s/%s imports missing %s", tree.name, name, m[1])
					}
				}
			}
		}
	}
}

// The end-to-end and browser tests drive the pages by these IDs.
func TestStableIDs(t *testing.T) {
	body, err := fs.ReadFile(web.Experience(), "index.html")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"sign-in":             {`id="identifier"`, `name="identifier"`, `id="password"`, `name="password"`, `id="submit"`, `type="submit"`},
		"register":            {`id="username"`, `name="username"`, `id="password"`, `id="confirmPassword"`, `name="confirmPassword"`, `id="submit"`},
		"code":                {`id="code"`, `autocomplete="one-time-code"`, `id="resend"`, `id="submit"`},
		"mfa-totp-binding":    {`id="qr"`, `id="secret"`, `id="code"`, `id="submit"`},
		"mfa-backup-binding":  {`id="backup-codes"`, `id="submit"`},
		"mfa-webauthn":        {`id="submit"`},
		"mfa-verify-code":     {`id="code"`, `id="submit"`},
		"mfa-verify-webauthn": {`id="submit"`},
		"new-password":        {`id="password"`, `id="confirmPassword"`, `id="submit"`},
		"forgot-password":     {`id="identifier"`, `id="submit"`},
		"consent":             {`id="submit"`, `id="cancel"`, `id="scopes"`},
	}
	for name, ids := range want {
		tpl := template(t, string(body), name)
		for _, id := range ids {
			if !strings.Contains(tpl, id) {
				t.Errorf("template %s lacks %s", name, id)
			}
		}
		if !strings.Contains(tpl, `id="title"`) {
			t.Errorf("template %s has no h1#title to focus", name)
		}
	}
	// One error live region for every page, in the shell.
	if !strings.Contains(string(body), `id="error" class="alert" role="alert"`) {
		t.Error("index.html lacks the #error live region")
	}
	demo, _ := fs.ReadFile(web.DemoApp(), "index.html")
	for _, id := range []string{`id="sign-in"`, `id="sign-out"`, `<pre id="claims"`, `<pre id="userinfo"`, `id="error"`} {
		if !strings.Contains(string(demo), id) {
			t.Errorf("demo app lacks %s", id)
		}
	}
}

func template(t *testing.T, body, name string) string {
	t.Helper()
	start := strings.Index(body, `<template id="tpl-`+name+`">`)
	if start < 0 {
		t.Fatalf("no template %s", name)
	}
	end := strings.Index(body[start:], "</template>")
	return body[start : start+end]
}

// Every label points at an input that exists in the same template
// (accessibility), and every input has a label.
func TestLabelsMatchInputs(t *testing.T) {
	body, _ := fs.ReadFile(web.Experience(), "index.html")
	labelFor := regexp.MustCompile(`<label[^>]*\sfor="([^"]+)"`)
	inputID := regexp.MustCompile(`<(?:input|select)\s+id="([^"]+)"`)
	for _, tpl := range strings.Split(string(body), "<template ")[1:] {
		name := tpl[:strings.Index(tpl, ">")]
		labels := map[string]bool{}
		for _, m := range labelFor.FindAllStringSubmatch(tpl, -1) {
			labels[m[1]] = true
			if !strings.Contains(tpl, `<input id="`+m[1]+`"`) && !strings.Contains(tpl, `<select id="`+m[1]+`"`) {
				t.Errorf("%s: label for %q has no input", name, m[1])
			}
		}
		for _, m := range inputID.FindAllStringSubmatch(tpl, -1) {
			if !labels[m[1]] {
				t.Errorf("%s: input %q has no label", name, m[1])
			}
		}
	}
}

// The Go route table and the router's (assets/js/routes.js) must agree.
func TestRoutesMatchRouter(t *testing.T) {
	js, err := fs.ReadFile(web.Experience(), "assets/js/routes.js")
	if err != nil {
		t.Fatal(err)
	}
	jsPatterns := regexp.MustCompile(`\['(/[^']*)'`).FindAllStringSubmatch(string(js), -1)
	seen := map[string]bool{}
	for _, m := range jsPatterns {
		seen[m[1]] = true
	}
	for _, r := range routes {
		if !seen[r.pattern] {
			t.Errorf("routes.js lacks %s", r.pattern)
		}
		delete(seen, r.pattern)
		for name, values := range r.allowed {
			for _, v := range values {
				if !strings.Contains(string(js), "'"+v+"'") {
					t.Errorf("routes.js: %s lacks %s=%s", r.pattern, name, v)
				}
			}
		}
	}
	for p := range seen {
		t.Errorf("routes.js has %s, the Go table does not", p)
	}
}

package ui

import (
	"fmt"
	"io/fs"
	"net/http"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/httpapi"
	"github.com/gatehouse/gatehouse/web"
)

// Config configures the UI handler.
type Config struct {
	// Endpoint is the public base URL; an https endpoint turns on HSTS.
	Endpoint string
}

// routes are the sign-in experience's page paths, Logto's names
// (packages/experience App.tsx) and its first_screen variants, so the OP
// and custom links can use the paths they would use with Logto. Each gets
// the page shell (index.html), whose router (assets/js/routes.js, the
// same list) renders the page. ":name" matches one path segment; a
// segment constraint lists the values allowed.
var routes = []route{
	{"/sign-in", nil},
	{"/sign-in/password", nil},
	{"/sign-in/verification-methods", nil},
	{"/identifier-sign-in", nil},
	{"/register", nil},
	{"/register/password", nil},
	{"/identifier-register", nil},
	{"/:flow/verification-code", map[string][]string{"flow": {"sign-in", "register", "forgot-password", "continue"}}},
	{"/forgot-password", nil},
	{"/reset-password", nil},
	{"/forgot-password/reset", nil},
	{"/continue/:method", map[string][]string{"method": {"password", "username", "email", "phone", "email-or-phone"}}},
	{"/mfa-binding", nil},
	{"/mfa-binding/:factor", map[string][]string{"factor": {"Totp", "WebAuthn", "BackupCode"}}},
	{"/mfa-verification", nil},
	{"/mfa-verification/:factor", map[string][]string{"factor": {"Totp", "WebAuthn", "BackupCode", "EmailVerificationCode", "PhoneVerificationCode"}}},
	{"/social/landing/:connectorId", nil},
	{"/social/link/:connectorId", nil},
	{"/callback/:connectorId", nil},
	{"/callback/social/:connectorId", nil},
	{"/direct/:method/:target", nil},
	{"/consent", nil},
	{"/unknown-session", nil},
	{"/error", nil},
	{"/signed-out", nil},
}

type route struct {
	pattern string
	allowed map[string][]string
}

// isPage reports whether p is a page of the sign-in experience.
func isPage(p string) bool {
	parts := strings.Split(strings.TrimRight(p, "/"), "/")
	for _, r := range routes {
		if r.match(parts) {
			return true
		}
	}
	return false
}

func (r route) match(parts []string) bool {
	want := strings.Split(r.pattern, "/")
	if len(want) != len(parts) {
		return false
	}
	for i, w := range want {
		name, isParam := strings.CutPrefix(w, ":")
		switch {
		case !isParam:
			if w != parts[i] {
				return false
			}
		case !validParam(parts[i]):
			return false
		case r.allowed[name] != nil && !slices.Contains(r.allowed[name], parts[i]):
			return false
		}
	}
	return true
}

// validParam mirrors routes.js: 1–128 word characters, dots and dashes.
func validParam(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for _, c := range s {
		if !(c == '_' || c == '.' || c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// Handler serves the embedded front ends.
type Handler struct {
	experience map[string]*asset
	demo       map[string]*asset
	headers    func(http.Handler) http.Handler
}

// New loads the embedded files. It panics if they cannot be read, which
// only a broken build can cause.
func New(cfg Config) *Handler {
	h, err := newHandler(cfg, web.Experience(), web.DemoApp())
	if err != nil {
		panic(err)
	}
	return h
}

func newHandler(cfg Config, experience, demo fs.FS) (*Handler, error) {
	h := &Handler{headers: httpapi.SecurityHeaders(strings.HasPrefix(strings.ToLower(cfg.Endpoint), "https://"))}
	var err error
	if h.experience, err = load(experience); err != nil {
		return nil, fmt.Errorf("ui: load sign-in experience: %w", err)
	}
	if h.demo, err = load(demo); err != nil {
		return nil, fmt.Errorf("ui: load demo app: %w", err)
	}
	if h.experience["index.html"] == nil {
		return nil, fmt.Errorf("ui: sign-in experience index.html is missing")
	}
	if h.demo["index.html"] == nil {
		return nil, fmt.Errorf("ui: demo app index.html is missing")
	}
	return h, nil
}

// Mount registers "/" (the fallback) and the demo app's paths.
func (h *Handler) Mount(mux *http.ServeMux) {
	mux.Handle("/", h.headers(http.HandlerFunc(h.serveExperience)))
	mux.Handle("/demo-app", h.headers(http.HandlerFunc(h.serveDemo)))
	mux.Handle("/demo-app/", h.headers(http.HandlerFunc(h.serveDemo)))
}

func (h *Handler) serveExperience(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if strings.HasPrefix(p, "/api/") || p == "/api" {
		// An API client should get JSON, not a web page.
		httpapi.WriteError(w, r, nil, httpapi.ErrNotFound, nil)
		return
	}
	if !allowMethod(w, r) {
		return
	}
	switch {
	case p == "/":
		// Logto's experience sends its index to the sign-in page.
		target := "/sign-in"
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, target, http.StatusFound)
		return
	case p == "/favicon.ico":
		h.experience["assets/favicon.svg"].serve(w, r)
		return
	case strings.HasPrefix(p, "/assets/"):
		if a := h.lookup(h.experience, strings.TrimPrefix(p, "/")); a != nil {
			a.serve(w, r)
			return
		}
	case isPage(p):
		h.experience["index.html"].serve(w, r)
		return
	}
	h.notFound(w, r)
}

func (h *Handler) serveDemo(w http.ResponseWriter, r *http.Request) {
	if !allowMethod(w, r) {
		return
	}
	name := strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, "/demo-app"), "/")
	if name == "" || name == "index.html" {
		// /demo-app is also the redirect URI, so it is the page itself,
		// query string and all.
		h.demo["index.html"].serve(w, r)
		return
	}
	if a := h.lookup(h.demo, name); a != nil {
		a.serve(w, r)
		return
	}
	h.notFound(w, r)
}

func (h *Handler) lookup(files map[string]*asset, name string) *asset {
	if !isAssetPath(name) {
		return nil
	}
	return files[name]
}

// notFound answers 404 with the page shell, whose router shows the "page
// not found" message for a path it does not know.
func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.experience["index.html"].serveStatus(w, r, http.StatusNotFound)
}

func allowMethod(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	return false
}

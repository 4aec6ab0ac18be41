package ui

import (
	"fmt"
	"io/fs"
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse/internal/httpapi"
	"github.com/gatehouse/gatehouse/web"
)

// Config configures the UI handler.
type Config struct {
	// Endpoint is the public base URL; an https endpoint turns on HSTS.
	Endpoint string
}

// pages maps sign-in experience routes to their page. Logto's route names
// are kept (and its first_screen variants), so the OP and custom links can
// use the paths they would use with Logto.
var pages = map[string]string{
	"/sign-in":             "sign-in.html",
	"/sign-in/password":    "sign-in.html",
	"/identifier-sign-in":  "sign-in.html",
	"/register":            "register.html",
	"/register/password":   "register.html",
	"/identifier-register": "register.html",
	"/forgot-password":     "forgot-password.html",
	"/reset-password":      "forgot-password.html",
	"/unknown-session":     "unknown-session.html",
	"/error":               "error.html",
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
	for _, p := range pages {
		if h.experience[p] == nil {
			return nil, fmt.Errorf("ui: page %s is missing", p)
		}
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
	default:
		if page, ok := pages[strings.TrimSuffix(p, "/")]; ok {
			h.experience[page].serve(w, r)
			return
		}
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

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.experience["error.html"].serveStatus(w, r, http.StatusNotFound)
}

func allowMethod(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	return false
}

package management

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/connector/social"
	"github.com/gatehouse/gatehouse/internal/httpapi"
	"github.com/gatehouse/gatehouse/internal/signinexp"
)

// Config holds the handler's dependencies. A nil service leaves its routes
// out.
type Config struct {
	Auth      *Authorizer
	SignInExp *signinexp.Service
	// Social manages social connectors (/api/connectors, connectors.go).
	Social *social.Service
	Logger *slog.Logger
	Now    func() time.Time
}

// Handler serves the Management API.
type Handler struct {
	auth      *Authorizer
	signInExp *signinexp.Service
	social    *social.Service
	log       *slog.Logger
	now       func() time.Time
}

// New returns a Handler.
func New(cfg Config) *Handler {
	h := &Handler{auth: cfg.Auth, signInExp: cfg.SignInExp, social: cfg.Social, log: cfg.Logger, now: cfg.Now}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	return h
}

// Mount registers every Management API route on mux, and a catch-all that
// answers unknown /api/ paths with JSON (after authorization, so probing
// without a token learns nothing).
func (h *Handler) Mount(mux *http.ServeMux) {
	if h.signInExp != nil {
		h.mountSignInExp(mux)
	}
	if h.social != nil {
		h.mountConnectors(mux)
	}
	h.route(mux, "/api/", func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, httpapi.ErrNotFound)
	})
}

// route registers one authorized route. Every Management API route goes
// through it.
func (h *Handler) route(mux *http.ServeMux, pattern string, fn http.HandlerFunc) {
	mux.Handle(pattern, httpapi.RequestID(httpapi.Recover(h.log, h.auth.Require(statusOf, fn))))
}

// fail writes err with Management API statuses.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	httpapi.WriteError(w, r, h.log, err, statusOf)
}

// statusOf gives the status of a domain error code: Logto answers 400 for
// validation errors (guard.*, sign_in_experiences.*), 404 for missing
// entities, 422 for conflicts of state.
func statusOf(code string) int {
	switch {
	case strings.HasPrefix(code, "entity.not_exists"), code == "entity.not_found":
		return http.StatusNotFound
	case strings.HasSuffix(code, "_already_in_use"):
		return http.StatusUnprocessableEntity
	}
	return http.StatusBadRequest
}

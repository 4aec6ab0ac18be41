package experience

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/cookie"
	"github.com/gatehouse/gatehouse/internal/httpapi"
	"github.com/gatehouse/gatehouse/internal/interaction"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/user"
)

// Config holds the handler's dependencies.
type Config struct {
	Store   store.Store
	Users   *user.Service
	Cookies *cookie.Codec
	// Issuer is the OP's issuer (${endpoint}/oidc); submit answers
	// ${Issuer}/auth/<interaction ID>.
	Issuer string
	// Endpoint is the public base URL; only requests from its origin are
	// served.
	Endpoint string
	Logger   *slog.Logger
	Now      func() time.Time

	// Settings returns the sign-in experience settings in force; nil means
	// interaction.DefaultSettings.
	Settings func(ctx context.Context) (*interaction.Settings, error)
	// Limiter throttles password verification; nil means no limit.
	Limiter Limiter
	// InteractionTTL is how long an interaction lives after its last
	// change; zero means one hour.
	InteractionTTL time.Duration
	// Authenticators enables MFA and social sign-in (see mfa.go); the zero
	// value disables both.
	Authenticators interaction.Authenticators
	// Codes enables e-mail and SMS verification codes, and with them code
	// sign-in, password reset and profile fulfilment (verification_code.go);
	// the zero value disables them.
	Codes interaction.Codes
	// SendLimiter throttles code sending; nil means no limit.
	SendLimiter SendLimiter
	// PublicSettings, when set, answers GET /api/.well-known/sign-in-exp
	// with the full stored document; nil builds it from Settings.
	PublicSettings func(ctx context.Context, appID string) (any, error)
}

// Handler serves the Experience API.
type Handler struct {
	store    store.Interactions
	engine   *interaction.Engine
	cookies  *cookie.Codec
	issuer   string
	origin   string
	log      *slog.Logger
	now      func() time.Time
	settings func(ctx context.Context) (*interaction.Settings, error)
	limiter  Limiter
	ttl      time.Duration
	// sendLimiter and public: see Config.SendLimiter, Config.PublicSettings.
	sendLimiter SendLimiter
	public      func(ctx context.Context, appID string) (any, error)
}

// New returns a Handler. It panics on an invalid Endpoint: that is a
// start-up configuration error, validated earlier by the config package.
func New(cfg Config) *Handler {
	origin, err := httpapi.Origin(cfg.Endpoint)
	if err != nil {
		panic(fmt.Sprintf("experience: %v", err))
	}
	h := &Handler{
		store:    cfg.Store,
		cookies:  cfg.Cookies,
		issuer:   strings.TrimRight(cfg.Issuer, "/"),
		origin:   origin,
		log:      cfg.Logger,
		now:      cfg.Now,
		settings: cfg.Settings,
		limiter:  cfg.Limiter,
		ttl:      cfg.InteractionTTL,

		sendLimiter: cfg.SendLimiter,
		public:      cfg.PublicSettings,
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.settings == nil {
		h.settings = func(context.Context) (*interaction.Settings, error) { return interaction.DefaultSettings(), nil }
	}
	if h.ttl <= 0 {
		h.ttl = time.Hour
	}
	h.engine = interaction.New(interaction.Config{
		Users: cfg.Users, Settings: h.settings, Logger: h.log, Now: h.now,
		Authenticators: cfg.Authenticators,
		Codes:          cfg.Codes,
	})
	return h
}

// Mount registers the routes on mux.
func (h *Handler) Mount(mux *http.ServeMux) {
	api := func(pattern string, fn http.HandlerFunc) {
		mux.Handle(pattern, h.wrap(h.sameOrigin(fn)))
	}
	api("PUT /api/experience", h.handleStart)
	api("PUT /api/experience/interaction-event", h.handleSetEvent)
	api("GET /api/experience/interaction", h.handleGetInteraction)
	api("POST /api/experience/verification/password", h.handleVerifyPassword)
	api("POST /api/experience/verification/new-password-identity", h.handleNewPasswordIdentity)
	api("POST /api/experience/identification", h.handleIdentification)
	api("POST /api/experience/profile", h.handleProfile)
	api("POST /api/experience/submit", h.handleSubmit)
	// Logto routes not implemented yet answer JSON, not the sign-in UI's
	// HTML fallback, so API clients get a readable error.
	h.mountAuthenticators(api)
	h.mountCodes(api)
	api("/api/experience/", h.handleUnknown)

	mux.Handle("GET /api/.well-known/sign-in-exp", h.wrap(http.HandlerFunc(h.handleSignInExp)))
}

func (h *Handler) wrap(next http.Handler) http.Handler {
	return httpapi.RequestID(httpapi.Recover(h.log, next))
}

// sameOrigin refuses requests from other sites: the interaction cookie is
// SameSite=Lax, which still lets a sibling subdomain (same site, other
// origin) send it, so the origin itself is checked.
func (h *Handler) sameOrigin(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !httpapi.SameOrigin(r, h.origin) {
			h.fail(w, r, httpapi.ErrCrossOrigin)
			return
		}
		next(w, r)
	}
}

func (h *Handler) handleUnknown(w http.ResponseWriter, r *http.Request) {
	h.fail(w, r, httpapi.ErrNotFound)
}

// fail writes err with Experience API statuses.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	httpapi.WriteError(w, r, h.log, err, statusOf)
}

// errSessionNotFound is oidc-provider's SessionNotFound as Logto reports
// it: no interaction cookie, a forged one, or an expired interaction.
var errSessionNotFound = &httpapi.Error{Status: http.StatusBadRequest, Code: "session.not_found",
	Message: "Session not found. Please go back to the application and sign in again."}

// load returns the interaction named by the request's cookie.
func (h *Handler) load(r *http.Request) (*store.Interaction, error) {
	id := h.cookies.Get(r, cookie.Interaction)
	if id == "" {
		return nil, errSessionNotFound
	}
	rec, err := h.store.GetInteraction(r.Context(), id, h.now())
	if errors.Is(err, store.ErrNotFound) {
		return nil, errSessionNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load interaction: %w", err)
	}
	return rec, nil
}

// step loads the interaction, runs fn on it and, when fn succeeds (or
// fails in a way that keeps progress, see interaction.KeepsProgress),
// writes it back. fn may be slow (argon2); it runs outside the store
// transaction, and ApplyTo detects a concurrent change instead.
func (h *Handler) step(r *http.Request, fn func(ctx context.Context, f *interaction.Flow) error) (*interaction.Flow, error) {
	rec, err := h.load(r)
	if err != nil {
		return nil, err
	}
	f, err := interaction.Load(rec)
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	stepErr := fn(ctx, f)
	if stepErr != nil && !interaction.KeepsProgress(stepErr) {
		return nil, stepErr
	}
	now := h.now()
	_, err = h.store.UpdateInteraction(ctx, rec.ID, now, func(cur *store.Interaction) error {
		if err := f.ApplyTo(cur); err != nil {
			return err
		}
		h.extend(cur, now)
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, errSessionNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("save interaction: %w", err)
	}
	if stepErr != nil {
		return nil, stepErr
	}
	return f, nil
}

// extendSlack is how far an interaction's expiry may lag behind now+ttl
// before a step moves it: moving it rewrites the expiry index too, which
// steps a few seconds apart need not do every time.
const extendSlack = time.Minute

// extend makes an interaction expire ttl after its last change (within
// extendSlack), not ttl after it began.
func (h *Handler) extend(cur *store.Interaction, now time.Time) {
	if exp := now.Add(h.ttl); cur.ExpiresAt.Before(exp.Add(-extendSlack)) {
		cur.ExpiresAt = exp
	}
}

// errNotReadOnly is stepInTx's way out when fn turns out to need writes of
// its own: the transaction rolls back and the caller uses step.
var errNotReadOnly = errors.New("experience: step needs its own writes")

// stepInTx is step for a fast fn that reads at most (no hashing, no
// network, no store writes: on SQLite a write from inside the interaction's
// transaction would wait for that transaction forever). The interaction is
// read, changed and written in one store transaction, which saves step's
// separate read. readOnly is asked after the flow is loaded; when it says
// no, nothing is written and step runs fn instead.
func (h *Handler) stepInTx(r *http.Request, readOnly func(f *interaction.Flow) bool, fn func(ctx context.Context, f *interaction.Flow) error) (*interaction.Flow, error) {
	id := h.cookies.Get(r, cookie.Interaction)
	if id == "" {
		return nil, errSessionNotFound
	}
	ctx := r.Context()
	now := h.now()
	var f *interaction.Flow
	var stepErr error
	_, err := h.store.UpdateInteraction(ctx, id, now, func(cur *store.Interaction) error {
		var err error
		if f, err = interaction.Load(cur); err != nil {
			return err
		}
		if !readOnly(f) {
			return errNotReadOnly
		}
		if stepErr = fn(ctx, f); stepErr != nil && !interaction.KeepsProgress(stepErr) {
			return stepErr
		}
		if err := f.ApplyTo(cur); err != nil {
			return err
		}
		h.extend(cur, now)
		return nil
	})
	switch {
	case errors.Is(err, errNotReadOnly):
		return h.step(r, fn)
	case errors.Is(err, store.ErrNotFound):
		return nil, errSessionNotFound
	case stepErr != nil && errors.Is(err, stepErr):
		return nil, stepErr
	case err != nil && f == nil:
		return nil, err // the stored state is not ours (ErrInteractionNotFound)
	case err != nil:
		return nil, fmt.Errorf("save interaction: %w", err)
	case stepErr != nil:
		return nil, stepErr
	}
	return f, nil
}

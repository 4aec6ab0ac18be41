package oidc

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/gatehouse/gatehouse/internal/application"
	"github.com/gatehouse/gatehouse/internal/consent"
	"github.com/gatehouse/gatehouse/internal/cookie"
	"github.com/gatehouse/gatehouse/internal/httpapi"
	"github.com/gatehouse/gatehouse/internal/oauth"
	"github.com/gatehouse/gatehouse/internal/oidc/grant"
	"github.com/gatehouse/gatehouse/internal/signing"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/cache"
	"github.com/gatehouse/gatehouse/internal/token"
)

// Config is what the OP needs. Issuer is ${Endpoint}/oidc.
type Config struct {
	// Issuer is the OP's issuer identifier, e.g. http://localhost:3001/oidc.
	Issuer string
	// Endpoint is the public base URL, e.g. http://localhost:3001; the
	// hosted sign-in pages live under it.
	Endpoint string
	Store    store.Store
	Keys     *signing.Manager
	// Apps authenticates clients when the cache is disabled; with the
	// cache on, the OP uses its own Service over the cached reads.
	Apps    *application.Service
	Cookies *cookie.Codec
	Logger  *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// SessionTTL is the browser session's lifetime; zero means 14 days.
	SessionTTL time.Duration
	// CacheTTL is how long clients, their secrets, API resources and M2M
	// scopes are cached per node; zero means cache.DefaultTTL, negative
	// disables the cache. A Store that is already a *cache.Store (the
	// server's, shared with the services that write) is used as is.
	CacheTTL time.Duration
	// HTTPClient sends back-channel logout tokens; nil means a client with
	// a short timeout.
	HTTPClient *http.Client
}

// Lifetimes of the browser-side records (spec/oidc.md).
const (
	InteractionTTL    = time.Hour
	DefaultSessionTTL = 14 * 24 * time.Hour
)

// Handler serves the OP's routes.
type Handler struct {
	issuer    string
	endpoint  string
	store     store.Store
	keys      *signing.Manager
	apps      *application.Service
	cookies   *cookie.Codec
	log       *slog.Logger
	now       func() time.Time
	ttl       time.Duration
	minter    *token.Minter
	grants    map[string]grant.Grant
	discovery []byte
	// introspectionURL is the introspection endpoint, an audience of
	// client assertions there (built once, not per request).
	introspectionURL string
	consent          *consent.Service
	logout           *backchannel
	// corsOrigins caches the union of every app's allowed origins, for
	// preflights, which name no client.
	corsOrigins originSet
}

// New builds the handler. cfg.Keys must be loaded (EnsureKeys or Reload).
func New(cfg Config) *Handler {
	h := &Handler{
		issuer: cfg.Issuer, endpoint: cfg.Endpoint, store: cfg.Store, keys: cfg.Keys, apps: cfg.Apps,
		cookies: cfg.Cookies, log: cfg.Logger, now: cfg.Now, ttl: cfg.SessionTTL,
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.ttl <= 0 {
		h.ttl = DefaultSessionTTL
	}
	if _, cached := cfg.Store.(*cache.Store); !cached && cfg.CacheTTL >= 0 {
		h.store = cache.New(cfg.Store, cfg.CacheTTL, h.now)
	}
	// Client authentication reads secrets through the OP's store (and so
	// its cache); the sealing key comes from the configured service.
	svc := &application.Service{Store: h.store, Now: h.now}
	if cfg.Apps != nil {
		svc.SecretKey = cfg.Apps.SecretKey
	}
	h.apps = svc
	h.consent = &consent.Service{Store: h.store, Now: h.now}
	h.logout = newBackchannel(cfg.HTTPClient, h.log)
	h.corsOrigins.ttl = corsOriginsTTL
	h.minter = &token.Minter{Issuer: cfg.Issuer, Signer: cfg.Keys}
	h.grants = grant.Default(grant.Deps{Store: h.store, Minter: h.minter, Now: h.now, Logger: h.log})
	h.discovery = h.buildDiscovery()
	h.introspectionURL = cfg.Issuer + "/token/introspection"
	return h
}

// Mount registers the OP's routes on mux (Go 1.22 patterns).
func (h *Handler) Mount(mux *http.ServeMux) {
	mux.Handle("GET /oidc/.well-known/openid-configuration", h.wrap(h.handleDiscovery))
	mux.Handle("GET /oidc/.well-known/oauth-authorization-server", h.wrap(h.handleDiscovery))
	mux.Handle("GET /.well-known/openid-configuration", h.wrap(h.handleDiscovery))
	mux.Handle("GET /oidc/jwks", h.wrap(h.handleJWKS))
	mux.Handle("GET /oidc/auth", h.wrap(h.handleAuthorize))
	mux.Handle("POST /oidc/auth", h.wrap(h.handleAuthorize))
	mux.Handle("GET /oidc/auth/{uid}", h.wrap(h.handleResume))
	mux.Handle("OPTIONS /oidc/token", h.wrap(h.handlePreflight("POST")))
	mux.Handle("/oidc/token", h.wrap(h.handleToken))
	mux.Handle("OPTIONS /oidc/token/introspection", h.wrap(h.handlePreflight("POST")))
	mux.Handle("POST /oidc/token/introspection", h.wrap(h.handleIntrospect))
	mux.Handle("OPTIONS /oidc/token/revocation", h.wrap(h.handlePreflight("POST")))
	mux.Handle("POST /oidc/token/revocation", h.wrap(h.handleRevoke))
	mux.Handle("GET /oidc/me", h.wrap(h.handleUserinfo))
	mux.Handle("OPTIONS /oidc/me", h.wrap(h.handlePreflight("GET, POST")))
	mux.Handle("POST /oidc/me", h.wrap(h.handleUserinfo))
	mux.Handle("GET /oidc/session/end", h.wrap(h.handleEndSession))
	mux.Handle("POST /oidc/session/end", h.wrap(h.handleEndSession))
	mux.Handle("POST /oidc/session/end/confirm", h.wrap(h.handleEndSessionConfirm))
	mux.Handle("GET /oidc/session/end/success", h.wrap(h.handleEndSessionSuccess))
	mux.Handle("/oidc/", h.wrap(h.handleNotFound))
	// Logto's consent API, used by the hosted /consent page (seed 001).
	mux.Handle("GET /api/interaction/consent", h.wrap(h.handleGetConsent))
	mux.Handle("POST /api/interaction/consent", h.wrap(h.handlePostConsent))
}

// wrap turns a panic into a logged server_error: no input may crash the
// process or leak a stack trace.
func (h *Handler) wrap(fn http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				args := []any{"path", r.URL.Path, "panic", v}
				if httpapi.RequestIDFrom(r.Context()) == "" {
					// Routes served from memory carry the ID only in the
					// response header (httpapi.TagRequest).
					if rid := w.Header().Get(httpapi.RequestIDHeader); rid != "" {
						args = append(args, "request_id", rid)
					}
				}
				h.log.ErrorContext(r.Context(), "oidc handler panic", args...)
				oauth.WriteJSON(w, oauth.ServerError(nil))
			}
		}()
		fn(w, r)
	})
}

// handleNotFound answers unknown /oidc routes as Logto does.
func (h *Handler) handleNotFound(w http.ResponseWriter, r *http.Request) {
	oauth.WriteJSON(w, oauth.NotFound())
}

// toOAuth maps any error to the protocol error the client sees, logging
// what the client must not see.
func (h *Handler) toOAuth(ctx context.Context, err error) *oauth.Error {
	var oe *oauth.Error
	switch {
	case errors.As(err, &oe):
		if oe.Status >= 500 {
			h.log.ErrorContext(ctx, "oidc server error", "err", oe.Cause)
		}
		return oe
	case errors.Is(err, store.ErrUnavailable), errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		h.log.WarnContext(ctx, "store unavailable", "err", err)
		return oauth.TemporarilyUnavailable(err)
	}
	h.log.ErrorContext(ctx, "oidc server error", "err", err)
	return oauth.ServerError(err)
}

// writeError writes err as an RFC 6749 JSON error.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	oauth.WriteJSON(w, h.toOAuth(r.Context(), err))
}

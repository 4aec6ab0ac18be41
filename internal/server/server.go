// Package server wires Gatehouse together: it opens the store, builds the
// domain services, mounts every HTTP handler and runs the listener with a
// graceful shutdown. It is the only package that knows every other one;
// nothing imports it but cmd/gatehouse and the end-to-end tests.
package server

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/application"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/connector/social"
	"github.com/gatehouse/gatehouse/internal/cookie"
	"github.com/gatehouse/gatehouse/internal/experience"
	"github.com/gatehouse/gatehouse/internal/httpapi"
	"github.com/gatehouse/gatehouse/internal/interaction"
	"github.com/gatehouse/gatehouse/internal/oidc"
	"github.com/gatehouse/gatehouse/internal/password"
	"github.com/gatehouse/gatehouse/internal/signinexp"
	"github.com/gatehouse/gatehouse/internal/signing"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/cache"
	"github.com/gatehouse/gatehouse/internal/store/postgres"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
	"github.com/gatehouse/gatehouse/internal/telemetry"
	"github.com/gatehouse/gatehouse/internal/ui"
	"github.com/gatehouse/gatehouse/internal/user"
)

// Server is one Gatehouse node.
type Server struct {
	Config *config.Config
	Store  store.Store
	Keys   *signing.Manager
	Apps   *application.Service
	Users  *user.Service
	Logger *slog.Logger
	// Metrics is served at /metrics.
	Metrics *telemetry.Metrics
	// Social manages social connectors (CLI, Management API, tests).
	Social *social.Service

	handler http.Handler
	// op is the OpenID Provider; Serve runs its back-channel logout worker.
	op  *oidc.Handler
	now func() time.Time
	// auth holds MFA and social sign-in dependencies (authenticators.go).
	auth interaction.Authenticators
	// SignInExp is the sign-in experience settings service (signin.go).
	SignInExp *signinexp.Service
	// signIn holds codes, connectors and rate limits (signin.go).
	signIn signIn
}

// OpenStore opens the database named by cfg.DatabaseURL and applies
// migrations.
func OpenStore(ctx context.Context, cfg *config.Config) (store.Store, error) {
	if p, ok := cfg.SQLitePath(); ok {
		return sqlite.Open(ctx, p)
	}
	return postgres.Open(ctx, cfg.DatabaseURL)
}

// Open opens the configured store and builds the server on it.
func Open(ctx context.Context, cfg *config.Config, logger *slog.Logger) (*Server, error) {
	if err := cfg.EnsureSecretKey(); err != nil {
		return nil, err
	}
	st, err := OpenStore(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	s, err := OpenWithStore(ctx, cfg, logger, st)
	if err != nil {
		st.Close()
		return nil, err
	}
	return s, nil
}

// OpenWithStore builds the server on an open store (tests pass isolated
// PostgreSQL schemas this way). The server takes ownership of st.
func OpenWithStore(ctx context.Context, cfg *config.Config, logger *slog.Logger, st store.Store) (*Server, error) {
	if err := cfg.EnsureSecretKey(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	// Every line logged with a request's context carries its request_id.
	logger = slog.New(httpapi.LogHandler(logger.Handler()))
	now := time.Now
	keys, err := signing.NewManager(st, deriveKey(cfg.SecretKey, "signing-keys"), now)
	if err != nil {
		return nil, err
	}
	if err := keys.EnsureKeys(ctx); err != nil {
		return nil, fmt.Errorf("signing keys: %w", err)
	}
	s := &Server{
		Config: cfg,
		Store:  st,
		Keys:   keys,
		Apps:   &application.Service{Store: st, Now: now},
		Users:  &user.Service{Store: st, Now: now},
		Logger: logger,
		now:    now,
	}
	s.Metrics = telemetry.New(logger)
	if err := s.Metrics.RegisterHashing(password.HashStats); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	if ps, ok := st.(interface{ PoolStats() map[string]sql.DBStats }); ok {
		if err := s.Metrics.RegisterPools(ps.PoolStats); err != nil {
			return nil, fmt.Errorf("metrics: %w", err)
		}
	}
	// One node-local read cache in front of the store: the OP's hot reads
	// come from it, and this node's services write through it, so their
	// writes are seen here at once (internal/store/cache); on PostgreSQL
	// the other nodes' writes are too, within milliseconds (cachebus.go).
	cached := cache.New(st, 0, now)
	if err := connectCacheBus(cached, cfg, logger); err != nil {
		return nil, err
	}
	// A start-up that fails below must not leave the listener running.
	defer func() {
		if s.handler == nil {
			_ = cached.Disconnect()
		}
	}()
	s.Store = cached
	s.Apps.Store = s.Store
	s.Users.Store = s.Store
	// Sealed secret copies let client_secret_jwt verify HMAC assertions.
	s.Apps.SecretKey = deriveKey(cfg.SecretKey, "client-secrets")
	if err := s.seed(ctx); err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	if err := s.initAuthenticators(); err != nil {
		return nil, err
	}
	if err := s.initSignIn(); err != nil {
		return nil, err
	}
	s.handler = s.routes()
	return s, nil
}

// deriveKey gives each use of the secret key its own key, so a leak of one
// derived key (say, in a cookie oracle) tells nothing about the others.
func deriveKey(secret []byte, purpose string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("gatehouse/" + purpose))
	return m.Sum(nil)
}

func (s *Server) routes() http.Handler {
	cfg := s.Config
	cookies := cookie.NewCodec(deriveKey(cfg.SecretKey, "cookies"), strings.HasPrefix(cfg.Endpoint, "https://"))
	mux := http.NewServeMux()
	s.op = oidc.New(oidc.Config{
		Issuer:     cfg.Issuer(),
		Endpoint:   cfg.Endpoint,
		Store:      s.Store,
		Keys:       s.Keys,
		Apps:       s.Apps,
		Cookies:    cookies,
		Logger:     s.Logger,
		Now:        s.now,
		SessionTTL: cfg.SessionTTL,
	})
	s.op.Mount(mux)
	experience.New(experience.Config{
		Store:    s.Store,
		Users:    s.Users,
		Cookies:  cookies,
		Issuer:   cfg.Issuer(),
		Endpoint: cfg.Endpoint,
		Logger:   s.Logger,
		Now:      s.now,

		Authenticators: s.auth,

		Settings:       s.signIn.settings.Interaction,
		PublicSettings: s.publicSignInExp,
		Limiter:        s.signIn.limiter,
		SendLimiter:    s.signIn.limiter,
		Codes:          s.signIn.codes,
	}).Mount(mux)
	s.mountManagement(mux)
	ui.New(ui.Config{Endpoint: cfg.Endpoint}).Mount(mux)
	s.mountStatus(mux)
	mux.Handle("GET /metrics", s.Metrics.ProtectedHandler(cfg.MetricsToken))
	// Recover, request IDs, the request deadline and the metrics in one
	// handler (front.go). Metrics wrap the mux directly: they read the
	// route pattern it sets.
	return &front{log: s.Logger, metrics: s.Metrics, mux: mux}
}

// Handler is the whole HTTP surface.
func (s *Server) Handler() http.Handler { return s.handler }

// Serve serves on ln until ctx ends, then shuts down gracefully: it stops
// accepting, lets in-flight requests finish (bounded) and returns.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	// Timeouts, set so that a request pays only for those it needs:
	//   - ReadHeaderTimeout and IdleTimeout: slowloris and idle
	//     connections (net/http sets these read deadlines anyway);
	//   - no ReadTimeout: request bodies get a read deadline from the front
	//     handler (front.go), only when there is a body;
	//   - no WriteTimeout: every connection keeps a rolling write deadline
	//     instead (conn.go), re-armed every few seconds, not twice per
	//     request;
	//   - handlers' own work is bounded by the request context's deadline
	//     (requestTimeout), which WriteTimeout never did.
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.Logger.Handler(), slog.LevelWarn),
	}
	bg, stopBackground := context.WithCancel(context.Background())
	defer stopBackground()
	go s.sweep(bg)
	bcDone := make(chan struct{})
	go func() { defer close(bcDone); s.op.RunBackchannel(bg) }()
	// Back-channel deliveries in flight end (bounded by their timeouts)
	// before Serve returns and the store may be closed.
	defer func() { stopBackground(); <-bcDone }()
	go s.Keys.Watch(bg, 10*time.Second, func(err error) {
		s.Logger.Warn("reload signing keys", "err", err)
	})

	errc := make(chan error, 1)
	clock := newCoarseClock()
	go clock.run(bg.Done())
	go func() { errc <- srv.Serve(deadlineListener{Listener: ln, clock: clock}) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// sweep deletes expired interactions, sessions, codes and tokens in small
// batches so the tables stay small without long locks.
func (s *Server) sweep(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for {
			n, err := s.Store.DeleteExpired(ctx, s.now(), 500)
			if err != nil {
				if ctx.Err() == nil {
					s.Logger.Warn("sweep expired rows", "err", err)
				}
				break
			}
			if n < 500 {
				break
			}
		}
	}
}

// Close releases the store.
func (s *Server) Close() error { return s.Store.Close() }

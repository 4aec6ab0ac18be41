package oidc

import (
	"context"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// Client-based CORS (spec/oidc.md "CORS", Logto's clientBasedCORS): a
// browser may read a token, userinfo, introspection or revocation response
// only when its Origin is the OP's own, one of the calling app's
// corsAllowedOrigins, or the origin of one of its redirect URIs. Other
// origins get no CORS headers, so the browser withholds the response.
//
// A preflight (Fetch §4.8) carries no body and so names no client. It is
// approved only for an origin that some application allows (the union over
// all apps, cached for a few seconds); an origin no app lists is refused
// already there. The real request is then checked against its own client.

// corsOriginsTTL bounds how stale the union of allowed origins may be.
const corsOriginsTTL = 3 * time.Second

// handlePreflight answers OPTIONS on the CORS-enabled endpoints.
func (h *Handler) handlePreflight(methods string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		hd := w.Header()
		hd.Add("Vary", "Origin")
		if origin != "" {
			ok, err := h.anyAppAllows(r.Context(), origin)
			if err != nil {
				h.log.WarnContext(r.Context(), "cors preflight: list origins", "err", err)
			}
			if ok {
				hd.Set("Access-Control-Allow-Origin", origin)
				hd.Set("Access-Control-Allow-Methods", methods)
				hd.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, DPoP")
				hd.Set("Access-Control-Max-Age", "600")
			}
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// allowCORS sets the CORS headers when r's Origin may read app's responses.
func (h *Handler) allowCORS(w http.ResponseWriter, r *http.Request, app *store.Application) {
	origin := r.Header.Get("Origin")
	if origin == "" || app == nil {
		return
	}
	w.Header().Add("Vary", "Origin")
	if h.originAllowed(origin, app) {
		w.Header().Set("Access-Control-Allow-Origin", origin)
	}
}

func (h *Handler) originAllowed(origin string, app *store.Application) bool {
	if origin == originOf(h.endpoint) {
		return true
	}
	for _, o := range app.CustomClientMetadata.CORSAllowedOrigins {
		if o == origin {
			return true
		}
	}
	for _, u := range app.OIDCClientMetadata.RedirectURIs {
		if o := originOf(u); o != "" && o == origin {
			return true
		}
	}
	return false
}

// anyAppAllows reports whether some application allows origin.
func (h *Handler) anyAppAllows(ctx context.Context, origin string) (bool, error) {
	if origin == originOf(h.endpoint) {
		return true, nil
	}
	set, err := h.corsOrigins.get(ctx, h.now(), func(ctx context.Context) (map[string]bool, error) {
		m := map[string]bool{}
		for page := 1; ; page++ {
			apps, total, err := h.store.ListApplications(ctx, store.Page{Number: page, Size: 100})
			if err != nil {
				return nil, err
			}
			for i := range apps {
				for _, o := range apps[i].CustomClientMetadata.CORSAllowedOrigins {
					m[o] = true
				}
				for _, u := range apps[i].OIDCClientMetadata.RedirectURIs {
					if o := originOf(u); o != "" {
						m[o] = true
					}
				}
			}
			if len(apps) == 0 || page*100 >= total {
				return m, nil
			}
		}
	})
	return set[origin], err
}

// originSet caches the union of allowed origins.
type originSet struct {
	ttl     time.Duration
	mu      sync.Mutex
	m       map[string]bool
	expires time.Time
}

func (s *originSet) get(ctx context.Context, now time.Time, load func(context.Context) (map[string]bool, error)) (map[string]bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m != nil && now.Before(s.expires) {
		return s.m, nil
	}
	m, err := load(ctx)
	if err != nil {
		return nil, err
	}
	s.m, s.expires = m, now.Add(s.ttl)
	return m, nil
}

// originOf returns scheme://host[:port] of an http(s) URL, or "".
func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

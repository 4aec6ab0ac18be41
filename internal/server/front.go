package server

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/httpapi"
	"github.com/gatehouse/gatehouse/internal/telemetry"
)

// bodyReadTimeout bounds reading a request body (slow-body protection; the
// http.Server has no ReadTimeout, see Serve).
const bodyReadTimeout = 30 * time.Second

// front is the server's outermost handler. It does in one frame what
// httpapi.Recover(httpapi.RequestID(metrics.Middleware(mux))) plus a
// request deadline would, and no more per request than each route needs:
//
//   - every response carries X-Request-Id and every panic is logged with it
//     and answered 500;
//   - requests that may reach the store get the request deadline and the
//     request ID in their context (one request copy);
//   - the store-free routes (discovery, JWKS) get neither: they log
//     nothing, so the ID goes to the access log and the panic log directly,
//     and the request is not copied; and they skip the mux (see static);
//   - requests with a body get a read deadline on the connection.
type front struct {
	log     *slog.Logger
	metrics *telemetry.Metrics
	mux     http.Handler
	static  staticRoutes
}

// staticRoutes is what the mux answers for each store-free path: its
// handler and pattern, looked up in the mux once. front calls the handler
// directly with r.Pattern set, as the mux would set it (the metrics label
// requests by it; the patterns have no wildcards, so there are no path
// values to set), instead of having the mux clean the path and walk its
// routing tree (about 1 % of a discovery request over TCP).
type staticRoutes struct {
	once    sync.Once
	handler [numStoreFreeRoutes]http.Handler // nil: go through the mux
	pattern [numStoreFreeRoutes]string
}

// route is the handler for store-free route i (storeFreeRoute), or the
// whole mux when it is not an *http.ServeMux or does not route the path.
func (f *front) route(r *http.Request, i int) http.Handler {
	s := &f.static
	s.once.Do(func() {
		mux, ok := f.mux.(*http.ServeMux)
		if !ok {
			return
		}
		for j, p := range storeFreePaths {
			// No pattern has a host: any host finds the same route.
			h, pat := mux.Handler(&http.Request{Method: http.MethodGet, Host: "localhost", URL: &url.URL{Path: p}})
			if pat != "" {
				s.handler[j], s.pattern[j] = h, pat
			}
		}
	})
	if h := s.handler[i]; h != nil {
		r.Pattern = s.pattern[i]
		return h
	}
	return f.mux
}

func (f *front) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var rid, logRID string
	next := f.mux
	if i := storeFreeRoute(r); i >= 0 {
		rid, _ = httpapi.TagRequest(w, r, nil)
		logRID = rid
		next = f.route(r, i)
	} else {
		ctx := newLazyDeadline(r.Context(), requestTimeout)
		defer ctx.cancel()
		var tagged context.Context
		rid, tagged = httpapi.TagRequest(w, r, ctx)
		r = r.WithContext(tagged)
		if r.ContentLength != 0 { // a body, of known (> 0) or unknown (-1) length
			// net/http's writer (front is outermost, so w is it) sets the
			// connection's deadline; a writer that cannot (tests) has none.
			if d, ok := w.(readDeadliner); ok {
				_ = d.SetReadDeadline(time.Now().Add(bodyReadTimeout))
			}
		}
	}
	defer func() {
		if v := recover(); v != nil {
			httpapi.Recovered(f.log, w, r, rid, v)
		}
	}()
	f.metrics.Serve(w, r, next, logRID)
}

// readDeadliner is what http.ResponseController.SetReadDeadline calls,
// without its unwrapping and error allocation.
type readDeadliner interface {
	SetReadDeadline(time.Time) error
}

package server

import (
	"context"
	"log/slog"
	"net/http"
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
//     and the request is not copied;
//   - requests with a body get a read deadline on the connection.
type front struct {
	log     *slog.Logger
	metrics *telemetry.Metrics
	mux     http.Handler
}

func (f *front) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var rid, logRID string
	if storeFree(r) {
		rid, _ = httpapi.TagRequest(w, r, nil)
		logRID = rid
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
	f.metrics.Serve(w, r, f.mux, logRID)
}

// readDeadliner is what http.ResponseController.SetReadDeadline calls,
// without its unwrapping and error allocation.
type readDeadliner interface {
	SetReadDeadline(time.Time) error
}

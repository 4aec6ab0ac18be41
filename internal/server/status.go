package server

import (
	"context"
	"net/http"
	"time"

	"github.com/gatehouse/gatehouse/internal/httpapi"
)

// readyTimeout bounds the readiness ping: a probe must answer quickly even
// when the database hangs instead of refusing.
const readyTimeout = 2 * time.Second

// mountStatus registers the health routes:
//
//   - GET /api/status is liveness, as in Logto: 204 whenever the process
//     serves HTTP. It never touches the store, so an orchestrator does not
//     restart healthy nodes during a database outage.
//   - GET /api/status/ready is readiness: 204 when the store answers a
//     ping within readyTimeout, else 503 {"code":"store.unavailable"}, so a
//     load balancer stops sending traffic to a node that cannot serve it.
func (s *Server) mountStatus(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/status", func(w http.ResponseWriter, r *http.Request) {
		httpapi.NoContent(w)
	})
	mux.HandleFunc("GET /api/status/ready", s.handleReady)
}

func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	if err := s.Store.Ping(ctx); err != nil {
		s.Logger.WarnContext(r.Context(), "readiness: store unavailable", "err", err)
		// Any failure means "not ready", whatever the driver called it.
		httpapi.WriteError(w, r, nil, httpapi.ErrUnavailable, nil)
		return
	}
	httpapi.NoContent(w)
}

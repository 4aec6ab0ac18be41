package httpapi

import (
	"log/slog"
	"net/http"
	"runtime/debug"
)

// Recover turns a panic in next into a logged 500 JSON error, so one bad
// request never takes the process down or leaks a stack trace. A panic
// with http.ErrAbortHandler is re-raised: net/http uses it to abort a
// response on purpose.
func Recover(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			Recovered(log, w, r, RequestIDFrom(r.Context()), v)
		}()
		next.ServeHTTP(w, r)
	})
}

// Recovered is what Recover does with the value v a handler panicked with
// (recover() must be called by the deferred function itself): it re-raises
// http.ErrAbortHandler, logs anything else with the request ID rid and
// answers 500.
func Recovered(log *slog.Logger, w http.ResponseWriter, r *http.Request, rid string, v any) {
	if v == http.ErrAbortHandler {
		panic(v)
	}
	if log != nil {
		log.ErrorContext(r.Context(), "panic serving request", "method", r.Method, "path", r.URL.Path,
			"request_id", rid, "panic", v, "stack", string(debug.Stack()))
	}
	// If the handler already wrote headers this adds to a broken
	// response; there is nothing better to do.
	WriteJSON(w, ErrInternal.Status, body{Code: ErrInternal.Code, Message: ErrInternal.Message})
}

package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/gatehouse/gatehouse/internal/store"
)

// Error is an API error response.
type Error struct {
	Status  int
	Code    string
	Message string
	Data    any
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Coded is implemented by domain errors that carry an API code and a
// user-facing sentence (and optionally data) but no HTTP status.
type Coded interface {
	error
	ErrorCode() string
	ErrorMessage() string
}

// withData is implemented by Coded errors that carry response data.
type withData interface {
	ErrorData() any
}

// Common errors.
var (
	ErrUnavailable = &Error{Status: http.StatusServiceUnavailable, Code: "store.unavailable",
		Message: "The service is temporarily unavailable. Please try again shortly."}
	ErrInternal = &Error{Status: http.StatusInternalServerError, Code: "unknown",
		Message: "An internal error occurred."}
	ErrNotFound = &Error{Status: http.StatusNotFound, Code: "request.not_found",
		Message: "No such API route."}
)

// InvalidInput is Logto's 400 guard.invalid_input with a sentence.
func InvalidInput(msg string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "guard.invalid_input", Message: msg}
}

// body is the wire form.
type body struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Data    any    `json:"data,omitempty"`
}

// StatusFunc chooses the HTTP status of a Coded error from its code.
type StatusFunc func(code string) int

// Resolve turns any error into the *Error to send: *Error as is, Coded via
// status, store unavailability to 503, everything else to 500. The second
// result is true when the error is unexpected and must be logged.
func Resolve(err error, status StatusFunc) (*Error, bool) {
	var apiErr *Error
	if errors.As(err, &apiErr) {
		return apiErr, false
	}
	var coded Coded
	if errors.As(err, &coded) {
		e := &Error{Status: http.StatusBadRequest, Code: coded.ErrorCode(), Message: coded.ErrorMessage()}
		if status != nil {
			e.Status = status(e.Code)
		}
		if d, ok := coded.(withData); ok {
			e.Data = d.ErrorData()
		}
		return e, false
	}
	if errors.Is(err, store.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) {
		return ErrUnavailable, true
	}
	return ErrInternal, true
}

// WriteError writes err as a JSON error response. Unexpected errors are
// logged with the request ID; their text never reaches the client.
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error, status StatusFunc) {
	e, unexpected := Resolve(err, status)
	if unexpected && log != nil {
		level := slog.LevelError
		if e == ErrUnavailable {
			level = slog.LevelWarn
		}
		log.Log(r.Context(), level, "request failed", "method", r.Method, "path", r.URL.Path,
			"request_id", RequestIDFrom(r.Context()), "err", err)
	}
	if e.Status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "5")
	}
	WriteJSON(w, e.Status, body{Code: e.Code, Message: e.Message, Data: e.Data})
}

// WriteJSON writes v as the JSON response with the given status. API
// responses are never cached: they are per-user state.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	if v != nil {
		_ = json.NewEncoder(w).Encode(v)
	}
}

// NoContent writes 204 with the API's cache headers.
func NoContent(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

package oauth

import (
	"encoding/json"
	"log/slog"
	"net/http"
)

// Error codes from RFC 6749 §4.1.2.1 and §5.2, OIDC Core §3.1.2.6,
// RFC 6750 §3.1 and RFC 8707 §2.
const (
	CodeInvalidRequest          = "invalid_request"
	CodeInvalidClient           = "invalid_client"
	CodeInvalidGrant            = "invalid_grant"
	CodeUnauthorizedClient      = "unauthorized_client"
	CodeUnsupportedGrantType    = "unsupported_grant_type"
	CodeUnsupportedResponseType = "unsupported_response_type"
	CodeInvalidScope            = "invalid_scope"
	CodeInvalidTarget           = "invalid_target"
	CodeAccessDenied            = "access_denied"
	CodeServerError             = "server_error"
	CodeTemporarilyUnavailable  = "temporarily_unavailable"
	CodeLoginRequired           = "login_required"
	CodeConsentRequired         = "consent_required"
	CodeInteractionRequired     = "interaction_required"
	CodeRequestNotSupported     = "request_not_supported"
	CodeRequestURINotSupported  = "request_uri_not_supported"
	CodeInvalidToken            = "invalid_token"
	CodeInsufficientScope       = "insufficient_scope"
	CodeUnsupportedTokenType    = "unsupported_token_type"
)

// Error is a protocol error: the code and sentence a client sees, the HTTP
// status it is sent with, and an optional cause that only the log sees.
// Handlers return it as a value and the endpoint writes it once.
type Error struct {
	Code        string
	Description string
	Status      int
	// Cause is never shown to the client (server errors must not leak
	// driver messages); it is logged and reachable through Unwrap.
	Cause error
}

func (e *Error) Error() string {
	if e.Description == "" {
		return e.Code
	}
	return e.Code + ": " + e.Description
}

// Unwrap exposes the cause to errors.Is / errors.As.
func (e *Error) Unwrap() error { return e.Cause }

// Is makes errors.Is(err, oauth.InvalidGrant("")) match any invalid_grant.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// LogLevel tells how loudly the edge should log this error: client
// mistakes are routine, server errors are not.
func (e *Error) LogLevel() slog.Level {
	if e.Status >= 500 {
		return slog.LevelError
	}
	return slog.LevelDebug
}

// WithCause returns a copy of e carrying cause for the log.
func (e *Error) WithCause(cause error) *Error {
	c := *e
	c.Cause = cause
	return &c
}

func newErr(code string, status int, desc string) *Error {
	return &Error{Code: code, Description: desc, Status: status}
}

// InvalidRequest: a parameter is missing, repeated, malformed or unsupported.
func InvalidRequest(desc string) *Error {
	return newErr(CodeInvalidRequest, http.StatusBadRequest, desc)
}

// InvalidClient: client authentication failed (RFC 6749 §5.2: 401).
func InvalidClient(desc string) *Error {
	return newErr(CodeInvalidClient, http.StatusUnauthorized, desc)
}

// InvalidGrant: the code, refresh token or verifier is invalid, expired,
// revoked, or bound to another client or redirect URI.
func InvalidGrant(desc string) *Error { return newErr(CodeInvalidGrant, http.StatusBadRequest, desc) }

// UnauthorizedClient: the client may not use this grant or response type.
func UnauthorizedClient(desc string) *Error {
	return newErr(CodeUnauthorizedClient, http.StatusBadRequest, desc)
}

// UnsupportedGrantType: the grant_type is not offered.
func UnsupportedGrantType(desc string) *Error {
	return newErr(CodeUnsupportedGrantType, http.StatusBadRequest, desc)
}

// UnsupportedResponseType: only response_type=code is offered.
func UnsupportedResponseType(desc string) *Error {
	return newErr(CodeUnsupportedResponseType, http.StatusBadRequest, desc)
}

// InvalidScope: the requested scope is invalid or exceeds what was granted.
func InvalidScope(desc string) *Error { return newErr(CodeInvalidScope, http.StatusBadRequest, desc) }

// InvalidTarget: an RFC 8707 resource indicator is unknown or not allowed.
func InvalidTarget(desc string) *Error {
	return newErr(CodeInvalidTarget, http.StatusBadRequest, desc)
}

// AccessDenied: the user or policy refused.
func AccessDenied(desc string) *Error { return newErr(CodeAccessDenied, http.StatusForbidden, desc) }

// LoginRequired: prompt=none but nobody is signed in (OIDC Core §3.1.2.6).
func LoginRequired(desc string) *Error {
	return newErr(CodeLoginRequired, http.StatusBadRequest, desc)
}

// ConsentRequired: prompt=none but consent is missing.
func ConsentRequired(desc string) *Error {
	return newErr(CodeConsentRequired, http.StatusBadRequest, desc)
}

// RequestNotSupported: request objects (OIDC Core §6) are not offered.
func RequestNotSupported(desc string) *Error {
	return newErr(CodeRequestNotSupported, http.StatusBadRequest, desc)
}

// RequestURINotSupported: request_uri is not offered.
func RequestURINotSupported(desc string) *Error {
	return newErr(CodeRequestURINotSupported, http.StatusBadRequest, desc)
}

// InvalidToken: a bearer token is missing, expired or revoked (RFC 6750 §3.1).
func InvalidToken(desc string) *Error {
	return newErr(CodeInvalidToken, http.StatusUnauthorized, desc)
}

// InsufficientScope: the bearer token lacks a needed scope (RFC 6750 §3.1).
func InsufficientScope(desc string) *Error {
	return newErr(CodeInsufficientScope, http.StatusForbidden, desc)
}

// UnsupportedTokenType: the server cannot revoke this type of token
// (RFC 7009 §2.2.1).
func UnsupportedTokenType(desc string) *Error {
	return newErr(CodeUnsupportedTokenType, http.StatusBadRequest, desc)
}

// ServerError hides cause behind a fixed sentence.
func ServerError(cause error) *Error {
	return &Error{Code: CodeServerError, Description: "an unexpected error occurred",
		Status: http.StatusInternalServerError, Cause: cause}
}

// TemporarilyUnavailable: the store cannot be reached; retry later.
func TemporarilyUnavailable(cause error) *Error {
	return &Error{Code: CodeTemporarilyUnavailable, Description: "the service is temporarily unavailable",
		Status: http.StatusServiceUnavailable, Cause: cause}
}

// NotFound is Logto's answer to an unknown /oidc route: invalid_request, 404.
func NotFound() *Error {
	return newErr(CodeInvalidRequest, http.StatusNotFound, "unrecognized route or not allowed method")
}

// errorBody is RFC 6749 §5.2's error and error_description plus the two
// fields Logto adds to every OIDC error (logto-reference.md §1.15): code,
// "oidc.<error>", and message. Logto's SDKs (@logto/client's requester)
// raise LogtoRequestError(code, message) only when both are strings, and a
// generic "unexpected response" error otherwise.
type errorBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
	Code        string `json:"code"`
	Message     string `json:"message"`
}

// WriteJSON writes e as an RFC 6749 §5.2 error body with Logto's code and
// message. Error responses are never cached (RFC 6749 §5.1 applies to them
// as well).
func WriteJSON(w http.ResponseWriter, e *Error) {
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	switch e.Code {
	case CodeInvalidToken, CodeInsufficientScope:
		// RFC 6750 §3: a protected resource names the error in the challenge.
		h.Set("WWW-Authenticate", `Bearer error="`+e.Code+`"`)
	}
	// Logto's message is a localized sentence; ours is the description
	// (never empty, so clients always have something to show).
	msg := e.Description
	if msg == "" {
		msg = e.Code
	}
	b, _ := json.Marshal(errorBody{Error: e.Code, Description: e.Description, Code: "oidc." + e.Code, Message: msg})
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

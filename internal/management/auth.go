package management

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/httpapi"
)

// DefaultIndicator is the Management API's resource indicator: Logto
// OSS's, so Logto scripts and SDKs work unchanged. It is a name, never
// fetched.
const DefaultIndicator = "https://default.logto.app/api"

// ScopeAll is the scope every Management API route requires (Logto's
// PredefinedScope.All).
const ScopeAll = "all"

// TokenVerifier checks a compact JWS against the OP's signing keys (with
// an algorithm allow-list) and returns its payload: signing.Manager.
type TokenVerifier interface {
	Verify(token string) ([]byte, error)
}

// Auth is who called: an M2M app (sub == client_id) or a user.
type Auth struct {
	// Type is "app" or "user", as Logto's ctx.auth.type.
	Type     string
	ID       string
	ClientID string
	Scopes   []string
}

type authKey struct{}

// AuthFrom returns the caller of an authorized request.
func AuthFrom(ctx context.Context) (*Auth, bool) {
	a, ok := ctx.Value(authKey{}).(*Auth)
	return a, ok
}

// Errors of the authorizer, with Logto's codes and statuses.
var (
	ErrAuthorizationHeaderMissing = &httpapi.Error{Status: http.StatusUnauthorized, Code: "auth.authorization_header_missing",
		Message: "Authorization header is missing."}
	ErrTokenTypeNotSupported = &httpapi.Error{Status: http.StatusUnauthorized, Code: "auth.authorization_token_type_not_supported",
		Message: "Authorization type is not supported.", Data: map[string]any{"supportedTypes": []string{"Bearer"}}}
	ErrUnauthorized = &httpapi.Error{Status: http.StatusUnauthorized, Code: "auth.unauthorized",
		Message: "Unauthorized. Please check credentials and its scope."}
	ErrJWTSubMissing = &httpapi.Error{Status: http.StatusUnauthorized, Code: "auth.jwt_sub_missing",
		Message: "Missing `sub` in JWT."}
	ErrForbidden = &httpapi.Error{Status: http.StatusForbidden, Code: "auth.forbidden",
		Message: "Forbidden. Please check your user roles and permissions."}
)

// AuthConfig configures an Authorizer.
type AuthConfig struct {
	Keys TokenVerifier
	// Issuer is the OP's issuer; tokens from anyone else are refused.
	Issuer string
	// Audience is the Management API indicator; empty means
	// DefaultIndicator.
	Audience string
	Now      func() time.Time
}

// Authorizer is the Management API's bearer-token check.
type Authorizer struct {
	keys     TokenVerifier
	issuer   string
	audience string
	now      func() time.Time
}

// NewAuthorizer returns an Authorizer.
func NewAuthorizer(cfg AuthConfig) *Authorizer {
	a := &Authorizer{keys: cfg.Keys, issuer: cfg.Issuer, audience: cfg.Audience, now: cfg.Now}
	if a.audience == "" {
		a.audience = DefaultIndicator
	}
	if a.now == nil {
		a.now = time.Now
	}
	return a
}

// Audience is the indicator tokens must be issued for.
func (a *Authorizer) Audience() string { return a.audience }

// claims are the access-token claims the check reads (RFC 9068 §2.2).
type claims struct {
	Iss      string          `json:"iss"`
	Sub      string          `json:"sub"`
	Aud      json.RawMessage `json:"aud"`
	Exp      *float64        `json:"exp"`
	Nbf      *float64        `json:"nbf"`
	ClientID string          `json:"client_id"`
	Scope    string          `json:"scope"`
}

// audiences reads aud, a string or an array of strings (RFC 7519 §4.1.3).
func (c *claims) audiences() []string {
	var one string
	if json.Unmarshal(c.Aud, &one) == nil {
		return []string{one}
	}
	var many []string
	if json.Unmarshal(c.Aud, &many) == nil {
		return many
	}
	return nil
}

// maxTokenLen bounds the Authorization header we parse.
const maxTokenLen = 16 << 10

// Authenticate checks the request's bearer token. Errors are *httpapi.Error.
func (a *Authorizer) Authenticate(r *http.Request) (*Auth, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, ErrAuthorizationHeaderMissing
	}
	scheme, token, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return nil, ErrTokenTypeNotSupported
	}
	token = strings.TrimSpace(token)
	if token == "" || len(token) > maxTokenLen {
		return nil, ErrUnauthorized
	}
	payload, err := a.keys.Verify(token)
	if err != nil {
		return nil, ErrUnauthorized
	}
	var c claims
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, ErrUnauthorized
	}
	now := float64(a.now().Unix())
	switch {
	case c.Iss != a.issuer:
		return nil, ErrUnauthorized
	case !slices.Contains(c.audiences(), a.audience):
		return nil, ErrUnauthorized
	case c.Exp == nil || *c.Exp <= now:
		return nil, ErrUnauthorized
	case c.Nbf != nil && *c.Nbf > now:
		return nil, ErrUnauthorized
	case c.Sub == "":
		return nil, ErrJWTSubMissing
	}
	scopes := strings.Fields(c.Scope)
	if !slices.Contains(scopes, ScopeAll) {
		return nil, ErrForbidden
	}
	auth := &Auth{Type: "user", ID: c.Sub, ClientID: c.ClientID, Scopes: scopes}
	if c.Sub == c.ClientID {
		auth.Type = "app"
	}
	return auth, nil
}

// Require lets only authorized requests reach next, with the caller in
// the context (AuthFrom). The token is never logged.
func (a *Authorizer) Require(status httpapi.StatusFunc, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth, err := a.Authenticate(r)
		if err != nil {
			var e *httpapi.Error
			if errors.As(err, &e) && e.Status == http.StatusUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer realm="Management API"`)
			} else if e == ErrForbidden {
				w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope", scope="`+ScopeAll+`"`)
			}
			httpapi.WriteError(w, r, nil, err, status)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), authKey{}, auth)))
	})
}

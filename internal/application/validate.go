package application

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/go-jose/go-jose/v4"

	"github.com/gatehouse/gatehouse/internal/oauth"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Limits.
const (
	MaxNameLength          = 256
	MaxDescriptionLength   = 2048
	MaxCustomDataBytes     = 16 << 10
	MaxURIs                = 100
	MaxURILength           = 2048
	MinRefreshTokenTTLDays = 1
	MaxRefreshTokenTTLDays = 180
	MaxIDTokenTTLSeconds   = 86400
)

// KnownType reports whether t is one of the four application types.
func KnownType(t string) bool {
	switch t {
	case store.AppNative, store.AppSPA, store.AppTraditional, store.AppMachineToMachine:
		return true
	}
	return false
}

// IsPublic reports whether app is a public client (RFC 6749 §2.1): SPA
// and Native apps run on the user's device and cannot keep a secret.
func IsPublic(app *store.Application) bool {
	return app.Type == store.AppSPA || app.Type == store.AppNative
}

// HasSecret reports whether apps of type t are confidential and get secrets.
func HasSecret(t string) bool {
	return t == store.AppTraditional || t == store.AppMachineToMachine
}

// RotateRefreshToken is the effective rotateRefreshToken (default true).
func RotateRefreshToken(app *store.Application) bool {
	r := app.CustomClientMetadata.RotateRefreshToken
	return r == nil || *r
}

// RefreshTokenTTLDays is the effective refreshTokenTtlInDays (default 14).
func RefreshTokenTTLDays(app *store.Application) int {
	if d := app.CustomClientMetadata.RefreshTokenTTLInDays; d > 0 {
		return d
	}
	return 14
}

// Validate checks app against the seed 002 rules. Create calls it; call it
// again after applying an update.
func (s *Service) Validate(app *store.Application) error {
	return validate(app)
}

func validate(app *store.Application) error {
	if !KnownType(app.Type) {
		return invalid("type", "application.invalid_type", "type must be Native, SPA, Traditional or MachineToMachine")
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(app.Name)); n < 1 || n > MaxNameLength || !utf8.ValidString(app.Name) {
		return invalid("name", "application.invalid_name", fmt.Sprintf("name must be 1 to %d characters", MaxNameLength))
	}
	if len(app.Description) > MaxDescriptionLength || !utf8.ValidString(app.Description) {
		return invalid("description", "application.invalid_description", "description is too long")
	}
	if app.IsThirdParty && app.Type == store.AppMachineToMachine {
		return invalid("isThirdParty", "application.invalid_third_party_application_type",
			"only Traditional, SPA and Native applications can be third-party")
	}
	md := app.OIDCClientMetadata
	if app.Type == store.AppMachineToMachine {
		if len(md.RedirectURIs) > 0 {
			return invalid("oidcClientMetadata.redirectUris", "application.invalid_redirect_uri",
				"machine-to-machine applications have no redirect URIs")
		}
		if len(md.PostLogoutRedirectURIs) > 0 {
			return invalid("oidcClientMetadata.postLogoutRedirectUris", "application.invalid_post_logout_redirect_uri",
				"machine-to-machine applications have no post-logout redirect URIs")
		}
	}
	if err := checkURIs("oidcClientMetadata.redirectUris", "application.invalid_redirect_uri", md.RedirectURIs, app); err != nil {
		return err
	}
	if err := checkURIs("oidcClientMetadata.postLogoutRedirectUris", "application.invalid_post_logout_redirect_uri", md.PostLogoutRedirectURIs, app); err != nil {
		return err
	}
	if md.BackchannelLogoutURI != "" {
		if err := checkWebURI("oidcClientMetadata.backchannelLogoutUri", "application.invalid_backchannel_logout_uri", md.BackchannelLogoutURI); err != nil {
			return err
		}
	}
	switch md.IDTokenSignedResponseAlg {
	case "", "ES256", "RS256":
	default:
		return invalid("oidcClientMetadata.idTokenSignedResponseAlg", "application.invalid_id_token_alg", "idTokenSignedResponseAlg must be ES256 or RS256")
	}
	if err := checkAuthMethod(app); err != nil {
		return err
	}
	cm := app.CustomClientMetadata
	for i, o := range cm.CORSAllowedOrigins {
		if !validOrigin(o) {
			return invalid(fmt.Sprintf("customClientMetadata.corsAllowedOrigins[%d]", i), "application.invalid_cors_origin",
				"a CORS origin is scheme://host[:port] with no path")
		}
	}
	if d := cm.RefreshTokenTTLInDays; d != 0 && (d < MinRefreshTokenTTLDays || d > MaxRefreshTokenTTLDays) {
		return invalid("customClientMetadata.refreshTokenTtlInDays", "application.invalid_refresh_token_ttl",
			fmt.Sprintf("refreshTokenTtlInDays must be %d to %d", MinRefreshTokenTTLDays, MaxRefreshTokenTTLDays))
	}
	if d := cm.IDTokenTTL; d < 0 || d > MaxIDTokenTTLSeconds {
		return invalid("customClientMetadata.idTokenTtl", "application.invalid_id_token_ttl",
			fmt.Sprintf("idTokenTtl must be 1 to %d seconds", MaxIDTokenTTLSeconds))
	}
	if cm.AlwaysIssueRefreshToken && app.Type != store.AppTraditional && app.Type != store.AppSPA {
		return invalid("customClientMetadata.alwaysIssueRefreshToken", "application.invalid_always_issue_refresh_token",
			"alwaysIssueRefreshToken is for Traditional and SPA applications")
	}
	return checkCustomData(app.CustomData)
}

// checkJWKS accepts a JWK Set (RFC 7517 §5) of public keys only: a private
// key registered by mistake must not be stored.
func checkJWKS(raw json.RawMessage) error {
	if len(raw) == 0 {
		return nil
	}
	bad := invalid("oidcClientMetadata.jwks", "application.invalid_jwks", "jwks must be a JWK Set of public keys")
	if len(raw) > MaxCustomDataBytes {
		return bad
	}
	var set jose.JSONWebKeySet
	if json.Unmarshal(raw, &set) != nil || len(set.Keys) == 0 {
		return bad
	}
	for _, k := range set.Keys {
		if !k.Valid() || !k.IsPublic() {
			return bad
		}
	}
	return nil
}

func checkAuthMethod(app *store.Application) error {
	if err := checkJWKS(app.OIDCClientMetadata.JWKS); err != nil {
		return err
	}
	m := app.OIDCClientMetadata.TokenEndpointAuthMethod
	if m == "" {
		return nil
	}
	ok := false
	if IsPublic(app) {
		ok = m == MethodNone
	} else if app.Type != "" {
		switch m {
		case MethodSecretBasic, MethodSecretPost, MethodSecretJWT:
			ok = true
		case MethodPrivateKeyJWT:
			if len(app.OIDCClientMetadata.JWKS) == 0 {
				return invalid("oidcClientMetadata.jwks", "application.invalid_jwks",
					"private_key_jwt needs the client's public keys (jwks)")
			}
			ok = true
		}
	}
	if !ok {
		return invalid("oidcClientMetadata.tokenEndpointAuthMethod", "application.invalid_token_endpoint_auth_method",
			"the token endpoint auth method does not fit the application type")
	}
	return nil
}

func checkCustomData(raw json.RawMessage) error {
	if len(raw) == 0 {
		return nil
	}
	if len(raw) > MaxCustomDataBytes {
		return invalid("customData", "application.custom_data_too_large", "customData must be at most 16 KiB")
	}
	var obj map[string]json.RawMessage
	if !json.Valid(raw) || !bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{")) || json.Unmarshal(raw, &obj) != nil {
		return invalid("customData", "application.invalid_custom_data", "customData must be a JSON object")
	}
	return nil
}

// checkURIs applies the redirect-URI rules (RFC 6749 §3.1.2, RFC 8252 §7,
// RFC 9700 §4.1): absolute, no fragment; https, or http only on loopback;
// Native apps may also use private-use (custom) schemes; no wildcards for
// third-party apps, and none at all here since matching is exact.
func checkURIs(field, code string, uris []string, app *store.Application) error {
	if len(uris) > MaxURIs {
		return invalid(field, code, fmt.Sprintf("at most %d URIs", MaxURIs))
	}
	for i, raw := range uris {
		f := fmt.Sprintf("%s[%d]", field, i)
		if len(raw) > MaxURILength || strings.ContainsAny(raw, " \t\r\n\x00") {
			return invalid(f, code, "the URI is malformed")
		}
		if strings.Contains(raw, "*") {
			return invalid(f, code, "wildcards are not allowed in redirect URIs")
		}
		u, err := url.Parse(raw)
		if err != nil || !u.IsAbs() {
			return invalid(f, code, "the URI must be absolute")
		}
		if u.Fragment != "" || strings.Contains(raw, "#") {
			return invalid(f, code, "the URI must not contain a fragment")
		}
		switch u.Scheme {
		case "https":
			if u.Host == "" {
				return invalid(f, code, "the URI has no host")
			}
		case "http":
			if !oauth.IsLoopbackHost(u.Hostname()) {
				return invalid(f, code, "http is only allowed for loopback and localhost; use https")
			}
		default:
			if app.Type != store.AppNative || !validCustomScheme(u.Scheme) {
				return invalid(f, code, "only Native applications may use custom URI schemes")
			}
		}
	}
	return nil
}

// validCustomScheme refuses schemes a browser would run or render as a page.
func validCustomScheme(s string) bool {
	switch strings.ToLower(s) {
	case "javascript", "data", "vbscript", "file", "blob", "about", "http", "https":
		return false
	}
	return s != ""
}

func checkWebURI(field, code, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Fragment != "" || u.Host == "" ||
		!(u.Scheme == "https" || u.Scheme == "http" && oauth.IsLoopbackHost(u.Hostname())) {
		return invalid(field, code, "the URI must be an absolute https URI")
	}
	return nil
}

func validOrigin(o string) bool {
	u, err := url.Parse(o)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return false
	}
	return u.Path == "" && u.RawQuery == "" && u.Fragment == "" && u.User == nil && !strings.HasSuffix(o, "/")
}

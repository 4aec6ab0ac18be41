package social

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
)

// FactoryOIDC is the generic OIDC connector's factory ID, as Logto names
// it.
const FactoryOIDC = "oidc"

// DefaultScope is asked for when a connector names none.
const DefaultScope = "openid profile email"

// Config is an OIDC connector's public configuration, stored as JSON in
// store.SocialConnector.Config (the client secret is stored sealed,
// apart).
type Config struct {
	// Issuer is the provider's issuer; its discovery document is
	// Issuer + "/.well-known/openid-configuration".
	Issuer   string `json:"issuer"`
	ClientID string `json:"clientId"`
	// Scope is space-separated and always includes openid.
	Scope string `json:"scope"`
}

const discoverySuffix = "/.well-known/openid-configuration"

var (
	idRE     = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	targetRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)
)

// IssuerFromDiscoveryURL accepts a discovery URL or an issuer and returns
// the issuer. HTTPS is required except on loopback hosts (development and
// tests).
func IssuerFromDiscoveryURL(s string) (string, error) {
	s = strings.TrimSpace(s)
	issuer := strings.TrimSuffix(strings.TrimSuffix(s, discoverySuffix), "/")
	u, err := url.Parse(issuer)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%q is not an absolute URL without query or fragment", s)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return "", fmt.Errorf("%q must use https", s)
		}
	default:
		return "", fmt.Errorf("%q must use https", s)
	}
	return issuer, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// normalizeScope makes sure openid is asked for.
func normalizeScope(scope string) string {
	fields := strings.Fields(scope)
	if len(fields) == 0 {
		return DefaultScope
	}
	for _, f := range fields {
		if f == "openid" {
			return strings.Join(fields, " ")
		}
	}
	return strings.Join(append([]string{"openid"}, fields...), " ")
}

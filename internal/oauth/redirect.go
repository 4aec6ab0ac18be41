package oauth

import (
	"net/url"
	"strings"
)

// MatchRedirectURI reports whether requested is allowed by the registered
// list. The rule is exact string comparison (RFC 6749 §3.1.2.3, RFC 9700
// §4.1.3): no prefix, wildcard or normalisation games. The one exception is
// RFC 8252 §7.3: a native app's loopback redirect (http on 127.0.0.1, [::1]
// or localhost) matches whatever port the app opened at run time.
func MatchRedirectURI(registered []string, requested string, native bool) bool {
	if requested == "" {
		return false
	}
	for _, r := range registered {
		if r == requested {
			return true
		}
	}
	if !native {
		return false
	}
	req, ok := parseLoopback(requested)
	if !ok {
		return false
	}
	for _, r := range registered {
		reg, ok := parseLoopback(r)
		if !ok {
			continue
		}
		// Everything but the port must still be identical.
		if reg.Hostname() == req.Hostname() && reg.EscapedPath() == req.EscapedPath() &&
			reg.RawQuery == req.RawQuery && reg.User.String() == req.User.String() {
			return true
		}
	}
	return false
}

// parseLoopback returns u when it is an http loopback URI without a fragment.
func parseLoopback(raw string) (*url.URL, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.Fragment != "" || u.Opaque != "" || strings.Contains(raw, "#") {
		return nil, false
	}
	if !IsLoopbackHost(u.Hostname()) {
		return nil, false
	}
	return u, true
}

// IsLoopbackHost reports whether host names the local machine in the forms
// RFC 8252 §7.3 and §8.3 discuss.
func IsLoopbackHost(host string) bool {
	switch host {
	case "127.0.0.1", "::1", "localhost":
		return true
	}
	return false
}

package httpapi

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// ErrCrossOrigin is the answer to a request from another site.
var ErrCrossOrigin = &Error{Status: http.StatusForbidden, Code: "auth.forbidden",
	Message: "Cross-origin requests are not allowed."}

// Origin returns the serialized origin (scheme://host[:port], lower-case,
// default port dropped) of an endpoint URL such as GATEHOUSE_ENDPOINT.
func Origin(endpoint string) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("httpapi: endpoint %q is not an absolute http(s) URL", endpoint)
	}
	host := strings.ToLower(u.Hostname())
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	port := u.Port()
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	if port != "" {
		host += ":" + port
	}
	return strings.ToLower(u.Scheme) + "://" + host, nil
}

// SameOrigin reports whether r may act on cookie-held state of origin
// (from Origin). This is the CSRF defence of cookie-authenticated JSON
// APIs: browsers send Origin with every cross-origin request and every
// non-GET request, so a present Origin must match exactly; when it is
// absent, Sec-Fetch-Site (sent by all current browsers) must not say the
// request came from another site. Requests with neither header are not
// from a browser, so no ambient cookie is being abused.
func SameOrigin(r *http.Request, origin string) bool {
	if o := r.Header.Get("Origin"); o != "" {
		return strings.EqualFold(o, origin)
	}
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
		return true
	}
	return false
}

package telemetry

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/url"
)

// tokenPath is the OP's token endpoint (Logto's /oidc/token).
const tokenPath = "/oidc/token"

// knownGrantTypes bounds the grant_type label: anything else is "other",
// so a client cannot create series at will.
var knownGrantTypes = map[string]bool{
	"authorization_code": true,
	"refresh_token":      true,
	"client_credentials": true,
	"urn:ietf:params:oauth:grant-type:token-exchange": true,
	"urn:ietf:params:oauth:grant-type:device_code":    true,
	"urn:ietf:params:oauth:grant-type:jwt-bearer":     true,
}

// grantTypeLabel reads grant_type from a token request body the way the
// OP does (a form, or a JSON object) and returns it if it is a known grant
// type, else "other".
func grantTypeLabel(body []byte, contentType string) string {
	var gt string
	ct, _, _ := mime.ParseMediaType(contentType)
	if ct == "application/json" {
		var v struct {
			GrantType string `json:"grant_type"`
		}
		if json.Unmarshal(body, &v) == nil {
			gt = v.GrantType
		}
	} else {
		gt = formValue(body, "grant_type")
	}
	if knownGrantTypes[gt] {
		return gt
	}
	return "other"
}

// formValue returns the first value of key in a form-encoded body without
// parsing the rest of it.
func formValue(body []byte, key string) string {
	for len(body) > 0 {
		var pair []byte
		pair, body, _ = bytes.Cut(body, []byte("&"))
		k, v, _ := bytes.Cut(pair, []byte("="))
		if string(k) != key {
			continue
		}
		s, err := url.QueryUnescape(string(v))
		if err != nil {
			return ""
		}
		return s
	}
	return ""
}

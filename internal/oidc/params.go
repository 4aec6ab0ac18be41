package oidc

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/internal/oauth"
)

// maxBody is Logto's body limit on OIDC endpoints (56 KiB).
const maxBody = 56 << 10

// readParams reads the request parameters: the query of a GET, the body of
// a POST (form-encoded, or a JSON object as Logto also accepts). Oversized
// bodies, malformed encodings, NUL bytes and invalid UTF-8 are refused.
func readParams(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	var v url.Values
	var err error
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		if len(r.URL.RawQuery) > maxBody {
			return nil, tooLarge()
		}
		v, err = url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			return nil, oauth.InvalidRequest("malformed query string")
		}
	} else {
		body, rerr := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if rerr != nil {
			var mbe *http.MaxBytesError
			if errors.As(rerr, &mbe) {
				return nil, tooLarge()
			}
			return nil, oauth.InvalidRequest("could not read the request body")
		}
		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		switch ct {
		case "application/x-www-form-urlencoded", "":
			v, err = url.ParseQuery(string(body))
			if err != nil {
				return nil, oauth.InvalidRequest("malformed form body")
			}
		case "application/json":
			if v, err = jsonParams(body); err != nil {
				return nil, err
			}
		default:
			return nil, oauth.InvalidRequest("unsupported content type")
		}
	}
	for k, vals := range v {
		if !clean(k) {
			return nil, oauth.InvalidRequest("parameters must be valid UTF-8 without NUL bytes")
		}
		for _, s := range vals {
			if !clean(s) {
				return nil, oauth.InvalidRequest("parameters must be valid UTF-8 without NUL bytes")
			}
		}
	}
	return v, nil
}

func tooLarge() *oauth.Error {
	e := oauth.InvalidRequest("request is too large")
	e.Status = http.StatusRequestEntityTooLarge
	return e
}

func clean(s string) bool { return strings.IndexByte(s, 0) < 0 && utf8.ValidString(s) }

// jsonParams converts a flat JSON object to parameters: strings, numbers
// and booleans become values, arrays of them repeated values, null is
// skipped; anything nested is refused.
func jsonParams(body []byte) (url.Values, error) {
	bad := oauth.InvalidRequest("the JSON body must be an object of strings")
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || dec.More() {
		return nil, bad
	}
	v := url.Values{}
	for k, raw := range m {
		switch x := raw.(type) {
		case nil:
		case []any:
			for _, e := range x {
				s, ok := scalar(e)
				if !ok {
					return nil, bad
				}
				v.Add(k, s)
			}
		default:
			s, ok := scalar(x)
			if !ok {
				return nil, bad
			}
			v.Set(k, s)
		}
	}
	return v, nil
}

func scalar(x any) (string, bool) {
	switch s := x.(type) {
	case string:
		return s, true
	case json.Number:
		return s.String(), true
	case bool:
		if s {
			return "true", true
		}
		return "false", true
	}
	return "", false
}

// checkSingle enforces RFC 6749 §3.1/§3.2: parameters must not be repeated,
// except those named in multi (resource, RFC 8707 §2).
func checkSingle(v url.Values, multi ...string) error {
	for k, vals := range v {
		if len(vals) > 1 && !oauth.Contains(multi, k) {
			return oauth.InvalidRequest("parameter '" + k + "' must not be repeated")
		}
	}
	return nil
}

// splitResources expands comma-separated resource values into repeated
// ones, as Logto's koa-resource-param does, dropping empty items.
func splitResources(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, r := range strings.Split(v, ",") {
			if r = strings.TrimSpace(r); r != "" && !oauth.Contains(out, r) {
				out = append(out, r)
			}
		}
	}
	return out
}

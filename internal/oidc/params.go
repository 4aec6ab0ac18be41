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
	"unsafe"

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
		v, err = parseForm(r.URL.RawQuery, nil)
		if err != nil {
			return nil, oauth.InvalidRequest("malformed query string")
		}
	} else {
		body, err := readBody(w, r)
		if err != nil {
			return nil, err
		}
		switch contentType(r.Header.Get("Content-Type")) {
		case "application/x-www-form-urlencoded", "":
			// The body is never written again, so the parameters can
			// share its memory, and unescaped ones its spare capacity.
			v, err = parseForm(unsafe.String(unsafe.SliceData(body), len(body)), body[len(body):])
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

// readBody reads a request body of at most maxBody bytes. A body of known
// length within the limit is read in one allocation, with as much spare
// capacity when small (parseForm unescapes into it); any other goes
// through http.MaxBytesReader, which also tells the server to close the
// connection of an oversized one.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	if n := r.ContentLength; n > 0 && n <= maxBody {
		c := n
		if n <= 4<<10 {
			c = 2 * n
		}
		body := make([]byte, n, c)
		if _, err := io.ReadFull(r.Body, body); err != nil {
			return nil, oauth.InvalidRequest("could not read the request body")
		}
		return body, nil
	}
	return readBodySlow(w, r)
}

func readBodySlow(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLarge()
		}
		return nil, oauth.InvalidRequest("could not read the request body")
	}
	return body, nil
}

// contentType is the media type of a Content-Type header as
// mime.ParseMediaType gives it ("" when malformed), without its
// allocations for the two types the endpoints accept as sent.
func contentType(h string) string {
	const form, js = "application/x-www-form-urlencoded", "application/json"
	switch {
	case h == "":
		return ""
	case asciiEqualFold(h, form):
		return form
	case asciiEqualFold(h, js):
		return js
	}
	ct, _, _ := mime.ParseMediaType(h)
	return ct
}

// asciiEqualFold compares s with lower-case ASCII lower, folding only
// ASCII letters (as mime.ParseMediaType's strings.ToLower would for a
// valid token; strings.EqualFold also folds ſ to s).
func asciiEqualFold(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// maxParams is net/url's default limit on the number of parameters.
const maxParams = 10000

// parseForm is url.ParseQuery with the same results and errors (tested
// against it), in a few allocations: the map, and one backing array for
// the values; keys and values that need no unescaping share q's memory,
// the others are unescaped into arena's spare capacity (or one allocation
// when it is short). The caller must not write arena's memory later.
func parseForm(q string, arena []byte) (url.Values, error) {
	n := strings.Count(q, "&") + 1
	if n > maxParams {
		return nil, errors.New("number of URL query parameters exceeded limit")
	}
	m := make(url.Values, min(n, 16))
	if q == "" {
		return m, nil
	}
	backing := make([]string, n)
	var err error
	for q != "" {
		var kv string
		kv, q, _ = strings.Cut(q, "&")
		if strings.IndexByte(kv, ';') >= 0 {
			err = errSemicolon
			continue
		}
		if kv == "" {
			continue
		}
		k, val, _ := strings.Cut(kv, "=")
		var ok bool
		if k, arena, ok = unescapeInto(arena, k, len(q)+len(kv)); !ok {
			if err == nil {
				err = errEscape
			}
			continue
		}
		if val, arena, ok = unescapeInto(arena, val, len(q)+len(kv)); !ok {
			if err == nil {
				err = errEscape
			}
			continue
		}
		if old, dup := m[k]; dup {
			m[k] = append(old, val)
			continue
		}
		backing[0] = val
		m[k] = backing[:1:1]
		backing = backing[1:]
	}
	return m, err
}

var (
	errSemicolon = errors.New("invalid semicolon separator in query")
	errEscape    = errors.New("invalid URL escape")
)

// unescapeInto is url.QueryUnescape: s itself when it holds no escapes,
// else its unescaped form appended to arena (allocated on first use with
// room for rest more bytes, so appends never move earlier strings). ok is
// false for a malformed %-escape.
func unescapeInto(arena []byte, s string, rest int) (string, []byte, bool) {
	plain := true
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '%':
			if i+2 >= len(s) || !ishex(s[i+1]) || !ishex(s[i+2]) {
				return "", arena, false
			}
			plain = false
			i += 2
		case '+':
			plain = false
		}
	}
	if plain {
		return s, arena, true
	}
	if cap(arena)-len(arena) < len(s) {
		// Unescaping never lengthens; rest bounds everything still to come.
		arena = make([]byte, 0, max(rest, len(s)))
	}
	start := len(arena)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '%':
			arena = append(arena, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		case '+':
			arena = append(arena, ' ')
		default:
			arena = append(arena, c)
		}
	}
	out := arena[start:]
	return unsafe.String(unsafe.SliceData(out), len(out)), arena, true
}

func ishex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
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
	if len(vals) == 1 {
		// The usual case, one plain indicator, is returned as it came.
		if v := vals[0]; v != "" && strings.IndexByte(v, ',') < 0 && strings.TrimSpace(v) == v {
			return vals
		}
	}
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

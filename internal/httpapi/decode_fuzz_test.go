package httpapi

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzDecodeJSON checks that no body makes the decoder panic or return
// anything but nil or an *Error.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{}`, `{"identifier":{"type":"username","value":"a"},"password":"p"}`, `[]`, `{"a":`, `null`, "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		var dst struct {
			Identifier *struct {
				Type  string `json:"type"`
				Value string `json:"value"`
			} `json:"identifier"`
			Password *string `json:"password"`
		}
		if err := DecodeJSON(httptest.NewRecorder(), r, &dst); err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("non-API error %T: %v", err, err)
			}
		}
	})
}

package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
)

// MaxBodyBytes bounds every JSON request body.
const MaxBodyBytes = 1 << 20

// DecodeJSON reads the request body into dst strictly: at most
// MaxBodyBytes, exactly one JSON value, no unknown fields, and a JSON
// content type. An empty body decodes as {} so that bodiless calls such as
// POST /api/experience/submit work with any client. Errors are *Error
// (400 guard.invalid_input, 413, 415) ready for WriteError.
func DecodeJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return &Error{Status: http.StatusRequestEntityTooLarge, Code: "guard.invalid_input",
				Message: fmt.Sprintf("The request body is larger than %d bytes.", MaxBodyBytes)}
		}
		return InvalidInput("The request body could not be read.")
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		raw = []byte("{}")
	} else if ct := r.Header.Get("Content-Type"); !isJSON(ct) {
		// Requiring application/json also keeps HTML forms (which cannot
		// send it cross-site without a CORS preflight) out of the API.
		return &Error{Status: http.StatusUnsupportedMediaType, Code: "guard.invalid_input",
			Message: "The request body must be application/json."}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return InvalidInput("The request body is invalid: " + describe(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return InvalidInput("The request body must be a single JSON value.")
	}
	return nil
}

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || (len(mt) > 5 && mt[len(mt)-5:] == "+json"))
}

// describe turns a decoding error into a short sentence that names the
// field but never echoes the submitted value (it may be a password).
func describe(err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("malformed JSON at byte %d.", syntax.Offset)
	case errors.As(err, &typ):
		if typ.Field != "" {
			return fmt.Sprintf("field %q must be %s.", typ.Field, typ.Type.Kind())
		}
		return fmt.Sprintf("expected %s.", typ.Type.Kind())
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "unexpected end of JSON."
	}
	// DisallowUnknownFields' message is `json: unknown field "x"`: safe.
	if msg := err.Error(); len(msg) > 6 && msg[:6] == "json: " {
		return msg[6:] + "."
	}
	return "malformed JSON."
}

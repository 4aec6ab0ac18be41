package application

import "errors"

// ValidationError says which field broke which rule.
type ValidationError struct {
	// Field is the JSON path of the field, e.g. "oidcClientMetadata.redirectUris[1]".
	Field string
	// Code is a stable machine-readable reason, e.g. "application.invalid_redirect_uri".
	Code string
	// Message is a human sentence.
	Message string
}

func (e *ValidationError) Error() string { return e.Field + ": " + e.Message }

func invalid(field, code, msg string) *ValidationError {
	return &ValidationError{Field: field, Code: code, Message: msg}
}

// ErrInvalidClient means client authentication failed: unknown client, no
// secret, wrong or expired secret. The causes are deliberately not told
// apart (RFC 6749 §5.2 invalid_client).
var ErrInvalidClient = errors.New("application: invalid client credentials")

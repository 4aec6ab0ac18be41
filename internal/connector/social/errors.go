package social

// Error is a connector failure with a Logto error code and a sentence safe
// to show to the end user.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return "social: " + e.Code }

// ErrorCode is the API error code.
func (e *Error) ErrorCode() string { return e.Code }

// ErrorMessage is the sentence shown to the user.
func (e *Error) ErrorMessage() string { return e.Message }

// Is matches any *Error with the same code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Errors the service returns. The cause of an upstream failure is wrapped
// for the log only.
var (
	ErrNotFound = &Error{"entity.not_found", "The social connector does not exist."}
	ErrInvalid  = &Error{"guard.invalid_input", "The connector configuration is invalid."}
	// ErrConflict is a connector ID or target that is already taken.
	ErrConflict = &Error{"connector.already_exists", "A connector with this ID or target already exists."}
	// ErrStateMismatch means the callback does not belong to this sign-in.
	ErrStateMismatch = &Error{"session.verification_failed", "The sign-in response does not match this session. Please start again."}
	// ErrDenied is an error the provider sent back (the user refused, say).
	ErrDenied = &Error{"connector.authorization_failed", "The identity provider did not authorize the sign-in."}
	// ErrInvalidCode covers a rejected code exchange and an ID token that
	// does not verify.
	ErrInvalidCode = &Error{"connector.oauth_code_invalid", "The sign-in with the identity provider could not be verified. Please try again."}
	// ErrUnavailable means the provider could not be reached.
	ErrUnavailable = &Error{"connector.general", "The identity provider could not be reached. Please try again later."}
)

// upstream wraps the cause of an upstream failure behind a public error.
type upstream struct {
	public *Error
	cause  error
}

func (u *upstream) Error() string           { return u.public.Error() + ": " + u.cause.Error() }
func (u *upstream) Unwrap() []error         { return []error{u.public, u.cause} }
func (u *upstream) ErrorCode() string       { return u.public.Code }
func (u *upstream) ErrorMessage() string    { return u.public.Message }
func wrap(public *Error, cause error) error { return &upstream{public: public, cause: cause} }

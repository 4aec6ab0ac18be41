package interaction

// Error is an interaction failure with a Logto error code, a sentence safe
// to show to the end user, and optional data for the client.
type Error struct {
	Code    string
	Message string
	Data    any
}

func (e *Error) Error() string { return "interaction: " + e.Code }

// Is matches any *Error with the same code, so errors.Is works for errors
// built with data (such as missing-profile errors).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// ErrorCode is the API error code.
func (e *Error) ErrorCode() string { return e.Code }

// ErrorMessage is the sentence shown to the user.
func (e *Error) ErrorMessage() string { return e.Message }

// ErrorData is the API error data (nil for none).
func (e *Error) ErrorData() any { return e.Data }

// Errors the engine returns, with Logto's codes.
var (
	ErrInteractionNotFound   = &Error{Code: "session.interaction_not_found", Message: "Interaction session not found. Please go back and start again."}
	ErrInvalidEvent          = &Error{Code: "guard.invalid_input", Message: "The interaction event is invalid."}
	ErrInvalidInput          = &Error{Code: "guard.invalid_input", Message: "The request is invalid."}
	ErrForgotPasswordSwitch  = &Error{Code: "session.not_supported_for_forgot_password", Message: "This operation is not supported for password reset."}
	ErrEventForbidden        = &Error{Code: "auth.forbidden", Message: "This interaction is not allowed by the sign-in experience settings."}
	ErrVerificationNotFound  = &Error{Code: "session.verification_session_not_found", Message: "The verification was not found. Please restart the verification."}
	ErrVerificationFailed    = &Error{Code: "session.verification_failed", Message: "The verification was not successful. Please restart the verification."}
	ErrInvalidInteraction    = &Error{Code: "session.invalid_interaction_type", Message: "This operation is not supported for the current interaction."}
	ErrSignInMethodDisabled  = &Error{Code: "user.sign_in_method_not_enabled", Message: "This sign-in method is not enabled."}
	ErrIdentifierNotFound    = &Error{Code: "session.identifier_not_found", Message: "No user is identified yet. Please go back and sign in again."}
	ErrIdentityConflict      = &Error{Code: "session.identity_conflict", Message: "A different user has already been identified in this session."}
	ErrMissingProfile        = &Error{Code: "user.missing_profile", Message: "You need to provide additional information before continuing."}
	ErrProfileTypeNotAllowed = &Error{Code: "guard.invalid_input", Message: "This profile field cannot be set here."}
	// ErrConcurrentUpdate means another request changed the interaction
	// while this one ran; the client should reload and retry.
	ErrConcurrentUpdate = &Error{Code: "session.interaction_conflict", Message: "The sign-in session changed in another tab or request. Please try again."}
)

// missingProfile reports the profile fields sign-up requires and the flow
// lacks, in Logto's data shape.
func missingProfile(fields []string) error {
	return &Error{Code: ErrMissingProfile.Code, Message: ErrMissingProfile.Message,
		Data: map[string]any{"missingProfile": fields}}
}

// invalidInput is guard.invalid_input with a specific sentence.
func invalidInput(msg string) error {
	return &Error{Code: ErrInvalidInput.Code, Message: msg}
}

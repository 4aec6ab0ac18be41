package user

// Error is a user-service failure with a Logto error code and a sentence
// safe to show to the end user.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return "user: " + e.Code }

// ErrorCode is the API error code.
func (e *Error) ErrorCode() string { return e.Code }

// ErrorMessage is the sentence shown to the user.
func (e *Error) ErrorMessage() string { return e.Message }

// Errors the service returns. Compare with errors.Is.
var (
	// ErrInvalidCredentials covers an unknown account, an account without a
	// password and a wrong password alike.
	ErrInvalidCredentials = &Error{"session.invalid_credentials", "Incorrect account or password. Please check your input."}
	ErrSuspended          = &Error{"user.suspended", "This account is suspended."}
	ErrNotFound           = &Error{"user.user_not_exist", "The user does not exist."}
	ErrUsernameInUse      = &Error{"user.username_already_in_use", "This username is already in use."}
	ErrEmailInUse         = &Error{"user.email_already_in_use", "This e-mail address is associated with an existing account."}
	ErrPhoneInUse         = &Error{"user.phone_already_in_use", "This phone number is associated with an existing account."}
	ErrInvalidUsername    = &Error{"guard.invalid_input", "A username starts with a letter or an underscore, and contains only letters, digits and underscores (at most 128)."}
	ErrInvalidEmail       = &Error{"guard.invalid_input", "The e-mail address is invalid."}
	ErrInvalidPhone       = &Error{"guard.invalid_input", "The phone number is invalid."}
	ErrInvalidIdentifier  = &Error{"guard.invalid_input", "The identifier type is not supported."}
	ErrMissingIdentifier  = &Error{"guard.invalid_input", "A username or an e-mail address is required."}
	ErrUsernameExists     = &Error{"user.username_exists_in_profile", "This account already has a username."}
	ErrEmailExists        = &Error{"user.email_exists_in_profile", "This account already has an e-mail address."}
	ErrPasswordExists     = &Error{"user.password_exists_in_profile", "This account already has a password."}
)

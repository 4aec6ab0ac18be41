package signinexp

import "fmt"

// Error is a rejected settings change with Logto's error code, a sentence
// for the administrator and optional data. Every code answers 400, as
// Logto's do.
type Error struct {
	Code    string
	Message string
	Data    any
}

func (e *Error) Error() string { return "signinexp: " + e.Code }

// Is matches any *Error with the same code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// ErrorCode is the API error code.
func (e *Error) ErrorCode() string { return e.Code }

// ErrorMessage is the sentence shown to the administrator.
func (e *Error) ErrorMessage() string { return e.Message }

// ErrorData is the API error data (nil for none).
func (e *Error) ErrorData() any { return e.Data }

// Errors with Logto's sign_in_experiences codes.
var (
	ErrUsernameRequiresPassword    = &Error{Code: "sign_in_experiences.username_requires_password", Message: "Must enable set a password for username sign up identifier."}
	ErrPasswordlessRequiresVerify  = &Error{Code: "sign_in_experiences.passwordless_requires_verify", Message: "Must enable verify for email/phone sign up identifier."}
	ErrMissSignUpIdentifier        = &Error{Code: "sign_in_experiences.miss_sign_up_identifier_in_sign_in", Message: "Sign in methods must contain the sign up identifier."}
	ErrPasswordSignInRequired      = &Error{Code: "sign_in_experiences.password_sign_in_must_be_enabled", Message: "Password sign in must be enabled when set a password is required in sign up."}
	ErrCodeSignInRequired          = &Error{Code: "sign_in_experiences.code_sign_in_must_be_enabled", Message: "Verification code sign in must be enabled when set a password is not required in sign up."}
	ErrAtLeastOneFactor            = &Error{Code: "sign_in_experiences.at_least_one_authentication_factor", Message: "You have to select at least one authentication factor."}
	ErrBackupCodeAlone             = &Error{Code: "sign_in_experiences.backup_code_cannot_be_enabled_alone", Message: "Backup code cannot be enabled alone."}
	ErrDuplicatedMFAFactors        = &Error{Code: "sign_in_experiences.duplicated_mfa_factors", Message: "Duplicated MFA factors."}
	ErrDuplicatedSignUpIdentifiers = &Error{Code: "sign_in_experiences.duplicated_sign_up_identifiers", Message: "Duplicate sign-up identifiers detected."}
	ErrEmailCodeForMFA             = &Error{Code: "sign_in_experiences.email_verification_code_cannot_be_used_for_mfa", Message: "Email verification code cannot be used for MFA when email verification is enabled for sign-in."}
	ErrPhoneCodeForMFA             = &Error{Code: "sign_in_experiences.phone_verification_code_cannot_be_used_for_mfa", Message: "SMS verification code cannot be used for MFA when SMS verification is enabled for sign-in."}
)

// errConnectorNotFound is enabled_connector_not_found for "Email" or "Sms".
func errConnectorNotFound(typ string) *Error {
	return &Error{Code: "sign_in_experiences.enabled_connector_not_found",
		Message: fmt.Sprintf("Enabled %s connector not found.", typ), Data: map[string]string{"type": typ}}
}

// errUnsupportedLanguage is unsupported_default_language.
func errUnsupportedLanguage(lang string) *Error {
	return &Error{Code: "sign_in_experiences.unsupported_default_language",
		Message: fmt.Sprintf("This language - %s is not supported at the moment.", lang), Data: map[string]string{"language": lang}}
}

// errForgotPasswordConnector is forgot_password_method_requires_connector.
func errForgotPasswordConnector(method string) *Error {
	return &Error{Code: "sign_in_experiences.forgot_password_method_requires_connector",
		Message: fmt.Sprintf("Forgot password method requires a corresponding %s connector to be configured.", method),
		Data:    map[string]string{"method": method}}
}

// invalid is guard.invalid_input with a sentence.
func invalid(format string, args ...any) *Error {
	return &Error{Code: "guard.invalid_input", Message: fmt.Sprintf(format, args...)}
}

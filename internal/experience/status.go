package experience

import "net/http"

// statusByCode gives the HTTP status Logto answers for each error code the
// domain packages return. Codes not listed are 400, Logto's default.
var statusByCode = map[string]int{
	"guard.invalid_input":                       http.StatusBadRequest,
	"session.not_found":                         http.StatusBadRequest,
	"session.verification_failed":               http.StatusBadRequest,
	"session.invalid_interaction_type":          http.StatusBadRequest,
	"session.not_supported_for_forgot_password": http.StatusBadRequest,
	"user.suspended":                            http.StatusUnauthorized,
	"auth.forbidden":                            http.StatusForbidden,
	"session.interaction_not_found":             http.StatusNotFound,
	"session.verification_session_not_found":    http.StatusNotFound,
	"session.identifier_not_found":              http.StatusNotFound,
	"user.user_not_exist":                       http.StatusNotFound,
	"session.identity_conflict":                 http.StatusConflict,
	"session.interaction_conflict":              http.StatusConflict,
	"session.invalid_credentials":               http.StatusUnprocessableEntity,
	"session.captcha_failed":                    http.StatusUnprocessableEntity,
	"user.sign_in_method_not_enabled":           http.StatusUnprocessableEntity,
	"user.missing_profile":                      http.StatusUnprocessableEntity,
	"user.username_already_in_use":              http.StatusUnprocessableEntity,
	"user.email_already_in_use":                 http.StatusUnprocessableEntity,
	"user.phone_already_in_use":                 http.StatusUnprocessableEntity,
	"user.username_exists_in_profile":           http.StatusUnprocessableEntity,
	"user.email_exists_in_profile":              http.StatusUnprocessableEntity,
	"user.phone_exists_in_profile":              http.StatusUnprocessableEntity,
	"user.password_exists_in_profile":           http.StatusUnprocessableEntity,
	"password.rejected":                         http.StatusUnprocessableEntity,
	// MFA and social sign-in (mfa.go, social.go).
	"session.mfa.require_mfa_verification":       http.StatusForbidden,
	"user.missing_mfa":                           http.StatusUnprocessableEntity,
	"user.totp_already_in_use":                   http.StatusUnprocessableEntity,
	"session.mfa.backup_code_can_not_be_alone":   http.StatusUnprocessableEntity,
	"session.mfa.backup_code_required":           http.StatusUnprocessableEntity,
	"session.mfa.mfa_policy_not_user_controlled": http.StatusUnprocessableEntity,
	"user.identity_not_exist":                    http.StatusNotFound,
	"user.identity_already_in_use":               http.StatusUnprocessableEntity,
	"entity.not_found":                           http.StatusNotFound,
	"connector.general":                          http.StatusBadGateway,
	// Verification codes, password reset, profile fulfilment
	// (verification_code.go); verification_code.* are 400.
	"connector.not_found":                   http.StatusNotImplemented,
	"user.sign_up_method_not_enabled":       http.StatusUnprocessableEntity,
	"user.same_password":                    http.StatusUnprocessableEntity,
	"user.new_password_required_in_profile": http.StatusUnprocessableEntity,
}

func statusOf(code string) int {
	if s, ok := statusByCode[code]; ok {
		return s
	}
	return http.StatusBadRequest
}

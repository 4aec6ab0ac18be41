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
}

func statusOf(code string) int {
	if s, ok := statusByCode[code]; ok {
		return s
	}
	return http.StatusBadRequest
}

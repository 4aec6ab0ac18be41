package experience

import (
	"net/http"

	"github.com/gatehouse/gatehouse/internal/httpapi"
	"github.com/gatehouse/gatehouse/internal/interaction"
	"github.com/gatehouse/gatehouse/internal/password"
)

// signInExpResponse is the public part of the sign-in experience, in the
// shape of Logto's GET /api/.well-known/sign-in-exp (fields for features
// Gatehouse lacks are present with their "off" values, so Logto UIs that
// read them find what they expect).
type signInExpResponse struct {
	ID                           string                   `json:"id"`
	Color                        interaction.Color        `json:"color"`
	Branding                     interaction.Branding     `json:"branding"`
	LanguageInfo                 interaction.LanguageInfo `json:"languageInfo"`
	TermsOfUseURL                *string                  `json:"termsOfUseUrl"`
	PrivacyPolicyURL             *string                  `json:"privacyPolicyUrl"`
	AgreeToTermsPolicy           string                   `json:"agreeToTermsPolicy"`
	SignIn                       interaction.SignIn       `json:"signIn"`
	SignUp                       interaction.SignUp       `json:"signUp"`
	SignInMode                   string                   `json:"signInMode"`
	SocialSignInConnectorTargets []string                 `json:"socialSignInConnectorTargets"`
	SocialConnectors             []any                    `json:"socialConnectors"`
	SSOConnectors                []any                    `json:"ssoConnectors"`
	SingleSignOnEnabled          bool                     `json:"singleSignOnEnabled"`
	PasswordPolicy               password.Policy          `json:"passwordPolicy"`
	MFA                          mfaSettings              `json:"mfa"`
	ForgotPassword               forgotPassword           `json:"forgotPassword"`
	CustomCSS                    *string                  `json:"customCss"`
	CustomContent                map[string]string        `json:"customContent"`
	IsDevelopmentTenant          bool                     `json:"isDevelopmentTenant"`
}

type mfaSettings struct {
	Factors []string `json:"factors"`
	Policy  string   `json:"policy"`
}

type forgotPassword struct {
	Email bool `json:"email"`
	Phone bool `json:"phone"`
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// handleSignInExp is GET /api/.well-known/sign-in-exp. It needs no
// interaction: the UI renders from it before anything else. Logto's appId
// query parameter selects an application's own branding; organizationId is
// accepted and ignored until organizations exist.
func (h *Handler) handleSignInExp(w http.ResponseWriter, r *http.Request) {
	if h.public != nil {
		doc, err := h.public(r.Context(), r.URL.Query().Get("appId"))
		if err != nil {
			h.fail(w, r, err)
			return
		}
		httpapi.WriteJSON(w, http.StatusOK, doc)
		return
	}
	s, err := h.engine.Settings(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, signInExpResponse{
		ID:                           "default",
		Color:                        s.Color,
		Branding:                     s.Branding,
		LanguageInfo:                 s.LanguageInfo,
		TermsOfUseURL:                optional(s.TermsOfUseURL),
		PrivacyPolicyURL:             optional(s.PrivacyPolicyURL),
		AgreeToTermsPolicy:           "Automatic",
		SignIn:                       s.SignIn,
		SignUp:                       s.SignUp,
		SignInMode:                   s.SignInMode,
		SocialSignInConnectorTargets: []string{},
		SocialConnectors:             []any{},
		SSOConnectors:                []any{},
		PasswordPolicy:               s.PasswordPolicy,
		MFA:                          mfaSettings{Factors: append([]string{}, s.MFA.Factors...), Policy: s.MFA.Policy},
		CustomContent:                map[string]string{},
	})
}

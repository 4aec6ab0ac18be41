package interaction

import (
	"slices"

	"github.com/gatehouse/gatehouse/internal/password"
)

// Sign-in modes (Logto's SignInMode): which events the experience allows.
const (
	ModeSignIn            = "SignIn"
	ModeRegister          = "Register"
	ModeSignInAndRegister = "SignInAndRegister"
)

// Profile fields reported in user.missing_profile (Logto's MissingProfile).
const (
	MissingUsername     = "username"
	MissingEmail        = "email"
	MissingPhone        = "phone"
	MissingPassword     = "password"
	MissingEmailOrPhone = "emailOrPhone"
)

// Settings is the part of the sign-in experience configuration the
// interaction enforces. Field names and JSON follow Logto's
// sign_in_experiences table so the Management API can store it as is.
type Settings struct {
	SignInMode     string          `json:"signInMode"`
	SignUp         SignUp          `json:"signUp"`
	SignIn         SignIn          `json:"signIn"`
	PasswordPolicy password.Policy `json:"passwordPolicy"`
	// MFA is the factors users may bind and the prompt policy (mfa.go).
	MFA MFASettings `json:"mfa"`
	// ForgotPasswordMethods limits password reset to these code methods
	// (EmailVerificationCode, PhoneVerificationCode); nil allows both.
	ForgotPasswordMethods []string `json:"forgotPasswordMethods,omitempty"`
	// Presentation, used by the sign-in UI only.
	Color            Color        `json:"color"`
	Branding         Branding     `json:"branding"`
	LanguageInfo     LanguageInfo `json:"languageInfo"`
	TermsOfUseURL    string       `json:"termsOfUseUrl,omitempty"`
	PrivacyPolicyURL string       `json:"privacyPolicyUrl,omitempty"`
}

// SignUp says what a new account needs.
type SignUp struct {
	// Identifiers are the sign-up identifiers: username, email, phone
	// (email+phone means either).
	Identifiers []string `json:"identifiers"`
	Password    bool     `json:"password"`
	// Verify asks for the e-mail or phone to be proven by a code.
	Verify bool `json:"verify"`
}

// SignIn lists the enabled sign-in methods, in display order.
type SignIn struct {
	Methods []SignInMethod `json:"methods"`
}

// SignInMethod is one identifier and how it may be verified.
type SignInMethod struct {
	Identifier        string `json:"identifier"`
	Password          bool   `json:"password"`
	VerificationCode  bool   `json:"verificationCode"`
	IsPasswordPrimary bool   `json:"isPasswordPrimary"`
}

// Color is the brand colour set.
type Color struct {
	PrimaryColor      string `json:"primaryColor"`
	IsDarkModeEnabled bool   `json:"isDarkModeEnabled"`
	DarkPrimaryColor  string `json:"darkPrimaryColor"`
}

// Branding holds logo URLs.
type Branding struct {
	LogoURL     string `json:"logoUrl,omitempty"`
	DarkLogoURL string `json:"darkLogoUrl,omitempty"`
	Favicon     string `json:"favicon,omitempty"`
}

// LanguageInfo controls the UI language.
type LanguageInfo struct {
	AutoDetect       bool   `json:"autoDetect"`
	FallbackLanguage string `json:"fallbackLanguage"`
}

// DefaultSettings is Logto's default sign-in experience (sign up with a
// username and a password; Logto's colours and password policy) with e-mail
// added as a password sign-in identifier.
func DefaultSettings() *Settings {
	return &Settings{
		SignInMode: ModeSignInAndRegister,
		SignUp:     SignUp{Identifiers: []string{"username"}, Password: true},
		SignIn: SignIn{Methods: []SignInMethod{
			{Identifier: "username", Password: true, IsPasswordPrimary: true},
			{Identifier: "email", Password: true, IsPasswordPrimary: true},
		}},
		PasswordPolicy: password.DefaultPolicy(),
		MFA:            DefaultMFASettings(),
		Color:          Color{PrimaryColor: "#6139F6", DarkPrimaryColor: "#8768F8"},
		LanguageInfo:   LanguageInfo{AutoDetect: true, FallbackLanguage: "en"},
	}
}

// allows reports whether the sign-in mode permits event.
func (s *Settings) allows(e Event) bool {
	switch e {
	case EventSignIn:
		return s.SignInMode != ModeRegister
	case EventRegister:
		return s.SignInMode != ModeSignIn
	}
	return true
}

// passwordSignInEnabled reports whether identifierType signs in with a
// password.
func (s *Settings) passwordSignInEnabled(identifierType string) bool {
	return slices.ContainsFunc(s.SignIn.Methods, func(m SignInMethod) bool {
		return m.Identifier == identifierType && m.Password
	})
}

// mandatoryProfile lists what every account must have under these
// settings, in Logto's order (primary identifier, then password).
func (s *Settings) mandatoryProfile() []string {
	var out []string
	ids := s.SignUp.Identifiers
	switch {
	case slices.Contains(ids, "username"):
		out = append(out, MissingUsername)
	case slices.Contains(ids, "email") && slices.Contains(ids, "phone"):
		out = append(out, MissingEmailOrPhone)
	case slices.Contains(ids, "email"):
		out = append(out, MissingEmail)
	case slices.Contains(ids, "phone"):
		out = append(out, MissingPhone)
	}
	if s.SignUp.Password {
		out = append(out, MissingPassword)
	}
	return out
}

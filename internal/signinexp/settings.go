package signinexp

import (
	"encoding/json"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/interaction"
	"github.com/gatehouse/gatehouse/internal/password"
)

// Settings is the sign-in experience document, field for field as Logto's
// SignInExperience (the subset Gatehouse implements).
type Settings struct {
	Color                        Color             `json:"color"`
	Branding                     Branding          `json:"branding"`
	LanguageInfo                 LanguageInfo      `json:"languageInfo"`
	TermsOfUseURL                *string           `json:"termsOfUseUrl"`
	PrivacyPolicyURL             *string           `json:"privacyPolicyUrl"`
	AgreeToTermsPolicy           string            `json:"agreeToTermsPolicy"`
	SignIn                       SignIn            `json:"signIn"`
	SignUp                       SignUp            `json:"signUp"`
	SocialSignIn                 SocialSignIn      `json:"socialSignIn"`
	SocialSignInConnectorTargets []string          `json:"socialSignInConnectorTargets"`
	SignInMode                   string            `json:"signInMode"`
	CustomCSS                    *string           `json:"customCss"`
	CustomContent                map[string]string `json:"customContent"`
	PasswordPolicy               password.Policy   `json:"passwordPolicy"`
	MFA                          MFA               `json:"mfa"`
	SingleSignOnEnabled          bool              `json:"singleSignOnEnabled"`
	SupportEmail                 *string           `json:"supportEmail"`
	UnknownSessionRedirectURL    *string           `json:"unknownSessionRedirectUrl"`
	// ForgotPasswordMethods is nil when every method with a connector is
	// allowed (Logto's null).
	ForgotPasswordMethods []string `json:"forgotPasswordMethods"`
}

// Color is the brand colour set.
type Color struct {
	PrimaryColor      string `json:"primaryColor"`
	IsDarkModeEnabled bool   `json:"isDarkModeEnabled"`
	DarkPrimaryColor  string `json:"darkPrimaryColor"`
}

// Branding holds logo and favicon URLs; every field is optional.
type Branding struct {
	LogoURL     string `json:"logoUrl,omitempty"`
	DarkLogoURL string `json:"darkLogoUrl,omitempty"`
	Favicon     string `json:"favicon,omitempty"`
	DarkFavicon string `json:"darkFavicon,omitempty"`
}

// LanguageInfo controls the UI language.
type LanguageInfo struct {
	AutoDetect       bool   `json:"autoDetect"`
	FallbackLanguage string `json:"fallbackLanguage"`
}

// SignIn lists the sign-in methods in display order.
type SignIn struct {
	Methods []SignInMethod `json:"methods"`
}

// SignInMethod is one identifier and how it is verified.
type SignInMethod struct {
	Identifier        string `json:"identifier"`
	Password          bool   `json:"password"`
	VerificationCode  bool   `json:"verificationCode"`
	IsPasswordPrimary bool   `json:"isPasswordPrimary"`
}

// SignUp says what a new account needs.
type SignUp struct {
	Identifiers []string `json:"identifiers"`
	Password    bool     `json:"password"`
	Verify      bool     `json:"verify"`
}

// SocialSignIn holds the social sign-in switches.
type SocialSignIn struct {
	AutomaticAccountLinking *bool `json:"automaticAccountLinking,omitempty"`
	SkipRequiredIdentifiers *bool `json:"skipRequiredIdentifiers,omitempty"`
}

// MFA is the factors users may bind and when they are asked to.
type MFA struct {
	Factors []string `json:"factors"`
	Policy  string   `json:"policy"`
}

// Enumerations, spelled as Logto spells them.
const (
	IdentifierUsername = "username"
	IdentifierEmail    = "email"
	IdentifierPhone    = "phone"

	ModeSignIn            = "SignIn"
	ModeRegister          = "Register"
	ModeSignInAndRegister = "SignInAndRegister"

	AgreeAutomatic              = "Automatic"
	AgreeManualRegistrationOnly = "ManualRegistrationOnly"
	AgreeManual                 = "Manual"

	FactorTOTP                  = "Totp"
	FactorWebAuthn              = "WebAuthn"
	FactorBackupCode            = "BackupCode"
	FactorEmailVerificationCode = "EmailVerificationCode"
	FactorPhoneVerificationCode = "PhoneVerificationCode"

	ForgotPasswordEmail = "EmailVerificationCode"
	ForgotPasswordPhone = "PhoneVerificationCode"
)

// MFA policies (Logto's MfaPolicy).
var mfaPolicies = []string{"UserControlled", "Mandatory", "PromptOnlyAtSignIn", "PromptAtSignInAndSignUp",
	"NoPrompt", "PromptAtSignInAndSignUpMandatory", "PromptOnlyAtSignInMandatory"}

// Default is the document in force until an administrator saves one: the
// interaction engine's defaults (Logto's, with e-mail password sign-in)
// plus Logto's defaults for everything the engine does not read.
func Default() *Settings {
	raw, err := json.Marshal(interaction.DefaultSettings())
	if err != nil {
		panic(fmt.Sprintf("signinexp: encode default settings: %v", err))
	}
	s := &Settings{}
	if err := json.Unmarshal(raw, s); err != nil {
		panic(fmt.Sprintf("signinexp: decode default settings: %v", err))
	}
	s.AgreeToTermsPolicy = AgreeAutomatic
	s.SocialSignInConnectorTargets = []string{}
	s.CustomContent = map[string]string{}
	if s.SignIn.Methods == nil {
		s.SignIn.Methods = []SignInMethod{}
	}
	if s.SignUp.Identifiers == nil {
		s.SignUp.Identifiers = []string{}
	}
	if s.MFA.Factors == nil {
		s.MFA.Factors = []string{}
	}
	if s.MFA.Policy == "" {
		s.MFA.Policy = "NoPrompt"
	}
	if s.PasswordPolicy.Rejects.Words == nil {
		s.PasswordPolicy.Rejects.Words = []string{}
	}
	return s
}

// normalize replaces nil slices and maps with empty ones, so the JSON has
// [] and {} where Logto has them.
func (s *Settings) normalize() {
	if s.SignIn.Methods == nil {
		s.SignIn.Methods = []SignInMethod{}
	}
	if s.SignUp.Identifiers == nil {
		s.SignUp.Identifiers = []string{}
	}
	if s.SocialSignInConnectorTargets == nil {
		s.SocialSignInConnectorTargets = []string{}
	}
	if s.CustomContent == nil {
		s.CustomContent = map[string]string{}
	}
	if s.MFA.Factors == nil {
		s.MFA.Factors = []string{}
	}
	if s.PasswordPolicy.Rejects.Words == nil {
		s.PasswordPolicy.Rejects.Words = []string{}
	}
}

// clone returns a deep copy through JSON (the document is small and only
// copied on writes and cache refreshes).
func (s *Settings) clone() *Settings {
	raw, err := json.Marshal(s)
	if err != nil {
		panic(fmt.Sprintf("signinexp: encode settings: %v", err))
	}
	var out Settings
	if err := json.Unmarshal(raw, &out); err != nil {
		panic(fmt.Sprintf("signinexp: decode settings: %v", err))
	}
	out.normalize()
	return &out
}

// toInteraction decodes the document over the engine's defaults, so any
// engine setting the document does not carry keeps its default.
func (s *Settings) toInteraction() (*interaction.Settings, error) {
	raw, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	out := interaction.DefaultSettings()
	if err := json.Unmarshal(raw, out); err != nil {
		return nil, err
	}
	return out, nil
}

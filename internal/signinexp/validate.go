package signinexp

import (
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"unicode/utf8"
)

// Channels says which message connectors exist, for the rules that need
// one (code sign-in, sign-up verification, forgot password).
type Channels struct {
	Email bool
	SMS   bool
}

// Languages the fallback language may be: Logto's built-in ones.
var Languages = []string{"ar", "de", "en", "es", "fr", "it", "ja", "ko", "pl-PL", "pt-BR", "pt-PT", "ru", "th",
	"tr-TR", "uk-UA", "zh-CN", "zh-HK", "zh-TW"}

// Logto's hexColorRegEx.
var hexColorRE = regexp.MustCompile(`^#[\da-fA-F]{3}([\da-fA-F]{3})?$`)

// Size bounds, far above any real value.
const (
	maxURLLen       = 2048
	maxCustomCSS    = 64 << 10
	maxContentItems = 64
	maxContentLen   = 16 << 10
	maxTargets      = 64
	maxWords        = 1000
)

// Validate checks a whole document. The first broken rule is reported, in
// the order Logto checks them: sign-up, sign-in, MFA, then the rest.
func Validate(s *Settings, ch Channels) error {
	for _, check := range []func(*Settings, Channels) error{
		validateEnums, validateSignUp, validateSignIn, validateMFA, validatePresentation,
		validatePasswordPolicy, validateForgotPassword,
	} {
		if err := check(s, ch); err != nil {
			return err
		}
	}
	return nil
}

func validateEnums(s *Settings, _ Channels) error {
	switch s.SignInMode {
	case ModeSignIn, ModeRegister, ModeSignInAndRegister:
	default:
		return invalid(`signInMode must be "SignIn", "Register" or "SignInAndRegister".`)
	}
	switch s.AgreeToTermsPolicy {
	case AgreeAutomatic, AgreeManualRegistrationOnly, AgreeManual:
	default:
		return invalid(`agreeToTermsPolicy must be "Automatic", "ManualRegistrationOnly" or "Manual".`)
	}
	return nil
}

func validIdentifier(id string) bool {
	return id == IdentifierUsername || id == IdentifierEmail || id == IdentifierPhone
}

// validateSignUp is Logto's validateSignUp plus the duplicate check.
func validateSignUp(s *Settings, ch Channels) error {
	ids := s.SignUp.Identifiers
	for i, id := range ids {
		if !validIdentifier(id) {
			return invalid(`signUp.identifiers may only hold "username", "email" and "phone".`)
		}
		if slices.Contains(ids[:i], id) {
			return ErrDuplicatedSignUpIdentifiers
		}
	}
	for _, id := range ids {
		switch id {
		case IdentifierEmail:
			if !ch.Email {
				return errConnectorNotFound("Email")
			}
		case IdentifierPhone:
			if !ch.SMS {
				return errConnectorNotFound("Sms")
			}
		}
		if id == IdentifierUsername && !s.SignUp.Password {
			return ErrUsernameRequiresPassword
		}
		if (id == IdentifierEmail || id == IdentifierPhone) && !s.SignUp.Verify {
			return ErrPasswordlessRequiresVerify
		}
	}
	return nil
}

// validateSignIn is Logto's validateSignIn plus the console's rules that
// make sign-in and sign-up agree: every sign-up identifier can sign in,
// with a password when sign-up sets one.
func validateSignIn(s *Settings, ch Channels) error {
	methods := s.SignIn.Methods
	for i, m := range methods {
		if !validIdentifier(m.Identifier) {
			return invalid(`signIn.methods[].identifier must be "username", "email" or "phone".`)
		}
		if slices.ContainsFunc(methods[:i], func(o SignInMethod) bool { return o.Identifier == m.Identifier }) {
			return invalid("signIn.methods lists %s twice.", m.Identifier)
		}
		if m.Identifier == IdentifierUsername && m.VerificationCode {
			return invalid("A username cannot receive a verification code.")
		}
	}
	for _, m := range methods {
		if m.VerificationCode && m.Identifier == IdentifierEmail && !ch.Email {
			return errConnectorNotFound("Email")
		}
		if m.VerificationCode && m.Identifier == IdentifierPhone && !ch.SMS {
			return errConnectorNotFound("Sms")
		}
	}
	for _, m := range methods {
		if !m.Password && !m.VerificationCode {
			return ErrAtLeastOneFactor
		}
	}
	if s.SignUp.Verify && !s.SignUp.Password {
		for _, m := range methods {
			if !m.VerificationCode && m.Identifier != IdentifierUsername {
				return ErrCodeSignInRequired
			}
		}
	}
	if s.SignInMode == ModeRegister {
		return nil // nobody signs in
	}
	for _, id := range s.SignUp.Identifiers {
		i := slices.IndexFunc(methods, func(m SignInMethod) bool { return m.Identifier == id })
		if i < 0 {
			return ErrMissSignUpIdentifier
		}
		if s.SignUp.Password && !methods[i].Password {
			return ErrPasswordSignInRequired
		}
	}
	return nil
}

func validateMFA(s *Settings, _ Channels) error {
	f := s.MFA.Factors
	for i, factor := range f {
		switch factor {
		case FactorTOTP, FactorWebAuthn, FactorBackupCode, FactorEmailVerificationCode, FactorPhoneVerificationCode:
		default:
			return invalid("mfa.factors may only hold Totp, WebAuthn, BackupCode, EmailVerificationCode and PhoneVerificationCode.")
		}
		if slices.Contains(f[:i], factor) {
			return ErrDuplicatedMFAFactors
		}
	}
	if len(f) == 1 && f[0] == FactorBackupCode {
		return ErrBackupCodeAlone
	}
	if !slices.Contains(mfaPolicies, s.MFA.Policy) {
		return invalid("mfa.policy is not a known MFA policy.")
	}
	codeSignIn := func(id string) bool {
		return slices.ContainsFunc(s.SignIn.Methods, func(m SignInMethod) bool { return m.Identifier == id && m.VerificationCode })
	}
	if slices.Contains(f, FactorEmailVerificationCode) && codeSignIn(IdentifierEmail) {
		return ErrEmailCodeForMFA
	}
	if slices.Contains(f, FactorPhoneVerificationCode) && codeSignIn(IdentifierPhone) {
		return ErrPhoneCodeForMFA
	}
	return nil
}

// webURL accepts an absolute http(s) URL.
func webURL(s string) bool {
	if len(s) > maxURLLen {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

func optionalURL(p *string) bool { return p == nil || *p == "" || webURL(*p) }

func validatePresentation(s *Settings, _ Channels) error {
	if !hexColorRE.MatchString(s.Color.PrimaryColor) || !hexColorRE.MatchString(s.Color.DarkPrimaryColor) {
		return invalid("color.primaryColor and color.darkPrimaryColor must be hex colours such as #6139F6.")
	}
	for name, v := range map[string]string{"logoUrl": s.Branding.LogoURL, "darkLogoUrl": s.Branding.DarkLogoURL,
		"favicon": s.Branding.Favicon, "darkFavicon": s.Branding.DarkFavicon} {
		if v != "" && !webURL(v) {
			return invalid("branding.%s must be an absolute http(s) URL.", name)
		}
	}
	for name, v := range map[string]*string{"termsOfUseUrl": s.TermsOfUseURL, "privacyPolicyUrl": s.PrivacyPolicyURL,
		"unknownSessionRedirectUrl": s.UnknownSessionRedirectURL} {
		if !optionalURL(v) {
			return invalid("%s must be an absolute http(s) URL, empty or null.", name)
		}
	}
	if e := s.SupportEmail; e != nil && *e != "" {
		if a, err := mail.ParseAddress(*e); err != nil || a.Address != *e {
			return invalid("supportEmail must be an e-mail address, empty or null.")
		}
	}
	if !slices.Contains(Languages, s.LanguageInfo.FallbackLanguage) {
		return errUnsupportedLanguage(s.LanguageInfo.FallbackLanguage)
	}
	if s.CustomCSS != nil && len(*s.CustomCSS) > maxCustomCSS {
		return invalid("customCss is larger than %d bytes.", maxCustomCSS)
	}
	if len(s.CustomContent) > maxContentItems {
		return invalid("customContent has more than %d entries.", maxContentItems)
	}
	for k, v := range s.CustomContent {
		if len(k) > 256 || len(v) > maxContentLen {
			return invalid("customContent entries are limited to %d bytes.", maxContentLen)
		}
	}
	if len(s.SocialSignInConnectorTargets) > maxTargets {
		return invalid("socialSignInConnectorTargets has more than %d entries.", maxTargets)
	}
	for i, t := range s.SocialSignInConnectorTargets {
		if t == "" || len(t) > 128 || slices.Contains(s.SocialSignInConnectorTargets[:i], t) {
			return invalid("socialSignInConnectorTargets must hold distinct, non-empty connector targets.")
		}
	}
	return nil
}

func validatePasswordPolicy(s *Settings, _ Channels) error {
	p := s.PasswordPolicy
	switch {
	case p.Length.Min < 1 || p.Length.Min > 256:
		return invalid("passwordPolicy.length.min must be between 1 and 256.")
	case p.Length.Max < p.Length.Min || p.Length.Max > 256:
		return invalid("passwordPolicy.length.max must be between length.min and 256.")
	case p.CharacterTypes.Min < 1 || p.CharacterTypes.Min > 4:
		return invalid("passwordPolicy.characterTypes.min must be between 1 and 4.")
	case len(p.Rejects.Words) > maxWords:
		return invalid("passwordPolicy.rejects.words has more than %d words.", maxWords)
	}
	for _, w := range p.Rejects.Words {
		if w == "" || utf8.RuneCountInString(w) > 256 {
			return invalid("passwordPolicy.rejects.words must be non-empty words.")
		}
	}
	return nil
}

func validateForgotPassword(s *Settings, ch Channels) error {
	m := s.ForgotPasswordMethods
	for i, method := range m {
		switch method {
		case ForgotPasswordEmail:
			if !ch.Email {
				return errForgotPasswordConnector("email")
			}
		case ForgotPasswordPhone:
			if !ch.SMS {
				return errForgotPasswordConnector("sms")
			}
		default:
			return invalid("forgotPasswordMethods may only hold EmailVerificationCode and PhoneVerificationCode.")
		}
		if slices.Contains(m[:i], method) {
			return invalid("forgotPasswordMethods lists %s twice.", method)
		}
	}
	return nil
}

package signinexp

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"

	"github.com/gatehouse/gatehouse/internal/password"
)

// field describes one top-level field of the document for PATCH.
type field struct {
	// nullable fields accept null (Logto's .nullable()).
	nullable bool
	// required lists the keys a nested object must have (Logto's guards
	// have no optional keys there).
	required []string
	// set decodes raw (never null here, unless nullable) into s.
	set func(s *Settings, raw json.RawMessage) error
}

func setter[T any](dst func(*Settings) *T) func(*Settings, json.RawMessage) error {
	return func(s *Settings, raw json.RawMessage) error {
		var v T
		if err := strictDecode(raw, &v); err != nil {
			return err
		}
		*dst(s) = v
		return nil
	}
}

// fields is every field PATCH accepts. id and tenantId are accepted and
// ignored, so a document read with GET can be sent back as it is.
var fields = map[string]field{
	"color":                        {required: []string{"primaryColor", "isDarkModeEnabled", "darkPrimaryColor"}, set: setter(func(s *Settings) *Color { return &s.Color })},
	"branding":                     {set: setter(func(s *Settings) *Branding { return &s.Branding })},
	"languageInfo":                 {required: []string{"autoDetect", "fallbackLanguage"}, set: setter(func(s *Settings) *LanguageInfo { return &s.LanguageInfo })},
	"termsOfUseUrl":                {nullable: true, set: setter(func(s *Settings) **string { return &s.TermsOfUseURL })},
	"privacyPolicyUrl":             {nullable: true, set: setter(func(s *Settings) **string { return &s.PrivacyPolicyURL })},
	"agreeToTermsPolicy":           {set: setter(func(s *Settings) *string { return &s.AgreeToTermsPolicy })},
	"signIn":                       {required: []string{"methods"}, set: setSignIn},
	"signUp":                       {required: []string{"identifiers", "password", "verify"}, set: setter(func(s *Settings) *SignUp { return &s.SignUp })},
	"socialSignIn":                 {set: setter(func(s *Settings) *SocialSignIn { return &s.SocialSignIn })},
	"socialSignInConnectorTargets": {set: setter(func(s *Settings) *[]string { return &s.SocialSignInConnectorTargets })},
	"signInMode":                   {set: setter(func(s *Settings) *string { return &s.SignInMode })},
	"customCss":                    {nullable: true, set: setter(func(s *Settings) **string { return &s.CustomCSS })},
	"customContent":                {set: setter(func(s *Settings) *map[string]string { return &s.CustomContent })},
	"passwordPolicy":               {set: setPasswordPolicy},
	"mfa":                          {required: []string{"factors", "policy"}, set: setter(func(s *Settings) *MFA { return &s.MFA })},
	"singleSignOnEnabled":          {set: setter(func(s *Settings) *bool { return &s.SingleSignOnEnabled })},
	"supportEmail":                 {nullable: true, set: setter(func(s *Settings) **string { return &s.SupportEmail })},
	"unknownSessionRedirectUrl":    {nullable: true, set: setter(func(s *Settings) **string { return &s.UnknownSessionRedirectURL })},
	"forgotPasswordMethods":        {nullable: true, set: setter(func(s *Settings) *[]string { return &s.ForgotPasswordMethods })},
}

// ignored are read-only fields of GET's answer.
var ignored = map[string]bool{"id": true, "tenantId": true}

// setSignIn requires every method to be complete.
func setSignIn(s *Settings, raw json.RawMessage) error {
	var probe struct {
		Methods []map[string]json.RawMessage `json:"methods"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return invalid("signIn must be an object with a methods array.")
	}
	for _, m := range probe.Methods {
		for _, k := range []string{"identifier", "password", "verificationCode", "isPasswordPrimary"} {
			if _, ok := m[k]; !ok {
				return invalid("Every signIn.methods item needs identifier, password, verificationCode and isPasswordPrimary.")
			}
		}
	}
	return setter(func(s *Settings) *SignIn { return &s.SignIn })(s, raw)
}

// setPasswordPolicy fills missing parts with Logto's defaults
// (passwordPolicyGuard has a default for every key).
func setPasswordPolicy(s *Settings, raw json.RawMessage) error {
	p := password.DefaultPolicy()
	if err := strictDecode(raw, &p); err != nil {
		return err
	}
	if p.Rejects.Words == nil {
		p.Rejects.Words = []string{}
	}
	s.PasswordPolicy = p
	return nil
}

// strictDecode decodes one field's value, refusing unknown keys and
// naming neither the value nor Go types in the message.
func strictDecode(raw json.RawMessage, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &typ) && typ.Field != "":
			return invalid("%s has the wrong type.", typ.Field)
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			return invalid("%s.", strings.TrimPrefix(err.Error(), "json: "))
		}
		return invalid("The value has the wrong shape.")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return invalid("The value has the wrong shape.")
	}
	return nil
}

// Patch is a decoded PATCH body: top-level field name to raw value.
type Patch map[string]json.RawMessage

// apply returns cur with the patch's fields replaced.
func apply(cur *Settings, p Patch) (*Settings, error) {
	next := cur.clone()
	for key, raw := range p {
		if ignored[key] {
			continue
		}
		f, ok := fields[key]
		if !ok {
			return nil, invalid("Unknown sign-in experience field %q.", key)
		}
		if string(bytes.TrimSpace(raw)) == "null" {
			if !f.nullable {
				return nil, invalid("%s cannot be null.", key)
			}
		} else if len(f.required) > 0 {
			var obj map[string]json.RawMessage
			if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
				return nil, invalid("%s must be an object.", key)
			}
			for _, k := range f.required {
				if _, ok := obj[k]; !ok {
					return nil, invalid("%s needs %s.", key, strings.Join(f.required, ", "))
				}
			}
		}
		if err := f.set(next, raw); err != nil {
			var e *Error
			if errors.As(err, &e) && e.Code == "guard.invalid_input" {
				return nil, invalid("%s: %s", key, e.Message)
			}
			return nil, err
		}
	}
	next.normalize()
	return next, nil
}

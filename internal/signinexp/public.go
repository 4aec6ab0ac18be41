package signinexp

import (
	"context"
	"slices"

	"github.com/gatehouse/gatehouse/internal/store"
)

// Document is the sign-in experience as the Management API returns it:
// the settings with Logto's id and tenantId.
type Document struct {
	ID       string `json:"id"`
	TenantID string `json:"tenantId"`
	*Settings
}

// NewDocument wraps s.
func NewDocument(s *Settings) Document {
	return Document{ID: "default", TenantID: "default", Settings: s}
}

// Public is the answer of GET /api/.well-known/sign-in-exp (Logto's
// FullSignInExperience): the settings plus what the sign-in UI derives
// from the connectors.
type Public struct {
	Document
	SocialConnectors    []any          `json:"socialConnectors"`
	SSOConnectors       []any          `json:"ssoConnectors"`
	ForgotPassword      ForgotPassword `json:"forgotPassword"`
	IsDevelopmentTenant bool           `json:"isDevelopmentTenant"`
	// ApplicationName is set when the document was asked for one app
	// (appId), so the UI can name the app it signs into.
	ApplicationName string `json:"applicationName,omitempty"`
}

// WithApplication returns a copy of p with the application's own branding
// over the global one: logos, favicon, primary colour, terms and privacy
// links, and its display name. p (shared by the settings cache) is not
// changed.
func (p *Public) WithApplication(app *store.Application) *Public {
	out := *p
	settings := *p.Settings
	out.Settings = &settings
	b := app.Branding
	for _, o := range []struct {
		from string
		to   *string
	}{
		{b.LogoURL, &settings.Branding.LogoURL},
		{b.DarkLogoURL, &settings.Branding.DarkLogoURL},
		{b.Favicon, &settings.Branding.Favicon},
		{b.PrimaryColor, &settings.Color.PrimaryColor},
	} {
		if o.from != "" {
			*o.to = o.from
		}
	}
	if b.TermsOfUseURL != "" {
		settings.TermsOfUseURL = &b.TermsOfUseURL
	}
	if b.PrivacyPolicyURL != "" {
		settings.PrivacyPolicyURL = &b.PrivacyPolicyURL
	}
	out.ApplicationName = app.Name
	if b.DisplayName != "" {
		out.ApplicationName = b.DisplayName
	}
	return &out
}

// ForgotPassword says which password-reset methods the UI may offer.
type ForgotPassword struct {
	Email bool `json:"email"`
	Phone bool `json:"phone"`
}

// ForgotPasswordAvailable reports which reset methods work: a connector
// exists and forgotPasswordMethods (when set) allows the method.
func ForgotPasswordAvailable(s *Settings, ch Channels) ForgotPassword {
	allowed := func(m string) bool {
		return s.ForgotPasswordMethods == nil || slices.Contains(s.ForgotPasswordMethods, m)
	}
	return ForgotPassword{Email: ch.Email && allowed(ForgotPasswordEmail), Phone: ch.SMS && allowed(ForgotPasswordPhone)}
}

// Public returns the public document. socialConnectors lists the enabled
// social connectors' metadata; it may be nil (none).
func (s *Service) Public(ctx context.Context, socialConnectors func(ctx context.Context, targets []string) ([]any, error)) (*Public, error) {
	settings, err := s.Get(ctx)
	if err != nil {
		return nil, err
	}
	social := []any{}
	if socialConnectors != nil {
		list, err := socialConnectors(ctx, settings.SocialSignInConnectorTargets)
		if err != nil {
			return nil, err
		}
		if list != nil {
			social = list
		}
	}
	return &Public{
		Document:         NewDocument(settings),
		SocialConnectors: social,
		SSOConnectors:    []any{},
		ForgotPassword:   ForgotPasswordAvailable(settings, s.channels),
	}, nil
}

// Package connector holds what the message connectors share: the message a
// verification code travels in and the usage types it is sent for. The
// subpackages deliver it: email (SMTP, or the development log), sms (an
// interface and a development connector); social sign-in lives in social.
package connector

import (
	"log/slog"
	"time"
)

// Template is the usage a code is sent for (Logto's TemplateType); it picks
// the wording of the message.
type Template string

// Usage types.
const (
	TemplateSignIn         Template = "SignIn"
	TemplateRegister       Template = "Register"
	TemplateForgotPassword Template = "ForgotPassword"
	TemplateGeneric        Template = "Generic"
)

// Valid reports whether t is one of the usage types.
func (t Template) Valid() bool {
	switch t {
	case TemplateSignIn, TemplateRegister, TemplateForgotPassword, TemplateGeneric:
		return true
	}
	return false
}

// Message is one verification code on its way to an e-mail address or a
// phone number.
type Message struct {
	// To is the normalised address or number.
	To       string
	Template Template
	Code     string
	// ExpiresIn is how long the code stays valid, told to the recipient.
	ExpiresIn time.Duration
}

// LogValue keeps the code out of logs: a Message may be logged, its code
// never is (the development connectors log it on purpose, separately).
func (m Message) LogValue() slog.Value {
	return slog.GroupValue(slog.String("template", string(m.Template)), slog.String("code", "[redacted]"))
}

// Package sms delivers verification codes by text message.
//
// Sender is what an SMS provider connector implements (an HTTP API such as
// Twilio's or an aggregator's; none is built in yet). DevLog is the
// development connector: it writes the code to the log under a loud
// warning instead of sending it.
package sms

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/gatehouse/gatehouse/internal/connector"
)

// Sender delivers one message to a phone number (digits only, E.164
// without the plus, as Logto stores numbers).
type Sender interface {
	Send(ctx context.Context, m connector.Message) error
}

// Text is the wording of an SMS for m, shared by connectors so every
// provider sends the same message.
func Text(productName string, m connector.Message) string {
	minutes := max(int((m.ExpiresIn+time.Minute-1)/time.Minute), 1)
	switch m.Template {
	case connector.TemplateSignIn:
		return fmt.Sprintf("%s sign-in code: %s. It expires in %d minutes.", productName, m.Code, minutes)
	case connector.TemplateRegister:
		return fmt.Sprintf("%s sign-up code: %s. It expires in %d minutes.", productName, m.Code, minutes)
	case connector.TemplateForgotPassword:
		return fmt.Sprintf("%s password reset code: %s. It expires in %d minutes.", productName, m.Code, minutes)
	default:
		return fmt.Sprintf("%s verification code: %s. It expires in %d minutes.", productName, m.Code, minutes)
	}
}

// DevLog logs codes instead of sending them; for development only.
type DevLog struct {
	Logger *slog.Logger
	// ProductName brands the logged text; empty means "Gatehouse".
	ProductName string
}

var _ Sender = (*DevLog)(nil)

// Send logs the message under a loud warning.
func (d *DevLog) Send(ctx context.Context, m connector.Message) error {
	log := d.Logger
	if log == nil {
		log = slog.Default()
	}
	name := d.ProductName
	if name == "" {
		name = "Gatehouse"
	}
	// This is one of the two places a code is written to the log, on
	// purpose (the other is email.DevLog).
	log.WarnContext(ctx, "DEVELOPMENT ONLY: no SMS connector configured; text message written to the log instead of being sent",
		"to", m.To, "template", string(m.Template), "verification_code", m.Code, "text", Text(name, m))
	return nil
}

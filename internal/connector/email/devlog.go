package email

import (
	"context"
	"log/slog"

	"github.com/gatehouse/gatehouse/internal/connector"
)

// DevLog "sends" e-mail by writing the code to the log. It stands in when
// GATEHOUSE_SMTP_URL is unset, so a development install can sign up with
// e-mail codes without a mail server. Never use it in production: anyone
// who reads the log can take over any account.
type DevLog struct {
	Logger *slog.Logger
}

// Send logs the code under a loud warning.
func (d *DevLog) Send(ctx context.Context, m connector.Message) error {
	log := d.Logger
	if log == nil {
		log = slog.Default()
	}
	// This is the one place a code is written to the log, on purpose.
	log.WarnContext(ctx, "DEVELOPMENT ONLY: e-mail not configured (GATEHOUSE_SMTP_URL unset); verification code written to the log instead of being sent",
		"to", m.To, "template", string(m.Template), "verification_code", m.Code)
	return nil
}

package sms

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/connector"
)

func TestText(t *testing.T) {
	for _, tc := range []struct {
		tmpl connector.Template
		want string
	}{
		{connector.TemplateSignIn, "Acme sign-in code: 123456. It expires in 10 minutes."},
		{connector.TemplateRegister, "Acme sign-up code: 123456. It expires in 10 minutes."},
		{connector.TemplateForgotPassword, "Acme password reset code: 123456. It expires in 10 minutes."},
		{connector.TemplateGeneric, "Acme verification code: 123456. It expires in 10 minutes."},
	} {
		got := Text("Acme", connector.Message{To: "15551234567", Template: tc.tmpl, Code: "123456", ExpiresIn: 10 * time.Minute})
		if got != tc.want {
			t.Errorf("%s: %q", tc.tmpl, got)
		}
	}
}

func TestDevLog(t *testing.T) {
	var buf bytes.Buffer
	d := &DevLog{Logger: slog.New(slog.NewTextHandler(&buf, nil))}
	if err := d.Send(t.Context(), connector.Message{To: "15551234567", Template: connector.TemplateSignIn, Code: "654321", ExpiresIn: time.Minute}); err != nil {
		t.Fatal(err)
	}
	if out := buf.String(); !strings.Contains(out, "level=WARN") || !strings.Contains(out, "654321") || !strings.Contains(out, "DEVELOPMENT ONLY") {
		t.Fatalf("log: %s", out)
	}
}

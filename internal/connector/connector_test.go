package connector

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestMessageRedactsCode(t *testing.T) {
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("sending", "msg", Message{To: "a@example.com", Template: TemplateSignIn, Code: "123456"})
	if strings.Contains(buf.String(), "123456") || strings.Contains(buf.String(), "a@example.com") {
		t.Fatalf("log line leaks the message: %s", buf.String())
	}
}

func TestTemplateValid(t *testing.T) {
	for _, tc := range []struct {
		t    Template
		want bool
	}{{TemplateSignIn, true}, {TemplateRegister, true}, {TemplateForgotPassword, true}, {TemplateGeneric, true}, {"BindMfa", false}, {"", false}} {
		if got := tc.t.Valid(); got != tc.want {
			t.Errorf("%q.Valid() = %v", tc.t, got)
		}
	}
}

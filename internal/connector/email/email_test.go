package email_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/connector"
	"github.com/gatehouse/gatehouse/internal/connector/email"
	"github.com/gatehouse/gatehouse/internal/connector/email/emailtest"
)

const from = "Gatehouse <no-reply@auth.example.com>"

func newSender(t *testing.T, cfg email.Config) *email.SMTP {
	t.Helper()
	if cfg.From == "" {
		cfg.From = from
	}
	s, err := email.NewSMTP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func msg(to string, tmpl connector.Template) connector.Message {
	return connector.Message{To: to, Template: tmpl, Code: "314159", ExpiresIn: 10 * time.Minute}
}

// TestDeliver sends every usage type through a real SMTP server and reads
// the code back from the received message.
func TestDeliver(t *testing.T) {
	srv := emailtest.Start(t, emailtest.Options{})
	s := newSender(t, email.Config{URL: srv.URL, ProductName: "Acme <ID>"})
	cases := []struct {
		tmpl    connector.Template
		subject string
		text    string
	}{
		{connector.TemplateSignIn, "Your Acme <ID> sign-in code", "to sign in to Acme <ID>"},
		{connector.TemplateRegister, "Confirm your e-mail for Acme <ID>", "create your Acme <ID> account"},
		{connector.TemplateForgotPassword, "Reset your Acme <ID> password", "reset your Acme <ID> password"},
		{connector.TemplateGeneric, "Your Acme <ID> verification code", "verification code is"},
		{"Unknown", "Your Acme <ID> verification code", "verification code is"},
	}
	for i, tc := range cases {
		t.Run(string(tc.tmpl), func(t *testing.T) {
			if err := s.Send(t.Context(), msg("bob@example.com", tc.tmpl)); err != nil {
				t.Fatal(err)
			}
			m := srv.Next(t, "bob@example.com", i)
			if got := emailtest.Code(t, m); got != "314159" {
				t.Fatalf("code %q", got)
			}
			if m.Subject != tc.subject || !strings.Contains(m.Text, tc.text) || !strings.Contains(m.Text, "10 minutes") {
				t.Fatalf("subject %q text %q", m.Subject, m.Text)
			}
			if !strings.Contains(m.HTML, "314159") || !strings.Contains(m.HTML, "Acme &lt;ID&gt;") || strings.Contains(m.HTML, "<ID>") {
				t.Fatalf("html part not escaped or missing the code: %s", m.HTML)
			}
			if m.From != "no-reply@auth.example.com" || m.Header.Get("To") != "bob@example.com" ||
				!strings.Contains(m.Header.Get("From"), "no-reply@auth.example.com") || m.Header.Get("Message-Id") == "" || m.Header.Get("Date") == "" {
				t.Fatalf("headers: from=%q %v", m.From, m.Header)
			}
			if m.TLS {
				t.Fatal("TLS without a server certificate?")
			}
		})
	}
}

func TestSTARTTLSAndAuth(t *testing.T) {
	serverTLS, pool := emailtest.Certificate(t)
	srv := emailtest.Start(t, emailtest.Options{TLS: serverTLS, Username: "mailer", Password: "s3cret"})
	s := newSender(t, email.Config{URL: srv.URL, TLSConfig: &tls.Config{RootCAs: pool}})
	if err := s.Send(t.Context(), msg("carol@example.com", connector.TemplateSignIn)); err != nil {
		t.Fatal(err)
	}
	if m := srv.Next(t, "carol@example.com", 0); !m.TLS {
		t.Fatal("STARTTLS was offered but not used")
	}

	wrong := newSender(t, email.Config{URL: strings.Replace(srv.URL, "s3cret", "nope", 1), TLSConfig: &tls.Config{RootCAs: pool}})
	err := wrong.Send(t.Context(), msg("carol@example.com", connector.TemplateSignIn))
	if err == nil || !strings.Contains(err.Error(), "AUTH") {
		t.Fatalf("wrong password: %v", err)
	}
	if strings.Contains(err.Error(), "nope") || strings.Contains(err.Error(), "314159") {
		t.Fatalf("error leaks a secret: %v", err)
	}

	untrusted := newSender(t, email.Config{URL: srv.URL})
	if err := untrusted.Send(t.Context(), msg("carol@example.com", connector.TemplateSignIn)); err == nil {
		t.Fatal("an untrusted certificate was accepted")
	}
}

func TestImplicitTLS(t *testing.T) {
	serverTLS, pool := emailtest.Certificate(t)
	srv := emailtest.Start(t, emailtest.Options{TLS: serverTLS, Implicit: true, Username: "mailer", Password: "pw"})
	if !strings.HasPrefix(srv.URL, "smtps://") {
		t.Fatalf("url %s", srv.URL)
	}
	s := newSender(t, email.Config{URL: srv.URL, TLSConfig: &tls.Config{RootCAs: pool}})
	if err := s.Send(t.Context(), msg("dave@example.com", connector.TemplateRegister)); err != nil {
		t.Fatal(err)
	}
	if m := srv.Next(t, "dave@example.com", 0); !m.TLS || emailtest.Code(t, m) != "314159" {
		t.Fatalf("message: tls=%v", m.TLS)
	}
}

// TestTimeout: a server that accepts and never speaks must not hang the
// request that sends the code.
func TestTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	s := newSender(t, email.Config{URL: "smtp://" + ln.Addr().String(), Timeout: 200 * time.Millisecond})
	start := time.Now()
	if err := s.Send(context.Background(), msg("erin@example.com", connector.TemplateSignIn)); err == nil {
		t.Fatal("no error from a silent server")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %v", d)
	}
}

func TestConfigAndRecipient(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  email.Config
		ok   bool
	}{
		{"smtp", email.Config{URL: "smtp://u:p@mail.example.com:2525", From: from}, true},
		{"smtps default port", email.Config{URL: "smtps://mail.example.com", From: from}, true},
		{"from in the URL", email.Config{URL: "smtp://mail.example.com?from=" + "ops%40example.com"}, true},
		{"no sender", email.Config{URL: "smtp://mail.example.com"}, false},
		{"bad scheme", email.Config{URL: "http://mail.example.com", From: from}, false},
		{"no host", email.Config{URL: "smtp://", From: from}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := email.NewSMTP(tc.cfg)
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v", err)
			}
		})
	}
	srv := emailtest.Start(t, emailtest.Options{})
	s := newSender(t, email.Config{URL: srv.URL})
	for _, to := range []string{"a@example.com\r\nBcc: victim@example.com", "Alice <a@example.com>", "not an address"} {
		if err := s.Send(t.Context(), msg(to, connector.TemplateSignIn)); err == nil {
			t.Errorf("recipient %q accepted", to)
		}
	}
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("%d messages sent to bad recipients", n)
	}
}

func TestDevLog(t *testing.T) {
	var buf bytes.Buffer
	d := &email.DevLog{Logger: slog.New(slog.NewTextHandler(&buf, nil))}
	if err := d.Send(t.Context(), msg("frank@example.com", connector.TemplateSignIn)); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "level=WARN") || !strings.Contains(out, "DEVELOPMENT ONLY") || !strings.Contains(out, "314159") {
		t.Fatalf("log: %s", out)
	}
}

package email

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/smtp"
	"net/url"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/connector"
)

// Config configures the SMTP sender.
type Config struct {
	// URL is GATEHOUSE_SMTP_URL.
	URL string
	// From is the sender when the URL has no from parameter, e.g.
	// "Gatehouse <no-reply@auth.example.com>".
	From string
	// ProductName brands the messages; empty means "Gatehouse".
	ProductName string
	// Timeout bounds one delivery (dial to QUIT) when the context has no
	// earlier deadline; zero means 20 seconds.
	Timeout time.Duration
	// TLSConfig is used for STARTTLS and smtps; nil means the system roots.
	// ServerName is filled in from the URL.
	TLSConfig *tls.Config
	// LocalName is sent in EHLO; empty means "localhost".
	LocalName string
	// Now is the clock for the Date header; nil means time.Now.
	Now func() time.Time
}

// SMTP delivers messages through one SMTP server.
type SMTP struct {
	addr        string
	host        string
	implicitTLS bool
	username    string
	password    string
	from        *mail.Address
	product     string
	timeout     time.Duration
	tls         *tls.Config
	localName   string
	now         func() time.Time
	tmpl        *templates
}

// NewSMTP checks the configuration and returns a sender. It does not
// connect: a server that is down at start-up must not stop Gatehouse.
func NewSMTP(cfg Config) (*SMTP, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || u.Host == "" {
		return nil, errors.New("email: the SMTP URL must look like smtp://user:pass@host:port")
	}
	s := &SMTP{host: u.Hostname(), product: cfg.ProductName, timeout: cfg.Timeout, localName: cfg.LocalName, now: cfg.Now}
	port := u.Port()
	switch u.Scheme {
	case "smtp":
		if port == "" {
			port = "587"
		}
	case "smtps":
		s.implicitTLS = true
		if port == "" {
			port = "465"
		}
	default:
		return nil, fmt.Errorf("email: unsupported SMTP URL scheme %q (smtp or smtps)", u.Scheme)
	}
	s.addr = net.JoinHostPort(s.host, port)
	if u.User != nil {
		s.username = u.User.Username()
		s.password, _ = u.User.Password()
	}
	from := cfg.From
	if f := u.Query().Get("from"); f != "" {
		from = f
	}
	if s.from, err = mail.ParseAddress(from); err != nil {
		return nil, fmt.Errorf("email: invalid sender address %q", from)
	}
	if s.product == "" {
		s.product = "Gatehouse"
	}
	if s.timeout <= 0 {
		s.timeout = 20 * time.Second
	}
	if s.localName == "" {
		s.localName = "localhost"
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.tls = &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.TLSConfig != nil {
		s.tls = cfg.TLSConfig.Clone()
	}
	if s.tls.ServerName == "" {
		s.tls.ServerName = s.host
	}
	if s.tmpl, err = parseTemplates(); err != nil {
		return nil, err
	}
	return s, nil
}

// Send renders m and delivers it. Errors name the SMTP step that failed
// and never contain the message.
func (s *SMTP) Send(ctx context.Context, m connector.Message) error {
	to, err := mail.ParseAddress(m.To)
	if err != nil || to.Address != m.To {
		return fmt.Errorf("email: invalid recipient address")
	}
	r, err := s.tmpl.render(s.product, m)
	if err != nil {
		return err
	}
	msg, err := compose(s.from, to.Address, r, s.now())
	if err != nil {
		return fmt.Errorf("email: compose: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	return s.deliver(ctx, to.Address, msg)
}

func (s *SMTP) deliver(ctx context.Context, to string, msg []byte) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return fmt.Errorf("email: connect to %s: %w", s.addr, err)
	}
	// The deadline covers the whole dialogue; closing on cancellation
	// unblocks any read in progress.
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if s.implicitTLS {
		tc := tls.Client(conn, s.tls)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return fmt.Errorf("email: TLS handshake with %s: %w", s.addr, err)
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("email: greeting from %s: %w", s.addr, err)
	}
	defer c.Close()
	if err := c.Hello(s.localName); err != nil {
		return fmt.Errorf("email: EHLO: %w", err)
	}
	if !s.implicitTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(s.tls); err != nil {
				return fmt.Errorf("email: STARTTLS: %w", err)
			}
		}
	}
	if s.username != "" {
		if err := c.Auth(s.auth(c)); err != nil {
			return fmt.Errorf("email: AUTH: %w", err)
		}
	}
	if err := c.Mail(s.from.Address); err != nil {
		return fmt.Errorf("email: MAIL FROM: %w", err)
	}
	if err := c.Rcpt(to); err != nil {
		return fmt.Errorf("email: RCPT TO: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("email: DATA: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("email: DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("email: DATA: %w", err)
	}
	if err := c.Quit(); err != nil {
		return fmt.Errorf("email: QUIT: %w", err)
	}
	return nil
}

// auth picks PLAIN, or LOGIN for servers that only offer it. Both refuse
// to run over an unencrypted connection to anything but the loopback.
func (s *SMTP) auth(c *smtp.Client) smtp.Auth {
	if ok, mechs := c.Extension("AUTH"); ok && !hasMech(mechs, "PLAIN") && hasMech(mechs, "LOGIN") {
		return &loginAuth{username: s.username, password: s.password, host: s.host}
	}
	return smtp.PlainAuth("", s.username, s.password, s.host)
}

func hasMech(mechs, want string) bool {
	for _, m := range strings.Fields(mechs) {
		if strings.EqualFold(m, want) {
			return true
		}
	}
	return false
}

// loginAuth is the LOGIN SASL mechanism (draft-murchison-sasl-login),
// which some providers offer instead of PLAIN.
type loginAuth struct{ username, password, host string }

func (a *loginAuth) Start(server *smtp.ServerInfo) (string, []byte, error) {
	if !server.TLS && !isLoopback(server.Name) {
		return "", nil, errors.New("unencrypted connection")
	}
	if server.Name != a.host {
		return "", nil, errors.New("wrong host name")
	}
	return "LOGIN", nil, nil
}

func (a *loginAuth) Next(fromServer []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	switch strings.ToLower(strings.TrimSpace(string(fromServer))) {
	case "username:":
		return []byte(a.username), nil
	case "password:":
		return []byte(a.password), nil
	}
	return nil, errors.New("unexpected LOGIN challenge")
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

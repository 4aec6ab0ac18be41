// Package emailtest runs a real SMTP server on 127.0.0.1 for tests: Gatehouse
// sends to it over the network exactly as it would to a mail provider, and
// the test reads the messages (and the codes in them) back.
package emailtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Options shape the server.
type Options struct {
	// TLS, when set, makes the server offer STARTTLS (or, with Implicit,
	// speak TLS from the first byte) with this configuration.
	TLS      *tls.Config
	Implicit bool
	// Username and Password, when set, require AUTH PLAIN before MAIL.
	Username string
	Password string
}

// Message is one received message, decoded.
type Message struct {
	From    string
	To      []string
	Header  mail.Header
	Subject string
	Text    string
	HTML    string
	Raw     []byte
	// TLS reports whether the message arrived over an encrypted connection.
	TLS bool
}

// Server is a running test SMTP server.
type Server struct {
	// Addr is host:port; URL is a GATEHOUSE_SMTP_URL for it.
	Addr string
	URL  string

	opts   Options
	mu     sync.Mutex
	msgs   []Message
	notify chan struct{}
}

// Start runs a server until the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Addr: ln.Addr().String(), opts: opts, notify: make(chan struct{}, 1)}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{srv: s, conn: c}, nil
	}))
	srv.Domain = "localhost"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.MaxMessageBytes = 1 << 20
	srv.ErrorLog = testLogger{t}
	scheme := "smtp"
	if opts.TLS != nil {
		srv.TLSConfig = opts.TLS
		if opts.Implicit {
			ln = tls.NewListener(ln, opts.TLS)
			scheme = "smtps"
		}
	}
	u := url.URL{Scheme: scheme, Host: s.Addr}
	if opts.Username != "" {
		u.User = url.UserPassword(opts.Username, opts.Password)
	}
	s.URL = u.String()
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

type testLogger struct{ t testing.TB }

func (l testLogger) Printf(format string, v ...any) { l.t.Logf("smtp server: "+format, v...) }
func (l testLogger) Println(v ...any)               { l.t.Log(append([]any{"smtp server:"}, v...)...) }

// Messages returns what has arrived so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Next waits (up to 10 s) for the next message to rcpt after the first
// skip messages to rcpt, and fails the test if none arrives.
func (s *Server) Next(t testing.TB, rcpt string, skip int) Message {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		n := 0
		for _, m := range s.Messages() {
			for _, to := range m.To {
				if strings.EqualFold(to, rcpt) {
					if n == skip {
						return m
					}
					n++
				}
			}
		}
		select {
		case <-s.notify:
		case <-deadline:
			t.Fatalf("no message %d for %s arrived", skip+1, rcpt)
			return Message{}
		}
	}
}

// Count reports how many messages rcpt has received.
func (s *Server) Count(rcpt string) int {
	n := 0
	for _, m := range s.Messages() {
		for _, to := range m.To {
			if strings.EqualFold(to, rcpt) {
				n++
			}
		}
	}
	return n
}

var codeRE = regexp.MustCompile(`\b\d{6}\b`)

// Code returns the six-digit code in the message's text part, failing the
// test if there is none.
func Code(t testing.TB, m Message) string {
	t.Helper()
	c := codeRE.FindString(m.Text)
	if c == "" {
		t.Fatalf("no code in message %q", m.Text)
	}
	return c
}

type session struct {
	srv    *Server
	conn   *smtp.Conn
	authed bool
	from   string
	to     []string
}

var errAuthRequired = &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}

func (s *session) AuthMechanisms() []string {
	if s.srv.opts.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != s.srv.opts.Username || password != s.srv.opts.Password {
			return errors.New("invalid credentials")
		}
		s.authed = true
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.srv.opts.Username != "" && !s.authed {
		return errAuthRequired
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := parse(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, Message: "unparsable message: " + err.Error()}
	}
	m.From, m.To = s.from, s.to
	_, m.TLS = s.conn.TLSConnectionState()
	s.srv.mu.Lock()
	s.srv.msgs = append(s.srv.msgs, m)
	s.srv.mu.Unlock()
	select {
	case s.srv.notify <- struct{}{}:
	default:
	}
	return nil
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }

// parse decodes a multipart/alternative message into its text and HTML
// parts (multipart.Reader undoes quoted-printable itself).
func parse(raw []byte) (Message, error) {
	msg, err := mail.ReadMessage(strings.NewReader(string(raw)))
	if err != nil {
		return Message{}, err
	}
	out := Message{Header: msg.Header, Raw: raw}
	dec := new(mime.WordDecoder)
	if out.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return Message{}, err
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		return Message{}, err
	}
	if !strings.HasPrefix(mt, "multipart/") {
		b, err := io.ReadAll(msg.Body)
		out.Text = string(b)
		return out, err
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return Message{}, err
		}
		b, err := io.ReadAll(p)
		if err != nil {
			return Message{}, err
		}
		switch ct := p.Header.Get("Content-Type"); {
		case strings.HasPrefix(ct, "text/plain"):
			out.Text = string(b)
		case strings.HasPrefix(ct, "text/html"):
			out.HTML = string(b)
		}
	}
}

// Certificate makes a self-signed certificate for 127.0.0.1 and localhost.
// It returns the server's TLS configuration and a pool that trusts it.
func Certificate(t testing.TB) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "emailtest"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:     []string{"localhost"},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, pool
}

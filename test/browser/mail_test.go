package browser

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// mailbox is a minimal SMTP server (RFC 5321: EHLO/HELO, MAIL, RCPT,
// DATA, RSET, NOOP, QUIT; no TLS, no AUTH) that keeps every message it
// receives, for reading verification codes.
type mailbox struct {
	ln   net.Listener
	mu   sync.Mutex
	msgs []received
	cond *sync.Cond
}

type received struct {
	to   []string
	text string // decoded text of every part
}

func newMailbox(t *testing.T) *mailbox {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m := &mailbox{ln: ln}
	m.cond = sync.NewCond(&m.mu)
	go m.serve()
	t.Cleanup(func() { ln.Close() })
	return m
}

// URL is the GATEHOUSE_SMTP_URL of the mailbox.
func (m *mailbox) URL() string { return "smtp://" + m.ln.Addr().String() }

func (m *mailbox) serve() {
	for {
		c, err := m.ln.Accept()
		if err != nil {
			return
		}
		go m.session(c)
	}
}

func (m *mailbox) session(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Minute))
	r := bufio.NewReader(c)
	reply := func(s string) { _, _ = io.WriteString(c, s+"\r\n") }
	reply("220 mailbox.test ESMTP")
	var to []string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"):
			reply("250-mailbox.test")
			reply("250-8BITMIME")
			reply("250 SMTPUTF8")
		case strings.HasPrefix(cmd, "HELO"):
			reply("250 mailbox.test")
		case strings.HasPrefix(cmd, "MAIL FROM"):
			to = nil
			reply("250 OK")
		case strings.HasPrefix(cmd, "RCPT TO"):
			to = append(to, strings.Trim(strings.TrimSpace(line[8:]), "<>"))
			reply("250 OK")
		case cmd == "DATA":
			reply("354 End data with <CR><LF>.<CR><LF>")
			var buf bytes.Buffer
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if strings.TrimRight(l, "\r\n") == "." {
					break
				}
				buf.WriteString(strings.TrimPrefix(l, "."))
			}
			m.mu.Lock()
			m.msgs = append(m.msgs, received{to: to, text: decode(buf.Bytes())})
			m.cond.Broadcast()
			m.mu.Unlock()
			reply("250 OK: queued")
		case cmd == "RSET", cmd == "NOOP":
			reply("250 OK")
		case cmd == "QUIT":
			reply("221 Bye")
			return
		default:
			reply("502 Command not implemented")
		}
	}
}

// decode returns the readable text of a MIME message (all text parts,
// transfer encodings undone).
func decode(raw []byte) string {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return string(raw)
	}
	var out strings.Builder
	out.WriteString(msg.Header.Get("Subject") + "\n")
	var walk func(h map[string][]string, body io.Reader)
	walk = func(h map[string][]string, body io.Reader) {
		header := mail.Header(h)
		mediaType, params, _ := mime.ParseMediaType(header.Get("Content-Type"))
		if strings.HasPrefix(mediaType, "multipart/") {
			mr := multipart.NewReader(body, params["boundary"])
			for {
				p, err := mr.NextPart()
				if err != nil {
					return
				}
				walk(p.Header, p)
			}
		}
		switch strings.ToLower(header.Get("Content-Transfer-Encoding")) {
		case "quoted-printable":
			body = quotedprintable.NewReader(body)
		case "base64":
			body = base64.NewDecoder(base64.StdEncoding, body)
		}
		b, _ := io.ReadAll(body)
		out.Write(b)
		out.WriteString("\n")
	}
	walk(msg.Header, msg.Body)
	return out.String()
}

// sixDigits finds a verification code, not an HTML colour (#333333) or a
// character reference (&#123456;).
var sixDigits = regexp.MustCompile(`(?:^|[^#&\w])(\d{6})\b`)

// code waits for the next message to addr after `after` messages and
// returns the 6-digit code in it.
func (m *mailbox) code(t *testing.T, addr string, after int) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	go func() {
		time.Sleep(time.Until(deadline))
		m.cond.Broadcast()
	}()
	m.mu.Lock()
	defer m.mu.Unlock()
	for {
		seen := 0
		for _, msg := range m.msgs {
			for _, rcpt := range msg.to {
				if strings.EqualFold(rcpt, addr) {
					seen++
					if seen > after {
						if c := sixDigits.FindStringSubmatch(msg.text); c != nil {
							return c[1]
						}
						t.Fatalf("no 6-digit code in the mail to %s:\n%s", addr, msg.text)
					}
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no mail to %s within 15 s (%d received)", addr, len(m.msgs))
		}
		m.cond.Wait()
	}
}

// count returns how many messages addr has received.
func (m *mailbox) count(addr string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, msg := range m.msgs {
		for _, rcpt := range msg.to {
			if strings.EqualFold(rcpt, addr) {
				n++
			}
		}
	}
	return n
}

// TestMailbox checks the test SMTP server itself with Go's SMTP client: a
// multipart message with a quoted-printable HTML part gives up its code.
func TestMailbox(t *testing.T) {
	mb := newMailbox(t)
	msg := "From: Gatehouse <no-reply@example.com>\r\n" +
		"To: bob@example.com\r\n" +
		"Subject: Your code\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: multipart/alternative; boundary=XYZ\r\n\r\n" +
		"--XYZ\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
		"<p style=3D\"color:#333333\">Your code is <b>482913</b></p>\r\n" +
		"--XYZ--\r\n"
	if err := smtp.SendMail(strings.TrimPrefix(mb.URL(), "smtp://"), nil, "no-reply@example.com",
		[]string{"bob@example.com"}, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	if got := mb.code(t, "bob@example.com", 0); got != "482913" {
		t.Fatalf("code %q", got)
	}
	if n := mb.count("bob@example.com"); n != 1 {
		t.Fatalf("count %d", n)
	}
}

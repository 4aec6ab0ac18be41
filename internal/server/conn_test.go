package server

import (
	"errors"
	"net"
	"os"
	"testing"
	"time"
)

// TestRollingWriteDeadline: a peer that never reads makes a write fail
// within the rolling deadline, even after net/http-style clears.
func TestRollingWriteDeadline(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	dl := deadlineListener{Listener: ln, timeout: 300 * time.Millisecond, slack: 100 * time.Millisecond}
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close() // never read from
	c, err := dl.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	_ = c.SetWriteDeadline(time.Time{}) // what net/http does after each response
	start := time.Now()
	chunk := make([]byte, 64<<10)
	for {
		if _, err = c.Write(chunk); err != nil {
			break
		}
		if time.Since(start) > 5*time.Second {
			t.Fatal("write to a peer that does not read never timed out")
		}
	}
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("err %v, want a deadline error", err)
	}
}

// TestExplicitWriteDeadlineKept: a deadline a handler sets is not
// replaced by the rolling one.
func TestExplicitWriteDeadlineKept(t *testing.T) {
	c := &deadlineConn{Conn: nopConn{}, timeout: time.Hour, refresh: 30 * time.Minute}
	d := time.Now().Add(time.Second)
	_ = c.SetWriteDeadline(d)
	_, _ = c.Write(nil)
	if got := c.armed.Load(); got != d.UnixNano() {
		t.Fatalf("armed %v, want the explicit %v", got, d.UnixNano())
	}
	_ = c.SetWriteDeadline(time.Time{})
	_, _ = c.Write(nil)
	if got := c.armed.Load(); got-time.Now().UnixNano() < int64(50*time.Minute) {
		t.Fatal("rolling deadline not re-armed after the clear")
	}
}

type nopConn struct{ net.Conn }

func (nopConn) Write(p []byte) (int, error)      { return len(p), nil }
func (nopConn) SetWriteDeadline(time.Time) error { return nil }

package server

import (
	"net"
	"sync/atomic"
	"time"
)

// Write deadlines (slow-reader protection). A client that stops reading
// its responses would block a write, and the goroutine and connection with
// it, until TCP gives up, which a zero receive window postpones forever.
// http.Server's WriteTimeout bounds that, but arms the connection's write
// timer before every response and stops it after (two timer-heap updates
// per request, for every request). Instead every accepted connection keeps
// a rolling write deadline: each Write finishes within writeTimeout or
// fails, and the timer is re-armed only when less than writeTimeout-
// writeSlack is left, about once per writeSlack on a busy connection.
const (
	writeTimeout = 30 * time.Second
	writeSlack   = 15 * time.Second
)

// deadlineListener hands out deadlineConns; zero durations mean
// writeTimeout and writeSlack. clock, if set, is read instead of time.Now
// on every write (a clock read is a noticeable part of a discovery request
// on some virtual machines).
type deadlineListener struct {
	net.Listener
	timeout, slack time.Duration
	clock          *coarseClock
}

// coarseClock is the time (UnixNano) to within coarseTick, while run runs.
type coarseClock struct{ now atomic.Int64 }

const coarseTick = time.Second

func newCoarseClock() *coarseClock {
	c := &coarseClock{}
	c.now.Store(time.Now().UnixNano())
	return c
}

// run updates the clock until done is closed.
func (c *coarseClock) run(done <-chan struct{}) {
	t := time.NewTicker(coarseTick)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case now := <-t.C:
			c.now.Store(now.UnixNano())
		}
	}
}

func (l deadlineListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	dc := &deadlineConn{Conn: c, timeout: l.timeout, refresh: l.timeout - l.slack, clock: l.clock}
	if l.timeout <= 0 {
		dc.timeout, dc.refresh = writeTimeout, writeTimeout-writeSlack
	}
	return dc, nil
}

// deadlineConn is a connection with a rolling write deadline. net/http
// clears the write deadline after every response; that clear is ignored (an
// armed deadline with no write pending does nothing). A non-zero deadline a
// handler sets (http.ResponseController) is kept as set until cleared.
type deadlineConn struct {
	net.Conn
	// timeout is the rolling deadline; it is re-armed when less than
	// refresh is left.
	timeout, refresh time.Duration
	clock            *coarseClock // nil: time.Now
	// armed is the write deadline in force (UnixNano; 0 none), explicit
	// whether a caller set it.
	armed    atomic.Int64
	explicit atomic.Bool
}

func (c *deadlineConn) Write(p []byte) (int, error) {
	if !c.explicit.Load() {
		var now int64
		if c.clock != nil {
			now = c.clock.now.Load() // late by < coarseTick, far less than the slack
		} else {
			now = time.Now().UnixNano()
		}
		if c.armed.Load()-now < int64(c.refresh) {
			d := time.Now().Add(c.timeout)
			if err := c.Conn.SetWriteDeadline(d); err != nil {
				return 0, err
			}
			c.armed.Store(d.UnixNano())
		}
	}
	return c.Conn.Write(p)
}

func (c *deadlineConn) SetWriteDeadline(t time.Time) error {
	if t.IsZero() {
		c.explicit.Store(false) // back to the rolling deadline
		return nil
	}
	c.explicit.Store(true)
	c.armed.Store(t.UnixNano())
	return c.Conn.SetWriteDeadline(t)
}

func (c *deadlineConn) SetDeadline(t time.Time) error {
	if err := c.Conn.SetReadDeadline(t); err != nil {
		return err
	}
	return c.SetWriteDeadline(t)
}

// CloseWrite lets net/http half-close the connection (it does before
// closing one whose request body it did not read).
func (c *deadlineConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

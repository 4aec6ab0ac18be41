package resilience

import (
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"
)

// freezer is a TCP proxy in front of a database that can stop forwarding
// bytes without closing anything: the database seems to hang, as behind a
// network partition or a stalled disk. (Stopping the server refuses
// connections at once; this is the harder case.)
type freezer struct {
	ln       net.Listener
	upstream string
	mu       sync.Mutex
	frozen   bool
	thaw     chan struct{}
}

func newFreezer(t testing.TB, upstream string) *freezer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &freezer{ln: ln, upstream: upstream, thaw: make(chan struct{})}
	t.Cleanup(func() { ln.Close(); f.set(false) })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go f.serve(c)
		}
	}()
	return f
}

func (f *freezer) set(frozen bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.frozen && !frozen {
		close(f.thaw)
		f.thaw = make(chan struct{})
	}
	f.frozen = frozen
}

// wait blocks while the proxy is frozen.
func (f *freezer) wait() {
	f.mu.Lock()
	frozen, thaw := f.frozen, f.thaw
	f.mu.Unlock()
	if frozen {
		<-thaw
	}
}

func (f *freezer) serve(c net.Conn) {
	defer c.Close()
	f.wait()
	up, err := net.Dial("tcp", f.upstream)
	if err != nil {
		return
	}
	defer up.Close()
	pipe := func(dst, src net.Conn) {
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				f.wait()
				if _, werr := dst.Write(buf[:n]); werr != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	}
	go pipe(up, c)
	pipe(c, up)
}

// TestDatabaseHang makes the database stop answering (without refusing)
// and expects the server to answer 503 within a bounded time rather than
// hold requests for as long as the client waits. It documents a gap: the
// store has no per-request deadline (only readiness bounds its ping), so
// it runs only with GATEHOUSE_TEST_DB_HANG=1 until one is added.
func TestDatabaseHang(t *testing.T) {
	if os.Getenv("GATEHOUSE_TEST_DB_HANG") == "" {
		t.Skip("set GATEHOUSE_TEST_DB_HANG=1 to check store deadlines on a database that stops answering (fails today: see the test's comment)")
	}
	base := postgresURL(t)
	schemaURL := pgSchema(t, base)
	u, err := url.Parse(schemaURL)
	if err != nil {
		t.Fatal(err)
	}
	fz := newFreezer(t, u.Host)
	u.Host = fz.ln.Addr().String()
	n := newNode(t, "gatehouse", u.String(), "")
	var spa app
	n.cli(&spa, "apps", "create", "--type", "SPA", "--name", "spa", "--redirect-uri", "http://127.0.0.1:9/cb")
	spa.Redirect = "http://127.0.0.1:9/cb"
	n.start()
	c := &http.Client{Timeout: 60 * time.Second}
	ts, err := newBrowser(n.endpoint, nil).signUp(c, spa, uniqueName("hang"), testPassword)
	if err != nil {
		t.Fatal(err)
	}

	fz.set(true)
	defer fz.set(false)
	timed := func(path string, hdr ...string) (int, time.Duration) {
		req, _ := http.NewRequest("GET", n.endpoint+path, nil)
		if len(hdr) == 2 {
			req.Header.Set(hdr[0], hdr[1])
		}
		start := time.Now()
		resp, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
		if err != nil {
			return 0, time.Since(start)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, time.Since(start)
	}
	status, took := timed("/api/status/ready")
	t.Logf("readiness with a hung database: %d after %s", status, took.Round(time.Millisecond))
	if status != http.StatusServiceUnavailable || took > 5*time.Second {
		t.Errorf("readiness: %d after %s, want 503 within 5 s", status, took)
	}
	status, took = timed("/oidc/me", "Authorization", "Bearer "+ts.AccessToken)
	t.Logf("userinfo with a hung database: %d after %s", status, took.Round(time.Millisecond))
	if status != http.StatusServiceUnavailable || took > 15*time.Second {
		t.Errorf("userinfo: status %d after %s, want 503 within 15 s (no per-request store deadline)", status, took)
	}
}

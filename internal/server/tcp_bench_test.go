package server

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The TCP benchmarks run the whole server handler behind a real loopback
// listener with keep-alive, as bench/ drives it: a CPU profile focused on
// net/http.(*conn).serve is the server's side of one request.

func benchTCP(b *testing.B, newReq func(e *benchEnv, url string) *http.Request) {
	e := newBenchServer(b)
	srv := httptest.NewServer(e.h)
	defer srv.Close()
	client := srv.Client()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Do(newReq(e, srv.URL))
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Fatal(resp.StatusCode)
			}
		}
	})
}

func BenchmarkTCPUserinfo(b *testing.B) {
	benchTCP(b, func(e *benchEnv, url string) *http.Request {
		req, _ := http.NewRequest(http.MethodGet, url+"/oidc/me", nil)
		req.Header.Set("Authorization", "Bearer "+e.at)
		return req
	})
}

func BenchmarkTCPIntrospection(b *testing.B) {
	benchTCP(b, func(e *benchEnv, url string) *http.Request {
		req, _ := http.NewRequest(http.MethodPost, url+"/oidc/token/introspection", strings.NewReader("token="+e.at))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(e.client, e.secret)
		return req
	})
}

// BenchmarkTCPStatic is the discovery and JWKS target of spec/quality.md
// (≥ 90 % of a plain net/http stub's throughput) as bench/run.sh measures
// it, in one `go test -bench` run: Gatehouse (Server.Serve, so the real
// listener, connection wrapper and http.Server settings) and a stub serving
// the same bytes each run in a child process (this test binary, see
// TestMain), pinned to CPU 0 with taskset when there is one, and
// are driven over loopback keep-alive connections by a raw HTTP/1.1 client
// (32 connections, as wrk -c32; no net/http client, so little client CPU).
//
// Each op is one request to each server: they take turns in batches of
// 1,000 requests, so both see the same machine. Metrics: gatehouse-ns/op
// and stub-ns/op are each child's user+system CPU (getrusage) per request
// (the figure the target rests on, steady even when the machine is busy);
// gatehouse-% is stub ÷ Gatehouse CPU per request, that is Gatehouse's
// CPU-bound throughput as a share of the stub's. ns/op is wall time for the
// pair of requests.
//
//	go test -run XXX -bench TCPStatic -benchtime 50000x -count 5 ./internal/server/
func BenchmarkTCPStatic(b *testing.B) {
	gh := startBenchChild(b, "gatehouse", "")
	dir := b.TempDir()
	docs := []struct{ name, path, file string }{
		{"discovery", "/oidc/.well-known/openid-configuration", "discovery.json"},
		{"jwks", "/oidc/jwks", "jwks.json"},
	}
	for _, d := range docs {
		resp, err := http.Get("http://" + gh.addr + d.path)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatal(d.path, resp.StatusCode)
		}
		if err := os.WriteFile(filepath.Join(dir, d.file), body, 0o600); err != nil {
			b.Fatal(err)
		}
	}
	stub := startBenchChild(b, "stub", dir)
	for _, d := range docs {
		b.Run(d.name, func(b *testing.B) {
			lg, ls := newRawLoad(b, gh, d.path), newRawLoad(b, stub, d.path)
			var cpuG, cpuS time.Duration
			const batch = 1000
			lg.run(b, batch) // warm-up: connections, buffers, heap
			ls.run(b, batch)
			b.ResetTimer()
			for done := 0; done < b.N; done += batch {
				n := min(batch, b.N-done)
				cpuG += lg.run(b, n)
				cpuS += ls.run(b, n)
			}
			b.StopTimer()
			g := float64(cpuG.Nanoseconds()) / float64(b.N)
			st := float64(cpuS.Nanoseconds()) / float64(b.N)
			b.ReportMetric(g, "gatehouse-ns/op")
			b.ReportMetric(st, "stub-ns/op")
			b.ReportMetric(100*st/g, "gatehouse-%")
		})
	}
}

// benchChild is a server in a child process.
type benchChild struct {
	mode, addr string
	in         io.WriteCloser
	out        *bufio.Reader
}

const benchChildEnv = "GATEHOUSE_TCPBENCH_CHILD"

func startBenchChild(b *testing.B, mode, dir string) *benchChild {
	b.Helper()
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	args := []string{"-test.run=^$"}
	name := exe
	if ts, err := exec.LookPath("taskset"); err == nil && runtime.NumCPU() >= 2 {
		name, args = ts, append([]string{"-c", "0", exe}, args...)
	}
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), benchChildEnv+"="+mode, "GATEHOUSE_TCPBENCH_DIR="+dir, "GOMAXPROCS=1")
	if mode == "gatehouse" {
		// What `gatehouse serve` sets unless the environment does
		// (cmd/gatehouse/serve.go, setMemoryLimit); the stub keeps Go's
		// defaults, as bench/'s does.
		cmd.Env = append(cmd.Env, "GOGC=400", "GOMEMLIMIT=64MiB")
	}
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	c := &benchChild{mode: mode, in: in, out: bufio.NewReader(outPipe)}
	b.Cleanup(func() {
		_ = in.Close() // the child exits when its stdin closes
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	line, err := c.out.ReadString('\n')
	if err != nil {
		b.Fatalf("%s child: %v", mode, err)
	}
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "addr ")
	if !ok {
		b.Fatalf("%s child: %q", mode, line)
	}
	c.addr = addr
	return c
}

// cpu is the child's CPU time so far.
func (c *benchChild) cpu(b *testing.B) time.Duration {
	if _, err := io.WriteString(c.in, "cpu\n"); err != nil {
		b.Fatal(err)
	}
	line, err := c.out.ReadString('\n')
	if err != nil {
		b.Fatal(err)
	}
	ns, err := strconv.ParseInt(strings.TrimSpace(line), 10, 64)
	if err != nil {
		b.Fatal(err)
	}
	return time.Duration(ns)
}

// rawLoad is 32 keep-alive connections to one child, as wrk -c32.
type rawLoad struct {
	child   *benchChild
	req     []byte
	clients []rawClient
}

type rawClient struct {
	conn net.Conn
	r    *bufio.Reader
}

func newRawLoad(b *testing.B, c *benchChild, path string) *rawLoad {
	const conns = 32
	l := &rawLoad{child: c, req: []byte("GET " + path + " HTTP/1.1\r\nHost: " + c.addr + "\r\nUser-Agent: gbench\r\n\r\n")}
	for range conns {
		conn, err := net.Dial("tcp", c.addr)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = conn.Close() })
		l.clients = append(l.clients, rawClient{conn, bufio.NewReaderSize(conn, 16<<10)})
	}
	return l
}

// run makes n requests and returns the child's CPU time over them.
func (l *rawLoad) run(b *testing.B, n int) time.Duration {
	var next atomic.Int64
	var wg sync.WaitGroup
	errc := make(chan error, len(l.clients))
	cpu0 := l.child.cpu(b)
	for _, cl := range l.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				if _, err := cl.conn.Write(l.req); err != nil {
					errc <- err
					return
				}
				if err := readRawResponse(cl.r); err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	cpu := l.child.cpu(b) - cpu0
	select {
	case err := <-errc:
		b.Fatal(err)
	default:
	}
	return cpu
}

// readRawResponse reads one 200 response with a Content-Length.
func readRawResponse(r *bufio.Reader) error {
	status, err := r.ReadSlice('\n')
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(status, []byte("HTTP/1.1 200 ")) {
		return fmt.Errorf("status %q", status)
	}
	n := -1
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(line) <= 2 {
			break
		}
		if k, v, ok := bytes.Cut(line, []byte(":")); ok && strings.EqualFold(string(k), "Content-Length") {
			if n, err = strconv.Atoi(string(bytes.TrimSpace(v))); err != nil {
				return err
			}
		}
	}
	if n < 0 {
		return errors.New("no Content-Length")
	}
	_, err = r.Discard(n)
	return err
}

// TestMain runs the package's tests, or, in a child that
// BenchmarkTCPStatic started (benchChildEnv set), one of its servers.
func TestMain(m *testing.M) {
	if mode := os.Getenv(benchChildEnv); mode != "" {
		if err := runBenchChild(mode); err != nil {
			fmt.Fprintf(os.Stderr, "%s child: %v\n", mode, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runBenchChild is BenchmarkTCPStatic's server process. It prints
// "addr HOST:PORT", answers each "cpu" line on stdin with its CPU time so
// far (ns) and returns when stdin closes.
func runBenchChild(mode string) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	errc := make(chan error, 1)
	switch mode {
	case "gatehouse":
		dir, err := os.MkdirTemp("", "tcpbench")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		s, err := openBenchServer(ctx, dir)
		if err != nil {
			return err
		}
		defer s.Close()
		go func() { errc <- s.Serve(ctx, ln) }()
	case "stub":
		// bench/cmd/gbench's stub: the same bytes, nothing else.
		dir := os.Getenv("GATEHOUSE_TCPBENCH_DIR")
		mux := http.NewServeMux()
		for pattern, file := range map[string]string{
			"GET /oidc/.well-known/openid-configuration": "discovery.json",
			"GET /oidc/jwks": "jwks.json",
		} {
			body, err := os.ReadFile(filepath.Join(dir, file))
			if err != nil {
				return err
			}
			n := strconv.Itoa(len(body))
			mux.HandleFunc(pattern, func(w http.ResponseWriter, _ *http.Request) {
				h := w.Header()
				h["Content-Type"] = []string{"application/json"}
				h["Content-Length"] = []string{n}
				_, _ = w.Write(body)
			})
		}
		srv := &http.Server{Handler: mux}
		go func() { errc <- srv.Serve(ln) }()
		go func() { <-ctx.Done(); _ = srv.Close() }()
	default:
		return fmt.Errorf("unknown mode %q", mode)
	}
	if prof := os.Getenv("GATEHOUSE_TCPBENCH_CPUPROFILE"); prof != "" {
		// GATEHOUSE_TCPBENCH_CPUPROFILE=dir: each child's CPU profile
		// goes to dir/MODE.pprof.
		f, err := os.Create(filepath.Join(prof, mode+".pprof"))
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer func() { pprof.StopCPUProfile(); _ = f.Close() }()
	}
	fmt.Printf("addr %s\n", ln.Addr())
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		if in.Text() == "cpu" {
			var ru syscall.Rusage
			if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
				return err
			}
			fmt.Printf("%d\n", ru.Utime.Nano()+ru.Stime.Nano())
		}
	}
	stop()
	select {
	case err := <-errc:
		if err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, context.Canceled) {
			return err
		}
	case <-time.After(15 * time.Second):
	}
	return nil
}

// Package resilience holds the black-box tests of quality.md's
// reliability and scale rules, run against the real gatehouse binary:
// several nodes on one PostgreSQL (multinode_test.go), kill -9 under load
// (crash_test.go), a database outage under load (outage_test.go), and
// user-table scale with index proofs (scale_test.go, explain_test.go).
//
// PostgreSQL tests run when GATEHOUSE_TEST_POSTGRES_URL is set; the outage
// test starts a private PostgreSQL cluster of its own (never the shared
// one) and skips when the server binaries are not installed. The 1M-user
// measurements run only with GATEHOUSE_TEST_SCALE=1.
package resilience

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to inspect rows directly
	_ "modernc.org/sqlite"             // the "sqlite" driver
)

// binary is the gatehouse binary built once by TestMain.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gatehouse-resilience-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "gatehouse")
	build := exec.Command("go", "build", "-o", binary, "github.com/gatehouse/gatehouse/cmd/gatehouse")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// secretKey is every node's GATEHOUSE_SECRET_KEY: nodes of one deployment
// share it (cookies, sealed signing keys).
var secretKey = strings.Repeat("5e", 32)

// freeAddr returns a loopback address nobody listens on right now.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// lockedBuffer collects a process's output safely.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// node is one gatehouse process.
type node struct {
	t        testing.TB
	name     string
	addr     string // where it listens
	endpoint string // its public URL (GATEHOUSE_ENDPOINT)
	dbURL    string
	cmd      *exec.Cmd
	logs     *lockedBuffer
	exited   chan struct{}
}

// nodeEnv is the environment a node (or a CLI call) runs with.
func (n *node) env() []string {
	return append(os.Environ(),
		"GATEHOUSE_ADDR="+n.addr,
		"GATEHOUSE_ENDPOINT="+n.endpoint,
		"GATEHOUSE_DATABASE_URL="+n.dbURL,
		"GATEHOUSE_SECRET_KEY="+secretKey,
		"GATEHOUSE_LOG_LEVEL=info",
	)
}

// newNode describes a node; start runs it. endpoint "" means its own
// address.
func newNode(t testing.TB, name, dbURL, endpoint string) *node {
	addr := freeAddr(t)
	if endpoint == "" {
		// A host name, not the IP: WebAuthn's relying party ID must be a
		// domain.
		endpoint = "http://localhost:" + portOf(t, addr)
	}
	n := &node{t: t, name: name, addr: addr, endpoint: endpoint, dbURL: dbURL, logs: &lockedBuffer{}}
	t.Cleanup(func() {
		n.kill()
		if t.Failed() {
			t.Logf("%s logs:\n%s", n.name, n.logs.String())
		}
	})
	return n
}

// start runs the node and waits until it is ready.
func (n *node) start() {
	n.t.Helper()
	n.cmd = exec.Command(binary, "serve")
	n.cmd.Env = n.env()
	n.cmd.Stdout = n.logs
	n.cmd.Stderr = n.logs
	if err := n.cmd.Start(); err != nil {
		n.t.Fatalf("start %s: %v", n.name, err)
	}
	n.exited = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) {
		_ = cmd.Wait()
		close(done)
	}(n.cmd, n.exited)
	n.waitReady(30 * time.Second)
}

// waitReady polls the readiness route.
func (n *node) waitReady(timeout time.Duration) {
	n.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		resp, err := http.Get("http://" + n.addr + "/api/status/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusNoContent {
				return
			}
		}
		select {
		case <-n.exited:
			n.t.Fatalf("%s exited during start-up:\n%s", n.name, n.logs.String())
		default:
		}
		if time.Now().After(deadline) {
			n.t.Fatalf("%s not ready after %s (last: %v):\n%s", n.name, timeout, err, n.logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (n *node) kill() {
	if n.cmd == nil || n.cmd.Process == nil {
		return
	}
	_ = n.cmd.Process.Signal(syscall.SIGKILL)
	<-n.exited
	n.cmd = nil
}

// alive reports whether the process is still running.
func (n *node) alive() bool {
	if n.cmd == nil {
		return false
	}
	select {
	case <-n.exited:
		return false
	default:
		return true
	}
}

// cli runs a gatehouse subcommand against the node's database and decodes
// its JSON output into out (if not nil).
func (n *node) cli(out any, args ...string) {
	n.t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = n.env()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	raw, err := cmd.Output()
	if err != nil {
		n.t.Fatalf("gatehouse %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			n.t.Fatalf("gatehouse %s: output %q: %v", strings.Join(args, " "), raw, err)
		}
	}
}

// exactCLI returns a gatehouse subcommand ready to run against the
// node's database, for tests that inspect failures.
func exactCLI(n *node, args ...string) *exec.Cmd {
	cmd := exec.Command(binary, args...)
	cmd.Env = n.env()
	return cmd
}

// postgresURL returns the shared test database or skips.
func postgresURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("GATEHOUSE_TEST_POSTGRES_URL")
	if u == "" {
		t.Skip("set GATEHOUSE_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable to run the PostgreSQL resilience tests")
	}
	return u
}

// pgSchema creates an empty schema in the database at base, drops it when
// the test ends, and returns base pointed at it (search_path), for nodes
// and CLI calls that must share one schema.
func pgSchema(t testing.TB, base string) string {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "r_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.ExecContext(t.Context(), "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// openDB opens the database behind a gatehouse URL for direct inspection.
func openDB(t testing.TB, dbURL string) *sql.DB {
	t.Helper()
	var db *sql.DB
	var err error
	if p, ok := strings.CutPrefix(dbURL, "sqlite://"); ok {
		db, err = sql.Open("sqlite", p+"?_pragma=busy_timeout(5000)")
	} else {
		db, err = sql.Open("pgx", dbURL)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// backends runs f on SQLite and, when configured, on PostgreSQL; f gets a
// fresh database URL.
func backends(t *testing.T, f func(t *testing.T, dbURL string)) {
	t.Run("sqlite", func(t *testing.T) {
		f(t, "sqlite://"+filepath.Join(t.TempDir(), "data", "gatehouse.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		f(t, pgSchema(t, postgresURL(t)))
	})
}

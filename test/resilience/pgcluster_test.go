package resilience

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// pgCluster is a private, throw-away PostgreSQL server for tests that
// stop and start the database. The shared test instance is never touched:
// other packages' tests use it at the same time.
type pgCluster struct {
	t    testing.TB
	bin  string // directory of initdb and pg_ctl
	dir  string // socket directory and log
	data string
	port string
	// owner runs the server binaries as the postgres OS user when the
	// test runs as root (initdb refuses root).
	owner *user.User
}

// findPGBin locates the PostgreSQL server binaries: pg_config --bindir,
// else the newest /usr/lib/postgresql/*/bin (Debian keeps them off PATH).
func findPGBin() string {
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		dir := strings.TrimSpace(string(out))
		if _, err := os.Stat(filepath.Join(dir, "initdb")); err == nil {
			return dir
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return vi > vj
	})
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d
		}
	}
	return ""
}

// newPGCluster initialises and starts a cluster on a free port, and
// removes it when the test ends. It skips when PostgreSQL's server
// binaries are not installed.
func newPGCluster(t testing.TB) *pgCluster {
	t.Helper()
	bin := findPGBin()
	if bin == "" {
		t.Skip("PostgreSQL server binaries (initdb, pg_ctl) not found; install postgresql to run the outage test")
	}
	c := &pgCluster{t: t, bin: bin, port: portOf(t, freeAddr(t))}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skip("running as root without a postgres OS user to run the private cluster")
		}
		c.owner = u
	}
	dir, err := os.MkdirTemp("", "gatehouse-pg-")
	if err != nil {
		t.Fatal(err)
	}
	c.dir, c.data = dir, filepath.Join(dir, "data")
	t.Cleanup(func() {
		_ = c.pgctl("-m", "immediate", "stop")
		os.RemoveAll(dir)
	})
	if c.owner != nil {
		uid, _ := strconv.Atoi(c.owner.Uid)
		gid, _ := strconv.Atoi(c.owner.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := c.run("initdb", "-D", c.data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	c.start()
	return c
}

// run runs one of the server binaries as the cluster's owner.
func (c *pgCluster) run(name string, args ...string) ([]byte, error) {
	path := filepath.Join(c.bin, name)
	var cmd *exec.Cmd
	if c.owner != nil {
		cmd = exec.Command("runuser", append([]string{"-u", c.owner.Username, "--", path}, args...)...)
	} else {
		cmd = exec.Command(path, args...)
	}
	cmd.Dir = c.dir
	return cmd.CombinedOutput()
}

func (c *pgCluster) pgctl(args ...string) error {
	out, err := c.run("pg_ctl", append([]string{"-D", c.data, "-w", "-t", "60"}, args...)...)
	if err != nil {
		return fmt.Errorf("pg_ctl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// start starts the server and waits until it accepts connections.
func (c *pgCluster) start() {
	c.t.Helper()
	opts := fmt.Sprintf("-p %s -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60 -c shared_buffers=16MB", c.port, c.dir)
	if err := c.pgctl("-l", filepath.Join(c.dir, "log"), "-o", opts, "start"); err != nil {
		c.t.Fatal(err)
	}
}

// stop shuts the server down as an operator would (fast: running
// transactions are rolled back and clients disconnected).
func (c *pgCluster) stop() {
	c.t.Helper()
	if err := c.pgctl("-m", "fast", "stop"); err != nil {
		c.t.Fatal(err)
	}
}

// url is the cluster's database for Gatehouse. connect_timeout bounds a
// dial to a server that is down.
func (c *pgCluster) url() string {
	return "postgres://postgres@127.0.0.1:" + c.port + "/postgres?sslmode=disable&connect_timeout=5"
}

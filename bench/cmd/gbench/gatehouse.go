package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// gatehouseSrv runs bench/out/gatehouse on SQLite or PostgreSQL.
type gatehouseSrv struct {
	db     string // "sqlite" or "postgres"
	bin    string
	port   int
	dir    string
	pgURL  string // postgres://postgres@127.0.0.1:5432/test?sslmode=disable
	schema string
	secret string

	m2mID, m2mSecret, spaID string
}

func (g *gatehouseSrv) name() string { return "gatehouse-" + g.db }
func (g *gatehouseSrv) label() string {
	if g.db == "sqlite" {
		return "Gatehouse (SQLite)"
	}
	return "Gatehouse (PostgreSQL)"
}
func (g *gatehouseSrv) endpoint() string { return fmt.Sprintf("http://127.0.0.1:%d", g.port) }
func (g *gatehouseSrv) readyURL() string {
	return g.endpoint() + "/oidc/.well-known/openid-configuration"
}
func (g *gatehouseSrv) redirectURI() string { return g.endpoint() + "/cb" }

func (g *gatehouseSrv) dbURL() string {
	if g.db == "sqlite" {
		return "sqlite://" + filepath.Join(g.dir, "gatehouse.db")
	}
	return g.pgURL + "&search_path=" + g.schema
}

func (g *gatehouseSrv) env() []string {
	return []string{
		fmt.Sprintf("GATEHOUSE_ADDR=127.0.0.1:%d", g.port),
		"GATEHOUSE_ENDPOINT=" + g.endpoint(),
		"GATEHOUSE_DATABASE_URL=" + g.dbURL(),
		"GATEHOUSE_SECRET_KEY=" + g.secret,
	}
}

func (g *gatehouseSrv) cli(args ...string) ([]byte, error) {
	cmd := exec.Command(g.bin, args...)
	cmd.Dir = g.dir
	cmd.Env = append(os.Environ(), g.env()...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("gatehouse %v: %v: %s %s", args, err, truncate(out.String(), 300), truncate(errb.String(), 600))
	}
	return out.Bytes(), nil
}

func (g *gatehouseSrv) prepare(rn *runner) error {
	if g.bin == "" {
		return fmt.Errorf("not built")
	}
	if _, err := os.Stat(g.bin); err != nil {
		return fmt.Errorf("not built: %v", err)
	}
	g.dir = filepath.Join(rn.work, fmt.Sprintf("%s-r%d", g.name(), rn.round))
	if err := os.MkdirAll(g.dir, 0o755); err != nil {
		return err
	}
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	g.secret = hex.EncodeToString(k)
	if g.db == "postgres" {
		if err := rn.pgSchema(g.schema); err != nil {
			return err
		}
	}
	// First start: migrations and signing keys; later starts load them.
	p, err := g.start(rn)
	if err != nil {
		return err
	}
	_, err = p.waitReady(g.readyURL(), 30*time.Second)
	p.stop()
	if err != nil {
		return err
	}

	var app struct {
		ID     string `json:"id"`
		Secret string `json:"secret"`
	}
	out, err := g.cli("apps", "create", "--type", "MachineToMachine", "--name", "bench")
	if err != nil {
		return err
	}
	if err := firstJSONObject(out, &app); err != nil || app.ID == "" || app.Secret == "" {
		return fmt.Errorf("apps create (M2M): %v %q", err, truncate(string(out), 300))
	}
	g.m2mID, g.m2mSecret = app.ID, app.Secret
	if _, err := g.cli("resources", "create", "--indicator", "https://api.bench",
		"--scope", "read", "--scope", "write", "--assign-app", g.m2mID); err != nil {
		return err
	}
	app.ID = ""
	out, err = g.cli("apps", "create", "--type", "SPA", "--name", "benchspa", "--redirect-uri", g.redirectURI())
	if err != nil {
		return err
	}
	if err := firstJSONObject(out, &app); err != nil || app.ID == "" {
		return fmt.Errorf("apps create (SPA): %v %q", err, truncate(string(out), 300))
	}
	g.spaID = app.ID
	return nil
}

func (g *gatehouseSrv) startAux(*runner) ([]*proc, error) { return nil, nil }

func (g *gatehouseSrv) start(rn *runner) (*proc, error) {
	return startPinned(g.name(), rn.serverCore, g.dir, filepath.Join(rn.logDir, g.name()+".log"), g.env(), g.bin)
}

func (g *gatehouseSrv) setup(rn *runner, _ *proc) (*target, error) {
	ep := g.endpoint()
	flow := gatehouseFlow{base: ep, clientID: g.spaID, redirectURI: g.redirectURI()}
	t := &target{
		discovery:   getSingle(ep+"/oidc/.well-known/openid-configuration", "issuer"),
		jwks:        getSingle(ep+"/oidc/jwks", "keys"),
		cc:          ccSingle(ep+"/oidc/token", g.m2mID, g.m2mSecret, url.Values{"grant_type": {"client_credentials"}, "resource": {"https://api.bench"}, "scope": {"read"}}),
		tokenURL:    ep + "/oidc/token",
		spaClientID: g.spaID,
		introspect: func(at string) *single {
			return introspectSingle(ep+"/oidc/token/introspection", map[string]string{"Authorization": basicAuth(g.m2mID, g.m2mSecret)}, at)
		},
		userinfo: func(at string) *single { return userinfoSingle(ep+"/oidc/me", at) },
		signin: func(hc *http.Client, user string) (tokenSet, error) {
			return flow.signIn(hc, user, benchPassword, false)
		},
		hashCPU: func() (float64, time.Duration, error) { return scrapeHashCPU(rn.tr, ep+"/metrics") },
		na:      map[string]string{"cc_logto": "—"},
	}
	// Users are created through the Experience API's Register flow.
	tr := loopbackTransport(4)
	for i := 0; i < rn.users; i++ {
		u := fmt.Sprintf("bench%d", i)
		if _, err := flow.signIn(newClient(tr, newJar()), u, benchPassword, true); err != nil {
			return t, fmt.Errorf("register %s: %w", u, err)
		}
		t.users = append(t.users, u)
	}
	return t, nil
}

func psqlExec(dsn, sql string) error {
	cmd := exec.Command("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", dsn, "-c", sql)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("psql: %v: %s", err, truncate(string(out), 400))
	}
	return nil
}

// scrapeHashCPU reads gatehouse_password_hashes_total and
// gatehouse_password_hash_cpu_seconds_total from a Gatehouse /metrics: the
// password checks the server has run and the CPU they took, measured by
// the server on the hashing thread.
func scrapeHashCPU(tr http.RoundTripper, metricsURL string) (n float64, cpu time.Duration, err error) {
	r, err := do(newClient(tr, nil), "GET", metricsURL, nil, nil)
	if err != nil {
		return 0, 0, err
	}
	var seen int
	for _, line := range strings.Split(string(r.body), "\n") {
		name, val, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		f, perr := strconv.ParseFloat(strings.TrimSpace(val), 64)
		switch {
		case perr != nil:
		case name == "gatehouse_password_hashes_total":
			n, seen = f, seen+1
		case name == "gatehouse_password_hash_cpu_seconds_total":
			cpu, seen = time.Duration(f*float64(time.Second)), seen+1
		}
	}
	if seen != 2 {
		return 0, 0, fmt.Errorf("%s: no password hashing series", metricsURL)
	}
	return n, cpu, nil
}

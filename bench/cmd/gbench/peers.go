package main

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

const m2mSecret = "bench-m2m-secret-0123456789abcdef"

// ---- node-oidc-provider ------------------------------------------------------

type nodeSrv struct {
	dir      string // bench cache dir: server.mjs + node_modules
	port     int
	stateDir string
}

func (n *nodeSrv) name() string     { return "node" }
func (n *nodeSrv) label() string    { return "node-oidc-provider" }
func (n *nodeSrv) base() string     { return fmt.Sprintf("http://127.0.0.1:%d", n.port) }
func (n *nodeSrv) readyURL() string { return n.base() + "/oidc/.well-known/openid-configuration" }

func (n *nodeSrv) env(rn *runner) []string {
	return []string{
		"PORT=" + strconv.Itoa(n.port),
		"STATE_DIR=" + n.stateDir,
		"SPA_REDIRECT=" + n.base() + "/cb",
		"M2M_SECRET=" + m2mSecret,
		"BENCH_PASSWORD=" + benchPassword,
		"BENCH_USERS=" + strconv.Itoa(rn.users),
		"NODE_ENV=production",
	}
}

func (n *nodeSrv) prepare(rn *runner) error {
	if n.dir == "" {
		return fmt.Errorf("not installed")
	}
	if _, err := os.Stat(filepath.Join(n.dir, "node_modules", "oidc-provider")); err != nil {
		return fmt.Errorf("not installed: %v", err)
	}
	n.stateDir = filepath.Join(rn.work, fmt.Sprintf("node-r%d", rn.round))
	if err := os.MkdirAll(n.stateDir, 0o755); err != nil {
		return err
	}
	// First start makes the keys and the users' argon2id hashes.
	p, err := n.start(rn)
	if err != nil {
		return err
	}
	_, err = p.waitReady(n.readyURL(), 30*time.Second)
	p.stop()
	return err
}

func (n *nodeSrv) startAux(*runner) ([]*proc, error) { return nil, nil }

func (n *nodeSrv) start(rn *runner) (*proc, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, err
	}
	return startPinned("node", rn.serverCore, n.dir, filepath.Join(rn.logDir, "node.log"), n.env(rn), node, "server.mjs")
}

func (n *nodeSrv) setup(rn *runner, _ *proc) (*target, error) {
	b := n.base()
	flow := nodeFlow{base: b, clientID: "bench-spa", redirectURI: b + "/cb"}
	t := &target{
		discovery:   getSingle(b+"/oidc/.well-known/openid-configuration", "issuer"),
		jwks:        getSingle(b+"/oidc/jwks", "keys"),
		cc:          ccSingle(b+"/oidc/token", "bench-m2m", m2mSecret, url.Values{"grant_type": {"client_credentials"}, "resource": {"https://api.bench"}, "scope": {"read"}}),
		ccLogto:     ccSingle(b+"/oidc/token", "bench-m2m", m2mSecret, url.Values{"grant_type": {"client_credentials"}, "resource": {"https://api.bench384"}, "scope": {"read"}}),
		tokenURL:    b + "/oidc/token",
		spaClientID: "bench-spa",
		introspect: func(at string) *single {
			return introspectSingle(b+"/oidc/token/introspection", map[string]string{"Authorization": basicAuth("bench-m2m", m2mSecret)}, at)
		},
		userinfo: func(at string) *single { return userinfoSingle(b+"/oidc/me", at) },
		signin: func(hc *http.Client, user string) (tokenSet, error) {
			return flow.signIn(hc, user, benchPassword)
		},
		na: map[string]string{},
	}
	for i := 0; i < rn.users; i++ {
		t.users = append(t.users, fmt.Sprintf("bench%d", i))
	}
	return t, nil
}

// ---- Ory Hydra -------------------------------------------------------------

type hydraSrv struct {
	bin        string
	self       string // gbench, for the login app
	tuned      bool
	db         string // "postgres" or "sqlite"
	pgURL      string
	schema     string
	publicPort int
	adminPort  int
	loginPort  int
	dir        string
	why        string // install failure, if any
}

func (h *hydraSrv) name() string {
	switch {
	case h.tuned:
		return "hydra-tuned"
	case h.db == "sqlite":
		return "hydra-sqlite"
	}
	return "hydra"
}
func (h *hydraSrv) label() string {
	switch {
	case h.tuned:
		return "Ory Hydra v2.3.0 (PostgreSQL, tuned)"
	case h.db == "sqlite":
		return "Ory Hydra v2.3.0 (SQLite on tmpfs)"
	}
	return "Ory Hydra v2.3.0 (PostgreSQL)"
}

// dsn: PostgreSQL (own schema) or an SQLite file on tmpfs. Hydra on SQLite
// fails concurrent writes ("database is locked"; with BEGIN IMMEDIATE or one
// connection it deadlocks), so its refresh and sign-in rows are skipped.
func (h *hydraSrv) dsn() string {
	if h.db == "sqlite" {
		return "sqlite://" + h.dir + "/hydra.sqlite?_fk=true"
	}
	// Hydra sizes its pool from the CPUs it sees (one here, pinned), and a
	// token request can hold one connection in a transaction while it waits
	// for a second: with fewer than two connections per concurrent request
	// the pool deadlocks until requests time out. 2×32 + 2 is enough.
	return h.pgURL + "&search_path=" + h.schema + "&max_conns=66&max_idle_conns=8"
}
func (h *hydraSrv) public() string   { return fmt.Sprintf("http://127.0.0.1:%d", h.publicPort) }
func (h *hydraSrv) admin() string    { return fmt.Sprintf("http://127.0.0.1:%d", h.adminPort) }
func (h *hydraSrv) loginApp() string { return fmt.Sprintf("http://127.0.0.1:%d", h.loginPort) }
func (h *hydraSrv) readyURL() string { return h.public() + "/.well-known/openid-configuration" }

func (h *hydraSrv) config() string {
	c := fmt.Sprintf(`dsn: "%s"
serve:
  public: {host: 127.0.0.1, port: %d}
  admin: {host: 127.0.0.1, port: %d}
  cookies: {same_site_mode: Lax}
urls:
  self: {issuer: "%s/"}
  login: "%s/login"
  consent: "%s/consent"
secrets:
  system: ["gatehouse-bench-hydra-system-secret-0123456789"]
log: {level: warn}
strategies: {access_token: opaque}
`, h.dsn(), h.publicPort, h.adminPort, h.public(), h.loginApp(), h.loginApp())
	if h.tuned {
		c += "oauth2:\n  hashers:\n    algorithm: bcrypt\n    bcrypt: {cost: 4}\n"
	}
	return c
}

func (h *hydraSrv) env() []string {
	// No telemetry: nothing leaves 127.0.0.1.
	return []string{"SQA_OPT_OUT=true", "DSN=" + h.dsn()}
}

func (h *hydraSrv) prepare(rn *runner) error {
	if h.bin == "" {
		if h.why == "" {
			h.why = "not installed"
		}
		return fmt.Errorf("%s", h.why)
	}
	// SQLite file on tmpfs (rn.work is under /dev/shm): Hydra's DSN=memory
	// loses the database when its connections drop.
	h.dir = filepath.Join(rn.work, fmt.Sprintf("%s-r%d", h.name(), rn.round))
	if err := os.MkdirAll(h.dir, 0o755); err != nil {
		return err
	}
	if h.db != "sqlite" {
		if h.pgURL == "" {
			return fmt.Errorf("no PostgreSQL")
		}
		if err := rn.pgSchema(h.schema); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(h.dir, "hydra.yml"), []byte(h.config()), 0o644); err != nil {
		return err
	}
	mig := exec.Command(h.bin, "migrate", "sql", "up", "-e", "--yes", "-c", "hydra.yml")
	mig.Dir = h.dir
	mig.Env = append(os.Environ(), h.env()...)
	if out, err := mig.CombinedOutput(); err != nil {
		return fmt.Errorf("hydra migrate: %v: %s", err, truncate(string(out), 500))
	}
	p, err := h.start(rn)
	if err != nil {
		return err
	}
	defer p.stop()
	if _, err := p.waitReady(h.readyURL(), 30*time.Second); err != nil {
		return err
	}
	hc := newClient(loopbackTransport(2), nil)
	if h.tuned {
		// An ES256 key set for JWT access tokens (the default is RSA-4096).
		r, err := do(hc, "POST", h.admin()+"/admin/keys/hydra.jwt.access-token", nil,
			map[string]string{"alg": "ES256", "use": "sig", "kid": "bench-es256"})
		if err != nil || r.status/100 != 2 {
			return fmt.Errorf("create ES256 key set: %v %s", err, r)
		}
	}
	clients := []map[string]any{{
		"client_id": "bench-m2m", "client_name": "bench-m2m", "client_secret": m2mSecret,
		"grant_types": []string{"client_credentials"}, "response_types": []string{},
		"scope": "read write", "audience": []string{"https://api.bench"},
		"token_endpoint_auth_method": "client_secret_basic", "access_token_strategy": "jwt",
	}, {
		"client_id": "bench-spa", "client_name": "bench-spa",
		"grant_types":    []string{"authorization_code", "refresh_token"},
		"response_types": []string{"code"}, "scope": "openid offline_access offline",
		"redirect_uris":              []string{h.public() + "/cb"},
		"token_endpoint_auth_method": "none",
	}}
	for _, c := range clients {
		r, err := do(hc, "POST", h.admin()+"/admin/clients", nil, c)
		if err != nil || r.status != 201 {
			return fmt.Errorf("create client %v: %v %s", c["client_id"], err, r)
		}
	}
	// Let Hydra generate its key sets now, so that measured starts load them.
	for _, s := range []*single{
		getSingle(h.public()+"/.well-known/jwks.json", "keys"),
		ccSingle(h.public()+"/oauth2/token", "bench-m2m", m2mSecret, url.Values{"grant_type": {"client_credentials"}, "scope": {"read"}, "audience": {"https://api.bench"}}),
	} {
		r, err := do(hc, s.method, s.url, s.hdr, s.body)
		if err != nil {
			return err
		}
		if err := s.check(r); err != nil {
			return err
		}
	}
	return nil
}

func (h *hydraSrv) startAux(rn *runner) ([]*proc, error) {
	p, err := startPinned("hydra-login", rn.serverCore, h.dir, filepath.Join(rn.logDir, h.name()+"-login.log"), nil,
		h.self, "hydra-login", "-addr", fmt.Sprintf("127.0.0.1:%d", h.loginPort), "-admin", h.admin(),
		"-users", strconv.Itoa(rn.users), "-password", benchPassword)
	if err != nil {
		return nil, err
	}
	if _, err := p.waitReady(h.loginApp()+"/health", 60*time.Second); err != nil {
		p.stop()
		return nil, err
	}
	return []*proc{p}, nil
}

func (h *hydraSrv) start(rn *runner) (*proc, error) {
	return startPinned(h.name(), rn.serverCore, h.dir, filepath.Join(rn.logDir, h.name()+".log"), h.env(),
		h.bin, "serve", "all", "--dev", "--sqa-opt-out", "-c", "hydra.yml")
}

func (h *hydraSrv) setup(rn *runner, _ *proc) (*target, error) {
	pub, adm := h.public(), h.admin()
	flow := hydraFlow{public: pub, loginApp: h.loginApp(), clientID: "bench-spa", redirectURI: pub + "/cb"}
	t := &target{
		discovery:   getSingle(pub+"/.well-known/openid-configuration", "issuer"),
		jwks:        getSingle(pub+"/.well-known/jwks.json", "keys"),
		cc:          ccSingle(pub+"/oauth2/token", "bench-m2m", m2mSecret, url.Values{"grant_type": {"client_credentials"}, "scope": {"read"}, "audience": {"https://api.bench"}}),
		tokenURL:    pub + "/oauth2/token",
		spaClientID: "bench-spa",
		// Hydra introspects on its admin port, without client authentication.
		introspect: func(at string) *single { return introspectSingle(adm+"/admin/oauth2/introspect", nil, at) },
		userinfo:   func(at string) *single { return userinfoSingle(pub+"/userinfo", at) },
		signin: func(hc *http.Client, user string) (tokenSet, error) {
			return flow.signIn(hc, user, benchPassword)
		},
		na: map[string]string{"cc_logto": "—"},
	}
	if h.db == "sqlite" {
		why := "Hydra on SQLite: concurrent writes fail (database is locked)"
		t.na["refresh"], t.na["signin"] = why, why
	}
	for i := 0; i < rn.users; i++ {
		t.users = append(t.users, fmt.Sprintf("bench%d", i))
	}
	return t, nil
}

// ---- plain net/http stub -------------------------------------------------------

type stubSrv struct {
	self string
	port int
	dir  string
}

func (s *stubSrv) name() string     { return "stub" }
func (s *stubSrv) label() string    { return "plain Go net/http stub" }
func (s *stubSrv) base() string     { return fmt.Sprintf("http://127.0.0.1:%d", s.port) }
func (s *stubSrv) readyURL() string { return s.base() + "/oidc/.well-known/openid-configuration" }

func (s *stubSrv) prepare(rn *runner) error {
	s.dir = rn.stubDir
	for _, f := range []string{"discovery.json", "jwks.json"} {
		if _, err := os.Stat(filepath.Join(s.dir, f)); err != nil {
			return fmt.Errorf("no %s captured from another server", f)
		}
	}
	return nil
}

func (s *stubSrv) startAux(*runner) ([]*proc, error) { return nil, nil }

func (s *stubSrv) start(rn *runner) (*proc, error) {
	return startPinned("stub", rn.serverCore, s.dir, filepath.Join(rn.logDir, "stub.log"), nil,
		s.self, "stub", "-addr", fmt.Sprintf("127.0.0.1:%d", s.port), "-dir", s.dir)
}

func (s *stubSrv) setup(*runner, *proc) (*target, error) {
	b := s.base()
	na := "static bytes only"
	return &target{
		discovery: getSingle(b+"/oidc/.well-known/openid-configuration", "issuer"),
		jwks:      getSingle(b+"/oidc/jwks", "keys"),
		na: map[string]string{"cc": na, "cc_logto": "—", "introspection": na, "userinfo": na,
			"refresh": na, "signin": na},
	}, nil
}

package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gatehouse/gatehouse/internal/password"
)

type workload struct {
	key, title string
}

var workloads = []workload{
	{"discovery", "discovery"},
	{"jwks", "JWKS"},
	{"cc", "client_credentials → JWT access token"},
	{"cc_logto", "client_credentials → JWT, ES384 (Logto's default key)"},
	{"introspection", "introspection (opaque token)"},
	{"userinfo", "userinfo (opaque token)"},
	{"refresh", "refresh_token grant (rotating, public client)"},
	{"signin", "sign-in: auth code + PKCE + password, all HTTP steps"},
}

type result struct {
	lo       loadOut
	rps      float64
	cpuPerOp time.Duration
	maxRSS   int64 // KiB
	note     string
	na       string
	tool     string
	// othersCPU: share of the server's CPU used by other processes
	// (PostgreSQL, other work on the machine) during the window.
	othersCPU float64
	// hashCPUPerOp is the sign-in's password hashing CPU as the server
	// itself measured it (Gatehouse's /metrics), 0 where not reported.
	hashCPUPerOp time.Duration
}

type serverResult struct {
	name, label string
	na          string
	cold        []time.Duration
	idleRSS     int64
	loadRSS     int64 // max over token workloads
	signinRSS   int64
	res         map[string]*result
	wall        time.Duration
	rounds      int // merged rounds beyond the first
}

type runner struct {
	out, logDir, work, stubDir string
	wrk, self                  string
	serverCore                 string
	conns, signinConns         int
	dur, warm                  time.Duration
	colds, users               int
	rounds, round              int
	pgURL                      string
	schemas                    map[string]bool // to drop at the end
	quick                      bool
	tr                         *http.Transport
	// hashRef is the sign-in hash reference: measured before the load
	// and again after each sign-in workload, each field the least seen.
	hashRef hashRefs
}

func logf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "[%s] %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, a...))
}

func cmdRun(args []string) error {
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	quick := fs.Bool("quick", false, "short runs (about 3 minutes in all)")
	out := fs.String("out", "bench/out", "output directory (results.md, logs)")
	ghBin := fs.String("gatehouse-bin", "", "Gatehouse binary (empty: rows print n/a)")
	ghWhy := fs.String("gatehouse-why", "", "why Gatehouse is missing")
	nodeDir := fs.String("node-dir", "", "node-oidc-provider peer dir (server.mjs + node_modules)")
	nodeWhy := fs.String("node-why", "", "why the node peer is missing")
	hydraBin := fs.String("hydra-bin", "", "Ory Hydra binary")
	hydraWhy := fs.String("hydra-why", "", "why Hydra is missing")
	hydraTuned := fs.Bool("hydra-tuned", false, "also run Hydra tuned (bcrypt cost 4, ES256 access-token key)")
	hydraSQLite := fs.Bool("hydra-sqlite", false, "also run Hydra on an SQLite file on tmpfs (spec/quality.md's anchor set-up; no refresh or sign-in rows)")
	pgURL := fs.String("pg", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable", "PostgreSQL URL for Gatehouse (empty: skip)")
	only := fs.String("servers", "", "comma-separated subset: gatehouse-sqlite,gatehouse-postgres,node,hydra,hydra-tuned,hydra-sqlite,stub")
	onlyWl := fs.String("workloads", "", "comma-separated subset of workloads: discovery,jwks,cc,cc_logto,introspection,userinfo,refresh,signin (for profiling one; the report marks the rest n/a)")
	wrkBin := fs.String("wrk", "wrk", "wrk binary")
	conns := fs.Int("c", 32, "connections / workers for single-request workloads and refresh")
	signinConns := fs.Int("signin-c", 8, "workers for the sign-in workload")
	dur := fs.Duration("d", 0, "measured duration per workload and round (default 5s, quick 2s)")
	rounds := fs.Int("rounds", 0, "rounds over all servers; each row keeps its best round (default 2, quick 1)")
	warm := fs.Duration("warmup", 0, "warm-up per workload (default 2s, quick 1s)")
	core := fs.String("server-core", "0", "CPU the servers are pinned to")
	basePort := fs.Int("port", 18080, "first port to use")
	_ = fs.Parse(args)

	for _, p := range []*string{ghBin, nodeDir, hydraBin, out} {
		if *p != "" {
			if a, err := filepath.Abs(*p); err == nil {
				*p = a
			}
		}
	}
	rn := &runner{out: *out, wrk: *wrkBin, serverCore: *core, conns: *conns, signinConns: *signinConns,
		quick: *quick, users: 8, colds: 2, rounds: 2, dur: 5 * time.Second, warm: 2 * time.Second}
	if *quick {
		rn.dur, rn.warm, rn.colds, rn.rounds = 2*time.Second, time.Second, 1, 1
	}
	if *rounds > 0 {
		rn.rounds = *rounds
	}
	if *dur > 0 {
		rn.dur = *dur
	}
	if *warm > 0 {
		rn.warm = *warm
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	rn.self = self
	rn.logDir = filepath.Join(rn.out, "logs")
	if err := os.MkdirAll(rn.logDir, 0o755); err != nil {
		return err
	}
	for _, f := range mustGlob(filepath.Join(rn.logDir, "*.log")) {
		_ = os.Remove(f)
	}
	tmpRoot := "/dev/shm"
	if st, err := os.Stat(tmpRoot); err != nil || !st.IsDir() {
		tmpRoot = os.TempDir()
	}
	rn.work, err = os.MkdirTemp(tmpRoot, "gatehouse-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(rn.work)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		s := <-sigs
		logf("%v: stopping servers", s)
		stopAll()
		rn.dropSchemas()
		_ = os.RemoveAll(rn.work)
		os.Exit(130)
	}()
	rn.pgURL, rn.schemas = *pgURL, map[string]bool{}
	defer rn.dropSchemas()
	rn.stubDir = filepath.Join(rn.work, "stub")
	_ = os.MkdirAll(rn.stubDir, 0o755)
	rn.tr = loopbackTransport(max(*conns, *signinConns) + 8)

	// Ports from -port up, skipping any that something already listens on
	// (a server left over from an interrupted run would otherwise answer
	// in place of the one under test, or make it fail to start).
	port := *basePort
	next := func() int {
		for {
			p := port
			port++
			if portFree(p) {
				return p
			}
			logf("gbench: 127.0.0.1:%d is taken, skipping it", p)
		}
	}
	var servers []server
	ghSQLite := &gatehouseSrv{db: "sqlite", bin: *ghBin, port: next()}
	ghPG := &gatehouseSrv{db: "postgres", bin: *ghBin, port: next(), pgURL: *pgURL, schema: "bench_gatehouse"}
	servers = append(servers, ghSQLite, ghPG)
	servers = append(servers, &nodeSrv{dir: *nodeDir, port: next()})
	servers = append(servers, &hydraSrv{bin: *hydraBin, why: *hydraWhy, self: self, db: "postgres", pgURL: *pgURL, schema: "bench_hydra",
		publicPort: next(), adminPort: next(), loginPort: next()})
	if *hydraTuned {
		servers = append(servers, &hydraSrv{bin: *hydraBin, why: *hydraWhy, self: self, tuned: true, db: "postgres", pgURL: *pgURL, schema: "bench_hydra_tuned",
			publicPort: next(), adminPort: next(), loginPort: next()})
	}
	if *hydraSQLite {
		servers = append(servers, &hydraSrv{bin: *hydraBin, why: *hydraWhy, self: self, db: "sqlite",
			publicPort: next(), adminPort: next(), loginPort: next()})
	}
	servers = append(servers, &stubSrv{self: self, port: next()})

	why := map[string]string{"gatehouse-sqlite": *ghWhy, "gatehouse-postgres": *ghWhy, "node": *nodeWhy}
	if *pgURL == "" {
		why["gatehouse-postgres"] = "no PostgreSQL"
		why["hydra"], why["hydra-tuned"] = "no PostgreSQL (try -hydra-sqlite)", "no PostgreSQL"
	}
	want := map[string]bool{}
	for _, s := range strings.Split(*only, ",") {
		if s = strings.TrimSpace(s); s != "" {
			want[s] = true
		}
	}

	wantWl := map[string]bool{}
	for _, k := range strings.Split(*onlyWl, ",") {
		if k = strings.TrimSpace(k); k != "" {
			if !slices.ContainsFunc(workloads, func(w workload) bool { return w.key == k }) {
				return fmt.Errorf("unknown workload %q", k)
			}
			wantWl[k] = true
		}
	}

	if rn.hashRef, err = measureHashRefs(); err != nil {
		return fmt.Errorf("password hash reference: %w", err)
	}
	logf("gbench: one password check takes %v CPU with Gatehouse's argon2id, %v with x/crypto/argon2 (sign-in hash references)",
		rn.hashRef.gatehouse, rn.hashRef.xcrypto)
	loadStart := loadAvg()
	start := time.Now()
	logf("gbench: %d servers, %d round(s), %v per workload (+%v warm-up), c=%d, sign-in c=%d, work dir %s",
		len(servers), rn.rounds, rn.dur, rn.warm, rn.conns, rn.signinConns, rn.work)
	var results []*serverResult
	merged := map[string]*serverResult{}
	for rn.round = 1; rn.round <= rn.rounds; rn.round++ {
		if rn.rounds > 1 {
			logf("round %d of %d", rn.round, rn.rounds)
		}
		// Bring every server up (all pinned to the server CPU; the idle
		// ones take next to nothing), then run each workload on every
		// server back to back, so that the servers compared in one row are
		// measured within seconds of each other. Even rounds reverse the
		// order.
		var ups []*up
		var round []*serverResult
		for _, s := range servers {
			if len(want) > 0 && !want[s.name()] {
				continue
			}
			if m := merged[s.name()]; m != nil && m.na != "" {
				continue // failed in an earlier round: do not wait for it again
			}
			if w := why[s.name()]; w != "" {
				round = append(round, &serverResult{name: s.name(), label: s.label(), na: w, res: map[string]*result{}})
				if rn.round == 1 {
					logf("%s: n/a (%s)", s.name(), w)
				}
				continue
			}
			u := rn.bringUp(s)
			round = append(round, u.sr)
			if u.sr.na == "" {
				ups = append(ups, u)
			}
		}
		for _, wl := range workloads {
			if len(wantWl) > 0 && !wantWl[wl.key] {
				continue
			}
			for i := range ups {
				u := ups[i]
				if rn.round%2 == 0 {
					u = ups[len(ups)-1-i]
				}
				rn.runWorkload(u, wl)
			}
		}
		for _, u := range ups {
			u.stop()
		}
		for _, sr := range round {
			if m := merged[sr.name]; m != nil {
				m.merge(sr)
			} else {
				merged[sr.name] = sr
				results = append(results, sr)
			}
		}
	}
	total := time.Since(start)
	md := report(rn, results, rn.hashRef, total, loadStart, loadAvg())
	fmt.Println(md)
	if err := os.WriteFile(filepath.Join(rn.out, "results.md"), []byte(md), 0o644); err != nil {
		return err
	}
	logf("wrote %s (run took %v)", filepath.Join(rn.out, "results.md"), total.Round(time.Second))
	return nil
}

// merge folds another round into sr: each workload keeps its best round
// (highest req/s: interference from other processes only ever lowers it),
// cold starts pool, idle RSS keeps the lowest, loaded RSS the highest.
func (sr *serverResult) merge(o *serverResult) {
	sr.wall += o.wall
	sr.rounds++
	if sr.na != "" && o.na == "" {
		o.wall, o.rounds = sr.wall, sr.rounds
		*sr = *o
		return
	}
	if o.na != "" {
		return
	}
	sr.cold = append(sr.cold, o.cold...)
	if o.idleRSS > 0 && (sr.idleRSS == 0 || o.idleRSS < sr.idleRSS) {
		sr.idleRSS = o.idleRSS
	}
	sr.loadRSS = max(sr.loadRSS, o.loadRSS)
	sr.signinRSS = max(sr.signinRSS, o.signinRSS)
	for k, r := range o.res {
		cur := sr.res[k]
		if cur == nil || (r.na == "" && (cur.na != "" || r.rps > cur.rps)) {
			sr.res[k] = r
		}
	}
}

// pgSchema drops and re-creates a PostgreSQL schema and remembers to drop
// it at the end of the run.
func (rn *runner) pgSchema(name string) error {
	rn.schemas[name] = true
	return psqlExec(rn.pgURL, fmt.Sprintf("DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s;", name, name))
}

func (rn *runner) dropSchemas() {
	for name := range rn.schemas {
		_ = psqlExec(rn.pgURL, fmt.Sprintf("DROP SCHEMA IF EXISTS %s CASCADE;", name))
	}
}

func mustGlob(p string) []string {
	m, _ := filepath.Glob(p)
	return m
}

// up is one server started for a round: its process, helpers and target.
type up struct {
	s     server
	sr    *serverResult
	p     *proc
	aux   []*proc
	tg    *target
	pids  []int
	uiTok string
}

func (u *up) stop() {
	u.p.stop()
	for _, a := range u.aux {
		a.stop()
	}
}

// bringUp prepares and starts one server (measuring its cold starts and
// idle RSS) and sets up what the workloads need. On failure sr.na says why
// and nothing is left running.
func (rn *runner) bringUp(s server) *up {
	u := &up{s: s, sr: &serverResult{name: s.name(), label: s.label(), res: map[string]*result{}}}
	sr := u.sr
	t0 := time.Now()
	defer func() { sr.wall += time.Since(t0) }()
	fail := func(stage string, err error) *up {
		sr.na = fmt.Sprintf("%s: %s", stage, oneLine(err.Error(), 160))
		logf("%s: n/a (%s)", s.name(), err)
		if u.p != nil {
			u.p.stop()
		}
		for _, a := range u.aux {
			a.stop()
		}
		return u
	}
	logf("%s: prepare", s.name())
	if err := s.prepare(rn); err != nil {
		return fail("prepare", err)
	}
	var err error
	if u.aux, err = s.startAux(rn); err != nil {
		return fail("helper", err)
	}
	for i := 0; i < rn.colds; i++ {
		if u.p, err = s.start(rn); err != nil {
			u.p = nil
			return fail("start", err)
		}
		d, err := u.p.waitReady(s.readyURL(), 60*time.Second)
		if err != nil {
			return fail("start", err)
		}
		sr.cold = append(sr.cold, d)
		if i < rn.colds-1 {
			u.p.stop()
		}
	}
	time.Sleep(time.Second)
	sr.idleRSS = rssKiB(u.p.pid())
	logf("%s: cold start %v, idle RSS %s", s.name(), sr.cold, fmtMiB(sr.idleRSS))

	if u.tg, err = s.setup(rn, u.p); err != nil {
		return fail("setup", err)
	}
	u.pids = []int{u.p.pid()}
	for _, a := range u.aux {
		u.pids = append(u.pids, a.pid())
	}
	hc := newClient(rn.tr, nil)

	// Capture Gatehouse's (else the first peer's) documents for the stub.
	if _, err := os.Stat(filepath.Join(rn.stubDir, "discovery.json")); err != nil && s.name() != "stub" && u.tg.discovery != nil {
		for f, sg := range map[string]*single{"discovery.json": u.tg.discovery, "jwks.json": u.tg.jwks} {
			if r, err := do(hc, "GET", sg.url, nil, nil); err == nil && r.status == 200 {
				_ = os.WriteFile(filepath.Join(rn.stubDir, f), r.body, 0o644)
			}
		}
	}

	// Tokens for userinfo and introspection: one sign-in of their own.
	if u.tg.signin != nil {
		ts, err := u.tg.signin(newClient(rn.tr, newJar()), u.tg.users[0])
		if err != nil {
			for _, k := range []string{"introspection", "userinfo", "refresh", "signin"} {
				if u.tg.na[k] == "" {
					u.tg.na[k] = "sign-in failed: " + oneLine(err.Error(), 120)
				}
			}
		} else {
			u.uiTok = ts.AccessToken
		}
	}
	return u
}

// runWorkload measures one workload on one running server.
func (rn *runner) runWorkload(u *up, wl workload) {
	sr, tg := u.sr, u.tg
	if sr.na != "" {
		return
	}
	if why, ok := tg.na[wl.key]; ok {
		sr.res[wl.key] = &result{na: why}
		return
	}
	t0 := time.Now()
	defer func() { sr.wall += time.Since(t0) }()
	name := u.s.name() + "-" + wl.key
	var r *result
	switch wl.key {
	case "discovery":
		r = rn.runSingle(name, tg.discovery, u.pids)
	case "jwks":
		r = rn.runSingle(name, tg.jwks, u.pids)
	case "cc":
		r = rn.runSingle(name, tg.cc, u.pids)
	case "cc_logto":
		r = rn.runSingle(name, tg.ccLogto, u.pids)
	case "introspection":
		r = rn.runSingle(name, tg.introspect(u.uiTok), u.pids)
	case "userinfo":
		r = rn.runSingle(name, tg.userinfo(u.uiTok), u.pids)
	case "refresh":
		r = rn.runRefresh(tg, u.pids)
	case "signin":
		r = rn.runSignin(tg, u.pids)
	}
	if r.na == "" {
		logf("%-18s %-13s %9.1f req/s  p50 %v  p99 %v  errors %d  cpu/op %v  others %.0f%%  %s", u.s.name(), wl.key, r.rps,
			r.lo.p50.Round(10*time.Microsecond), r.lo.p99.Round(10*time.Microsecond), r.lo.errs, r.cpuPerOp, 100*r.othersCPU, r.note)
		if wl.key == "signin" {
			sr.signinRSS = max(sr.signinRSS, r.maxRSS)
		} else {
			sr.loadRSS = max(sr.loadRSS, r.maxRSS)
		}
	} else {
		logf("%-18s %-13s n/a (%s)", u.s.name(), wl.key, r.na)
	}
	sr.res[wl.key] = r
	if u.p.exited() {
		sr.na = "server exited during " + wl.key + ": " + oneLine(u.p.logTail(), 160)
		logf("%s: %s", u.s.name(), sr.na)
	}
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	return truncate(s, n)
}

// measure runs fn while sampling the server's RSS and CPU time.
func (rn *runner) measure(pids []int, fn func() (loadOut, error)) (*result, error) {
	var maxRSS atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			if v := rssKiB(pids[0]); v > maxRSS.Load() {
				maxRSS.Store(v)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	cpu0 := time.Duration(0)
	for _, p := range pids {
		cpu0 += cpuTime(p)
	}
	busy0, t0 := cpuBusy(rn.serverCore), time.Now()
	lo, err := fn()
	cpu1 := time.Duration(0)
	for _, p := range pids {
		cpu1 += cpuTime(p)
	}
	busy1, wall := cpuBusy(rn.serverCore), time.Since(t0)
	close(stop)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	r := &result{lo: lo, maxRSS: maxRSS.Load()}
	if wall > 0 {
		r.othersCPU = float64((busy1-busy0)-(cpu1-cpu0)) / float64(wall)
		r.othersCPU = max(r.othersCPU, 0)
	}
	if lo.elapsed > 0 {
		r.rps = float64(lo.ops) / lo.elapsed.Seconds()
	}
	if lo.ops > 0 {
		r.cpuPerOp = (cpu1 - cpu0) / time.Duration(lo.ops)
	}
	return r, nil
}

func (rn *runner) runSingle(name string, s *single, pids []int) *result {
	if s == nil {
		return &result{na: "—"}
	}
	hc := newClient(rn.tr, nil)
	r0, err := do(hc, s.method, s.url, s.hdr, s.body)
	if err != nil {
		return &result{na: oneLine(err.Error(), 120)}
	}
	if r0.status == 404 {
		return &result{na: "404, not implemented yet"}
	}
	if err := s.check(r0); err != nil {
		return &result{na: oneLine(err.Error(), 120)}
	}
	note := ""
	if strings.Contains(name, "-cc") {
		if t, err := parseTokens(r0); err == nil {
			note = jwtAlg(t.AccessToken)
		}
	}
	script, err := writeWrkScript(rn.work, name, s)
	if err != nil {
		return &result{na: err.Error()}
	}
	if rn.warm > 0 {
		if _, err := runWrk(rn.wrk, script, s.url, rn.conns, rn.warm); err != nil {
			return &result{na: oneLine(err.Error(), 120)}
		}
	}
	res, err := rn.measure(pids, func() (loadOut, error) { return runWrk(rn.wrk, script, s.url, rn.conns, rn.dur) })
	if err != nil {
		return &result{na: oneLine(err.Error(), 120)}
	}
	res.note, res.tool = note, fmt.Sprintf("wrk -t1 -c%d", rn.conns)
	return res
}

func (rn *runner) runRefresh(tg *target, pids []int) *result {
	// One rotating refresh-token chain per worker, each from its own sign-in.
	toks := make([]string, rn.conns)
	var firstErr error
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i := range toks {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			ts, err := tg.signin(newClient(rn.tr, newJar()), tg.users[i%len(tg.users)])
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = err
			}
			toks[i] = ts.RefreshToken
		}(i)
	}
	wg.Wait()
	if firstErr != nil {
		return &result{na: "sign-in for refresh tokens failed: " + oneLine(firstErr.Error(), 120)}
	}
	hc := newClient(rn.tr, nil)
	refresh := func(w int) (tokenSet, error) {
		r, err := do(hc, "POST", tg.tokenURL, nil, url.Values{
			"grant_type":    {"refresh_token"},
			"refresh_token": {toks[w]},
			"client_id":     {tg.spaClientID},
		})
		if err != nil {
			return tokenSet{}, err
		}
		t, err := parseTokens(r)
		if err == nil && t.RefreshToken != "" {
			toks[w] = t.RefreshToken
		}
		return t, err
	}
	op := func(w int) error {
		_, err := refresh(w)
		return err
	}
	// The first refresh's access token is checked again after the load.
	first, err := refresh(0)
	if err != nil {
		return &result{na: oneLine(err.Error(), 120)}
	}
	if rn.warm > 0 {
		runGo(rn.conns, rn.warm, op)
	}
	res, _ := rn.measure(pids, func() (loadOut, error) { return runGo(rn.conns, rn.dur, op), nil })
	res.tool = fmt.Sprintf("Go, %d workers", rn.conns)
	if res.lo.errs > 0 {
		res.note = "first error: " + oneLine(res.lo.firstErr, 100)
	}
	res.note = joinNotes(res.note, rn.firstTokenKept(hc, tg, first.AccessToken))
	return res
}

// firstTokenKept says whether the access token of the workload's first
// refresh, unexpired (its TTL is far longer than the run), still
// introspects as active after the load: whether the server kept every
// access token it issued, which is work a refresh does or skips.
func (rn *runner) firstTokenKept(hc *http.Client, tg *target, at string) string {
	if tg.introspect == nil || at == "" {
		return ""
	}
	s := tg.introspect(at)
	r, err := do(hc, s.method, s.url, s.hdr, s.body)
	switch {
	case err != nil:
		return "first access token: introspection failed: " + oneLine(err.Error(), 80)
	case s.check(r) == nil:
		return "first access token still active after the load"
	default:
		return "first access token no longer active after the load (not kept)"
	}
}

func joinNotes(a, b string) string {
	if a == "" || b == "" {
		return a + b
	}
	return a + "; " + b
}

func (rn *runner) runSignin(tg *target, pids []int) *result {
	op := func(w int) error {
		_, err := tg.signin(newClient(rn.tr, newJar()), tg.users[w%len(tg.users)])
		return err
	}
	if err := op(0); err != nil {
		return &result{na: oneLine(err.Error(), 120)}
	}
	if rn.warm > 0 {
		runGo(rn.signinConns, rn.warm, op)
	}
	var n0, n1 float64
	var hash0, hash1 time.Duration
	var hashErr error
	if tg.hashCPU != nil {
		n0, hash0, hashErr = tg.hashCPU()
	}
	res, _ := rn.measure(pids, func() (loadOut, error) { return runGo(rn.signinConns, rn.dur, op), nil })
	if tg.hashCPU != nil && hashErr == nil {
		n1, hash1, hashErr = tg.hashCPU()
	}
	res.tool = fmt.Sprintf("Go, %d workers", rn.signinConns)
	if res.lo.errs > 0 {
		res.note = "first error: " + oneLine(res.lo.firstErr, 100)
	}
	if tg.hashCPU != nil && hashErr == nil && res.lo.ops > 0 && n1 > n0 {
		// One password check per sign-in; the scrapes frame the window.
		res.hashCPUPerOp = (hash1 - hash0) / time.Duration(res.lo.ops)
	}
	// Once more, now that the server is idle: a machine busy with other
	// work only inflates the reference, so the least of all is kept (which
	// errs towards a larger share outside the hash).
	if r, err := measureHashRefs(); err == nil {
		rn.hashRef = rn.hashRef.least(r)
	}
	return res
}

// hashRefs is the CPU time of one password check as each server's
// sign-in does it, timed in this process (pinned to the load CPU and
// otherwise idle, so other processes do not count; least of 7, before the
// load and after each sign-in workload): the password-hash share of a
// sign-in, which the report subtracts from the server CPU per sign-in to
// estimate everything else.
type hashRefs struct {
	// gatehouse is internal/password.Verify of a DefaultParams argon2id
	// hash: Gatehouse's own code (its vendored argon2 on a reused off-heap
	// work buffer) and parameters, warmed as a busy server's is (the
	// buffer is mapped and faulted in by an untimed first hash, then
	// reused). This is the checkout's internal/password: with
	// GATEHOUSE_BIN=<other build> it is the reference only if that build
	// hashes the same way.
	gatehouse time.Duration
	// xcrypto is golang.org/x/crypto/argon2.IDKey with the same parameters
	// and a fresh 19 MiB allocation per hash: exactly what Hydra's login
	// app (gbench hydra-login, argonHash.verify) runs.
	xcrypto time.Duration
}

// measureHashRefs times both references. node-oidc-provider hashes with
// hash-wasm inside node, which this process cannot time, so its sign-in
// has no estimate.
func measureHashRefs() (hashRefs, error) {
	var r hashRefs
	encoded, err := password.Hash(benchPassword) // maps and faults in the work buffer
	if err != nil {
		return r, err
	}
	var verr error
	r.gatehouse = leastCPU(7, func() {
		if ok, err := password.Verify(benchPassword, encoded); err != nil || !ok {
			verr = fmt.Errorf("password.Verify: %v %v", ok, err)
		}
	})
	if verr != nil {
		return r, verr
	}
	h := newArgonHash(benchPassword)
	r.xcrypto = leastCPU(7, func() { h.verify(benchPassword) })
	return r, nil
}

// least is r with each field the lesser of r's and o's.
func (r hashRefs) least(o hashRefs) hashRefs {
	if o.gatehouse > 0 && o.gatehouse < r.gatehouse {
		r.gatehouse = o.gatehouse
	}
	if o.xcrypto > 0 && o.xcrypto < r.xcrypto {
		r.xcrypto = o.xcrypto
	}
	return r
}

// forServer is the reference for a server's sign-in and what it is; 0 when
// there is none.
func (r hashRefs) forServer(name string) (time.Duration, string) {
	switch {
	case strings.HasPrefix(name, "gatehouse"):
		return r.gatehouse, "Gatehouse's own argon2id (internal/password.Verify, warm buffer)"
	case strings.HasPrefix(name, "hydra"):
		return r.xcrypto, "x/crypto/argon2.IDKey, as its login app"
	}
	return 0, ""
}

// leastCPU is the least process CPU time of n runs of f.
func leastCPU(n int, f func()) time.Duration {
	best := time.Duration(0)
	for range n {
		t0 := processCPU()
		f()
		if d := processCPU() - t0; best == 0 || (d > 0 && d < best) {
			best = d
		}
	}
	return best
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// portFree reports whether nothing listens on 127.0.0.1:port now.
func portFree(port int) bool {
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return false
	}
	_ = l.Close()
	return true
}
